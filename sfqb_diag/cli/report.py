"""`sfqb-diag report RAW --out DIR`: check, then the notebooks, then the HTML pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sfqb_diag.cli.options import (
    AreasOpt,
    AsOfOpt,
    ConfigOpt,
    DecisionsOpt,
    FailOnOpt,
    OutOpt,
    RawArg,
    ReviewsOpt,
    check_options,
    explain_fail_on,
    print_summary,
)


def report(
    raw: RawArg,
    out: OutOpt,
    config: ConfigOpt = None,
    decisions: DecisionsOpt = None,
    reviews: ReviewsOpt = None,
    as_of: AsOfOpt = None,
    areas: AreasOpt = None,
    fail_on: FailOnOpt = None,
    history: Annotated[
        Path | None,
        typer.Option("--history", help="Keep this run under HISTORY/<as-of>/ and chart the trend."),
    ] = None,
    keep: Annotated[
        int | None,
        typer.Option("--keep", min=1, help="With --history: retain only the last N kept runs."),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", help="Seconds one notebook may take in all (default: no limit)."),
    ] = None,
    self_contained: Annotated[
        bool,
        typer.Option(
            "--self-contained",
            help="Put plotly.js and the table script inside every page: each page one file that works e-mailed.",
        ),
    ] = False,
) -> None:
    """Run the checks, then every notebook, and write the whole report folder with HTML pages."""
    from sfqb_diag.reporting.runner import run_report
    from sfqb_diag.scheduling.lock import ScheduleOptions

    options = check_options(raw, out, config, decisions, reviews, as_of, areas, fail_on)
    schedule = ScheduleOptions(history=history, keep=keep, notebook_timeout=timeout).validated()
    run = run_report(options, schedule, self_contained=self_contained)
    print_summary(run, out)
    if history is not None:
        typer.echo(f"Kept in history: {history}")
    typer.echo(f"Report: {out / 'report' / 'index.html'}")
    raise typer.Exit(explain_fail_on(run, fail_on))
