"""Control totals, the billing funnel and the partial_sync fix lists.

Control totals put every won deal's gap (won amount - invoiced pre-tax subtotal) in the one
billing category billing_state gave it, so per month and currency:
    won - invoiced == sum of the category columns, to the cent,
and each category owned by a partial_sync check equals the sum of that check's amount_at_risk.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, DataLoaderFile, output
from sfqb_diag.checks.line_pairing.reconcile import line_reconciliation
from sfqb_diag.checks.partial_sync.amounts import deal_amount_cents
from sfqb_diag.checks.partial_sync.state import CATEGORY_CHECK, shared_state
from sfqb_diag.words import day, days_between, format_cents

# Column order of the gap explanation (finance reads left to right: timing, then defects, then others).
GAP_COLUMNS = [
    "not_yet_due",
    "in_flight",
    "unbilled",
    "stuck_unbilled",
    "link_missing",
    "voided",
    "lines_missing",
    "stale_salesforce",
    "stale_quickbooks",
    "conflict",
    "line_differences",
    "lines_dropped",
    "deal_amount_differs",
    "lost_writeback",
    "unlinked_billed",
    "billed",
]
UNBILLED = {
    "unbilled": "won, never invoiced",
    "stuck_unbilled": "sync error, never invoiced",
    "link_missing": "linked invoice deleted",
    "voided": "linked invoice voided",
    "lines_missing": "invoice missing lines",
}
# A linked deal its invoice under-bills with no line to explain it (deal_amount_mismatch).
UNDER_BILLED = "invoice bills less than the deal"


def dropped_lines_cents(ctx: Context) -> pd.Series:
    """Opportunity Id -> cents of its Salesforce lines that never reached its invoice (the
    line_missing_line findings, from the shared line pairing); empty without line tables."""
    if not ctx.data.has("opportunity_lines", "invoice_lines", "invoices"):
        return pd.Series(dtype="int64")
    rows = line_reconciliation(ctx)
    rows = rows[rows["diff_class"] == "missing_line"]
    return rows.groupby("opportunity_id")["delta_cents"].sum().abs().astype("int64")


def control_totals_cents(
    opps: pd.DataFrame, dropped: pd.Series | None = None, deal_level: pd.Series | None = None
) -> pd.DataFrame:
    """Per close month and currency, in integer cents: won, invoiced, gap, the gap per billing
    category, the part explained by partial_sync findings, and what is left to other areas.

    `dropped` (opportunity Id -> cents of lines that never reached the invoice) moves that money
    out of the deal-level line_differences category into lines_dropped (line_missing_line's);
    `deal_level` (opportunity Id -> signed gap of the deals deal_amount_mismatch reports, which no
    line explains) moves their whole gap into deal_amount_differs."""
    won = opps[opps["category"].notna()]
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(won["close_date"]).dt.strftime("%Y-%m").fillna("no date"),
            "currency": won["currency"].astype("string").fillna(""),
            "won": won["amount_cents"].astype("Int64").fillna(0),
            "invoiced": won["invoiced_cents"],
            "gap": won["gap_cents"],
            "category": won["category"],
        }
    )
    keys = ["month", "currency"]
    base = frame.groupby(keys).agg(
        won_deals=("won", "size"),
        won=("won", "sum"),
        invoiced=("invoiced", "sum"),
        gap=("gap", "sum"),
    )
    split = frame.pivot_table(
        index=keys, columns="category", values="gap", aggfunc="sum", fill_value=0
    )
    table = base.join(split.reindex(columns=GAP_COLUMNS, fill_value=0)).fillna(0)
    in_lines = won["category"].eq("line_differences")
    for column, moved in (("lines_dropped", dropped), ("deal_amount_differs", deal_level)):
        cents = won["id"].map(moved if moved is not None else pd.Series(dtype="int64"))
        cents = cents.fillna(0).where(in_lines, 0).astype("int64")
        by_key = cents.groupby([frame["month"], frame["currency"]]).sum()
        table[column] = by_key.reindex(table.index, fill_value=0)
        table["line_differences"] = table["line_differences"] - table[column]
    checked = [
        *(c for c in GAP_COLUMNS if CATEGORY_CHECK.get(c)),
        "lines_dropped",
        "deal_amount_differs",
    ]
    table["explained_by_findings"] = table[checked].sum(axis=1)
    table["other_areas_or_timing"] = table["gap"] - table["explained_by_findings"]
    return table.astype("int64").reset_index()


def _with_totals(table: pd.DataFrame) -> pd.DataFrame:
    totals = table.groupby("currency").sum(numeric_only=True).reset_index().assign(month="total")
    return pd.concat([table, totals[table.columns]], ignore_index=True)


@output(
    "remediation/control_totals.csv",
    area="partial_sync",
    needs=("opportunities", "invoices"),
    description="Won amount vs invoiced pre-tax subtotal by close month and currency, the gap split by cause; "
    "reconciles to the cent with the partial_sync findings",
)
def control_totals(ctx: Context) -> pd.DataFrame:
    opps, _, _ = shared_state(ctx)
    table = _with_totals(
        control_totals_cents(opps, dropped_lines_cents(ctx), deal_amount_cents(ctx))
    )
    money = [c for c in table.columns if c not in ("month", "currency", "won_deals")]
    for column in money:
        table[column] = format_cents(table[column].astype("Int64"))
    return table.rename(columns={"won": "won_amount", "invoiced": "invoiced_subtotal"})


@output(
    "remediation/unbilled_opportunities.csv",
    area="partial_sync",
    needs=("opportunities",),
    description="Won opportunities with revenue not invoiced (never invoiced, invoice deleted or voided, "
    "lines missing, invoice billing less than the deal), oldest and largest first, for finance to bill",
)
def unbilled_opportunities(ctx: Context) -> pd.DataFrame:
    opps, _, _ = shared_state(ctx)
    deal_level = deal_amount_cents(ctx)
    under = deal_level[deal_level > 0].index
    rows = opps[opps["category"].isin(list(UNBILLED)) | opps["id"].isin(under)]
    # An under-billed deal owes only what no line explains (products lists the line corrections).
    cents = rows["id"].map(deal_level).astype("Int64").where(rows["id"].isin(under))
    cents = cents.fillna(rows["gap_cents"]).astype("Int64")
    accounts = ctx.data.get("accounts")
    names = accounts.set_index("id")["name"] if accounts is not None else pd.Series(dtype="string")
    customer = (
        accounts.set_index("id")["qb_customer_id"]
        if accounts is not None and "qb_customer_id" in accounts
        else pd.Series(dtype="string")
    )
    table = pd.DataFrame(
        {
            "opportunity_id": rows["id"],
            "opportunity": rows["name"],
            "account_id": rows["account_id"],
            "account": rows["account_id"].map(names),
            "qb_customer_id": rows["account_id"].map(customer),
            "close_date": day(rows["close_date"]),
            "age_days": days_between(rows["close_date"], ctx.as_of),
            "amount_unbilled": format_cents(cents),
            "currency": rows["currency"],
            "reason": rows["category"].map(UNBILLED).where(~rows["id"].isin(under), UNDER_BILLED),
            "current_invoice_id": rows["link"],
            "sync_status": rows["sync_status"],
            "sync_error": rows["sync_error"],
            "_cents": cents,
        }
    )
    table = table.sort_values(
        ["_cents", "age_days", "opportunity_id"], ascending=[False, False, True], kind="stable"
    )
    return table.drop(columns="_cents").reset_index(drop=True)


@output(
    "remediation/salesforce_opportunity_links.csv",
    area="partial_sync",
    kind="data_loader",
    needs=("opportunities", "invoices"),
    description="Data Loader update restoring lost write-backs: Id + the invoice link field set to the "
    "invoice that names the opportunity (rollback file holds the current values)",
)
def opportunity_links(ctx: Context) -> DataLoaderFile:
    from sfqb_diag.checks.partial_sync.billing import link_field

    opps, _, _ = shared_state(ctx)
    # Only invoices that also bill the deal's customer or amount: a copied memo is left to a person.
    rows = opps[opps["named_plausible"] & ~opps["link_resolves"]].sort_values("id")
    field = link_field(ctx)
    update = pd.DataFrame({"Id": rows["id"].astype(str), field: rows["named_invoice"].astype(str)})
    rollback = pd.DataFrame(
        {"Id": rows["id"].astype(str), field: rows["link"].astype("string").fillna("").astype(str)}
    )
    # Restoring only the link would leave the deal in its error status, and the connector would
    # retry it (a duplicate invoice). Set the status the connector writes on success, which is the
    # one its linked deals carry, and clear the error.
    for role, column in (
        ("opportunity_sync_status", "sync_status"),
        ("opportunity_sync_error", "sync_error"),
    ):
        where = ctx.config.links.field_of(role)
        if not where or not ctx.data.has_column("opportunities", column) or column not in opps:
            continue
        if column == "sync_status":
            success = (
                opps.loc[opps["link_resolves"].fillna(False).astype(bool), column].dropna().mode()
            )
            if success.empty:
                continue
            update[where[1]] = str(success.iloc[0])
        else:
            update[where[1]] = ""
        rollback[where[1]] = rows[column].astype("string").fillna("").astype(str).to_numpy()
    return DataLoaderFile(
        update=update.reset_index(drop=True), rollback=rollback.reset_index(drop=True)
    )
