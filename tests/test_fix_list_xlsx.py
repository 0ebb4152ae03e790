"""fix_list.xlsx read the way finance's spreadsheet reads it (openpyxl), on the default demo.

The demo's QBO company (Northwind Outfitters LLC) keeps USD as its home currency and bills in
CAD, EUR and GBP too, every invoice with its ExchangeRate; findings sit on invoices, payments,
customers, items and vendors, and some name QBO or Salesforce records absent from the data
(broken links). The round trip fills review cells in a small demo's workbook and runs again.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from sfqb_diag.cli import main
from sfqb_diag.outputs.xlsx import AREA_TITLES, START_SHEET

QBO_NUMBER = {"Invoice": ("invoices", "doc_number"), "Payment": ("payments", "payment_ref_num")}


@pytest.fixture(scope="module")
def book(demo_run, demo_dir):
    return load_workbook(demo_dir / "out" / "fix_list.xlsx")


def rows_of(sheet) -> list[tuple[dict, dict]]:
    """(values, cells) by header, for the finding rows (those with a finding id)."""
    header = [c.value for c in sheet[1]]
    out = []
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=False))
        if cells["Finding id"].value:
            out.append(({k: c.value for k, c in cells.items()}, cells))
    return out


def all_rows(book) -> list[tuple[dict, dict]]:
    return [r for sheet in book.worksheets[1 : len(AREA_TITLES) + 1] for r in rows_of(sheet)]


def test_sheets_start_here_then_one_per_area(book, demo_run):
    assert book.sheetnames == [START_SHEET, *AREA_TITLES.values(), "Record status"]
    start = book[START_SHEET]
    text = "\n".join(str(c.value) for row in start.iter_rows() for c in row if c.value)
    company = demo_run.data["company_info"]["company_name"].iloc[0]
    assert start["A1"].value == f"Fix list: {company}"
    assert "Data as of 2026-11-20 06:00 UTC" in text and "How to use these sheets" in text
    assert "--reviews fix_list.xlsx" in text


def test_top_fixes_are_ranked_by_home_currency_and_link_to_their_row(book):
    start = book[START_SHEET]
    header_row = next(r for r in start.iter_rows() if r[0].value == "#")
    top = [
        r for r in start.iter_rows(min_row=header_row[0].row + 1, max_row=header_row[0].row + 10)
    ]
    assert [r[0].value for r in top] == list(range(1, 11))
    home = [r[6].value for r in top]
    assert home == sorted(home, reverse=True), "most money (in USD, the home currency) first"
    assert home[0] > 100_000, "a six-figure problem, not a 1.00 USD test invoice, comes first"
    for row in top:
        sheet_name, cell = row[1].hyperlink.location.rsplit("!", 1)
        target = book[sheet_name.strip("'")][cell.replace("A", "B", 1)]
        assert target.value == row[3].value, "the link opens the fix's own row"
        assert row[4].number_format.endswith(f'"{row[5].value}"')


def test_amounts_are_numbers_with_the_rows_currency_format(book, demo_run):
    cents = demo_run.result.findings.set_index("finding_id")["amount_at_risk_cents"]
    checked = 0
    for values, cells in all_rows(book):
        amount = cells["Amount at risk"]
        expected = cents[values["Finding id"]]
        if pd.isna(expected):
            assert amount.value is None
            continue
        assert isinstance(amount.value, int | float) and amount.data_type == "n"
        assert round(amount.value * 100) == expected
        assert amount.number_format == f'#,##0.00 "{values["Currency"]}"'
        checked += 1
    assert checked > 100


def test_home_currency_column(book, demo_run):
    rows = [values for values, _ in all_rows(book) if values["Amount at risk"] is not None]
    usd = [v for v in rows if v["Currency"] == "USD"]
    assert usd and all(v["In USD (home)"] == v["Amount at risk"] for v in usd)
    foreign = [v for v in rows if v["Currency"] in {"CAD", "EUR", "GBP"}]
    assert foreign and all(v["In USD (home)"] is not None for v in foreign)
    rates = demo_run.data["invoices"].groupby("currency")["exchange_rate"].last()
    for v in foreign:
        assert v["In USD (home)"] == pytest.approx(
            v["Amount at risk"] * rates[v["Currency"]], abs=0.01
        )
        assert "rate" in v["Home-currency basis"] or "HomeTotalAmt" in v["Home-currency basis"]


def test_every_record_cell_names_the_record_and_links_to_it(book, demo_run):
    data = demo_run.data
    numbers = {
        entity: data[table].set_index("id")[column].dropna()
        for entity, (table, column) in QBO_NUMBER.items()
    }
    customers = data["customers"].set_index("id")["display_name"]
    qb_rows = sf_rows = 0
    for values, cells in all_rows(book):
        if values["QBO Id"]:
            qb_rows += 1
            record = cells["QuickBooks record"]
            assert record.value, f"{values['Finding id']}: a QBO record is named"
            assert record.hyperlink.target.endswith("=" + values["QBO Id"])
            number = numbers.get(values["QBO entity"], pd.Series(dtype=str)).get(values["QBO Id"])
            if number is not None:
                assert f" {number} " in record.value and values["QBO number"] == number
            if values["QBO entity"] == "Customer" and values["QBO Id"] in customers.index:
                assert customers[values["QBO Id"]] in record.value
        if values["SF Id"]:
            sf_rows += 1
            record = cells["Salesforce record"]
            assert record.value and values["SF Id"] in record.hyperlink.target
            assert record.hyperlink.target.startswith(
                "https://northwind-outfitters.my.salesforce.com"
            )
    assert qb_rows > 100 and sf_rows > 100


def test_ids_are_text_and_no_cell_is_a_formula(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} would run"
    for values, cells in all_rows(book):
        for header in ("SF Id", "QBO Id", "QBO number", "Finding id"):
            if values[header] is not None:
                assert cells[header].data_type == "s" and cells[header].number_format == "@"


def test_totals_per_currency_match_the_summary(book, demo_run):
    by_area = demo_run.summary.amount_at_risk_by_area
    for area, title in AREA_TITLES.items():
        sheet = book[title]
        totals = {}
        for row in sheet.iter_rows(min_row=2, values_only=True):
            match = re.match(r"Total at risk in ([A-Z]{3}) \(each record", str(row[1] or ""))
            if match:
                totals[match.group(1)] = f"{row[2]:.2f}"
        assert totals == by_area[area], title


def test_print_setup(book):
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert all(sheet.print_title_rows == "$1:$1" for sheet in book.worksheets[1:])


@pytest.fixture(scope="module")
def small_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo checked once into client/out, with the header-only reviews.csv `init` writes."""
    from sfqb_demo.generator import generate_demo

    client = tmp_path_factory.mktemp("xlsx_client")
    generate_demo(client, size=300, seed=7)
    (client / "reviews.csv").write_text("finding_id,status,owner,note,until\n")
    assert main(["check", str(client / "raw"), "--out", str(client / "out")]) == 0
    return client


def fill_review(path: Path, saved_as: Path) -> tuple[str, str]:
    """Waive the first finding of the first area sheet with rows, note the second; save."""
    workbook = load_workbook(path)
    sheet = next(s for s in workbook.worksheets[1:] if len(rows_of(s)) >= 2)
    (first, cells), (second, second_cells) = rows_of(sheet)[:2]
    cells["Review status"].value = "waived"
    cells["Owner"].value = "ana"
    cells["Reviewer note"].value = "credit note in January"
    cells["Until"].value = dt.datetime(2027, 1, 31)
    second_cells["Owner"].value = "ben"
    second_cells["Reviewer note"].value = "asked the client"
    workbook.save(saved_as)
    return first["Finding id"], second["Finding id"]


def reviews_in(out: Path) -> dict[str, dict]:
    workbook = load_workbook(out / "fix_list.xlsx")
    return {values["Finding id"]: values for values, _ in all_rows(workbook)}


def test_a_filled_fix_list_beside_raw_is_the_next_runs_reviews(small_client):
    waived, noted = fill_review(
        small_client / "out" / "fix_list.xlsx", small_client / "fix_list.xlsx"
    )
    assert main(["check", str(small_client / "raw"), "--out", str(small_client / "out")]) == 0
    shown = reviews_in(small_client / "out")
    assert (shown[waived]["Review status"], shown[waived]["Owner"]) == ("waived", "ana")
    assert shown[waived]["Reviewer note"] == "credit note in January"
    assert shown[waived]["Until"] == dt.datetime(2027, 1, 31)
    assert (shown[noted]["Review status"], shown[noted]["Owner"]) == ("open", "ben")
    summary = pd.read_json(small_client / "out" / "summary.json", typ="series")
    assert summary["waived"] == 1


def test_reviews_option_takes_a_workbook_and_reports_bad_cells(small_client, tmp_path, capsys):
    workbook = tmp_path / "finance.xlsx"
    waived, _ = fill_review(small_client / "out" / "fix_list.xlsx", workbook)
    out = tmp_path / "out"
    args = ["check", str(small_client / "raw"), "--out", str(out), "--reviews", str(workbook)]
    assert main(args) == 0 and reviews_in(out)[waived]["Review status"] == "waived"
    bad = load_workbook(workbook)
    sheet = next(s for s in bad.worksheets[1:] if rows_of(s))
    rows_of(sheet)[0][1]["Review status"].value = "maybe"
    bad.save(workbook)
    capsys.readouterr()
    assert main([*args[:-2], "--reviews", str(workbook)]) == 2
    error = capsys.readouterr().err
    assert f"sheet {sheet.title}, line 2, column Review status" in error and "'maybe'" in error


def test_without_qbo_preferences_the_home_column_is_empty_and_said_so(tmp_path):
    """One EUR finding on invoice Id 5 (number INV-9, customer Acme); the data has the invoice and
    its rate but no Preferences, so no home currency. Its title is formula-like."""
    from sfqb_diag.dataset import Dataset
    from sfqb_diag.findings import new_findings
    from sfqb_diag.outputs.summary import Summary
    from sfqb_diag.outputs.xlsx import write_fix_list

    findings = new_findings(
        area="customers",
        check="test",
        severity="high",
        sf_object="Account",
        sf_id="001000000000001AAA",
        qb_entity="Invoice",
        qb_id="5",
        title='=HYPERLINK("http://x","open")',
        amount_cents=pd.Series([1234567], dtype="Int64"),
        currency="EUR",
    ).assign(finding_id="f1", waived=False)
    invoices = pd.DataFrame(
        {
            "id": ["5"],
            "doc_number": ["INV-9"],
            "customer_name": ["Acme"],
            "currency": ["EUR"],
            "exchange_rate": [1.1],
            "total_cents": pd.array([1234567], dtype="Int64"),
            "txn_date": [pd.Timestamp("2026-11-01")],
        }
    )
    summary = Summary(
        as_of="2026-11-20T00:00:00+00:00", findings=1, amount_at_risk={"EUR": "12345.67"}
    )
    path = tmp_path / "fix_list.xlsx"
    write_fix_list(findings, {}, summary, path, Dataset(tables={"invoices": invoices}))
    workbook = load_workbook(path)
    ((values, cells),) = all_rows(workbook)
    assert values["QuickBooks record"] == "Invoice INV-9 (Acme, 12,345.67 EUR)"
    assert values["In home currency"] is None and values["Home-currency basis"] is None
    assert values["Problem"].startswith("'=") and cells["Problem"].data_type == "s"
    assert (
        values["Salesforce record"] == "Account Id 001000000000001AAA (not in the Salesforce data)"
    )
    text = " ".join(
        str(c.value) for row in workbook[START_SHEET].iter_rows() for c in row if c.value
    )
    assert "home currency is unknown" in text
    assert "Fix list: the client (not named in the data)" in text


def test_a_second_run_reads_its_own_fix_list_beside_the_raw_folder(tmp_path):
    """`demo` and client folders keep the report beside raw/: the next run finds the previous
    fix_list.xlsx where reviews.csv would be and reads it as the reviews file, without failing."""
    import partial_sync_fixture as f

    from sfqb_diag.pipeline import CheckOptions, run_check

    raw = f.write_raw(tmp_path / "raw")
    first = run_check(CheckOptions(raw=raw, out=tmp_path, as_of=f.AS_OF))
    assert (tmp_path / "fix_list.xlsx").is_file()
    second = run_check(CheckOptions(raw=raw, out=tmp_path, as_of=f.AS_OF))
    assert len(second.result.findings) == len(first.result.findings)
    assert second.summary.waived == 0


def test_record_links_percent_encode_ids():
    """QBO Ids are text: a damaged one (a NUL byte, a space, '/') must not break the hyperlink."""
    from sfqb_diag.outputs.links import quickbooks_links, salesforce_links

    manifest = {
        "salesforce": {"instance_url": "https://acme.my.salesforce.com"},
        "quickbooks": {"realm_id": "123", "environment": "production"},
    }
    qb = quickbooks_links(manifest, pd.Series(["Invoice"]), pd.Series(["30878\x00 /x"]))
    assert qb.iloc[0].endswith("30878%00%20%2Fx") and "\x00" not in qb.iloc[0]
    sf = salesforce_links(manifest, pd.Series(["Account"]), pd.Series(["001000000000001AAA"]))
    assert (
        sf.iloc[0] == "https://acme.my.salesforce.com/lightning/r/Account/001000000000001AAA/view"
    )
