"""Notebooks: thin, stripped, one parameters cell; executed by papermill; HTML readable offline."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from sfqb_diag.reporting.runner import PARAMETERS, validate_parameters
from sfqb_diag.resources import notebook_paths

NOTEBOOKS = notebook_paths()


def test_there_is_an_overview_and_a_notebook_per_area():
    names = [p.name for p in NOTEBOOKS]
    assert names[0] == "00_overview.ipynb"
    assert len(names) == len(set(names))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_stripped_and_parameterised(path: Path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert code[0] is tagged[0], "the parameters cell is the first code cell"
    validate_parameters(path)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, "commit notebooks without outputs"
        tree = ast.parse(cell.source)
        defs = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        ]
        assert not defs, "logic lives in the package: no def or class in notebooks"
        assert len(tree.body) <= 6, "short cells (a few statements): move logic into the package"
        assert ".show()" not in cell.source, (
            "use sfqb_diag.notebook.show(fig) so charts render offline"
        )
    params = ast.parse(tagged[0].source)
    assigned = {
        t.id
        for n in params.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    assert assigned == set(PARAMETERS)


def _figures(html: str) -> list[dict]:
    """The data of every plotly figure on a page: Plotly.newPlot(id, data, layout, config)."""
    found = []
    for match in re.finditer(
        r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\])\s*,\s*\{', html, flags=re.S
    ):
        found.append(json.loads(match.group(1)))
    return found


def test_report_pages_render_offline_with_their_charts(small_report: Path):
    report = small_report / "report"
    assert (report / "plotly.min.js").stat().st_size > 1_000_000  # one copy for the whole folder
    pages = sorted(report.glob("*.html"))
    assert {p.name for p in pages} == {"index.html"} | {p.stem + ".html" for p in NOTEBOOKS}
    index = (report / "index.html").read_text(encoding="utf-8")
    for notebook in NOTEBOOKS:
        assert f'href="{notebook.stem}.html"' in index
    for page in pages:
        html = page.read_text(encoding="utf-8")
        sources = re.findall(r'<script[^>]+src="([^"]+)"', html)
        assert all(not s.startswith(("http:", "https:", "//")) for s in sources), (
            page.name,
            sources,
        )
        assert not re.search(r'<link[^>]+href="https?:', html), page.name
        assert page.stat().st_size < 3_000_000, "plotly.js must not be embedded in every page"
        if page.name != "index.html":
            assert 'src="plotly.min.js"' in html
            assert "hl-ipython3" not in html and "In&nbsp;[" not in html, "code cells are hidden"
    overview = (report / "00_overview.html").read_text(encoding="utf-8")
    figures = _figures(overview)
    assert figures, "the overview holds its charts"
    assert any(trace.get("x") or trace.get("y") for figure in figures for trace in figure)


def test_executed_notebooks_hold_no_secret_parameters(small_report: Path):
    for executed in (small_report / "report" / "notebooks").glob("*.ipynb"):
        parameters = nbformat.read(executed, as_version=4).metadata["papermill"]["parameters"]
        assert set(parameters) == set(PARAMETERS)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["customers_only", "deals_only"])
def test_report_renders_every_page_on_a_partial_export(tmp_path: Path, kind: str) -> None:
    """Every file is optional: a folder with only QBO customers (a clean-up job), or only deals
    and invoices, still gets every HTML page (charts empty, skipped checks listed)."""
    from sfqb_diag.pipeline import CheckOptions
    from sfqb_diag.reporting.runner import run_report

    raw = tmp_path / "raw"
    (raw / "quickbooks").mkdir(parents=True)
    if kind == "customers_only":
        customers = [
            {"Id": "1", "DisplayName": "Acme Inc.", "Active": True},
            {"Id": "2", "DisplayName": "Acme Inc. (2)", "Active": True},
        ]
        (raw / "quickbooks" / "Customer.json").write_text(
            json.dumps({"QueryResponse": {"Customer": customers}}), encoding="utf-8"
        )
    else:
        (raw / "salesforce").mkdir()
        (raw / "salesforce" / "Opportunity.csv").write_text(
            "Id,Name,Amount,CloseDate,IsWon,StageName,QBO_Invoice_Id__c\n"
            "006000000000001,Acme renewal,700.00,2026-10-05,true,Closed Won,101\n",
            encoding="utf-8",
        )
        invoice = {
            "Id": "101",
            "DocNumber": "1001",
            "TxnDate": "2026-10-06",
            "TotalAmt": 700.0,
            "CustomerRef": {"value": "1", "name": "Acme"},
            "Line": [{"Amount": 700.0, "DetailType": "SalesItemLineDetail"}],
        }
        (raw / "quickbooks" / "Invoice.json").write_text(json.dumps([invoice]), encoding="utf-8")
    run_report(CheckOptions(raw=raw, out=tmp_path / "out", as_of="2026-11-20T00:00:00Z"))
    pages = {p.name for p in (tmp_path / "out" / "report").glob("*.html")}
    assert pages == {"index.html"} | {p.stem + ".html" for p in NOTEBOOKS}
