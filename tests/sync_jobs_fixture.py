"""A hand-made raw folder for the sync_jobs tests (written to disk and loaded like a client's).

The story, record by record (what each test expects is stated here once):
- Acme (customer 1): opportunity O1 won 2026-03-02 for 1,200.00 USD, linked to invoice 101.
  Invoices 102 and 103 repeat 101 (same date, total, lines; created 4 and 9 minutes later,
  not linked, PrivateNote naming O1): one retry cluster {101, 102, 103}, keep 101.
- Beta (customer 2): a monthly subscription, invoices 201 (Jan), 202 (Feb) and 203 (Mar) with
  identical lines; 203 was created two minutes after 202 by a backfill: NOT duplicates.
- Gamma (customer 3): 301 and 302 same day and total, different lines: NOT duplicates.
- Delta (customer 4): 401 and 402 identical, 5 minutes apart, but for two different
  opportunities O5 and O6: NOT duplicates.
- Echo (customer 5): 501 and 502 identical but three hours apart: NOT duplicates.
- Payments: P1 (applied to 101) and P2 (same customer, date, amount, 2 minutes later,
  unapplied) are one cluster, keep P1. P3 and P4 (Beta, same day and amount) pay different
  invoices: NOT duplicates.
- DocNumbers: 101/102/103 share 1001 (retry copies; not a DocNumber finding); 301 and 501 share
  2001 (a duplicate DocNumber); 302 has none (missing).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sfqb_diag.ids import checksum_suffix


def sfid(prefix: str, n: int) -> str:
    base = f"{prefix}Dn0000000{n:03d}"
    return base + checksum_suffix(base)


OPP = {k: sfid("006", k) for k in range(1, 10)}
ACC = {k: sfid("001", k) for k in range(1, 10)}


def line(item: str, qty: float, price: float, desc: str = "") -> dict:
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": round(qty * price, 2),
        "Description": desc,
        "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": qty, "UnitPrice": price},
    }


def invoice(
    id_: str,
    cust: str,
    date: str,
    created: str,
    lines: list[dict],
    doc: str | None = None,
    note: str | None = None,
    balance: float | None = None,
    updated: str | None = None,
    token: str = "0",
) -> dict:
    total = round(sum(x["Amount"] for x in lines), 2)
    inv = {
        "Id": id_,
        "SyncToken": token,
        "TxnDate": date,
        "CustomerRef": {"value": cust, "name": f"Cust {cust}"},
        "CurrencyRef": {"value": "USD"},
        "TotalAmt": total,
        "Balance": total if balance is None else balance,
        "MetaData": {"CreateTime": created, "LastUpdatedTime": updated or created},
        "Line": [
            *lines,
            {"DetailType": "SubTotalLineDetail", "Amount": total, "SubTotalLineDetail": {}},
        ],
    }
    if doc:
        inv["DocNumber"] = doc
    if note:
        inv["PrivateNote"] = note
    return inv


def payment(
    id_: str, cust: str, date: str, created: str, amount: float, applied_to: str | None
) -> dict:
    lines = (
        [{"Amount": amount, "LinkedTxn": [{"TxnId": applied_to, "TxnType": "Invoice"}]}]
        if applied_to
        else []
    )
    return {
        "Id": id_,
        "SyncToken": "0",
        "TxnDate": date,
        "CustomerRef": {"value": cust},
        "CurrencyRef": {"value": "USD"},
        "TotalAmt": amount,
        "UnappliedAmt": 0 if applied_to else amount,
        "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
        "Line": lines,
    }


def base_invoices() -> list[dict]:
    acme = [line("10", 2, 600.0, "Widget")]
    sub = [line("20", 1, 99.0, "Monthly plan")]
    t = "T{}-08:00"
    return [
        invoice(
            "101",
            "1",
            "2026-03-02",
            "2026-03-02" + t.format("10:00:00"),
            acme,
            "1001",
            f"Opp {OPP[1]}",
            balance=0,
        ),
        invoice(
            "102",
            "1",
            "2026-03-02",
            "2026-03-02" + t.format("10:04:00"),
            acme,
            "1001",
            f"Opp {OPP[1]}",
        ),
        invoice(
            "103",
            "1",
            "2026-03-02",
            "2026-03-02" + t.format("10:09:00"),
            acme,
            "1001",
            f"Opp {OPP[1]}",
        ),
        invoice("201", "2", "2026-01-01", "2026-01-01" + t.format("08:00:00"), sub, "3001"),
        invoice("202", "2", "2026-02-01", "2026-02-01" + t.format("08:00:00"), sub, "3002"),
        invoice("203", "2", "2026-03-01", "2026-02-01" + t.format("08:02:00"), sub, "3003"),
        invoice(
            "301",
            "3",
            "2026-03-05",
            "2026-03-05" + t.format("12:00:00"),
            [line("30", 1, 500.0)],
            "2001",
        ),
        invoice(
            "302", "3", "2026-03-05", "2026-03-05" + t.format("12:03:00"), [line("31", 1, 500.0)]
        ),
        invoice(
            "401",
            "4",
            "2026-03-06",
            "2026-03-06" + t.format("09:00:00"),
            [line("40", 3, 10.0)],
            "4001",
            f"Opp {OPP[5]}",
        ),
        invoice(
            "402",
            "4",
            "2026-03-06",
            "2026-03-06" + t.format("09:05:00"),
            [line("40", 3, 10.0)],
            "4002",
            f"Opp {OPP[6]}",
        ),
        invoice(
            "501",
            "5",
            "2026-03-07",
            "2026-03-07" + t.format("09:00:00"),
            [line("50", 1, 70.0)],
            "2001",
        ),
        invoice(
            "502",
            "5",
            "2026-03-07",
            "2026-03-07" + t.format("12:00:00"),
            [line("50", 1, 70.0)],
            "5002",
        ),
    ]


def base_payments() -> list[dict]:
    return [
        payment("P1", "1", "2026-03-10", "2026-03-10T09:00:00Z", 1200.0, "101"),
        payment("P2", "1", "2026-03-10", "2026-03-10T09:02:00Z", 1200.0, None),
        payment("P3", "2", "2026-02-05", "2026-02-05T09:00:00Z", 99.0, "201"),
        payment("P4", "2", "2026-02-05", "2026-02-05T09:03:00Z", 99.0, "202"),
    ]


OPP_HEADER = [
    "Id",
    "AccountId",
    "Name",
    "StageName",
    "IsWon",
    "IsClosed",
    "CloseDate",
    "Amount",
    "CurrencyIsoCode",
    "CreatedDate",
    "LastModifiedDate",
    "QBO_Invoice_Id__c",
    "QBO_Last_Sync__c",
]


def base_opportunities() -> list[dict]:
    def opp(
        n: int,
        acc: int,
        close: str,
        amount: str,
        inv: str = "",
        modified: str = "",
        synced: str = "",
    ) -> dict:
        return {
            "Id": OPP[n],
            "AccountId": ACC[acc],
            "Name": f"Deal {n}",
            "StageName": "Closed Won",
            "IsWon": "true",
            "IsClosed": "true",
            "CloseDate": close,
            "Amount": amount,
            "CurrencyIsoCode": "USD",
            "CreatedDate": "2026-01-01T00:00:00Z",
            "LastModifiedDate": modified or close + "T18:00:00Z",
            "QBO_Invoice_Id__c": inv,
            "QBO_Last_Sync__c": synced,
        }

    return [
        opp(1, 1, "2026-03-02", "1200.00", "101"),
        opp(5, 4, "2026-03-06", "30.00", "401"),
        opp(6, 4, "2026-03-06", "30.00", "402"),
    ]


def write_raw(
    folder: Path,
    invoices: list[dict] | None = None,
    payments: list[dict] | None = None,
    opportunities: list[dict] | None = None,
    sync_log: list[dict] | None = None,
    manifest: dict | None = None,
) -> Path:
    """Write the raw folder; pass lists to replace the story's defaults."""
    (folder / "quickbooks").mkdir(parents=True, exist_ok=True)
    (folder / "salesforce").mkdir(parents=True, exist_ok=True)
    (folder / "quickbooks" / "Invoice.json").write_text(
        json.dumps(base_invoices() if invoices is None else invoices)
    )
    (folder / "quickbooks" / "Payment.json").write_text(
        json.dumps(base_payments() if payments is None else payments)
    )
    rows = base_opportunities() if opportunities is None else opportunities
    with (folder / "salesforce" / "Opportunity.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OPP_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    if sync_log is not None:
        header = [
            "timestamp",
            "direction",
            "sf_object",
            "sf_id",
            "qb_entity",
            "qb_id",
            "operation",
            "status",
            "error_code",
            "message",
            "attempt",
        ]
        with (folder / "sync_log.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(sync_log)
    (folder / "manifest.json").write_text(
        json.dumps(manifest or {"pulled_at": "2026-03-20T00:00:00Z"})
    )
    return folder
