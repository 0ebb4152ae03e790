"""QBO's metered reads: how many read calls a pull makes and what share of the app's month that is.

Intuit's App Partner Program meters CorePlus calls (data reads such as queries) per app: the free
Builder tier allows 500,000 a month; past that Intuit blocks the app's CorePlus calls until the
next month and shows the app as "Offline" to its customers (docs/live.md cites the source). The
meter is per app, so a pull that uses the sync's own client id and secret spends the sync's
allowance, and a large pull late in the month can take the client's sync offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from sfqb_diag.config import QuickBooksConfig

PAGE_SIZE = 1000  # QBO's MAXRESULTS ceiling (quickbooks.PAGE_SIZE)
LARGE_SHARE = 0.05  # a pull spending this share of the month's reads deserves a warning


class QboClientLike(Protocol):
    def count(self, entity: str) -> int: ...


def estimate_reads(totals: Mapping[str, int | None], singletons: int) -> int:
    """Read calls a pull of these row counts makes: for each list one COUNT(*) and pages of 1,000
    until a short one (n // 1000 + 1: a full last page needs an empty one after it), plus one
    call per singleton (CompanyInfo, Preferences)."""
    lists = sum(2 + (n or 0) // PAGE_SIZE for n in totals.values())
    return lists + singletons


def reads_verdict(cfg: QuickBooksConfig, reads: int, estimated: bool) -> tuple[str, str]:
    """('ok' | 'warn', sentence) about `reads` calls against the configured monthly cap."""
    cap = max(1, int(cfg.monthly_read_cap))
    share = reads / cap
    what = "this pull would make about" if estimated else "this pull made"
    text = f"{what} {reads:,} QBO read calls ({share:.1%} of a {cap:,}-call month)"
    notes = []
    if cfg.app_keys_are_the_syncs:
        notes.append(
            "quickbooks.app_keys_are_the_syncs is true: these reads count against the sync's own "
            "monthly CorePlus cap, and past it Intuit blocks the sync until the 1st and shows it "
            "'Offline' to the client; use a separate read-only app's keys"
        )
    if share >= LARGE_SHARE:
        notes.append(
            "that is a large share of the month: pull less often, or check the app's API usage "
            "chart in the Intuit developer portal first"
        )
    if not notes:
        return "ok", text
    return "warn", text + "; " + "; ".join(notes)


def doctor_reads(qb: QboClientLike, cfg: QuickBooksConfig) -> tuple[str, str]:
    """doctor's step: count the lists a pull reads (a few calls) and judge the estimate."""
    from sfqb_diag.sources.live.quickbooks import ENTITIES, SINGLETONS

    totals = {e: qb.count(e) for e in ENTITIES if e not in SINGLETONS}
    return reads_verdict(cfg, estimate_reads(totals, len(SINGLETONS)), estimated=True)
