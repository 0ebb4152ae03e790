"""Area sync_jobs: retry duplicates, DocNumbers, timeline, sync-log analytics, lost updates, capacity.

Unit tests run on the hand-made raw folder of tests/sync_jobs_fixture.py (its docstring states
every record's story); the quality bars run on the demo with the project's scorer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scorer import score_clusters, score_findings
from sync_jobs_fixture import OPP, base_invoices, base_opportunities, invoice, line, write_raw

from sfqb_diag.checks.sync_jobs.capacity import BATCH_OPERATIONS, capacity_plan
from sfqb_diag.checks.sync_jobs.duplicates import invoice_duplicates, payment_duplicates
from sfqb_diag.checks.sync_jobs.log import error_storms, failing_records, record_summary
from sfqb_diag.checks.sync_jobs.state import multiset_hash, window_clusters
from sfqb_diag.checks.sync_jobs.timeline import close_to_invoice_lag, daily_activity, outage_gaps
from sfqb_diag.config import ClientConfig
from sfqb_diag.ids import to_18
from sfqb_diag.pipeline import CheckOptions, CheckRun, compute, run_all
from sfqb_diag.sources.files import load_raw
from sfqb_diag.synclog import error_class_counts

AS_OF = pd.Timestamp("2026-03-20T00:00:00Z")


def _run(raw: Path):
    data = load_raw(raw)
    return data, run_all(data, ClientConfig(), AS_OF, areas=("sync_jobs",))


@pytest.fixture
def story(tmp_path: Path):
    return _run(write_raw(tmp_path / "raw"))


def _clusters(found: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(group["id"]) for _, group in found.groupby("cluster_id")}


# --- retry duplicates -------------------------------------------------------------------------


def test_invoice_retry_cluster_found_and_lookalikes_left_alone(story):
    data, _ = story
    found = invoice_duplicates(data, ClientConfig())
    assert _clusters(found) == {
        frozenset({"101", "102", "103"})
    }  # subscription, other lines, two deals, 3 h apart: no
    assert found.set_index("id")["keep"].to_dict() == {"101": True, "102": False, "103": False}
    assert found["reasons"].str.contains("same customer").all()


def test_payment_retry_cluster(story):
    data, _ = story
    found = payment_duplicates(data, ClientConfig())
    assert _clusters(found) == {frozenset({"P1", "P2"})}
    assert found.set_index("id")["keep"].to_dict() == {"P1": True, "P2": False}


def test_duplicate_findings_are_critical_with_the_amount_billed_twice(story):
    _, result = story
    f = result.findings
    inv = f[f["check"] == "duplicate_invoice_retry"].set_index("qb_id")
    assert set(inv.index) == {"102", "103"}
    assert (inv["severity"] == "critical").all() and (inv["amount_at_risk_cents"] == 120000).all()
    assert (inv["sf_id"] == OPP[1]).all() and (inv["qb_entity"] == "Invoice").all()
    assert "1,200.00 USD" in inv.loc["102", "detail"]
    pay = f[f["check"] == "duplicate_payment_retry"]
    assert pay["qb_id"].tolist() == ["P2"] and pay["severity"].tolist() == ["critical"]


def test_duplicate_timing_is_told_against_the_kept_copy(tmp_path: Path) -> None:
    """The deal links the LAST copy (103, 10:09), so it is kept: the two earlier copies are
    said to be created before it and are called the earlier copies, never "the later copy" or
    "0.0 min after the first copy" (trial5 F12)."""
    opportunities = base_opportunities()
    opportunities[0]["QBO_Invoice_Id__c"] = "103"
    _, result = _run(write_raw(tmp_path / "raw", opportunities=opportunities))
    f = result.findings
    inv = f[f["check"] == "duplicate_invoice_retry"].set_index("qb_id")
    assert set(inv.index) == {"101", "102"}
    detail, action = inv.loc["101", "detail"], inv.loc["101", "suggested_action"]
    assert "it was created 9.0 min before the copy the Salesforce deal links to" in detail, detail
    assert "after the first copy" not in detail
    assert action.startswith("Void the earlier copy, invoice 1001 (QBO Id 101), in QBO"), action
    assert "the copy the Salesforce deal links to" in action
    assert "5.0 min before" in inv.loc["102", "detail"]
    table = result.outputs["matches/qb_invoice_duplicates.csv"].set_index("id")
    assert (
        "created 9.0 min before the copy the Salesforce deal links to"
        in table.loc["101", "reasons"]
    )


def test_outputs_cluster_tables_and_void_list(story):
    _, result = story
    table = result.outputs["matches/qb_invoice_duplicates.csv"]
    assert list(table.columns[:4]) == ["cluster_id", "id", "keep", "reasons"]
    void = result.outputs["remediation/qbo_duplicate_invoices_to_void.csv"]
    assert sorted(void["invoice_id"]) == ["102", "103"] and set(void["keep_invoice_id"]) == {"101"}
    # The amount is a number a spreadsheet sums (no separators, no code), the currency beside it;
    # the instructions name the invoice to keep by its number, not its QBO Id.
    assert set(void["amount"]) == {"1200.00"} and set(void["currency"]) == {"USD"}
    assert all("invoice 1001" in step for step in void["instructions"])
    assert list(result.outputs["matches/qb_payment_duplicates.csv"]["id"]) == ["P1", "P2"]


def test_window_chains_retries_and_splits_distant_copies():
    times = pd.to_datetime(
        ["2026-01-01T10:00Z", "2026-01-01T10:20Z", "2026-01-01T10:40Z", "2026-01-01T12:00Z"],
        utc=True,
    )
    frame = pd.DataFrame({"k": ["a"] * 4, "t": times})
    labels = window_clusters(frame, ["k"], "t", pd.Timedelta(minutes=30))
    assert labels.iloc[0] == labels.iloc[1] == labels.iloc[2] != labels.iloc[3]


@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(1, 5)), min_size=1, max_size=8
    ),
    st.randoms(),
)
def test_line_hash_ignores_line_order(lines, rnd):
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    frame = pd.DataFrame(lines + shuffled, columns=["item", "qty"])
    keys = pd.Series(["x"] * len(lines) + ["y"] * len(lines))
    hashes = multiset_hash(keys, frame).set_index("key")["hash"]
    assert hashes["x"] == hashes["y"]


def test_line_hash_sees_a_different_line():
    frame = pd.DataFrame({"item": ["A", "B", "A", "C"], "qty": [1, 1, 1, 1]})
    hashes = multiset_hash(pd.Series(["x", "x", "y", "y"]), frame).set_index("key")["hash"]
    assert hashes["x"] != hashes["y"]


# --- DocNumbers -------------------------------------------------------------------------------


def test_doc_numbers(story):
    _, result = story
    f = result.findings
    assert sorted(f.loc[f["check"] == "duplicate_doc_number", "qb_id"]) == [
        "301",
        "501",
    ]  # 101-103 are retries
    assert f.loc[f["check"] == "missing_doc_number", "qb_id"].tolist() == ["302"]


# --- timeline ---------------------------------------------------------------------------------


def _timeline_raw(folder: Path) -> Path:
    """Six deals won a day from Mar 1 to Mar 19, each invoiced the same day, except Mar 5-14 when
    only one invoice reached QBO (a stray one on Mar 9): an outage of 10 days, then a catch-up burst
    of 59 + 6 invoices on Mar 15."""
    opps, invoices, n = [], [], 0
    for day in pd.date_range("2026-03-01", "2026-03-19"):
        for k in range(6):
            n += 1
            opp_id = to_18(f"006Dn00000{n:05d}")
            stray = day == pd.Timestamp("2026-03-09") and k == 0
            outage = pd.Timestamp("2026-03-05") <= day <= pd.Timestamp("2026-03-14") and not stray
            created = pd.Timestamp("2026-03-15T09:00") if outage else day + pd.Timedelta(hours=15)
            inv_id = str(1000 + n)
            invoices.append(
                invoice(
                    inv_id,
                    "1",
                    day.strftime("%Y-%m-%d"),
                    created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    [line("10", 1, 100.0 + n)],
                    doc=inv_id,
                )
            )
            opps.append(
                {
                    "Id": opp_id,
                    "AccountId": "",
                    "Name": f"Deal {n}",
                    "StageName": "Closed Won",
                    "IsWon": "true",
                    "IsClosed": "true",
                    "CloseDate": day.strftime("%Y-%m-%d"),
                    "Amount": f"{100 + n}.00",
                    "CurrencyIsoCode": "USD",
                    "CreatedDate": "2026-01-01T00:00:00Z",
                    "LastModifiedDate": "2026-03-19T00:00:00Z",
                    "QBO_Invoice_Id__c": inv_id,
                    "QBO_Last_Sync__c": "",
                }
            )
    return write_raw(folder, invoices=invoices, payments=[], opportunities=opps)


def test_outage_gap_burst_and_lag(tmp_path: Path):
    data, result = _run(_timeline_raw(tmp_path / "raw"))
    gaps = outage_gaps(daily_activity(data, ClientConfig(), AS_OF), gap_days=3)
    assert (
        len(gaps) == 1
        and str(gaps.loc[0, "start"].date()) == "2026-03-05"
        and gaps.loc[0, "days"] == 10
    )
    f = result.findings
    outage = f[f["check"] == "sync_outage"]
    assert len(outage) == 1 and outage["severity"].iloc[0] == "high"
    assert outage["sf_id"].isna().all() and outage["qb_id"].isna().all()  # an aggregate finding
    # 60 deals won in the gap: the stray one was invoiced the same day and Mar 14's six the next
    # morning (on time); the other 53 waited for the catch-up.
    assert outage["detail"].iloc[0] == (
        "53 deals won from 2026-03-05 to 2026-03-14 got no invoice within 24 hours of the close "
        "date while the sync created 1 invoice; all were invoiced later."
    )
    assert f.loc[f["check"] == "invoice_burst", "title"].str.contains("2026-03-15").tolist() == [
        True
    ]
    lag = close_to_invoice_lag(data, ClientConfig())
    assert len(lag) == 19 * 6 and lag["lag_days"].max() > 10
    late = f[f["check"] == "invoice_lag_outlier"]
    assert (
        len(late) == 6 * 4
    )  # won Mar 5-8 waited more than 7 days (invoiced Mar 15 09:00), Mar 9 on fewer
    assert (late["severity"] == "low").all() and late["qb_entity"].eq("Invoice").all()


# --- sync log ---------------------------------------------------------------------------------


def _log_rows() -> list[dict]:
    """Opp 1: throttled twice (3001 then 'HTTP 429'), then created. Opp 2: 6240 three times, never
    synced. Opp 3: created, then an update failed 5010 (failing since). Opp 4: status 'retry' with
    code '3200.0' then an 'invalid_grant' message without code. Opp 5: 610 then 6140 then success.
    A storm: 12 auth errors on opp 6 within 10 minutes. Opp 7: created, then the write-back into
    Salesforce failed (UNABLE_TO_LOCK_ROW): a lost write-back, reported by partial_sync, resynced here."""

    def row(
        minute: int,
        n: int,
        status: str,
        code: str = "",
        message: str = "",
        qb_id: str = "",
        op: str = "create",
        direction: str = "sf_to_qbo",
    ) -> dict:
        ts = (pd.Timestamp("2026-03-10T08:00Z") + pd.Timedelta(minutes=minute)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        return {
            "timestamp": ts,
            "direction": direction,
            "sf_object": "Opportunity",
            "sf_id": OPP[n],
            "qb_entity": "Invoice",
            "qb_id": qb_id,
            "operation": op,
            "status": status,
            "error_code": code,
            "message": message,
            "attempt": "",
        }

    rows = [
        row(0, 1, "error", "3001"),
        row(1, 1, "error", "HTTP 429"),
        row(2, 1, "success", qb_id="11"),
        row(100, 2, "error", "6240"),
        row(200, 2, "failed", "6240"),
        row(300, 2, "error", "6240"),
        row(400, 3, "success", qb_id="33"),
        row(500, 3, "error", "5010", qb_id="33", op="update"),
        row(600, 4, "retry", "3200.0"),
        row(700, 4, "error", "", "invalid_grant: token expired"),
        row(800, 5, "error", "610"),
        row(801, 5, "error", "6140"),
        row(802, 5, "success", qb_id="55"),
    ]
    rows += [row(1000 + i // 2, 6, "error", "401") for i in range(12)]
    rows += [
        row(1100, 7, "success", qb_id="77"),
        row(1101, 7, "error", "UNABLE_TO_LOCK_ROW", qb_id="77", op="update", direction="qbo_to_sf"),
    ]
    return rows


EXPECTED_CLASSES = {
    "throttling": 2,
    "duplicate_name": 3,
    "stale_object": 1,
    "auth": 14,
    "not_found": 1,
    "validation": 1,
    "other": 1,
}


def test_error_classes_counted_exactly(tmp_path: Path):
    raw = write_raw(tmp_path / "raw", sync_log=_log_rows())
    data, result = _run(raw)
    assert error_class_counts(data["sync_log"]) == EXPECTED_CLASSES
    agg = result.findings[result.findings["check"] == "sync_log_error_class"]
    assert agg["sf_id"].isna().all() and len(agg) == len(EXPECTED_CLASSES)
    assert agg.loc[agg["title"].str.contains("authentication"), "severity"].tolist() == ["medium"]
    assert agg.loc[agg["title"].str.contains("throttling"), "severity"].tolist() == ["low"]


def test_retries_failing_records_and_storm(tmp_path: Path):
    data, result = _run(write_raw(tmp_path / "raw", sync_log=_log_rows()))
    summary = record_summary(data["sync_log"]).set_index("sf_id")
    assert summary.loc[OPP[1], "retries"] == 2 and not summary.loc[OPP[1], "last_failed"]
    failing = failing_records(data["sync_log"]).set_index("sf_id")
    assert set(failing.index) == {OPP[2], OPP[3], OPP[4], OPP[6], OPP[7]}
    assert failing.loc[OPP[2], "never_succeeded"] and not failing.loc[OPP[3], "never_succeeded"]
    assert failing.loc[OPP[3], "last_error_class"] == "stale_object"
    storms = error_storms(data["sync_log"])
    assert (
        len(storms) == 1 and storms.loc[0, "main_class"] == "auth" and storms.loc[0, "errors"] == 12
    )
    f = result.findings
    assert set(f.loc[f["check"] == "sync_record_failing", "sf_id"]) == {
        OPP[2],
        OPP[3],
        OPP[4],
        OPP[6],
    }
    assert f.loc[f["check"] == "sync_error_storm", "title"].str.contains(
        "mostly auth"
    ).tolist() == [True]
    resync = result.outputs["remediation/records_to_resync.csv"].set_index("sf_id")
    assert resync.loc[OPP[7], "reason"] == "last sync failed"
    assert (
        resync.loc[OPP[2], "error_class"] == "duplicate_name"
        and not resync.loc[OPP[2], "ready_to_resync"]
    )


# --- lost updates -----------------------------------------------------------------------------


def test_two_sided_conflicts_only(tmp_path: Path):
    """O1: synced 10:00, Salesforce edited 11:00 (1,250.00), QBO edited 12:00 (token 3): conflict.
    O5: Salesforce bumped 10:01 by the write-back only: none. O6: QBO edited only: none (partial_sync)."""
    synced = "2026-03-06T10:00:00Z"
    opps = [
        {
            "Id": OPP[n],
            "AccountId": "",
            "Name": f"Deal {n}",
            "StageName": "Closed Won",
            "IsWon": "true",
            "IsClosed": "true",
            "CloseDate": "2026-03-06",
            "Amount": amount,
            "CurrencyIsoCode": "USD",
            "CreatedDate": "2026-03-01T00:00:00Z",
            "LastModifiedDate": modified,
            "QBO_Invoice_Id__c": inv,
            "QBO_Last_Sync__c": synced,
        }
        for n, amount, modified, inv in (
            (1, "1250.00", "2026-03-06T11:00:00Z", "101"),
            (5, "30.00", "2026-03-06T10:01:00Z", "401"),
            (6, "30.00", "2026-03-06T10:00:30Z", "402"),
        )
    ]
    invoices = [
        invoice(
            "101",
            "1",
            "2026-03-06",
            synced,
            [line("10", 2, 600.0)],
            "1",
            updated="2026-03-06T12:00:00Z",
            token="3",
        ),
        invoice(
            "401",
            "4",
            "2026-03-06",
            synced,
            [line("40", 3, 10.0)],
            "2",
            updated="2026-03-06T12:00:00Z",
            token="2",
        ),
        invoice(
            "402",
            "4",
            "2026-03-06",
            synced,
            [line("41", 3, 10.0)],
            "3",
            updated="2026-03-06T12:00:00Z",
            token="1",
        ),
    ]
    _, result = _run(
        write_raw(tmp_path / "raw", invoices=invoices, payments=[], opportunities=opps)
    )
    f = result.findings[result.findings["check"] == "lost_update_conflict"]
    assert f["sf_id"].tolist() == [OPP[1]] and f["qb_id"].tolist() == ["101"]
    assert f["severity"].tolist() == ["medium"] and f["amount_at_risk_cents"].tolist() == [5000]
    table = result.outputs["remediation/sync_conflicts.csv"]
    assert table[["salesforce_amount", "qbo_amount_before_tax"]].values.tolist() == [
        ["1,250.00 USD", "1,200.00 USD"]
    ]


# --- capacity ---------------------------------------------------------------------------------


def test_capacity_counts_requests_and_minutes(story):
    data, result = story
    plan = capacity_plan(data).set_index(["scope", "entity"])
    payments = plan.loc[("full_resync", "Payment")]
    assert (
        payments["records"] == 4
        and payments["read_requests"] == 1
        and payments["single_requests"] == 5
    )
    assert payments["batch_requests"] == -(-4 // BATCH_OPERATIONS)
    assert (
        plan.loc[("full_resync", "all"), "records"]
        == plan.xs("full_resync").drop("all")["records"].sum()
    )
    assert "remediation/resync_capacity.csv" in result.outputs


def test_no_false_findings_without_problems(tmp_path: Path):
    """Only the lookalikes of the story (subscription, same-day other lines, two deals, hours apart)."""
    invoices = [i for i in base_invoices() if i["Id"] not in ("102", "103", "302")]
    for inv in invoices:
        inv["DocNumber"] = "D" + inv["Id"]
    _, result = _run(write_raw(tmp_path / "raw", invoices=invoices, payments=[]))
    assert result.findings.empty


# --- quality bars on the demo -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_run(demo_dir: Path) -> CheckRun:
    """This area's checks on the session's demo (other areas left out: their bars are theirs)."""
    return compute(
        CheckOptions(raw=demo_dir / "raw", out=demo_dir / "out-sync-jobs", areas=("sync_jobs",))
    )


def test_demo_duplicate_clusters_f1(demo_run, truth):
    outputs = demo_run.result.outputs
    for table, key in (
        ("matches/qb_invoice_duplicates.csv", "qb_invoices"),
        ("matches/qb_payment_duplicates.csv", "qb_payments"),
    ):
        score = score_clusters(outputs[table], truth["duplicate_clusters"][key])
        assert score.f1 >= 0.95, (table, score)


def test_demo_no_subscription_repeat_flagged(demo_run, truth):
    """Monthly subscription invoices and their same-amount payments are neither clustered nor
    flagged above info."""
    outputs, f = demo_run.result.outputs, demo_run.result.findings
    f = f[f["severity"] != "info"]
    flagged = {(e, i) for e, i in zip(f["qb_entity"], f["qb_id"], strict=True) if pd.notna(i)}
    flagged |= {("sf", s) for s in f["sf_id"].dropna()}
    clustered = {("Invoice", i) for i in outputs["matches/qb_invoice_duplicates.csv"]["id"]}
    clustered |= {("Payment", i) for i in outputs["matches/qb_payment_duplicates.csv"]["id"]}
    repeats = [
        la
        for la in truth["lookalikes"]
        if la["area"] == "sync_jobs"
        and la["kind"] in ("subscription_repeat", "recurring_payment_same_amount")
    ]
    assert repeats, "the demo injects subscription look-alikes"
    for la in repeats:
        assert (la["qb_entity"], la["qb_id"]) not in flagged | clustered, la
        assert ("sf", la.get("sf_id")) not in flagged, la


def test_demo_log_error_classes_exact(demo_run, truth):
    counts = error_class_counts(demo_run.data["sync_log"])
    expected = truth["counts"]["sync_log_error_classes"]
    assert {k: counts.get(k, 0) for k in expected} == expected
    # the demo also logs timeouts and Salesforce lock errors, which its truth does not classify
    assert set(counts) - set(expected) <= {"server", "other"}


def test_demo_sync_jobs_defects_found(demo_run, truth):
    score = score_findings(demo_run.result.findings, truth, area="sync_jobs")
    for kind in ("duplicate_invoice", "duplicate_payment"):
        if kind in score.by_kind:
            assert score.kind_recall(kind) >= 0.95, (kind, score.by_kind[kind])
    assert not score.lookalikes_flagged


def test_log_explains_record_findings(tmp_path: Path):
    """A finding of another area on opp 2 is explained by its 6240 errors; opp 1 (throttled, then
    synced) has errors too but is no longer failing."""
    from sfqb_diag.checks.sync_jobs.views import explain_findings
    from sfqb_diag.findings import new_findings

    data, _ = _run(write_raw(tmp_path / "raw", sync_log=_log_rows()))
    other = new_findings(
        sf_id=pd.Series([OPP[2], OPP[1], OPP[9]]),
        title="x",
        severity="high",
        area="partial_sync",
        check="won_not_invoiced",
    )
    other["finding_id"] = ["a", "b", "c"]
    explained = explain_findings(other, data).set_index("title", drop=False)
    assert len(explained) == 2
    rows = explained.reset_index(drop=True)
    assert rows["error_class"].tolist() == ["duplicate_name", "throttling"] or rows[
        "error_class"
    ].tolist() == ["throttling", "duplicate_name"]
    assert sorted(rows["still_failing"].tolist()) == [False, True]


def test_notebook_views_work_with_and_without_inputs(tmp_path: Path):
    """The notebook's views give frames on the timeline story and empty frames without a log."""
    from sfqb_diag.checks.sync_jobs.views import (
        double_billed,
        duplicate_amounts,
        error_classes,
        lag,
        timeline,
    )

    data, _ = _run(_timeline_raw(tmp_path / "raw"))
    activity, gaps, burst_days = timeline(data, ClientConfig(), AS_OF)
    assert activity["won"].sum() == 19 * 6 and len(gaps) == 1 and len(burst_days) == 1
    assert len(lag(data, ClientConfig())) == 19 * 6
    assert error_classes(data).empty  # no sync log in this folder
    _, story = _run(write_raw(tmp_path / "story"))
    billed = double_billed(story.findings).set_index("kind")
    assert (
        billed.loc["Invoices", "amount_cents"] == 240000 and billed.loc["Payments", "copies"] == 1
    )
    amounts = duplicate_amounts(story.outputs["matches/qb_invoice_duplicates.csv"], story.findings)
    # Named by the kept invoice's number (1001), not the cluster key built from its Id (101).
    assert amounts[["cluster_id", "copies", "amount"]].values.tolist() == [
        ["Invoice 1001", 2, 2400.0]
    ]


def test_demo_read_cap_outage_found_and_mid_month_outage_left_alone(demo_run, truth):
    """The demo's read cap (24 Sep until the month turned) is one high finding; the early-October
    outage fails every run too but ends mid-month, so it is not the cap."""
    kinds = {(d["kind"], d["min_severity"]) for d in truth["defects"]}
    assert ("qbo_read_cap_blocked", "high") in kinds
    assert any(la["kind"] == "outage_ending_mid_month" for la in truth["lookalikes"])
    f = demo_run.result.findings
    cap = f[f["check"] == "qbo_read_cap_blocked"]
    assert len(cap) == 1 and cap["severity"].iloc[0] == "high"
    assert "September 2026" in cap["title"].iloc[0]
    assert "2026-10-01" in cap["detail"].iloc[0]  # back right after the month turned
    log = demo_run.data["sync_log"]
    stamps = pd.to_datetime(log["timestamp"], utc=True)
    october = log[
        (stamps >= pd.Timestamp("2026-10-03", tz="UTC"))
        & (stamps < pd.Timestamp("2026-10-09", tz="UTC"))
        & (log["status"] == "error")
    ]
    assert len(october) >= 50  # the look-alike is a real multi-day failing run
