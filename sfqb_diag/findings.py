"""The findings contract: columns, severities, stable ids, and a builder for checks.

A check returns a DataFrame built with `new_findings`; the engine adds area, check name,
default severity and `finding_id`. `finding_id` hashes only the check and the record keys, so
the same problem on the same records keeps its id on every run.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}  # 0 = most severe
AREAS = ("auth_env", "customers", "products", "partial_sync", "sync_jobs")

# findings.csv columns, in this order (DESIGN.md).
CSV_COLUMNS = [
    "finding_id",
    "area",
    "check",
    "severity",
    "sf_object",
    "sf_id",
    "qb_entity",
    "qb_id",
    "title",
    "detail",
    "suggested_action",
    "amount_at_risk",
    "currency",
    "confidence",
]
_STRING_COLUMNS = [
    "area",
    "check",
    "severity",
    "sf_object",
    "sf_id",
    "qb_entity",
    "qb_id",
    "title",
    "detail",
    "suggested_action",
    "currency",
    "line_id",
    "sf_name",
    "qb_name",
]


def new_findings(**columns: Any) -> pd.DataFrame:
    """Build a findings frame from Series (aligned) and scalars (broadcast).

    Use `amount_cents=` for the money at risk (integer cents, in `currency`). Any column left out
    is empty; `severity` may be given per row to override the check's default. Called with
    nothing at all it is "no findings" (an aggregate finding passes at least its title).
    """
    if not columns:
        return empty_findings()
    length = max((len(v) for v in columns.values() if isinstance(v, pd.Series | list)), default=1)
    data: dict[str, Any] = {}
    for name, value in columns.items():
        key = "amount_at_risk_cents" if name == "amount_cents" else name
        data[key] = value.reset_index(drop=True) if isinstance(value, pd.Series) else value
    frame = pd.DataFrame(data, index=range(length))
    return conform(frame)


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a findings frame every contract column with the right dtype."""
    frame = frame.copy()
    for column in _STRING_COLUMNS:
        frame[column] = (
            frame[column].astype("string")
            if column in frame
            else pd.Series(pd.NA, index=frame.index, dtype="string")
        )
    frame["amount_at_risk_cents"] = (
        frame["amount_at_risk_cents"].astype("Int64")
        if "amount_at_risk_cents" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="Int64")
    )
    frame["confidence"] = frame["confidence"].astype("float64") if "confidence" in frame else 1.0
    return frame


def finding_ids(frame: pd.DataFrame) -> pd.Series:
    """sha1 of check, sf_id, qb_entity, qb_id and line_id: never text, amounts, dates or order."""
    if frame.empty:
        return pd.Series([], index=frame.index, dtype="string")
    keys = frame[["check", "sf_id", "qb_entity", "qb_id", "line_id"]].fillna("").astype(str)
    joined = keys["check"].str.cat(keys[["sf_id", "qb_entity", "qb_id", "line_id"]], sep="|")
    return joined.map(lambda k: hashlib.sha1(k.encode("utf-8")).hexdigest()[:16]).astype("string")


def empty_findings() -> pd.DataFrame:
    """A findings frame with no rows (a copy of one template: conform() is not free)."""
    return _EMPTY.copy()


def sort_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """Most important first: severity, then money at risk, then stable ids."""
    order = frame.assign(
        _rank=frame["severity"].map(SEVERITY_RANK),
        _amount=frame["amount_at_risk_cents"].fillna(0).abs(),
    )
    order = order.sort_values(
        ["_rank", "_amount", "area", "check", "finding_id"],
        ascending=[True, False, True, True, True],
        kind="stable",
    )
    return order.drop(columns=["_rank", "_amount"]).reset_index(drop=True)


_EMPTY = conform(pd.DataFrame(columns=["finding_id"]))
