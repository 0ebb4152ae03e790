"""`sfqb-diag apply-fixes REPORT RAW`: simulate a Data Loader import on a raw folder (demo kit)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def apply_fixes(
    report: Annotated[
        Path, typer.Argument(help="The report folder whose remediation/salesforce_*.csv to apply.")
    ],
    raw: Annotated[
        Path, typer.Argument(help="The raw folder to change (its salesforce/<Object>.csv files).")
    ],
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Apply only this file (repeatable).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Apply only the first N rows of each file.")
    ] = None,
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Apply the *.rollback.csv files instead (undo).")
    ] = False,
) -> None:
    """Simulate a Data Loader import of the fix files on a raw folder (demos and tests; never Salesforce)."""
    from sfqb_demo.apply_fixes import apply_fixes as apply

    for applied in apply(report, raw, tuple(only or ()), limit, rollback):
        typer.echo(str(applied))
    typer.echo(f"Run the report again on {raw}, then `sfqb-diag diff` the two reports.")
