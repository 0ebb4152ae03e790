"""The "Record status" sheet of fix_list.xlsx: matches/record_status.csv for finance, the
records that are not in sync (the ones to work on), Ids kept as text, states in words. Records
in sync are counted below the table, not listed: the CSV lists every record, and a client of
100k accounts has some 330k of them, which would make the workbook slow to write and to open."""

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


def in_sync_note(count: int) -> str:
    """The line under the table saying what it leaves out."""
    return (
        f"{count:,} record(s) in sync are not listed here; matches/record_status.csv lists every "
        "record, in sync or not."
    )


def write_status_sheet(book: Workbook, rows: pd.DataFrame | None) -> None:
    """Append the sheet (nothing when the run made no record_status table)."""
    if rows is None:
        return
    order = {s: i for i, s in enumerate(STATE_WORDS)}
    in_sync = rows["status"].eq("in_sync").fillna(False).to_numpy(dtype=bool)
    shown = rows[~in_sync].sort_values("status", key=lambda s: s.map(order), kind="stable").copy()
    shown["status"] = shown["status"].map(STATE_WORDS).fillna(shown["status"])
    shown = xlsx_safe(neutralise(shown[list(COLUMNS)].astype("string").fillna("").astype(object)))
    sheet = book.create_sheet(SHEET)
    for col, (header, width) in enumerate(COLUMNS.values(), start=1):
        cell = sheet.cell(row=1, column=col, value=header)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
        sheet.column_dimensions[get_column_letter(col)].width = width
    for values in shown.itertuples(index=False):  # openpyxl writes cell by cell
        sheet.append([str(v) for v in values])  # Ids stay text
    last = max(sheet.max_row, 1)
    if rows.empty:
        sheet.cell(row=2, column=1, value=NO_RECORDS).font = Font(bold=True)
    elif in_sync.any():
        sheet.cell(row=last + 2, column=1, value=in_sync_note(int(in_sync.sum()))).font = Font(
            bold=True
        )
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last}"
    print_setup(sheet)
