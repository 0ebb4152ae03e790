"""The `check` pipeline: raw folder -> Dataset -> checks -> report folder (no notebooks).

`report` (report.py) reuses `build_check_outputs` inside its own partial folder and then runs
the notebooks against what was written, so the HTML can never disagree with findings.csv.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sfqb_diag.asof import resolve_as_of
from sfqb_diag.checks import CHECKS, OUTPUTS, VIEWS, tables_read
from sfqb_diag.checks.base import CheckSpec, OutputSpec, ViewSpec
from sfqb_diag.config import ClientConfig, load_config
from sfqb_diag.dataset import Dataset
from sfqb_diag.engine import RunResult, run_checks
from sfqb_diag.errors import InputError, UsageError
from sfqb_diag.findings import AREAS, SEVERITIES, SEVERITY_RANK
from sfqb_diag.outputs.home_currency import money_first
from sfqb_diag.outputs.layout import CACHE, VIEWS_FOLDER
from sfqb_diag.outputs.summary import Summary, build_summary
from sfqb_diag.outputs.tables import findings_csv_frame, write_csv, write_output_table
from sfqb_diag.outputs.target import check_out_path
from sfqb_diag.outputs.xlsx import write_fix_list
from sfqb_diag.outputs.xlsx_reviews import find_reviews, read_any_reviews
from sfqb_diag.publish import publishing
from sfqb_diag.sources.files import load_raw
from sfqb_diag.sources.reviewer_files import read_decisions, reviewer_warnings


@dataclass(frozen=True)
class CheckOptions:
    raw: Path
    out: Path
    config: Path | None = None
    decisions: Path | None = None
    reviews: Path | None = None
    as_of: str | None = None
    areas: tuple[str, ...] = AREAS
    fail_on: str | None = None

    def validated(self) -> CheckOptions:
        unknown = [a for a in self.areas if a not in AREAS]
        if unknown:
            raise UsageError(
                f"unknown area(s) {', '.join(unknown)}; choose from {', '.join(AREAS)}"
            )
        if self.fail_on and self.fail_on not in SEVERITIES:
            raise UsageError(f"--fail-on {self.fail_on!r}: choose one of {', '.join(SEVERITIES)}")
        for label, path in (
            ("--config", self.config),
            ("--decisions", self.decisions),
            ("--reviews", self.reviews),
        ):
            if path is not None and not Path(path).is_file():
                raise UsageError(f"{label} {path} does not exist")
        check_out_path(self.out, self.raw)
        return self

    def reviewer_file(self, given: Path | None, name: str) -> Path | None:
        """Default reviewer files live beside the raw folder (DESIGN.md: client folder layout)."""
        return given if given is not None else (self.raw.parent / name)


@dataclass
class CheckRun:
    result: RunResult
    data: Dataset
    summary: Summary
    config: ClientConfig

    def exit_code(self, fail_on: str | None) -> int:
        """1 when an unwaived finding is at or above `fail_on`, else 0 (DESIGN.md exit codes)."""
        if not fail_on:
            return 0
        findings = self.result.findings
        active = findings[~findings["waived"].astype(bool)]
        return int((active["severity"].map(SEVERITY_RANK) <= SEVERITY_RANK[fail_on]).any())


def run_all(data: Dataset, config: ClientConfig, as_of: pd.Timestamp, **options: Any) -> RunResult:
    """Every check and output of the five areas over an in-memory Dataset (options: areas,
    decisions, reviews, as_of_source; see engine.run_checks)."""
    return run_checks(data, config, as_of, CHECKS, OUTPUTS, VIEWS, **options)


def _read_inputs(
    options: CheckOptions, config: ClientConfig
) -> tuple[Dataset, pd.DataFrame, pd.DataFrame]:
    """The raw folder and both reviewer files; the problems of all three in one InputError."""
    problems, loaded = [], []
    readers = (
        lambda: load_raw(options.raw, config, tables_read(options.areas)),
        lambda: read_decisions(options.reviewer_file(options.decisions, "decisions.csv")),
        lambda: read_any_reviews(find_reviews(options.reviews, options.raw.parent)),
    )
    for read in readers:
        try:
            loaded.append(read())
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return loaded[0], loaded[1], loaded[2]


def compute(
    options: CheckOptions,
    checks: Sequence[CheckSpec] = CHECKS,
    outputs: Sequence[OutputSpec] = OUTPUTS,
    views: Sequence[ViewSpec] = VIEWS,
) -> CheckRun:
    """Load and check, in memory (every area's checks unless a list is given)."""
    options = options.validated()
    config = load_config(options.config)
    data, decisions, reviews = _read_inputs(options, config)
    as_of, source = resolve_as_of(data, options.as_of)
    result = run_checks(
        data,
        config,
        as_of,
        checks,
        outputs,
        views,
        as_of_source=source,
        areas=options.areas,
        decisions=decisions,
        reviews=reviews,
    )
    data.warnings.extend(reviewer_warnings(decisions, reviews, data, result.findings))
    parameters = {
        "areas": list(options.areas),
        "fail_on": options.fail_on,
        "config": config.name,
        "thresholds": dataclasses.asdict(config.thresholds),
    }
    return CheckRun(result, data, build_summary(result, data, parameters), config)


def build_check_outputs(run: CheckRun, folder: Path) -> None:
    """Write findings.csv, matches, remediation, fix_list.xlsx, summary.json and the cache.

    The cache (parquet, written by pyarrow outside the GIL) is written on a second thread while
    this one writes the CSVs and the workbook (openpyxl, pure Python): on two cores the cache
    costs next to nothing. Either failing fails the whole write (the folder is not published)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = pool.submit(_write_cache, run, folder / CACHE)
        findings = run.result.findings
        as_of = pd.Timestamp(run.summary.as_of)
        ordered = money_first(findings, run.data, as_of)
        write_csv(findings_csv_frame(ordered, run.data), folder / "findings.csv")
        for relative, value in sorted(run.result.outputs.items()):
            write_output_table(relative, value, folder)
        write_fix_list(
            findings,
            run.data.manifest,
            run.summary,
            folder / "fix_list.xlsx",
            run.data,
            run.result.outputs.get("matches/record_status.csv"),
        )
        (folder / "summary.json").write_text(
            json.dumps(run.summary.to_dict(), indent=2) + "\n", encoding="utf-8"
        )
        cache.result()


def _write_cache(run: CheckRun, cache: Path) -> None:
    """What notebooks read: the Dataset, the findings, every output table and every view."""
    run.data.save(cache / "dataset")
    run.result.findings.to_parquet(cache / "findings.parquet", index=False)
    for relative, value in run.result.outputs.items():
        frame = value if isinstance(value, pd.DataFrame) else value.update
        frame.to_parquet(
            cache / (relative.replace("/", "__").removesuffix(".csv") + ".parquet"), index=False
        )
    (cache / VIEWS_FOLDER).mkdir(parents=True, exist_ok=True)
    for name, table in run.result.views.items():
        table.to_parquet(cache / VIEWS_FOLDER / f"{name}.parquet", index=False)


def run_check(
    options: CheckOptions,
    checks: Sequence[CheckSpec] = CHECKS,
    outputs: Sequence[OutputSpec] = OUTPUTS,
    views: Sequence[ViewSpec] = VIEWS,
) -> CheckRun:
    """`sfqb-diag check`: compute, then publish the report folder (without HTML) whole."""
    from sfqb_diag.scheduling.lock import run_lock

    run = compute(options, checks, outputs, views)  # reads only: an input error leaves no .lock
    # Overlapping runs on one folder would share <out>.partial: hold <out>.lock while writing.
    with run_lock(options.out), publishing(options.out) as folder:
        build_check_outputs(run, folder)
    return run
