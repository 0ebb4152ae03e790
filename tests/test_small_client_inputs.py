"""A newcomer's small hand-made client folder (tests/fixtures/small_client) and variants of it.

The base folder: 4 accounts linked to 3 QBO customers (Stark Industries has none), 5 opportunities
(4 won: Acme 12,000 billed by INV-1001, Globex 45,000 never invoiced, Initech 8,500 billed by
INV-1003 for 8,000, Stark 5,000 won 2026-11-25; one open Initech deal), every amount in USD.
INV-1001's PrivateNote names the Acme opportunity. Each test states how its variant differs.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd

from sfqb_diag.pipeline import CheckOptions, CheckRun, compute

BASE = Path(__file__).parent / "fixtures" / "small_client"
AS_OF = "2026-11-30T18:22:00Z"
ACME_DEAL = "006Dn00000XyZaAIAV"
INITECH_DEAL = "006Dn00000XyZaCIAV"
GLOBEX_DEAL = "006Dn00000XyZaBIAV"


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BASE, tmp_path / "raw"))


def _edit_opportunities(
    raw: Path, rows: int | None = None, added: list[dict[str, str]] | None = None, **changes: object
) -> None:
    """Rewrite salesforce/Opportunity.csv: keep the first `rows` rows, append `added` rows (other
    columns copied from the Globex deal), drop columns given as None, and set
    `column=(Id, value)` cells."""
    path = raw / "salesforce" / "Opportunity.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = table.head(rows) if rows is not None else table
    if added:
        template = table[table["Id"] == GLOBEX_DEAL].iloc[0].to_dict()
        extra = pd.DataFrame([{**template, **row} for row in added], columns=table.columns)
        table = pd.concat([table, extra], ignore_index=True)
    for column, change in changes.items():
        if change is None:
            table = table.drop(columns=column)
        else:
            sf_id, value = change  # type: ignore[misc]
            table.loc[table["Id"] == sf_id, column] = value
    table.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)


def _run(raw: Path, tmp_path: Path) -> CheckRun:
    return compute(CheckOptions(raw=raw, out=tmp_path / "out", as_of=AS_OF))


def test_header_only_opportunities_still_report_the_orphan_invoice(tmp_path: Path) -> None:
    """Opportunity.csv keeps only its header line; INV-1001 still names the Acme deal, which is
    then missing from Salesforce (this crashed: an empty lookup turned the name column numeric)."""
    raw = _copy(tmp_path)
    _edit_opportunities(raw, rows=0)
    findings = _run(raw, tmp_path).result.findings
    orphan = findings[findings["check"] == "orphan_invoice"]
    assert orphan["qb_id"].tolist() == ["1001"]
    assert orphan["sf_id"].tolist() == [ACME_DEAL]
    assert (
        f"names opportunity {ACME_DEAL}, which does not exist in Salesforce"
        in (orphan["detail"].iloc[0])
    )


def _found(run: CheckRun) -> set[tuple[str, str]]:
    findings = run.result.findings
    return set(zip(findings["check"], findings["sf_id"].fillna(""), strict=True))


def test_without_is_won_every_check_reads_won_from_stage(tmp_path: Path) -> None:
    """Opportunity.csv lacks IsWon (StageName 'Closed Won' kept): every check that needs won
    deals reads them from the stage, so the findings equal those of the full export."""
    full = _run(_copy(tmp_path / "full"), tmp_path / "full")
    raw = _copy(tmp_path / "no_is_won")
    _edit_opportunities(raw, IsWon=None)
    stage_only = _run(raw, tmp_path / "no_is_won")
    assert _found(stage_only) == _found(full)
    stark = stage_only.result.findings.query("check == 'won_account_without_customer'")
    assert stark["title"].str.contains("Stark Industries").tolist() == [True]
    assert not any("IsWon" in s["missing"] for s in stage_only.summary.checks_skipped)


def test_deal_in_another_currency_than_its_invoice_is_reported_without_lines(
    tmp_path: Path,
) -> None:
    """The Initech deal is 8,000.00 EUR; its linked INV-1003 bills 8,000.00 USD (the same
    number), and there is no OpportunityLineItem.csv for products to compare lines."""
    raw = _copy(tmp_path)
    _edit_opportunities(
        raw, Amount=(INITECH_DEAL, "8000.00"), CurrencyIsoCode=(INITECH_DEAL, "EUR")
    )
    run = _run(raw, tmp_path)
    findings = run.result.findings
    wrong = findings[findings["check"] == "deal_currency_mismatch"]
    assert wrong["sf_id"].tolist() == [INITECH_DEAL] and wrong["qb_id"].tolist() == ["1003"]
    assert wrong["detail"].iloc[0] == (
        "Deal amount 8,000.00 EUR; invoice INV-1003 bills 8,000.00 USD before tax, in USD "
        "instead of EUR: the sync copied the number and dropped the currency."
    )
    assert wrong["currency"].tolist() == ["EUR"]
    # Amounts in two currencies are not subtracted: no amount mismatch on the same pair.
    assert INITECH_DEAL not in set(
        findings.loc[findings["check"] == "deal_amount_mismatch", "sf_id"]
    )
    status = run.result.outputs["matches/record_status.csv"]
    pair = status[status["sf_id"] == INITECH_DEAL]
    assert pair["status"].tolist() == ["conflict"]


def test_products_line_finding_supersedes_the_header_currency_finding(demo_run) -> None:
    """Where products compares lines and finds the invoice in the wrong currency, partial_sync's
    header finding on the same invoice is dropped (one finding, one fix)."""
    findings = demo_run.result.findings
    by_lines = set(findings.loc[findings["check"] == "invoice_currency_mismatch", "qb_id"])
    by_header = set(findings.loc[findings["check"] == "deal_currency_mismatch", "qb_id"])
    assert by_lines and not by_lines & by_header


def test_two_quiet_deals_are_no_sync_outage(tmp_path: Path) -> None:
    """Between INV-1001 (2026-09-16) and INV-1003 (2026-11-03) only two deals were won: Globex
    (never invoiced, its own won_not_invoiced finding) and Initech (invoiced the next morning).
    One stalled deal is no evidence that the sync stopped."""
    run = _run(_copy(tmp_path), tmp_path)
    findings = run.result.findings
    assert "sync_outage" not in set(findings["check"])
    assert GLOBEX_DEAL in set(findings.loc[findings["check"] == "won_not_invoiced", "sf_id"])


def test_outage_counts_only_stalled_deals_and_unbilled_money(tmp_path: Path) -> None:
    """Two more Globex deals won in the same quiet stretch and never invoiced: three deals held
    up, so it is an outage; Initech's deal, invoiced the next morning, is neither counted nor in
    the money."""
    raw = _copy(tmp_path)
    _edit_opportunities(
        raw,
        added=[
            {"Id": "006Dn00000XyZaFIAV", "CloseDate": "2026-10-01", "Amount": "5000.00"},
            {"Id": "006Dn00000XyZaGIAV", "CloseDate": "2026-10-10", "Amount": "7000.00"},
        ],
    )
    outage = _run(raw, tmp_path).result.findings.query("check == 'sync_outage'")
    assert outage["detail"].tolist() == [
        "3 deals won from 2026-09-17 to 2026-11-02 got no invoice within 24 hours of the close "
        "date while the sync created no invoices; 3 are still not invoiced (57,000.00 USD)."
    ]


def test_without_is_won_and_stage_the_won_checks_are_skipped_by_name(tmp_path: Path) -> None:
    """Opportunity.csv has neither IsWon nor StageName: nothing tells a won deal, so the checks
    that work from won deals are listed as not run, naming both columns, instead of running on
    no won deals and reporting nothing."""
    raw = _copy(tmp_path)
    _edit_opportunities(raw, IsWon=None, StageName=None)
    run = _run(raw, tmp_path)
    missing = {s["check"]: s["missing"] for s in run.summary.checks_skipped}
    both = (
        "column IsWon of salesforce/Opportunity.csv or column StageName of "
        "salesforce/Opportunity.csv"
    )
    for name in ("won_account_without_customer", "won_not_invoiced", "sync_outage"):
        assert missing.get(name) == both, name
    assert not {"won_account_without_customer", "won_not_invoiced"} & set(
        run.result.findings["check"]
    )
