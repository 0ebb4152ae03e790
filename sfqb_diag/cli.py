"""The `sfqb-diag` command line: one entry point, exit codes as DESIGN.md defines them.

0 done; 1 a finding at or above --fail-on; 2 usage or input error; 3 pull, auth or notebook failure;
4 internal error (one sentence + log path); 130 interrupted.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from sfqb_diag.crash_log import (
    INTERNAL_ERROR,
    INTERRUPTED,
    INTERRUPTED_MESSAGE,
    internal_error_message,
)
from sfqb_diag.errors import InputError, SfqbError, UsageError
from sfqb_diag.findings import AREAS, SEVERITIES
from sfqb_diag.pipeline import CheckOptions, CheckRun

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Diagnose a Salesforce -> QuickBooks Online sync: findings, fix lists and reports.",
)

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


def _options(
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


def print_summary(run: CheckRun, out: Path) -> None:
    """The short table `check` and `report` print: counts by area and severity, money, where to look."""
    summary = run.summary
    width = max(len(a) for a in summary["by_area"]) + 2
    typer.echo(f"As of {summary['as_of'][:16].replace('T', ' ')} UTC ({summary['as_of_source']})")
    typer.echo("area".ljust(width) + "".join(s.rjust(10) for s in SEVERITIES) + "   money at risk")
    for area, counts in summary["by_area"].items():
        money = ", ".join(
            f"{float(v):,.2f} {c}" for c, v in summary["amount_at_risk_by_area"][area].items()
        )
        typer.echo(
            area.ljust(width)
            + "".join(str(counts[s]).rjust(10) for s in SEVERITIES)
            + f"   {money or '-'}"
        )
    total = (
        ", ".join(f"{float(v):,.2f} {c}" for c, v in summary["amount_at_risk"].items()) or "none"
    )
    typer.echo(f"{summary['findings']} findings; money at risk: {total}")
    if summary["waived"]:
        typer.echo(f"{summary['waived']} waived finding(s) not counted")
    for skipped in summary["checks_skipped"]:
        typer.echo(f"skipped {skipped['check']} ({skipped['area']}): needs {skipped['missing']}")
    for warning in summary["input_warnings"]:
        typer.echo(f"warning: {warning}")
    typer.echo(f"Findings: {out / 'findings.csv'}   Fix list: {out / 'fix_list.xlsx'}")


@app.command()
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

    options = _options(raw, out, config, decisions, reviews, as_of, areas, fail_on)
    run = run_check(options)
    print_summary(run, out)
    raise typer.Exit(run.exit_code(fail_on))


@app.command()
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
) -> None:
    """Run the checks, then every notebook, and write the whole report folder with HTML pages."""
    from sfqb_diag.report import run_report
    from sfqb_diag.schedule import ScheduleOptions

    options = _options(raw, out, config, decisions, reviews, as_of, areas, fail_on)
    schedule = ScheduleOptions(history=history, keep=keep, notebook_timeout=timeout).validated()
    run = run_report(options, schedule)
    print_summary(run, out)
    if history is not None:
        typer.echo(f"Kept in history: {history}")
    typer.echo(f"Report: {out / 'report' / 'index.html'}")
    raise typer.Exit(run.exit_code(fail_on))


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Where the demo client goes.")] = Path(
        "out/demo"
    ),
    size: Annotated[
        int, typer.Option("--size", min=50, help="Number of Salesforce accounts.")
    ] = 2000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same demo.")
    ] = 7,
    variant: Annotated[
        str, typer.Option("--variant", help="clean | env_mismatch | realm_mismatch")
    ] = "clean",
    live: Annotated[
        bool,
        typer.Option(
            "--live", help="Serve the demo with the stand-in and pull it through the real clients."
        ),
    ] = False,
) -> None:
    """Make the demo client (raw/, truth.json) and report on it."""
    from sfqb_diag.report import run_report
    from sfqb_diag.sources.demo import generate_demo

    if variant not in ("clean", "env_mismatch", "realm_mismatch"):
        raise UsageError(f"--variant {variant!r}: choose clean, env_mismatch or realm_mismatch")
    shutil.rmtree(out / "raw", ignore_errors=True)
    raw = Path(generate_demo(out, size=size, seed=seed, variant=variant))
    typer.echo(f"Demo client written: {raw} (ground truth: {out / 'truth.json'})")
    if live:
        from sfqb_diag.live_cli import run_live_demo

        raw = run_live_demo(raw, out / "live")
        typer.echo(f"Pulled through the stand-in into {raw}")
    run = run_report(CheckOptions(raw=raw, out=out))
    print_summary(run, out)
    typer.echo(f"\nOpen the report: {(out / 'report' / 'index.html').resolve()}")


@app.command("adapt-log")
def adapt_log_command(
    log: Annotated[Path, typer.Argument(help="The connector's own log (CSV).")],
    adapter: Annotated[
        str,
        typer.Option(
            "--adapter", help="Built-in adapter (salesforce_report, ipaas_jobs) or a YAML spec."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Where sync_log.csv goes (usually RAW/sync_log.csv).")
    ],
) -> None:
    """Turn a connector's log into sync_log.csv with an adapter spec (column map + value rules)."""
    from sfqb_diag.synclog import adapt_log

    typer.echo(f"Wrote {adapt_log(log, adapter, out):,} rows to {out}")


@app.command("checks")
def list_checks() -> None:
    """List every check: area, name, usual severity, what it finds, why it matters, how to fix it."""
    from sfqb_diag.registry import registry_table

    table = registry_table()
    for area, group in table.groupby("area", sort=False):
        typer.echo(f"\n== {area} ==")
        for row in group.itertuples(index=False):
            typer.echo(
                f"{row.check} [{row.severity}] needs {row.needs}\n  what: {row.what}\n"
                f"  why:  {row.why}\n  fix:  {row.fix}"
            )


def _register_optional_verbs() -> None:
    """Verbs that live in their own modules (live sources, diff) join the one app here."""
    from sfqb_diag.diff_cli import register as register_diff

    register_diff(app)
    try:
        from sfqb_diag.live_cli import register as register_live
    except ImportError:
        return
    register_live(app)


_register_optional_verbs()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every SfqbError becomes its message on stderr and its exit code."""
    try:
        # standalone_mode=False: click returns a command's typer.Exit code instead of raising it.
        code = app(args=argv, standalone_mode=False)
    except SfqbError as exc:
        if isinstance(exc, InputError):
            typer.echo(f"error: {exc}\nNothing was written.", err=True)
        else:
            typer.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except typer.Exit as exc:
        if exc.exit_code == INTERRUPTED:  # typer turns Ctrl-C into Exit(130), silently
            typer.echo(INTERRUPTED_MESSAGE, err=True)
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo(INTERRUPTED_MESSAGE, err=True)
        return INTERRUPTED
    except Exception as exc:
        import click

        # Usage errors from click, or from the copy of click that typer ships (typer._click).
        if isinstance(exc, click.ClickException) or (
            isinstance(exc, typer.TyperException) and hasattr(exc, "show")
        ):
            exc.show()
            return 2
        typer.echo(f"error: {internal_error_message(exc)}", err=True)
        return INTERNAL_ERROR
    if code == INTERRUPTED:  # typer returns Ctrl-C as 130, silently
        typer.echo(INTERRUPTED_MESSAGE, err=True)
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
