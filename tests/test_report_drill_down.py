"""Drill-down from a chart to its records: the click handler in the table script, and the hint
under every chart a table follows (and under no other)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import plotly.express as px

from sfqb_diag.outputs.html_table import table_html
from sfqb_diag.reporting.drill_down import HINT, add_drill_hints
from sfqb_diag.reporting.runner import Page, to_html
from sfqb_diag.resources import resource_dir


def _html_output(html: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": html})


def _chart() -> str:
    fig = px.bar(
        pd.DataFrame({"customer": ["Acme Corp", "Globex"], "amount": [10, 20]}),
        x="customer",
        y="amount",
    )
    return fig.to_html(full_html=False, include_plotlyjs=False)


def _notebook(*outputs: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Customers: who is linked?")]
    for html in outputs:
        cell = nbformat.v4.new_code_cell("nb.show(fig)")
        cell.outputs = [_html_output(html)]
        notebook.cells.append(cell)
    return notebook


def test_the_table_script_searches_the_table_after_a_clicked_chart():
    script = (resource_dir("templates") / "nbconvert" / "sfqb" / "sfqb-tables.js").read_text(
        encoding="utf-8"
    )
    assert 'chart.on("plotly_click"' in script
    assert 'point.data.orientation === "h" ? point.y : point.x' in script
    assert "table.sfqbSearch(String(label))" in script and "scrollIntoView" in script
    assert ".js-plotly-plot" in script
    assert 'querySelectorAll("h1, h2")' in script  # a later section's table is not the chart's


def test_a_chart_followed_by_a_table_carries_the_hint(tmp_path: Path):
    table = table_html(pd.DataFrame({"Customer": ["Acme Corp", "Globex"]}), 25)
    executed = tmp_path / "01_customers.ipynb"
    # chart, table, then a last chart with no table after it
    nbformat.write(_notebook(_chart(), table, _chart()), executed)
    page = Page(executed, "Customers: who is linked?")
    target = tmp_path / "01_customers.html"
    to_html(executed, target, [page], page)
    html = target.read_text(encoding="utf-8")
    assert html.count("click a bar to see its records") == 1
    table_at = html.index('<table class="sfqb-table"')
    assert html.index("click a bar") < table_at < html.rindex('class="plotly-graph-div"')


def test_hints_only_where_a_table_follows_and_only_once():
    table = table_html(pd.DataFrame({"Customer": ["Acme Corp"]}), 25)
    notebook = _notebook(_chart(), _chart(), table, _chart())
    assert add_drill_hints(notebook) == 2
    assert add_drill_hints(notebook) == 0  # converting twice adds nothing
    htmls = [cell.outputs[0]["data"]["text/html"] for cell in notebook.cells[1:]]
    assert [HINT in html for html in htmls] == [True, True, False, False]
    assert add_drill_hints(_notebook(table, _chart())) == 0


def test_a_table_in_a_later_section_is_not_the_charts_records():
    table = table_html(pd.DataFrame({"Customer": ["Acme Corp"]}), 25)
    notebook = _notebook(_chart())
    notebook.cells.append(nbformat.v4.new_markdown_cell("## Prices\n\nSomething else."))
    cell = nbformat.v4.new_code_cell("nb.table(prices)")
    cell.outputs = [_html_output(table)]
    notebook.cells.append(cell)
    assert add_drill_hints(notebook) == 0
