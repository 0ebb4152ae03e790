"""The fingerprint of Intuit's monthly read cap in the sync log: blocked mid-month, back on the 1st.

Intuit meters CorePlus calls (reads such as queries) per app and month: on the free Builder tier
an app that passes 500,000 in a month has every further CorePlus call blocked until the next
month, and QuickBooks shows the app to its customers as "Offline" (Intuit developer blog,
8 January 2026). In a sync log that is a run of failures (throttling, auth or other errors, no
success between them) that starts after the 1st, lasts into the month's last days, and stops
with the first success right after the month turns. An outage that ends mid-month is something
else (a token, an outage at Intuit, a bug) and is left to the other checks.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.sync_jobs.log import annotated_log
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.words import count_text

BUILDER_MONTHLY_READS = 500_000
MIN_ERRORS = 5  # a handful of failures is a blip, not a blocked app
MIN_DAYS = 2.0
# The first success must come soon after the month turns (a nightly job runs within a day; the
# reset time zone is Intuit's), and the failures must have reached the month's last days.
BACK_WITHIN = pd.Timedelta(hours=36)
TAIL_DAYS = 3


def blocked_spans(log: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive failed calls (no success between), with the first success after each."""
    ann = annotated_log(log)
    ann = ann[ann["timestamp"].notna() & (ann["error"] | ann["success"])].reset_index(drop=True)
    columns = ["start", "end", "errors", "classes", "back"]
    if ann.empty or not ann["error"].any():
        return pd.DataFrame(columns=columns)
    run = ann["success"].cumsum()  # every success closes the run before it
    errors = ann[ann["error"]]
    spans = errors.groupby(run[errors.index]).agg(
        start=("timestamp", "min"),
        end=("timestamp", "max"),
        errors=("timestamp", "size"),
    )
    # each span's distinct error classes, sorted and joined (thousands of spans in a long log)
    classes = (
        pd.DataFrame({"run": run[errors.index], "cls": errors["error_class"].astype("string")})
        .dropna()
        .drop_duplicates()
        .sort_values(["run", "cls"])
        .groupby("run")["cls"]
        .agg(", ".join)
    )
    spans["classes"] = classes.reindex(spans.index).fillna("").to_numpy()
    successes = ann.loc[ann["success"], "timestamp"]
    firsts = successes.groupby(run[successes.index]).min()
    spans["back"] = firsts.reindex(spans.index + 1).to_numpy()
    return spans.reset_index(drop=True)


def read_cap_spans(log: pd.DataFrame) -> pd.DataFrame:
    """The blocked spans that look like the monthly read cap (see the module docstring)."""
    spans = blocked_spans(log)
    if spans.empty:
        return spans
    turn = (spans["start"].dt.tz_localize(None).dt.to_period("M") + 1).dt.to_timestamp()
    turn = turn.dt.tz_localize("UTC")
    back = pd.to_datetime(spans["back"], utc=True)
    fits = (
        (spans["start"].dt.day > 1)
        & (spans["errors"] >= MIN_ERRORS)
        & ((spans["end"] - spans["start"]) >= pd.Timedelta(days=MIN_DAYS))
        & (spans["end"] < turn)
        & (spans["end"] >= turn - pd.Timedelta(days=TAIL_DAYS))
        & (back >= turn)
        & (back < turn + BACK_WITHIN)
    ).fillna(False)
    return spans[fits].assign(back=back[fits], turn=turn[fits]).reset_index(drop=True)


def _when(stamps: pd.Series) -> pd.Series:
    return stamps.dt.strftime("%Y-%m-%d %H:%M UTC").astype("string")


@check(
    "qbo_read_cap_blocked",
    area="sync_jobs",
    severity="high",
    needs=("sync_log",),
    what="An outage that starts mid-month and ends on the 1st: the app hit Intuit's monthly read cap",
    why=f"On Intuit's free Builder tier an app gets {BUILDER_MONTHLY_READS:,} CorePlus reads a month; "
    "past that Intuit blocks its reads until the next month and shows the app to the customer as "
    "Offline. Every deal won meanwhile waits, and it happens again next month.",
    fix="Give diagnostics and reporting tools their own app keys (never the sync's), move the sync's "
    "app to a paid tier with a higher cap, or make it read less (changed records only, no full "
    "re-reads).",
)
def qbo_read_cap_blocked(ctx: Context) -> pd.DataFrame:
    spans = read_cap_spans(ctx.data["sync_log"])
    if spans.empty:
        return empty_findings()
    month = spans["start"].dt.strftime("%B %Y").astype("string")
    return new_findings(
        title="QBO read cap reached in " + month + ": sync blocked from " + _when(spans["start"]),
        detail=count_text(spans["errors"], "call")
        + " failed ("
        + spans["classes"]
        + ") from "
        + _when(spans["start"])
        + " to "
        + _when(spans["end"])
        + " with no success between; the first call succeeded at "
        + _when(spans["back"])
        + ", just after the month turned. An outage that starts mid-month and ends on the 1st "
        f"is Intuit's monthly read cap ({BUILDER_MONTHLY_READS:,} CorePlus reads a month on the "
        "free Builder tier; then the app is blocked until the next month and shown as Offline).",
        suggested_action="Check the app's API usage chart in the Intuit developer portal; give "
        "sfqb-diag and other tools their own app keys, upgrade the sync's app to a paid tier, or "
        "cut its reads (query changed records only). Then sync the deals won in the blocked days.",
        line_id=spans["start"].dt.strftime("%Y%m").astype("string"),
        confidence=0.75,
    )
