"""What every sheet of fix_list.xlsx shares: sheet and review-column names, number formats,
safe text cells and print setup (the writer, the "Start here" sheet and the reader use them)."""

from __future__ import annotations

import re

import pandas as pd
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from sfqb_diag.outputs.safe_cells import neutralise, xlsx_safe

START_SHEET = "Start here"
FINDING_ID_HEADER = "Finding id"
# The columns finance fills; xlsx_reviews reads them back under these headers.
REVIEW_HEADERS = {
    "review_status": "Review status",
    "owner": "Owner",
    "review_note": "Reviewer note",
    "until": "Until",
}
REVIEW_STATUSES = ("open", "accepted", "waived", "fixed")
# ISO 4217 currencies without a minor unit: shown without decimals.
NO_DECIMALS = {"JPY", "KRW", "CLP", "ISK", "VND", "XAF", "XOF", "PYG", "UGX"}
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")


def money_format(currency: object) -> str:
    """'#,##0.00 "USD"': thousands separators and the currency code, per row."""
    code = (
        str(currency) if isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency) else ""
    )
    number = "#,##0" if code in NO_DECIMALS else "#,##0.00"
    return f'{number} "{code}"' if code else number


def safe_text(text: str) -> str:
    """One text cell, neutralised like the frames (openpyxl runs a string starting '=')."""
    return str(xlsx_safe(neutralise(pd.DataFrame({"v": [text]}, dtype=object)))["v"].iloc[0])


def print_setup(sheet: Worksheet, repeat_header: bool = True) -> None:
    """Landscape, one page wide, the header row on every printed page."""
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if repeat_header:
        sheet.print_title_rows = "1:1"
