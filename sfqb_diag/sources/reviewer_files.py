"""Reviewer files: decisions.csv (accept/reject proposed matches) and reviews.csv (finding status).

Both are written by people, so every bad cell is reported with its line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sfqb_diag.errors import InputError, Problem
from sfqb_diag.ids import series_to_18
from sfqb_diag.sources.csv_text import decode_text, read_csv_table
from sfqb_diag.sources.safe_files import present, read_bytes

DECISION_COLUMNS = ["kind", "sf_id", "qb_id", "decision", "note", "decided_by", "decided_at"]
REVIEW_COLUMNS = ["finding_id", "status", "owner", "note", "until"]


def _read(
    path: Path, columns: list[str], required: list[str]
) -> tuple[pd.DataFrame, list[Problem], np.ndarray]:
    """The file's columns as text (absent optional ones empty), its problems, each row's line."""
    problems: list[Problem] = []
    name = path.name
    content = read_bytes(path.parent, path, name, problems)
    text = None if content is None else decode_text(content, name, problems)
    parsed = None if text is None else read_csv_table(text, name, problems)
    if parsed is None:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in columns}), problems, np.array([])
    frame = parsed.frame.copy()
    problems += [
        Problem(name, f"has no column {c}", line=1, column=c)
        for c in required
        if c not in frame.columns
    ]
    for column in columns:
        if column not in frame.columns:
            frame[column] = ""
    return frame[columns].astype("string"), problems, parsed.lines


def _check_values(
    frame: pd.DataFrame, column: str, allowed: set[str], path: Path, lines: np.ndarray
) -> list[Problem]:
    bad = ~frame[column].str.strip().str.lower().isin(allowed)
    return [
        Problem(
            path.name,
            f"{frame[column].iloc[i]!r} is not one of {', '.join(sorted(allowed))}",
            line=int(lines[i]),
            column=column,
        )
        for i in bad[bad].index[:20]
    ]


def read_decisions(path: Path | None) -> pd.DataFrame:
    """decisions.csv, with sf_id as 18 characters; an empty frame when the file is absent."""
    if path is None or not present(Path(path)):
        return pd.DataFrame({c: pd.Series(dtype="string") for c in DECISION_COLUMNS})
    path = Path(path)
    frame, problems, lines = _read(path, DECISION_COLUMNS, ["kind", "sf_id", "qb_id", "decision"])
    if not any(p.fatal for p in problems):
        problems += _check_values(frame, "kind", {"customer", "product"}, path, lines)
        problems += _check_values(frame, "decision", {"accept", "reject"}, path, lines)
        ids, bad = series_to_18(frame["sf_id"])
        problems += [
            Problem(
                path.name,
                f"{frame['sf_id'].iloc[i]!r} is not a Salesforce Id",
                line=int(lines[i]),
                column="sf_id",
            )
            for i in bad[bad].index[:20]
        ]
        frame["sf_id"] = ids
    if any(p.fatal for p in problems):
        raise InputError([p for p in problems if p.fatal])
    frame["kind"] = frame["kind"].str.strip().str.lower()
    frame["decision"] = frame["decision"].str.strip().str.lower()
    frame["qb_id"] = frame["qb_id"].str.strip()
    # The last decision on a record wins (reviewers change their minds), and the run says so.
    frame["line"] = pd.array(lines, dtype="Int64")
    pair = ["kind", "sf_id", "qb_id"]
    kept = frame.drop_duplicates(pair, keep="last").reset_index(drop=True)
    kept.attrs["warnings"] = _overruled(frame, pair, path.name, "decision")
    accepts = kept[kept["decision"] == "accept"]
    kept.attrs["warnings"] += [
        Problem(
            path.name,
            f"{row['kind']} {row['sf_id']} is accepted for more than one QBO record; "
            "each accepted pair is linked",
            line=int(row["line"]),
            fatal=False,
        )
        for _, row in accepts[accepts.duplicated(["kind", "sf_id"], keep="first")]
        .head(20)
        .iterrows()
    ]
    kept.attrs["warnings"] += [p for p in problems if not p.fatal]
    return _lines_aside(kept, path.name)


def read_reviews(path: Path | None) -> pd.DataFrame:
    """reviews.csv; `until` parsed as a UTC time (a bare date: the end of that day). Empty when absent."""
    if path is None or not present(Path(path)):
        frame = pd.DataFrame({c: pd.Series(dtype="string") for c in REVIEW_COLUMNS})
        frame["until"] = pd.Series(dtype="datetime64[us, UTC]")
        return frame
    path = Path(path)
    frame, problems, lines = _read(path, REVIEW_COLUMNS, ["finding_id", "status"])
    if not any(p.fatal for p in problems):
        problems += _check_values(
            frame, "status", {"open", "accepted", "waived", "fixed"}, path, lines
        )
        until = pd.to_datetime(
            frame["until"].str.strip().replace("", None),
            utc=True,
            errors="coerce",
            format="ISO8601",
        )
        bad = frame["until"].str.strip().ne("") & until.isna()
        problems += [
            Problem(
                path.name,
                f"{frame['until'].iloc[i]!r} is not a date",
                line=int(lines[i]),
                column="until",
            )
            for i in bad[bad].index[:20]
        ]
        # A bare date means "through that day": a waiver until 2026-12-31 covers runs on the 31st.
        bare = (
            frame["until"]
            .str.strip()
            .str.fullmatch(r"\d{4}-\d{2}-\d{2}")
            .fillna(False)
            .astype(bool)
        )
        frame["until"] = until.mask(
            bare, until + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
        )
    if any(p.fatal for p in problems):
        raise InputError([p for p in problems if p.fatal])
    frame["status"] = frame["status"].str.strip().str.lower()
    frame["line"] = pd.array(lines, dtype="Int64")
    kept = frame.drop_duplicates("finding_id", keep="last").reset_index(drop=True)
    kept.attrs["warnings"] = _overruled(frame, ["finding_id"], path.name, "review")
    kept.attrs["warnings"] += [p for p in problems if not p.fatal]
    return _lines_aside(kept, path.name)


def _lines_aside(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Move the file line of each row into attrs: the frame keeps its documented columns
    (reviews are merged into findings), the warnings can still name the line."""
    out = frame.drop(columns="line")
    out.attrs = {**frame.attrs, "lines": frame["line"].tolist(), "file": name}
    return out


def _overruled(frame: pd.DataFrame, key: list[str], name: str, what: str) -> list[Problem]:
    """Warnings for rows a later row on the same record replaces (kept: the last one)."""
    early = frame[frame.duplicated(key, keep="last")]
    last_line = frame.groupby(key, sort=False)["line"].transform("last")
    return [
        Problem(
            name,
            f"a later {what} for {' '.join(str(row[k]) for k in key)} (line "
            f"{last_line.loc[index]}) replaces this one; only the last counts",
            line=int(row["line"]),
            fatal=False,
        )
        for index, row in early.head(20).iterrows()
    ]


def reviewer_warnings(
    decisions: pd.DataFrame, reviews: pd.DataFrame, data: Any, findings: pd.DataFrame
) -> list[Problem]:
    """Reviewer rows that name nothing in this run: a typo, or records/findings that are gone.
    They are kept and listed in summary.json, never dropped without a word."""
    found = list(decisions.attrs.get("warnings", [])) + list(reviews.attrs.get("warnings", []))
    known = set(findings["finding_id"].dropna().astype(str)) if "finding_id" in findings else set()
    unknown = reviews[~reviews["finding_id"].astype(str).str.strip().isin(known)]
    found += [
        Problem(
            reviews.attrs.get("file", "reviews.csv"),
            f"finding {row['finding_id']} is not among this run's findings (fixed, or a typo)",
            line=_line(row),
            column="finding_id",
            fatal=False,
        )
        for _, row in _with_lines(reviews).loc[unknown.index].head(20).iterrows()
    ]
    decisions = _with_lines(decisions)
    for kind, sf_table, qb_table in (
        ("customer", "accounts", "customers"),
        ("product", "products", "items"),
    ):
        mine = decisions[decisions["kind"] == kind]
        for column, table in (("sf_id", sf_table), ("qb_id", qb_table)):
            frame = data.get(table) if hasattr(data, "get") else None
            if frame is None or mine.empty:
                continue
            ids = set(frame["id"].dropna().astype(str))
            missing = mine[~mine[column].astype(str).isin(ids) & mine[column].notna()]
            found += [
                Problem(
                    decisions.attrs.get("file", "decisions.csv"),
                    f"{column} {row[column]} names no {kind} record in this raw folder",
                    line=_line(row),
                    column=column,
                    fatal=False,
                )
                for _, row in missing.head(20).iterrows()
            ]
    return found


def _with_lines(frame: pd.DataFrame) -> pd.DataFrame:
    lines = frame.attrs.get("lines")
    return frame.assign(line=lines if lines is not None and len(lines) == len(frame) else None)


def _line(row: pd.Series) -> int | None:
    value = row.get("line")
    return None if value is None or pd.isna(value) else int(value)
