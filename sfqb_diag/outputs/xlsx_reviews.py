"""Reading a filled-in fix_list.xlsx back as the reviews file, so finance never edits a CSV.

Every area sheet has the review columns (Review status, Owner, Reviewer note, Until) beside the
Finding id. A row whose review cells are all empty is no review; a row with an owner or a note
but no status is `open`. The result has the shape of reviewer_files.read_reviews: finding_id,
status, owner, note (text) and until (UTC; a bare date means through that day). Bad cells are
reported together, each with its sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from sfqb_diag.errors import InputError, Problem
from sfqb_diag.outputs.xlsx_style import FINDING_ID_HEADER, REVIEW_HEADERS, REVIEW_STATUSES
from sfqb_diag.sources.reviewer_files import read_reviews

COLUMNS = ["finding_id", "status", "owner", "note", "until"]
_FIELDS = {
    FINDING_ID_HEADER: "finding_id",
    REVIEW_HEADERS["review_status"]: "status",
    REVIEW_HEADERS["owner"]: "owner",
    REVIEW_HEADERS["review_note"]: "note",
    REVIEW_HEADERS["until"]: "until",
}


def _cell_text(value: object) -> object:
    """Cells as text, except Excel dates (kept to tell a bare date from a time)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value
    text = str(value).strip()
    # Undo the apostrophe our writer put before a formula-like note, so it does not pile up.
    return text[1:] if text[:2] in {"'=", "'+", "'-", "'@"} else text


def _cells(path: Path) -> pd.DataFrame:
    """The review cells of every sheet that has a Finding id column, with sheet and row."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise InputError([Problem(path.name, f"cannot be read as a workbook ({error})")]) from error
    frames = []
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
            if FINDING_ID_HEADER not in header:
                continue
            where = {field: header.index(h) for h, field in _FIELDS.items() if h in header}
            body = pd.DataFrame(list(rows), dtype=object)
            frame = pd.DataFrame(
                {
                    field: body[where[field]] if field in where and where[field] in body else None
                    for field in COLUMNS
                },
                index=body.index,
            )
            frames.append(frame.assign(_sheet=sheet.title, _row=body.index + 2))
    finally:
        book.close()
    if not frames:
        raise InputError(
            [Problem(path.name, f"no sheet has a '{FINDING_ID_HEADER}' column: is it a fix list?")]
        )
    cells = pd.concat(frames, ignore_index=True)
    for field in COLUMNS:
        cells[field] = cells[field].map(_cell_text)
    return cells


def _until(cells: pd.DataFrame, path: Path) -> tuple[pd.Series, list[Problem]]:
    """Dates through the end of that day; ISO times as given (UTC when no zone)."""
    raw = cells["until"].astype(object)  # Arrow text would turn the masks below into text
    is_date = raw.map(lambda v: isinstance(v, dt.date | dt.datetime)).astype(bool)
    text = raw.where(~is_date, "").astype("string").str.strip()
    parsed = pd.to_datetime(text.replace("", None), utc=True, errors="coerce", format="ISO8601")
    stamped = pd.to_datetime(raw.where(is_date), errors="coerce").dt.tz_localize("UTC")
    midnight = stamped.dt.strftime("%H:%M:%S").eq("00:00:00").fillna(False).astype(bool)
    bare = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool) | (
        is_date & midnight
    )
    until = parsed.fillna(stamped)
    until = until.mask(bare, until + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1))
    bad = text.ne("") & parsed.isna()
    problems = [
        Problem(
            f"{path.name}, sheet {cells['_sheet'].iloc[i]}",
            f"{text.iloc[i]!r} is not a date",
            line=int(cells["_row"].iloc[i]),
            column=REVIEW_HEADERS["until"],
        )
        for i in bad[bad].index[:20]
    ]
    return until, problems


def read_xlsx_reviews(path: Path) -> pd.DataFrame:
    """The reviews a fix_list.xlsx holds, in reviewer_files.read_reviews' shape."""
    path = Path(path)
    cells = _cells(path)
    filled = cells[["status", "owner", "note"]].ne("").any(axis=1) | cells["until"].ne("")
    cells = cells[filled & cells["finding_id"].ne("")].reset_index(drop=True)
    status = cells["status"].astype("string").str.lower().replace("", "open")
    bad = ~status.isin(REVIEW_STATUSES)
    problems = [
        Problem(
            f"{path.name}, sheet {cells['_sheet'].iloc[i]}",
            f"{cells['status'].iloc[i]!r} is not one of {', '.join(REVIEW_STATUSES)}",
            line=int(cells["_row"].iloc[i]),
            column=REVIEW_HEADERS["review_status"],
        )
        for i in bad[bad].index[:20]
    ]
    until, late = _until(cells, path)
    if problems + late:
        raise InputError(problems + late)
    frame = pd.DataFrame(
        {
            "finding_id": cells["finding_id"].astype("string"),
            "status": status,
            "owner": cells["owner"].astype("string"),
            "note": cells["note"].astype("string"),
            "until": until.astype("datetime64[ns, UTC]"),
        }
    )
    return frame.drop_duplicates("finding_id", keep="last").reset_index(drop=True)


def find_reviews(given: Path | None, folder: Path) -> Path | None:
    """The reviews file to use: the one given, else reviews.csv in `folder` if it holds a review,
    else a fix_list.xlsx there (finance's filled-in copy), else reviews.csv (absent: no reviews)."""
    if given is not None:
        return given
    csv, xlsx = folder / "reviews.csv", folder / "fix_list.xlsx"
    # `init` writes a header-only reviews.csv: that is no review, so the workbook is used.
    has_rows = csv.is_file() and len(csv.read_bytes().strip().splitlines()) > 1
    if has_rows or not xlsx.is_file():
        return csv
    return xlsx


def read_any_reviews(path: Path | None) -> pd.DataFrame:
    """Reviews from reviews.csv or from a fix_list.xlsx finance filled in (same frame shape)."""
    if path is not None and Path(path).suffix.lower() == ".xlsx" and Path(path).is_file():
        return read_xlsx_reviews(Path(path))
    return read_reviews(path)
