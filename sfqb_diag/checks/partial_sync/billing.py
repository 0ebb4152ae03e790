"""Checks of area `partial_sync`: the Opportunity <-> Invoice link state (docs/areas/partial_sync.md).

Every won deal is put in exactly one billing category by partial_sync_state.billing_state; each
check here reports one category, so a deal is never reported twice for one problem and the
control totals (partial_sync_totals) reconcile with the findings to the cent. Orphan invoices and
invoice totals live in partial_sync_invoices, stale and stuck records in partial_sync_stale,
payments in partial_sync_payments, control totals and fix lists in partial_sync_totals.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag import linkage
from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.partial_sync.state import shared_state, won_time
from sfqb_diag.findings import new_findings
from sfqb_diag.linkage import WON_NEEDS
from sfqb_diag.record_words import invoice_label, invoice_number
from sfqb_diag.words import count_text, day, days_between, money_text, text


def link_field(ctx: Context) -> str:
    """The API name of the opportunity's invoice link field in this org (config links:)."""
    return linkage.link_field(ctx.config, "opportunity_invoice_id")


def _won_in(ctx: Context, category: str) -> pd.DataFrame:
    opps, _, _ = shared_state(ctx)
    return opps[opps["category"] == category]


def _name(opps: pd.DataFrame) -> pd.Series:
    return opps["name"].astype("string").fillna(opps["id"])


def _deal_words(ctx: Context, opps: pd.DataFrame) -> pd.Series:
    """'12,400.00 USD, won 2026-09-02, 79 days ago'."""
    age = days_between(won_time(opps) - pd.Timedelta(days=1), ctx.as_of)
    return (
        money_text(opps["amount_cents"], opps["currency"]).replace("", "no amount")
        + ", won "
        + day(opps["close_date"])
        + ", "
        + age.astype("string").fillna("?")
        + " days ago"
    )


@check(
    "won_not_invoiced",
    area="partial_sync",
    severity="high",
    needs=("opportunities", "opportunities.qb_invoice_id", WON_NEEDS),
    what="Closed-won opportunities with no invoice link and no invoice naming them after the grace period",
    why="Revenue that never reaches the books: nobody bills the customer.",
    fix="Create the invoice in QBO (or re-run the sync for this opportunity) and store its Id in the link field.",
)
def won_not_invoiced(ctx: Context) -> pd.DataFrame:
    opps = _won_in(ctx, "unbilled")
    nothing = opps["amount_cents"].fillna(0).eq(0)
    status = text(opps["sync_status"], "empty")
    return new_findings(
        sf_object="Opportunity",
        sf_id=opps["id"],
        sf_name=opps["name"],
        title="Won deal never invoiced: " + _name(opps),
        detail=_deal_words(ctx, opps)
        + f"; {link_field(ctx)} is empty, no QBO invoice names it (sync status: "
        + status
        + ").",
        suggested_action=f"Bill it: re-run the sync for this opportunity, or create the invoice in QBO and paste its "
        f"Id into {link_field(ctx)}.",
        amount_cents=opps["amount_cents"],
        currency=opps["currency"],
        confidence=0.95,
        severity=nothing.map({True: "low", False: "high"}),
    )


@check(
    "invoice_link_missing",
    area="partial_sync",
    severity="high",
    needs=("opportunities", "opportunities.qb_invoice_id", "invoices", WON_NEEDS),
    what="Won opportunities whose invoice link points at an invoice that is not in the realm (deleted)",
    why="Salesforce shows the deal as billed, but the invoice no longer exists: the revenue is unbilled.",
    fix="Find out who deleted the invoice; re-create it (re-run the sync after clearing the link).",
)
def invoice_link_missing(ctx: Context) -> pd.DataFrame:
    opps = _won_in(ctx, "link_missing")
    return new_findings(
        sf_object="Opportunity",
        sf_id=opps["id"],
        sf_name=opps["name"],
        title="Invoice link points at a missing invoice: " + _name(opps),
        detail=_deal_words(ctx, opps)
        + "; linked to "
        + invoice_number(ctx.data, opps["link"])
        + ", which is not in the pulled realm (deleted, or the link is wrong).",
        suggested_action=f"Confirm the invoice was deleted in QBO (audit log); then clear {link_field(ctx)} and "
        "re-run the sync, or re-create the invoice by hand and store its Id.",
        amount_cents=opps["amount_cents"],
        currency=opps["currency"],
        confidence=0.9,
    )


@check(
    "invoice_voided",
    area="partial_sync",
    severity="high",
    needs=("opportunities", "opportunities.qb_invoice_id", "invoices", WON_NEEDS),
    what="Won opportunities linked to a voided invoice (all amounts zero, 'Voided' in the note)",
    why="The link says billed, the books say nothing was billed.",
    fix="Decide with finance: re-invoice the deal (new invoice, new link) or mark the deal lost/cancelled.",
)
def invoice_voided(ctx: Context) -> pd.DataFrame:
    opps = _won_in(ctx, "voided")
    return new_findings(
        sf_object="Opportunity",
        sf_id=opps["id"],
        sf_name=opps["name"],
        qb_entity="Invoice",
        qb_id=opps["link"],
        title="Won deal linked to a voided invoice: " + _name(opps),
        detail=_deal_words(ctx, opps)
        + "; "
        + invoice_label(ctx.data, opps["link"])
        + ": QuickBooks zeroed all its amounts.",
        suggested_action="Re-invoice the deal and update the link, or close the opportunity as lost if the sale "
        "was cancelled.",
        amount_cents=opps["amount_cents"],
        currency=opps["currency"],
        confidence=0.9,
    )


@check(
    "invoice_lines_missing",
    area="partial_sync",
    severity="high",
    needs=("opportunities", "opportunities.qb_invoice_id", "invoices", "invoice_lines", WON_NEEDS),
    what="Linked invoices with a header but no item lines, billing less than the opportunity",
    why="The sync created the header and then failed part-way (or dropped lines): part of the deal is unbilled.",
    fix="Add the missing lines to the QBO invoice (or delete it and re-run the sync for the deal).",
)
def invoice_lines_missing(ctx: Context) -> pd.DataFrame:
    opps = _won_in(ctx, "lines_missing")
    held = opps["inv_item_lines"].fillna(0).astype(int)
    lines = count_text(held, "item line").where(held.ne(0), "no item lines")
    return new_findings(
        sf_object="Opportunity",
        sf_id=opps["id"],
        sf_name=opps["name"],
        qb_entity="Invoice",
        qb_id=opps["link"],
        title="Invoice missing lines: " + _name(opps),
        detail="Opportunity has "
        + count_text(opps["opp_lines"], "line")
        + " totalling "
        + money_text(opps["amount_cents"], opps["currency"])
        + "; "
        + invoice_number(ctx.data, opps["link"])
        + " in QBO has "
        + lines
        + " totalling "
        + money_text(opps["invoiced_cents"], opps["currency"])
        + ".",
        suggested_action="Add the missing lines to the invoice in QBO (or void it and re-run the sync for this deal).",
        amount_cents=opps["gap_cents"].abs(),
        currency=opps["currency"],
        confidence=0.9,
    )


@check(
    "lost_writeback",
    area="partial_sync",
    severity="high",
    needs=("opportunities", "opportunities.qb_invoice_id", "invoices"),
    what="An invoice names the opportunity (15- or 18-char Id) but the opportunity's link is empty or broken",
    why="The invoice was created but its Id never reached Salesforce: the next sync run bills the deal again.",
    fix="Set the link with remediation/salesforce_opportunity_links.csv (Data Loader update; rollback beside it).",
)
def lost_writeback(ctx: Context) -> pd.DataFrame:
    opps, _, _ = shared_state(ctx)
    opps = opps[opps["named_invoice"].notna() & ~opps["link_resolves"]]
    broken = opps["link"].notna()
    state = broken.map({True: "points at missing invoice ", False: "is empty"}).astype(
        "string"
    ) + text(opps["link"])
    extra = (opps["named_count"] - 1).clip(lower=0)
    dupes = (
        extra.gt(0).map({True: "; ", False: ""}).astype("string")
        + extra.astype("string").where(extra.gt(0), "")
        + extra.gt(1)
        .map({True: " more invoices name it", False: " more invoice names it"})
        .where(extra.gt(0), "")
        .astype("string")
        + extra.gt(0).map({True: " (retry duplicates)", False: ""}).astype("string")
    )
    odd = ~opps["named_plausible"]
    caveat = odd.map(
        {
            True: " It bills another customer and amount than the deal: check before linking.",
            False: "",
        }
    ).astype("string")
    action = odd.map(
        {
            True: "Open the invoice and the deal; if the invoice is this deal's, set the link by hand",
            False: "Load remediation/salesforce_opportunity_links.csv (Data Loader Update)",
        }
    ).astype("string")
    return new_findings(
        sf_object="Opportunity",
        sf_id=opps["id"],
        sf_name=opps["name"],
        qb_entity="Invoice",
        qb_id=opps["named_invoice"],
        title="Lost write-back (next run re-invoices): " + _name(opps),
        detail="In QBO, "
        + invoice_number(ctx.data, opps["named_invoice"])
        + " ("
        + money_text(opps["inv_header_net_cents"], opps["currency"])
        + ", "
        + day(opps["inv_txn_date"])
        + f") names this opportunity, but {link_field(ctx)} "
        + state.str.strip()
        + dupes
        + "."
        + caveat,
        suggested_action=action
        + f" to set {link_field(ctx)} = "
        + opps["named_invoice"]
        + " (the Id of "
        + invoice_number(ctx.data, opps["named_invoice"])
        + ") before the next sync run.",
        amount_cents=opps["inv_lines_net_cents"],
        currency=opps["currency"],
        confidence=odd.map({True: 0.6, False: 0.97}),
        severity=odd.map({True: "medium", False: "high"}),
    )
