"""sync_jobs `qbo_read_cap_blocked`: Intuit's monthly read cap, recognised by its shape in the log.

The hand-made sync log: a nightly job at 02:00 UTC syncs three opportunities, every night from
1 October to 5 November 2026. In the story that fires, every call fails from 18 October (codes
3001 and 429, then a 401 when the connector re-authorised) until 31 October, and the first call
of 1 November succeeds: the Builder tier's cap, reset when the month turned. The look-alikes:
the same failures from 10 to 16 October, back on the 17th (an outage that ends mid-month); the
failures from 18 October never ending (still going on: the end cannot be told); and an outage
from 1 to 12 October (it starts on the 1st: the cap had just been reset).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sync_jobs_fixture import OPP, write_raw

from sfqb_diag.checks.sync_jobs.read_cap import blocked_spans, read_cap_spans
from sfqb_diag.config import ClientConfig
from sfqb_diag.pipeline import run_all
from sfqb_diag.sources.files import load_raw

AS_OF = pd.Timestamp("2026-11-06T00:00:00Z")


def _nightly(failing: tuple[str, str] | None) -> list[dict]:
    """Three calls a night; the nights from failing[0] to failing[1] (inclusive) all fail."""
    rows = []
    for night in pd.date_range("2026-10-01T02:00Z", "2026-11-05T02:00Z", freq="D"):
        down = failing is not None and failing[0] <= night.strftime("%Y-%m-%d") <= failing[1]
        for n in (1, 2, 3):
            code = ("3001", "429", "401")[n - 1] if down else ""
            rows.append(
                {
                    "timestamp": (night + pd.Timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "direction": "sf_to_qbo",
                    "sf_object": "Opportunity",
                    "sf_id": OPP[n],
                    "qb_entity": "Invoice",
                    "qb_id": "" if down else str(100 + n),
                    "operation": "update",
                    "status": "error" if down else "success",
                    "error_code": code,
                    "message": "ThrottleExceeded" if code in ("3001", "429") else "",
                    "attempt": "",
                }
            )
    return rows


def _findings(tmp_path: Path, failing: tuple[str, str] | None) -> pd.DataFrame:
    data = load_raw(write_raw(tmp_path / "raw", sync_log=_nightly(failing)))
    result = run_all(data, ClientConfig(), AS_OF, areas=("sync_jobs",))
    return result.findings[result.findings["check"] == "qbo_read_cap_blocked"]


def test_mid_month_to_the_first_is_the_read_cap(tmp_path: Path) -> None:
    found = _findings(tmp_path, ("2026-10-18", "2026-10-31"))
    assert len(found) == 1
    row = found.iloc[0]
    assert row["severity"] == "high" and pd.isna(row["sf_id"])
    assert row["title"] == (
        "QBO read cap reached in October 2026: sync blocked from 2026-10-18 02:01 UTC"
    )
    assert row["detail"].startswith(
        "42 calls failed (auth, throttling) from 2026-10-18 02:01 UTC to 2026-10-31 02:03 UTC with "
        "no success between; the first call succeeded at 2026-11-01 02:01 UTC"
    )
    assert "500,000 CorePlus reads a month" in row["detail"]
    assert "own app keys" in row["suggested_action"]


@pytest.mark.parametrize(
    "failing",
    [
        ("2026-10-10", "2026-10-16"),  # ends mid-month
        ("2026-10-18", "2026-11-05"),  # still failing at the end of the log
        ("2026-10-01", "2026-10-12"),  # starts on the 1st
        None,  # no outage
    ],
)
def test_look_alikes_are_not_the_read_cap(tmp_path: Path, failing) -> None:
    assert _findings(tmp_path, failing).empty


def test_spans_are_runs_of_failures_between_successes(tmp_path: Path) -> None:
    log = load_raw(write_raw(tmp_path / "raw", sync_log=_nightly(("2026-10-10", "2026-10-16"))))[
        "sync_log"
    ]
    spans = blocked_spans(log)
    assert spans["errors"].tolist() == [21]
    assert spans["back"].iloc[0] == pd.Timestamp("2026-10-17T02:01Z")
    assert read_cap_spans(log).empty
