"""The "Start here" sheet of fix_list.xlsx: whose data, as of when, what to fix first, how to use it.

The ten fixes with the most money at stake are ranked in the home currency (each record once,
waived findings left out), so a 1.00 USD sandbox invoice never outranks a six-figure problem;
severity is a column, not the sort key. Each row links to its line in the area sheet.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd
from openpyxl.styles import Font
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from sfqb_diag.dataset import Dataset
from sfqb_diag.outputs.coverage import coverage_table, money_words
from sfqb_diag.outputs.summary import Summary, record_key
from sfqb_diag.outputs.xlsx_style import (
    FINDING_ID_HEADER,
    HEADER_FILL,
    REVIEW_HEADERS,
    REVIEW_STATUSES,
    money_format,
    print_setup,
    safe_text,
)
from sfqb_diag.words import money, plural

TOP = 10
TOP_COLUMNS = [
    ("#", 5),
    ("Sheet (opens the row)", 28),
    ("Severity", 10),
    ("Problem", 60),
    ("Amount at risk", 16),
    ("Currency", 9),
    ("In home currency", 16),
    ("Record", 44),
    ("What to do", 60),
]


def client_lines(data: Dataset | None, manifest: dict) -> tuple[str, str]:
    """The client's name (QBO CompanyName, else the Salesforce org) and where the data came from."""
    info = data.get("company_info") if data is not None else None
    company = None
    if info is not None and not info.empty:
        names = info.get("company_name", pd.Series(dtype="string")).dropna()
        legal = info.get("legal_name", pd.Series(dtype="string")).dropna()
        company = (
            str(names.iloc[0])
            if not names.empty
            else (str(legal.iloc[0]) if not legal.empty else None)
        )
    sf = manifest.get("salesforce") or {}
    qb = manifest.get("quickbooks") or {}
    host = urlparse(str(sf.get("instance_url") or "")).hostname
    org = host or sf.get("org_id")
    parts = []
    if company or qb.get("realm_id"):
        where = ", ".join(
            str(v)
            for v in (qb.get("realm_id") and f"realm {qb['realm_id']}", qb.get("environment"))
            if v
        )
        parts.append(
            f"QuickBooks company: {company or 'name not in the data'}"
            + (f" ({where})" if where else "")
        )
    if org:
        extra = ", ".join(
            v
            for v in (
                sf.get("org_id") if host else None,
                "sandbox" if sf.get("is_sandbox") else None,
            )
            if v
        )
        parts.append(f"Salesforce org: {org}" + (f" ({extra})" if extra else ""))
    return company or org or "the client (not named in the data)", ". ".join(parts)


def top_fixes(located: pd.DataFrame) -> pd.DataFrame:
    """The unwaived findings with the most money at stake, one per record, biggest first."""
    active = located[~located["waived"]]
    money_rows = active[active["amount_at_risk_cents"].notna()]
    # When no finding carries money (a customers-only diagnosis), the most severe come first.
    ranked = (money_rows if not money_rows.empty else active).sort_values(
        ["_money", "_rank"], ascending=[False, True], kind="stable"
    )
    return ranked[~record_key(ranked).duplicated()].head(TOP)


def _overview(summary: Summary, located: pd.DataFrame, home: str | None) -> str:
    text = (
        f"{plural(summary.findings, 'finding')} to work on ({summary.waived:,} waived, not "
        "counted). "
        f"Money at risk: {money_words(summary)}."
    )
    active = located[~located["waived"] & located["home_cents"].notna()]
    if home and not active.empty:
        total = active.assign(_key=record_key(active), _abs=active["home_cents"].abs())
        cents = int(total.groupby("_key")["_abs"].max().sum())
        text += f" In {home}, the home currency: {money(cents, home)} (see 'Home-currency basis')."
    return text


def _help(home: str | None, amounts: bool) -> list[str]:
    """How to read the sheets; the home-currency note only where there are amounts to convert."""
    statuses = ", ".join(REVIEW_STATUSES)
    currency = (
        f"'In {home} (home)' converts each amount to the QBO home currency: with the transaction's "
        "own exchange rate (or its HomeTotalAmt) when the finding is on a QBO invoice, credit memo or "
        "sales receipt, otherwise with the latest rate QBO recorded for that currency, an estimate. "
        "'Home-currency basis' says which; the cell is empty where the data has no rate."
        if home
        else "The data has no QBO Preferences, so the home currency is unknown: the home-currency "
        "column is empty and the fixes above are ranked by amount whatever their currency."
    )
    return [
        "Each area sheet is one kind of problem, the most money at risk first; waived findings are at "
        "the bottom, in grey. Work top to bottom; filters and sorting work on every column.",
        "Severity: critical = money is wrong now; high = money at risk soon; medium = the next sync will "
        "fail or corrupt; low = hygiene; info = context, no action needed.",
        "'Amount at risk' is a number in the row's currency (sum it, sort it). Each sheet ends with its "
        "total per currency, counting each record once and leaving waived findings out.",
        *([currency] if amounts else []),
        "'QuickBooks record' and 'Salesforce record' name the record (invoice number, customer name) and "
        "open it when clicked. The Ids are in the Id columns, kept as text. QuickBooks opens a link "
        "in the company you are signed in to: if you work in several companies, switch to the one "
        "named at the top of this sheet first.",
        f"To record a decision, fill '{REVIEW_HEADERS['review_status']}' ({statuses}), "
        f"'{REVIEW_HEADERS['owner']}', '{REVIEW_HEADERS['review_note']}' and, for a waiver, "
        f"'{REVIEW_HEADERS['until']}' (a date: the waiver lasts through that day) on the finding's row. "
        "A waived finding stays listed but stops failing scheduled runs until that date.",
        "Save the workbook as fix_list.xlsx in the client folder, beside raw/ (where reviews.csv "
        "would be), or give it to the next run with --reviews fix_list.xlsx: the next fix list shows "
        f"your entries. Keep the '{FINDING_ID_HEADER}' column and the headers as they are.",
        "Printing: each sheet prints landscape, one page wide, with its header row on every page.",
    ]


def _top_table(sheet: Worksheet, top: pd.DataFrame, first_row: int, home: str | None) -> int:
    for col, (header, width) in enumerate(TOP_COLUMNS, start=1):
        cell = sheet.cell(
            row=first_row,
            column=col,
            value=header.replace("home currency", home or "home currency"),
        )
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
        sheet.column_dimensions[cell.column_letter].width = width
    for n, (_, fix) in enumerate(top.iterrows(), start=1):
        row = first_row + n
        record = fix["qb_label"] if pd.notna(fix["qb_label"]) else fix["sf_label"]
        link = fix["qb_link"] if pd.notna(fix["qb_label"]) else fix["sf_link"]
        values = [
            n,
            fix["_sheet"],
            fix["severity"],
            fix["title"],
            fix["amount"],
            fix["currency"],
            fix["home_amount"],
            record,
            fix["suggested_action"],
        ]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=col)
            cell.value = (
                None
                if value is None or (not isinstance(value, str) and pd.isna(value))
                else (safe_text(value) if isinstance(value, str) else value)
            )
        sheet.cell(row=row, column=5).number_format = money_format(fix["currency"])
        sheet.cell(row=row, column=7).number_format = money_format(home)
        target = sheet.cell(row=row, column=2)
        target.hyperlink = Hyperlink(
            ref=target.coordinate, location=f"'{fix['_sheet']}'!A{fix['_row']}"
        )
        target.style = "Hyperlink"
        if link:
            sheet.cell(row=row, column=8).hyperlink = link
            sheet.cell(row=row, column=8).style = "Hyperlink"
    return first_row + len(top)


def _not_checked(sheet: Worksheet, summary: Summary, row: int) -> int:
    """What was not checked and which inputs were missing; returns the next free row + 1."""
    table = coverage_table(summary)
    heading = "What was not checked" if len(table) else "Every check ran"
    sheet.cell(row=row, column=1, value=heading).font = Font(bold=True, size=13)
    if table.empty:
        sheet.cell(row=row + 1, column=1, value="Every check had the files it needs.")
        return row + 3
    for col, header in enumerate(table.columns, start=2):
        cell = sheet.cell(row=row + 1, column=col, value=header)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
    for n, values in enumerate(table.itertuples(index=False), start=row + 2):
        for col, value in enumerate(values, start=2):
            sheet.cell(row=n, column=col, value=safe_text(str(value)))
    return row + len(table) + 3


def write_start_sheet(
    sheet: Worksheet,
    located: pd.DataFrame,
    summary: Summary,
    data: Dataset | None,
    manifest: dict,
    home: str | None,
) -> None:
    """Fill the first sheet; `located` is the fix list frame with each row's `_sheet` and `_row`."""
    client, source = client_lines(data, manifest)
    as_of = f"{summary.as_of[:16].replace('T', ' ')} UTC ({summary.as_of_source})"
    sheet.cell(row=1, column=1, value=safe_text(f"Fix list: {client}")).font = Font(
        bold=True, size=16
    )
    sheet.cell(row=2, column=1, value=safe_text(f"Data as of {as_of}. {source}".strip()))
    sheet.cell(row=3, column=1, value=safe_text(_overview(summary, located, home)))
    sheet.cell(row=5, column=1, value=f"The {TOP} fixes with the most money at stake").font = Font(
        bold=True, size=13
    )
    top = top_fixes(located)
    last = _top_table(sheet, top, 6, home)
    if top.empty:
        sheet.cell(row=7, column=1, value=safe_text(money_words(summary).capitalize() + "."))
        last = 7
    row = _not_checked(sheet, summary, last + 2)
    sheet.cell(row=row, column=1, value="How to use these sheets").font = Font(bold=True, size=13)
    for n, line in enumerate(_help(home, bool(summary.amount_at_risk)), start=row + 1):
        sheet.cell(row=n, column=1, value=safe_text(line))
    print_setup(sheet, repeat_header=False)
