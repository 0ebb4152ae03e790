"""Drill-down from a chart to its records: the hint under each chart a table follows.

sfqb-tables.js makes a click on a plotly chart search the first table after it, in the same
section (before the next `#`/`##` heading), for the clicked label (issue 16). The reader only
finds that out if the page says so, and only charts with such a table can do it: those get one
line under them, written here when the executed notebook becomes HTML (generic: no notebook
names its charts or tables for this). A table in a later section is about something else.
"""

from __future__ import annotations

import re
from typing import Any

HINT = '<p class="sfqb-hint"><em>Tip: click a bar to see its records in the table below.</em></p>'
_CHART = "plotly-graph-div"  # the class plotly's to_html gives every figure's div
_TABLE = "sfqb-table"  # the class nb.table gives every table
_SECTION = re.compile(r"^#{1,2}\s", flags=re.MULTILINE)  # renders as the h1/h2 the script stops at


def _html(output: Any) -> str:
    text = output.get("data", {}).get("text/html", "")
    return "".join(text) if isinstance(text, list) else str(text)


def add_drill_hints(notebook: Any) -> int:
    """Append HINT to every chart output of `notebook` (an nbformat node, changed in place) that
    a table output follows in the same section; return how many charts got it."""
    section, sections, outputs = 0, [], []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and _SECTION.search(cell.source):
            section += 1
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if _html(output):
                sections.append(section)
                outputs.append(output)
    tables = [_TABLE in _html(output) for output in outputs]
    hinted = 0
    for n, output in enumerate(outputs):
        html = _html(output)
        later = [
            t for t, s in zip(tables[n + 1 :], sections[n + 1 :], strict=True) if s == sections[n]
        ]
        if _CHART in html and any(later) and HINT not in html:
            output["data"]["text/html"] = html + HINT
            hinted += 1
    return hinted
