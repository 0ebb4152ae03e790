"""The live verbs: `pull`, `doctor`, `fake-server`, `init`, and the engine of `demo --live`."""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from sfqb_demo.standin import FAULT_HELP, StandIn
from sfqb_diag.config import load_config
from sfqb_diag.errors import PullError


def run_live_demo(raw: Path, workdir: Path, quiet: bool = True) -> Path:
    """Serve `raw` with the stand-in (port 0), pull it through the real clients into
    workdir/'pulled', stop the stand-in and return the pulled raw folder."""
    from sfqb_diag.sources.live.pull import PullOptions, pull

    workdir = Path(workdir)
    pulled = workdir / "pulled"
    for old in (pulled, workdir / "pulled.partial", workdir / "standin"):
        shutil.rmtree(old, ignore_errors=True)
    # The connector's sync log comes from the connector, not from either API: carried over as a
    # consultant would add it to a pulled folder.
    extras = tuple(p for p in [Path(raw) / "sync_log.csv"] if p.is_file())
    with StandIn(Path(raw), port=0, workdir=workdir / "standin") as standin:
        config = load_config(standin.write_config(workdir / "standin" / "client.yaml"))
        pull(
            config,
            pulled,
            PullOptions(quiet=quiet, env=standin.env(), bulk_wait=0.05, include=extras),
        )
    return pulled


def _pull(
    config: Annotated[
        Path, typer.Option("--config", help="client.yaml (names the credential env vars).")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="The raw folder to create (built as OUT.partial).")
    ],
    quiet: Annotated[
        bool, typer.Option("--quiet", help="No progress bars (schedules, CI).")
    ] = False,
    only: Annotated[
        str | None, typer.Option("--only", help="salesforce or quickbooks (default: both).")
    ] = None,
    include: Annotated[
        list[Path] | None,
        typer.Option(
            "--include",
            help="A file no API serves (the connector's sync_log.csv) to add to the raw folder.",
        ),
    ] = None,
) -> None:
    """Read-only pull of both systems into a raw folder; run again after an interruption to resume."""
    from sfqb_diag.sources.live.pull import PullOptions, pull

    sides = (only,) if only else ("salesforce", "quickbooks")
    result = pull(
        load_config(config),
        out,
        PullOptions(quiet=quiet, sides=sides, include=tuple(include or ())),
    )
    if not quiet:
        typer.echo(f"Pulled into {result} (log: {result.with_name(result.name + '.pull.log')})")


def _doctor(
    config: Annotated[Path, typer.Option("--config", help="client.yaml to diagnose.")],
) -> None:
    """Check both connections and environments; explain each problem in one sentence with its fix."""
    from sfqb_diag.sources.live.doctor import diagnose, failed

    found = diagnose(load_config(config))
    for finding in found:
        typer.echo(finding.line())
    if failed(found):
        typer.echo(
            "Some checks failed: fix the lines marked [fail] and run doctor again.", err=True
        )
        raise typer.Exit(PullError.exit_code)
    typer.echo("All connection checks passed.")


def _fake_server(
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


def _init(
    name: Annotated[str, typer.Argument(help="Client name: becomes clients/NAME/.")],
    base: Annotated[Path, typer.Option("--dir", help="Where clients/ lives.")] = Path("."),
) -> None:
    """Create clients/NAME/ with a commented client.yaml, decisions.csv, reviews.csv, raw/ out/ history/."""
    from sfqb_diag.init_client import init_client

    folder = init_client(name, base)
    typer.echo(
        f"Created {folder}: edit {folder / 'client.yaml'}, export the credentials it names, then run\n"
        f"  sfqb-diag doctor --config {folder / 'client.yaml'}"
    )


def register(app: typer.Typer) -> None:
    """Add pull, doctor, fake-server and init to the main app."""
    app.command("pull")(_pull)
    app.command("doctor")(_doctor)
    app.command("fake-server")(_fake_server)
    app.command("init")(_init)
