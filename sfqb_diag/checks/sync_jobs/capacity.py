"""Capacity: how many QBO requests a full resync or a backfill needs, and how long it takes.

QBO limits (Intuit docs, 2025): 500 requests per minute and 10 concurrent requests per realm
and app; batch requests at most 120 per minute with at most 30 operations each; queries return at
most 1,000 rows a page. An update needs the record's current SyncToken, so a resync first reads
every record it rewrites (by pages); a create needs no read. Customers and items must exist
before the invoices that name them, so a backfill runs entity by entity.
"""

from __future__ import annotations

import math

import pandas as pd

from sfqb_diag.checks.base import Context, output
from sfqb_diag.checks.sync_jobs.log import failing_records
from sfqb_diag.dataset import Dataset
from sfqb_diag.linkage import won_deals

REQUESTS_PER_MINUTE = 500
BATCH_REQUESTS_PER_MINUTE = 120
BATCH_OPERATIONS = 30
PAGE_ROWS = 1000
ONE_WORKER_PER_MINUTE = 60  # a sequential client waits for each reply: about one call a second
COLUMNS = [
    "scope",
    "entity",
    "records",
    "creates",
    "updates",
    "read_requests",
    "single_requests",
    "single_minutes",
    "one_worker_minutes",
    "batch_requests",
    "batch_minutes",
    "note",
]


def _count(frame: pd.DataFrame | None, mask: pd.Series | None = None) -> int:
    if frame is None:
        return 0
    return int(mask.sum()) if mask is not None else len(frame)


def _scope_rows(
    data: Dataset, failing: pd.DataFrame | None
) -> list[tuple[str, str, int, int, str]]:
    """(scope, entity, creates, updates, note) for a full resync and for the backfill."""
    rows = []
    accounts, products, opps = data.get("accounts"), data.get("products"), data.get("opportunities")
    for entity, frame, link in (
        ("Customer", accounts, "qb_customer_id"),
        ("Item", products, "qb_item_id"),
    ):
        if frame is not None:
            linked = _count(frame, frame[link].notna()) if link in frame else 0
            rows.append(
                ("full_resync", entity, len(frame) - linked, linked, "every record rewritten")
            )
    if opps is not None:
        won = opps[won_deals(opps)]
        linked = _count(won, won["qb_invoice_id"].notna()) if "qb_invoice_id" in won else 0
        rows.append(
            ("full_resync", "Invoice", len(won) - linked, linked, "every won deal rewritten")
        )
        rows.append(("backfill", "Invoice", len(won) - linked, 0, "won deals with no invoice link"))
    if data.get("payments") is not None:
        rows.append(("full_resync", "Payment", 0, len(data["payments"]), "every payment rewritten"))
    log = data.get("sync_log")
    if failing is None and log is not None and not log.empty:
        failing = failing_records(log)
    if failing is not None:
        for entity, group in failing.groupby(failing["qb_entity"].fillna("(unknown)")):
            updates = int(group["qb_id"].notna().sum())
            rows.append(
                (
                    "backfill",
                    str(entity),
                    len(group) - updates,
                    updates,
                    "records whose last sync call failed",
                )
            )
    return rows


def capacity_plan(data: Dataset, failing: pd.DataFrame | None = None) -> pd.DataFrame:
    """Requests and minutes per scope and entity, one-by-one and batched, plus scope totals."""
    rows = []
    for scope, entity, creates, updates, note in _scope_rows(data, failing):
        records = creates + updates
        reads = math.ceil(updates / PAGE_ROWS)
        single = records + reads
        batches = math.ceil(records / BATCH_OPERATIONS)
        rows.append(
            {
                "scope": scope,
                "entity": entity,
                "records": records,
                "creates": creates,
                "updates": updates,
                "read_requests": reads,
                "single_requests": single,
                "single_minutes": round(single / REQUESTS_PER_MINUTE, 1),
                "one_worker_minutes": round(single / ONE_WORKER_PER_MINUTE, 1),
                "batch_requests": batches,
                "batch_minutes": round(
                    batches / BATCH_REQUESTS_PER_MINUTE + reads / REQUESTS_PER_MINUTE, 1
                ),
                "note": note,
            }
        )
    plan = pd.DataFrame(rows, columns=COLUMNS)
    if plan.empty:
        return plan
    totals = plan.groupby("scope", sort=False)[COLUMNS[2:11]].sum(min_count=1).reset_index()
    totals["entity"], totals["note"] = "all", "total, entity by entity"
    return (
        pd.concat([plan, totals[COLUMNS]], ignore_index=True)
        .sort_values(
            ["scope", "entity"],
            key=lambda c: c.map({"all": "~"}).fillna(c) if c.name == "entity" else c,
            kind="stable",
        )
        .reset_index(drop=True)
    )


@output(
    "remediation/resync_capacity.csv",
    area="sync_jobs",
    needs=(),
    description="Requests and minutes a full resync or backfill needs against QBO's rate limits",
)
def resync_capacity(ctx: Context) -> pd.DataFrame:
    from sfqb_diag.checks.sync_jobs.log_checks import failing

    return capacity_plan(ctx.data, failing(ctx) if ctx.data.has("sync_log") else None)
