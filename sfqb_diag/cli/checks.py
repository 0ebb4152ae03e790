"""`sfqb-diag checks`: the catalogue of checks, in words."""

from __future__ import annotations

import typer


def list_checks() -> None:
    """List every check: area, name, usual severity, what it finds, why it matters, how to fix it."""
    from sfqb_diag.checks import CHECKS
    from sfqb_diag.checks.base import registry_table

    table = registry_table(CHECKS)
    for area, group in table.groupby("area", sort=False):
        typer.echo(f"\n== {area} ==")
        for row in group.itertuples(index=False):
            typer.echo(
                f"{row.check} [{row.severity}] needs {row.needs}\n  what: {row.what}\n"
                f"  why:  {row.why}\n  fix:  {row.fix}"
            )
