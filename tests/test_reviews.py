"""reviews.csv end to end on a small demo: status, owner and note survive reruns and show in the
fix list; a waiver keeps a known issue from failing scheduled runs (--fail-on and diff
--fail-on-new) until its end date, and counts again after it.

The demo's most severe findings are waived until a date after the demo's as-of time; an accepted
finding keeps its owner and note without being waived.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from sfqb_diag.cli import main
from sfqb_diag.findings import SEVERITY_RANK
from sfqb_diag.pipeline import CheckOptions, run_check
from sfqb_diag.scheduling.diff import diff_runs
from sfqb_diag.scheduling.history import entries, keep_run, load_snapshot


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo checked once, without reviews: out/ beside raw/."""
    from sfqb_demo.generator import generate_demo

    folder = tmp_path_factory.mktemp("reviews")
    raw = Path(generate_demo(folder, size=300, seed=11))
    run_check(CheckOptions(raw=raw, out=folder / "out"))
    return folder


def most_severe(out: Path) -> pd.DataFrame:
    findings = pd.read_parquet(out / "cache" / "findings.parquet")
    rank = findings["severity"].map(SEVERITY_RANK)
    return findings[rank == rank.min()]


def write_reviews(folder: Path, waived: pd.DataFrame, accepted: pd.DataFrame, until: str) -> Path:
    rows = [
        {
            "finding_id": f,
            "status": "waived",
            "owner": "ana",
            "note": "known; fixed in Q1",
            "until": until,
        }
        for f in waived["finding_id"]
    ]
    rows += [
        {
            "finding_id": f,
            "status": "accepted",
            "owner": "ben",
            "note": "credit note pending",
            "until": "",
        }
        for f in accepted["finding_id"]
    ]
    path = folder / "reviews.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def reviewed(
    first_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """The same raw folder in a client folder whose reviews.csv (found beside raw/) waives the most
    severe findings until 2027-01-31 and accepts one other; checked once into client/out."""
    client = tmp_path_factory.mktemp("client")
    shutil.copytree(first_run / "raw", client / "raw")
    worst = most_severe(first_run / "out")
    all_findings = pd.read_parquet(first_run / "out" / "cache" / "findings.parquet")
    accepted = all_findings[~all_findings["finding_id"].isin(worst["finding_id"])].head(1)
    write_reviews(client, worst, accepted, "2027-01-31")
    assert main(["check", str(client / "raw"), "--out", str(client / "out")]) == 0
    return client, worst, accepted


def test_a_waiver_keeps_fail_on_quiet_until_its_date(first_run, reviewed, tmp_path):
    client, worst, _ = reviewed
    severity = worst["severity"].iloc[0]
    fail_on = ["--fail-on", severity, "--areas", ",".join(sorted(set(worst["area"])))]
    assert main(["check", str(first_run / "raw"), "--out", str(tmp_path / "plain"), *fail_on]) == 1
    assert main(["check", str(client / "raw"), "--out", str(tmp_path / "waived"), *fail_on]) == 0
    assert load_snapshot(client / "out").summary.waived == len(worst)
    # The same data looked at after the waiver's end date: it counts again.
    assert (
        main(
            [
                "check",
                str(client / "raw"),
                "--out",
                str(tmp_path / "later"),
                *fail_on,
                "--as-of",
                "2027-02-01",
            ]
        )
        == 1
    )


def test_status_owner_and_note_show_in_the_fix_list(reviewed):
    client, worst, accepted = reviewed
    book = load_workbook(client / "out" / "fix_list.xlsx")
    found = {}
    for sheet in book.worksheets[1:]:
        header = [c.value for c in sheet[1]]
        if "Finding id" not in header:  # the Record status sheet lists records, not findings
            continue
        for row in sheet.iter_rows(min_row=2, values_only=True):
            record = dict(zip(header, row, strict=False))
            found[record["Finding id"]] = record
    waived_id, accepted_id = worst["finding_id"].iloc[0], accepted["finding_id"].iloc[0]
    assert found[waived_id]["Review status"] == "waived" and found[waived_id]["Owner"] == "ana"
    assert found[waived_id]["Reviewer note"] == "known; fixed in Q1", (
        "a waived finding still appears, marked"
    )
    assert (found[accepted_id]["Review status"], found[accepted_id]["Owner"]) == ("accepted", "ben")


def test_reviews_survive_in_history_and_in_the_diff(first_run, reviewed, tmp_path):
    client, worst, accepted = reviewed
    keep_run(first_run / "out", tmp_path / "history")
    kept = keep_run(client / "out", tmp_path / "history")
    assert [e.path for e in entries(tmp_path / "history")][-1] == kept
    snap = load_snapshot(kept)  # read back from findings.csv + reviews.csv, not the report's cache
    state = snap.findings.set_index("finding_id")
    assert state.loc[accepted["finding_id"].iloc[0], "review_note"] == "credit note pending"
    assert state.loc[worst["finding_id"], "waived"].all()
    result = diff_runs(load_snapshot(first_run / "out"), snap)
    assert result.new.empty and result.fixed.empty, "reviews change no finding"
    still = result.still_open.set_index("finding_id")
    assert still.loc[accepted["finding_id"].iloc[0], "owner"] == "ben"
    assert "still open" in result.digest().splitlines()[0]


def test_a_waived_finding_that_is_new_does_not_fail_the_diff(first_run, reviewed, tmp_path):
    """An empty earlier run: every finding is new. Only the unwaived ones can fail the run."""
    client, worst, _ = reviewed
    empty = tmp_path / "empty"
    shutil.copytree(client / "out", empty, ignore=shutil.ignore_patterns("cache"))
    header = (client / "out" / "findings.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    (empty / "findings.csv").write_text(header + "\n", encoding="utf-8-sig")
    severity = worst["severity"].iloc[0]
    assert main(["diff", str(empty), str(client / "out"), "--fail-on-new", severity]) == 0
    assert main(["diff", str(empty), str(first_run / "out"), "--fail-on-new", severity]) == 1
    assert (
        main(["diff", str(client / "out"), str(empty), "--fail-on-new", "info"]) == 0
    )  # all fixed: nothing new
