"""Money written back into Salesforce that disagrees with QuickBooks (client.yaml `rollups:`).

Connectors copy what QBO says a customer owes into Account fields (Breadwinner: amount due,
overdue, invoiced, paid, credited, recalculated once a day) and what an invoice still owes into
Opportunity fields. Sales acts on them: a paid customer still shown overdue gets chased by
collections. A difference beyond amount_tolerance is a finding, with its most likely cause; a
rollup younger than the connector's window that only lags QBO's newest changes is not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.partial_sync.receivables import account_receivables
from sfqb_diag.checks.partial_sync.state import shared_state
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.record_words import invoice_label
from sfqb_diag.words import day, days_between, money_text, text

# Account rollup role -> (canonical rollup column, QBO column, words for people).
ACCOUNT_FIELDS = {
    "account_amount_due": ("rollup_due_cents", "due_cents", "amount due"),
    "account_amount_overdue": ("rollup_overdue_cents", "overdue_cents", "amount overdue"),
    "account_amount_invoiced": ("rollup_invoiced_cents", "invoiced_cents", "amount invoiced"),
    "account_amount_paid": ("rollup_paid_cents", "paid_cents", "amount paid"),
    "account_amount_credited": ("rollup_credited_cents", "credited_cents", "amount credited"),
}
# What is owed drives collections and credit holds; the to-date totals only drive reports.
OWED = ("account_amount_due", "account_amount_overdue")
# Salesforce error texts when a validation rule refuses the connector's update.
VALIDATION = r"(?i)validation|FIELD_CUSTOM_VALIDATION_EXCEPTION"

CAUSES = {
    "validation_rule": (
        "a validation rule on the account refuses the connector's update (the sync log shows "
        "the rejection)",
        "Let the connector's user pass the validation rule (or fix the data it trips on), then "
        "have the connector recalculate the account.",
    ),
    "other_customer": (
        "an invoice for this account's deal sits on another QBO customer (Salesforce counts it "
        "under this account, QBO under that customer)",
        "Move the invoice to this account's QBO customer (or relink the account), then "
        "recalculate.",
    ),
    "unapplied_payment": (
        "a payment was received but not applied to the open invoices in QBO",
        "Apply the payment to the open invoices in QBO; the next recalculation then agrees.",
    ),
    "stale": (
        "the daily recalculation did not run for this account: QBO changed after the rollup "
        "was last written",
        "Run the connector's recalculation for the account (or all accounts) and check its "
        "scheduled job.",
    ),
    "unexplained": (
        "nothing in QBO changed since the rollup was written: it was edited by hand or "
        "computed from other records",
        "Recalculate the account with the connector and make the field read-only for people.",
    ),
}


def _long(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (account, rollup field the export carries): sf_cents beside qb_cents."""
    named = ctx.config.rollups.named("Account")
    parts = []
    for role, field in named.items():
        column, qb_column, words = ACCOUNT_FIELDS[role]
        if column not in frame or qb_column not in frame:
            continue
        part = frame.assign(
            role=role,
            field=field,
            words=words,
            sf_cents=frame[column].astype("Int64"),
            qb_cents=frame[qb_column].astype("Int64"),
        )
        parts.append(part[part["sf_cents"].notna() & part["qb_cents"].notna()])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _fresh_lag(ctx: Context, rows: pd.DataFrame) -> pd.Series:
    """A rollup written within the connector's window, with QBO changes after it: the next
    recalculation picks them up, nothing is wrong yet."""
    age_hours = (ctx.as_of - rows["rollup_time"]).dt.total_seconds() / 3600
    changed = (rows["last_qbo_change"] > rows["rollup_time"]).fillna(False)
    return (age_hours <= ctx.config.rollups.window_hours).fillna(False) & changed


def _refused(ctx: Context, ids: pd.Series) -> pd.Series:
    log = ctx.data.get("sync_log")
    if log is None or log.empty:
        return pd.Series(False, index=ids.index)
    message = (
        log["message"].astype("string").fillna("")
        + " "
        + log["error_code"].astype("string").fillna("")
    )
    failed = log.loc[message.str.contains(VALIDATION, regex=True), "sf_id"].dropna()
    return ids.isin(set(failed)).fillna(False)


def _away(ctx: Context) -> pd.DataFrame:
    """Deals whose billing invoice is on another QBO customer than the account's link names."""
    if not ctx.data.has("opportunities"):
        return pd.DataFrame(columns=["account_id", "bill_invoice", "inv_balance_cents"])
    opps, _, _ = shared_state(ctx)
    return opps[
        opps["bill_invoice"].notna()
        & opps["inv_customer_id"].notna()
        & opps["inv_customer_id"].ne(opps["account_customer"]).fillna(False)
    ]


def _elsewhere(ctx: Context, rows: pd.DataFrame) -> pd.Series:
    """Per row: the balance (or total, for invoiced) of invoices billing this account's deals
    but on another QBO customer."""
    away = _away(ctx)
    if away.empty:
        return pd.Series(0, index=rows.index, dtype="Int64")
    _, facts, _ = shared_state(ctx)
    balance = away.groupby("account_id")["inv_balance_cents"].sum()
    totals = away["bill_invoice"].map(facts["total_cents"]).astype("Int64")
    billed = totals.groupby(away["account_id"]).sum()
    owed = rows["account_id"].map(balance).astype("Int64").fillna(0)
    total = rows["account_id"].map(billed).astype("Int64").fillna(0)
    return owed.where(rows["role"].isin(OWED), total).astype("Int64")


def _elsewhere_words(ctx: Context, rows: pd.DataFrame) -> pd.Series:
    """'invoice 1042 (Other Corp, 4,331.00 USD)' per account: its deals' invoices elsewhere."""
    away = _away(ctx)
    if away.empty:
        return pd.Series("", index=rows.index, dtype="string")
    labels = invoice_label(ctx.data, away["bill_invoice"].astype("string"))
    joined = labels.groupby(away["account_id"].to_numpy()).agg("; ".join)
    return rows["account_id"].map(joined).astype("string").fillna("")


def _unapplied(ctx: Context, rows: pd.DataFrame) -> pd.Series:
    payments = ctx.data.get("payments")
    if payments is None or "unapplied_cents" not in payments:
        return pd.Series(0, index=rows.index, dtype="Int64")
    left = payments.groupby(payments["customer_id"].astype("string"))["unapplied_cents"].sum()
    return rows["customer_id"].map(left).astype("Int64").fillna(0)


def likely_cause(ctx: Context, rows: pd.DataFrame) -> pd.Series:
    """The most likely reason each rollup differs, strongest evidence first."""
    tol = round(ctx.thresholds.amount_tolerance * 100)
    gap = (rows["sf_cents"] - rows["qb_cents"]).abs()
    elsewhere = _elsewhere(ctx, rows)
    unapplied = _unapplied(ctx, rows)
    old = (ctx.as_of - rows["rollup_time"]).dt.total_seconds() / 3600 > (
        ctx.config.rollups.window_hours
    )
    changed = (rows["last_qbo_change"] > rows["rollup_time"]).fillna(False)
    rules = [
        (_refused(ctx, rows["account_id"]), "validation_rule"),
        (elsewhere.gt(0) & (gap - elsewhere).abs().le(tol), "other_customer"),
        (
            rows["role"].isin(OWED) & unapplied.gt(0) & (gap - unapplied).abs().le(tol),
            "unapplied_payment",
        ),
        (old.fillna(False) & changed, "stale"),
    ]
    conditions = [np.asarray(c.fillna(False), dtype=bool) for c, _ in rules]
    return pd.Series(
        np.select(conditions, [n for _, n in rules], default="unexplained"),
        index=rows.index,
        dtype="string",
    )


def severity(rows: pd.DataFrame, tol: int) -> pd.Series:
    """high: Salesforce shows money owed (or overdue) that QBO says is not, so collections
    chase a customer who paid; medium: any other difference in what is owed; low: to-date
    totals (invoiced, paid, credited), which only reports read."""
    owed = rows["role"].isin(OWED)
    chased = owed & rows["sf_cents"].gt(rows["qb_cents"] + tol) & rows["qb_cents"].le(tol)
    return pd.Series(
        np.select([chased.fillna(False), owed], ["high", "medium"], default="low"),
        index=rows.index,
        dtype="string",
    )


@check(
    "rollup_mismatch",
    area="partial_sync",
    severity="medium",
    needs=("accounts", "customers", "invoices", "rollups.Account"),
    what="Account rollups the connector wrote back (amount due, overdue, invoiced, paid, credited) that differ from QBO",
    why="Sales acts on these fields: a paid customer shown overdue is chased, an unpaid one gets more credit.",
    fix="Fix the cause named (validation rule, invoice on another customer, unapplied payment, stale recalculation), then recalculate the account in the connector.",
)
def rollup_mismatch(ctx: Context) -> pd.DataFrame:
    rows = _long(ctx, account_receivables(ctx))
    if rows.empty:
        return empty_findings()
    tol = round(ctx.thresholds.amount_tolerance * 100)
    differs = (rows["sf_cents"] - rows["qb_cents"]).abs().gt(tol)
    rows = rows[differs.fillna(False)].reset_index(drop=True)
    rows = rows[~_fresh_lag(ctx, rows)].reset_index(drop=True)
    cause = likely_cause(ctx, rows)
    why = cause.map({k: v[0] for k, v in CAUSES.items()}).astype("string")
    away = cause.eq("other_customer")
    why = why.where(~away, why + ": " + _elsewhere_words(ctx, rows))
    fix = cause.map({k: v[1] for k, v in CAUSES.items()}).astype("string")
    return _findings(ctx, rows, why, fix, tol)


def _findings(
    ctx: Context, rows: pd.DataFrame, why: pd.Series, fix: pd.Series, tol: int
) -> pd.DataFrame:
    """One finding per (account, field): both amounts with currency, the open invoices by
    number, the rollup's age and the likely cause."""
    cur = rows["currency"]
    name = text(rows["account_name"], "(no name)")
    open_list = text(rows["open_invoices"]).where(text(rows["open_invoices"]).ne(""), "none")
    age = days_between(rows["rollup_time"], ctx.as_of).astype("string").fillna("?")
    return new_findings(
        sf_object="Account",
        sf_id=rows["account_id"],
        sf_name=name,
        qb_entity="Customer",
        qb_id=rows["customer_id"],
        qb_name=rows["customer_name"],
        line_id=rows["role"],
        severity=severity(rows, tol),
        title="Salesforce shows "
        + money_text(rows["sf_cents"], cur)
        + " "
        + rows["words"]
        + " for "
        + name
        + "; QuickBooks says "
        + money_text(rows["qb_cents"], cur),
        detail=rows["field"]
        + " on account "
        + name
        + " holds "
        + money_text(rows["sf_cents"], cur)
        + "; QBO customer "
        + text(rows["customer_name"], "?")
        + " has "
        + money_text(rows["qb_cents"], cur)
        + " "
        + rows["words"]
        + " (open invoices: "
        + open_list
        + "). The rollup was last written "
        + day(rows["rollup_time"])
        + " ("
        + age
        + " days before the as-of time). Likely cause: "
        + why
        + ".",
        suggested_action=fix,
        amount_cents=(rows["sf_cents"] - rows["qb_cents"]).abs(),
        currency=cur,
        confidence=0.85,
    )
