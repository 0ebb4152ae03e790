"""Lost updates: both sides changed a linked deal/invoice pair after the sync last wrote it.

Someone edited the invoice in QBO (LastUpdatedTime after the sync, SyncToken moved) while the
opportunity changed in Salesforce too. The next sync either overwrites the QBO edit (a lost
update) or fails with 5010 (stale SyncToken). One-sided staleness belongs to partial_sync; this
module lists only the two-sided conflicts, with both values, for a person to decide.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check, output
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.record_words import invoice_number
from sfqb_diag.synclog.classify import is_success
from sfqb_diag.words import money_text


def _last_log_write(data: Dataset) -> pd.DataFrame:
    """Per opportunity: the last successful sync call that wrote its invoice (from the log)."""
    log = data.get("sync_log")
    if log is None or log.empty:
        return pd.DataFrame(
            {"id": pd.Series(dtype="string"), "log_sync": pd.Series(dtype="datetime64[us, UTC]")}
        )
    ok = log[
        is_success(log) & log["sf_id"].notna() & (log["qb_entity"].fillna("Invoice") == "Invoice")
    ]
    last = ok.groupby("sf_id")["timestamp"].max()
    return pd.DataFrame({"id": last.index.astype("string"), "log_sync": last.to_numpy()})


def lost_update_conflicts(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """Linked pairs changed on both sides after the last sync, with both amounts."""
    opps = data["opportunities"]
    opps = opps[opps["qb_invoice_id"].notna()]
    cols = ["id", "name", "amount_cents", "currency", "last_modified_date", "qb_invoice_id"]
    pairs = opps[cols + (["last_sync"] if "last_sync" in opps else [])].merge(
        _last_log_write(data), on="id", how="left"
    )
    if "last_sync" not in pairs:
        pairs["last_sync"] = pd.Series(pd.NaT, index=pairs.index, dtype="datetime64[us, UTC]")
    # A sync log without one successful invoice write leaves log_sync all empty (not datetime).
    pairs["log_sync"] = pd.to_datetime(pairs["log_sync"], utc=True).astype("datetime64[us, UTC]")
    pairs["synced_at"] = pairs[["last_sync", "log_sync"]].max(axis=1)
    inv = data["invoices"][
        ["id", "sync_token", "last_updated_time", "total_cents", "currency"]
    ].copy()
    tax = data["invoices"].get("total_tax_cents", 0)
    inv["qb_amount_cents"] = (
        inv["total_cents"] - pd.Series(tax, index=inv.index).fillna(0)
    ).astype("Int64")
    pairs = pairs.merge(
        inv.rename(columns={"id": "qb_invoice_id", "currency": "qb_currency"}), on="qb_invoice_id"
    )
    slack = pd.Timedelta(
        minutes=float(config.thresholds.stale_minutes)
    )  # write-backs land just after the stamp
    token_moved = pd.to_numeric(pairs["sync_token"], errors="coerce").fillna(1) > 0
    qb_edited = (pairs["last_updated_time"] > pairs["synced_at"] + slack).fillna(
        False
    ) & token_moved
    sf_edited = (pairs["last_modified_date"] > pairs["synced_at"] + slack).fillna(False)
    both = pairs[qb_edited & sf_edited].copy()
    both["difference_cents"] = (both["amount_cents"] - both["qb_amount_cents"]).astype("Int64")
    return both.reset_index(drop=True)


def _conflicts(ctx: Context) -> pd.DataFrame:
    return ctx.shared("sync_jobs.conflicts", lambda: lost_update_conflicts(ctx.data, ctx.config))


NEEDS = (
    "opportunities",
    "opportunities.qb_invoice_id",
    "opportunities.last_modified_date",
    "invoices",
    "invoices.last_updated_time",
)


@check(
    "lost_update_conflict",
    area="sync_jobs",
    severity="medium",
    needs=NEEDS,
    what="Deal and invoice both changed after the last sync (a two-sided conflict)",
    why="The next sync overwrites the QBO edit (a lost update) or fails with 5010 stale object.",
    fix="Decide which side is right (remediation/sync_conflicts.csv), make the other match, then resync.",
)
def lost_update_conflict(ctx: Context) -> pd.DataFrame:
    both = _conflicts(ctx)
    if both.empty:
        return empty_findings()
    differs = both["difference_cents"].fillna(1) != 0
    when = "%Y-%m-%d %H:%M UTC"
    return new_findings(
        sf_object="Opportunity",
        sf_id=both["id"],
        sf_name=both["name"],
        qb_entity="Invoice",
        qb_id=both["qb_invoice_id"],
        severity=differs.map({True: None, False: "low"}),
        title="Both sides edited since the last sync: " + both["name"].astype("string"),
        detail=(
            "Last sync "
            + both["synced_at"].dt.strftime(when)
            + "; Salesforce changed "
            + both["last_modified_date"].dt.strftime(when)
            + " (amount "
            + money_text(both["amount_cents"], both["currency"])
            + "), "
            + invoice_number(ctx.data, both["qb_invoice_id"])
            + " in QBO changed "
            + both["last_updated_time"].dt.strftime(when)
            + " (SyncToken "
            + both["sync_token"].astype("string").fillna("?")
            + ", amount before tax "
            + money_text(both["qb_amount_cents"], both["qb_currency"])
            + ")."
        ),
        suggested_action="Decide which amount is right, correct the other side, then resync the pair.",
        amount_cents=both["difference_cents"].abs().where(differs),
        currency=both["currency"].where(differs),
        confidence=0.8,
    )


@output(
    "remediation/sync_conflicts.csv",
    area="sync_jobs",
    needs=NEEDS,
    description="Deal/invoice pairs edited on both sides since the last sync, with both values",
)
def sync_conflicts_table(ctx: Context) -> pd.DataFrame:
    both = _conflicts(ctx)
    when = "%Y-%m-%dT%H:%M:%SZ"
    return pd.DataFrame(
        {
            "opportunity_id": both["id"],
            "opportunity_name": both["name"],
            "invoice_id": both["qb_invoice_id"],
            "last_sync": both["synced_at"].dt.strftime(when),
            "salesforce_changed": both["last_modified_date"].dt.strftime(when),
            "qbo_changed": both["last_updated_time"].dt.strftime(when),
            "qbo_sync_token": both["sync_token"],
            "salesforce_amount": money_text(both["amount_cents"], both["currency"]),
            "qbo_amount_before_tax": money_text(both["qb_amount_cents"], both["qb_currency"]),
            "difference": money_text(both["difference_cents"], both["currency"]),
            "decision": pd.Series("", index=both.index, dtype="string"),
        }
    ).astype("string")
