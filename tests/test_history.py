"""History: kept runs are whole, never overwritten, pruned to the last N; first-seen and trend;
the run lock and the per-notebook time limit.

Runs are hand-made report folders (test_diff.make_run): A on Nov 15 has w, x, y; B on Nov 24 has
w, y, z; C on Nov 30 has x again (fixed in B, back in C), w and z.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
from test_diff import fid, make_run

from sfqb_diag.cli import main
from sfqb_diag.outputs.summary import Summary
from sfqb_diag.scheduling.diff import diff_runs
from sfqb_diag.scheduling.history import (
    entries,
    first_seen,
    keep_run,
    load_snapshot,
    prune,
    trend_tables,
    write_history_cache,
)
from sfqb_diag.scheduling.lock import RunLocked, ScheduleOptions, notebook_deadline, run_lock

NOV15, NOV24, NOV30 = (
    "2026-11-15T06:00:00+00:00",
    "2026-11-24T06:00:00+00:00",
    "2026-11-30T06:00:00+00:00",
)


@pytest.fixture()
def runs(tmp_path: Path) -> dict[str, Path]:
    return {
        "a": make_run(tmp_path / "a", "wxy", NOV15),
        "b": make_run(tmp_path / "b", "wyz", NOV24),
        "c": make_run(tmp_path / "c", "wxz", NOV30),
    }


def test_a_kept_run_is_named_by_its_as_of_and_holds_the_report_files(runs, tmp_path):
    history = tmp_path / "history"
    entry = keep_run(runs["a"], history)
    assert entry == history / "2026-11-15T0600Z"
    assert {p.name for p in entry.iterdir()} == {"summary.json", "findings.csv", "first_seen.csv"}
    assert (entry / "findings.csv").read_bytes() == (runs["a"] / "findings.csv").read_bytes()
    assert not list(history.glob(".*partial*"))


def test_never_overwrites_and_does_not_keep_the_same_run_twice(runs, tmp_path):
    history = tmp_path / "history"
    first = keep_run(runs["a"], history)
    assert keep_run(runs["a"], history) == first, "an identical rerun is the same kept run"
    other = make_run(
        tmp_path / "a2", "wx", NOV15
    )  # same as-of, different findings (a rerun after a fix)
    second = keep_run(other, history)
    assert second.name == "2026-11-15T0600Z-2"
    assert json.loads((first / "summary.json").read_text())["findings"] == 3
    assert [e.path.name for e in entries(history)] == ["2026-11-15T0600Z", "2026-11-15T0600Z-2"]


def test_keep_last_n(runs, tmp_path):
    history = tmp_path / "history"
    (history / "notes").mkdir(parents=True)  # not a kept run: never touched
    for name in "abc":
        keep_run(runs[name], history, keep=2)
    assert [e.as_of.day for e in entries(history)] == [24, 30]
    assert (history / "notes").is_dir()
    assert prune(history, 1) and [e.as_of.day for e in entries(history)] == [30]


def test_first_seen_follows_an_unbroken_series(runs, tmp_path):
    history = tmp_path / "history"
    for name in "abc":
        keep_run(runs[name], history)
    c = load_snapshot(entries(history)[-1].path).findings.set_index("finding_id")["first_seen"]
    assert c[fid("w")] == pd.Timestamp(NOV15), "open since the first run"
    assert c[fid("z")] == pd.Timestamp(NOV24)
    assert c[fid("x")] == pd.Timestamp(NOV30), "fixed on Nov 24 and back: starts anew"
    # The age survives pruning: the oldest kept run carries first-seen times forward.
    prune(history, 1)
    again = first_seen(load_snapshot(runs["c"]).findings, pd.Timestamp(NOV30), history).set_index(
        "finding_id"
    )
    assert again.loc[fid("w"), "first_seen"] == pd.Timestamp(NOV15)


def test_diff_of_kept_runs_gives_the_age_of_still_open_findings(runs, tmp_path):
    history = tmp_path / "history"
    for name in "abc":
        keep_run(runs[name], history)
    kept = entries(history)
    result = diff_runs(load_snapshot(kept[1].path), load_snapshot(kept[2].path))
    ages = result.still_open.set_index("finding_id")["days_open"]
    assert ages[fid("w")] == 15 and ages[fid("z")] == 6
    assert list(result.new["finding_id"]) == [fid("x")]


def test_trend_lists_each_kept_run_then_this_one(runs, tmp_path):
    history = tmp_path / "history"
    keep_run(runs["a"], history)
    keep_run(runs["b"], history)
    current = Summary.from_dict(json.loads((runs["c"] / "summary.json").read_text()))
    counts, money = trend_tables(history, current)
    assert counts.drop_duplicates("order")["run"].tolist() == [
        "2026-11-15 06:00",
        "2026-11-24 06:00",
        "2026-11-30 06:00 (this run)",
    ]
    per_run = counts.groupby("order")["findings"].sum().tolist()
    assert per_run == [3, 3, 3]
    usd = money[(money["area"] == "partial_sync") & (money["currency"] == "USD")]
    assert usd["amount_cents"].tolist() == [1_240_000, 1_240_000]  # runs A and C; B had none
    # The current run already kept: shown once, as "this run".
    b_summary = Summary.from_dict(json.loads((runs["b"] / "summary.json").read_text()))
    assert trend_tables(history, b_summary)[0]["order"].nunique() == 2


def test_history_cache_for_the_notebook(runs, tmp_path):
    history = tmp_path / "history"
    keep_run(runs["a"], history)
    snap = load_snapshot(runs["b"])
    write_history_cache(tmp_path / "cache", history, snap.summary, snap.findings)
    seen = pd.read_parquet(tmp_path / "cache" / "first_seen.parquet").set_index("finding_id")[
        "first_seen"
    ]
    assert seen[fid("w")] == pd.Timestamp(NOV15) and seen[fid("z")] == pd.Timestamp(NOV24)
    assert pd.read_parquet(tmp_path / "cache" / "trend_counts.parquet")["order"].nunique() == 2


def test_a_second_run_on_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    with (
        run_lock(out),
        pytest.raises(RunLocked, match="another sfqb-diag run is writing"),
        run_lock(out),
    ):
        pass
    with run_lock(out):  # released: the next run goes ahead
        pass


def test_report_refuses_while_another_run_holds_the_lock(tmp_path, capsys):
    raw = tmp_path / "raw" / "salesforce"
    raw.mkdir(parents=True)
    (raw / "Account.csv").write_text("Id,Name\n001000000000001,Acme\n", encoding="utf-8")
    with run_lock(tmp_path / "out"):
        assert main(["report", str(tmp_path / "raw"), "--out", str(tmp_path / "out")]) == 2
    assert "another sfqb-diag run" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_schedule_options_are_checked():
    with pytest.raises(Exception, match="--keep needs --history"):
        ScheduleOptions(keep=3).validated()
    with pytest.raises(Exception, match="--timeout"):
        ScheduleOptions(notebook_timeout=0).validated()


def test_notebook_deadline_shrinks_each_cell_and_stops_after_the_limit():
    assert notebook_deadline(None, 600) is None
    remaining = notebook_deadline(0.3, 600)
    assert remaining is not None and 0 < remaining(None) <= 0.3
    assert notebook_deadline(1000, 600)(None) == 600  # the per-cell limit still applies
    time.sleep(0.35)
    with pytest.raises(TimeoutError, match=r"time limit of 0\.3 s"):
        remaining(None)


def test_diff_against_a_history_folder_takes_the_last_other_run(runs, tmp_path, capsys):
    history = tmp_path / "history"
    keep_run(runs["a"], history)  # the first scheduled run: only itself is kept
    assert main(["diff", str(history), str(runs["a"]), "--fail-on-new", "info"]) == 0
    assert "nothing to diff yet" in capsys.readouterr().out
    keep_run(runs["b"], history)  # what `report --history` does: the current run is kept already
    assert main(["diff", str(history), str(runs["b"]), "--fail-on-new", "critical"]) == 1
    assert capsys.readouterr().out.startswith("1 new since 2026-11-15, 1 fixed")


def test_a_notebook_past_its_time_limit_stops_the_report(tmp_path, monkeypatch, capsys):
    """A stuck notebook (here: a 5-minute sleep) is stopped at --timeout; the run exits 3."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    stuck = tmp_path / "nb" / "00_stuck.ipynb"
    stuck.parent.mkdir()
    params = new_code_cell(
        'raw = "raw"\nout = "out"\nconfig = None', metadata={"tags": ["parameters"]}
    )
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(
        new_notebook(
            cells=[
                new_markdown_cell("# Stuck"),
                params,
                new_code_cell("import time\ntime.sleep(300)"),
            ],
            metadata=kernel,
        ),
        stuck,
    )
    monkeypatch.setattr("sfqb_diag.reporting.runner.notebook_paths", lambda: [stuck])
    raw = tmp_path / "raw" / "salesforce"
    raw.mkdir(parents=True)
    (raw / "Account.csv").write_text("Id,Name\n001000000000001,Acme\n", encoding="utf-8")
    started = time.monotonic()
    code = main(
        ["report", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--timeout", "15"]
    )
    assert code == 3 and time.monotonic() - started < 120
    assert "00_stuck.ipynb: stopped after its time limit" in capsys.readouterr().err
    assert not (tmp_path / "out").exists(), "a report that did not finish is not published"
