"""Checks of area `sync_jobs`: what sync jobs do under load (docs/areas/sync_jobs.md).

This module registers the retry-duplicate checks and their outputs; the other families register
in their own modules, imported at the bottom: DocNumbers, the activity timeline (gaps, bursts,
lag), sync-log analytics, lost updates and capacity.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check, output
from sfqb_diag.checks.sync_jobs.duplicates import (
    INVOICE_KEPT_ROLES,
    PAYMENT_KEPT_ROLES,
    cluster_table,
    invoice_duplicates,
    kept_role,
    payment_duplicates,
    timing_words,
    void_which,
)
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.record_words import (
    customer_name,
    id_note,
    number_and_id,
    sentence_start,
    transaction_number,
)
from sfqb_diag.words import count_text, format_cents, money_text

INVOICE_EXTRA = [
    "doc_number",
    "customer_id",
    "customer_name",
    "txn_date",
    "amount",
    "currency",
    "create_time",
    "minutes_after_first",
    "opp_id",
    "linked",
    "has_payment",
    "cluster_size",
]
PAYMENT_EXTRA = [
    "customer_id",
    "txn_date",
    "amount",
    "currency",
    "create_time",
    "minutes_after_first",
    "payment_ref_num",
    "applied",
    "cluster_size",
]


def _invoice_dupes(ctx: Context) -> pd.DataFrame:
    return ctx.shared(
        "sync_jobs.invoice_duplicates", lambda: invoice_duplicates(ctx.data, ctx.config)
    )


def _payment_dupes(ctx: Context) -> pd.DataFrame:
    return ctx.shared(
        "sync_jobs.payment_duplicates", lambda: payment_duplicates(ctx.data, ctx.config)
    )


def _void_and_keep(
    copies: pd.DataFrame, copy: pd.Series, kept: pd.Series, role: pd.Series
) -> pd.Series:
    """'Void the earlier copy, <copy>, in QBO and keep <kept>, <why that one>'."""
    return "Void " + void_which(copies) + ", " + copy + ", in QBO and keep " + kept + ", " + role


@check(
    "duplicate_invoice_retry",
    area="sync_jobs",
    severity="critical",
    needs=("invoices", "invoices.create_time"),
    what="Invoices created twice by a retried create: same customer, date, total and lines, minutes apart",
    why="The customer is billed twice; the copy is usually orphaned (no Salesforce link), so nobody notices.",
    fix="Void the copy in QBO (move any payment applied to it to the kept invoice first).",
)
def duplicate_invoice_retry(ctx: Context) -> pd.DataFrame:
    found = _invoice_dupes(ctx)
    if found.empty:
        return empty_findings()
    role = kept_role(found, INVOICE_KEPT_ROLES)[~found["keep"]]
    copies = found[~found["keep"]]
    amount = money_text(copies["total_cents"], copies["currency"])
    copy = number_and_id(ctx.data, "invoices", copies["id"])
    kept = number_and_id(ctx.data, "invoices", copies["keep_id"])
    detail = (
        sentence_start(transaction_number(ctx.data, "invoices", copies["id"]))
        + " ("
        + amount
        + ", dated "
        + copies["txn_date"].dt.strftime("%Y-%m-%d")
        + id_note(ctx.data, "invoices", copies["id"])
        + ") repeats "
        + kept
        + " with the same customer, date, total and "
        + count_text(copies["line_count"], "line")
        + "; it was "
        + timing_words(copies, role)
        + ". The customer is billed "
        + amount
        + " twice."
    )
    action = (
        _void_and_keep(copies, copy, kept, role)
        + copies["has_payment"]
        .map(
            {
                True: " (a payment is applied to the copy: move it to the kept invoice first)",
                False: "",
            }
        )
        .astype("string")
        + "."
    )
    return new_findings(
        sf_object=copies["opp_id"].notna().map({True: "Opportunity", False: None}),
        sf_id=copies["opp_id"],
        qb_entity="Invoice",
        qb_id=copies["id"],
        qb_name=copies["customer_name"],
        title="Duplicate invoice from a retried create: "
        + copy
        + " for "
        + copies["customer_name"]
        .astype("string")
        .fillna(customer_name(ctx.data, copies["customer_id"])),
        detail=detail,
        suggested_action=action,
        amount_cents=copies["total_cents"],
        currency=copies["currency"].replace("", pd.NA),
        confidence=0.95,
    )


@check(
    "duplicate_payment_retry",
    area="sync_jobs",
    severity="critical",
    needs=("payments", "payments.create_time"),
    what="Payments recorded twice by a retried create: same customer, date, amount, minutes apart",
    why="The customer's balance is wrong now: a payment counted twice hides an open invoice or shows a false credit.",
    fix="Delete or void the copy in QBO (unapply it first if it was applied).",
    supersedes=("payment_unapplied",),
)
def duplicate_payment_retry(ctx: Context) -> pd.DataFrame:
    found = _payment_dupes(ctx)
    if found.empty:
        return empty_findings()
    role = kept_role(found, PAYMENT_KEPT_ROLES)[~found["keep"]]
    copies = found[~found["keep"]]
    amount = money_text(copies["total_cents"], copies["currency"])
    copy = number_and_id(ctx.data, "payments", copies["id"])
    kept = number_and_id(ctx.data, "payments", copies["keep_id"])
    who = customer_name(ctx.data, copies["customer_id"])
    detail = (
        sentence_start(transaction_number(ctx.data, "payments", copies["id"]))
        + " ("
        + amount
        + ", dated "
        + copies["txn_date"].dt.strftime("%Y-%m-%d")
        + id_note(ctx.data, "payments", copies["id"])
        + ") repeats "
        + kept
        + " for the same customer, "
        + who
        + "; it was "
        + timing_words(copies, role)
        + "; "
        + copies["applied"]
        .map({True: "it is applied to invoices", False: "it is unapplied"})
        .astype("string")
        + ". "
        + amount
        + " is recorded twice."
    )
    return new_findings(
        qb_entity="Payment",
        qb_id=copies["id"],
        title="Duplicate payment from a retried create: " + amount + " from " + who,
        detail=detail,
        suggested_action=_void_and_keep(copies, copy, kept, role) + ".",
        amount_cents=copies["total_cents"],
        currency=copies["currency"].replace("", pd.NA),
        confidence=0.95,
    )


@output(
    "matches/qb_invoice_duplicates.csv",
    area="sync_jobs",
    needs=("invoices", "invoices.create_time"),
    description="Retry-duplicate invoice clusters: cluster_id, id, keep, reasons (+ amounts, dates)",
)
def invoice_duplicates_table(ctx: Context) -> pd.DataFrame:
    return cluster_table(_invoice_dupes(ctx), INVOICE_EXTRA)


@output(
    "matches/qb_payment_duplicates.csv",
    area="sync_jobs",
    needs=("payments", "payments.create_time"),
    description="Retry-duplicate payment clusters: cluster_id, id, keep, reasons (+ amounts, dates)",
)
def payment_duplicates_table(ctx: Context) -> pd.DataFrame:
    return cluster_table(_payment_dupes(ctx), PAYMENT_EXTRA)


@output(
    "remediation/qbo_duplicate_invoices_to_void.csv",
    area="sync_jobs",
    needs=("invoices", "invoices.create_time"),
    description="Invoice copies to void in QBO, with the invoice to keep and the amount billed twice",
)
def invoices_to_void(ctx: Context) -> pd.DataFrame:
    found = _invoice_dupes(ctx)
    columns = [
        "invoice_id",
        "doc_number",
        "customer_id",
        "customer_name",
        "txn_date",
        "amount",
        "currency",
        "keep_invoice_id",
        "salesforce_opportunity_id",
        "payment_applied",
        "instructions",
    ]
    if found.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
    copies = found[~found["keep"]].sort_values(["total_cents", "id"], ascending=[False, True])
    steps = (
        copies["has_payment"]
        .map(
            {
                True: "Move the payment applied to this invoice onto ",
                False: "Void this invoice; the customer keeps ",
            }
        )
        .astype("string")
    )
    return pd.DataFrame(
        {
            "invoice_id": copies["id"],
            "doc_number": copies["doc_number"],
            "customer_id": copies["customer_id"],
            "customer_name": copies["customer_name"],
            "txn_date": copies["txn_date"].dt.strftime("%Y-%m-%d"),
            # A number (no separators, no code) so a spreadsheet sums and sorts it; the
            # currency is its own column.
            "amount": format_cents(copies["total_cents"].astype("Int64")),
            "currency": copies["currency"],
            "keep_invoice_id": copies["keep_id"],
            "salesforce_opportunity_id": copies["opp_id"],
            "payment_applied": copies["has_payment"],
            "instructions": steps
            + transaction_number(ctx.data, "invoices", copies["keep_id"])
            + copies["has_payment"]
            .map({True: ", then void this invoice.", False: "."})
            .astype("string"),
        }
    ).reset_index(drop=True)
