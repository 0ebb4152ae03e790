"""What QuickBooks says each linked customer owes, computed once per run from the pulled data.

Open balance, overdue balance by age bucket, invoiced, paid and credited to date, per QBO
customer in its own currency (a QBO customer has one currency forever), then per Salesforce
account through the account's stored link. The rollup checks compare these with the money the
connector wrote back into Salesforce; notebook 04 charts the aging. Pure pandas, no clock: an
invoice's age is counted to the run's as-of day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import Context
from sfqb_diag.checks.partial_sync.state import invoice_facts, lookup
from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import member

# Aging buckets by whole days past the due date, as QBO's A/R aging report groups them.
BUCKETS = ("current", "1-30", "31-60", "61-90", "over_90")
BUCKET_WORDS = {
    "current": "not yet due",
    "1-30": "1-30 days past due",
    "31-60": "31-60 days past due",
    "61-90": "61-90 days past due",
    "over_90": "over 90 days past due",
}
# Per-customer money columns (integer cents) and what each means.
MONEY = ("due_cents", "overdue_cents", "invoiced_cents", "paid_cents", "credited_cents")


def as_of_day(as_of: pd.Timestamp) -> pd.Timestamp:
    """The as-of time's calendar day (UTC), naive like QBO's DueDate."""
    return as_of.tz_convert("UTC").normalize().tz_localize(None)


def open_invoices(data: Dataset, as_of: pd.Timestamp) -> pd.DataFrame:
    """Invoices with a balance left (voided ones aside): id, doc_number, customer_id, currency,
    balance_cents, due_date, days_past_due, bucket. An invoice without DueDate is due on its
    TxnDate (QBO's "Due on receipt")."""
    facts = invoice_facts(data)
    live = facts[~facts["voided"] & facts["balance_cents"].fillna(0).gt(0)]
    due = pd.to_datetime(live["due_date"]).fillna(pd.to_datetime(live["txn_date"]))
    late = (as_of_day(as_of) - due).dt.days.astype("Int64")
    edges = [-np.inf, 0, 30, 60, 90, np.inf]
    bucket = pd.cut(late.astype("float64").fillna(0), edges, labels=list(BUCKETS))
    return pd.DataFrame(
        {
            "id": live["id"].astype("string"),
            "doc_number": live["doc_number"].astype("string"),
            "customer_id": live["customer_id"].astype("string"),
            "currency": live["currency"].astype("string"),
            "balance_cents": live["balance_cents"].astype("Int64"),
            "due_date": due,
            "days_past_due": late,
            "bucket": bucket.astype("string"),
        }
    ).reset_index(drop=True)


def _sum_by_customer(frame: pd.DataFrame | None, column: str) -> pd.Series:
    if frame is None or column not in frame:
        return pd.Series(dtype="Int64")
    return frame.groupby(frame["customer_id"].astype("string"))[column].sum().astype("Int64")


def _newest_by_customer(frames: list[pd.DataFrame | None]) -> pd.Series:
    """The newest QBO change (LastUpdatedTime) of each customer's invoices, payments, credits."""
    parts = [
        f[["customer_id", "last_updated_time"]]
        for f in frames
        if f is not None and {"customer_id", "last_updated_time"} <= set(f.columns)
    ]
    if not parts:
        return pd.Series(dtype="datetime64[us, UTC]")
    joined = pd.concat(parts, ignore_index=True)
    return joined.groupby(joined["customer_id"].astype("string"))["last_updated_time"].max()


def _aging(opened: pd.DataFrame) -> pd.DataFrame:
    """Open balance per customer and bucket, one `bucket_<name>` column per bucket."""
    aging = opened.pivot_table(
        index="customer_id",
        columns="bucket",
        values="balance_cents",
        aggfunc="sum",
        fill_value=0,
        observed=False,
    ).reindex(columns=list(BUCKETS), fill_value=0)
    aging.columns = [f"bucket_{b}" for b in aging.columns]
    return aging.astype("Int64")


def _open_numbers(opened: pd.DataFrame) -> pd.Series:
    """'1004, 1012, ...': the customer's open invoices by number, oldest due first (five)."""
    return (
        opened.sort_values(["customer_id", "due_date", "id"])
        .assign(doc=lambda o: o["doc_number"].fillna("Id " + o["id"]))
        .groupby("customer_id")["doc"]
        .agg(lambda docs: ", ".join(docs.head(5)) + (", ..." if len(docs) > 5 else ""))
    )


def _customer_ids(data: Dataset, billed: pd.DataFrame) -> pd.Index:
    customers = data.get("customers")
    named = [
        billed["customer_id"],
        *(_ids(data, t) for t in ("payments", "credit_memos")),
        customers["id"] if customers is not None else pd.Series(dtype="string"),
    ]
    return pd.Index(pd.concat(named).dropna().astype("string").unique(), name="customer_id")


def _qbo_facts(data: Dataset, ids: pd.Index) -> pd.DataFrame:
    """Customer.Balance and the newest QBO change of each customer's transactions."""
    keys = pd.Series(ids)
    customers = data.get("customers")
    out = pd.DataFrame(index=ids)
    out["qbo_balance_cents"] = (
        lookup(keys, customers.set_index("id"), ["balance_cents"])["balance_cents"]
        .astype("Int64")
        .to_numpy()
        if customers is not None and "balance_cents" in customers
        else pd.NA
    )
    newest = _newest_by_customer(
        [data.get("invoices"), data.get("payments"), data.get("credit_memos")]
    )
    found = lookup(keys, newest.to_frame(), ["last_updated_time"])
    out["last_qbo_change"] = found["last_updated_time"].to_numpy()
    return out


def customer_receivables(data: Dataset, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per QBO customer (every pulled one, and any a transaction names), indexed by Id:
    currency, due/overdue/invoiced/paid/credited cents, one column per aging bucket
    (`bucket_<name>` cents), open_invoices (their numbers), qbo_balance_cents (Customer.Balance)
    and last_qbo_change."""
    opened = open_invoices(data, as_of)
    facts = invoice_facts(data)
    billed = facts[~facts["voided"]]
    ids = _customer_ids(data, billed)
    out = pd.DataFrame(index=ids)
    out["currency"] = _currency(data, billed, ids)
    out["due_cents"] = _sum_by_customer(opened, "balance_cents").reindex(ids).fillna(0)
    out = out.join(_aging(opened)).fillna({f"bucket_{b}": 0 for b in BUCKETS})
    out["overdue_cents"] = out[[f"bucket_{b}" for b in BUCKETS[1:]]].sum(axis=1).astype("Int64")
    out["invoiced_cents"] = _sum_by_customer(billed, "total_cents").reindex(ids).fillna(0)
    out["paid_cents"] = _optional_sum(data, "payments", ids)
    out["credited_cents"] = _optional_sum(data, "credit_memos", ids)
    out["open_invoices"] = _open_numbers(opened).reindex(ids).astype("string").fillna("")
    out = out.join(_qbo_facts(data, ids))
    for column in MONEY:
        out[column] = out[column].astype("Int64")
    return out


def _ids(data: Dataset, table: str) -> pd.Series:
    frame = data.get(table)
    return frame["customer_id"] if frame is not None else pd.Series(dtype="string")


def _optional_sum(data: Dataset, table: str, ids: pd.Index) -> pd.Series:
    """Total of a customer's payments or credit memos; NA for every customer when the file is
    absent (unknown, which is not zero)."""
    frame = data.get(table)
    if frame is None:
        return pd.Series(pd.NA, index=ids, dtype="Int64")
    return _sum_by_customer(frame, "total_cents").reindex(ids).fillna(0)


def _currency(data: Dataset, billed: pd.DataFrame, ids: pd.Index) -> pd.Series:
    """The customer's currency (CurrencyRef), else its invoices' currency."""
    customers = data.get("customers")
    own = (
        customers.drop_duplicates("id").set_index("id")["currency"].astype("string")
        if customers is not None and "currency" in customers
        else pd.Series(dtype="string")
    )
    first = billed.drop_duplicates("customer_id").set_index("customer_id")["currency"]
    found = pd.Series(ids, index=ids).map(own).astype("string")
    return found.fillna(pd.Series(ids, index=ids).map(first).astype("string"))


def account_receivables(ctx: Context) -> pd.DataFrame:
    """Per Salesforce account whose stored link resolves: the QBO figures of its customer beside
    the account's rollup fields (whichever the export carries), once per run. Columns:
    account_id, account_name, customer_id, customer_name, rollup_time (the account's
    LastModifiedDate, which the connector's recalculation bumps) and customer_receivables'."""
    return ctx.shared("partial_sync.account_receivables", lambda: _accounts(ctx))


def receivables(ctx: Context) -> pd.DataFrame:
    """customer_receivables once per run."""
    return ctx.shared("partial_sync.receivables", lambda: customer_receivables(ctx.data, ctx.as_of))


def _accounts(ctx: Context) -> pd.DataFrame:
    accounts = ctx.data.get("accounts")
    if accounts is None or "qb_customer_id" not in accounts:
        return pd.DataFrame()
    live = (
        accounts[~accounts["is_deleted"].fillna(False).astype(bool)]
        if "is_deleted" in accounts
        else accounts
    )
    link = live["qb_customer_id"].astype("string").str.strip()
    per_customer = receivables(ctx)
    linked = live[member(link, per_customer.index)].copy()
    linked["customer_id"] = link[linked.index]
    rollups = [c for c in linked.columns if c.startswith("rollup_")]
    frame = linked[["id", "name", "customer_id", "last_modified_date", *rollups]].rename(
        columns={"id": "account_id", "name": "account_name", "last_modified_date": "rollup_time"}
    )
    joined = frame.merge(per_customer, left_on="customer_id", right_index=True, how="left")
    names = ctx.data.get("customers")
    display = (
        names.drop_duplicates("id").set_index("id")["display_name"].astype("string")
        if names is not None
        else pd.Series(dtype="string")
    )
    joined["customer_name"] = joined["customer_id"].map(display).astype("string")
    return joined.reset_index(drop=True)
