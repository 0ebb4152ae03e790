"""Plain words for partial_sync findings: money and dates as people read them, and what each QBO
error code a sync leaves on a record means and how to clear it."""

from __future__ import annotations

import pandas as pd

# QBO error code -> (cause, fix) in plain words (FAILURE_CATALOGUE.md, API_NOTES.md).
ERROR_CODES: dict[str, tuple[str, str]] = {
    "6240": (
        "Duplicate name: QBO already has a customer, vendor or employee with this display name",
        "Link the account to the existing QBO customer (or rename one of them), then re-run the sync",
    ),
    "610": (
        "Object not found: the customer or item the invoice refers to was deleted or made inactive in QBO",
        "Re-activate the QBO record or relink the account/product to an active one, then re-run",
    ),
    "2500": (
        "Invalid reference: the invoice points at a customer, item or tax code Id QBO does not know",
        "Fix the stored QBO Id on the account or product (see the customers/products areas), then re-run",
    ),
    "5010": (
        "Stale object: someone edited the record in QBO while the sync was updating it",
        "Re-run the sync for this record; it reads the current version first",
    ),
    "6000": (
        "Business validation error: QBO refused the invoice's content (for example a missing field or a "
        "closed period)",
        "Read the message, correct the opportunity or the QBO setting it names, re-run",
    ),
    "6140": (
        "Duplicate document number: custom transaction numbers are on and the DocNumber is already used",
        "Give the invoice a new number or allow duplicate numbers in QBO sales settings, then re-run",
    ),
    "3200": (
        "Authentication failed: the sync's QBO connection expired or was revoked",
        "Reconnect the sync to QuickBooks (re-authorise), then re-run the failed records",
    ),
    "3001": (
        "Throttled: QBO refused the call because too many requests arrived at once",
        "Re-run the failed records; schedule large syncs in smaller batches",
    ),
}
UNKNOWN_CODE = (
    "The sync reported an error this tool does not classify",
    "Read the error text, fix the cause, re-run",
)
_CODE_PATTERN = r"(?<!\d)(" + "|".join(sorted(ERROR_CODES, key=len, reverse=True)) + r")(?!\d)"


def error_code(message: pd.Series) -> pd.Series:
    """The QBO error code named in a sync error text ('6240 Duplicate Name Exists' -> '6240'), else NA."""
    return message.astype("string").str.extract(_CODE_PATTERN, expand=False).astype("string")


def cause_and_fix(codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    cause = codes.map(
        lambda c: ERROR_CODES.get(c, UNKNOWN_CODE)[0] if isinstance(c, str) else UNKNOWN_CODE[0]
    )
    fix = codes.map(
        lambda c: ERROR_CODES.get(c, UNKNOWN_CODE)[1] if isinstance(c, str) else UNKNOWN_CODE[1]
    )
    return cause.astype("string"), fix.astype("string")
