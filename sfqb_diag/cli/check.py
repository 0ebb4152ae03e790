"""`sfqb-diag check RAW --out DIR`: every check, no notebooks."""

from __future__ import annotations

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


def check(
    raw: RawArg,
    out: OutOpt,
    config: ConfigOpt = None,
    decisions: DecisionsOpt = None,
    reviews: ReviewsOpt = None,
    as_of: AsOfOpt = None,
    areas: AreasOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Run every check (no notebooks) and write the report folder without HTML."""
    from sfqb_diag.pipeline import run_check

    options = check_options(raw, out, config, decisions, reviews, as_of, areas, fail_on)
    run = run_check(options)
    print_summary(run, out)
    raise typer.Exit(explain_fail_on(run, fail_on))
