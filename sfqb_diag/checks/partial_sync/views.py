"""What notebook 04 plots, as pure functions: the billing funnel, the age of unbilled revenue and
the month-by-month gap between won and invoiced, split by cause, in plain words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sfqb_diag.checks.base import RunView, view
from sfqb_diag.checks.partial_sync.state import billing_state, shared_state
from sfqb_diag.checks.partial_sync.totals import GAP_COLUMNS
from sfqb_diag.config import ClientConfig, load_config
from sfqb_diag.dataset import Dataset

FUNNEL_STAGES = ("won", "linked", "invoiced", "lines complete", "paid")
AGE_BUCKETS = [
    (-1, 7, "up to a week"),
    (7, 30, "1-4 weeks"),
    (30, 90, "1-3 months"),
    (90, 180, "3-6 months"),
    (180, 10**6, "over 6 months"),
]
CAUSE_WORDS = {
    "not_yet_due": "won recently (grace period)",
    "in_flight": "waiting in the sync queue",
    "unbilled": "never invoiced",
    "stuck_unbilled": "sync error, never invoiced",
    "link_missing": "invoice deleted",
    "voided": "invoice voided",
    "lines_missing": "invoice lines missing",
    "stale_salesforce": "deal changed after the sync",
    "stale_quickbooks": "invoice edited in QBO",
    "conflict": "changed on both sides (sync jobs)",
    "line_differences": "line differences (products)",
    "lines_dropped": "lines that never reached the invoice",
    "deal_amount_differs": "invoice total differs from the deal",
    "lost_writeback": "lost write-back: differences",
    "unlinked_billed": "billed, not linked: differences",
    "billed": "rounding on linked invoices",
}


def funnel(
    data: Dataset, as_of: pd.Timestamp, config: ClientConfig | str | Path | None = None
) -> pd.DataFrame:
    """Won deals past the grace period through linked -> invoiced -> lines complete -> paid:
    deals and amount at each stage, per currency (a deal billed by an invoice that names it, or
    by an unlinked invoice matching it, counts as linked: the sync made it)."""
    config = config if isinstance(config, ClientConfig) else load_config(config)
    opps, _, _ = billing_state(data, config, as_of)
    return funnel_of(opps, data.has("opportunity_lines"))


def funnel_of(opps: pd.DataFrame, lines_known: bool = True) -> pd.DataFrame:
    """The funnel table from the opportunities' billing state (state.billing_state). Without
    OpportunityLineItem.csv (`lines_known` False) the "lines complete" step is left out: nothing
    compared the lines, so no deal could be seen losing one."""
    won = opps[opps["category"].notna() & ~opps["category"].isin(["not_yet_due"])]
    linked = won["link"].notna() | won["named_invoice"].notna() | won["orphan_invoice"].notna()
    invoiced = won["bill_invoice"].fillna(won["orphan_invoice"]).notna() & ~won["inv_voided"]
    complete = invoiced & ~won["category"].isin(["lines_missing"])
    paid = complete & won["inv_balance_cents"].fillna(0).le(0) & won["bill_invoice"].notna()
    masks = (pd.Series(True, index=won.index), linked, invoiced, complete, paid)
    rows = [
        pd.DataFrame(
            {
                "stage": name,
                "currency": won.loc[mask, "currency"].astype("string").fillna(""),
                "amount_cents": won.loc[mask, "amount_cents"].fillna(0),
            }
        )
        for name, mask in zip(FUNNEL_STAGES, masks, strict=True)
        if lines_known or name != "lines complete"
    ]
    frame = pd.concat(rows, ignore_index=True)
    table = (
        frame.groupby(["stage", "currency"], sort=False)
        .agg(deals=("amount_cents", "size"), amount_cents=("amount_cents", "sum"))
        .reset_index()
    )
    table["amount"] = table["amount_cents"].astype("float64") / 100
    return table


def unbilled_by_age(unbilled: pd.DataFrame | None) -> pd.DataFrame:
    """remediation/unbilled_opportunities.csv summed by age bucket and currency."""
    columns = ["age", "currency", "deals", "amount"]
    if unbilled is None or unbilled.empty:
        return pd.DataFrame(columns=columns)
    edges = [lo for lo, _, _ in AGE_BUCKETS] + [AGE_BUCKETS[-1][1]]
    age = pd.cut(
        unbilled["age_days"].astype("float64"), bins=edges, labels=[b for _, _, b in AGE_BUCKETS]
    )
    frame = unbilled.assign(age=age, amount=pd.to_numeric(unbilled["amount_unbilled"]))
    table = frame.groupby(["age", "currency"], observed=True).agg(
        deals=("amount", "size"), amount=("amount", "sum")
    )
    return table.reset_index()[columns]


def gap_by_cause(control_totals: pd.DataFrame | None) -> pd.DataFrame:
    """remediation/control_totals.csv as long rows month, currency, cause, amount (non-zero only)."""
    columns = ["month", "currency", "cause", "amount"]
    if control_totals is None or control_totals.empty:
        return pd.DataFrame(columns=columns)
    months = control_totals[control_totals["month"] != "total"]
    long = months.melt(
        id_vars=["month", "currency"],
        value_vars=GAP_COLUMNS,
        var_name="category",
        value_name="amount",
    )
    long["amount"] = pd.to_numeric(long["amount"])
    long["cause"] = long["category"].map(CAUSE_WORDS)
    return long[long["amount"] != 0][columns].reset_index(drop=True)


def control_totals_view(control_totals: pd.DataFrame | None) -> pd.DataFrame:
    """The control totals with the headline columns first, for a person to sign off."""
    if control_totals is None:
        return pd.DataFrame()
    head = [
        "month",
        "currency",
        "won_deals",
        "won_amount",
        "invoiced_subtotal",
        "gap",
        "explained_by_findings",
        "other_areas_or_timing",
    ]
    return control_totals[head].rename(
        columns={
            "month": "Close month",
            "currency": "Currency",
            "won_deals": "Won deals",
            "won_amount": "Won",
            "invoiced_subtotal": "Invoiced (pre-tax)",
            "gap": "Gap",
            "explained_by_findings": "Explained by findings",
            "other_areas_or_timing": "Timing or other areas",
        }
    )


# ---- the views notebook 04 reads (computed during `check`) ------------------------------------

# Views read outputs that are absent on a partial export: each returns its columns empty then,
# so every page of the report renders whatever files a client sent.


@view("funnel", "partial_sync", "Won deals at each step from won to paid")
def funnel_view(run: RunView) -> pd.DataFrame:
    if not run.data.has("opportunities"):  # a partial export: the page shows an empty chart
        return pd.DataFrame(columns=["stage", "currency", "deals", "amount_cents", "amount"])
    return funnel_of(shared_state(run.ctx)[0], run.data.has("opportunity_lines"))


@view("unbilled_by_age", "partial_sync", "Unbilled revenue by age since the close date")
def unbilled_by_age_view(run: RunView) -> pd.DataFrame:
    return unbilled_by_age(run.output("remediation/unbilled_opportunities.csv"))


@view("control_totals", "partial_sync", "Won vs invoiced per month, for a person to sign off")
def control_totals_table(run: RunView) -> pd.DataFrame:
    return control_totals_view(run.output("remediation/control_totals.csv"))


@view("gap_by_cause", "partial_sync", "Gap between won and invoiced by cause and month")
def gap_by_cause_view(run: RunView) -> pd.DataFrame:
    return gap_by_cause(run.output("remediation/control_totals.csv"))


@view("unbilled", "partial_sync", "The unbilled won deals, oldest first")
def unbilled_view(run: RunView) -> pd.DataFrame:
    columns = ["opportunity", "account", "close_date", "age_days", "amount_unbilled", "currency"]
    unbilled = run.output("remediation/unbilled_opportunities.csv")
    if unbilled is None:
        return pd.DataFrame(columns=[*columns, "reason"])
    return unbilled[[*columns, "reason"]]


@view("unbilled_records", "partial_sync", "The unbilled won deals with their record Ids")
def unbilled_records_view(run: RunView) -> pd.DataFrame:
    """The unbilled deals keyed by record (opportunity, QBO customer), for the page to link."""
    columns = ["close_date", "age_days", "amount_unbilled", "currency", "reason"]
    unbilled = run.output("remediation/unbilled_opportunities.csv")
    if unbilled is None:
        return pd.DataFrame(columns=["sf_object", "sf_id", "qb_entity", "qb_id", *columns])
    return pd.DataFrame(
        {
            "sf_object": "Opportunity",
            "sf_id": unbilled["opportunity_id"],
            "qb_entity": "Customer",
            "qb_id": unbilled["qb_customer_id"],
            **{c: unbilled[c] for c in columns},
        }
    ).reset_index(drop=True)


@view("lost_writebacks", "partial_sync", "Deals whose invoice link was lost, keyed by record")
def lost_writebacks_view(run: RunView) -> pd.DataFrame:
    """The Data Loader file's rows (Id, then the link field) as deal and invoice records."""
    links = run.output("remediation/salesforce_opportunity_links.csv")
    if links is None or links.empty or len(links.columns) < 2:
        return pd.DataFrame(columns=["sf_object", "sf_id", "qb_entity", "qb_id"])
    return pd.DataFrame(
        {
            "sf_object": "Opportunity",
            "sf_id": links.iloc[:, 0].astype("string"),
            "qb_entity": "Invoice",
            "qb_id": links.iloc[:, 1].astype("string"),
        }
    ).reset_index(drop=True)


VIEWS = (
    funnel_view,
    unbilled_by_age_view,
    control_totals_table,
    gap_by_cause_view,
    unbilled_view,
    unbilled_records_view,
    lost_writebacks_view,
)
