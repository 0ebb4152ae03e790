"""The columnar route for QBO .jsonl files (sources/qbo_arrow.py) gives exactly the table of the
strict route, or declines and leaves the file to the strict route, which names each problem.

The entities are written the way QBO's API documents an Invoice (MetaData, CurrencyRef,
CustomerRef, CustomField with StringValue, Line with SalesItemLineDetail), with the variations a
real pull has: a field only some entities carry, a null, a custom field on one entity only.
"""

from __future__ import annotations

import orjson
import pandas as pd
import pytest

from sfqb_diag.errors import InputError
from sfqb_diag.sources.files import load_raw
from sfqb_diag.sources.qbo_arrow import read_plain_jsonl
from sfqb_diag.sources.qbo_json import absent_columns, flatten, read_entities
from sfqb_diag.sources.schema import QB_ENTITIES

INVOICE = {
    "Id": "130",
    "SyncToken": "0",
    "MetaData": {
        "CreateTime": "2024-11-14T13:15:36-08:00",
        "LastUpdatedTime": "2024-11-14T13:15:36-08:00",
    },
    "CustomField": [
        {"DefinitionId": "1", "Name": "Crew #", "Type": "StringType", "StringValue": "102"}
    ],
    "DocNumber": "1037",
    "TxnDate": "2024-11-14",
    "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
    "Line": [
        {
            "Id": "1",
            "LineNum": 1,
            "Amount": 362.07,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "5", "name": "Rock Fountain"}, "Qty": 1},
        }
    ],
    "CustomerRef": {"value": "24", "name": "Sonnenschein Family Store"},
    "DueDate": "2024-12-14",
    "TotalAmt": 362.07,
    "Balance": 362.07,
    "PrivateNote": "SF Opportunity 006Dn0000EV0vSMIQZ",
}


def _variants() -> list[dict]:
    second = {**INVOICE, "Id": "131", "DocNumber": "1038", "Balance": 0, "PrivateNote": None}
    del second["CustomField"]
    third = {**INVOICE, "Id": "132", "DocNumber": None, "TotalAmt": 10}
    del third["DueDate"]
    return [INVOICE, second, third]


def _jsonl(records: list[dict]) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records) + b"\n"


def _strict(data: bytes) -> tuple[pd.DataFrame, list[str]]:
    fields = QB_ENTITIES["Invoice"][1]
    problems: list = []
    records = read_entities(data, "Invoice.jsonl", "Invoice", fields, problems)
    assert records is not None and not problems
    return flatten(records, fields, "Invoice.jsonl", problems), absent_columns(records, fields)


def test_the_columnar_route_gives_the_strict_routes_table() -> None:
    data = _jsonl(_variants())
    problems: list = []
    fast = read_plain_jsonl(data, "Invoice.jsonl", QB_ENTITIES["Invoice"][1], problems)
    assert fast is not None and not problems
    frame, absent, _ = fast
    strict_frame, strict_absent = _strict(data)
    pd.testing.assert_frame_equal(frame, strict_frame)
    assert absent == strict_absent
    assert frame["custom_crew_#"].tolist()[0] == "102" and pd.isna(frame["custom_crew_#"][1])
    assert frame["balance_cents"].tolist() == [36207, 0, 36207]


@pytest.mark.parametrize(
    "damage",
    [
        {"Balance": "362.07"},  # a number written as text: the strict route reads it
        {"CustomerRef": "24"},  # a reference that is not an object: the strict route names it
        {"Id": 130},  # a numeric Id
        {"Id": "131"},  # a repeat of the second entity's Id
    ],
)
def test_it_declines_what_it_could_read_differently(damage: dict) -> None:
    records = _variants()
    records[0] = {**records[0], **damage}
    problems: list = []
    assert read_plain_jsonl(_jsonl(records), "x", QB_ENTITIES["Invoice"][1], problems) is None
    assert not problems


def test_pages_and_read_responses_take_the_strict_route() -> None:
    page = {"QueryResponse": {"Invoice": [INVOICE]}, "time": "2024-11-15T10:00:00-08:00"}
    read = {"Invoice": INVOICE, "time": "2024-11-15T10:00:00-08:00"}
    fields = QB_ENTITIES["Invoice"][1]
    assert read_plain_jsonl(_jsonl([page]), "x", fields, []) is None
    assert read_plain_jsonl(_jsonl([INVOICE, read]), "x", fields, []) is None


def test_a_run_without_lines_reads_headers_and_still_reports_bad_values(tmp_path) -> None:
    folder = tmp_path / "raw" / "quickbooks"
    folder.mkdir(parents=True)
    bad = {**INVOICE, "Id": "133", "TxnDate": "14/11/2024"}
    (folder / "Invoice.jsonl").write_bytes(_jsonl([*_variants(), bad]))
    with pytest.raises(InputError) as raised:
        load_raw(tmp_path / "raw", tables={"invoices"})
    (problem,) = raised.value.problems
    assert problem.file == "quickbooks/Invoice.jsonl"
    assert problem.column == "TxnDate of entity #4 (Id 133)" and "'14/11/2024'" in problem.message
    (folder / "Invoice.jsonl").write_bytes(_jsonl(_variants()))
    data = load_raw(tmp_path / "raw", tables={"invoices"})
    assert "invoice_lines" not in data.tables
    assert data["invoices"]["doc_number"].tolist()[:2] == ["1037", "1038"]
    whole = load_raw(tmp_path / "raw")
    pd.testing.assert_frame_equal(data["invoices"], whole["invoices"])
    assert whole["invoice_lines"]["item_name"].tolist() == ["Rock Fountain"] * 3


BUNDLE = {
    **INVOICE,
    "Id": "140",
    "DocNumber": "1040",
    "Line": [
        {
            "Id": "1",
            "LineNum": 1,
            "Amount": 300.0,
            "DetailType": "GroupLineDetail",
            "GroupLineDetail": {
                "GroupItemRef": {"value": "19", "name": "Bedroom set"},
                "Quantity": 2,
                "Line": [
                    {
                        "Id": "2",
                        "Amount": 200.0,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {
                            "ItemRef": {"value": "7", "name": "Bed"},
                            "Qty": 2,
                            "UnitPrice": 100,
                            "TaxCodeRef": {"value": "TAX"},
                        },
                    },
                    {
                        "Id": "3",
                        "Amount": 100.0,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {
                            "ItemRef": {"value": "8", "name": "Lamp"},
                            "Qty": 2,
                        },
                    },
                ],
            },
        },
        {
            "Id": "4",
            "LineNum": 2,
            "Amount": 15.0,
            "DetailType": "DiscountLineDetail",
            "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 5},
        },
        {"Amount": 285.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
    ],
}


def test_lines_and_bundles_come_out_as_on_the_strict_route() -> None:
    from sfqb_diag.sources.qbo_json import lines_table

    data = _jsonl([*_variants(), BUNDLE])
    fields = QB_ENTITIES["Invoice"][1]
    fast = read_plain_jsonl(data, "x", fields, [], ("lines",))
    assert fast is not None
    records = read_entities(data, "x.jsonl", "Invoice", fields, [])
    assert records is not None
    lines = fast[2]["lines"]
    pd.testing.assert_frame_equal(lines, lines_table(records, "x", []))
    bundle = lines[lines["txn_id"] == "140"]
    assert bundle["line_id"].tolist() == ["1", "2", "3", "4", pd.NA]
    assert bundle["group_line_id"].tolist()[:3] == [pd.NA, "1", "1"]
    assert bundle["qty"].tolist()[:3] == [2.0, 2.0, 2.0]


def test_payment_links_come_out_as_on_the_strict_route() -> None:
    from sfqb_diag.sources.qbo_json import payment_links_table

    payment = {
        "Id": "150",
        "TxnDate": "2024-11-20",
        "TotalAmt": 400.0,
        "CustomerRef": {"value": "24"},
        "Line": [
            {"Amount": 362.07, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]},
            {"Amount": 37.93, "LinkedTxn": [{"TxnId": "131", "TxnType": "Invoice"}]},
        ],
    }
    data = _jsonl([payment, {**payment, "Id": "151", "Line": []}])
    fields = QB_ENTITIES["Payment"][1]
    fast = read_plain_jsonl(data, "x", fields, [], ("payment_links",))
    assert fast is not None
    records = read_entities(data, "x.jsonl", "Payment", fields, [])
    assert records is not None
    links = fast[2]["payment_links"]
    pd.testing.assert_frame_equal(links, payment_links_table(records, "x", []))
    assert links["amount_cents"].tolist() == [36207, 3793]


def test_a_bundle_inside_a_bundle_takes_the_strict_route() -> None:
    inner = BUNDLE["Line"][0]
    nested = {**inner, "GroupLineDetail": {**inner["GroupLineDetail"], "Line": [inner]}}
    data = _jsonl([{**BUNDLE, "Line": [nested]}])
    assert read_plain_jsonl(data, "x", QB_ENTITIES["Invoice"][1], [], ("lines",)) is None
