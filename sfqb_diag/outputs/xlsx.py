"""fix_list.xlsx: the finance view. "Start here", then one sheet per area, most money first.

Amounts are numbers with a currency format per row, beside the amount in the QBO home currency
where the data carries a rate; each sheet ends with its total per currency (each record once,
waived findings left out, as in summary.json). Records are named as people know them (invoice
number, customer name) and open in Salesforce or QuickBooks from the cell. The review columns
(status, owner, note, until) are read back by the next run (outputs/xlsx_reviews.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import AREAS, SEVERITY_RANK
from sfqb_diag.outputs.coverage import AREA_TITLES, not_checked, not_checked_text, ran_words
from sfqb_diag.outputs.home_currency import home_amounts, home_currency
from sfqb_diag.outputs.links import quickbooks_links, salesforce_links
from sfqb_diag.outputs.record_labels import qb_labels, sf_labels
from sfqb_diag.outputs.safe_cells import neutralise, xlsx_safe
from sfqb_diag.outputs.summary import Summary, amount_at_risk, record_key
from sfqb_diag.outputs.xlsx_style import (
    FINDING_ID_HEADER,
    HEADER_FILL,
    REVIEW_HEADERS,
    REVIEW_STATUSES,
    START_SHEET,
    money_format,
    print_setup,
    safe_text,
)
from sfqb_diag.words import plural

WAIVED_FONT = Font(color="808080", italic=True)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    kind: str = "text"  # text, money, home, link_sf, link_qb, id, date


def sheet_columns(home: str | None) -> list[Column]:
    return [
        Column("severity", "Severity", 10),
        Column("title", "Problem", 60),
        Column("amount", "Amount at risk", 16, "money"),
        Column("currency", "Currency", 9),
        Column("home_amount", f"In {home} (home)" if home else "In home currency", 16, "home"),
        Column("suggested_action", "What to do", 60),
        Column("qb_label", "QuickBooks record", 44, "link_qb"),
        Column("qb_number", "QBO number", 12, "id"),
        Column("sf_label", "Salesforce record", 40, "link_sf"),
        Column("detail", "Details", 60),
        Column("home_basis", "Home-currency basis", 34),
        Column("sf_object", "SF object", 14),
        Column("sf_id", "SF Id", 20, "id"),
        Column("qb_entity", "QBO entity", 12),
        Column("qb_id", "QBO Id", 10, "id"),
        Column("review_status", REVIEW_HEADERS["review_status"], 14),
        Column("owner", REVIEW_HEADERS["owner"], 14),
        Column("review_note", REVIEW_HEADERS["review_note"], 30),
        Column("until", REVIEW_HEADERS["until"], 12, "date"),
        Column("finding_id", FINDING_ID_HEADER, 18, "id"),
    ]


def _until_cells(until: pd.Series) -> pd.Series:
    """A review's end as the reviewer wrote it: a date (through that day) or a UTC time."""
    if until.empty or not pd.api.types.is_datetime64_any_dtype(until):
        return pd.Series(None, index=until.index, dtype=object)
    naive = until.dt.tz_convert("UTC").dt.tz_localize(None)
    end_of_day = naive.dt.strftime("%H:%M:%S.%f").eq("23:59:59.999999")
    as_date = naive.dt.normalize().astype(object).where(end_of_day & naive.notna(), None)
    as_text = until.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object)
    return as_date.where(end_of_day, as_text.where(naive.notna(), None))


def fix_list_frame(
    findings: pd.DataFrame, data: Dataset | None, manifest: dict, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Every column of the area sheets, one row per finding, sorted for finance."""
    frame = findings.copy()
    for column in ("review_status", "owner", "review_note", "until", "waived"):
        if column not in frame:
            frame[column] = pd.NA
    frame["waived"] = frame["waived"].fillna(False).astype(bool)
    frame["amount"] = frame["amount_at_risk_cents"].astype("Float64") / 100
    frame = frame.join(home_amounts(frame, data, as_of))
    frame["home_amount"] = frame["home_cents"].astype("Float64") / 100
    frame = frame.join(qb_labels(data, frame))
    frame["sf_label"] = sf_labels(data, frame)
    frame["sf_link"] = salesforce_links(manifest, frame["sf_object"], frame["sf_id"])
    frame["qb_link"] = quickbooks_links(manifest, frame["qb_entity"], frame["qb_id"])
    frame["until_cell"] = _until_cells(frame["until"])
    # Active findings by money (home currency first, so currencies compare), waived at the end.
    frame = frame.assign(
        _money=frame["home_cents"].abs().fillna(frame["amount_at_risk_cents"].abs()).fillna(-1),
        _rank=frame["severity"].map(SEVERITY_RANK),
    )
    return frame.sort_values(
        ["waived", "_money", "_rank"], ascending=[True, False, True], kind="stable"
    )


def _header(sheet: Worksheet, columns: list[Column]) -> None:
    for col, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(col)].width = column.width


def _write_rows(
    sheet: Worksheet, rows: pd.DataFrame, columns: list[Column], home: str | None
) -> None:
    text_keys = [c.key for c in columns if c.kind not in ("money", "home", "date")]
    texts = xlsx_safe(neutralise(rows[text_keys])).astype(object).where(lambda f: f.notna(), None)
    # Plain lists per column: openpyxl takes a cell at a time, so nothing per cell goes to pandas.
    values: list[list] = []
    formats: list[list] = []
    for column in columns:
        if column.kind in ("money", "home"):
            amounts = rows[column.key].astype("Float64")
            values.append([None if pd.isna(a) else float(a) for a in amounts])
            currencies = rows["currency"] if column.kind == "money" else pd.Series(home, rows.index)
            formats.append([money_format(c) for c in currencies.astype(object)])
        elif column.kind == "date":
            values.append(rows["until_cell"].tolist())
            formats.append(["yyyy-mm-dd"] * len(rows))
        else:
            values.append([v if v != "" else None for v in texts[column.key].tolist()])
            # Ids and numbers stay text: Excel would mangle them
            formats.append(["@" if column.kind == "id" else None] * len(rows))
    sf_links, qb_links = rows["sf_link"].tolist(), rows["qb_link"].tolist()
    waived = rows["waived"].astype(bool).tolist()
    for i in range(len(rows)):
        for c, column in enumerate(columns):
            cell = sheet.cell(row=i + 2, column=c + 1, value=values[c][i])
            if formats[c][i]:
                cell.number_format = formats[c][i]
            if column.kind.startswith("link"):
                link = sf_links[i] if column.kind == "link_sf" else qb_links[i]
                if link and cell.value:
                    cell.hyperlink, cell.style = link, "Hyperlink"
            if waived[i]:
                cell.font = WAIVED_FONT


def _totals(sheet: Worksheet, rows: pd.DataFrame, columns: list[Column], home: str | None) -> None:
    """Below the rows: the money at risk per currency, each record once, waived left out."""
    active = rows[~rows["waived"]]
    keys = [c.key for c in columns]
    row = sheet.max_row + 2
    for currency, text in sorted(amount_at_risk(active).items()):
        sheet.cell(
            row=row,
            column=keys.index("title") + 1,
            value=safe_text(
                f"Total at risk in {currency} (each record counted once; waived findings left out)"
            ),
        ).font = Font(bold=True)
        cell = sheet.cell(row=row, column=keys.index("amount") + 1, value=float(text))
        cell.number_format, cell.font = money_format(currency), Font(bold=True)
        sheet.cell(row=row, column=keys.index("currency") + 1, value=safe_text(currency))
        row += 1
    money = active[active["home_cents"].notna()]
    if home and not money.empty:
        per_record = (
            money.assign(_key=record_key(money), _abs=money["home_cents"].abs())
            .groupby("_key")["_abs"]
            .max()
        )
        missing = active["amount_at_risk_cents"].notna() & active["home_cents"].isna()
        note = f"Total at risk in {home}, the home currency" + (
            f" ({plural(int(missing.sum()), 'amount')} without an exchange rate left out)"
            if missing.any()
            else ""
        )
        sheet.cell(row=row, column=keys.index("title") + 1, value=safe_text(note)).font = Font(
            bold=True
        )
        cell = sheet.cell(
            row=row, column=keys.index("home_amount") + 1, value=int(per_record.sum()) / 100
        )
        cell.number_format, cell.font = money_format(home), Font(bold=True)


def _area_sheet(
    book: Workbook, area: str, rows: pd.DataFrame, home: str | None, quiet: str
) -> Worksheet:
    """One area's sheet; without rows, `quiet` says why in its first row ('Not checked (no ...)'
    or 'Nothing found (12 of 15 checks ran)'), so it never looks like a clean area by omission."""
    sheet = book.create_sheet(AREA_TITLES[area][:31])
    columns = sheet_columns(home)
    _header(sheet, columns)
    _write_rows(sheet, rows, columns, home)
    if rows.empty:
        title = [c.key for c in columns].index("title") + 1
        sheet.cell(row=2, column=title, value=safe_text(quiet)).font = Font(bold=True)
    last = max(len(rows), 1) + 1
    keys = [c.key for c in columns]
    status = get_column_letter(keys.index("review_status") + 1)
    choices = DataValidation(
        type="list", formula1='"' + ",".join(REVIEW_STATUSES) + '"', allow_blank=True
    )
    choices.add(f"{status}2:{status}{last + 500}")  # room for rows finance may add
    sheet.add_data_validation(choices)
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    _totals(sheet, rows, columns, home)
    print_setup(sheet)
    return sheet


def write_fix_list(
    findings: pd.DataFrame,
    manifest: dict,
    summary: Summary,
    path: Path,
    data: Dataset | None = None,
    record_status: pd.DataFrame | None = None,
) -> None:
    """Write fix_list.xlsx; `data` (the checked Dataset) gives names, numbers and exchange rates;
    `record_status` (matches/record_status.csv) becomes the last sheet."""
    from sfqb_diag.outputs.xlsx_start import write_start_sheet
    from sfqb_diag.outputs.xlsx_status import write_status_sheet

    as_of = pd.Timestamp(summary.as_of)
    home = home_currency(data)
    frame = fix_list_frame(findings, data, manifest, as_of)
    book = Workbook()
    start = book.active
    start.title = START_SHEET
    placed = []
    unchecked = not_checked(summary)
    for area in AREAS:
        rows = frame[frame["area"] == area]
        quiet = (
            not_checked_text(unchecked[area])
            if area in unchecked
            else f"Nothing found ({ran_words(summary, area)})"
        )
        sheet = _area_sheet(book, area, rows, home, quiet)
        placed.append(rows.assign(_sheet=sheet.title, _row=range(2, len(rows) + 2)))
    located = pd.concat(placed) if placed else frame.assign(_sheet="", _row=0)
    write_start_sheet(start, located, summary, data, manifest, home)
    write_status_sheet(book, record_status)
    book.save(path)
