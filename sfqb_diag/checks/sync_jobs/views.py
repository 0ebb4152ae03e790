"""What notebook 05 shows that is not a finding or an output: the daily timeline, errors over
time, the lag distribution, and which record findings the sync log explains.

Pure functions of the cached Dataset and findings, so the notebook stays thin and an empty or
partial raw folder gives empty frames, never an error.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import RunView, view
from sfqb_diag.checks.sync_jobs.log import errors_over_time, record_summary
from sfqb_diag.checks.sync_jobs.timeline import (
    bursts,
    close_to_invoice_lag,
    daily_activity,
    outage_gaps,
)
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import SEVERITY_RANK

LOG_CHECKS = ("sync_log_error_class", "sync_record_failing", "sync_error_storm")


def timeline(
    data: Dataset, config: ClientConfig, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(daily activity, outage gaps, burst days); empty frames when deals or invoices are missing."""
    empty = pd.DataFrame(columns=["day", "won", "stalled", "invoices_created"])
    if not (data.has("opportunities", "invoices") and data.has_column("invoices", "create_time")):
        return (
            empty,
            pd.DataFrame(columns=["start", "end", "days", "won", "stalled", "made"]),
            pd.DataFrame(columns=["day", "invoices_created"]),
        )
    activity = daily_activity(data, config, as_of)
    return activity, outage_gaps(activity, float(config.thresholds.gap_days)), bursts(activity)


def lag(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """Days from close to invoice per won deal (empty without deals or invoices)."""
    if not (data.has("opportunities", "invoices") and data.has_column("invoices", "create_time")):
        return pd.DataFrame(columns=["opp_id", "lag_days"])
    return close_to_invoice_lag(data, config)


def error_classes(data: Dataset, freq: str = "W") -> pd.DataFrame:
    """Error rows per period and class (empty without a sync log)."""
    if not data.has("sync_log"):
        return pd.DataFrame(columns=["period", "error_class", "errors"])
    errors = errors_over_time(data["sync_log"], freq)
    # The chart's legend in words, as the tables below write the classes ("not found").
    errors["error_class"] = errors["error_class"].astype("string").str.replace("_", " ")
    return errors


def explain_findings(findings: pd.DataFrame, data: Dataset) -> pd.DataFrame:
    """Record findings of every area whose record has errors in the sync log, with its last error:
    the log explains why the record is missing, stuck or wrong."""
    columns = [
        "area",
        "check",
        "severity",
        "title",
        "error_class",
        "last_error_code",
        "errors",
        "still_failing",
    ]
    if not data.has("sync_log") or findings.empty:
        return pd.DataFrame(columns=columns)
    summary = record_summary(data["sync_log"])
    errs = summary[summary["errors"] > 0].sort_values("last_time")
    keep = ["errors", "last_error_class", "last_error_code", "last_failed"]
    by_sf = errs.dropna(subset=["sf_id"]).drop_duplicates("sf_id", keep="last")[["sf_id", *keep]]
    by_qb = errs.dropna(subset=["qb_id"]).drop_duplicates(["qb_entity", "qb_id"], keep="last")[
        ["qb_entity", "qb_id", *keep]
    ]
    record = findings[~findings["check"].isin(LOG_CHECKS)]
    hits = pd.concat(
        [record.merge(by_sf, on="sf_id"), record.merge(by_qb, on=["qb_entity", "qb_id"])],
        ignore_index=True,
    ).drop_duplicates("finding_id")
    hits = hits.rename(columns={"last_error_class": "error_class", "last_failed": "still_failing"})
    hits["last_error_code"] = hits["last_error_code"].astype("string").fillna("(none)")
    rank = hits["severity"].map(SEVERITY_RANK)
    return (
        hits.assign(_rank=rank)
        .sort_values(["_rank", "area", "check"], kind="stable")[columns]
        .reset_index(drop=True)
    )


def double_billed(findings: pd.DataFrame) -> pd.DataFrame:
    """Money recorded twice by retry duplicates, per currency and kind (invoices, payments)."""
    dupes = findings[findings["check"].isin(["duplicate_invoice_retry", "duplicate_payment_retry"])]
    if dupes.empty:
        return pd.DataFrame(columns=["kind", "currency", "copies", "amount_cents"])
    kind = dupes["qb_entity"].map({"Invoice": "Invoices", "Payment": "Payments"})
    return (
        dupes.assign(kind=kind)
        .groupby(["kind", "currency"])
        .agg(copies=("qb_id", "size"), amount_cents=("amount_at_risk_cents", "sum"))
        .reset_index()
    )


def duplicate_amounts(clusters: pd.DataFrame | None, findings: pd.DataFrame) -> pd.DataFrame:
    """Per invoice cluster: customer, copies and the amount billed twice (in units, for a chart)."""
    columns = ["cluster_id", "customer", "copies", "amount", "currency"]
    copies = findings[findings["check"] == "duplicate_invoice_retry"]
    if clusters is None or clusters.empty or copies.empty:
        return pd.DataFrame(columns=columns)
    members = clusters[["cluster_id", "id", "customer_name", "customer_id"]].merge(
        copies[["qb_id", "amount_at_risk_cents", "currency"]], left_on="id", right_on="qb_id"
    )
    members["customer"] = members["customer_name"].fillna(members["customer_id"])
    # A cluster is named by its kept invoice's number, as people see it (the cluster id is built
    # from the kept invoice's QBO Id, which is another invoice's number more often than not).
    if "doc_number" in clusters and "keep" in clusters:
        kept = clusters[clusters["keep"].astype(bool)].drop_duplicates("cluster_id")
        number = kept.set_index("cluster_id")["doc_number"].astype("string").str.strip()
        named = ("Invoice " + number.replace("", pd.NA)).dropna()
        members["cluster_id"] = members["cluster_id"].map(named).fillna(members["cluster_id"])
    out = (
        members.groupby(["cluster_id", "customer", "currency"], dropna=False)
        .agg(copies=("id", "size"), amount=("amount_at_risk_cents", "sum"))
        .reset_index()
    )
    out["amount"] = out["amount"].astype("float64") / 100
    return out[columns].sort_values("amount", ascending=False).reset_index(drop=True)


def retries(data: Dataset) -> pd.DataFrame:
    """How many records needed 0, 1, 2... retries, and how many of them still fail (no log: empty)."""
    columns = ["retries", "records", "still_failing"]
    if not data.has("sync_log") or data["sync_log"].empty:
        return pd.DataFrame(columns=columns)
    summary = record_summary(data["sync_log"])
    bucket = summary["retries"].clip(upper=5).astype(int).astype(str).replace("5", "5 or more")
    grouped = summary.assign(retries=bucket).groupby("retries")
    return pd.DataFrame(
        {"records": grouped.size(), "still_failing": grouped["last_failed"].sum().astype(int)}
    ).reset_index()[columns]


# ---- the views notebook 05 reads (computed during `check`) ------------------------------------


@view("double_billed", "sync_jobs", "Customers billed twice by retried creates, with the amount")
def double_billed_view(run: RunView) -> pd.DataFrame:
    return double_billed(run.area("sync_jobs"))


@view("duplicate_amounts", "sync_jobs", "Largest duplicate-invoice clusters by amount billed twice")
def duplicate_amounts_view(run: RunView) -> pd.DataFrame:
    return duplicate_amounts(run.output("matches/qb_invoice_duplicates.csv"), run.area("sync_jobs"))


def _timeline(run: RunView) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] = run.ctx.shared(
        "sync_jobs.timeline_views", lambda: timeline(run.data, run.config, run.as_of)
    )
    return frames


@view("activity", "sync_jobs", "Deals won and invoices created per day")
def activity_view(run: RunView) -> pd.DataFrame:
    return _timeline(run)[0]


@view("outages", "sync_jobs", "Days with won deals and no invoices from the sync")
def outages_view(run: RunView) -> pd.DataFrame:
    return _timeline(run)[1]


@view("bursts", "sync_jobs", "Days when the sync created unusually many invoices")
def bursts_view(run: RunView) -> pd.DataFrame:
    return _timeline(run)[2]


@view("lag", "sync_jobs", "Days from close to invoice, per won deal")
def lag_view(run: RunView) -> pd.DataFrame:
    return lag(run.data, run.config)


@view("error_classes", "sync_jobs", "Sync-log errors per week, by class")
def error_classes_view(run: RunView) -> pd.DataFrame:
    return error_classes(run.data, "W")


@view("retries", "sync_jobs", "Records the connector retried, and how it ended")
def retries_view(run: RunView) -> pd.DataFrame:
    return retries(run.data)


@view("explained", "sync_jobs", "Findings of every area that the sync log explains")
def explained_view(run: RunView) -> pd.DataFrame:
    return explain_findings(run.findings, run.data)


@view("duplicate_records", "sync_jobs", "Invoices created twice, one row per copy, keyed by record")
def duplicate_records_view(run: RunView) -> pd.DataFrame:
    """matches/qb_invoice_duplicates.csv with each copy keyed as a QBO invoice, for links."""
    columns = ["cluster_id", "keep", "reasons", "txn_date", "amount", "currency"]
    clusters = run.output("matches/qb_invoice_duplicates.csv")
    if clusters is None or clusters.empty:
        return pd.DataFrame(
            columns=["qb_entity", "qb_id", "QuickBooks Id", *columns, "minutes_after_first"]
        )
    return pd.DataFrame(
        {
            "qb_entity": "Invoice",
            "qb_id": clusters["id"],
            # Copies share a DocNumber: only the internal Id tells them apart.
            "QuickBooks Id": clusters["id"],
            **{c: clusters[c] for c in [*columns, "minutes_after_first"] if c in clusters},
        }
    ).reset_index(drop=True)


VIEWS = (
    double_billed_view,
    duplicate_amounts_view,
    activity_view,
    outages_view,
    bursts_view,
    lag_view,
    error_classes_view,
    retries_view,
    explained_view,
    duplicate_records_view,
)
