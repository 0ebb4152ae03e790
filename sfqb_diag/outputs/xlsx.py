"""fix_list.xlsx: the finance view. A read-me sheet, then one sheet per area, most money first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sfqb_diag.findings import AREAS, SEVERITY_RANK, format_cents
from sfqb_diag.outputs.links import quickbooks_links, salesforce_links
from sfqb_diag.outputs.safe_cells import neutralise, xlsx_safe

AREA_TITLES = {
    "auth_env": "Connections & environments",
    "customers": "Customers",
    "products": "Products & lines",
    "partial_sync": "Missing or partial syncs",
    "sync_jobs": "Sync jobs & duplicates",
}
SHEET_COLUMNS = [
    ("severity", "Severity", 10),
    ("title", "Problem", 60),
    ("amount", "Amount at risk", 16),
    ("currency", "Currency", 9),
    ("suggested_action", "What to do", 60),
    ("sf_name", "Salesforce record", 32),
    ("sf_link", "Open in Salesforce", 20),
    ("qb_name", "QuickBooks record", 32),
    ("qb_link", "Open in QuickBooks", 20),
    ("detail", "Details", 60),
    ("sf_object", "SF object", 14),
    ("sf_id", "SF Id", 20),
    ("qb_entity", "QBO entity", 12),
    ("qb_id", "QBO Id", 10),
    ("review_status", "Review status", 14),
    ("owner", "Owner", 14),
    ("review_note", "Reviewer note", 30),
    ("finding_id", "Finding id", 18),
]
TEXT_COLUMNS = {"sf_id", "qb_id", "finding_id"}  # Ids stay text: Excel would mangle long numbers


def _readme(book: Workbook, summary: dict[str, Any]) -> None:
    sheet = book.active
    sheet.title = "Read me"
    money = ", ".join(f"{v} {c}" for c, v in summary["amount_at_risk"].items()) or "none"
    lines = [
        ("sfqb-diag fix list", True),
        (
            f"Data as of {summary['as_of'][:16].replace('T', ' ')} UTC. {summary['findings']} findings; "
            f"money at risk: {money}.",
            False,
        ),
        (
            "Each sheet is one kind of problem, the most money at risk first. Work top to bottom.",
            False,
        ),
        (
            "Severity: critical = money is wrong now; high = money at risk soon; medium = the next sync "
            "will fail or corrupt; low = hygiene; info = context, no action needed.",
            False,
        ),
        (
            "'Open in Salesforce' and 'Open in QuickBooks' take you to the record. Ids are kept as text.",
            False,
        ),
        (
            "Reviewers: record status, owner and notes in reviews.csv by finding id; they show here next run.",
            False,
        ),
    ]
    for row, (text, bold) in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=text).font = Font(bold=bold, size=14 if bold else 11)
    sheet.column_dimensions["A"].width = 120


def _area_sheet(book: Workbook, area: str, rows: pd.DataFrame) -> None:
    sheet = book.create_sheet(AREA_TITLES[area][:31])
    for col, (_, header, width) in enumerate(SHEET_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
        sheet.column_dimensions[get_column_letter(col)].width = width
    values = (
        xlsx_safe(neutralise(rows[[key for key, _, _ in SHEET_COLUMNS]]))
        .astype(object)
        .where(lambda f: f.notna(), None)
    )
    for r, record in enumerate(values.itertuples(index=False), start=2):
        for c, ((key, _, _), value) in enumerate(zip(SHEET_COLUMNS, record, strict=True), start=1):
            cell = sheet.cell(row=r, column=c, value=value if value != "" else None)
            if key in TEXT_COLUMNS:
                cell.number_format = "@"
            elif key in ("sf_link", "qb_link") and value:
                cell.hyperlink, cell.value, cell.style = value, "open", "Hyperlink"
            elif key in ("title", "suggested_action", "detail"):
                cell.alignment = Alignment(wrap_text=False, vertical="top")
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(SHEET_COLUMNS))}{max(len(rows), 1) + 1}"


def write_fix_list(
    findings: pd.DataFrame, manifest: dict, summary: dict[str, Any], path: Path
) -> None:
    frame = findings.copy()
    frame["amount"] = format_cents(frame["amount_at_risk_cents"])
    frame["sf_link"] = salesforce_links(manifest, frame["sf_object"], frame["sf_id"])
    frame["qb_link"] = quickbooks_links(manifest, frame["qb_entity"], frame["qb_id"])
    for column in ("review_status", "owner", "review_note"):
        if column not in frame:
            frame[column] = pd.NA
    frame = frame.assign(
        _abs=frame["amount_at_risk_cents"].abs().fillna(-1),
        _rank=frame["severity"].map(SEVERITY_RANK),
    )
    book = Workbook()
    _readme(book, summary)
    for area in AREAS:
        rows = frame[frame["area"] == area].sort_values(
            ["_abs", "_rank"], ascending=[False, True], kind="stable"
        )
        _area_sheet(book, area, rows)
    book.save(path)
