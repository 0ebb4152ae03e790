"""Opportunities whose payment state in Salesforce contradicts their invoice in QuickBooks.

Connectors that write back per deal keep an amount paid, a balance or a payment status on the
Opportunity (client.yaml `rollups:`). A deal shown paid whose invoice is still open in QBO is
money nobody chases; a deal shown unpaid whose invoice QBO has settled is a paid customer
being chased (the worse of the two for the customer relationship).
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.partial_sync.state import shared_state
from sfqb_diag.findings import new_findings
from sfqb_diag.record_words import invoice_label, invoice_number
from sfqb_diag.words import day, money_text, text

# Payment-status picklist values connectors write (lower case). Anything else is not judged.
PAID_WORDS = ("paid", "paid in full", "fully paid", "closed")
OPEN_WORDS = ("unpaid", "open", "partially paid", "partial", "overdue", "due", "not paid")


def sf_payment_state(opps: pd.DataFrame, tol: int) -> pd.Series:
    """'paid', 'open' or NA per opportunity, from whichever rollup the export carries: the
    status picklist first, then the balance, then the amount paid against the invoice total."""
    state = pd.Series(pd.NA, index=opps.index, dtype="string")
    if "rollup_paid_cents" in opps:
        paid = opps["rollup_paid_cents"].astype("Int64")
        total = opps["inv_total"].astype("Int64")
        state = state.mask(paid.ge(total - tol).fillna(False), "paid")
        state = state.mask(paid.lt(total - tol).fillna(False), "open")
    if "rollup_balance_cents" in opps:
        balance = opps["rollup_balance_cents"].astype("Int64")
        state = state.mask(balance.le(tol).fillna(False), "paid")
        state = state.mask(balance.gt(tol).fillna(False), "open")
    if "rollup_payment_status" in opps:
        words = opps["rollup_payment_status"].astype("string").str.strip().str.lower()
        state = state.mask(words.isin(PAID_WORDS).fillna(False), "paid")
        state = state.mask(words.isin(OPEN_WORDS).fillna(False), "open")
    return state


def _judged(ctx: Context) -> pd.DataFrame:
    """Linked deals with their Salesforce payment state and QBO's, minus the fresh lags: the
    invoice changed after the deal's last write, within the connector's window."""
    opps, facts, _ = shared_state(ctx)
    opps = opps[opps["link_resolves"] & ~opps["inv_voided"]].copy()
    opps["inv_total"] = opps["bill_invoice"].map(facts["total_cents"]).astype("Int64")
    tol = round(ctx.thresholds.amount_tolerance * 100)
    opps["sf_state"] = sf_payment_state(opps, tol)
    balance = opps["inv_balance_cents"].astype("Int64").fillna(0)
    opps["qb_state"] = balance.gt(tol).map({True: "open", False: "paid"}).astype("string")
    age = (ctx.as_of - opps["last_modified_date"]).dt.total_seconds() / 3600
    lag = (opps["inv_last_updated_time"] > opps["last_modified_date"]).fillna(False) & (
        age <= ctx.config.rollups.window_hours
    ).fillna(False)
    return opps[~lag].reset_index(drop=True)


def _found(
    rows: pd.DataFrame, title: str, detail: pd.Series, action: pd.Series | str, cents: pd.Series
) -> pd.DataFrame:
    return new_findings(
        sf_object="Opportunity",
        sf_id=rows["id"],
        sf_name=text(rows["name"]),
        qb_entity="Invoice",
        qb_id=rows["bill_invoice"],
        title=title + ": " + text(rows["name"], "(no name)"),
        detail=detail,
        suggested_action=action,
        amount_cents=cents,
        currency=rows["inv_currency"],
        confidence=0.9,
    )


def _status_words(rows: pd.DataFrame) -> pd.Series:
    if "rollup_payment_status" in rows:
        shown = text(rows["rollup_payment_status"])
        return shown.where(shown.ne(""), "paid").astype("string")
    return pd.Series("paid", index=rows.index, dtype="string")


@check(
    "opportunity_paid_but_open",
    area="partial_sync",
    severity="medium",
    needs=("opportunities", "invoices", "rollups.Opportunity"),
    what="Opportunities shown paid in Salesforce whose invoice is still open in QBO",
    why="Nobody chases money Salesforce says has arrived; revenue and commission reports count it as collected.",
    fix="Find out whether the customer paid: record the payment in QBO, or let the connector rewrite the deal's payment fields.",
)
def opportunity_paid_but_open(ctx: Context) -> pd.DataFrame:
    rows = _judged(ctx)
    rows = rows[rows["sf_state"].eq("paid").fillna(False) & rows["qb_state"].eq("open")]
    rows = rows.reset_index(drop=True)
    balance = rows["inv_balance_cents"].astype("Int64")
    detail = (
        "Salesforce marks the deal "
        + _status_words(rows)
        + ", but "
        + invoice_label(ctx.data, rows["bill_invoice"])
        + " still owes "
        + money_text(balance, rows["inv_currency"])
        + " in QBO (last changed there "
        + day(rows["inv_last_updated_time"])
        + ")."
    )
    action = (
        "Check "
        + invoice_number(ctx.data, rows["bill_invoice"])
        + " in QBO: record the missing payment, or have the connector rewrite the deal's "
        "payment fields."
    )
    return _found(rows, "Shown paid in Salesforce, open in QuickBooks", detail, action, balance)


@check(
    "opportunity_open_but_paid",
    area="partial_sync",
    severity="high",
    needs=("opportunities", "invoices", "rollups.Opportunity"),
    what="Opportunities shown unpaid in Salesforce whose invoice QBO has settled",
    why="Collections and account managers chase a customer who has paid.",
    fix="Have the connector rewrite the deal's payment fields from QBO (and find why its update did not land).",
)
def opportunity_open_but_paid(ctx: Context) -> pd.DataFrame:
    rows = _judged(ctx)
    rows = rows[rows["sf_state"].eq("open").fillna(False) & rows["qb_state"].eq("paid")]
    rows = rows.reset_index(drop=True)
    shown = (
        rows["rollup_balance_cents"].astype("Int64")
        if "rollup_balance_cents" in rows
        else rows["inv_total"]
    ).fillna(rows["inv_total"])
    detail = (
        "Salesforce shows the deal as not paid ("
        + money_text(shown, rows["inv_currency"])
        + " still owed), but "
        + invoice_label(ctx.data, rows["bill_invoice"])
        + " is paid in full in QBO (last changed there "
        + day(rows["inv_last_updated_time"])
        + ")."
    )
    return _found(
        rows,
        "Paid in QuickBooks, shown unpaid in Salesforce",
        detail,
        "Stop any reminder to the customer; have the connector rewrite the deal's payment fields from QBO.",
        shown,
    )


# Opportunity rollup -> (QBO figure it copies, words, severity): what is still owed drives
# reminders (medium); the amount paid only drives reports (low).
DEAL_FIELDS = {
    "rollup_balance_cents": ("inv_balance_cents", "balance", "medium"),
    "rollup_paid_cents": ("inv_paid_cents", "amount paid", "low"),
}


@check(
    "opportunity_rollup_mismatch",
    area="partial_sync",
    severity="medium",
    needs=("opportunities", "invoices", "rollups.Opportunity"),
    what="Opportunities whose balance or amount paid in Salesforce differs from their invoice in QBO (both sides agree it is paid or open)",
    why="Reminders and forecasts use the deal's balance: a wrong one asks the customer for the wrong amount.",
    fix="Have the connector rewrite the deal's payment fields from QBO; if it keeps writing the wrong amount, check its field mapping.",
)
def opportunity_rollup_mismatch(ctx: Context) -> pd.DataFrame:
    rows = _judged(ctx)
    rows = rows[rows["sf_state"].isna() | rows["sf_state"].eq(rows["qb_state"]).fillna(False)]
    rows = rows.assign(inv_paid_cents=rows["inv_total"] - rows["inv_balance_cents"])
    tol = round(ctx.thresholds.amount_tolerance * 100)
    parts = [
        rows.assign(
            sf_cents=rows[column].astype("Int64"),
            qb_cents=rows[qb].astype("Int64"),
            words=words,
            severity=level,
            line_id=column,
        )
        for column, (qb, words, level) in DEAL_FIELDS.items()
        if column in rows
    ]
    if not parts:
        return new_findings()
    long = pd.concat(parts, ignore_index=True)
    long = long[(long["sf_cents"] - long["qb_cents"]).abs().gt(tol).fillna(False)]
    long = long.reset_index(drop=True)
    cur, name = long["inv_currency"], text(long["name"], "(no name)")
    return new_findings(
        sf_object="Opportunity",
        sf_id=long["id"],
        sf_name=name,
        qb_entity="Invoice",
        qb_id=long["bill_invoice"],
        line_id=long["line_id"],
        severity=long["severity"],
        title="Salesforce shows "
        + money_text(long["sf_cents"], cur)
        + " "
        + long["words"]
        + " on "
        + name
        + "; QuickBooks says "
        + money_text(long["qb_cents"], cur),
        detail="The deal's "
        + long["words"]
        + " in Salesforce is "
        + money_text(long["sf_cents"], cur)
        + "; "
        + invoice_label(ctx.data, long["bill_invoice"])
        + " has "
        + money_text(long["qb_cents"], cur)
        + " in QBO (last changed there "
        + day(long["inv_last_updated_time"])
        + ").",
        suggested_action="Have the connector rewrite the deal's payment fields from "
        + invoice_number(ctx.data, long["bill_invoice"])
        + ".",
        amount_cents=(long["sf_cents"] - long["qb_cents"]).abs(),
        currency=cur,
        confidence=0.85,
    )
