"""The billing state of every opportunity and the facts of every invoice, computed once per run.

Every partial_sync check, the control totals and the funnel read the one frame built here, so a
won deal is put in exactly one billing category and the control totals reconcile with the
findings by construction. Pure functions of the Dataset; no check logic lives here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import Context
from sfqb_diag.config import ClientConfig, Thresholds
from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import member
from sfqb_diag.linkage import invoice_opportunity_refs, won_deals

# QBO voids an invoice by zeroing every amount and writing "Voided" into its PrivateNote.
VOID_NOTE = r"(?i)\bvoid(?:ed)?\b"
# Statuses a sync writes while a record waits or after it failed (QBO_Sync_Status__c values vary
# by connector: Breadwinner, DBSync and home-made syncs use these words).
ERROR_STATUSES = ("error", "failed", "failure")
PENDING_STATUSES = ("pending", "queued", "processing", "in progress", "retry")

# Billing categories of a won opportunity; the gap (won - invoiced) of each is explained by
# the finding named in CATEGORY_CHECK (None: not a partial_sync defect).
CATEGORY_CHECK = {
    "billed": None,
    "not_yet_due": None,
    "in_flight": None,
    "line_differences": None,
    "conflict": None,
    "not_checked": None,
    "unbilled": "won_not_invoiced",
    "stuck_unbilled": "sync_error_stuck",
    "link_missing": "invoice_link_missing",
    "voided": "invoice_voided",
    "lines_missing": "invoice_lines_missing",
    "stale_salesforce": "stale_opportunity",
    "stale_quickbooks": "stale_invoice_edit",
    "lost_writeback": None,
    "unlinked_billed": None,
}


def _blank_to_na(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def invoice_facts(data: Dataset) -> pd.DataFrame:
    """One row per invoice: lines subtotal (pre-tax, net of the invoice discount), item-line
    count, header net total (TotalAmt - tax), voided flag, customer, dates.

    Group (bundle) children are SalesItemLineDetail rows and carry the amounts; the group row
    itself is counted as one item line but its amount is not summed twice.
    """
    inv = data["invoices"].copy()
    lines = data.get("invoice_lines")
    if lines is None:
        lines = pd.DataFrame(
            {
                "txn_id": pd.Series(dtype="string"),
                "detail_type": pd.Series(dtype="string"),
                "amount_cents": pd.Series(dtype="Int64"),
                "group_line_id": pd.Series(dtype="string"),
            }
        )
    kind = lines["detail_type"].astype("string")
    amount = lines["amount_cents"].astype("Int64").fillna(0)
    sales = amount.where(kind == "SalesItemLineDetail", 0).groupby(lines["txn_id"]).sum()
    discount = amount.where(kind == "DiscountLineDetail", 0).groupby(lines["txn_id"]).sum()
    top_item = (
        kind.isin(["SalesItemLineDetail", "GroupLineDetail"]) & lines["group_line_id"].isna()
    ).fillna(False)
    items = top_item.astype(int).groupby(lines["txn_id"]).sum()
    nonzero = (top_item & amount.ne(0)).astype(int).groupby(lines["txn_id"]).sum()
    ids = inv["id"].astype("string")
    inv["lines_net_cents"] = (
        (
            pd.to_numeric(ids.map(sales), errors="coerce").fillna(0)
            - pd.to_numeric(ids.map(discount), errors="coerce").fillna(0)
        )
        .astype("Int64")
        .to_numpy()
    )
    inv["item_lines"] = (
        pd.to_numeric(ids.map(items), errors="coerce").fillna(0).astype(int).to_numpy()
    )
    inv["nonzero_lines"] = (
        pd.to_numeric(ids.map(nonzero), errors="coerce").fillna(0).astype(int).to_numpy()
    )
    tax = inv["total_tax_cents"].fillna(0) if "total_tax_cents" in inv else 0
    inv["header_net_cents"] = (inv["total_cents"] - tax).astype("Int64")
    note_void = (
        inv["private_note"].astype("string").str.contains(VOID_NOTE, regex=True).fillna(False)
    )
    zeroed = (
        inv["total_cents"].fillna(0).eq(0) & inv["item_lines"].gt(0) & inv["nonzero_lines"].eq(0)
    )
    inv["voided"] = (note_void | zeroed).astype(bool)
    return inv.set_index(ids, drop=False).rename_axis(None)


def _naming(data: Dataset, config: ClientConfig, facts: pd.DataFrame) -> pd.DataFrame:
    """Invoices that name an opportunity, oldest first: one row per (opportunity, invoice)."""
    refs = invoice_opportunity_refs(data, config)
    created = facts[["id", "create_time"]].rename(columns={"id": "invoice_id"})
    refs = refs.merge(created, on="invoice_id", how="left").assign(
        num=lambda r: pd.to_numeric(r["invoice_id"], errors="coerce")
    )
    return refs.sort_values(["sf_id", "create_time", "num", "invoice_id"], kind="stable")


def _status_kind(status: pd.Series) -> pd.Series:
    text = status.astype("string").str.strip().str.lower()
    kind = pd.Series("", index=status.index, dtype="string")
    kind = kind.mask(text.isin(PENDING_STATUSES).fillna(False), "pending")
    return kind.mask(text.isin(ERROR_STATUSES).fillna(False), "error")


def _line_changes(data: Dataset) -> pd.DataFrame:
    """Per opportunity: number of lines and the newest line edit."""
    lines = data.get("opportunity_lines")
    if lines is None or lines.empty:
        return pd.DataFrame(
            {
                "opp_lines": pd.Series(dtype=int),
                "lines_modified": pd.Series(dtype="datetime64[us, UTC]"),
            }
        )
    grouped = lines.groupby("opportunity_id")
    return pd.DataFrame(
        {"opp_lines": grouped.size(), "lines_modified": grouped["last_modified_date"].max()}
    )


def opportunity_frame(data: Dataset) -> pd.DataFrame:
    """Live (not deleted) opportunities with normalised link, status, won flag and line facts."""
    opps = data["opportunities"]
    opps = (
        opps[~opps["is_deleted"].fillna(False).astype(bool)].copy()
        if "is_deleted" in opps
        else opps.copy()
    )
    for column, dtype in (
        ("qb_invoice_id", "string"),
        ("sync_status", "string"),
        ("sync_error", "string"),
        ("last_sync", "datetime64[us, UTC]"),
    ):
        if column not in opps:
            opps[column] = pd.Series(
                pd.NA if dtype == "string" else pd.NaT, index=opps.index, dtype=dtype
            )
    opps["link"] = _blank_to_na(opps["qb_invoice_id"])
    opps["won"] = won_deals(opps)
    opps["status_kind"] = _status_kind(opps["sync_status"])
    changes = _line_changes(data)
    found = lookup(opps["id"], changes, ["opp_lines", "lines_modified"])
    opps["opp_lines"] = found["opp_lines"].fillna(0).astype(int)
    opps["lines_modified"] = found["lines_modified"]
    return opps.reset_index(drop=True)


def lookup(keys: pd.Series, table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Columns of `table` (indexed by id) for each key, NA where absent; aligned with `keys`.
    (A left merge: Series.map fails on empty datetime lookups in pandas 3.)"""
    right = table.loc[~table.index.duplicated(), columns].rename_axis("_key").reset_index()
    left = pd.DataFrame({"_key": keys.astype("string").to_numpy()})
    right["_key"] = right["_key"].astype("string")
    found = left.merge(right, on="_key", how="left").set_index(keys.index)
    for column in columns:  # keep datetimes typed (tz-aware stays tz-aware) even when all missing
        if str(table[column].dtype).startswith("datetime64"):
            found[column] = found[column].astype(table[column].dtype)
    return found


def _bills(opps: pd.DataFrame, facts: pd.DataFrame, naming: pd.DataFrame) -> pd.DataFrame:
    """Which invoice bills each opportunity: the link when it resolves, else the oldest naming one."""
    first = naming.drop_duplicates("sf_id").set_index("sf_id")["invoice_id"]
    count = naming.groupby("sf_id").size()
    opps["named_invoice"] = opps["id"].map(first).astype("string")
    opps["named_count"] = opps["id"].map(count).fillna(0).astype(int)
    opps["link_resolves"] = member(opps["link"], facts.index)
    use_named = ~opps["link_resolves"] & opps["named_invoice"].notna()
    opps["bill_invoice"] = opps["link"].where(
        opps["link_resolves"], opps["named_invoice"].where(use_named)
    )
    columns = [
        "lines_net_cents",
        "header_net_cents",
        "item_lines",
        "voided",
        "last_updated_time",
        "sync_token",
        "customer_id",
        "txn_date",
        "balance_cents",
        "currency",
        "create_time",
    ]
    found = lookup(opps["bill_invoice"], facts, columns)
    for column in columns:
        opps["inv_" + column] = found[column]
    opps["inv_voided"] = opps["inv_voided"].astype("boolean").fillna(False).astype(bool)
    return opps


def _age_hours(since: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    return (as_of - since).dt.total_seconds() / 3600.0


def won_time(opps: pd.DataFrame) -> pd.Series:
    """When a deal counts as won: the end of its close date (UTC). CloseDate has no time of day,
    so measuring from its end never calls a deal late before it could be."""
    return (pd.to_datetime(opps["close_date"]) + pd.Timedelta(days=1)).dt.tz_localize("UTC")


def _status_since(opps: pd.DataFrame) -> pd.Series:
    """When the record entered its sync status: the sync stamp if any, else its last edit (the
    status write-back itself bumps LastModifiedDate)."""
    return opps["last_sync"].fillna(opps["last_modified_date"])


def categorise(
    opps: pd.DataFrame, t: Thresholds, as_of: pd.Timestamp, have_invoices: bool = True
) -> pd.Series:
    """The one billing category of each won opportunity (see CATEGORY_CHECK)."""
    tol = round(t.amount_tolerance * 100)
    stamp = opps["last_sync"] + pd.Timedelta(minutes=t.stale_minutes)
    # A write-back bumps LastModifiedDate a few seconds past the sync stamp: only edits later
    # than stale_minutes after the stamp count as changes.
    sf_changed = (opps["last_modified_date"] > stamp).fillna(False) | (
        opps["lines_modified"] > stamp
    ).fillna(False)
    token_moved = ~opps["inv_sync_token"].astype("string").fillna("").isin(["", "0"])
    qb_changed = ((opps["inv_last_updated_time"] > stamp).fillna(False) & token_moved).astype(bool)
    gap = opps["gap_cents"].abs() > tol
    linked = opps["link_resolves"]
    # A header without item lines is a partial sync; an invoice with some lines but fewer than the
    # deal is a line-level difference, which the products area names line by line.
    short = opps["inv_item_lines"].fillna(0) == 0
    status_age = _age_hours(_status_since(opps), as_of)
    waiting = opps["status_kind"].isin(["pending", "error"])
    rules = [
        # Without the invoices export a stored link cannot be judged either way.
        (opps["link"].notna() & (not have_invoices), "not_checked"),
        (opps["link"].notna() & ~linked & opps["named_invoice"].isna(), "link_missing"),
        (opps["named_invoice"].notna() & ~linked, "lost_writeback"),
        (linked & opps["inv_voided"], "voided"),
        (linked & gap & short, "lines_missing"),
        (linked & gap & sf_changed & ~qb_changed, "stale_salesforce"),
        (linked & gap & qb_changed & ~sf_changed, "stale_quickbooks"),
        (linked & gap & qb_changed & sf_changed, "conflict"),
        (linked & gap, "line_differences"),
        (linked, "billed"),
        (opps["orphan_invoice"].notna(), "unlinked_billed"),
        (waiting & (status_age <= t.stuck_error_days * 24).fillna(True), "in_flight"),
        (waiting, "stuck_unbilled"),
        (_age_hours(won_time(opps), as_of) <= t.grace_hours, "not_yet_due"),
    ]
    conditions = [
        np.asarray(c.fillna(False) if hasattr(c, "fillna") else c, dtype=bool) for c, _ in rules
    ]
    return pd.Series(
        np.select(conditions, [name for _, name in rules], default="unbilled"),
        index=opps.index,
        dtype="string",
    )


def _empty_facts() -> pd.DataFrame:
    columns = {
        "id": "string",
        "customer_id": "string",
        "txn_date": "datetime64[us]",
        "create_time": "datetime64[us, UTC]",
        "last_updated_time": "datetime64[us, UTC]",
        "sync_token": "string",
        "lines_net_cents": "Int64",
        "header_net_cents": "Int64",
        "item_lines": "int64",
        "nonzero_lines": "int64",
        "voided": "bool",
        "balance_cents": "Int64",
        "currency": "string",
        "private_note": "string",
        "total_cents": "Int64",
    }
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in columns.items()})


def _account_customers(data: Dataset, account_ids: pd.Series) -> pd.Series:
    """The QBO customer Id each deal's account links to (NA when unknown)."""
    accounts = data.get("accounts")
    if accounts is None or "qb_customer_id" not in accounts:
        return pd.Series(pd.NA, index=account_ids.index, dtype="string")
    table = accounts.set_index("id")[["qb_customer_id"]].astype("string")
    return lookup(account_ids, table, ["qb_customer_id"])["qb_customer_id"].str.strip()


def billing_state(
    data: Dataset, config: ClientConfig, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(opportunities with billing columns and `category`, invoice facts, orphan invoices).

    Columns added to each opportunity: link, named_invoice, named_count, link_resolves,
    bill_invoice, inv_* (facts of the billing invoice), orphan_invoice, invoiced_cents, gap_cents
    (won amount - invoiced subtotal; >0 = under-billed), category (won deals only).
    """
    from sfqb_diag.checks.partial_sync.orphans import orphan_invoices

    t = config.thresholds
    facts = invoice_facts(data) if data.has("invoices") else _empty_facts()
    opps = opportunity_frame(data)
    opps["account_customer"] = _account_customers(data, opps["account_id"])
    naming = _naming(data, config, facts)
    opps = _bills(opps, facts, naming)
    # An invoice that names a deal is taken as its invoice when it also bills the deal's QBO
    # customer or its amount: a copied memo alone must not drive a Data Loader update.
    opps["named_plausible"] = opps["named_invoice"].notna() & (
        opps["inv_customer_id"].eq(opps["account_customer"]).fillna(False)
        | opps["inv_lines_net_cents"].eq(opps["amount_cents"]).fillna(False)
    )
    orphans = orphan_invoices(data, opps, facts, naming, t)
    matched = orphans[orphans["reason"] == "matches_opportunity"].set_index("sf_id")["invoice_id"]
    opps["orphan_invoice"] = opps["id"].map(matched).astype("string")
    billed = opps["inv_lines_net_cents"].astype("Int64").where(~opps["inv_voided"], 0)
    billed = billed.fillna(
        opps["orphan_invoice"].map(facts["lines_net_cents"]).astype("Int64")
    ).fillna(0)
    opps["invoiced_cents"] = billed.astype("Int64")
    opps["gap_cents"] = (
        opps["amount_cents"].astype("Int64").fillna(0) - opps["invoiced_cents"]
    ).astype("Int64")
    opps["category"] = pd.Series(pd.NA, index=opps.index, dtype="string")
    won = opps["won"]
    opps.loc[won, "category"] = categorise(opps[won], t, as_of, data.has("invoices"))
    return opps, facts, orphans


def shared_state(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """billing_state once per run (every partial_sync check and output reads it)."""
    state: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] = ctx.shared(
        "partial_sync.billing_state", lambda: billing_state(ctx.data, ctx.config, ctx.as_of)
    )
    return state
