"""doctor's token-store step: permissions, the refresh token's horizon, and its hard expiry.

Intuit's refresh token has a rolling 100-day life that every refresh renews, inside a five-year
lifespan that nothing renews: Intuit states what is left of it (x_refresh_token_hard_expires_in)
when asked, and past it the company must be reconnected (`sfqb-diag connect quickbooks`).
"""

from __future__ import annotations

import datetime as dt
import os
import stat

from sfqb_diag import envrules
from sfqb_diag.config import ClientConfig
from sfqb_diag.sources.live.tokens import TokenRecord, TokenStore


def _hard_expiry(record: TokenRecord, now: dt.datetime, warn_days: float) -> tuple[str, str] | None:
    hard = envrules.to_utc(record.refresh_token_hard_expires_at)
    if hard is None:
        return None
    days = (hard - now).total_seconds() / 86_400
    when = hard.strftime("%Y-%m-%d")
    if days <= 0:
        return (
            "fail",
            f"the authorisation's hard expiry passed on {when}: run `sfqb-diag connect quickbooks`",
        )
    if days <= warn_days:
        return "warn", (
            f"the authorisation ends for good on {when} (in {days:.0f} days, Intuit's five-year "
            "lifespan; refreshing does not extend it): run `sfqb-diag connect quickbooks` before then"
        )
    return "ok", f"hard expiry {when} (five-year lifespan)"


def token_store_step(store: TokenStore, config: ClientConfig) -> tuple[str, str]:
    record = store.read()
    if record is None:
        return "warn", (
            f"no token store yet at {store.path}; run `sfqb-diag connect quickbooks` (or the first "
            f"pull creates it from {config.quickbooks.refresh_token_env})"
        )
    notes, status = [], "ok"
    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    if mode & 0o077:
        status = "warn"
        notes.append(f"it is readable by others (mode {mode:o}): chmod 600 {store.path}")
    if record.updated_at:
        notes.append(f"last refreshed {record.updated_at}")
    # The same horizon rule as the auth_env checks: 100-day rolling limit, 5-year cap, or the
    # expiry Intuit stated, whichever comes first. An unknown issue time counts from now.
    now = dt.datetime.now(dt.UTC)
    warn_days = config.thresholds.refresh_token_warn_days
    horizon = envrules.refresh_token_horizon(
        record.updated_at or now, now, expires_at=record.refresh_token_expires_at
    )
    if horizon is not None:
        notes.append(f"refresh token expires in {horizon.days_left:.0f} days ({horizon.limit})")
        state = horizon.state(warn_days)
        if state != "ok":
            status = "fail" if state == "expired" else "warn"
            notes.append("reconnect the app soon (any pull or doctor run also renews it)")
    hard = _hard_expiry(record, now, warn_days)
    if hard is not None:
        notes.append(hard[1])
        status = max(status, hard[0], key=("ok", "warn", "fail").index)
    return status, f"{store.path}: " + "; ".join(notes)
