"""DocNumbers: invoice numbers used twice, and invoices with no number.

QBO numbers invoices itself unless custom transaction numbers are on; then the sync must send a
DocNumber (max 21 characters). With AllowDuplicateDocNum on, QBO accepts a number twice; with it
off, the next write of a duplicate fails with 6140. Customers pay by invoice number, so two
invoices with one number get payments applied to the wrong one.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.record_words import customer_name, sentence_start, transaction_number
from sfqb_diag.words import money_text


def _retry_copies(ctx: Context) -> set[str]:
    """Invoice copies already reported (and to be voided) as retry duplicates."""
    from sfqb_diag.checks.sync_jobs.retries import _invoice_dupes

    if not ctx.data.has_column("invoices", "create_time"):
        return set()
    found = _invoice_dupes(ctx)
    return set(found.loc[~found["keep"], "id"]) if not found.empty else set()


def duplicate_doc_numbers(invoices: pd.DataFrame, exclude: set[str]) -> pd.DataFrame:
    """Invoices sharing a DocNumber with another invoice (retry copies left out: they go away)."""
    inv = invoices[invoices["doc_number"].notna() & ~invoices["id"].isin(exclude)].copy()
    inv["_doc"] = inv["doc_number"].astype("string").str.strip().str.upper()
    inv = inv[inv.groupby("_doc")["_doc"].transform("size") >= 2]
    inv["count"] = inv.groupby("_doc")["_doc"].transform("size")
    pairs = inv[["_doc", "id"]].merge(
        inv[["_doc", "id"]].rename(columns={"id": "other"}), on="_doc"
    )
    pairs = pairs[pairs["id"] != pairs["other"]].sort_values(["id", "other"])
    others = pairs.groupby("id")["other"].agg(", ".join)
    inv["others"] = inv["id"].map(others).astype("string")
    return inv.sort_values(["_doc", "id"]).reset_index(drop=True)


@check(
    "duplicate_doc_number",
    area="sync_jobs",
    severity="medium",
    needs=("invoices", "invoices.doc_number"),
    what="Invoice numbers (DocNumber) used by more than one invoice",
    why="Customers pay by invoice number: payments get applied to the wrong invoice, and with duplicate "
    "numbers disallowed the next write fails with 6140.",
    fix="Renumber one of the invoices in QBO and fix the numbering rule of the sync.",
)
def duplicate_doc_number(ctx: Context) -> pd.DataFrame:
    found = duplicate_doc_numbers(ctx.data["invoices"], _retry_copies(ctx))
    if found.empty:
        return empty_findings()
    amount = money_text(found["total_cents"], found["currency"])
    return new_findings(
        qb_entity="Invoice",
        qb_id=found["id"],
        qb_name=found["customer_name"],
        title="Invoice number "
        + found["doc_number"]
        + " is used "
        + found["count"].astype("string")
        + " times",
        detail=(
            "This copy of invoice "
            + found["doc_number"]
            + " ("
            + amount
            + ", customer "
            + found["customer_name"].astype("string").fillna(found["customer_id"].astype("string"))
            + "; QBO Id "
            + found["id"]
            + ") shares its number with "
            + found["others"]
            .str.contains(",")
            .map({True: "the invoices of QBO Ids ", False: "the invoice of QBO Id "})
            .astype("string")
            + found["others"]
            + "."
        ),
        suggested_action="Give this copy of invoice "
        + found["doc_number"]
        + " ("
        + amount
        + ", QBO Id "
        + found["id"]
        + ") its own number in QBO, or confirm the numbers are "
        "intended (e.g. one order split in parts).",
        confidence=0.9,
    )


@check(
    "missing_doc_number",
    area="sync_jobs",
    severity="low",
    needs=("invoices", "invoices.doc_number"),
    what="Invoices without an invoice number (DocNumber)",
    why="With custom transaction numbers on, QBO leaves the number empty when the sync sends none: "
    "customers cannot quote it and payments are hard to match.",
    fix="Send a DocNumber from the sync (e.g. the opportunity's number) and fill the missing ones in QBO.",
)
def missing_doc_number(ctx: Context) -> pd.DataFrame:
    inv = ctx.data["invoices"]
    missing = inv[inv["doc_number"].isna()]
    if missing.empty:
        return empty_findings()
    amount = money_text(missing["total_cents"], missing["currency"])
    return new_findings(
        qb_entity="Invoice",
        qb_id=missing["id"],
        qb_name=missing["customer_name"],
        title="Invoice without a number for "
        + missing["customer_name"]
        .astype("string")
        .fillna(customer_name(ctx.data, missing["customer_id"])),
        detail=sentence_start(transaction_number(ctx.data, "invoices", missing["id"]))
        + " ("
        + amount
        + ", dated "
        + missing["txn_date"].dt.strftime("%Y-%m-%d").fillna("?")
        + ") has no DocNumber.",
        suggested_action="Give "
        + transaction_number(ctx.data, "invoices", missing["id"])
        + " a number in QBO and make the sync send one.",
        confidence=0.9,
    )
