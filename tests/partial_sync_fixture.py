"""A hand-made raw folder for the partial_sync tests: one record per defect kind and per look-alike.

Each record's story is in SCENARIO below (what is wrong, or why it only looks wrong). As-of is
2026-11-20 12:00 UTC; the sync stamps QBO_Last_Sync__c and writes back 4 seconds later.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sfqb_diag.ids import to_18

AS_OF = "2026-11-20T12:00:00Z"
SYNC = "2026-10-01T10:00:00Z"
BUMP = "2026-10-01T10:00:04Z"  # the write-back's own LastModifiedDate


def opp_id(n: int, width: int = 18) -> str:
    id15 = f"006Dn{n:010d}"
    return to_18(id15) if width == 18 else id15


def acc_id(n: int) -> str:
    return to_18(f"001Dn{n:010d}")


# key: (amount, close, link, status, error, last_sync, modified, lines) -- lines = list of cents
OPPS = {
    1: dict(name="Acme - ok", acc=1, amount=100000, close="2026-09-30", link="101", lines=[100000]),
    2: dict(
        name="Acme - unbilled", acc=1, amount=50000, close="2026-10-10", link="", status="", sync=""
    ),
    3: dict(
        name="Acme - won today",
        acc=1,
        amount=30000,
        close="2026-11-20",
        link="",
        status="",
        sync="",
    ),
    4: dict(name="Globex - deleted invoice", acc=2, amount=40000, close="2026-09-15", link="999"),
    5: dict(name="Globex - voided", acc=2, amount=45000, close="2026-09-16", link="105"),
    6: dict(
        name="Globex - short lines",
        acc=2,
        amount=100000,
        close="2026-09-17",
        link="106",
        lines=[40000, 60000],
    ),
    7: dict(
        name="Globex - headless", acc=2, amount=25000, close="2026-09-18", link="107", lines=[25000]
    ),
    8: dict(
        name="Initech - lost write-back",
        acc=3,
        amount=70000,
        close="2026-09-19",
        link="",
        status="Error",
        error="Timeout after 120s",
        sync="2026-09-19T10:00:00Z",
        modified="2026-09-19T10:00:04Z",
    ),
    9: dict(
        name="Globex - stale SF",
        acc=2,
        amount=90000,
        close="2026-09-20",
        link="109",
        lines=[90000],
        modified="2026-10-03T09:00:00Z",
    ),
    10: dict(
        name="Acme - write-back bump",
        acc=1,
        amount=70000,
        close="2026-09-21",
        link="110",
        lines=[70000],
    ),
    11: dict(
        name="Acme - edited, same amount",
        acc=1,
        amount=65000,
        close="2026-09-22",
        link="119",
        lines=[65000],
        modified="2026-10-05T09:00:00Z",
    ),
    12: dict(
        name="Acme - stale QBO", acc=1, amount=50000, close="2026-09-23", link="111", lines=[50000]
    ),
    13: dict(
        name="Acme - paid", acc=1, amount=20000, close="2026-09-24", link="112", lines=[20000]
    ),
    14: dict(
        name="Acme - stuck 6240",
        acc=1,
        amount=35000,
        close="2026-10-20",
        link="",
        status="Error",
        error="6240 Duplicate Name Exists Error",
        sync="2026-10-21T08:00:00Z",
        modified="2026-10-21T08:00:04Z",
    ),
    15: dict(
        name="Acme - error yesterday",
        acc=1,
        amount=15000,
        close="2026-11-18",
        link="",
        status="Error",
        error="3001 ThrottleExceeded",
        sync="2026-11-19T20:00:00Z",
        modified="2026-11-19T20:00:04Z",
    ),
    16: dict(
        name="Initech - billed, unlinked",
        acc=3,
        amount=33300,
        close="2026-10-02",
        link="",
        status="",
        sync="",
    ),
    17: dict(
        name="Acme - header off", acc=1, amount=30000, close="2026-09-25", link="118", lines=[30000]
    ),
    18: dict(
        name="Acme - lost deal",
        acc=1,
        amount=99900,
        close="2026-09-25",
        link="",
        status="",
        sync="",
        won=False,
    ),
    19: dict(
        name="Initech - 15-char note",
        acc=3,
        amount=12000,
        close="2026-09-26",
        link="",
        status="",
        sync="",
    ),
    20: dict(
        name="Globex - memo copied onto another invoice",
        acc=2,
        amount=88800,
        close="2026-10-15",
        link="",
        status="",
        sync="",
    ),
}

# id: (customer, txn_date, lines cents, extra)
INVOICES = {
    101: dict(
        cust=1,
        date="2026-09-30",
        lines=[100000],
        balance=0,
        token="1",
        updated="2026-10-20T00:00:00Z",
        opp=1,
    ),
    105: dict(cust=2, date="2026-09-16", lines=[0], total=0, note="Voided", opp=5),
    106: dict(cust=2, date="2026-09-17", lines=[40000], balance=40000, opp=6),
    107: dict(cust=2, date="2026-09-18", lines=[], total=25000, balance=25000, opp=7),
    108: dict(cust=3, date="2026-09-19", lines=[70000], note_opp=8, balance=0),
    109: dict(cust=2, date="2026-09-20", lines=[80000], balance=80000, opp=9),
    110: dict(cust=1, date="2026-09-21", lines=[70000], opp=10),
    111: dict(
        cust=1, date="2026-09-23", lines=[45000], token="2", updated="2026-10-04T00:00:00Z", opp=12
    ),
    112: dict(
        cust=1,
        date="2026-09-24",
        lines=[20000],
        token="1",
        updated="2026-10-10T00:00:00Z",
        balance=0,
        opp=13,
    ),
    113: dict(
        cust=3, date="2026-10-03", lines=[33300], note="", balance=0
    ),  # bills opp 16, nothing links it
    114: dict(
        cust=3, date="2026-10-04", lines=[5000], note="SF Opportunity " + opp_id(99), balance=0
    ),
    115: dict(
        cust=1, date="2026-10-05", lines=[12300], note="Per phone order", balance=0
    ),  # hand-made
    116: dict(
        cust=1, date="2026-09-30", lines=[100000], note_opp=1, balance=0
    ),  # retry duplicate of 101
    117: dict(
        cust=1, date="2026-09-30", lines=[100000], note="", balance=0
    ),  # retry duplicate, no note
    118: dict(cust=1, date="2026-09-25", lines=[30000], total=35000, opp=17),
    119: dict(cust=1, date="2026-09-22", lines=[65000], opp=11),
    120: dict(cust=3, date="2026-09-26", lines=[12000], note_opp15=19, balance=0),
    # names opp 20 but bills Acme another amount: a copied memo, not proof
    121: dict(cust=1, date="2026-10-16", lines=[77700], note_opp=20, balance=0),
}

CUSTOMERS = {1: ("Acme", None), 2: ("Globex", None), 3: ("Initech", None), 4: ("Acme:Site B", 1)}
ACCOUNTS = {1: ("Acme", "1"), 2: ("Globex", "2"), 3: ("Initech", "3")}
# id: (customer, total, unapplied, applied [(invoice, cents)])
PAYMENTS = {
    1: (2, 20000, 20000, []),  # Globex has open invoices: unapplied is a defect
    2: (3, 5000, 5000, []),  # Initech owes nothing: a prepayment, fine
    3: (1, 40000, 0, [("106", 40000)]),  # Acme's money on Globex's invoice
    4: (4, 100000, 0, [("101", 100000)]),  # a job paying its parent's invoice: fine
    5: (1, 7000, 0, [("555", 7000)]),  # applied to an invoice that is gone
    6: (2, 10000, 0, [("106", 4000), ("106", 6000)]),  # one invoice paid on two lines: fine
}


def _amount(cents: int) -> float:
    return round(cents / 100, 2)


def _opp_rows() -> list[dict]:
    rows = []
    for n, o in OPPS.items():
        sync = o.get("sync", SYNC)
        rows.append(
            {
                "Id": opp_id(n),
                "AccountId": acc_id(o["acc"]),
                "Name": o["name"],
                "StageName": "Closed Won" if o.get("won", True) else "Closed Lost",
                "IsWon": str(o.get("won", True)).lower(),
                "IsClosed": "true",
                "CloseDate": o["close"],
                "Amount": f"{o['amount'] / 100:.2f}",
                "CurrencyIsoCode": "USD",
                "CreatedDate": "2026-08-01T00:00:00Z",
                "LastModifiedDate": o.get("modified", BUMP if sync else "2026-11-01T00:00:00Z"),
                "QBO_Invoice_Id__c": o["link"],
                "QBO_Sync_Status__c": o.get("status", "Synced"),
                "QBO_Sync_Error__c": o.get("error", ""),
                "QBO_Last_Sync__c": sync,
            }
        )
    return rows


def _line_rows() -> list[dict]:
    rows, k = [], 0
    for n, o in OPPS.items():
        for cents in o.get("lines", [o["amount"]]):
            k += 1
            rows.append(
                {
                    "Id": to_18(f"00kDn{k:010d}"),
                    "OpportunityId": opp_id(n),
                    "Quantity": "1",
                    "UnitPrice": f"{cents / 100:.2f}",
                    "TotalPrice": f"{cents / 100:.2f}",
                    "LastModifiedDate": "2026-08-01T00:00:00Z",
                }
            )
    return rows


def _invoice(i: int, spec: dict) -> dict:
    lines = [
        {
            "Id": str(j + 1),
            "LineNum": j + 1,
            "DetailType": "SalesItemLineDetail",
            "Amount": _amount(c),
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": _amount(c)},
        }
        for j, c in enumerate(spec["lines"])
    ]
    total = spec.get("total", sum(spec["lines"]))
    if "note_opp" in spec:
        note = "SF Opportunity " + opp_id(spec["note_opp"])
    elif "note_opp15" in spec:
        note = "Salesforce deal " + opp_id(spec["note_opp15"], 15)
    else:
        note = spec.get("note", "SF Opportunity " + opp_id(spec["opp"]) if "opp" in spec else "")
    return {
        "Id": str(i),
        "SyncToken": spec.get("token", "0"),
        "DocNumber": str(1000 + i),
        "TxnDate": spec["date"],
        "MetaData": {
            "CreateTime": spec["date"] + "T10:00:00Z",
            "LastUpdatedTime": spec.get("updated", spec["date"] + "T10:00:00Z"),
        },
        "CustomerRef": {"value": str(spec["cust"]), "name": CUSTOMERS[spec["cust"]][0]},
        "CurrencyRef": {"value": "USD"},
        "TotalAmt": _amount(total),
        "Balance": _amount(spec.get("balance", 0)),
        "TxnTaxDetail": {"TotalTax": 0},
        "PrivateNote": note,
        "Line": lines,
    }


def _write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_raw(raw: Path) -> Path:
    """Write the scenario as a raw folder (Salesforce CSVs, QBO JSON) and return it."""
    _write_csv(raw / "salesforce" / "Opportunity.csv", _opp_rows())
    _write_csv(raw / "salesforce" / "OpportunityLineItem.csv", _line_rows())
    _write_csv(
        raw / "salesforce" / "Account.csv",
        [
            {"Id": acc_id(n), "Name": name, "QBO_Customer_Id__c": cust}
            for n, (name, cust) in ACCOUNTS.items()
        ],
    )
    qb = raw / "quickbooks"
    qb.mkdir(parents=True, exist_ok=True)
    (qb / "Invoice.json").write_text(
        json.dumps([_invoice(i, s) for i, s in INVOICES.items()]), encoding="utf-8"
    )
    customers = [
        {
            "Id": str(c),
            "DisplayName": name,
            "Active": True,
            "CurrencyRef": {"value": "USD"},
            **({"ParentRef": {"value": str(parent)}, "Job": True} if parent else {}),
        }
        for c, (name, parent) in CUSTOMERS.items()
    ]
    (qb / "Customer.json").write_text(json.dumps(customers), encoding="utf-8")
    payments = [
        {
            "Id": str(p),
            "TxnDate": "2026-10-15",
            "CustomerRef": {"value": str(c)},
            "CurrencyRef": {"value": "USD"},
            "TotalAmt": _amount(total),
            "UnappliedAmt": _amount(unapplied),
            "Line": [
                {"Amount": _amount(a), "LinkedTxn": [{"TxnId": t, "TxnType": "Invoice"}]}
                for t, a in applied
            ],
        }
        for p, (c, total, unapplied, applied) in PAYMENTS.items()
    ]
    (qb / "Payment.json").write_text(json.dumps(payments), encoding="utf-8")
    (raw / "manifest.json").write_text(json.dumps({"pulled_at": AS_OF}), encoding="utf-8")
    return raw


# What the checks must report on this scenario: check -> set of (sf opp number or None, qb id or None)
EXPECTED = {
    "won_not_invoiced": {(2, None)},
    "invoice_link_missing": {(4, None)},
    "invoice_voided": {(5, "105")},
    "invoice_lines_missing": {(7, "107")},
    # Opp 6's invoice has one of its two lines: the other never reached it, a partial sync.
    "line_missing_line": {(6, "106")},
    "lost_writeback": {(8, "108"), (19, "120"), (20, "121")},
    "stale_opportunity": {(9, "109")},
    "stale_invoice_edit": {(12, "111")},
    "sync_error_stuck": {(14, None)},
    "orphan_invoice": {(16, "113"), (99, "114")},  # 99: an opportunity not in the org
    "invoice_total_mismatch": {(17, "118")},
    "payment_unapplied": {(None, "1")},
    "payment_customer_mismatch": {(None, "3")},
    "payment_missing_invoice": {(None, "5")},
}
# Records that only look like a defect: no finding above info may name them.
LOOKALIKE_OPPS = (1, 3, 10, 11, 13, 15, 18)
LOOKALIKE_INVOICES = ("101", "110", "112", "115", "116", "117", "119")
LOOKALIKE_PAYMENTS = ("2", "4", "6")
