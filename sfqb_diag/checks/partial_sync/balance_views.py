"""The tables notebook 04 (and the overview) show about balances and record states, computed
during `check`: the aging per currency with Salesforce beside QuickBooks, the rollup differences
largest first, and the record-status counts."""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import RunView, view
from sfqb_diag.checks.partial_sync.receivables import (
    BUCKET_WORDS,
    BUCKETS,
    account_receivables,
    receivables,
)
from sfqb_diag.words import money_text

PAST_DUE = "past due, any age"
AGING_COLUMNS = ["currency", "bucket", "source", "amount_cents", "amount"]
# Every row names its QBO side's entity (a one-sided Salesforce row too): the kind of pair.
PAIR_WORDS = {
    "Customer": "Accounts / customers",
    "Item": "Products / items",
    "Invoice": "Deals / invoices",
    "Payment": "Payments",
}


def _qbo_aging(per_customer: pd.DataFrame) -> pd.DataFrame:
    columns = [f"bucket_{b}" for b in BUCKETS]
    sums = per_customer.groupby("currency")[columns].sum()
    sums.columns = [BUCKET_WORDS[b] for b in BUCKETS]
    sums[PAST_DUE] = sums[[BUCKET_WORDS[b] for b in BUCKETS[1:]]].sum(axis=1)
    return sums.rename_axis(columns="bucket").stack().rename("amount_cents").reset_index()


def _sf_aging(accounts: pd.DataFrame) -> pd.DataFrame:
    """What the account rollups say: not yet due (due - overdue) and past due; Salesforce
    keeps no split of the past-due money by age."""
    if accounts.empty or not {"rollup_due_cents", "rollup_overdue_cents"} <= set(accounts):
        return pd.DataFrame(columns=["currency", "bucket", "amount_cents"])
    due = accounts["rollup_due_cents"].astype("Int64")
    over = accounts["rollup_overdue_cents"].astype("Int64")
    frame = pd.DataFrame(
        {
            "currency": accounts["currency"],
            BUCKET_WORDS["current"]: (due - over.fillna(0)),
            PAST_DUE: over,
        }
    )
    sums = frame.groupby("currency")[[BUCKET_WORDS["current"], PAST_DUE]].sum(min_count=1)
    return sums.rename_axis(columns="bucket").stack().rename("amount_cents").reset_index()


@view(
    "aging",
    "partial_sync",
    "Open balance by age, per currency: QuickBooks beside Salesforce",
)
def aging_view(run: RunView) -> pd.DataFrame:
    """Long table for a grouped bar chart: QuickBooks' open balance of every customer by days
    past due, and, when the account rollups are loaded, what Salesforce shows for the linked
    accounts (not yet due, past due)."""
    if not run.data.has("invoices"):  # a partial export: the page shows an empty chart
        return pd.DataFrame(columns=AGING_COLUMNS)
    qbo = _qbo_aging(receivables(run.ctx)).assign(source="QuickBooks")
    sf = _sf_aging(account_receivables(run.ctx)).assign(source="Salesforce")
    frame = pd.concat([qbo, sf], ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=AGING_COLUMNS)
    frame["amount_cents"] = frame["amount_cents"].astype("Int64")
    frame["amount"] = frame["amount_cents"].astype("float64") / 100
    order = {b: i for i, b in enumerate([*BUCKET_WORDS.values(), PAST_DUE])}
    frame = frame.sort_values(
        ["currency", "bucket", "source"], key=lambda c: c.map(order) if c.name == "bucket" else c
    )
    return frame[AGING_COLUMNS].reset_index(drop=True)


@view(
    "rollup_differences",
    "partial_sync",
    "Accounts whose rollups differ from QuickBooks, largest first",
)
def rollup_differences_view(run: RunView) -> pd.DataFrame:
    """The rollup findings as records to link, most money first (the findings' own words)."""
    found = run.findings[run.findings["check"] == "rollup_mismatch"]
    found = found.sort_values("amount_at_risk_cents", ascending=False, kind="stable")
    return pd.DataFrame(
        {
            "sf_object": found["sf_object"],
            "sf_id": found["sf_id"],
            "qb_entity": found["qb_entity"],
            "qb_id": found["qb_id"],
            "severity": found["severity"],
            "difference": money_text(found["amount_at_risk_cents"], found["currency"]),
            "what_differs": found["title"],
        }
    ).reset_index(drop=True)


@view(
    "record_status_counts",
    "partial_sync",
    "Synced records by kind and state (matches/record_status.csv)",
)
def record_status_counts_view(run: RunView) -> pd.DataFrame:
    """One row per kind of pair, one column per state, counts of rows."""
    rows = run.output("matches/record_status.csv")
    if rows is None or rows.empty:
        return pd.DataFrame(columns=["records", "status", "count"])
    records = rows["qb_entity"].map(PAIR_WORDS).fillna(rows["qb_entity"])
    return (
        pd.DataFrame({"records": records, "status": rows["status"]})
        .groupby(["records", "status"], sort=False)
        .size()
        .rename("count")
        .reset_index()
    )


VIEWS = (aging_view, rollup_differences_view, record_status_counts_view)
