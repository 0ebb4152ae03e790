"""The one as-of time that every rule about "now" uses (DESIGN.md "Time").

Order: an explicit --as-of, else manifest.pulled_at, else the newest `time` of the QBO query
responses (when the pull ran, on QBO's clock), else the newest timestamp in the data. A response
time earlier than a timestamp in the data (Salesforce exported later than QBO) gives way to that
timestamp: "now" is never before something the data records. Never the wall clock: the same raw
folder gives the same outputs on any day.
"""

from __future__ import annotations

import re

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.errors import UsageError

# pandas reads these words as the wall clock; DESIGN.md "Time" forbids it.
_CLOCK_WORDS = {"now", "today", "tomorrow", "yesterday"}
# Year first, as ISO 8601 writes it: a day-first or month-first date is refused, not guessed.
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")


def parse_as_of(text: str, where: str = "--as-of") -> pd.Timestamp:
    """An ISO 8601 date or time as UTC; words meaning the wall clock are refused."""
    if str(text).strip().lower() in _CLOCK_WORDS:
        raise UsageError(
            f"{where} {text!r}: give a date or an ISO 8601 time (e.g. 2026-03-31T18:00Z); "
            "'now' would make the same data give different outputs on different days"
        )
    if not _ISO.match(str(text).strip()):
        raise UsageError(
            f"{where} {text!r}: give the date as YYYY-MM-DD (or an ISO 8601 time such as "
            "2026-03-31T18:00Z); 03/04/2024 could be March or April"
        )
    try:
        stamp = pd.Timestamp(str(text).strip())
    except (ValueError, OverflowError) as exc:
        raise UsageError(f"{where} {text!r} is not a date or an ISO 8601 time") from exc
    if pd.isna(stamp):
        raise UsageError(f"{where} {text!r} is not a date or an ISO 8601 time")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def resolve_as_of(data: Dataset, explicit: str | None = None) -> tuple[pd.Timestamp, str]:
    """Return (as-of time in UTC, where it came from)."""
    if explicit:
        return parse_as_of(explicit), "--as-of"
    pulled = data.manifest.get("pulled_at")
    if pulled:
        return parse_as_of(str(pulled), "manifest.json pulled_at"), "manifest.pulled_at"
    newest = [
        frame[col].max()
        for frame in data.tables.values()
        for col in frame.columns
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype)
    ]
    newest = [stamp for stamp in newest if not pd.isna(stamp)]
    responses = [pd.Timestamp(t).tz_convert("UTC") for t in data.response_times.values()]
    if responses and (not newest or max(responses) >= max(newest)):
        return max(responses), "QBO response time"
    if newest:
        return max(newest), "newest timestamp in the data"
    # A placeholder, said as such wherever the as-of time is shown: nothing dates the data.
    return pd.Timestamp("1970-01-01", tz="UTC"), (
        "a placeholder: no date anywhere in the data, so ages mean nothing; give --as-of YYYY-MM-DD"
    )
