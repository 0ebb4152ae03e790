"""`sfqb-diag doctor --config FILE`: connection and environment diagnosis in plain words."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sfqb_diag.config import load_config
from sfqb_diag.errors import PullError


def doctor(
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
