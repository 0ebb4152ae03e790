"""Check of area `partial_sync`: a linked deal whose Amount differs from what its invoice bills,
when the line comparison does not explain the difference (docs/areas/partial_sync.md).

A deal and its invoice are compared line by line where both sides have lines (the shared line
pairing, checks/line_pairing): then `products` names each line that differs, and `partial_sync`
each line that never reached the invoice. When there is nothing to compare line by line (no
OpportunityLineItem export, or the lines agree while the deal's Amount does not), the difference
is still money billed wrong: it is reported here, once per deal, at the deal level.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.line_pairing.reconcile import line_reconciliation
from sfqb_diag.checks.partial_sync.state import shared_state
from sfqb_diag.findings import new_findings
from sfqb_diag.ids import member
from sfqb_diag.linkage import WON_NEEDS
from sfqb_diag.record_words import invoice_number
from sfqb_diag.words import gap_text, money_text

# The line-pairing inputs: without all of them no line of any deal is compared.
LINE_TABLES = ("opportunity_lines", "invoice_lines", "invoices")


def _line_deltas(ctx: Context) -> tuple[pd.Series, pd.Series]:
    """(opportunity Id -> sum of its line differences in cents, QBO minus Salesforce; Ids of
    deals with a line in another currency, whose amounts cannot be subtracted: products')."""
    if not ctx.data.has(*LINE_TABLES):
        return pd.Series(dtype="int64"), pd.Series(dtype="string")
    rows = line_reconciliation(ctx)
    deltas = rows.groupby("opportunity_id")["delta_cents"].sum().astype("int64")
    mixed = rows.loc[rows["diff_class"] == "currency_mismatch", "opportunity_id"]
    return deltas, mixed.dropna().astype("string")


def currency_mismatched(opps: pd.DataFrame) -> pd.DataFrame:
    """Won deals whose linked (not voided) invoice is in another currency than the deal, both
    currencies known. A deal without CurrencyIsoCode (a single-currency org) is not judged."""
    deal = opps["currency"].astype("string").str.strip().str.upper()
    invoice = opps["inv_currency"].astype("string").str.strip().str.upper()
    differs = (deal.ne(invoice) & deal.ne("") & invoice.ne("")).fillna(False).astype(bool)
    return opps[opps["won"] & opps["link_resolves"] & ~opps["inv_voided"] & differs]


def _deal_and_invoice(deals: pd.DataFrame) -> dict[str, pd.Series | str]:
    """The record columns of a finding on a deal and the invoice that bills it."""
    return {
        "sf_object": "Opportunity",
        "sf_id": deals["id"],
        "sf_name": deals["name"],
        "qb_entity": "Invoice",
        "qb_id": deals["bill_invoice"],
    }


def _both_amounts(
    deals: pd.DataFrame, invoice: pd.Series, deal_currency: pd.Series, invoice_currency: pd.Series
) -> pd.Series:
    """'Deal amount 8,000.00 EUR; invoice INV-1003 bills 8,000.00 USD before tax'."""
    return (
        "Deal amount "
        + money_text(deals["amount_cents"], deal_currency).replace("", "empty")
        + "; "
        + invoice
        + " bills "
        + money_text(deals["invoiced_cents"], invoice_currency)
        + " before tax"
    )


def unexplained_deals(ctx: Context) -> pd.DataFrame:
    """Won deals whose invoice bills another amount than the deal (billing category
    `line_differences`) by more than amount_tolerance once the line differences are taken off:
    all of it when no line is compared (no opportunity lines, or lines that agree), the rest
    otherwise. Adds `lines_cents` (what the lines explain) and `unexplained_cents` (signed, >0 =
    the invoice bills less). An invoice billed by several deals is left out: its total belongs to
    all of them, so no one deal's Amount can be held against it."""
    opps, _, _ = shared_state(ctx)
    deals = opps[opps["category"] == "line_differences"]
    shared = opps.loc[opps["link_resolves"], "bill_invoice"]
    shared = shared[shared.duplicated(keep=False)]
    deltas, mixed = _line_deltas(ctx)
    other_currency = member(deals["id"], currency_mismatched(opps)["id"])
    deals = deals[
        ~member(deals["bill_invoice"], shared) & ~member(deals["id"], mixed) & ~other_currency
    ].copy()
    # gap = Amount - invoiced; a line delta is QBO minus Salesforce, so the lines explain -delta.
    deals["lines_cents"] = -deals["id"].map(deltas).fillna(0).astype("int64")
    deals["unexplained_cents"] = (deals["gap_cents"] - deals["lines_cents"]).astype("Int64")
    tol = round(ctx.thresholds.amount_tolerance * 100)
    return deals[deals["unexplained_cents"].abs() > tol]


def deal_amount_cents(ctx: Context) -> pd.Series:
    """Opportunity Id -> the signed difference this check reports (see unexplained_deals); the
    control totals move that money out of `line_differences`."""
    deals = unexplained_deals(ctx)
    return pd.Series(
        deals["unexplained_cents"].astype("int64").to_numpy(), index=deals["id"].astype("string")
    )


def _why_not_lines(ctx: Context, deals: pd.DataFrame) -> pd.Series:
    """What the line comparison says about the deal, in plain words."""
    if not ctx.data.has(*LINE_TABLES):
        missing = (
            "no opportunity lines" if not ctx.data.has("opportunity_lines") else "no invoice lines"
        )
        return pd.Series(
            f"the export has {missing} to compare line by line", index=deals.index, dtype="string"
        )
    explained = money_text(deals["lines_cents"].abs(), deals["currency"])
    words = pd.Series(
        "its lines agree with the invoice's, so the deal's Amount is not their sum",
        index=deals.index,
        dtype="string",
    )
    words = words.mask(deals["opp_lines"].eq(0), "the deal has no lines to compare line by line")
    return words.mask(
        deals["lines_cents"].ne(0),
        "the line findings account for "
        + explained
        + "; "
        + money_text(deals["unexplained_cents"].abs(), deals["currency"])
        + " is in no line",
    )


@check(
    "deal_amount_mismatch",
    area="partial_sync",
    severity="high",
    needs=("opportunities", "opportunities.qb_invoice_id", "invoices", WON_NEEDS),
    what="Linked won deals whose Amount differs from the invoice's pre-tax subtotal beyond the amount "
    "tolerance, where no line-level difference explains it (no opportunity lines to compare, or "
    "lines that agree)",
    why="The customer is billed another amount than was sold; without lines to compare, the deal "
    "total is the only place the difference shows.",
    fix="Compare the deal with its invoice: correct the invoice (add or credit the difference), or "
    "the deal's Amount if the invoice is right.",
)
def deal_amount_mismatch(ctx: Context) -> pd.DataFrame:
    deals = unexplained_deals(ctx)
    gap = deals["unexplained_cents"].astype("Int64")
    currency = deals["currency"]
    invoice = invoice_number(ctx.data, deals["bill_invoice"])
    difference = money_text(gap.abs(), currency)
    under = gap.gt(0)
    # gap = deal minus invoice: the invoice's side of it, in words and without a sign.
    side = gap_text(-deals["gap_cents"].astype("Int64"), currency, "the invoice", "the deal")
    action = ("Add the missing " + difference + " to " + invoice).where(
        under, "Credit the " + difference + " that " + invoice + " bills beyond the deal"
    )
    nothing = deals["amount_cents"].isna() | deals["amount_cents"].fillna(0).eq(0)
    return new_findings(
        **_deal_and_invoice(deals),
        title="Deal amount differs from its invoice: "
        + deals["name"].astype("string").fillna(deals["id"]),
        detail=_both_amounts(deals, invoice, currency, currency)
        + " ("
        + side.astype("string")
        + "); "
        + _why_not_lines(ctx, deals)
        + ".",
        suggested_action=action
        + " (or correct the deal's Amount if the invoice is right), then compare them again.",
        amount_cents=gap.abs(),
        currency=currency,
        confidence=0.85,
        severity=nothing.map({True: "low", False: "high"}),
    )


@check(
    "deal_currency_mismatch",
    area="partial_sync",
    severity="high",
    needs=(
        "opportunities",
        "opportunities.qb_invoice_id",
        "opportunities.currency",
        "invoices",
        WON_NEEDS,
    ),
    what="Linked won deals whose invoice is in another currency than the deal (compared on the deal "
    "and invoice headers, so it is found without opportunity lines too)",
    why="A QBO customer bills in one currency forever; a sync that ignores CurrencyIsoCode copies the "
    "number and bills it in the customer's currency, so the amount received is not the amount sold.",
    fix="Void the invoice and re-issue it in the deal's currency on a customer that bills in it.",
)
def deal_currency_mismatch(ctx: Context) -> pd.DataFrame:
    opps, _, _ = shared_state(ctx)
    deals = currency_mismatched(opps)
    invoice = invoice_number(ctx.data, deals["bill_invoice"])
    deal_currency = deals["currency"].astype("string").str.strip().str.upper()
    invoice_currency = deals["inv_currency"].astype("string").str.strip().str.upper()
    # Same figure in both currencies: the sync copied the number and dropped the currency.
    same_number = deals["amount_cents"].astype("Int64").eq(deals["invoiced_cents"]).fillna(False)
    why = same_number.map(
        {True: ": the sync copied the number and dropped the currency", False: ""}
    ).astype("string")
    return new_findings(
        **_deal_and_invoice(deals),
        title="Deal billed in another currency: "
        + deals["name"].astype("string").fillna(deals["id"]),
        detail=_both_amounts(deals, invoice, deal_currency, invoice_currency)
        + ", in "
        + invoice_currency
        + " instead of "
        + deal_currency
        + why
        + ".",
        suggested_action="Void "
        + invoice
        + " and re-issue it in "
        + deal_currency
        + " on a customer that bills in "
        + deal_currency
        + ".",
        amount_cents=deals["amount_cents"].astype("Int64").abs(),
        currency=deal_currency,
        confidence=0.95,
    )
