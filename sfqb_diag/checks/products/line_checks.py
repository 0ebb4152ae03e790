"""The line-reconciliation checks of area `products`: one check per named difference.

Each finding names the Opportunity and the Invoice, carries the Salesforce and QBO line ids in its
detail (and in line_id, so ids stay stable), the difference as amount_at_risk, and a plain action.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import CheckSpec, Context, check
from sfqb_diag.checks.line_pairing.classes import SEVERITY
from sfqb_diag.checks.line_pairing.reconcile import NEEDS, line_reconciliation
from sfqb_diag.checks.line_pairing.reconcile import side_words as _side
from sfqb_diag.findings import new_findings
from sfqb_diag.record_words import number_words
from sfqb_diag.words import gap_text, money_text


def _line_frame(ctx: Context, cls: str) -> pd.DataFrame:
    rows = line_reconciliation(ctx)
    rows = rows[rows["diff_class"] == cls].reset_index(drop=True)
    named = rows["product_name"].astype("string").fillna(rows["item_name"].astype("string"))
    return rows.assign(what=named.fillna("line"))


def invoice_words(rows: pd.DataFrame) -> pd.Series:
    """'invoice 4105' by the number people see (DocNumber), the Id only when it has none."""
    return number_words(rows["doc_number"], rows["invoice_id"], "invoice")


def _detail(rows: pd.DataFrame) -> pd.Series:
    # The line is named by its product in the title; its Salesforce Id means nothing to a reader.
    sf = "Salesforce line: " + _side(
        rows["sf_qty"], rows["sf_unit"], rows["sf_cents"], rows["currency"]
    )
    qb = (
        "QBO line "
        + rows["qb_line_id"].fillna("-")
        + " on "
        + invoice_words(rows)
        + ": "
        + _side(
            rows["qb_qty"],
            rows["qb_unit"],
            rows["qb_cents"],
            rows["inv_currency"].fillna(rows["currency"]),
        )
    )
    sf = sf.where(rows["sf_line_id"].notna(), "no Salesforce line")
    qb = qb.where(
        rows["qb_line_id"].notna(),
        "no line on " + invoice_words(rows),
    )
    return sf + "; " + qb + "; " + gap_text(rows["delta_cents"], rows["currency"])


def settle(rows: pd.DataFrame) -> pd.Series:
    """Overbilled -> credit memo; underbilled -> bill the rest."""
    amount = money_text(rows["delta_cents"].abs(), rows["currency"])
    doc = invoice_words(rows)
    return pd.Series(
        np.where(
            rows["delta_cents"] > 0,
            "Issue a credit memo for " + amount + " against " + doc,
            "Bill the missing " + amount + " (correct " + doc + " or add a charge)",
        ),
        index=rows.index,
    )


def _emit(
    ctx: Context, cls: str, title: str, action: pd.Series | None = None, confidence: float = 0.9
) -> pd.DataFrame:
    rows = _line_frame(ctx, cls)
    if rows.empty:
        return pd.DataFrame()
    line_id = rows["sf_line_id"].fillna("") + "|" + rows["qb_line_id"].fillna("")
    return new_findings(
        sf_object="Opportunity",
        sf_id=rows["opportunity_id"],
        sf_name=rows["opp_name"],
        qb_entity="Invoice",
        qb_id=rows["invoice_id"],
        line_id=line_id,
        title=title + ": " + rows["opp_name"].fillna("") + " / " + rows["what"],
        detail=_detail(rows),
        suggested_action=action(rows) if action else settle(rows),
        # A line that bills the same total another way puts no money at risk: no amount, not 0.00.
        amount_cents=rows["delta_cents"].abs().where(rows["delta_cents"].ne(0)),
        currency=rows["currency"],
        confidence=confidence,
        severity=SEVERITY[cls],
    )


def _line_check(
    cls: str,
    what: str,
    why: str,
    fix: str,
    title: str,
    action: Callable[[pd.DataFrame], pd.Series] | None = None,
    confidence: float = 0.9,
) -> CheckSpec:
    """One check per line-difference class; the words differ, the finder is shared."""

    @check(
        f"line_{cls}",
        area="products",
        severity=SEVERITY[cls],
        needs=NEEDS,
        what=what,
        why=why,
        fix=fix,
    )
    def run(ctx: Context) -> pd.DataFrame:
        return _emit(ctx, cls, title, action, confidence)

    return run


def _discount_action(rows: pd.DataFrame) -> pd.Series:
    pct = rows["sf_discount"].map("{:g}%".format, na_action="ignore").fillna("")
    return (
        "Add the "
        + pct
        + " discount ("
        + money_text(rows["delta_cents"].abs(), rows["currency"])
        + ") to "
        + invoice_words(rows)
        + ", or issue a credit memo for it"
    )


def _missing_action(rows: pd.DataFrame) -> pd.Series:
    return (
        "Add the line '"
        + rows["what"]
        + "' ("
        + _side(rows["sf_qty"], rows["sf_unit"], rows["sf_cents"], rows["currency"])
        + ") to "
        + invoice_words(rows)
    )


def _extra_action(rows: pd.DataFrame) -> pd.Series:
    return (
        "Issue a credit memo for "
        + money_text(rows["delta_cents"].abs(), rows["currency"])
        + " for line '"
        + rows["what"]
        + "' on "
        + invoice_words(rows)
        + ", or add the line to the opportunity"
    )


def _generic_action(rows: pd.DataFrame) -> pd.Series:
    return (
        "Change the item on QBO line "
        + rows["qb_line_id"].fillna("")
        + " from '"
        + rows["item_name"].fillna("?")
        + "' to the item of '"
        + rows["product_name"].fillna("?")
        + "', and link the product so the sync uses it"
    )


LINE_CHECKS = (
    _line_check(
        "quantity_drift",
        "Invoice lines whose quantity differs from the opportunity line",
        "The customer is billed for a different quantity than was sold.",
        "Credit or re-bill the difference; fix the quantity mapping in the sync.",
        "Quantity differs",
    ),
    _line_check(
        "unit_price_drift",
        "Invoice lines at a different unit price than the opportunity line",
        "The customer is billed a price that was not agreed.",
        "Credit or re-bill the difference.",
        "Unit price differs",
    ),
    _line_check(
        "discount_dropped",
        "Opportunity line discounts that did not reach the invoice",
        "The customer is billed the undiscounted amount.",
        "Add the discount line (or a credit memo) for the lost discount.",
        "Discount dropped",
        _discount_action,
    ),
    _line_check(
        "list_price_pushed",
        "Invoice lines billed at list price instead of the negotiated sales price",
        "The sync sent PricebookEntry.UnitPrice (list) instead of OpportunityLineItem.UnitPrice.",
        "Credit the difference; map the line's UnitPrice, not ListPrice.",
        "List price billed",
    ),
    # A Salesforce line missing from an invoice whose other lines arrived is partial_sync's
    # (DESIGN.md: "missing invoices or lines"): partial_sync/lines.py reports it from the same
    # pairing; its fix-list words stay here (_ACTIONS) for invoice_line_corrections.
    _line_check(
        "extra_line",
        "Invoice lines with no opportunity line",
        "Billed but not sold: the customer may dispute or overpay.",
        "Credit the line, or add it to the opportunity if it was really sold.",
        "Extra invoice line",
        _extra_action,
    ),
    _line_check(
        "generic_item",
        "Lines the sync put on a generic/default item instead of the product's item",
        "Revenue posts to the wrong item and income account; item reports and stock are wrong.",
        "Change the line's item and link the product to its item.",
        "Line on a generic item",
        _generic_action,
    ),
    _line_check(
        "rounding",
        "Lines that differ from the opportunity by no more than the amount tolerance",
        "Sub-cent unit prices (a discount spread over the quantity) round differently in QBO: not a defect.",
        "Nothing to do; shown for context.",
        "Rounding difference",
        lambda r: pd.Series("No action: rounding within tolerance", index=r.index),
        0.99,
    ),
)


_ACTIONS = {
    "discount_dropped": _discount_action,
    "missing_line": _missing_action,
    "extra_line": _extra_action,
    "generic_item": _generic_action,
}


def line_actions(rows: pd.DataFrame) -> pd.Series:
    """The plain action for each classified row (the words the findings use), for the fix list."""
    rows = rows.assign(what=rows["product_name"].fillna(rows["item_name"]).fillna("line"))
    out = settle(rows)
    for cls, action in _ACTIONS.items():
        picked = rows["diff_class"] == cls
        if picked.any():
            out[picked] = action(rows[picked])
    currency = rows["diff_class"] == "currency_mismatch"
    out[currency] = (
        "Void " + invoice_words(rows) + " and re-issue it in " + rows["opp_currency"].fillna("")
    )[currency]
    return out
