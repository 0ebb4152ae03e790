"""The activity timeline: outages (deals won, nothing reaching QBO), bursts, and the lag from
close to invoice.

A healthy sync turns a won deal into an invoice within hours, so each day with wins also has
integration-made invoices. Several days with wins and no invoice at all mean the sync stopped
(an expired token, a broken mapping, a paused job); the catch-up afterwards shows as a burst.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.sync_jobs.state import (
    integration_invoice_ids,
    invoice_opportunity,
)
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.ids import look_up, member
from sfqb_diag.linkage import WON_NEEDS, won_deals
from sfqb_diag.record_words import invoice_number
from sfqb_diag.words import count_text, money, money_text

DARK_SHARE = (
    5  # a day (or stretch) is dark when the sync made fewer invoices than a fifth of its wins
)
# A dark stretch is an outage only with several deals it held up: one or two unbilled deals in a
# quiet period are each their own problem (won_not_invoiced), not evidence the sync stopped.
GAP_MIN_STALLED = 3
BURST_MIN = 20  # a burst day makes at least this many invoices...
BURST_FACTOR = 4.0  # ...and this many times the median of active days


def _won(data: Dataset) -> pd.DataFrame:
    opps = data["opportunities"]
    won = opps[won_deals(opps) & opps["close_date"].notna()]
    return won[~won["is_deleted"].fillna(False).astype(bool)] if "is_deleted" in won else won


def stalled_deals(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """Won deals the sync did not invoice within grace_hours of the end of their close day (never
    invoiced, or invoiced late): the deals an outage holds up. A deal invoiced the next morning
    was served by a working sync, whatever the days around it look like. Adds `invoiced`."""
    won = _won(data)
    lag = close_to_invoice_lag(data, config).set_index("opp_id")["lag_days"].astype("float64")
    # lag_days runs from the start of the close day; the deal counts as won at its end.
    days_after_won = look_up(won["id"].astype("string"), lag) - 1.0
    on_time = days_after_won.le(config.thresholds.grace_hours / 24.0).fillna(False)
    return won[~on_time.astype(bool)].assign(invoiced=days_after_won[~on_time].notna())


def daily_activity(data: Dataset, config: ClientConfig, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per calendar day: deals won, of them not invoiced within the grace period
    (`stalled`), integration invoices created (UTC days)."""
    won = _won(data)
    stalled = stalled_deals(data, config)
    invoices = data["invoices"]
    made = invoices[
        member(invoices["id"], integration_invoice_ids(data, config))
        & invoices["create_time"].notna()
    ]
    created_day = made["create_time"].dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()
    end = as_of.tz_convert("UTC").tz_localize(None).normalize()
    starts = [d for d in (won["close_date"].min(), created_day.min()) if pd.notna(d)]
    if not starts:
        return pd.DataFrame(columns=["day", "won", "stalled", "invoices_created"])
    days = pd.date_range(min(starts), max(end, *starts), freq="D")
    frame = pd.DataFrame({"day": days})
    frame["won"] = won["close_date"].value_counts().reindex(days).fillna(0).astype(int).to_numpy()
    frame["stalled"] = (
        stalled["close_date"].value_counts().reindex(days).fillna(0).astype(int).to_numpy()
    )
    frame["invoices_created"] = (
        created_day.value_counts().reindex(days).fillna(0).astype(int).to_numpy()
    )
    return frame


def outage_gaps(activity: pd.DataFrame, gap_days: float) -> pd.DataFrame:
    """Stretches of at least `gap_days` dark days (no integration invoice, or under a fifth of the
    deals won) holding at least GAP_MIN_STALLED deals not invoiced within the grace period, from
    the sync's first invoice onwards; a stretch reaching the as-of day is an outage still going
    on."""
    columns = ["start", "end", "days", "won", "stalled", "made"]
    active = activity[activity["invoices_created"] > 0]
    if active.empty:
        return pd.DataFrame(columns=columns)
    span = activity[activity["day"] >= active["day"].min()].reset_index(drop=True)
    # A dark day: the sync made nothing, or a trickle (a person's invoice naming a deal, a stray
    # retry) far below the deals won that day. A healthy day invoices about what it wins.
    dark = (span["invoices_created"] == 0) | (span["invoices_created"] * DARK_SHARE < span["won"])
    run = (dark != dark.shift()).cumsum()
    runs = (
        span[dark]
        .groupby(run[dark])
        .agg(
            start=("day", "min"),
            end=("day", "max"),
            won=("won", "sum"),
            stalled=("stalled", "sum"),
            made=("invoices_created", "sum"),
        )
    )
    runs["days"] = (runs["end"] - runs["start"]).dt.days + 1
    keep = (
        (runs["days"] >= gap_days)
        & (runs["stalled"] >= GAP_MIN_STALLED)
        & (runs["made"] * DARK_SHARE < runs["won"])
    )
    return runs.loc[keep, columns].reset_index(drop=True)


def bursts(activity: pd.DataFrame) -> pd.DataFrame:
    """Days that made far more invoices than usual (catch-up after an outage, a bulk backfill)."""
    active = activity[activity["invoices_created"] > 0]
    if active.empty:
        return activity.iloc[0:0][["day", "invoices_created"]]
    limit = max(BURST_MIN, BURST_FACTOR * float(active["invoices_created"].median()))
    busy = activity["invoices_created"] >= limit
    # A quarter-end rush makes many invoices for many wins; a catch-up or backfill makes them for few.
    busy &= ~(activity["invoices_created"] <= 2 * activity["won"]).fillna(False)
    hot = activity[busy]
    return (
        hot[["day", "invoices_created"]]
        .assign(usual=float(active["invoices_created"].median()))
        .reset_index(drop=True)
    )


def close_to_invoice_lag(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """Per won deal with an invoice: close date, its invoice's creation and the lag in days.

    The invoice is the one the deal links (the sync's own record), else the first one naming it:
    a note can name the wrong deal, a link is what the sync wrote back.
    """
    refs = invoice_opportunity(data, config).dropna(subset=["opp_id"])
    invoices = data["invoices"][["id", "create_time", "total_cents", "currency"]].merge(
        refs, on="id"
    )
    first = (
        invoices.dropna(subset=["create_time"])
        .sort_values(["linked", "create_time"], ascending=[False, True])
        .drop_duplicates("opp_id")
    )
    won = _won(data)[["id", "name", "close_date", "amount_cents", "currency"]].rename(
        columns={"id": "opp_id", "currency": "opp_currency"}
    )
    lag = won.merge(first.rename(columns={"id": "invoice_id"}), on="opp_id", how="inner")
    created = lag["create_time"].dt.tz_convert("UTC").dt.tz_localize(None)
    lag["lag_days"] = ((created - lag["close_date"]) / pd.Timedelta(days=1)).round(2)
    return lag.reset_index(drop=True)


def _amount_words(won: pd.DataFrame) -> str:
    """'12,400.00 USD; 800.00 EUR' for the deals of one stretch ('' when none)."""
    sums = won.groupby(won["currency"].fillna(""))["amount_cents"].sum()
    return "; ".join(money(int(v), str(c) or None) for c, v in sums.items() if pd.notna(v))


def _activity(ctx: Context) -> pd.DataFrame:
    return ctx.shared("sync_jobs.activity", lambda: daily_activity(ctx.data, ctx.config, ctx.as_of))


# What the day-by-day timeline of won deals and created invoices reads.
TIMELINE_NEEDS = (
    "opportunities",
    "opportunities.close_date",
    "invoices",
    "invoices.create_time",
    WON_NEEDS,
)


@check(
    "sync_outage",
    area="sync_jobs",
    severity="high",
    needs=TIMELINE_NEEDS,
    what="Outages: several days in which deals were won but the sync created no invoice",
    why="Every deal won during an outage is unbilled until someone notices; the catch-up often creates duplicates.",
    fix="Find what stopped the sync (token, mapping, paused job), restart it and invoice the deals won in the gap.",
)
def sync_outage(ctx: Context) -> pd.DataFrame:
    gaps = outage_gaps(_activity(ctx), float(ctx.thresholds.gap_days))
    if gaps.empty:
        return empty_findings()
    # Only deals still without an invoice are money to bill; those invoiced late are counted.
    unbilled = stalled_deals(ctx.data, ctx.config).query("~invoiced")
    in_gap = [
        unbilled[(unbilled["close_date"] >= start) & (unbilled["close_date"] <= end)]
        for start, end in zip(gaps["start"], gaps["end"], strict=True)
    ]
    amounts = pd.Series([_amount_words(deals) for deals in in_gap], dtype="string")
    still = pd.Series([len(deals) for deals in in_gap], dtype="int64")
    grace = f"{ctx.thresholds.grace_hours:g} hours of the close date"
    ongoing = gaps["end"] >= ctx.as_of.tz_convert("UTC").tz_localize(None).normalize()
    span = gaps["start"].dt.strftime("%Y-%m-%d") + " to " + gaps["end"].dt.strftime("%Y-%m-%d")
    return new_findings(
        line_id="gap:" + gaps["start"].dt.strftime("%Y-%m-%d"),
        title="Sync outage: "
        + gaps["days"].astype("string")
        + " days with deals won and (almost) no invoices ("
        + span
        + ")"
        + ongoing.map({True: ", still going on", False: ""}).astype("string"),
        detail=(
            count_text(gaps["stalled"], "deal")
            + " won from "
            + span
            + " got no invoice within "
            + grace
            + " while the sync created "
            + count_text(gaps["made"], "invoice").where(gaps["made"].ne(0), "no invoices")
            + "; "
            + (
                count_text(still, "is", "are")
                + " still not invoiced"
                + (" (" + amounts + ")").where(amounts.ne(""), "")
            ).where(still.ne(0), "all were invoiced later")
            + "."
        ),
        suggested_action="Check the sync log and connection for "
        + span
        + pd.Series(
            "; invoice the deals won then that are still not invoiced (see the unbilled deals on "
            "the Partial syncs page)",
            index=gaps.index,
            dtype="string",
        ).where(still.ne(0), "")
        + " and watch the catch-up for duplicates.",
        confidence=0.85,
    )


@check(
    "invoice_burst",
    area="sync_jobs",
    severity="info",
    needs=("invoices", "invoices.create_time"),
    what="Burst days: far more invoices created than on a usual day",
    why="Catch-ups and bulk backfills hit QBO's 500 requests/min limit and are where retry duplicates appear.",
    fix="Review the duplicate-invoice list for these days; throttle future backfills (see the capacity table).",
)
def invoice_burst(ctx: Context) -> pd.DataFrame:
    if not ctx.data.has("opportunities"):
        activity = daily_activity_invoices_only(ctx.data, ctx.config)
    else:
        activity = _activity(ctx)
    hot = bursts(activity)
    if hot.empty:
        return empty_findings()
    day = hot["day"].dt.strftime("%Y-%m-%d")
    return new_findings(
        line_id="burst:" + day,
        title="Burst of "
        + hot["invoices_created"].astype("string")
        + " invoices created on "
        + day,
        detail=hot["invoices_created"].astype("string")
        + " invoices created on "
        + day
        + " against a usual "
        + hot["usual"].map(lambda v: f"{v:g}").astype("string")
        + " per active day.",
        suggested_action="Check the duplicate-invoice list for " + day + ".",
        confidence=0.8,
    )


def daily_activity_invoices_only(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """Invoices created per day when no opportunities were given (bursts only)."""
    invoices = data["invoices"]
    made = invoices[
        member(invoices["id"], integration_invoice_ids(data, config))
        & invoices["create_time"].notna()
    ]
    counts = (
        made["create_time"].dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize().value_counts()
    )
    return pd.DataFrame({"day": counts.index, "invoices_created": counts.to_numpy(), "won": np.nan})


@check(
    "invoice_lag_outlier",
    area="sync_jobs",
    severity="low",
    needs=TIMELINE_NEEDS,
    what="Deals invoiced much later than they closed (lag above lag_outlier_days)",
    why="Late invoices delay cash and often mark a stalled or manually nudged sync.",
    fix="Check why these deals waited (outage, sync error, manual step) and shorten the path.",
)
def invoice_lag_outlier(ctx: Context) -> pd.DataFrame:
    lag = close_to_invoice_lag(ctx.data, ctx.config)
    late = lag[lag["lag_days"] > float(ctx.thresholds.lag_outlier_days)]
    if late.empty:
        return empty_findings()
    days = late["lag_days"].round().astype(int).astype("string")
    return new_findings(
        sf_object="Opportunity",
        sf_id=late["opp_id"],
        sf_name=late["name"],
        qb_entity="Invoice",
        qb_id=late["invoice_id"],
        title="Invoiced " + days + " days after close: " + late["name"].astype("string"),
        detail=(
            "Won "
            + late["close_date"].dt.strftime("%Y-%m-%d")
            + ", "
            + invoice_number(ctx.data, late["invoice_id"])
            + " ("
            + money_text(late["total_cents"], late["currency"])
            + ") created "
            + late["create_time"].dt.strftime("%Y-%m-%d %H:%M UTC")
            + ", "
            + days
            + " days later."
        ),
        suggested_action="Find where this deal waited (sync log, approval step) before the invoice was made.",
        confidence=0.9,
    )
