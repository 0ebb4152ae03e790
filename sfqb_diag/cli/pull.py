"""`sfqb-diag pull --config FILE --out RAW`: read-only pull of both systems."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sfqb_diag.config import load_config


def pull(
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
