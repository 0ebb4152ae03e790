"""Tables a finance reader can work from: plain headers, no `<NA>`, whole numbers, record links.

The same HTML serves the report and JupyterLab. In the report each page loads the one
sfqb-tables.js the folder ships (sorting, filters, search, pages); in JupyterLab the script is
sent inline with the table, because a live kernel's outputs are trusted and there is no report
folder to load it from. `SFQB_REPORT` (set by the report runner for its kernels) tells them apart.
"""

from __future__ import annotations

import os
from html import escape
from typing import Any

import pandas as pd

from sfqb_diag.outputs.html_table import table_html
from sfqb_diag.resources import resource_dir

REPORT_ENV = "SFQB_REPORT"
EMBEDDED_ROWS = 500  # rows carried in the page for search and paging; the CSVs hold every row
_LAB_STYLE = """<style>
.jp-RenderedHTMLCommon table.sfqb-table th, .jp-RenderedHTMLCommon table.sfqb-table td {
  text-align: left; vertical-align: top; max-width: 32em; white-space: normal; }
.sfqb-bar { margin: 4px 0; } .sfqb-bar input, .sfqb-bar button { margin-right: 8px; }
table.sfqb-table th.sfqb-sortable { cursor: pointer; } table.sfqb-table td.sfqb-num { white-space: nowrap; } .sfqb-filters input { width: 7em; }
</style>"""


# What an empty table means, in words: a table `check` did not write (its inputs were missing)
# is not the same news as one it wrote with nothing in it.
NOT_WRITTEN = (
    "Not computed in this run: the files it needs are not in the raw folder "
    "(the overview lists what was not checked)."
)
NOTHING_FOUND = "None found: nothing of this kind in this run."


def table(frame: pd.DataFrame | None, limit: int = 25, empty: str = NOTHING_FOUND) -> Any:
    """A table for the report and JupyterLab: `limit` rows a page, sortable and searchable.
    Without rows it says why: `empty` for a table with nothing in it, NOT_WRITTEN for None."""
    from IPython.display import HTML

    if frame is None or frame.empty:
        unwritten = frame is None or frame.attrs.get("not_written", False)
        return HTML(f"<p><em>{escape(NOT_WRITTEN if unwritten else empty)}</em></p>")
    note = (
        f"<p><em>The page carries the first {EMBEDDED_ROWS:,} of {len(frame):,} rows; "
        "the full list is in the CSV files.</em></p>"
        if len(frame) > EMBEDDED_ROWS
        else ""
    )
    html = table_html(frame.head(EMBEDDED_ROWS).reset_index(drop=True), limit) + note
    if os.environ.get(REPORT_ENV):
        return HTML(html)  # the report page loads sfqb-tables.js once
    script = (resource_dir("templates") / "nbconvert" / "sfqb" / "sfqb-tables.js").read_text(
        encoding="utf-8"
    )
    return HTML(_LAB_STYLE + html + f"<script>{script}</script>")
