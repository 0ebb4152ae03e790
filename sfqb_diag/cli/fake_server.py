"""`sfqb-diag fake-server --raw RAW`: the loopback stand-in for both APIs (demo kit)."""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from sfqb_demo.standin import FAULT_HELP, StandIn


def fake_server(
    raw: Annotated[Path, typer.Option("--raw", help="The raw folder to serve, as it is.")],
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0: any free port).")] = 0,
    write_config: Annotated[
        Path | None,
        typer.Option(
            "--write-config",
            help="Write a client.yaml pointing at the stand-in (and standin.env with fake credentials).",
        ),
    ] = None,
    faults: Annotated[list[str] | None, typer.Option("--faults", help=FAULT_HELP)] = None,
    per_minute: Annotated[
        int, typer.Option("--per-minute", help="QBO requests allowed per minute per realm.")
    ] = 500,
) -> None:
    """Serve a raw folder over HTTPS on 127.0.0.1 as Salesforce and QBO (reads only; writes are refused and logged)."""
    if not (raw / "salesforce").is_dir() and not (raw / "quickbooks").is_dir():
        from sfqb_diag.errors import UsageError

        raise UsageError(f"{raw} has neither salesforce/ nor quickbooks/: not a raw folder")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    workdir = write_config.parent if write_config else None
    with StandIn(raw, port=port, faults=faults, workdir=workdir, per_minute=per_minute) as standin:
        typer.echo(f"Stand-in serving {raw} at {standin.url} (CA bundle: {standin.ca_bundle})")
        if write_config:
            standin.write_config(write_config)
            typer.echo(
                f"Config: {write_config}; fake credentials: source {write_config.parent / 'standin.env'}"
            )
        typer.echo(f"QBO realm: {standin.state.realm_id}. Ctrl-C stops.")
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
        try:
            while True:
                time.sleep(0.5)
        except KeyboardInterrupt:
            state = standin.state
            typer.echo(
                f"\nStopped after {len(state.log)} requests; {len(state.writes)} write(s) refused."
            )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
