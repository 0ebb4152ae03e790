"""What several verbs share: the argument types, the options of a check run, the printed summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sfqb_diag.findings import AREAS, SEVERITIES, SEVERITY_RANK
from sfqb_diag.outputs.coverage import money_words, not_checked, ran_words, skipped_line
from sfqb_diag.outputs.summary import Summary
from sfqb_diag.pipeline import CheckOptions, CheckRun
from sfqb_diag.words import money_text, plural

RawArg = Annotated[
    Path, typer.Argument(help="The raw folder (salesforce/*.csv, quickbooks/*.json, ...).")
]
OutOpt = Annotated[Path, typer.Option("--out", help="The report folder to write.")]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="client.yaml (links, thresholds).")
]
DecisionsOpt = Annotated[
    Path | None, typer.Option("--decisions", help="decisions.csv (default: beside RAW).")
]
ReviewsOpt = Annotated[
    Path | None, typer.Option("--reviews", help="reviews.csv (default: beside RAW).")
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="The time 'now' means (default: manifest.pulled_at).")
]
AreasOpt = Annotated[
    str | None, typer.Option("--areas", help=f"Comma-separated subset of {','.join(AREAS)}.")
]
FailOnOpt = Annotated[
    str | None,
    typer.Option("--fail-on", help=f"Exit 1 on a finding at or above: {'|'.join(SEVERITIES)}."),
]


def check_options(
    raw: Path,
    out: Path,
    config: Path | None,
    decisions: Path | None,
    reviews: Path | None,
    as_of: str | None,
    areas: str | None,
    fail_on: str | None,
) -> CheckOptions:
    chosen = tuple(a.strip() for a in areas.split(",") if a.strip()) if areas else AREAS
    return CheckOptions(
        raw=raw,
        out=out,
        config=config,
        decisions=decisions,
        reviews=reviews,
        as_of=as_of,
        areas=chosen,
        fail_on=fail_on,
    ).validated()


def _area_money(summary: Summary, area: str) -> str:
    """An area's money column: its amounts, else the words; an area without findings says
    how many of its checks ran ('nothing found (12 of 15 checks ran)')."""
    words = money_words(summary, area)
    return f"nothing found ({ran_words(summary, area)})" if words == "no money at risk" else words


def print_summary(run: CheckRun, out: Path) -> None:
    """The short table `check` and `report` print: counts by area and severity, money, where to look."""
    summary = run.summary
    width = max(len(a) for a in summary.by_area) + 2
    typer.echo(f"As of {summary.as_of[:16].replace('T', ' ')} UTC ({summary.as_of_source})")
    typer.echo("area".ljust(width) + "".join(s.rjust(10) for s in SEVERITIES) + "   money at risk")
    unchecked = not_checked(summary)
    for area, counts in summary.by_area.items():
        cells = "".join(
            ("-" if area in unchecked else str(counts[s])).rjust(10) for s in SEVERITIES
        )
        typer.echo(area.ljust(width) + cells + f"   {_area_money(summary, area)}")
    total = money_words(summary)
    typer.echo(
        total
        if total.endswith("none with an amount of money")
        else f"{summary.findings:,} finding{'' if summary.findings == 1 else 's'}; "
        + ("no money at risk" if total == "no money at risk" else f"money at risk: {total}")
    )
    if summary.waived:
        typer.echo(
            f"{summary.waived} waived finding{'' if summary.waived == 1 else 's'} not counted"
        )
    if summary.skipped:
        typer.echo(skipped_line(summary))
    for warning in summary.input_warnings:
        typer.echo(f"warning: {warning}")
    typer.echo(f"Findings: {out / 'findings.csv'}   Fix list: {out / 'fix_list.xlsx'}")


def explain_fail_on(run: CheckRun, fail_on: str | None, shown: int = 5) -> int:
    """The exit code for --fail-on, and when it is 1, why on stderr: how many unwaived findings
    are at or above the line and the few with the most money at stake (a scheduler's log then
    says what to look at, not just that the run failed)."""
    code = run.exit_code(fail_on)
    if code != 1 or not fail_on:
        return code
    findings = run.result.findings
    rank = findings["severity"].map(SEVERITY_RANK)
    over = findings[~findings["waived"].astype(bool) & (rank <= SEVERITY_RANK[fail_on])]
    over = over.assign(_rank=rank[over.index], _money=over["amount_at_risk_cents"].fillna(0).abs())
    top = over.sort_values(["_rank", "_money"], ascending=[True, False], kind="stable").head(shown)
    amounts = money_text(top["amount_at_risk_cents"], top["currency"]).replace("", "no amount")
    typer.echo(
        f"--fail-on {fail_on}: {plural(len(over), 'unwaived finding')} at {fail_on} or above; "
        f"the first {len(top)}:",
        err=True,
    )
    for line in (
        "  "
        + top["severity"]
        + "  "
        + top["area"]
        + "/"
        + top["check"]
        + "  "
        + top["title"]
        + "  ("
        + amounts
        + ")"
    ):
        typer.echo(line, err=True)
    return code
