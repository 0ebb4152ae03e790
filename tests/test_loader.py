"""The raw-folder loader: every accepted input form, and every kind of bad input reported together."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfqb_diag.config import ClientConfig, Links
from sfqb_diag.errors import InputError, UsageError
from sfqb_diag.ids import to_18
from sfqb_diag.sources.convert import as_num, as_ts
from sfqb_diag.sources.csv_text import _first_record
from sfqb_diag.sources.files import load_raw

CUSTOMERS = [
    {
        "Id": "1",
        "DisplayName": "Acme Inc.",
        "Active": True,
        "Balance": 10.5,
        "MetaData": {"CreateTime": "2026-01-01T01:00:00-08:00"},
        "CurrencyRef": {"value": "USD"},
    },
    {"Id": "2", "DisplayName": "Beta (deleted)", "Active": False},
]
INVOICE = {
    "Id": "9",
    "CustomerRef": {"value": "1", "name": "Acme Inc."},
    "TotalAmt": 107.1,
    "TxnDate": "2026-02-03",
    "PrivateNote": "SF Opportunity 006000000000001",
    "TxnTaxDetail": {"TotalTax": 7.0},
    "Line": [
        {
            "Id": "1",
            "LineNum": 1,
            "DetailType": "SalesItemLineDetail",
            "Amount": 100.1,
            "SalesItemLineDetail": {
                "ItemRef": {"value": "3", "name": "Widget"},
                "Qty": 2,
                "UnitPrice": 50.05,
            },
        },
        {
            "Id": "2",
            "DetailType": "GroupLineDetail",
            "GroupLineDetail": {
                "GroupItemRef": {"value": "7", "name": "Bundle"},
                "Quantity": 1,
                "Line": [
                    {
                        "Id": "3",
                        "DetailType": "SalesItemLineDetail",
                        "Amount": 0.0,
                        "SalesItemLineDetail": {
                            "ItemRef": {"value": "4"},
                            "Qty": 1,
                            "UnitPrice": 0,
                        },
                    }
                ],
            },
        },
        {"DetailType": "SubTotalLineDetail", "Amount": 100.1, "SubTotalLineDetail": {}},
    ],
}


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_lone_customer_json_array(tmp_path):
    write(tmp_path, "quickbooks/Customer.json", json.dumps(CUSTOMERS))
    data = load_raw(tmp_path)
    customers = data["customers"]
    assert list(customers["id"]) == ["1", "2"]
    assert customers.loc[0, "balance_cents"] == 1050  # money as exact cents
    assert str(customers["create_time"].dtype) == "datetime64[us, UTC]"
    assert customers.loc[0, "create_time"] == pd.Timestamp("2026-01-01T09:00:00Z")
    assert customers.loc[1, "active"] is False or not customers.loc[1, "active"]
    assert data.files == {"customers": "quickbooks/Customer.json"}


@pytest.mark.parametrize("shape", ["query_response", "pages", "jsonl", "array"])
def test_every_qbo_file_shape_gives_the_same_table(tmp_path, shape):
    page = {
        "QueryResponse": {"Customer": CUSTOMERS, "startPosition": 1, "maxResults": 2},
        "time": "x",
    }
    forms = {
        "query_response": ("json", json.dumps(page)),
        "pages": (
            "json",
            json.dumps(
                [
                    {"QueryResponse": {"Customer": CUSTOMERS[:1]}},
                    {"QueryResponse": {"Customer": CUSTOMERS[1:]}},
                    {"QueryResponse": {}},
                ]
            ),
        ),
        "jsonl": ("jsonl", "\n".join(json.dumps(c) for c in CUSTOMERS) + "\n"),
        "array": ("json", json.dumps(CUSTOMERS)),
    }
    suffix, text = forms[shape]
    write(tmp_path, f"quickbooks/Customer.{suffix}", text)
    assert list(load_raw(tmp_path)["customers"]["display_name"]) == ["Acme Inc.", "Beta (deleted)"]


def test_account_csv_with_bom_and_15_char_ids(tmp_path):
    write(
        tmp_path,
        "salesforce/Account.csv",
        b"\xef\xbb\xbfId,Name,QBO_Customer_Id__c,IsDeleted,Custom_Thing__c\r\n"
        b'001000000000aBc,"Acme, Inc.",1,FALSE,x\r\n001000000000abc,Zed GmbH,,true,\r\n',
    )
    accounts = load_raw(tmp_path)["accounts"]
    assert list(accounts["id"]) == [to_18("001000000000aBc"), to_18("001000000000abc")]
    assert accounts["id"].str.len().eq(18).all() and accounts["id"].nunique() == 2  # case-safe
    assert list(accounts["qb_customer_id"].fillna("")) == ["1", ""]
    assert list(accounts["is_deleted"]) == [False, True]
    assert "custom_thing__c" in accounts  # unknown columns are kept


def test_cp1252_export_is_read_with_a_warning(tmp_path):
    write(
        tmp_path,
        "salesforce/Account.csv",
        "Id,Name\n001000000000001,Café Müller\n".encode("cp1252"),
    )
    data = load_raw(tmp_path)
    assert data["accounts"].loc[0, "name"] == "Café Müller"
    assert any("cp1252" in str(w) for w in data.warnings)


def test_a_byte_order_mark_before_cp1252_text_is_not_part_of_the_header(tmp_path):
    # Excel on Windows can write the UTF-8 mark and then Windows-1252 text, with CRLF line ends
    write(
        tmp_path,
        "salesforce/Account.csv",
        b"\xef\xbb\xbf" + "Id,Name\r\n001000000000001,Café Müller\r\n".encode("cp1252"),
    )
    data = load_raw(tmp_path)
    assert data["accounts"].loc[0, "name"] == "Café Müller"
    assert any("cp1252" in str(w) for w in data.warnings)


def test_invoice_lines_groups_and_payment_links(tmp_path):
    write(tmp_path, "quickbooks/Invoice.json", json.dumps([INVOICE]))
    write(
        tmp_path,
        "quickbooks/Payment.json",
        json.dumps(
            [
                {
                    "Id": "5",
                    "TotalAmt": 50,
                    "UnappliedAmt": 0,
                    "Line": [{"Amount": 50, "LinkedTxn": [{"TxnId": "9", "TxnType": "Invoice"}]}],
                }
            ]
        ),
    )
    data = load_raw(tmp_path)
    invoice = data["invoices"].iloc[0]
    assert invoice["total_cents"] == 10710 and invoice["total_tax_cents"] == 700
    assert invoice["customer_id"] == "1"
    lines = data["invoice_lines"]
    assert list(lines["detail_type"]) == [
        "SalesItemLineDetail",
        "GroupLineDetail",
        "SalesItemLineDetail",
        "SubTotalLineDetail",
    ]
    assert lines.loc[2, "group_line_id"] == "2"  # bundle child keeps its group
    assert lines.loc[0, "amount_cents"] == 10010 and lines.loc[0, "unit_price"] == 50.05
    links = data["payment_links"]
    assert list(links["txn_id"]) == ["9"] and links.loc[0, "amount_cents"] == 5000


def test_link_fields_follow_the_config(tmp_path):
    write(tmp_path, "salesforce/Account.csv", "Id,Name,QuickBooks_Id__c\n001000000000001,Acme,42\n")
    config = ClientConfig(links=Links(account_customer_id="Account.QuickBooks_Id__c"))
    data = load_raw(tmp_path, config)
    assert data["accounts"].loc[0, "qb_customer_id"] == "42"
    assert data.has_column("accounts", "qb_customer_id")
    # With the default config the same file simply has no link column: a check needing it is skipped.
    assert not load_raw(tmp_path).has_column("accounts", "qb_customer_id")


def test_every_problem_is_reported_at_once_with_file_line_and_column(tmp_path):
    write(
        tmp_path,
        "salesforce/Account.csv",
        "Id,Name,CreatedDate\n001000000000001,A,yesterday\nnot-an-id,B,\n",
    )
    write(tmp_path, "salesforce/Opportunity.csv", "Name,Amount\nDeal,10\n")
    write(tmp_path, "salesforce/Product2.csv", 'Id,Name\n01t000000000001,"unclosed\n')
    write(tmp_path, "quickbooks/Invoice.json", '[{"Id": "1",, }]')
    write(tmp_path, "quickbooks/Item.jsonl", '{"Id": "1"}\n{broken\n')
    with pytest.raises(InputError) as caught:
        load_raw(tmp_path)
    text = str(caught.value)
    assert (
        "salesforce/Account.csv, line 2, column CreatedDate: 'yesterday' is not an ISO 8601 timestamp"
        in text
    )
    assert "salesforce/Account.csv, line 3, column Id" in text
    assert "salesforce/Opportunity.csv, line 1, column Id: has no column Id" in text
    assert "salesforce/Product2.csv" in text
    assert "quickbooks/Invoice.json, line 1, column 13: bad JSON" in text
    assert "quickbooks/Item.jsonl, line 2" in text
    assert len(caught.value.problems) >= 6


def test_malformed_csv_row_is_located(tmp_path):
    write(
        tmp_path, "salesforce/Account.csv", "Id,Name\n001000000000001,A\n001000000000002,B,extra\n"
    )
    with pytest.raises(InputError, match=r"Account.csv, line 3: has 3 fields, the header has 2"):
        load_raw(tmp_path)


def test_unknown_files_are_ignored_not_fatal(tmp_path):
    write(tmp_path, "salesforce/Case.csv", "Id,Subject\n500000000000001,x\n")
    write(tmp_path, "quickbooks/Bill.json", "[]")
    write(tmp_path, "quickbooks/Customer.json", json.dumps(CUSTOMERS))
    data = load_raw(tmp_path)
    assert set(data.tables) == {"customers"}
    assert {w.file for w in data.warnings} == {"salesforce/Case.csv", "quickbooks/Bill.json"}


def test_manifest_counts_reveal_a_truncated_export(tmp_path):
    write(
        tmp_path,
        "manifest.json",
        json.dumps({"counts": {"Customer": 5}, "pulled_at": "2026-11-20T06:00:00Z"}),
    )
    write(tmp_path, "quickbooks/Customer.json", json.dumps(CUSTOMERS))
    data = load_raw(tmp_path)
    assert any("manifest.json counts 5" in str(w) for w in data.warnings)


def test_empty_or_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_raw(tmp_path / "nope")
    with pytest.raises(UsageError, match="no file"):
        load_raw(tmp_path)


def test_dataset_round_trips_through_the_parquet_cache(tmp_path):
    write(tmp_path, "quickbooks/Invoice.json", json.dumps([INVOICE]))
    write(tmp_path, "salesforce/Account.csv", "Id,Name\n001000000000001,A\n")
    data = load_raw(tmp_path / "")
    data.save(tmp_path / "cache")
    from sfqb_diag.dataset import Dataset

    again = Dataset.load(tmp_path / "cache")
    for name, frame in data.tables.items():
        pd.testing.assert_frame_equal(frame, again[name])


def test_salesforce_headers_match_the_schema_whatever_their_case(tmp_path):
    """Salesforce API names are case-insensitive: an export tool that writes "ID", "NAME" is read
    like Data Loader's "Id", "Name" (typed by the schema, the configured link field included)."""
    write(
        tmp_path,
        "salesforce/Account.csv",
        "ID,NAME,qbo_customer_id__C,ISDELETED,CREATEDDATE\n"
        "001000000000001,Acme,7,TRUE,2026-01-02T03:04:05Z\n",
    )
    write(
        tmp_path,
        "salesforce/Opportunity.csv",
        "id,accountid,AMOUNT,IsWon,CLOSEDATE\n006000000000001,001000000000001,12.50,true,2026-02-03\n",
    )
    data = load_raw(tmp_path)
    accounts, opps = data["accounts"], data["opportunities"]
    assert list(accounts["id"]) == [to_18("001000000000001")]
    assert (accounts.loc[0, "name"], accounts.loc[0, "qb_customer_id"]) == ("Acme", "7")
    assert bool(accounts.loc[0, "is_deleted"])
    assert accounts.loc[0, "created_date"] == pd.Timestamp("2026-01-02T03:04:05Z")
    assert "qb_customer_id" not in data.missing_columns["accounts"]
    assert opps.loc[0, "account_id"] == to_18("001000000000001")
    assert opps.loc[0, "amount_cents"] == 1250 and bool(opps.loc[0, "is_won"])


def test_a_header_repeated_in_another_case_is_an_error_naming_both(tmp_path):
    write(tmp_path, "salesforce/Account.csv", "Id,Name,NAME\n001000000000001,Acme,ACME\n")
    write(tmp_path, "salesforce/Product2.csv", "ID,Custom__c,CUSTOM__C\n01t000000000001,a,b\n")
    with pytest.raises(InputError) as caught:
        load_raw(tmp_path)
    text = str(caught.value)
    assert "salesforce/Account.csv, line 1, column Name" in text
    assert "'Name' (field 2) and 'NAME' (field 3)" in text
    assert "'Custom__c' (field 2) and 'CUSTOM__C' (field 3)" in text


def test_a_bad_value_names_the_column_as_the_file_writes_it(tmp_path):
    write(tmp_path, "salesforce/Account.csv", "ID,CREATEDDATE\n001000000000001,yesterday\n")
    with pytest.raises(InputError, match=r"Account.csv, line 2, column CREATEDDATE: 'yesterday'"):
        load_raw(tmp_path)


def test_the_header_is_read_whole_however_long_its_fields() -> None:
    # The header comes from the first 64 KiB unless it runs past them (a quoted field, newlines
    # and all), when the whole text is read.
    long_value = "x" * 70_000
    assert _first_record(f'Id,Name\n001,"{long_value}"\n') == ["Id", "Name"]
    assert _first_record(f'Id,"{long_value}\nNote"\n001,a\n') == ["Id", f"{long_value}\nNote"]
    assert _first_record("\n\nId,Name\n") == ["Id", "Name"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789,.-+eE xa", max_size=8), min_size=1, max_size=8))
def test_numbers_read_as_pandas_reads_them(texts: list[str]) -> None:
    # pyarrow casts a column of plain numbers; anything else falls back to pandas, value by value.
    numbers, bad = as_num(pd.Series(texts, dtype="string", index=range(7, 7 + len(texts))))
    stripped = pd.Series(texts, dtype=object).str.strip().str.replace(",", "", regex=False)
    expected = pd.to_numeric(stripped.where(stripped != "", None), errors="coerce")
    expected = expected.astype("float64").where(np.isfinite(expected.astype("float64")))
    assert numbers.tolist() == pytest.approx(expected.tolist(), nan_ok=True, rel=0, abs=0)
    assert bad.tolist() == (stripped.ne("") & expected.isna()).tolist()


_STAMP = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format,
    st.integers(1, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.sampled_from(["", ".000", ".5", ".123456"]),
    st.sampled_from(["Z", "+0000", "-08:00", "+05:30", "+1400", ""]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_STAMP, min_size=1, max_size=6))
def test_timestamps_read_as_pandas_reads_them(texts: list[str]) -> None:
    # pyarrow casts a column of API timestamps; any other spelling falls back to pandas.
    # an index that is not 0..n-1 (a filtered frame): values stay on their rows
    stamps, bad = as_ts(pd.Series(texts, dtype="string", index=range(7, 7 + len(texts))))
    expected = pd.to_datetime(pd.Series(texts), utc=True, format="ISO8601", errors="coerce")
    assert stamps.tolist() == expected.astype(stamps.dtype).tolist()
    assert bad.tolist() == expected.isna().tolist()


def test_a_person_account_without_a_name_is_named_by_its_first_and_last_name(tmp_path):
    write(
        tmp_path,
        "salesforce/Account.csv",
        "Id,Name,IsPersonAccount,FirstName,LastName\n"
        "001000000000001,,true,Wei,Chen\n"
        "001000000000002,,true,,Madonna\n"
        "001000000000003,Acme Inc,false,,\n",
    )
    assert load_raw(tmp_path)["accounts"]["name"].tolist() == ["Wei Chen", "Madonna", "Acme Inc"]
