"""`sfqb-diag diff OUT_A OUT_B`: new, fixed and still-open findings between two runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sfqb_diag.findings import SEVERITIES
from sfqb_diag.words import plural

RunArg = (
    "A report folder (with summary.json and findings.csv) or a kept run under a history folder."
)
EarlierArg = RunArg + " Or the history folder itself: its newest kept run other than OUT_B."


def diff(
    out_a: Annotated[Path, typer.Argument(help="The earlier run. " + EarlierArg)],
    out_b: Annotated[Path, typer.Argument(help="The later run. " + RunArg)],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the CSVs, diff.json and digest.txt here.")
    ] = None,
    fail_on_new: Annotated[
        str | None,
        typer.Option(
            "--fail-on-new",
            help=f"Exit 1 on a new unwaived finding at or above: {'|'.join(SEVERITIES)}.",
        ),
    ] = None,
) -> None:
    """New, fixed and still-open findings between two runs, money at risk deltas, and a short digest."""
    from sfqb_diag.errors import UsageError
    from sfqb_diag.scheduling.diff import diff_runs, write_diff
    from sfqb_diag.scheduling.history import last_before, load_snapshot

    if fail_on_new and fail_on_new not in SEVERITIES:
        raise UsageError(f"--fail-on-new {fail_on_new!r}: choose one of {', '.join(SEVERITIES)}")
    later = load_snapshot(out_b)
    if (
        out_a.is_dir() and not (out_a / "summary.json").is_file()
    ):  # a history folder: its last other run
        previous = last_before(out_a, later)
        if previous is None:
            typer.echo(f"No earlier run kept in {out_a} to compare with: nothing to diff yet.")
            raise typer.Exit(0)
        out_a = previous.path
    result = diff_runs(load_snapshot(out_a), later)
    if out is not None:
        write_diff(result, out)
    typer.echo(result.digest())
    if out is not None:
        typer.echo(f"Lists: {out / 'new.csv'}, {out / 'fixed.csv'}, {out / 'still_open.csv'}")
    code = result.exit_code(fail_on_new)
    if code:
        typer.echo(
            plural(len(result.new_at_or_above(fail_on_new or "")), "new unwaived finding")
            + f" at or above {fail_on_new}",
            err=True,
        )
    raise typer.Exit(code)
