"""Payments that did not land where they should: money left unapplied while the same customer has
open invoices, a payment applied to another customer's invoice, or to an invoice that is gone."""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.partial_sync.state import lookup
from sfqb_diag.findings import new_findings
from sfqb_diag.ids import member
from sfqb_diag.record_words import invoice_label, invoice_number, sentence_start, transaction_number
from sfqb_diag.words import count_text, day, money_text, text


def _customer_names(ctx: Context) -> pd.Series:
    customers = ctx.data.get("customers")
    if customers is None:
        return pd.Series(dtype="string")
    return customers.set_index("id")["display_name"].astype("string")


def _related(ctx: Context, a: pd.Series, b: pd.Series) -> pd.Series:
    """True where one customer is the other's parent (a job/sub-customer): QBO lets the parent's
    payment settle a job's invoice, so that is not a wrong-customer payment."""
    customers = ctx.data.get("customers")
    if customers is None or "parent_id" not in customers:
        return pd.Series(False, index=a.index)
    parent = customers.set_index("id")["parent_id"].astype("string")
    return (a.map(parent).eq(b) | b.map(parent).eq(a)).fillna(False).astype(bool)


@check(
    "payment_unapplied",
    area="partial_sync",
    severity="high",
    needs=("payments", "invoices"),
    what="Payments with an unapplied amount while the same customer has open invoices",
    why="The customer paid, but their invoices still show as owed: reminders go out, revenue reports are wrong.",
    fix="In QBO, open the payment and apply the unapplied amount to the customer's open invoices.",
)
def payment_unapplied(ctx: Context) -> pd.DataFrame:
    pay, inv = ctx.data["payments"], ctx.data["invoices"]
    open_inv = inv[inv["balance_cents"].fillna(0).gt(0)]
    owed = open_inv.groupby("customer_id")["balance_cents"].sum()
    count = open_inv.groupby("customer_id").size()
    pay = pay[
        pay["unapplied_cents"].fillna(0).gt(0) & member(pay["customer_id"], owed.index)
    ].reset_index(drop=True)
    open_cents = pay["customer_id"].map(owed).astype("Int64")
    at_risk = (
        pay["unapplied_cents"]
        .where(pay["unapplied_cents"] < open_cents, open_cents)
        .astype("Int64")
    )
    who = pay["customer_id"].map(_customer_names(ctx)).fillna(pay["customer_id"])
    return new_findings(
        qb_entity="Payment",
        qb_id=pay["id"],
        qb_name=who,
        title="Payment not applied to open invoices: " + text(who),
        detail=sentence_start(transaction_number(ctx.data, "payments", pay["id"]))
        + " of "
        + day(pay["txn_date"])
        + " ("
        + money_text(pay["total_cents"], pay["currency"])
        + ") has "
        + money_text(pay["unapplied_cents"], pay["currency"])
        + " unapplied while the customer has "
        + count_text(pay["customer_id"].map(count), "open invoice")
        + " owing "
        + money_text(open_cents, pay["currency"])
        + ".",
        suggested_action="Open the payment in QBO and apply the unapplied amount to the open invoices.",
        amount_cents=at_risk,
        currency=pay["currency"],
        confidence=0.9,
    )


def _applied(ctx: Context) -> pd.DataFrame:
    """Payment -> invoice applications, one row per (payment, invoice) with the amounts summed
    (a payment may apply to one invoice on several lines), with the payment's customer."""
    links = ctx.data["payment_links"]
    links = links[links["txn_type"].astype("string").eq("Invoice").fillna(False)]
    links = links.groupby(["payment_id", "txn_id"], sort=False)["amount_cents"].sum().reset_index()
    found = lookup(
        links["payment_id"],
        ctx.data["payments"].set_index("id"),
        ["customer_id", "currency", "txn_date"],
    )
    found.index = links.index
    return links.assign(
        pay_customer=found["customer_id"], currency=found["currency"], txn_date=found["txn_date"]
    ).reset_index(drop=True)


@check(
    "payment_customer_mismatch",
    area="partial_sync",
    severity="critical",
    needs=("payments", "payment_links", "invoices"),
    what="Payments applied to an invoice of a different customer (QBO error 620 territory)",
    why="One customer's money settles another's invoice: both balances are wrong now.",
    fix="Unapply the payment from the invoice and apply it to the paying customer's own invoices.",
)
def payment_customer_mismatch(ctx: Context) -> pd.DataFrame:
    links = _applied(ctx)
    inv_customer = ctx.data["invoices"].set_index("id")["customer_id"]
    links["inv_customer"] = links["txn_id"].map(inv_customer)
    wrong = (
        links["inv_customer"].notna()
        & links["pay_customer"].notna()
        & links["inv_customer"].ne(links["pay_customer"])
    )
    bad = links[
        wrong.fillna(False) & ~_related(ctx, links["inv_customer"], links["pay_customer"])
    ].reset_index(drop=True)
    names = _customer_names(ctx)
    payer = bad["pay_customer"].map(names).fillna(bad["pay_customer"])
    return new_findings(
        qb_entity="Payment",
        qb_id=bad["payment_id"],
        line_id=bad["txn_id"],
        qb_name=payer,
        title="Payment applied to another customer's invoice: " + text(payer),
        detail=sentence_start(transaction_number(ctx.data, "payments", bad["payment_id"]))
        + " of "
        + day(bad["txn_date"])
        + " from "
        + text(payer)
        + " applies "
        + money_text(bad["amount_cents"], bad["currency"])
        + " to "
        + invoice_label(ctx.data, bad["txn_id"])
        + ".",
        suggested_action="Unapply it from "
        + invoice_number(ctx.data, bad["txn_id"])
        + " and apply it to "
        + text(payer)
        + "'s own invoices (or re-issue the invoice to the right customer).",
        amount_cents=bad["amount_cents"],
        currency=bad["currency"],
        confidence=0.95,
    )


@check(
    "payment_missing_invoice",
    area="partial_sync",
    severity="high",
    needs=("payments", "payment_links", "invoices"),
    what="Payments applied to an invoice that is not in the realm",
    why="The invoice the money settled was deleted: the payment is effectively unapplied.",
    fix="Re-apply the payment to the customer's current invoice (or refund it).",
)
def payment_missing_invoice(ctx: Context) -> pd.DataFrame:
    links = _applied(ctx)
    bad = links[~member(links["txn_id"], ctx.data["invoices"]["id"])].reset_index(drop=True)
    payer = bad["pay_customer"].map(_customer_names(ctx)).fillna(bad["pay_customer"])
    return new_findings(
        qb_entity="Payment",
        qb_id=bad["payment_id"],
        line_id=bad["txn_id"],
        qb_name=payer,
        title="Payment applied to a missing invoice: " + text(payer),
        detail=sentence_start(transaction_number(ctx.data, "payments", bad["payment_id"]))
        + " applies "
        + money_text(bad["amount_cents"], bad["currency"])
        + " to "
        + invoice_number(ctx.data, bad["txn_id"])
        + ", which is not in the pulled realm.",
        suggested_action="Re-apply the payment to the customer's current invoice in QBO, or refund it.",
        amount_cents=bad["amount_cents"],
        currency=bad["currency"],
        confidence=0.85,
    )
