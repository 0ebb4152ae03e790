"""A tiny raw folder with every file type, and the damage a client's export can carry.

The folder: two accounts (one linked to customer 1), a customer file as a query response, an
invoice with one line, a sync log and a manifest. Every file is valid: `check` on it exits 0.
Each DAMAGE entry turns one file into what clients really send and names the file it damaged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

A1, A2 = "001000000000001AAA", "001000000000002AAA"

ACCOUNT_CSV = (
    "Id,Name,BillingCity,QBO_Customer_Id__c,CreatedDate\r\n"
    f'{A1},"Acme, Inc.",Oslo,1,2026-01-01T00:00:00.000+0000\r\n'
    f'{A2},"Beta\nGmbH",Bonn,,2026-01-02T00:00:00.000+0000\r\n'
)
CUSTOMER = {
    "Id": "1",
    "DisplayName": "Acme, Inc.",
    "Active": True,
    "Balance": 10.5,
    "MetaData": {"CreateTime": "2026-01-01T01:00:00-08:00"},
    "CurrencyRef": {"value": "USD"},
}
INVOICE = {
    "Id": "9",
    "CustomerRef": {"value": "1", "name": "Acme, Inc."},
    "TotalAmt": 100.0,
    "TxnDate": "2026-02-03",
    "Line": [
        {
            "Id": "1",
            "DetailType": "SalesItemLineDetail",
            "Amount": 100.0,
            "SalesItemLineDetail": {"ItemRef": {"value": "3"}, "Qty": 2, "UnitPrice": 50},
        }
    ],
}
SYNC_LOG = (
    "timestamp,direction,sf_object,sf_id,qb_entity,qb_id,operation,status,error_code,message,"
    "attempt\n"
    f"2026-02-03T10:00:00Z,sf_to_qb,Account,{A1},Customer,1,create,success,,,1\n"
)
MANIFEST = {"pulled_at": "2026-03-01T00:00:00Z", "counts": {"Account": 2, "Customer": 1}}


def make_raw(root: Path) -> Path:
    """Write the valid tiny raw folder under `root/raw` and return it."""
    raw = root / "raw"
    (raw / "salesforce").mkdir(parents=True)
    (raw / "quickbooks").mkdir()
    (raw / "salesforce" / "Account.csv").write_bytes(ACCOUNT_CSV.encode("utf-8"))
    # QBO stamps each response with its server time (Pacific here): the pull's moment.
    body = {
        "QueryResponse": {"Customer": [CUSTOMER], "startPosition": 1},
        "time": "2026-02-28T16:00:00.000-08:00",
    }
    (raw / "quickbooks" / "Customer.json").write_text(json.dumps(body), encoding="utf-8")
    (raw / "quickbooks" / "Invoice.jsonl").write_text(json.dumps(INVOICE) + "\n", encoding="utf-8")
    (raw / "sync_log.csv").write_text(SYNC_LOG, encoding="utf-8")
    (raw / "manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    return raw


def _edit_text(relative: str, change: Callable[[str], str]) -> Callable[[Path], str]:
    def apply(raw: Path) -> str:
        path = raw / relative
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
        return relative

    return apply


def _edit_json(relative: str, change: Callable[[dict], object]) -> Callable[[Path], str]:
    def apply(raw: Path) -> str:
        path = raw / relative
        doc = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
        path.write_text(json.dumps(change(doc)), encoding="utf-8")
        return relative

    return apply


def _replace(relative: str, make: Callable[[Path], None]) -> Callable[[Path], str]:
    def apply(raw: Path) -> str:
        path = raw / relative
        path.unlink()
        make(path)
        return relative

    return apply


def _set(doc: dict, key: str, value: object) -> dict:
    doc[key] = value
    return doc


def _customer(change: Callable[[dict], object]) -> Callable[[dict], object]:
    def apply(doc: dict) -> object:
        doc["QueryResponse"]["Customer"] = [
            change(dict(c)) for c in doc["QueryResponse"]["Customer"]
        ]
        return doc

    return apply


ACC, CUS, INV, LOG, MAN = (
    "salesforce/Account.csv",
    "quickbooks/Customer.json",
    "quickbooks/Invoice.jsonl",
    "sync_log.csv",
    "manifest.json",
)

# damage class -> (apply to a raw folder; returns the damaged file, must the run refuse it?)
DAMAGE: dict[str, tuple[Callable[[Path], str], bool]] = {
    "csv_short_row": (_edit_text(ACC, lambda t: t.replace(",Oslo,1,", ",Oslo,")), True),
    "csv_long_row": (_edit_text(ACC, lambda t: t.replace(",Oslo,", ",Oslo,x,")), True),
    "csv_open_quote": (_edit_text(ACC, lambda t: t.replace("Bonn", '"Bonn')), True),
    "csv_duplicate_header": (_edit_text(ACC, lambda t: t.replace("BillingCity", "Name", 1)), True),
    "csv_no_id_column": (_edit_text(ACC, lambda t: t.replace("Id,", "Ident,", 1)), True),
    "csv_semicolons": (_edit_text(ACC, lambda t: t.replace(",", ";")), True),
    "csv_conflicting_ids": (_edit_text(ACC, lambda t: t.replace(A2, A1)), True),
    "csv_15_and_18": (_edit_text(ACC, lambda t: t + f"{A1[:15]},Other,Rome,,\r\n"), True),
    "csv_bad_date": (_edit_text(ACC, lambda t: t.replace("2026-01-02T", "2026-13-02T")), True),
    "csv_exact_repeat": (_edit_text(ACC, lambda t: t + t.split("\n", 1)[1]), False),
    "csv_far_dates": (_edit_text(ACC, lambda t: t.replace("2026-01-01T", "4000-12-31T")), False),
    "csv_header_case_repeat": (
        _edit_text(ACC, lambda t: t.replace("BillingCity", "NAME", 1)),
        True,
    ),
    "json_bad_response_time": (_edit_json(CUS, lambda d: _set(d, "time", "half past ten")), False),
    "csv_control_chars": (_edit_text(ACC, lambda t: t.replace("Oslo", "Os\x0b\u202elo")), False),
    "csv_empty": (_edit_text(ACC, lambda t: ""), True),
    "csv_utf16": (lambda raw: _utf16(raw, ACC), True),
    "csv_cp1252": (lambda raw: _cp1252(raw, ACC), False),
    "json_truncated": (_edit_text(CUS, lambda t: t[: len(t) // 2]), True),
    "json_null": (_edit_text(CUS, lambda t: "null"), True),
    "json_query_response_list": (_edit_json(CUS, lambda d: {"QueryResponse": []}), True),
    "json_wrong_entity_key": (
        _edit_json(CUS, lambda d: {"QueryResponse": {"Customers": [CUSTOMER]}}),
        True,
    ),
    "json_fault_page": (
        _edit_json(CUS, lambda d: [d, {"Fault": {"Error": [{"Message": "throttled"}]}}]),
        True,
    ),
    "json_ref_as_string": (_edit_json(INV, lambda d: _set(d, "CustomerRef", "1")), True),
    "json_line_as_string": (_edit_json(INV, lambda d: _set(d, "Line", "x")), True),
    "json_metadata_list": (_edit_json(CUS, _customer(lambda c: _set(c, "MetaData", []))), True),
    "json_no_id": (
        _edit_json(CUS, _customer(lambda c: {k: v for k, v in c.items() if k != "Id"})),
        True,
    ),
    "json_duplicate_id": (
        _edit_json(
            CUS,
            lambda d: {"QueryResponse": {"Customer": [CUSTOMER, {**CUSTOMER, "DisplayName": "X"}]}},
        ),
        True,
    ),
    "json_huge_amount": (_edit_json(CUS, _customer(lambda c: _set(c, "Balance", 1e300))), True),
    "json_formula_id": (_edit_json(CUS, _customer(lambda c: _set(c, "Id", "=1+1"))), True),
    "csv_formula_link": (_edit_text(ACC, lambda t: t.replace(",Oslo,1,", ",Oslo,@SUM(1),")), True),
    "json_float_id": (_edit_json(CUS, _customer(lambda c: _set(c, "Id", 1.0))), False),
    "sync_log_short_row": (_edit_text(LOG, lambda t: t.replace(",,,1\n", ",,\n")), True),
    "manifest_wrong_type": (_edit_json(MAN, lambda d: _set(d, "counts", "two")), True),
    "manifest_now": (_edit_json(MAN, lambda d: _set(d, "pulled_at", "now")), True),
    "decisions_short_row": (
        lambda raw: _beside(raw, "decisions.csv", "kind,sf_id,qb_id,decision\ncustomer,x\n"),
        True,
    ),
    "reviews_bad_status": (
        lambda raw: _beside(raw, "reviews.csv", "finding_id,status\nabc,done-ish\n"),
        True,
    ),
    "special_directory": (_replace(CUS, lambda p: p.mkdir()), True),
    "special_fifo": (_replace(INV, lambda p: os.mkfifo(p)), True),
    "special_dangling_symlink": (_replace(ACC, lambda p: p.symlink_to("gone.csv")), True),
    "special_symlink_outside": (_replace(MAN, lambda p: _outside_link(p)), True),
}


def _utf16(raw: Path, relative: str) -> str:
    path = raw / relative
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    return relative


def _cp1252(raw: Path, relative: str) -> str:
    path = raw / relative
    path.write_bytes(path.read_text(encoding="utf-8").replace("Oslo", "Tromsø").encode("cp1252"))
    return relative


def _outside_link(path: Path) -> None:
    outside = path.parent.parent / "outside.json"
    outside.write_text("{}", encoding="utf-8")
    path.symlink_to(outside)


def _beside(raw: Path, name: str, text: str) -> str:
    """A reviewer file: it lives beside the raw folder, where `check` looks by default."""
    (raw.parent / name).write_text(text, encoding="utf-8")
    return name
