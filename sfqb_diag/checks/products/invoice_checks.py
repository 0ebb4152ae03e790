"""Invoice-level checks of area `products`: differences that belong to a whole invoice rather than
one line (currency, tax-inclusive prices, a discount moved to or added at the invoice level)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.line_pairing.classes import SEVERITY
from sfqb_diag.checks.products.line_checks import NEEDS, line_reconciliation, settle
from sfqb_diag.findings import new_findings
from sfqb_diag.record_words import number_words, sentence_start
from sfqb_diag.words import count_text, money_text


def _per_invoice(ctx: Context, cls: str) -> pd.DataFrame:
    """The rows of one invoice-level class, one per invoice: sums of the lines involved."""
    rows = line_reconciliation(ctx)
    rows = rows[rows["diff_class"] == cls]
    if rows.empty:
        return rows
    agg = (
        rows.groupby("invoice_id")
        .agg(
            opportunity_id=("opportunity_id", "first"),
            opp_name=("opp_name", "first"),
            doc_number=("doc_number", "first"),
            opp_currency=("opp_currency", "first"),
            inv_currency=("inv_currency", "first"),
            sf_cents=("sf_cents", "sum"),
            qb_cents=("qb_cents", "sum"),
            delta_cents=("delta_cents", "sum"),
            lines=("diff_class", "size"),
            discount=("sf_discount", "max"),
            currency=("currency", "first"),
        )
        .reset_index()
    )
    agg["doc"] = number_words(agg["doc_number"], agg["invoice_id"], "invoice")
    return agg


def _invoice_findings(
    rows: pd.DataFrame,
    title: str,
    detail: pd.Series,
    action: pd.Series | str,
    amount: pd.Series,
    severity: str,
    confidence: float,
) -> pd.DataFrame:
    return new_findings(
        sf_object="Opportunity",
        sf_id=rows["opportunity_id"],
        sf_name=rows["opp_name"],
        qb_entity="Invoice",
        qb_id=rows["invoice_id"],
        title=title + ": " + rows["opp_name"].fillna(""),
        detail=detail,
        suggested_action=action,
        amount_cents=amount,
        currency=rows["currency"],
        confidence=confidence,
        severity=severity,
    )


@check(
    "invoice_currency_mismatch",
    area="products",
    severity=SEVERITY["currency_mismatch"],
    needs=NEEDS,
    what="Invoices in another currency than their opportunity",
    why="A QBO customer has one currency forever; a sync that ignores CurrencyIsoCode bills the same "
    "numbers in the wrong currency.",
    fix="Void the invoice and re-create it in the opportunity's currency on a customer in that currency.",
    # partial_sync's header comparison finds the same invoice; the line-level finding says more.
    supersedes=("deal_currency_mismatch",),
)
def invoice_currency_mismatch(ctx: Context) -> pd.DataFrame:
    rows = _per_invoice(ctx, "currency_mismatch")
    if rows.empty:
        return pd.DataFrame()
    equal = (rows["qb_cents"].astype("Float64") - rows["sf_cents"].astype("Float64")).abs().fillna(
        1
    ) == 0
    detail = (
        "Opportunity "
        + money_text(rows["sf_cents"], rows["opp_currency"])
        + ", "
        + rows["doc"]
        + " "
        + money_text(rows["qb_cents"].astype("Int64"), rows["inv_currency"])
        + np.where(equal, ": the sync copied the number and dropped the currency", "")
    )
    action = (
        "Void "
        + rows["doc"]
        + " and re-issue it in "
        + rows["opp_currency"].fillna("")
        + " on a customer that bills in "
        + rows["opp_currency"].fillna("")
    )
    return _invoice_findings(
        rows,
        "Invoice in the wrong currency",
        detail,
        action,
        rows["sf_cents"].abs(),
        SEVERITY["currency_mismatch"],
        0.95,
    )


@check(
    "invoice_tax_inclusive",
    area="products",
    severity=SEVERITY["tax_inclusive"],
    needs=NEEDS,
    what="Invoices whose lines are all off by one tax-like ratio (tax-inclusive vs exclusive prices)",
    why="Net Salesforce prices sent as tax-inclusive (or the reverse): every line carries or loses the tax.",
    fix="Credit or re-bill the difference and set the sync's tax mode to match the price book.",
)
def invoice_tax_inclusive(ctx: Context) -> pd.DataFrame:
    rows = _per_invoice(ctx, "tax_inclusive")
    if rows.empty:
        return pd.DataFrame()
    ratio = rows["qb_cents"].astype("float64") / rows["sf_cents"].astype("float64")
    detail = (
        "All "
        + count_text(rows["lines"], "line")
        + " of "
        + rows["doc"]
        + " are "
        + ((ratio - 1) * 100).map("{:+.2f}%".format)
        + " off the opportunity ("
        + money_text(rows["sf_cents"], rows["currency"])
        + " vs "
        + money_text(rows["qb_cents"].astype("Int64"), rows["currency"])
        + "): tax-inclusive vs exclusive prices"
    )
    return _invoice_findings(
        rows,
        "Tax-inclusive vs exclusive prices",
        detail,
        settle(rows),
        rows["delta_cents"].abs(),
        SEVERITY["tax_inclusive"],
        0.85,
    )


@check(
    "invoice_discount_moved",
    area="products",
    severity="info",
    needs=NEEDS,
    what="Line discounts carried as one invoice-level discount with equal totals",
    why="QBO has one transaction-level DiscountLine; moving line discounts there keeps the total right.",
    fix="Nothing to do: an equivalent representation, shown for context.",
)
def invoice_discount_moved(ctx: Context) -> pd.DataFrame:
    rows = _per_invoice(ctx, "discount_moved")
    if rows.empty:
        return pd.DataFrame()
    lines = rows["lines"] - 1  # the DiscountLine itself is one of the rows
    detail = (
        count_text(lines, "line discount")
        + " moved to the invoice discount on "
        + rows["doc"]
        + "; totals differ by "
        + money_text(rows["delta_cents"], rows["currency"])
    )
    return _invoice_findings(
        rows,
        "Discount moved to invoice level",
        detail,
        "No action: the invoice total matches the opportunity",
        rows["delta_cents"].abs(),
        "info",
        0.95,
    )


@check(
    "invoice_extra_discount",
    area="products",
    severity=SEVERITY["extra_discount"],
    needs=NEEDS,
    what="Invoice-level discounts that no opportunity line discount explains",
    why="The invoice bills less than the deal (often a discount applied twice: in the price and again).",
    fix="Remove the discount line or re-bill the difference.",
)
def invoice_extra_discount(ctx: Context) -> pd.DataFrame:
    rows = _per_invoice(ctx, "extra_discount")
    if rows.empty:
        return pd.DataFrame()
    detail = (
        sentence_start(rows["doc"])
        + " carries a discount of "
        + money_text(rows["delta_cents"].abs(), rows["currency"])
        + " that the opportunity lines do not have"
    )
    return _invoice_findings(
        rows,
        "Unexplained invoice discount",
        detail,
        "Bill the missing "
        + money_text(rows["delta_cents"].abs(), rows["currency"])
        + " or remove the discount line on "
        + rows["doc"],
        rows["delta_cents"].abs(),
        SEVERITY["extra_discount"],
        0.8,
    )
