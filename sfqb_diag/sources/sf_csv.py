"""Reading Salesforce Data Loader / Bulk API CSV exports into canonical tables."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from sfqb_diag.errors import Problem
from sfqb_diag.sources.convert import CASTERS, EXPECTED, empty_column
from sfqb_diag.sources.schema import to_snake


def decode(path: Path, problems: list[Problem]) -> str:
    """UTF-8 (with or without BOM); cp1252 accepted with a warning, as Excel on Windows saves it."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                path.name,
                "not UTF-8; read as Windows-1252 (cp1252). Re-export as UTF-8 if names look wrong",
                line=line,
                fatal=False,
            )
        )
        return data.decode("cp1252", errors="replace")


def _malformed_rows(text: str, path: Path) -> list[Problem]:
    """Locate rows whose field count differs from the header (the slow path, errors only)."""
    found = []
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    for row in reader:
        if row and len(row) != len(header):
            found.append(
                Problem(
                    path.name,
                    f"has {len(row)} fields, the header has {len(header)}",
                    line=reader.line_num,
                )
            )
    return found or [Problem(path.name, "is not a readable CSV file")]


def read_sf_csv(
    path: Path,
    fields: dict[str, tuple[str, str]],
    links: dict[str, tuple[str, str]],
    problems: list[Problem],
) -> tuple[pd.DataFrame | None, list[str]]:
    """Read one object's CSV; return (canonical table, canonical columns the file lacks).

    `fields` maps API field -> (column, kind); `links` maps the configured link field -> (column, kind).
    Unknown columns are kept under their snake_case name. Bad cells are appended to `problems`.
    """
    text = decode(path, problems)
    try:
        raw = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_values=[], engine="c"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        problems.extend(_malformed_rows(text, path))
        return None, []
    raw.columns = [c.strip() for c in raw.columns]
    if "Id" not in raw.columns:
        problems.append(
            Problem(
                path.name,
                "has no column Id; Data Loader exports need the API field names "
                "in the header (Id, Name, ...)",
                line=1,
                column="Id",
            )
        )
        return None, []
    wanted = {**fields, **links}
    out: dict[str, pd.Series] = {}
    lines = raw.index.to_series() + 2  # header is line 1; good enough for one-line records
    for api_name in raw.columns:
        column, kind = wanted.get(api_name, (to_snake(api_name), "str"))
        values, bad = CASTERS[kind](raw[api_name].where(raw[api_name] != "", None))
        for line in lines[bad.to_numpy()].head(20):
            problems.append(
                Problem(
                    path.name,
                    f"{raw[api_name].iloc[line - 2]!r} is not {EXPECTED[kind]}",
                    line=int(line),
                    column=api_name,
                )
            )
        if bad.sum() > 20:
            problems.append(
                Problem(path.name, f"{int(bad.sum()) - 20} more bad values", column=api_name)
            )
        out[column] = values.reset_index(drop=True)
    missing = [col for api, (col, kind) in wanted.items() if col not in out]
    for _api, (col, kind) in wanted.items():
        if col not in out:
            out[col] = empty_column(kind, len(raw))
    return pd.DataFrame(out), missing
