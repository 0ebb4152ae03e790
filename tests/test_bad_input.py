"""Bad input never crashes: each damage class is an input error naming the file (and line, column
or JSON path), or is read correctly with a warning. Fixture: tests/bad_input_fixture.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bad_input_fixture import A1, A2, DAMAGE, make_raw

from sfqb_diag.errors import InputError
from sfqb_diag.sources.files import load_raw


def _errors(raw: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_raw(raw)
    return str(caught.value)


def test_the_fixture_is_valid(tmp_path: Path) -> None:
    data = load_raw(make_raw(tmp_path))
    assert list(data["accounts"]["name"]) == ["Acme, Inc.", "Beta\nGmbH"]  # embedded newline
    assert data.warnings == []


RAW_FOLDER_DAMAGE = {k: v for k, v in DAMAGE.items() if not k.startswith(("decisions", "reviews"))}


@pytest.mark.parametrize(
    "damage", sorted(k for k, (_, refuse) in RAW_FOLDER_DAMAGE.items() if refuse)
)
def test_refused_damage_names_the_file(tmp_path: Path, damage: str) -> None:
    raw = make_raw(tmp_path)
    damaged = DAMAGE[damage][0](raw)
    assert damaged in _errors(raw)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("csv_short_row", "line 2: has 4 fields, the header has 5"),
        ("csv_long_row", "line 2: has 6 fields, the header has 5"),
        ("csv_open_quote", "line 3: a quoted field opens here and never closes"),
        ("csv_duplicate_header", "column Name: the header names column 'Name' 2 times"),
        ("csv_header_case_repeat", "'Name' (field 2) and 'NAME' (field 3)"),
        ("csv_semicolons", "semicolon-separated"),
        ("csv_utf16", "UTF-16"),
        ("csv_conflicting_ids", "line 3, column Id: one Id on two different records"),
        ("csv_15_and_18", "line 5, column Id: the 15- and 18-character forms of one Id"),
        ("csv_bad_date", "line 3, column CreatedDate"),
        ("json_query_response_list", "$.QueryResponse is a list; expected an object"),
        ("json_wrong_entity_key", "QueryResponse holds Customers, not Customer"),
        ("json_fault_page", "$[1] is a QBO Fault response, not data: throttled"),
        ("json_ref_as_string", "entity #1.CustomerRef is a string; expected an object"),
        ("json_line_as_string", "entity #1.Line is a string; expected a list of objects"),
        ("json_metadata_list", "entity #1.MetaData is a list; expected an object"),
        ("json_no_id", "1 entit(ies) without an Id (#1)"),
        ("json_duplicate_id", "entities #1 and #2 both have Id '1' but differ"),
        ("json_huge_amount", "column Balance of entity #1 (Id 1): 1e+300 is not an amount"),
        ("json_null", "the top level is null"),
        ("json_formula_id", "column Id of entity #1: '=1+1' is not a QBO Id"),
        ("csv_formula_link", "line 2, column QBO_Customer_Id__c: '@SUM(1)' is not a QBO Id"),
        ("sync_log_short_row", "sync_log.csv, line 2: has 10 fields, the header has 11"),
        ("manifest_wrong_type", "column counts: counts must map object names to numbers"),
        ("manifest_now", "column pulled_at: pulled_at is 'now'"),
        ("special_directory", "quickbooks/Customer.json: is a directory, not a data file"),
        ("special_fifo", "quickbooks/Invoice.jsonl: is a FIFO (named pipe)"),
        ("special_dangling_symlink", "salesforce/Account.csv: is a symlink to nowhere"),
        ("special_symlink_outside", "outside the raw folder"),
    ],
)
def test_each_problem_is_located(tmp_path: Path, damage: str, expected: str) -> None:
    raw = make_raw(tmp_path)
    DAMAGE[damage][0](raw)
    assert expected in _errors(raw)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    for damage in ("csv_short_row", "json_ref_as_string", "sync_log_short_row", "manifest_now"):
        DAMAGE[damage][0](raw)
    message = _errors(raw)
    assert message.startswith("4 problems in the input")
    for name in ("Account.csv", "Invoice.jsonl", "sync_log.csv", "manifest.json"):
        assert name in message


def test_an_unterminated_quote_names_the_line_where_it_opened(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    text = (raw / "salesforce" / "Account.csv").read_text(encoding="utf-8")
    rows = "".join(f"{A1[:14]}{i:X},Name {i},City,,\r\n" for i in range(3, 9))
    (raw / "salesforce" / "Account.csv").write_text(
        text + rows.replace("Name 5", '"Name 5'), encoding="utf-8"
    )
    assert "Account.csv, line 7: a quoted field opens here" in _errors(raw)  # A2 has 2 lines


def test_an_exact_repeat_is_kept_once_and_said(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    DAMAGE["csv_exact_repeat"][0](raw)
    data = load_raw(raw)
    assert list(data["accounts"]["id"]) == [A1, A2]
    assert any("repeat an earlier record exactly (line 5 = line 2" in str(w) for w in data.warnings)


def test_identical_qbo_entities_are_kept_once(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    path = raw / "quickbooks" / "Customer.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps([body, body]), encoding="utf-8")  # two overlapping pages
    data = load_raw(raw)
    assert list(data["customers"]["id"]) == ["1"]
    assert any("repeat an earlier one exactly" in str(w) for w in data.warnings)


def test_dates_beyond_pandas_nanoseconds_are_read(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    DAMAGE["csv_far_dates"][0](raw)
    stamp = load_raw(raw)["accounts"]["created_date"].iloc[0]
    assert (stamp.year, stamp.month, stamp.day) == (4000, 12, 31)


def test_control_characters_and_bidi_are_kept_in_the_data(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    DAMAGE["csv_control_chars"][0](raw)
    assert load_raw(raw)["accounts"]["billing_city"].iloc[0] == "Os\x0b\u202elo"


def test_cp1252_is_read_with_a_warning(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    DAMAGE["csv_cp1252"][0](raw)
    data = load_raw(raw)
    assert data["accounts"]["billing_city"].iloc[0] == "Tromsø"
    assert any("salesforce/Account.csv" in str(w) and "cp1252" in str(w) for w in data.warnings)


def test_a_response_time_that_is_no_time_is_read_with_a_warning(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    DAMAGE["json_bad_response_time"][0](raw)
    data = load_raw(raw)
    assert len(data["customers"]) == 1 and data.response_times == {}
    assert any(
        "quickbooks/Customer.json" in str(w) and "'half past ten' is not an ISO 8601 time" in str(w)
        for w in data.warnings
    )


def test_qbo_ids_stay_text(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    DAMAGE["json_float_id"][0](raw)
    ids = load_raw(raw)["customers"]["id"]
    assert list(ids) == ["1.0"] and str(ids.dtype) == "string"


def test_manifest_counts_that_differ_are_named(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    manifest = json.loads((raw / "manifest.json").read_text(encoding="utf-8"))
    manifest["counts"] = {"Account": 3, "Invoice": 1, "Item": 4}
    (raw / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    warnings = [str(w) for w in load_raw(raw).warnings]
    assert any("Account.csv: holds 2 record(s) but manifest.json counts 3" in w for w in warnings)
    assert any("counts 4 Item record(s) but the raw folder has no Item file" in w for w in warnings)
    assert not any("Invoice" in w for w in warnings)


def test_an_open_quote_running_past_the_csv_field_limit_is_reported(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    path = raw / "salesforce" / "Account.csv"
    long_tail = "".join(f"{A1[:14]}{i % 10},Name,City,,\r\n" for i in range(9000))  # > 128 KiB
    path.write_text(path.read_text(encoding="utf-8") + '"open' + long_tail, encoding="utf-8")
    assert "a quoted field opens here and never closes" in _errors(raw)


def test_xlsx_cells_escape_what_xml_cannot_hold() -> None:
    import pandas as pd

    from sfqb_diag.outputs.safe_cells import xlsx_safe

    frame = xlsx_safe(pd.DataFrame({"name": ["a\x0bb", "c\u202ed", "e\uffff", None]}))
    assert frame["name"].tolist()[:3] == ["a<U+000B>b", "c<U+202E>d", "e<U+FFFF>"]
