"""Sync-log adapters (column map + value rules, no code per connector) and error classification.

The two shipped samples (sfqb_diag/synclog/samples/) state their contents here:
- salesforce_report.csv: 15 calls in New York local time; errors: 504 (server), 6240 x3
  (duplicate name), 3001 + 429 (throttling, status Retrying), 5010 (stale), 6000 (validation),
  610 (not found), 3200 + 401 (auth). Retries counted from 0.
- ipaas_jobs.csv: 13 job steps, 2 of them not record steps (dropped by keep_rows); epoch ms;
  errors: 504 (server), 3001 x2 (throttling), 6240, 2500 (not found), 5010, 3200, 6140
  (validation). Attempts derived per record in time order.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.errors import InputError, UsageError
from sfqb_diag.sources.files import load_raw
from sfqb_diag.synclog import adapt_frame, adapt_log, builtin_adapters, classify, error_class_counts
from sfqb_diag.synclog.classify import is_error

SAMPLES = Path(__file__).parents[1] / "sfqb_diag" / "synclog" / "samples"


def _adapt(name: str, tmp_path: Path) -> pd.DataFrame:
    raw = tmp_path / "raw"
    rows = adapt_log(SAMPLES / f"{name}.csv", name, raw / "sync_log.csv")
    data = load_raw(raw)  # the adapted file is a valid raw-folder sync_log.csv
    assert len(data["sync_log"]) == rows
    return data["sync_log"]


def test_builtin_adapters_are_listed():
    assert {"salesforce_report", "ipaas_jobs"} <= set(builtin_adapters())


def test_salesforce_report_sample(tmp_path: Path):
    log = _adapt("salesforce_report", tmp_path)
    assert len(log) == 15
    assert str(log["timestamp"].iloc[0]) == "2026-03-02 15:00:00+00:00"  # 10:00 AM EST
    assert log["sf_id"].str.len().eq(18).all()  # 15-char Ids made case-safe by the loader
    assert log["attempt"].tolist()[:2] == [1.0, 2.0]  # Retry Number 0, 1 -> attempt 1, 2
    assert set(log["status"]) == {"success", "error", "retry"} and set(log["operation"]) == {
        "create",
        "update",
    }
    assert error_class_counts(log) == {
        "throttling": 2,
        "auth": 2,
        "duplicate_name": 3,
        "stale_object": 1,
        "not_found": 1,
        "validation": 1,
        "server": 1,
    }


def test_ipaas_sample(tmp_path: Path):
    log = _adapt("ipaas_jobs", tmp_path)
    assert len(log) == 11  # fetch and email steps dropped
    assert set(log["qb_entity"].dropna()) == {"Invoice", "Customer", "Payment"}
    assert log["error_code"].isna().sum() == 3  # the three successes: HTTP 200 mapped to no code
    throttled = log[log["error_code"] == "3001"]
    assert throttled["attempt"].tolist() == [1.0, 2.0]
    assert log.loc[log["qb_id"] == "1044", "attempt"].tolist() == [3.0]
    assert error_class_counts(log) == {
        "throttling": 2,
        "auth": 1,
        "duplicate_name": 1,
        "stale_object": 1,
        "not_found": 1,
        "validation": 1,
        "server": 1,
    }


def test_inline_spec_rules():
    frame = pd.DataFrame(
        {
            "when": ["1772463600", "1772463660"],
            "obj": ["Opportunity", "Account"],
            "first": ["", "001Dn0000000001"],
            "second": ["006Dn0000000001", "x"],
            "res": ["OK", "weird"],
            "a": ["x", "y"],
            "b": ["1", "2"],
        }
    )
    spec = {
        "name": "inline",
        "columns": {
            "timestamp": {"from": "when", "format": "epoch_s"},
            "sf_object": "obj",
            "sf_id": {"from": ["first", "second"]},
            "status": {"from": "res", "map": {"ok": "success"}, "strict": True, "default": "error"},
            "message": {"join": ["a", "b"], "sep": "-"},
            "direction": {"value": "sf_to_qbo"},
        },
    }
    out = adapt_frame(frame, spec)
    assert out["timestamp"].tolist() == ["2026-03-02T15:00:00Z", "2026-03-02T15:01:00Z"]
    assert out["sf_id"].tolist() == ["006Dn0000000001", "001Dn0000000001"]
    assert out["status"].tolist() == ["success", "error"]
    assert out["message"].tolist() == ["x-1", "y-2"]
    assert out["direction"].tolist() == ["sf_to_qbo"] * 2


@pytest.mark.parametrize(
    ("columns", "words"),
    [
        ({"timestamp": "t", "colour": "c"}, "not a sync_log column"),
        ({"timestamp": {"from": "t", "shout": True}}, "unknown rule"),
        ({"sf_id": "x"}, "columns.timestamp is required"),
        ({"timestamp": {"from": "t", "value": "x"}}, "exactly one of"),
        ({"timestamp": {"derive": "colour"}}, "derive can only be"),
    ],
)
def test_bad_specs_are_explained(columns, words):
    with pytest.raises(UsageError, match=words):
        adapt_frame(pd.DataFrame({"t": ["2026-01-01T00:00:00Z"]}), {"columns": columns})


def test_missing_source_column_is_named():
    with pytest.raises(UsageError, match="'Date'"):
        adapt_frame(pd.DataFrame({"t": ["x"]}), {"columns": {"timestamp": "Date"}})


def test_unreadable_cells_are_reported_with_their_line(tmp_path: Path):
    source = tmp_path / "log.csv"
    source.write_text(
        "when,id\n2026-01-01T00:00:00Z,006Dn0000000001\nyesterday,not-an-id\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        adapt_log(source, {"columns": {"timestamp": "when", "sf_id": "id"}}, tmp_path / "out.csv")
    text = str(caught.value)
    assert "line 3" in text and "'when'" in text and "'id'" in text
    assert not (tmp_path / "out.csv").exists()


def test_unknown_adapter_name():
    with pytest.raises(UsageError, match="built-in"):
        adapt_frame(pd.DataFrame(), "no_such_connector")


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        ("error", "3001", "", "throttling"),
        ("error", "HTTP 429", "", "throttling"),
        ("retry", "3200.0", "", "auth"),
        ("error", "", "invalid_grant: refresh token expired", "auth"),
        ("error", "6240", "", "duplicate_name"),
        ("error", "5010", "", "stale_object"),
        ("error", "610", "", "not_found"),
        ("error", "2500", "", "not_found"),
        ("error", "6000", "", "validation"),
        ("error", "6140", "", "validation"),
        ("error", "6070", "", "validation"),
        ("error", "503", "", "server"),
        ("failed", "", "Read timed out", "server"),
        ("error", "", "", "other"),
        ("success", "", "", None),
        ("success", "6240", "warning only", None),
        ("", "6240", "", "duplicate_name"),
    ],
)
def test_classification(status, code, message, expected):
    log = pd.DataFrame(
        {"status": [status or None], "error_code": [code or None], "message": [message or None]}
    )
    got = classify(log).iloc[0]
    assert (None if pd.isna(got) else got) == expected
    assert bool(is_error(log).iloc[0]) == (expected is not None)


def test_line_numbers_count_dropped_rows(tmp_path: Path):
    """keep_rows drops the first data row; the bad cell is still reported at its file line (4)."""
    source = tmp_path / "log.csv"
    source.write_text(
        "kind,when\nnoise,x\nrecord,2026-01-01T00:00:00Z\nrecord,not a time\n", encoding="utf-8"
    )
    spec = {"keep_rows": {"column": "kind", "in": ["record"]}, "columns": {"timestamp": "when"}}
    with pytest.raises(InputError, match="line 4"):
        adapt_log(source, spec, tmp_path / "out.csv")
