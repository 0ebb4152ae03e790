"""Duplicate texts claim only what the files show, on tiny hand-made raw folders:

qbo_only:   quickbooks/Customer.json alone (no Invoice, Payment, CreditMemo, SalesReceipt):
            1 "Acme Corporation" (balance 0) and 2 "Acme Corporation (2)" (Balance 300), same
            phone and address -> a QBO duplicate whose transactions were not checked, and whose
            balance of 300.00 says it has some;
with_invoice: the same plus an Invoice.json with one invoice on customer 1 -> counts are facts
            again ("1 transaction" for the survivor; copy 2 has a balance but no invoice);
sf_only:    salesforce/Account.csv alone (no Opportunity.csv): "Acme Corporation" and
            "ACME CORPORATION", same phone, address and website -> a Salesforce duplicate
            whose opportunities were not checked;
with_opps:  the same plus an Opportunity.csv with one deal on the survivor.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from sfqb_diag.engine import RunResult
from sfqb_diag.pipeline import CheckOptions, compute

AS_OF = "2026-11-20T06:00:00Z"
ADDRESS = {"Line1": "1 Main St", "City": "Boston", "PostalCode": "02110"}
PHONE = {"FreeFormNumber": "617-555-0100"}
ACC1, ACC2 = "001Dn00000Ab001", "001Dn00000Ab002"


def _qbo_raw(folder: Path, invoice: bool) -> Path:
    raw = folder / "raw"
    (raw / "quickbooks").mkdir(parents=True)
    customers = [
        {"Id": "1", "DisplayName": "Acme Corporation", "Active": True, "Balance": 0},
        {"Id": "2", "DisplayName": "Acme Corporation (2)", "Active": True, "Balance": 300},
    ]
    for c in customers:
        c.update({"PrimaryPhone": PHONE, "BillAddr": ADDRESS})
    (raw / "quickbooks" / "Customer.json").write_text(json.dumps(customers), encoding="utf-8")
    if invoice:
        invoices = [
            {
                "Id": "100",
                "DocNumber": "1001",
                "CustomerRef": {"value": "1"},
                "TxnDate": "2026-10-01",
                "TotalAmt": 50,
                "Balance": 0,
                "Line": [],
            }
        ]
        (raw / "quickbooks" / "Invoice.json").write_text(json.dumps(invoices), encoding="utf-8")
    return raw


def _csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _sf_raw(folder: Path, opportunity: bool) -> Path:
    raw = folder / "raw"
    (raw / "salesforce").mkdir(parents=True)
    same = {
        "Phone": "617-555-0100",
        "BillingStreet": "1 Main St",
        "BillingCity": "Boston",
        "BillingPostalCode": "02110",
        "Website": "acme.com",
    }
    _csv(
        raw / "salesforce" / "Account.csv",
        [
            {"Id": ACC1, "Name": "Acme Corporation", **same},
            {"Id": ACC2, "Name": "ACME CORPORATION", **same},
        ],
    )
    if opportunity:
        _csv(
            raw / "salesforce" / "Opportunity.csv",
            [{"Id": "006Dn0000000001", "Name": "Acme deal", "AccountId": ACC1,
              "StageName": "Prospecting", "IsWon": "false", "IsClosed": "false",
              "CloseDate": "2026-12-01", "Amount": "100"}],
        )  # fmt: skip
    return raw


def _run(raw: Path, out: Path) -> RunResult:
    return compute(CheckOptions(raw=raw, out=out, as_of=AS_OF, areas=("customers",))).result


def _one(result: RunResult, check: str) -> pd.Series:
    rows = result.findings[result.findings["check"] == check]
    assert len(rows) == 1, result.findings[["check", "title"]]
    return rows.iloc[0]


def _survivor_reason(result: RunResult, table: str) -> str:
    kept = result.outputs[table]
    return str(kept.loc[kept["keep"].astype(bool), "reasons"].iloc[0])


def test_qbo_duplicate_without_transaction_files_claims_no_counts(tmp_path: Path) -> None:
    result = _run(_qbo_raw(tmp_path, invoice=False), tmp_path / "out")
    dup = _one(result, "qb_customer_duplicate")
    # Customer 2 has Balance 300: never "no transactions"; the count was not checked at all.
    assert "no transactions" not in dup["detail"]
    assert "0 transactions" not in dup["detail"]
    assert dup["detail"].startswith(
        "Acme Corporation (2) (Id 2, balance 300.00; transactions not checked: no invoice, "
        "payment, credit memo or sales receipt file) duplicates Acme Corporation (Id 1)"
    )
    assert _survivor_reason(result, "matches/qb_customer_duplicates.csv") == (
        "kept: its name has no copy tag (a tag such as ' (2)' marks the copy). Holds: "
        "transactions not checked: no invoice, payment, credit memo or sales receipt file"
    )
    merges = result.outputs["remediation/qbo_customer_merges.csv"]
    assert merges["merge_transactions"].isna().all()  # blank, not a claimed 0


def test_qbo_duplicate_with_invoices_counts_and_trusts_the_balance(tmp_path: Path) -> None:
    result = _run(_qbo_raw(tmp_path, invoice=True), tmp_path / "out")
    dup = _one(result, "qb_customer_duplicate")
    # Invoices were supplied: counts are facts; copy 2's balance still says it has transactions.
    assert dup["detail"].startswith(
        "Acme Corporation (2) (Id 2, balance 300.00; its transactions are not in the files) "
    )
    assert _survivor_reason(result, "matches/qb_customer_duplicates.csv") == (
        "kept: the most transactions. Holds: 1 transaction"
    )
    merges = result.outputs["remediation/qbo_customer_merges.csv"]
    assert merges["merge_transactions"].tolist() == [0]


def test_sf_duplicate_without_opportunity_file_claims_no_count(tmp_path: Path) -> None:
    result = _run(_sf_raw(tmp_path, opportunity=False), tmp_path / "out")
    dup = _one(result, "sf_account_duplicate")
    assert "0 opportunities" not in dup["detail"]
    assert dup["detail"].startswith(
        "ACME CORPORATION (opportunities not checked: no Opportunity.csv) duplicates "
        "Acme Corporation ("
    )
    assert _survivor_reason(result, "matches/sf_account_duplicates.csv") == (
        "kept: first in the export (the records are otherwise alike). Holds: opportunities "
        "not checked: no Opportunity.csv"
    )


def test_sf_duplicate_with_opportunity_file_counts(tmp_path: Path) -> None:
    result = _run(_sf_raw(tmp_path, opportunity=True), tmp_path / "out")
    dup = _one(result, "sf_account_duplicate")
    assert dup["detail"].startswith("ACME CORPORATION (no opportunities) duplicates ")
    assert _survivor_reason(result, "matches/sf_account_duplicates.csv") == (
        "kept: the most opportunities. Holds: 1 opportunity"
    )
