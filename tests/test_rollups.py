"""Rollups written back into Salesforce vs QBO, the aging per customer, record_status.csv: on the
hand-made folder (tests/rollups_fixture.py states each record's story) and on the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from rollups_fixture import ACCOUNTS, EXPECTED, acc_id, opp_id, write_raw
from scorer import score_findings

from sfqb_diag.checks.partial_sync.receivables import customer_receivables
from sfqb_diag.cli.init import init_client
from sfqb_diag.config import load_config
from sfqb_diag.errors import UsageError
from sfqb_diag.pipeline import CheckOptions, run_check
from sfqb_diag.sources.files import load_raw

ROLLUP_CHECKS = {
    "rollup_mismatch",
    "opportunity_paid_but_open",
    "opportunity_open_but_paid",
    "opportunity_rollup_mismatch",
}
AS_OF = pd.Timestamp("2026-11-20T12:00:00Z")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("rollups")
    write_raw(base / "raw")
    run_check(CheckOptions(raw=base / "raw", out=base / "out", config=base / "client.yaml"))
    return base


def _findings(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "out" / "findings.csv", dtype=str, encoding="utf-8-sig")


def test_each_rollup_difference_is_found_at_its_severity_and_the_fine_ones_are_not(folder):
    found = _findings(folder)
    rollups = found[found["check"] == "rollup_mismatch"]
    number = {acc_id(k): k for k in ACCOUNTS}
    role = rollups["title"].str.extract(r" amount (\w+) for ", expand=False)
    got = dict(
        zip(zip(rollups["sf_id"].map(number), role, strict=True), rollups["severity"], strict=True)
    )
    assert {(n, r.removeprefix("account_amount_")): s for (n, r), s in EXPECTED.items()} == got
    for fine in (2, 3, 6):  # within the daily window; one-cent rounding; all agree
        assert acc_id(fine) not in set(found["sf_id"].dropna())


def test_the_likely_cause_is_named(folder):
    found = _findings(folder).set_index("sf_id")
    rollups = found[found["check"] == "rollup_mismatch"]
    assert "daily recalculation did not run" in rollups.loc[acc_id(1), "detail"].iloc[0]
    assert "validation rule" in rollups.loc[[acc_id(4)], "detail"].iloc[0]
    assert "payment was received but not applied" in rollups.loc[acc_id(5), "detail"].iloc[0]
    paid_up = rollups.loc[acc_id(1)]
    assert paid_up["title"].str.contains("1,000.00 USD amount overdue for Paid Up Ltd").any()
    assert paid_up["detail"].str.contains("5 days before the as-of time").all()


def test_deals_whose_payment_state_contradicts_the_invoice(folder):
    found = _findings(folder)
    paid_open = found[found["check"] == "opportunity_paid_but_open"]
    open_paid = found[found["check"] == "opportunity_open_but_paid"]
    assert list(paid_open["sf_id"]) == [opp_id(1)] and list(paid_open["severity"]) == ["medium"]
    assert (
        "invoice 1006" in paid_open["detail"].iloc[0]
        and "400.00 USD" in paid_open["detail"].iloc[0]
    )
    assert list(open_paid["sf_id"]) == [opp_id(2)] and list(open_paid["severity"]) == ["high"]
    assert list(open_paid["qb_id"]) == ["1007"]
    wrong = found[found["check"] == "opportunity_rollup_mismatch"]
    assert list(wrong["sf_id"]) == [opp_id(4)] and list(wrong["severity"]) == ["medium"]
    assert "650.00 USD balance" in wrong["title"].iloc[0] and "600.00 USD" in wrong["title"].iloc[0]
    assert wrong["amount_at_risk"].iloc[0] == "50.00"


def test_aging_buckets_count_days_past_due_to_the_as_of_day(folder):
    data = load_raw(folder / "raw", load_config(folder / "client.yaml"))
    table = customer_receivables(data, AS_OF)
    assert table.loc["4", "bucket_1-30"] == 200000  # due 11-01: 19 days late
    assert table.loc["5", "bucket_over_90"] == 80000  # due 08-01: 111 days late
    assert (table.loc["6", "bucket_current"], table.loc["6", "bucket_1-30"]) == (100000, 30000)
    assert table.loc["3", ["currency", "due_cents"]].tolist() == ["EUR", 30000]
    assert table.loc["6", ["invoiced_cents", "paid_cents", "credited_cents"]].tolist() == [
        200000,
        70000,
        10000,
    ]


def test_record_status_has_a_row_per_pair_with_the_findings_behind_it(folder):
    status = pd.read_csv(
        folder / "out" / "matches" / "record_status.csv", dtype=str, encoding="utf-8-sig"
    )
    found = _findings(folder)
    rows = status.set_index(["sf_object", "sf_id"])
    assert rows.loc[("Account", acc_id(1)), "status"] == "conflict"
    ids = set(rows.loc[("Account", acc_id(1)), "finding_ids"].split())
    assert ids == set(found.loc[found["sf_id"] == acc_id(1), "finding_id"])
    assert rows.loc[("Account", acc_id(6)), "status"] == "in_sync"
    deals = status[status["qb_entity"] == "Invoice"].set_index("sf_id")
    assert (
        deals.loc[opp_id(1), "status"] == "conflict" and deals.loc[opp_id(3), "status"] == "in_sync"
    )
    payments = status[status["qb_entity"] == "Payment"].set_index("qb_id")
    assert payments.loc["55", "status"] == "qb_only"  # applied to nothing
    assert set(status["status"]) <= {
        "in_sync",
        "sf_only",
        "qb_only",
        "changed_in_qb",
        "changed_in_sf",
        "deleted_in_qb",
        "conflict",
    }


def test_without_rollup_fields_the_checks_are_skipped_and_the_rest_is_made(tmp_path):
    raw = write_raw(tmp_path / "raw", rollups=False)
    run = run_check(CheckOptions(raw=raw, out=tmp_path / "out"))  # no client.yaml: no rollups
    skipped = {s["check"]: " ".join(s["missing"]) for s in run.summary.skipped}
    assert set(skipped) >= ROLLUP_CHECKS
    assert "client.yaml: no rollups: field on Account" in skipped["rollup_mismatch"]
    assert (tmp_path / "out" / "matches" / "record_status.csv").is_file()
    assert "partial_sync.aging" in run.result.views
    aging = run.result.views["partial_sync.aging"]
    assert set(aging["source"]) == {"QuickBooks"}  # no rollups: QuickBooks' side only
    assert aging.loc[aging["bucket"] == "over 90 days past due", "amount_cents"].sum() == 80000
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert {s["check"] for s in summary["skipped"]} >= ROLLUP_CHECKS


def test_named_rollup_fields_the_export_lacks_skip_the_check_naming_the_column(tmp_path):
    raw = write_raw(tmp_path / "raw", rollups=False)
    run = run_check(CheckOptions(raw=raw, out=tmp_path / "out", config=tmp_path / "client.yaml"))
    skipped = {s["check"]: " ".join(s["missing"]) for s in run.summary.skipped}
    assert "Bread_Winner__Total_Amount_Due__c" in skipped["rollup_mismatch"]
    assert "salesforce/Account.csv" in skipped["rollup_mismatch"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("rollups:\n  account_amount_due: Opportunity.Due__c\n", "must be a field of Account"),
        ("rollups:\n  opportunity_balance: Balance\n", "must be Object.Field"),
        ("rollups:\n  window_hours: -1\n", "window_hours is -1"),
        ("rollups:\n  amount_due: Account.X__c\n", "unknown key(s) amount_due"),
    ],
)
def test_a_wrong_rollups_section_is_refused_naming_the_key(tmp_path, text, fragment):
    path = tmp_path / "client.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=None) as err:
        load_config(path)
    assert fragment in str(err.value)


def test_init_with_a_known_connector_fills_in_its_rollup_fields(tmp_path):
    config = load_config(init_client("acme", tmp_path, "breadwinner") / "client.yaml")
    assert config.rollups.account_amount_due == "Account.Bread_Winner__Total_Amount_Due__c"
    assert config.rollups.named("Opportunity") == {}  # not verified for Breadwinner: left out
    assert (
        load_config(init_client("plain", tmp_path) / "client.yaml").rollups.named("Account") == {}
    )
    with pytest.raises(UsageError, match="no preset"):
        init_client("other", tmp_path, "madeup")


# --- the demo's quality bars -------------------------------------------------------------

ROLLUP_KINDS = {
    "rollup_stale",
    "rollup_validation_rule",
    "rollup_unapplied_payment",
    "rollup_other_customer",
    "opportunity_paid_but_open",
    "opportunity_open_but_paid",
    "opportunity_balance_drift",
}


def test_demo_every_rollup_defect_is_found_at_its_severity(demo_run, truth):
    score = score_findings(demo_run.result.findings, truth, "partial_sync")
    for kind in ROLLUP_KINDS:
        assert kind in score.by_kind, f"the demo injects no {kind}"
        assert score.kind_recall(kind) == 1.0, (
            kind,
            [m for m in score.missed if m["kind"] == kind],
        )


def test_demo_no_rollup_lookalike_is_flagged_above_info(demo_run, truth):
    kinds = {la["kind"] for la in truth["lookalikes"]}
    assert {"rollup_within_daily_window", "rollup_currency_rounding"} <= kinds
    score = score_findings(demo_run.result.findings, truth, "partial_sync")
    assert [la for la in score.lookalikes_flagged if la["kind"].startswith("rollup")] == []


def test_demo_record_status_gives_every_linked_pair_the_truths_status(demo_run, demo_dir, truth):
    status = pd.read_csv(
        demo_dir / "out" / "matches" / "record_status.csv", dtype=str, encoding="utf-8-sig"
    )
    rows = status.dropna(subset=["sf_id"]).drop_duplicates(["sf_id", "qb_entity"])
    got = rows[rows["qb_entity"] != "Payment"].set_index("sf_id")["status"]
    expected = truth["record_status"]
    missing = set(expected) - set(got.index)
    assert not missing, f"{len(missing)} linked pairs have no row"
    wrong = {s: (e, got[s]) for s, e in expected.items() if got[s] != e}
    assert not wrong, list(wrong.items())[:10]
    moved = rows["status"].isin(["conflict", "changed_in_qb", "changed_in_sf"])
    assert rows.loc[moved, "finding_ids"].notna().all(), (
        "a changed or conflicting pair names no finding"
    )


def test_pull_asks_for_the_named_rollup_fields_the_org_has(tmp_path):
    from sfqb_diag.sources.live.pull_sf import sf_fields

    path = tmp_path / "client.yaml"
    path.write_text(
        "rollups:\n  account_amount_due: Account.Bread_Winner__Total_Amount_Due__c\n"
        "  account_amount_paid: Account.Paid_Not_In_Org__c\n",
        encoding="utf-8",
    )
    config = load_config(path)
    available = ["Id", "Name", "QBO_Customer_Id__c", "Bread_Winner__Total_Amount_Due__c"]
    wanted, missing = sf_fields("Account", available, config)
    assert "Bread_Winner__Total_Amount_Due__c" in wanted
    assert "Paid_Not_In_Org__c" in missing and "Paid_Not_In_Org__c" not in wanted
    assert "Bread_Winner__Total_Amount_Due__c" not in sf_fields("Opportunity", available, config)[0]


def test_the_fix_list_has_a_record_status_sheet_in_words(folder):
    from openpyxl import load_workbook

    sheet = load_workbook(folder / "out" / "fix_list.xlsx")["Record status"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert header[0] == "State" and "Findings that explain it" in header
    assert rows[0]["State"] == "in conflict (the two sides disagree)"  # not in sync first
    paid_up = next(r for r in rows if r["Salesforce Id"] == acc_id(1))
    assert paid_up["QuickBooks Id"] == "1" and paid_up["Salesforce record"] == "Paid Up Ltd"
    assert any(r["State"] == "only in QuickBooks" for r in rows)  # payment 55, applied to nothing
