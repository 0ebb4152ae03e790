"""Reviewer files: decisions.csv (accept/reject proposed matches) and reviews.csv (finding status).

Both are written by people, so every bad cell is reported with its line and column.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from sfqb_diag.errors import InputError, Problem
from sfqb_diag.ids import series_to_18

DECISION_COLUMNS = ["kind", "sf_id", "qb_id", "decision", "note", "decided_by", "decided_at"]
REVIEW_COLUMNS = ["finding_id", "status", "owner", "note", "until"]


def _read(
    path: Path, columns: list[str], required: list[str]
) -> tuple[pd.DataFrame, list[Problem]]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    problems = [
        Problem(path.name, f"has no column {c}", line=1, column=c)
        for c in required
        if c not in frame.columns
    ]
    for column in columns:
        if column not in frame.columns:
            frame[column] = ""
    return frame[columns].astype("string"), problems


def _check_values(frame: pd.DataFrame, column: str, allowed: set[str], path: Path) -> list[Problem]:
    bad = ~frame[column].str.strip().str.lower().isin(allowed)
    return [
        Problem(
            path.name,
            f"{frame[column].iloc[i]!r} is not one of {', '.join(sorted(allowed))}",
            line=int(i) + 2,
            column=column,
        )
        for i in bad[bad].index[:20]
    ]


def read_decisions(path: Path | None) -> pd.DataFrame:
    """decisions.csv, with sf_id as 18 characters; an empty frame when the file is absent."""
    if path is None or not Path(path).is_file():
        return pd.DataFrame({c: pd.Series(dtype="string") for c in DECISION_COLUMNS})
    path = Path(path)
    frame, problems = _read(path, DECISION_COLUMNS, ["kind", "sf_id", "qb_id", "decision"])
    if not problems:
        problems += _check_values(frame, "kind", {"customer", "product"}, path)
        problems += _check_values(frame, "decision", {"accept", "reject"}, path)
        ids, bad = series_to_18(frame["sf_id"])
        problems += [
            Problem(
                path.name,
                f"{frame['sf_id'].iloc[i]!r} is not a Salesforce Id",
                line=int(i) + 2,
                column="sf_id",
            )
            for i in bad[bad].index[:20]
        ]
        frame["sf_id"] = ids
    if problems:
        raise InputError(problems)
    frame["kind"] = frame["kind"].str.strip().str.lower()
    frame["decision"] = frame["decision"].str.strip().str.lower()
    frame["qb_id"] = frame["qb_id"].str.strip()
    # The last decision on a pair wins: reviewers change their minds.
    return frame.drop_duplicates(["kind", "sf_id", "qb_id"], keep="last").reset_index(drop=True)


def read_reviews(path: Path | None) -> pd.DataFrame:
    """reviews.csv; `until` parsed as a UTC time (a bare date: the end of that day). Empty when absent."""
    if path is None or not Path(path).is_file():
        frame = pd.DataFrame({c: pd.Series(dtype="string") for c in REVIEW_COLUMNS})
        frame["until"] = pd.Series(dtype="datetime64[us, UTC]")
        return frame
    path = Path(path)
    frame, problems = _read(path, REVIEW_COLUMNS, ["finding_id", "status"])
    if not problems:
        problems += _check_values(frame, "status", {"open", "accepted", "waived", "fixed"}, path)
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
                line=int(i) + 2,
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
    if problems:
        raise InputError(problems)
    frame["status"] = frame["status"].str.strip().str.lower()
    return frame.drop_duplicates("finding_id", keep="last").reset_index(drop=True)
