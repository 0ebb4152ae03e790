"""A hand-made raw folder for the rollup checks and record_status.csv (as of 2026-11-20 12:00 UTC).

The connector writes Breadwinner's Account fields and three Opportunity fields back from QBO:
- Paid Up Ltd: invoice 1001 was paid on 11-18, but the rollup is from 11-15 (5 days, the nightly
  job stopped): Salesforce still shows 1,000.00 USD due and overdue -> high (stale), paid -> low.
- Fresh Co: paid this morning at 10:00, rollup from 02:00 tonight: within the daily window -> fine.
- Rounding SA: 300.01 EUR due in Salesforce, 300.00 in QBO: one cent, within tolerance -> fine.
- Blocked Inc: due 2,500.00 in Salesforce, 2,000.00 in QBO; the sync log shows a validation rule
  refusing the account update -> medium (validation rule).
- Unapplied LLC: payment of 800.00 left unapplied; the connector netted it, so Salesforce shows
  0.00 due and overdue while QBO's invoice 1005 still owes 800.00 -> medium (unapplied payment).
- Agree Co: every figure agrees; its deals: Agree - paid but open (status Paid, invoice 1006
  still owes 400.00) -> medium; Agree - open but paid (Unpaid 700.00, invoice 1007 paid) -> high;
  Agree - open (Unpaid, invoice 1008 open) -> fine; Agree - wrong balance (650.00 in Salesforce,
  invoice 1009 owes 600.00, both open) -> medium.
Aging as of 11-20: Blocked 2,000.00 in 1-30 days; Unapplied 800.00 over 90; Agree 1,000.00
current and 300.00 in 1-30; Rounding 300.00 EUR current.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sfqb_diag.ids import to_18

AS_OF = "2026-11-20T12:00:00Z"
BW = "Bread_Winner__Total_Amount_"
CONFIG = (
    "rollups:\n"
    + "".join(
        f"  account_amount_{k}: Account.{BW}{v}__c\n"
        for k, v in (
            ("due", "Due"),
            ("overdue", "Overdue"),
            ("invoiced", "Invoiced"),
            ("paid", "Paid"),
            ("credited", "Credit"),
        )
    )
    + "  opportunity_balance: Opportunity.QBO_Balance__c\n"
    + "  opportunity_payment_status: Opportunity.QBO_Payment_Status__c\n"
)


def acc_id(n: int) -> str:
    return to_18(f"001Dn{n:010d}")


def opp_id(n: int) -> str:
    return to_18(f"006Dn{n:010d}")


# n: (name, customer, currency, rollup due, overdue, invoiced, paid, credited, modified)
ACCOUNTS = {
    1: (
        "Paid Up Ltd",
        "1",
        "USD",
        "1000.00",
        "1000.00",
        "1000.00",
        "0.00",
        "0.00",
        "2026-11-15T01:00:00.000+0000",
    ),
    2: (
        "Fresh Co",
        "2",
        "USD",
        "500.00",
        "0.00",
        "500.00",
        "0.00",
        "0.00",
        "2026-11-20T02:00:00.000+0000",
    ),
    3: (
        "Rounding SA",
        "3",
        "EUR",
        "300.01",
        "0.00",
        "300.00",
        "0.00",
        "0.00",
        "2026-11-20T02:00:00.000+0000",
    ),
    4: (
        "Blocked Inc",
        "4",
        "USD",
        "2500.00",
        "2000.00",
        "2000.00",
        "0.00",
        "0.00",
        "2026-11-10T02:00:00.000+0000",
    ),
    5: (
        "Unapplied LLC",
        "5",
        "USD",
        "0.00",
        "0.00",
        "800.00",
        "800.00",
        "0.00",
        "2026-11-19T23:00:00.000+0000",
    ),
    6: (
        "Agree Co",
        "6",
        "USD",
        "1300.00",
        "300.00",
        "2000.00",
        "700.00",
        "100.00",
        "2026-11-20T02:00:00.000+0000",
    ),
}
# invoice id: (customer, total, balance, due date, last updated)
INVOICES = {
    "1001": ("1", 1000, 0, "2026-10-01", "2026-11-18T09:00:00Z"),
    "1002": ("2", 500, 0, "2026-11-30", "2026-11-20T10:00:00Z"),
    "1003": ("3", 300, 300, "2026-12-01", "2026-10-20T09:00:00Z"),
    "1004": ("4", 2000, 2000, "2026-11-01", "2026-10-20T09:00:00Z"),
    "1005": ("5", 800, 800, "2026-08-01", "2026-07-01T09:00:00Z"),
    "1006": ("6", 400, 400, "2026-12-15", "2026-10-15T09:00:00Z"),
    "1007": ("6", 700, 0, "2026-10-30", "2026-10-15T09:00:00Z"),
    "1008": ("6", 300, 300, "2026-11-10", "2026-10-10T09:00:00Z"),
    "1009": ("6", 600, 600, "2026-12-20", "2026-10-10T09:00:00Z"),
}
# payment id: (customer, total, unapplied, invoice it settles, last updated)
PAYMENTS = {
    "51": ("1", 1000, 0, "1001", "2026-11-18T09:00:00Z"),
    "52": ("2", 500, 0, "1002", "2026-11-20T10:00:00Z"),
    "55": ("5", 800, 800, None, "2026-09-01T09:00:00Z"),
    "56": ("6", 700, 0, "1007", "2026-10-15T09:00:00Z"),
}
# opportunity n: (name, invoice, amount, balance written back, status written back)
OPPS = {
    1: ("Agree - paid but open", "1006", "400.00", "0.00", "Paid"),
    2: ("Agree - open but paid", "1007", "700.00", "700.00", "Unpaid"),
    3: ("Agree - open", "1008", "300.00", "300.00", "Unpaid"),
    4: ("Agree - wrong balance", "1009", "600.00", "650.00", "Unpaid"),
}
EXPECTED = {  # (account, rollup role) -> severity
    (1, "account_amount_due"): "high",
    (1, "account_amount_overdue"): "high",
    (1, "account_amount_paid"): "low",
    (4, "account_amount_due"): "medium",
    (5, "account_amount_due"): "medium",
    (5, "account_amount_overdue"): "medium",
}


def _meta(updated: str) -> dict:
    return {"CreateTime": "2026-06-01T09:00:00Z", "LastUpdatedTime": updated}


def _csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _accounts(rollups: bool) -> list[dict]:
    rows = []
    for n, (name, cust, cur, due, over, inv, paid, cred, modified) in ACCOUNTS.items():
        row = {
            "Id": acc_id(n),
            "Name": name,
            "CurrencyIsoCode": cur,
            "LastModifiedDate": modified,
            "QBO_Customer_Id__c": cust,
        }
        if rollups:
            for field, value in zip(
                ("Due", "Overdue", "Invoiced", "Paid", "Credit"),
                (due, over, inv, paid, cred),
                strict=True,
            ):
                row[f"{BW}{field}__c"] = value
        rows.append(row)
    return rows


def _opps(rollups: bool) -> list[dict]:
    rows = []
    for n, (name, invoice, amount, balance, status) in OPPS.items():
        row = {
            "Id": opp_id(n),
            "AccountId": acc_id(6),
            "Name": name,
            "StageName": "Closed Won",
            "IsWon": "true",
            "CloseDate": "2026-09-30",
            "Amount": amount,
            "CurrencyIsoCode": "USD",
            "LastModifiedDate": "2026-10-01T10:00:04.000+0000",
            "QBO_Invoice_Id__c": invoice,
            "QBO_Last_Sync__c": "2026-10-01T10:00:00.000+0000",
        }
        if rollups:
            row["QBO_Balance__c"], row["QBO_Payment_Status__c"] = balance, status
        rows.append(row)
    return rows


def _qbo() -> dict[str, list[dict]]:
    customers = [
        {
            "Id": cust,
            "DisplayName": name,
            "Active": True,
            "CurrencyRef": {"value": cur},
            "MetaData": _meta("2026-06-01T09:00:00Z"),
        }
        for name, cust, cur, *_ in ACCOUNTS.values()
    ]
    cur = {c["Id"]: c["CurrencyRef"]["value"] for c in customers}
    invoices = [
        {
            "Id": i,
            "DocNumber": i,
            "TxnDate": "2026-09-01",
            "DueDate": due,
            "CustomerRef": {"value": c},
            "CurrencyRef": {"value": cur[c]},
            "TotalAmt": total,
            "Balance": balance,
            "MetaData": _meta(updated),
            "SyncToken": "1",
            "Line": [
                {
                    "Id": "1",
                    "Amount": total,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": "9"},
                        "Qty": 1,
                        "UnitPrice": total,
                    },
                }
            ],
        }
        for i, (c, total, balance, due, updated) in INVOICES.items()
    ]
    payments = [
        {
            "Id": p,
            "TxnDate": "2026-09-01",
            "CustomerRef": {"value": c},
            "CurrencyRef": {"value": "USD"},
            "TotalAmt": total,
            "UnappliedAmt": left,
            "MetaData": _meta(updated),
            "Line": [{"Amount": total, "LinkedTxn": [{"TxnId": inv, "TxnType": "Invoice"}]}]
            if inv
            else [],
        }
        for p, (c, total, left, inv, updated) in PAYMENTS.items()
    ]
    memos = [
        {
            "Id": "71",
            "CustomerRef": {"value": "6"},
            "CurrencyRef": {"value": "USD"},
            "TotalAmt": 100,
            "Balance": 0,
            "MetaData": _meta("2026-10-01T09:00:00Z"),
        }
    ]
    return {"Customer": customers, "Invoice": invoices, "Payment": payments, "CreditMemo": memos}


def write_raw(raw: Path, rollups: bool = True) -> Path:
    """The raw folder (with or without the rollup columns); client.yaml goes beside it."""
    _csv(raw / "salesforce" / "Account.csv", _accounts(rollups))
    _csv(raw / "salesforce" / "Opportunity.csv", _opps(rollups))
    (raw / "quickbooks").mkdir(parents=True, exist_ok=True)
    for entity, records in _qbo().items():
        (raw / "quickbooks" / f"{entity}.json").write_text(json.dumps(records), encoding="utf-8")
    _csv(
        raw / "sync_log.csv",
        [
            {
                "timestamp": "2026-11-19T02:00:00Z",
                "direction": "qbo_to_sf",
                "sf_object": "Account",
                "sf_id": acc_id(4),
                "qb_entity": "Customer",
                "qb_id": "4",
                "operation": "update",
                "status": "error",
                "error_code": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "message": "FIELD_CUSTOM_VALIDATION_EXCEPTION: Accounts on credit hold cannot be edited",
                "attempt": "1",
            }
        ],
    )
    (raw / "manifest.json").write_text(json.dumps({"pulled_at": AS_OF}), encoding="utf-8")
    (raw.parent / "client.yaml").write_text(CONFIG, encoding="utf-8")
    return raw
