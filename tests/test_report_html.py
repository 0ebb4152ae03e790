"""The HTML report as finance reads it: who and when on every page, record links, tables that sort
and search offline, headers in words, and no chart that adds different currencies."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.outputs.html_table import plain_header, table_html
from sfqb_diag.reporting.index import TABLES_JS
from sfqb_diag.reporting.runner import logs_dir

SF_LINK = re.compile(r'href="https://[^"]+/lightning/r/(Account|Opportunity|Product2)/[^"/]+/view"')
QB_LINK = re.compile(
    r'href="https://app\.(sandbox\.)?qbo\.intuit\.com/app/[a-z]+\?[a-zA-Z]+=[^"]+"'
)
CURRENCY_MARK = re.compile(r"currency=([A-Z]{3})", flags=re.IGNORECASE)


class _Tables(HTMLParser):
    """Every table.sfqb-table's headers and rows of cell texts (with the hrefs of each row)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            self.tables.append({"class": values.get("class") or "", "headers": [], "rows": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tbody":
            self._in_head = False
        elif tag == "tr" and self.tables and not self._in_head:
            self.tables[-1]["rows"].append({"cells": [], "links": []})
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a" and self.tables and self.tables[-1]["rows"] and not self._in_head:
            self.tables[-1]["rows"][-1]["links"].append(values.get("href") or "")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            text = "".join(self._cell).strip()
            if tag == "th" and self._in_head:
                self.tables[-1]["headers"].append(text)
            elif self.tables[-1]["rows"]:
                self.tables[-1]["rows"][-1]["cells"].append(text)
            self._cell = None


def _tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _pages(report: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(report.glob("*.html"))}


def _figures(html: str) -> list[tuple[list[dict], dict]]:
    """(data, layout) of every plotly figure: Plotly.newPlot(id, data, layout, config)."""
    decoder = json.JSONDecoder()
    found = []
    for match in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', html):
        data, end = decoder.raw_decode(html, match.end())
        rest = html[end:].lstrip().removeprefix(",").lstrip()
        layout, _ = decoder.raw_decode(rest)
        found.append((data, layout))
    return found


@pytest.fixture(scope="module")
def pages(small_report: Path) -> dict[str, str]:
    return _pages(small_report / "report")


def test_every_page_names_the_client_and_the_as_of_time(small_report: Path, pages):
    summary = json.loads((small_report / "summary.json").read_text(encoding="utf-8"))
    as_of = summary["as_of"][:16].replace("T", " ") + " UTC"
    company = pd.read_parquet(small_report / "cache" / "dataset" / "company_info.parquet")
    client = str(company["company_name"].dropna().iloc[0])
    # QuickBooks links carry no company: every page says which company they open in.
    manifest = json.loads((small_report / "raw" / "manifest.json").read_text("utf-8"))
    realm = manifest["quickbooks"]["realm_id"]
    assert len(pages) == 7
    for name, html in pages.items():
        banner = re.search(r'<div class="sfqb-banner">(.*?)</div>', html, flags=re.S)
        assert banner, name
        text = re.sub(r"<[^>]+>", "", banner.group(1)).replace("&amp;", "&")
        assert client in text and as_of in text, (name, text)
        assert f"QuickBooks company {realm}" in text, (name, text)


def test_pages_that_list_records_link_them_to_salesforce_and_quickbooks(pages):
    record_headers = {"Salesforce record", "QuickBooks record"}
    listed = 0
    for name, html in pages.items():
        for table in _tables(html):
            columns = record_headers & set(table["headers"])
            for column in columns:
                at = table["headers"].index(column)
                named = [r for r in table["rows"] if len(r["cells"]) > at and r["cells"][at]]
                assert all(r["links"] for r in named), (name, column)
                listed += len(named)
        if name in {"index.html", "02_customers.html", "03_products.html", "04_partial_sync.html"}:
            assert SF_LINK.search(html), f"{name}: no Salesforce record link"
            assert QB_LINK.search(html), f"{name}: no QuickBooks record link"
    assert listed > 50
    # Links open the record page: Lightning for Salesforce, the app's page for QuickBooks.
    index = pages["index.html"]
    assert "lightning/r/" in index and "app.qbo.intuit.com/app/" in index


def test_tables_are_sortable_with_one_shipped_script(small_report: Path, pages):
    shipped = small_report / "report" / TABLES_JS
    assert shipped.is_file() and "sfqbTables" in shipped.read_text(encoding="utf-8")
    for name, html in pages.items():
        assert html.count(f'<script src="{TABLES_JS}"></script>') == 1, name
        assert "window.sfqbTables" not in html, f"{name}: the script is inline, not shipped once"
        tables = [t for t in _tables(html) if "sfqb-table" in t["class"]]
        assert tables, name
        assert all(t["class"] == "sfqb-table" for t in _tables(html)), (
            f"{name}: a table not made by nb.table (a raw frame)"
        )


def test_headers_are_words_and_cells_have_no_raw_values(pages):
    for name, html in pages.items():
        assert "dataframe" not in html, f"{name}: a raw pandas frame"
        for table in _tables(html):
            for header in table["headers"]:
                assert "<NA>" not in header and header.lower() != "nan", (name, header)
                assert not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", header), (name, header)
            for row in table["rows"]:
                for cell in row["cells"]:
                    assert cell not in {"<NA>", "nan", "NaN", "None", "NaT"}, (name, cell)
                    assert not re.fullmatch(r"-?\d+\.0", cell), (name, cell)


def test_no_chart_puts_two_currencies_on_one_axis(pages):
    money_charts = 0
    for name, html in pages.items():
        for data, layout in _figures(html):
            per_axes: dict[tuple[str, str], set[str]] = {}
            for trace in data:
                marks = set(CURRENCY_MARK.findall(str(trace.get("hovertemplate", ""))))
                axes = (trace.get("xaxis", "x"), trace.get("yaxis", "y"))
                per_axes.setdefault(axes, set()).update(marks)
            for axes, currencies in per_axes.items():
                assert len(currencies) <= 1, (name, layout.get("title"), axes, currencies)
                if currencies:
                    money_charts += 1
                    titles = [
                        str((layout.get(f"{side}axis{ref[1:]}") or {}).get("title", {}))
                        for side, ref in zip(("x", "y"), axes, strict=True)
                    ]
                    assert any(next(iter(currencies)) in t for t in titles), (name, titles)
    assert money_charts >= 4, "the money charts are split by currency"


def test_first_screen_ranks_by_money_and_says_what_ran(pages):
    index = pages["index.html"]
    first = _tables(index)[0]
    assert first["headers"][:3] == ["Amount at risk", first["headers"][1], "Severity"]
    assert first["headers"][1].startswith("In ")
    home = [
        float(r["cells"][1].split()[0].replace(",", "")) for r in first["rows"] if r["cells"][1]
    ]
    assert 0 < len(first["rows"]) <= 10 and home == sorted(home, reverse=True)
    assert "What was checked" in index and "Checks skipped" in index
    totals = _tables(index)[1]
    assert totals["headers"][0] == "Currency" and totals["rows"][-1]["cells"][0].startswith("All")


def test_executed_notebooks_point_at_the_published_folder_and_logs_stay_outside(
    small_report: Path,
):
    executed = list((small_report / "report" / "notebooks").glob("*.ipynb"))
    assert len(executed) == 6
    for path in executed:
        text = path.read_text(encoding="utf-8")
        assert ".partial" not in text, path.name
        assert json.dumps(str(small_report.resolve()))[1:-1] in text
    assert not list(small_report.rglob("*.kernel.log")), "kernel logs ship in the deliverable"
    assert len(list(logs_dir(small_report).glob("*.kernel.log"))) == 6


def test_table_html_escapes_links_and_words_headers():
    frame = pd.DataFrame(
        {
            "close_date": pd.to_datetime(["2026-01-02", None]),
            "attempts": [2.0, None],
            "Salesforce record": ["<b>Acme</b>", None],
            "Salesforce record link": ['https://x.my.salesforce.com/"x', ""],
        }
    )
    html = table_html(frame)
    # A column with no value at all (a partial export) reads as empty cells.
    assert table_html(pd.DataFrame({"attempts": [None, None]}, dtype=float)).count("<td></td>") == 2
    assert "<th>Close date</th>" in html and "<th>Attempts</th>" in html
    assert '<td class="sfqb-num">2</td>' in html and "<NA>" not in html and "NaT" not in html
    assert '<a href="https://x.my.salesforce.com/&quot;x"' in html
    assert "&lt;b&gt;Acme&lt;/b&gt;</a>" in html and "Salesforce record link" not in html
    assert (
        plain_header("sf_id") == "Salesforce Id"
        and plain_header("Won (pre-tax)") == "Won (pre-tax)"
    )


def test_jupyterlab_tables_bring_their_script_and_the_report_loads_it_once(monkeypatch):
    from sfqb_diag import notebook as nb
    from sfqb_diag.notebook.tables import REPORT_ENV

    frame = pd.DataFrame({"amount_unbilled": ["36588.00", "0.00"], "reason": ["never", "void"]})
    monkeypatch.delenv(REPORT_ENV, raising=False)
    lab = nb.table(frame, limit=1).data
    assert "window.sfqbTables" in lab and "text-align: left" in lab
    assert 'data-page-size="1"' in lab and "<th>Amount unbilled</th>" in lab
    assert '<td class="sfqb-num">36,588.00</td>' in lab
    monkeypatch.setenv(REPORT_ENV, "1")
    report = nb.table(frame).data
    assert "<script" not in report and report.startswith('<table class="sfqb-table"')


def test_report_pages_carry_no_jupyterlab_instructions(small_report: Path, pages) -> None:
    """The review pager and pair_account are for JupyterLab users: their "lab-only" cells stay in
    the notebook and are left out of the HTML a finance reader opens."""
    notebook = json.loads(
        (Path(__file__).parents[1] / "notebooks" / "02_customers.ipynb").read_text(encoding="utf-8")
    )
    lab_only = [c for c in notebook["cells"] if "lab-only" in c["metadata"].get("tags", [])]
    assert any("pair_account" in "".join(c["source"]) for c in lab_only)
    for name, html in pages.items():
        text = re.sub(r"<(script|style).*?</(script|style)>", "", html, flags=re.S)
        assert "pair_account" not in text and "in JupyterLab" not in text, name
