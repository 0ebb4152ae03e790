"""Which Salesforce record's sync created a QBO duplicate customer, read from the sync log.

The usual story behind "Acme" and "Acme (2)": the connector's create call for an account timed
out after QBO had already made the customer, the retry failed with 6240 (Duplicate Name Exists:
DisplayName is unique across customers, vendors and employees), and the connector then created
the customer again under a suffixed name. The copy is a data problem (merge it) and a connector
problem (its retry creates instead of looking the customer up), so the finding names the
account whose sync made it and what failed before.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.ids import member
from sfqb_diag.synclog.classify import classify, is_error, is_success

# A failure this long before the successful create is part of the same retry sequence.
RETRY_WINDOW = pd.Timedelta(hours=24)
CREATOR_COLUMNS = ["qb_id", "sf_object", "sf_id", "created_at", "attempt", "failed_before"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in CREATOR_COLUMNS})


def _customer_rows(log: pd.DataFrame) -> pd.DataFrame:
    entity = log["qb_entity"].astype("string").str.strip().str.lower()
    rows = log[entity.eq("customer").fillna(False).to_numpy()].copy()
    rows["timestamp"] = pd.to_datetime(rows["timestamp"], utc=True, errors="coerce")
    return rows[rows["timestamp"].notna() & rows["sf_id"].notna()]


def sync_creators(log: pd.DataFrame | None, copies: pd.Series) -> pd.DataFrame:
    """Per QBO customer Id in `copies` that the sync log shows being created: the Salesforce
    record whose sync created it, when, the attempt number and the failures just before it
    ("a timeout and 6240 Duplicate Name Exists"). Empty without a log or without such rows."""
    needed = {"timestamp", "sf_id", "qb_entity", "qb_id", "status"}
    if log is None or log.empty or not needed <= set(log.columns):
        return _empty()
    rows = _customer_rows(log)
    if rows.empty:
        return _empty()
    operation = rows.get("operation", pd.Series(pd.NA, index=rows.index)).astype("string")
    creates = rows[
        is_success(rows).to_numpy()
        & member(rows["qb_id"], copies).to_numpy()
        & ~operation.str.lower().isin(["update", "delete", "read"]).fillna(False).to_numpy()
    ]
    made = creates.sort_values("timestamp", kind="stable").drop_duplicates("qb_id")
    if made.empty:
        return _empty()
    errors = rows[is_error(rows).to_numpy()]
    failures = errors.assign(kind=classify(errors, pd.Series(True, index=errors.index)))
    before = made[["qb_id", "sf_id", "timestamp"]].merge(
        failures[["sf_id", "timestamp", "kind"]], on="sf_id", suffixes=("", "_failed")
    )
    before = before[
        (before["timestamp_failed"] <= before["timestamp"])
        & (before["timestamp_failed"] >= before["timestamp"] - RETRY_WINDOW)
    ]
    words = before["kind"].map(FAILURE_WORDS).fillna("an error")
    failed = (
        pd.DataFrame({"qb_id": before["qb_id"], "words": words})
        .drop_duplicates()
        .groupby("qb_id", sort=False)["words"]
        .agg(" and ".join)
    )
    attempt = made.get("attempt", pd.Series(pd.NA, index=made.index))
    return pd.DataFrame(
        {
            "qb_id": made["qb_id"].astype("string").to_numpy(),
            "sf_object": made.get("sf_object", pd.Series("Account", index=made.index))
            .astype("string")
            .fillna("Account")
            .to_numpy(),
            "sf_id": made["sf_id"].astype("string").to_numpy(),
            "created_at": made["timestamp"].to_numpy(),
            "attempt": pd.to_numeric(attempt, errors="coerce").astype("Int64").to_numpy(),
            "failed_before": made["qb_id"].map(failed).astype("string").to_numpy(),
        }
    )


# What each error class means to a person reading why a copy exists.
FAILURE_WORDS = {
    "server": "a timeout or server error",
    "duplicate_name": "6240 Duplicate Name Exists",
    "throttling": "throttling (429)",
    "auth": "an authentication error",
    "validation": "a validation error",
    "not_found": "a missing record",
    "stale_object": "a stale SyncToken (5010)",
    "other": "an error",
}
