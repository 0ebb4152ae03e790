"""Classify sync-log rows: which are errors, and of what class.

The classes follow how QBO and Salesforce report failures (codes from Intuit's error reference):
- throttling: HTTP 429 / QBO 3001 ThrottleExceeded (500 requests/min, 10 concurrent per realm)
- auth: HTTP 401 / QBO 3200 (and 3100), OAuth `invalid_grant`, expired access or refresh tokens
- duplicate_name: 6240, a DisplayName already used by a Customer, Vendor or Employee
- stale_object: 5010, the SyncToken sent is not the current one (someone edited the record)
- not_found: 610 (object not found or inactive), 2500 (invalid reference), HTTP 404
- validation: any other 6000-6999 business rule (6000, 6070 amount, 6140 DocNumber, 6210 closed
  period, 6540 deposited) and 2000-2499 request validation (required or invalid fields)
- server: HTTP 5xx and timeouts (the call may or may not have committed: the retry-duplicate risk)
- other: any other error
An error row is one whose status is an error-like word, or which carries an error code while
its status is not a success.
"""

from __future__ import annotations

import re

import pandas as pd

ERROR_CLASSES = (
    "throttling",
    "auth",
    "duplicate_name",
    "stale_object",
    "not_found",
    "validation",
    "server",
    "other",
)

# Exact codes first (they win over ranges and messages).
CODE_CLASS: dict[str, str] = {
    "429": "throttling",
    "3001": "throttling",
    "401": "auth",
    "3200": "auth",
    "3100": "auth",
    "3202": "auth",
    "invalid_grant": "auth",
    "6240": "duplicate_name",
    "5010": "stale_object",
    "610": "not_found",
    "2500": "not_found",
    "404": "not_found",
    "500": "server",
    "502": "server",
    "503": "server",
    "504": "server",
    "10000": "server",
}
# Ranges of numeric codes: (low, high, class), checked after exact codes.
CODE_RANGES: tuple[tuple[int, int, str], ...] = (
    (6000, 6999, "validation"),
    (2000, 2499, "validation"),
    (500, 599, "server"),
)
# When a row has no usable code, its message decides; first match wins.
MESSAGE_CLASS: tuple[tuple[str, str], ...] = (
    ("throttling", r"throttl|rate.?limit|too many requests"),
    (
        "auth",
        r"invalid_grant|token (?:has )?expired|expired token|unauthori[sz]ed|authenticat|refresh token",
    ),
    ("duplicate_name", r"duplicate name|name supplied already exists"),
    ("stale_object", r"stale object|synctoken"),
    ("not_found", r"not found|invalid reference|inactive|deleted"),
    ("validation", r"validation|required|invalid|business"),
    ("server", r"timeout|timed out|internal server|service unavailable|bad gateway"),
)
ERROR_WORDS = {
    "error",
    "failed",
    "failure",
    "fail",
    "fault",
    "exception",
    "rejected",
    "throttled",
    "retry",
    "retrying",
    "timeout",
    "timed_out",
    "aborted",
}
SUCCESS_WORDS = {
    "success",
    "succeeded",
    "ok",
    "done",
    "completed",
    "complete",
    "created",
    "updated",
    "synced",
    "no_change",
    "unchanged",
}


def code_text(codes: pd.Series) -> pd.Series:
    """Normalise error codes: '3200', '3200.0', ' 3200 ' and 'HTTP 429' all become digits."""
    text = codes.astype("string").str.strip().str.lower()
    text = text.mask(text == "")
    given = text.dropna()  # most rows of a log carry no code: read only those that do
    digits = given.str.extract(r"^(?:http\s*)?(\d+)(?:\.0+)?$", expand=False)
    text.loc[given.index] = digits.fillna(given)
    return text


def is_error(log: pd.DataFrame) -> pd.Series:
    """True for rows that record a failed call."""
    status = log["status"].astype("string").str.strip().str.lower()
    has_code = code_text(log["error_code"]).notna()
    said_error = status.isin(ERROR_WORDS).fillna(False)
    said_success = status.isin(SUCCESS_WORDS).fillna(False)
    return (said_error | (has_code & ~said_success)).astype(bool)


def is_success(log: pd.DataFrame) -> pd.Series:
    status = log["status"].astype("string").str.strip().str.lower()
    return (status.isin(SUCCESS_WORDS).fillna(False) & ~is_error(log)).astype(bool)


def classify(log: pd.DataFrame, errors: pd.Series | None = None) -> pd.Series:
    """The error class of each row (NA for rows that are not errors), vectorised.

    Only error rows are classified (pass `errors` when is_error was already computed), and
    messages are read only where the code says nothing.
    """
    errors = is_error(log) if errors is None else errors
    rows = log.loc[errors, ["error_code", "message"]]
    codes = code_text(rows["error_code"])
    result = codes.map(CODE_CLASS).astype("string")
    numeric = pd.to_numeric(codes, errors="coerce")
    for low, high, name in CODE_RANGES:
        in_range = result.isna() & numeric.between(low, high).fillna(False)
        result = result.mask(in_range, name)
    unread = result.isna()
    message = rows.loc[unread, "message"].astype("string").fillna("")
    for name, pattern in MESSAGE_CLASS:
        hit = message.str.contains(pattern, regex=True, flags=re.IGNORECASE).fillna(False)
        result.loc[hit[hit].index.difference(result.dropna().index)] = name
    full = pd.Series(pd.NA, index=log.index, dtype="string")
    full.loc[errors] = result.fillna("other")
    return full


def error_class_counts(log: pd.DataFrame) -> dict[str, int]:
    """Error rows per class (classes with no rows left out): the sync-log headline numbers."""
    classes = classify(log).dropna()
    counts = classes.value_counts()
    return {name: int(counts[name]) for name in ERROR_CLASSES if name in counts.index}


def record_key(log: pd.DataFrame) -> pd.Series:
    """The record a row is about: the Salesforce Id when known, else the QBO entity and Id."""
    sf = log["sf_id"].astype("string")
    qb = log["qb_entity"].astype("string").fillna("") + ":" + log["qb_id"].astype("string")
    return sf.fillna(qb).astype("string")


__all__ = [
    "ERROR_CLASSES",
    "classify",
    "code_text",
    "error_class_counts",
    "is_error",
    "is_success",
    "record_key",
]
