"""The sync-log checks and the resync list: errors by class, records still failing, storms.

The analytics are pure functions in sync_jobs_log.py; this module wires them to a run (the
annotated log is computed once per run) and words the findings.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check, output
from sfqb_diag.checks.sync_jobs.log import (
    CLASS_SEVERITY,
    CLASS_WORDS,
    FIX_FIRST,
    annotated_log,
    error_storms,
    failing_records,
)
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.words import count_text


def _log(ctx: Context) -> pd.DataFrame:
    """The annotated log, computed once per run (several checks and outputs read it)."""
    return ctx.shared("sync_jobs.log", lambda: annotated_log(ctx.data["sync_log"]))


def failing(ctx: Context) -> pd.DataFrame:
    """failing_records of the run's log, computed once."""
    return ctx.shared("sync_jobs.failing", lambda: failing_records(_log(ctx)))


def _when(stamps: pd.Series) -> pd.Series:
    return stamps.dt.strftime("%Y-%m-%d %H:%M UTC").astype("string")


@check(
    "sync_log_error_class",
    area="sync_jobs",
    severity="medium",
    needs=("sync_log",),
    what="Errors in the sync log, counted by class (throttling, auth, duplicate name, stale object, ...)",
    why="Each class has one cause and one fix; the counts say which fix unblocks the most records.",
    fix="Fix the cause named for the class (reconnect, rename, re-read, reactivate...), then resync.",
)
def sync_log_error_class(ctx: Context) -> pd.DataFrame:
    ann = annotated_log(_log(ctx))
    errors = ann[ann["error"]]
    if errors.empty:
        return empty_findings()
    still = failing(ctx)
    grouped = errors.groupby("error_class")
    table = pd.DataFrame(
        {
            "errors": grouped.size(),
            "records": grouped["record"].nunique(),
            "first": grouped["timestamp"].min(),
            "last": grouped["timestamp"].max(),
            "codes": grouped["error_code"].agg(
                lambda c: ", ".join(sorted(set(c.dropna().astype(str))))
            ),
        }
    )
    table["still_failing"] = (
        still["last_error_class"].value_counts().reindex(table.index).fillna(0).astype(int)
    )
    table = table.reset_index()
    words = table["error_class"].map(CLASS_WORDS).astype("string")
    severity = table["error_class"].map(CLASS_SEVERITY)
    # Throttling that left records failing is no longer absorbed by retries.
    severity = severity.mask(
        (table["error_class"] == "throttling") & (table["still_failing"] > 0), "medium"
    )
    return new_findings(
        line_id="class:" + table["error_class"],
        severity=severity,
        title="Sync log: "
        + count_text(table["errors"], "failed call")
        + ", "
        + words
        + ", on "
        + count_text(table["records"], "record"),
        detail=(
            count_text(table["errors"], "error row")
            + " of class "
            + table["error_class"]
            + " (codes "
            + table["codes"].replace("", "none")
            + ") from "
            + _when(table["first"])
            + " to "
            + _when(table["last"])
            + "; "
            + count_text(table["still_failing"], "record")
            + " still failing with it."
        ),
        suggested_action=table["error_class"]
        .map(FIX_FIRST)
        .replace("", "Transient: the records can be resynced as they are.")
        .astype("string"),
        confidence=1.0,
    )


def _reported_elsewhere(ctx: Context) -> set[str]:
    """Records whose failure another check reports: an error status on the Salesforce record
    (partial_sync's sync_error_stuck) or a two-sided conflict (lost_update_conflict)."""
    from sfqb_diag.checks.sync_jobs.conflicts import NEEDS, _conflicts

    found: set[str] = set()
    opps = ctx.data.get("opportunities")
    if opps is not None and "sync_status" in opps:
        status = opps["sync_status"].astype("string").str.strip().str.lower()
        # the statuses partial_sync's sync_error_stuck reports (partial_sync_state.ERROR_STATUSES)
        found |= set(
            opps.loc[status.isin(("error", "failed", "failure")).fillna(False), "id"].dropna()
        )
    if all(ctx.data.has_column(*n.split(".")) if "." in n else ctx.data.has(n) for n in NEEDS):
        found |= set(_conflicts(ctx)["id"].dropna())
    return found


@check(
    "sync_record_failing",
    area="sync_jobs",
    severity="medium",
    needs=("sync_log",),
    what="Records whose latest sync call failed (never synced, or failing since an earlier success)",
    why="The sync keeps retrying or has given up: the record is missing or out of date in the other system.",
    fix="Fix the cause of the last error, then resync the record (remediation/records_to_resync.csv).",
)
def sync_record_failing(ctx: Context) -> pd.DataFrame:
    records = failing(ctx)
    # A failed write-back into Salesforce is a lost write-back: the link owners report it.
    writeback = (
        records["last_error_direction"]
        .astype("string")
        .str.lower()
        .str.startswith("qbo")
        .fillna(False)
    )
    rows = records[~records["sf_id"].isin(_reported_elsewhere(ctx)) & ~writeback]
    if rows.empty:
        return empty_findings()
    name = rows["sf_object"].fillna(rows["qb_entity"]).fillna("record").astype("string")
    ident = rows["sf_id"].fillna(rows["qb_id"]).astype("string").fillna("?")
    state = (
        rows["never_succeeded"]
        .map({True: "never synced", False: "failing since "})
        .astype("string")
    )
    state = state.mask(~rows["never_succeeded"], state + _when(rows["first_error_time"]))
    code = rows["last_error_code"].astype("string").fillna("no code")
    has_qb = rows["qb_id"].notna()
    return new_findings(
        sf_object=rows["sf_object"],
        sf_id=rows["sf_id"],
        qb_entity=rows["qb_entity"].where(has_qb),
        qb_id=rows["qb_id"],
        line_id=rows["qb_entity"].astype("string"),
        title=name
        + " "
        + ident
        + " "
        + state.str.replace(r" since .*", "", regex=True)
        + ": last error "
        + code
        + " ("
        + rows["last_error_class"].astype("string")
        + ")",
        detail=(
            count_text(rows["calls"], "call")
            + ", "
            + rows["errors"].astype("string")
            + " failed, "
            + state
            + "; last error "
            + code
            + " at "
            + _when(rows["last_error_timestamp"])
            + ": "
            + rows["last_error_message"].astype("string").fillna("(no message)")
        ),
        suggested_action=rows["last_error_class"]
        .map(FIX_FIRST)
        .replace("", "Resync the record: the last error was transient.")
        .astype("string"),
        confidence=0.9,
    )


@check(
    "sync_error_storm",
    area="sync_jobs",
    severity="medium",
    needs=("sync_log",),
    what="Error storms: windows where the sync log's errors pile up far above their usual rate",
    why="A storm is one event (an expired token, a throttled backfill, a QBO outage) behind many record failures.",
    fix="Fix the event's cause (see its main class), then resync the records that failed during it.",
)
def sync_error_storm(ctx: Context) -> pd.DataFrame:
    storms = error_storms(_log(ctx))
    if storms.empty:
        return empty_findings()
    minutes = ((storms["end"] - storms["start"]).dt.total_seconds() / 60).round().astype(int) + 1
    return new_findings(
        line_id="storm:" + storms["start"].dt.strftime("%Y-%m-%dT%H:%M"),
        title="Error storm: "
        + storms["errors"].astype("string")
        + " errors in "
        + minutes.astype("string")
        + " min on "
        + storms["start"].dt.strftime("%Y-%m-%d").astype("string")
        + " (mostly "
        + storms["main_class"]
        + ")",
        detail=(
            storms["errors"].astype("string")
            + " of "
            + storms["calls"].astype("string")
            + " calls failed from "
            + _when(storms["start"])
            + " to "
            + _when(storms["end"])
            + ", on "
            + count_text(storms["records"], "record")
            + "; main class "
            + storms["main_class"].map(CLASS_WORDS).astype("string")
            + "."
        ),
        suggested_action=storms["main_class"]
        .map(FIX_FIRST)
        .replace(
            "", "Slow the sync down (fewer concurrent calls, back-off) and resync what failed."
        )
        .astype("string"),
        confidence=0.8,
    )


RESYNC_COLUMNS = [
    "sf_object",
    "sf_id",
    "qb_entity",
    "qb_id",
    "reason",
    "error_class",
    "last_error_code",
    "last_error_message",
    "attempts",
    "last_attempt",
    "fix_first",
    "ready_to_resync",
]


@output(
    "remediation/records_to_resync.csv",
    area="sync_jobs",
    needs=(),
    description="Records to sync again: last sync call failed (from the sync log) or edited on both sides",
)
def records_to_resync(ctx: Context) -> pd.DataFrame:
    from sfqb_diag.checks.sync_jobs.conflicts import NEEDS, _conflicts

    parts = []
    if all(
        ctx.data.has_column(*need.split(".")) if "." in need else ctx.data.has(need)
        for need in NEEDS
    ):
        both = _conflicts(ctx)
        parts.append(
            pd.DataFrame(
                {
                    "sf_object": "Opportunity",
                    "sf_id": both["id"],
                    "qb_entity": "Invoice",
                    "qb_id": both["qb_invoice_id"],
                    "reason": "edited on both sides",
                    "fix_first": "Decide which side is right (sync_conflicts.csv).",
                    "ready_to_resync": False,
                }
            )
        )
    if ctx.data.has("sync_log"):
        rows = failing(ctx)
        fix = rows["last_error_class"].map(FIX_FIRST).astype("string")
        parts.append(
            pd.DataFrame(
                {
                    "sf_object": rows["sf_object"],
                    "sf_id": rows["sf_id"],
                    "qb_entity": rows["qb_entity"],
                    "qb_id": rows["qb_id"],
                    "reason": rows["never_succeeded"].map(
                        {True: "never synced", False: "last sync failed"}
                    ),
                    "error_class": rows["last_error_class"],
                    "last_error_code": rows["last_error_code"],
                    "last_error_message": rows["last_error_message"],
                    "attempts": rows["calls"],
                    "last_attempt": rows["last_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "fix_first": fix,
                    "ready_to_resync": fix.fillna("") == "",
                }
            )
        )
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in RESYNC_COLUMNS})
    merged = pd.concat(parts, ignore_index=True).reindex(columns=RESYNC_COLUMNS)
    key = (
        merged["sf_id"].fillna("")
        + "|"
        + merged["qb_entity"].fillna("")
        + "|"
        + merged["qb_id"].fillna("")
    )
    return merged[~key.duplicated()].reset_index(
        drop=True
    )  # a conflict's failed update is listed once
