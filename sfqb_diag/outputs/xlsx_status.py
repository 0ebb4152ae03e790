"""The "Record status" sheet of fix_list.xlsx: matches/record_status.csv for finance, every
record that is not in sync first, Ids kept as text, states in words."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sfqb_diag.outputs.safe_cells import neutralise, xlsx_safe
from sfqb_diag.outputs.xlsx_style import HEADER_FILL, print_setup

SHEET = "Record status"
STATE_WORDS = {
    "conflict": "in conflict (the two sides disagree)",
    "deleted_in_qb": "deleted in QuickBooks",
    "changed_in_qb": "changed in QuickBooks since the last sync",
    "changed_in_sf": "changed in Salesforce since the last sync",
    "sf_only": "only in Salesforce",
    "qb_only": "only in QuickBooks",
    "in_sync": "in sync",
}
# Said on an empty sheet, so it never looks broken: the table pairs records across the systems.
NO_RECORDS = (
    "No records to compare: this sheet pairs Salesforce records with the QuickBooks records they "
    "sync to, and this run had only one side, or no links between them."
)
# column -> (header, width)
COLUMNS = {
    "status": ("State", 38),
    "sf_object": ("Salesforce object", 16),
    "sf_name": ("Salesforce record", 36),
    "sf_id": ("Salesforce Id", 20),
    "qb_entity": ("QuickBooks entity", 16),
    "qb_name": ("QuickBooks record", 36),
    "qb_id": ("QuickBooks Id", 14),
    "finding_ids": ("Findings that explain it", 40),
}


def write_status_sheet(book: Workbook, rows: pd.DataFrame | None) -> None:
    """Append the sheet (nothing when the run made no record_status table)."""
    if rows is None:
        return
    order = {s: i for i, s in enumerate(STATE_WORDS)}
    shown = rows.sort_values("status", key=lambda s: s.map(order), kind="stable").copy()
    shown["status"] = shown["status"].map(STATE_WORDS).fillna(shown["status"])
    shown = xlsx_safe(neutralise(shown[list(COLUMNS)].astype("string").fillna("").astype(object)))
    sheet = book.create_sheet(SHEET)
    for col, (header, width) in enumerate(COLUMNS.values(), start=1):
        cell = sheet.cell(row=1, column=col, value=header)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
        sheet.column_dimensions[get_column_letter(col)].width = width
    for values in shown.itertuples(index=False):  # openpyxl writes cell by cell
        sheet.append([str(v) for v in values])  # Ids stay text
    if shown.empty:
        sheet.cell(row=2, column=1, value=NO_RECORDS).font = Font(bold=True)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(sheet.max_row, 1)}"
    print_setup(sheet)
