"""Sync-log analytics: errors by class, retries per record, records still failing, error storms.

Reads the Dataset's `sync_log` table (DESIGN.md "Sync log"; a connector's own log is converted
by sfqb_diag.synclog adapters). A record is what a call was about: the Salesforce Id and the QBO
entity it was writing (an opportunity's invoice and its payment are two records).
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.synclog.classify import SUCCESS_WORDS, classify, is_error

STORM_BIN = pd.Timedelta(minutes=10)
STORM_MIN_ERRORS = 10  # at least this many errors in one 10-minute window...
STORM_FACTOR = 10  # ...and ten times the usual errors of an active window
STORM_JOIN = pd.Timedelta(minutes=60)  # hot windows closer than this are one storm
# Severity of a class of errors: each blocks the records it hits until fixed; throttling is retried
# by most connectors. Auth failures are medium here: the token problem itself is auth_env's finding.
CLASS_SEVERITY = {
    "auth": "medium",
    "duplicate_name": "medium",
    "stale_object": "medium",
    "not_found": "medium",
    "validation": "medium",
    "server": "medium",
    "throttling": "low",
    "other": "low",
}
CLASS_WORDS = {
    "throttling": "throttling (429/3001)",
    "auth": "authentication (401/3200, expired or revoked tokens)",
    "duplicate_name": "duplicate name (6240)",
    "stale_object": "stale object (5010)",
    "not_found": "not found or inactive (610/2500)",
    "validation": "business validation (6000s)",
    "server": "server error or timeout (5xx)",
    "other": "unclassified",
}
# What to do before a record of each class is synced again; transient classes need nothing.
FIX_FIRST = {
    "throttling": "",
    "server": "",
    "auth": "Reconnect QBO (new refresh token), then resync.",
    "stale_object": "Re-read the QBO record (current SyncToken), check who edited it, then resync.",
    "duplicate_name": "Rename or link the existing QBO customer/vendor with this name (6240).",
    "not_found": "Reactivate or relink the referenced customer/item in QBO (610/2500).",
    "validation": "Correct the field QBO rejects (see message), then resync.",
    "other": "Read the message; fix the cause, then resync.",
}


def annotated_log(log: pd.DataFrame) -> pd.DataFrame:
    """The log with error, success, error_class and record columns, in time order (idempotent)."""
    if "error_class" in log and "record" in log:
        return log
    out = log.copy()
    out["error"] = is_error(out)
    status = out["status"].astype("string").str.strip().str.lower()
    out["success"] = (status.isin(SUCCESS_WORDS).fillna(False) & ~out["error"]).astype(bool)
    out["error_class"] = classify(out, out["error"])
    sf = out["sf_id"].astype("string")
    qb = out["qb_entity"].astype("string").fillna("")
    out["record"] = (
        (sf + "|" + qb).fillna(qb + ":" + out["qb_id"].astype("string")).astype("string")
    )
    return out.sort_values("timestamp", kind="stable").reset_index(drop=True)


def record_summary(log: pd.DataFrame) -> pd.DataFrame:
    """One row per record: calls, errors, retries, first/last time, last outcome and error."""
    ann = annotated_log(log)
    ann = ann[ann["record"].notna()]
    summary = ann.groupby("record", sort=False).agg(
        sf_object=("sf_object", "last"),
        sf_id=("sf_id", "last"),
        qb_entity=("qb_entity", "last"),
        qb_id=("qb_id", "last"),
        calls=("error", "size"),
        errors=("error", "sum"),
        successes=("success", "sum"),
        first_time=("timestamp", "min"),
        last_time=("timestamp", "max"),
        last_failed=("error", "last"),
    )
    failed = ann[ann["error"]]
    # The last error row as it is (groupby "last" would skip its empty cells).
    cols = {
        "error_class": "last_error_class",
        "error_code": "last_error_code",
        "message": "last_error_message",
        "timestamp": "last_error_timestamp",
        "direction": "last_error_direction",
    }
    errors = failed.drop_duplicates("record", keep="last").set_index("record")[list(cols)]
    errors = errors.rename(columns=cols)
    errors["first_error_time"] = failed.groupby("record")["timestamp"].min()
    summary = summary.join(errors, how="left")
    summary["last_failed"] = summary["last_failed"].astype(bool)
    # A retry is a call made after a failed one: every failure but a final one was retried.
    summary["retries"] = (summary["errors"] - summary["last_failed"].astype(int)).clip(lower=0)
    summary["never_succeeded"] = summary["successes"] == 0
    return summary.reset_index()


def failing_records(log: pd.DataFrame) -> pd.DataFrame:
    """Records whose latest call failed: never synced, or failing since an earlier success."""
    summary = record_summary(log)
    return summary[summary["last_failed"] & (summary["errors"] > 0)].reset_index(drop=True)


def errors_over_time(log: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Error rows per period and class (for the notebook's stacked chart)."""
    ann = annotated_log(log)
    errors = ann[ann["error"]]
    if errors.empty:
        return pd.DataFrame(columns=["period", "error_class", "errors"])
    period = (
        errors["timestamp"]
        .dt.tz_convert("UTC")
        .dt.tz_localize(None)
        .dt.to_period(freq)
        .dt.start_time
    )
    return (
        errors.assign(period=period)
        .groupby(["period", "error_class"])
        .size()
        .rename("errors")
        .reset_index()
    )


def error_storms(log: pd.DataFrame) -> pd.DataFrame:
    """Windows where errors pile up: start, end, errors, calls, main class."""
    ann = annotated_log(log)
    columns = ["start", "end", "errors", "calls", "main_class", "records"]
    if ann.empty or not ann["error"].any():
        return pd.DataFrame(columns=columns)
    ann["bin"] = ann["timestamp"].dt.floor(STORM_BIN)
    bins = ann.groupby("bin").agg(errors=("error", "sum"), calls=("error", "size"))
    usual = bins.loc[bins["errors"] > 0, "errors"].median()
    hot = (bins["errors"] >= max(STORM_MIN_ERRORS, STORM_FACTOR * usual)) & (
        bins["errors"] * 2 >= bins["calls"]
    )
    if not hot.any():
        return pd.DataFrame(columns=columns)
    hot_bins = bins[hot].index.to_series()
    # Hot windows less than STORM_JOIN apart are one event (an expired token fails every run).
    storm_id = (hot_bins.diff() > STORM_JOIN).cumsum()
    ann = ann.merge(storm_id.rename("storm"), left_on="bin", right_index=True, how="inner")
    err = ann[ann["error"]]
    storms = err.groupby("storm").agg(
        start=("timestamp", "min"),
        end=("timestamp", "max"),
        errors=("error", "size"),
        records=("record", "nunique"),
        main_class=("error_class", lambda c: c.value_counts().index[0]),
    )
    storms["calls"] = ann.groupby("storm").size()
    return storms[columns].reset_index(drop=True)
