"""`sfqb-diag connect salesforce|quickbooks --config FILE`: get a refresh token into the store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from sfqb_diag.config import load_config
from sfqb_diag.errors import UsageError

SERVICES = ("salesforce", "quickbooks")


def connect(
    service: Annotated[str, typer.Argument(help="salesforce or quickbooks.")],
    config: Annotated[
        Path, typer.Option("--config", help="client.yaml (names the app's env vars).")
    ],
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Only print the URL to open (remote shells).")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the approval.")
    ] = 300.0,
) -> None:
    """Log in through the browser (Salesforce: web-server flow with PKCE; QuickBooks: Intuit's
    authorization code) and keep the refresh token in the token store (mode 0600)."""
    from sfqb_diag.sources.live.connect import Browser, connect_quickbooks, connect_salesforce
    from sfqb_diag.sources.live.pull import resolve_paths

    if service not in SERVICES:
        raise UsageError(f"connect: say salesforce or quickbooks (not {service!r})")
    cfg = resolve_paths(load_config(config))
    browser = Browser(
        announce=typer.echo,
        open_browser=not no_browser,
        timeout=timeout,
        paste=lambda: str(typer.prompt("Address", hide_input=False)),
    )
    if service == "salesforce":
        record = connect_salesforce(cfg, os.environ, browser)
        typer.echo(
            f"Connected to {record.instance_url}; the refresh token is in "
            f"{cfg.salesforce.token_store}. Set salesforce.auth: oauth to pull with it."
        )
        return
    record = connect_quickbooks(cfg, os.environ, browser)
    expiry = (
        f"; Intuit says the refresh token expires by {record.refresh_token_expires_at}"
        if record.refresh_token_expires_at
        else ""
    )
    typer.echo(
        f"Connected to QuickBooks company (realm) {record.realm_id}; tokens are in "
        f"{cfg.quickbooks.token_store}{expiry}."
    )
