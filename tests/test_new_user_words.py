"""What a first-time user meets on data without money or with misnamed files (found by trying the
product on hand-made one-sided exports): a first screen that still lists what to fix, and a file
name that is close to a known one answered with the name it should have."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.errors import UsageError
from sfqb_diag.findings import conform, new_findings
from sfqb_diag.outputs.first_screen import top_fixes
from sfqb_diag.sources.files import load_raw


def _findings() -> pd.DataFrame:
    found = new_findings(
        qb_entity="Customer",
        qb_id=pd.Series(["1", "2", "3"], dtype="string"),
        qb_name=pd.Series(["Acme Inc", "ACME, Inc.", "Initech"], dtype="string"),
        title=pd.Series(["Duplicate A", "Duplicate B", "Tidy-up"], dtype="string"),
        suggested_action="Merge",
        severity=pd.Series(["low", "high", "info"], dtype="string"),
        confidence=0.9,
    )
    return conform(found.assign(area="customers", check="qb_customer_duplicate"))


def test_without_money_the_first_screen_lists_the_most_severe_fixes() -> None:
    fixes = top_fixes(_findings(), None, pd.Timestamp("2026-01-01", tz="UTC"), 10)
    assert fixes["Problem"].tolist()[:2] == ["Duplicate B", "Duplicate A"]
    assert fixes["Severity"].tolist()[0] == "high"


@pytest.mark.parametrize(
    ("name", "hint"),
    [("salesforce/Accounts.csv", "Account.csv"), ("quickbooks/customer.json", "Customer.json")],
)
def test_a_misnamed_file_is_answered_with_its_name(tmp_path: Path, name: str, hint: str) -> None:
    path = tmp_path / "raw" / name
    path.parent.mkdir(parents=True)
    path.write_text("Id,Name\n001000000000001AAA,Acme\n" if name.endswith(".csv") else "[]")
    with pytest.raises(UsageError) as raised:
        load_raw(tmp_path / "raw")
    assert f"did you mean {hint}?" in str(raised.value) and name in str(raised.value)


def test_an_empty_table_says_why(tmp_path: Path) -> None:
    """'No rows.' told a reader nothing: a table check did not write (its files were missing) and
    one it wrote with nothing in it are different news, and a page may name what is absent."""
    from sfqb_diag.notebook.run import Run
    from sfqb_diag.notebook.tables import NOT_WRITTEN, NOTHING_FOUND, table

    assert table(None).data == f"<p><em>{NOT_WRITTEN}</em></p>"
    assert table(pd.DataFrame()).data == f"<p><em>{NOTHING_FOUND}</em></p>"
    unwritten = Run(tmp_path).view("customers.review")  # check wrote no such view
    assert table(unwritten).data == f"<p><em>{NOT_WRITTEN}</em></p>"
    said = table(pd.DataFrame({"a": []}), empty="No duplicate invoices & no retries.").data
    assert said == "<p><em>No duplicate invoices &amp; no retries.</em></p>"


def test_the_skipped_line_tells_missing_files_from_unset_settings() -> None:
    """'no a or b in the raw folder; client.yaml: no rollups: field on Account': a setting is not
    a file, and 'no client.yaml: no rollups ... in the raw folder' read as nonsense."""
    from sfqb_diag.outputs.coverage import skipped_line
    from sfqb_diag.outputs.summary import Summary

    summary = Summary(
        as_of="2026-11-20T06:00:00+00:00",
        skipped=[
            {"check": "a", "area": "sync_jobs", "missing": ["sync_log.csv"]},
            {"check": "b", "area": "partial_sync", "missing": ["quickbooks/Payment.json"]},
            {"check": "c", "area": "partial_sync", "missing": ["client.yaml: no rollups: field"]},
        ],
    )
    assert skipped_line(summary) == (
        "3 checks not run: no sync_log.csv or quickbooks/Payment.json in the raw folder; "
        "client.yaml: no rollups: field (summary.json lists each under 'skipped' with what it "
        "lacks)"
    )


def test_the_skipped_line_names_each_input_once_and_the_first_few() -> None:
    # 'manifest.json or sync_log.csv' and 'sync_log.csv' name sync_log.csv once; past six the
    # line counts the rest (summary.json has them all).
    from sfqb_diag.outputs.coverage import skipped_line
    from sfqb_diag.outputs.summary import Summary

    lacking = [
        "manifest.json key quickbooks",
        "manifest.json or sync_log.csv",
        "sync_log.csv",
        *(f"salesforce/Object{i}.csv" for i in range(6)),
    ]
    summary = Summary(
        as_of="2026-11-20T06:00:00+00:00",
        skipped=[
            {"check": f"c{i}", "area": "auth_env", "missing": [m]} for i, m in enumerate(lacking)
        ],
    )
    assert skipped_line(summary) == (
        "9 checks not run: no manifest.json key quickbooks, manifest.json, sync_log.csv, "
        "salesforce/Object0.csv, salesforce/Object1.csv, salesforce/Object2.csv or 3 more in the "
        "raw folder (summary.json lists each under 'skipped' with what it lacks)"
    )


def test_an_empty_record_status_sheet_says_why() -> None:
    """A one-sided export has no pairs to compare: the sheet says so instead of bare headers."""
    from openpyxl import Workbook

    from sfqb_diag.outputs.xlsx_status import COLUMNS, NO_RECORDS, SHEET, write_status_sheet

    book = Workbook()
    write_status_sheet(book, pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS}))
    assert book[SHEET].cell(row=2, column=1).value == NO_RECORDS


def test_the_record_status_sheet_lists_what_is_not_in_sync_and_counts_the_rest() -> None:
    from openpyxl import Workbook

    from sfqb_diag.outputs.xlsx_status import COLUMNS, SHEET, in_sync_note, write_status_sheet

    rows = pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})
    rows = pd.concat(
        [
            rows,
            pd.DataFrame(
                {
                    "status": ["in_sync", "sf_only", "in_sync", "conflict"],
                    "sf_name": ["Acme", "Globex", "Initech", "Umbrella"],
                }
            ),
        ]
    )
    book = Workbook()
    write_status_sheet(book, rows)
    listed = [r for r in book[SHEET].iter_rows(min_row=2, values_only=True) if any(r)]
    assert [r[0] for r in listed[:2]] == [
        "in conflict (the two sides disagree)",
        "only in Salesforce",
    ]
    assert listed[2][0] == in_sync_note(2) and "2 record(s) in sync" in listed[2][0]
    assert book[SHEET].auto_filter.ref == "A1:H3"  # the filter covers the records, not the note
