"""SyncToken loops: a record the sync keeps rewriting with no material change.

Each QBO update raises the record's SyncToken by one. A bidirectional sync whose write-back
counts as a change on the other side updates the same record again and again: dozens of
successful updates within hours, a SyncToken far above what people's edits produce. Nothing is
wrong in the books yet, but the loop burns the 500 requests/min budget and hides real edits.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.sync_jobs.state import invoice_opportunity
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.record_words import record_number, sentence_start
from sfqb_diag.synclog.classify import is_success

LOOP_UPDATES = 20  # this many successful updates of one record...
LOOP_WINDOW = pd.Timedelta(hours=72)  # ...within this time is a loop, not people editing
LOOP_TOKEN = 30  # without a log: a SyncToken this high on an invoice


def log_loops(log: pd.DataFrame) -> pd.DataFrame:
    """Records with LOOP_UPDATES successful updates within LOOP_WINDOW: sf_id, qb_entity, qb_id, updates."""
    updates = log[
        is_success(log)
        & (log["operation"].astype("string").str.lower() == "update")
        & (log["direction"].astype("string").fillna("sf_to_qbo") != "qbo_to_sf")
    ]
    updates = updates.dropna(subset=["qb_id"]).sort_values(
        ["qb_entity", "qb_id", "timestamp"], kind="stable"
    )
    group = updates.groupby(["qb_entity", "qb_id"], sort=False)["timestamp"]
    earlier = group.shift(LOOP_UPDATES - 1)
    hot = updates[(updates["timestamp"] - earlier) <= LOOP_WINDOW]
    if hot.empty:
        return pd.DataFrame(columns=["sf_id", "qb_entity", "qb_id", "updates", "first", "last"])
    keys = hot[["qb_entity", "qb_id"]].drop_duplicates()
    rows = updates.merge(keys, on=["qb_entity", "qb_id"])
    return (
        rows.groupby(["qb_entity", "qb_id"])
        .agg(
            sf_id=("sf_id", "last"),
            updates=("timestamp", "size"),
            first=("timestamp", "min"),
            last=("timestamp", "max"),
        )
        .reset_index()
    )


def token_loops(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """Invoices whose SyncToken is implausibly high (used when there is no sync log)."""
    inv = data["invoices"]
    token = pd.to_numeric(inv["sync_token"], errors="coerce")
    high = inv[token >= LOOP_TOKEN].assign(updates=token[token >= LOOP_TOKEN].astype(int))
    refs = invoice_opportunity(data, config).rename(columns={"id": "qb_id", "opp_id": "sf_id"})
    out = (
        high[["id", "updates"]]
        .rename(columns={"id": "qb_id"})
        .merge(refs[["qb_id", "sf_id"]], on="qb_id", how="left")
    )
    return out.assign(qb_entity="Invoice")


@check(
    "sync_token_loop",
    area="sync_jobs",
    severity="low",
    needs=("invoices",),
    what="Records the sync keeps rewriting with no material change (SyncToken climbing)",
    why="An update loop between the two systems burns the API budget, triggers 5010 errors and buries real edits.",
    fix="Make the sync skip unchanged records and ignore its own write-backs (compare values, not timestamps).",
)
def sync_token_loop(ctx: Context) -> pd.DataFrame:
    if ctx.data.has("sync_log"):
        loops = log_loops(ctx.data["sync_log"])
        words = (
            (
                loops["updates"].astype("string")
                + " successful updates from "
                + loops["first"].dt.strftime("%Y-%m-%d %H:%M")
                + " to "
                + loops["last"].dt.strftime("%Y-%m-%d %H:%M UTC")
            )
            if not loops.empty
            else pd.Series(dtype="string")
        )
    else:
        loops = token_loops(ctx.data, ctx.config)
        words = "SyncToken " + loops["updates"].astype("string") + " (one per update)"
    if loops.empty:
        return empty_findings()
    return new_findings(
        sf_object=loops["sf_id"].notna().map({True: "Opportunity", False: None}),
        sf_id=loops["sf_id"],
        qb_entity=loops["qb_entity"],
        qb_id=loops["qb_id"],
        title="Update loop: "
        + record_number(ctx.data, loops["qb_entity"], loops["qb_id"])
        + " rewritten "
        + loops["updates"].astype("string")
        + " times",
        detail=sentence_start(record_number(ctx.data, loops["qb_entity"], loops["qb_id"]))
        + ": "
        + words
        + ", with nothing material changing in between.",
        suggested_action="Stop the loop: have the sync compare values before updating and skip its own write-backs.",
        confidence=0.8,
    )
