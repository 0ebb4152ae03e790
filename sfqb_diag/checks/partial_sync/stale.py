"""Stale and stuck records: deals edited after their last sync, invoices edited in QBO after it,
and opportunities left in an Error or pending sync status.

Ownership: a change on ONE side after the sync is staleness (here); a change on BOTH sides is a
lost-update conflict and belongs to sync_jobs (billing category `conflict`, not reported here).
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check, output
from sfqb_diag.checks.partial_sync.state import shared_state
from sfqb_diag.checks.partial_sync.words import cause_and_fix, error_code
from sfqb_diag.findings import new_findings
from sfqb_diag.linkage import WON_NEEDS
from sfqb_diag.record_words import invoice_number
from sfqb_diag.words import day, days_between, format_cents, money_text, text


def _pair(opps: pd.DataFrame) -> dict:
    return {
        "sf_object": "Opportunity",
        "sf_id": opps["id"],
        "sf_name": opps["name"],
        "qb_entity": "Invoice",
        "qb_id": opps["link"],
        "amount_cents": opps["gap_cents"].abs(),
        "currency": opps["currency"],
    }


# What the checks of linked won deals against their last sync read.
SYNCED_DEAL_NEEDS = (
    "opportunities",
    "opportunities.qb_invoice_id",
    "opportunities.last_sync",
    "invoices",
    WON_NEEDS,
)


@check(
    "stale_opportunity",
    area="partial_sync",
    severity="high",
    needs=SYNCED_DEAL_NEEDS,
    what="Opportunities (or their lines) edited after the last sync, whose amount now differs from the invoice",
    why="The invoice bills the old amount. A write-back alone (LastModifiedDate a few seconds after the sync "
    "stamp) is not counted: only edits later than stale_minutes after the stamp with a different amount.",
    fix="Re-run the sync for the deal, or correct the invoice in QBO (a credit memo if the books are closed).",
)
def stale_opportunity(ctx: Context) -> pd.DataFrame:
    opps, _, _ = shared_state(ctx)
    opps = opps[opps["category"] == "stale_salesforce"]
    edited = opps[["last_modified_date", "lines_modified"]].max(axis=1)
    return new_findings(
        **_pair(opps),
        title="Deal changed after its invoice was made: " + opps["name"].fillna(opps["id"]),
        detail="Edited in Salesforce on "
        + day(edited)
        + ", after the last sync ("
        + day(opps["last_sync"])
        + "); the deal is now "
        + money_text(opps["amount_cents"], opps["currency"])
        + ", "
        + invoice_number(ctx.data, opps["link"])
        + " in QBO bills "
        + money_text(opps["invoiced_cents"], opps["currency"])
        + ".",
        suggested_action="Re-run the sync for this deal (or correct the invoice in QBO; use a credit memo if "
        "the period is closed).",
        confidence=0.85,
    )


@check(
    "stale_invoice_edit",
    area="partial_sync",
    severity="medium",
    needs=SYNCED_DEAL_NEEDS,
    what="Invoices edited in QBO after the last sync (LastUpdatedTime and SyncToken moved) whose amount now "
    "differs from the deal",
    why="The next sync update would overwrite the QBO edit, or the deal no longer says what was billed.",
    fix="Decide which side is right; bring the other side in line before the next sync run.",
)
def stale_invoice_edit(ctx: Context) -> pd.DataFrame:
    opps, _, _ = shared_state(ctx)
    opps = opps[opps["category"] == "stale_quickbooks"]
    return new_findings(
        **_pair(opps),
        title="Invoice edited in QBO after the sync: " + opps["name"].fillna(opps["id"]),
        detail="In QBO, "
        + invoice_number(ctx.data, opps["link"])
        + " was edited on "
        + day(opps["inv_last_updated_time"])
        + " (SyncToken "
        + text(opps["inv_sync_token"])
        + "), after the last sync ("
        + day(opps["last_sync"])
        + "); it bills "
        + money_text(opps["invoiced_cents"], opps["currency"])
        + ", the deal says "
        + money_text(opps["amount_cents"], opps["currency"])
        + ".",
        suggested_action="Agree with finance which amount is right; update the deal (or the invoice) so the next "
        "sync does not overwrite the QBO edit.",
        confidence=0.8,
    )


def stuck_records(ctx: Context) -> pd.DataFrame:
    """Opportunities in an Error/pending sync status for longer than stuck_error_days, with the
    QBO error code found in the error text. Lost write-backs and deals billed by an unlinked
    invoice are left out: their own findings explain the status."""
    opps, _, _ = shared_state(ctx)
    since = opps["last_sync"].fillna(opps["last_modified_date"])
    age = days_between(since, ctx.as_of)
    old = (ctx.as_of - since) > pd.Timedelta(days=ctx.thresholds.stuck_error_days)
    keep = (
        opps["status_kind"].isin(["error", "pending"])
        & old.fillna(False)
        & ~opps["category"].isin(["lost_writeback", "unlinked_billed"]).fillna(False)
    )
    stuck = opps[keep].assign(status_since=since[keep], age_days=age[keep])
    stuck["error_code"] = error_code(stuck["sync_error"])
    stuck["cause"], stuck["fix"] = cause_and_fix(stuck["error_code"])
    return stuck


@check(
    "sync_error_stuck",
    area="partial_sync",
    severity="medium",
    needs=("opportunities", "opportunities.sync_status"),
    what="Opportunities left in an Error or pending sync status longer than stuck_error_days, by QBO error code",
    why="The sync gave up on them: a won deal in error is unbilled; a linked one stops receiving updates.",
    fix="Fix the cause named for the error code (remediation/sync_errors_by_code.csv), then re-run the sync.",
)
def sync_error_stuck(ctx: Context) -> pd.DataFrame:
    stuck = stuck_records(ctx)
    unbilled = stuck["category"].eq("stuck_unbilled").fillna(False) & stuck["amount_cents"].fillna(
        0
    ).ne(0)
    code = stuck["error_code"].fillna("no code")
    return new_findings(
        sf_object="Opportunity",
        sf_id=stuck["id"],
        sf_name=stuck["name"],
        title="Sync "
        + stuck["sync_status"].str.lower()
        + " for "
        + stuck["age_days"].astype("string")
        + " days ("
        + code
        + "): "
        + stuck["name"].fillna(stuck["id"]),
        detail="Status "
        + stuck["sync_status"]
        + " since "
        + day(stuck["status_since"])
        + ": "
        + text(stuck["sync_error"], "no error text")
        + ". Cause: "
        + stuck["cause"]
        + "."
        + unbilled.map({True: " The deal is not invoiced.", False: ""}),
        suggested_action=stuck["fix"] + ".",
        amount_cents=stuck["amount_cents"].where(unbilled),
        currency=stuck["currency"].where(unbilled),
        confidence=0.9,
        severity=unbilled.map({True: "high", False: "medium"}),
    )


@output(
    "remediation/sync_errors_by_code.csv",
    area="partial_sync",
    needs=("opportunities",),
    description="Opportunities stuck in a sync error or pending status, grouped by QBO error code and "
    "currency, with the cause and the fix in plain words",
)
def sync_errors_by_code(ctx: Context) -> pd.DataFrame:
    columns = [
        "error_code",
        "status",
        "cause",
        "fix",
        "records",
        "currency",
        "amount_unbilled",
        "example_message",
        "oldest_since",
    ]
    if not ctx.data.has_column("opportunities", "sync_status"):
        return pd.DataFrame(columns=columns)
    stuck = stuck_records(ctx)
    stuck = stuck.assign(
        error_code=stuck["error_code"].fillna("none"),
        currency=stuck["currency"].fillna(""),
        unbilled=stuck["amount_cents"]
        .fillna(0)
        .where(stuck["category"].eq("stuck_unbilled").fillna(False), 0),
    )
    grouped = stuck.groupby(["error_code", "sync_status", "currency"], dropna=False)
    table = grouped.agg(
        cause=("cause", "first"),
        fix=("fix", "first"),
        records=("id", "size"),
        unbilled=("unbilled", "sum"),
        example_message=("sync_error", "first"),
        oldest_since=("status_since", "min"),
    ).reset_index()
    table = table.rename(columns={"sync_status": "status"})
    table["amount_unbilled"] = format_cents(table["unbilled"].astype("Int64"))
    table["oldest_since"] = day(table["oldest_since"])
    return table.sort_values(["records", "error_code"], ascending=[False, True])[
        columns
    ].reset_index(drop=True)
