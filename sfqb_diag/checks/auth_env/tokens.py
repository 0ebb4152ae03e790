"""Checks of area `auth_env` about the connection itself: QBO tokens, API versions, endpoints and
the auth failures in the sync log.

Facts come from manifest.json (what `pull` recorded) and sync_log.csv; the rules from envrules.py.
Each is an aggregate finding (no record ids); a check that can report several distinct problems
gives each its own `line_id`.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from sfqb_diag import envrules
from sfqb_diag.checks.base import Context, check
from sfqb_diag.findings import empty_findings, new_findings

# Salesforce endpoints name their API version: /services/data/v58.0, /services/Soap/u/29.0, /services/async/30.0
_SF_VERSION_IN_TEXT = re.compile(r"/services/(?:data|Soap/[a-zA-Z]|async)/v?(\d{1,2}\.\d)")
_MINOR_IN_TEXT = re.compile(r"minorversion=(\d+)", re.I)
_URL_IN_TEXT = re.compile(r"https?://[A-Za-z0-9.\-]+")
# QBO answers an expired or revoked token with 401 / fault code 3200; the OAuth server with invalid_grant.
AUTH_CODES = ("3200", "401", "invalid_grant", "INVALID_SESSION_ID")
_AUTH_TEXT = r"(?i)invalid_grant|AuthenticationFailed|AuthorizationFailed|token (?:expired|revoked)|INVALID_SESSION_ID"
BURST_GAP = pd.Timedelta(hours=6)  # auth errors closer than this belong to one outage


def _qb(ctx: Context) -> dict[str, Any]:
    value = ctx.data.manifest.get("quickbooks")
    return value if isinstance(value, dict) else {}


def _sf(ctx: Context) -> dict[str, Any]:
    value = ctx.data.manifest.get("salesforce")
    return value if isinstance(value, dict) else {}


def _log_texts(ctx: Context) -> pd.Series:
    log = ctx.data.get("sync_log")
    if log is None or "message" not in log:
        return pd.Series([], dtype="string")
    return log["message"].dropna().astype("string")


def _stamp(value: pd.Timestamp) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


@check(
    "refresh_token_expiry",
    area="auth_env",
    severity="high",
    needs=("manifest.quickbooks",),
    what="The QBO refresh token is dead or about to die (100 days unused, or the 5-year cap)",
    why="When it dies every sync call fails with 3200 until someone re-authorises the app: won deals stop "
    "reaching the books.",
    fix="Re-authorise the QuickBooks connection (Connect to QuickBooks) and make sure the connector stores "
    "the new refresh token after every refresh.",
)
def refresh_token_expiry(ctx: Context) -> pd.DataFrame:
    qb = _qb(ctx)
    horizon = envrules.refresh_token_horizon(
        qb.get("refresh_token_issued_at"),
        ctx.as_of,
        qb.get("refresh_token_authorized_at"),
        qb.get("refresh_token_expires_at"),
    )
    warn = float(getattr(ctx.thresholds, "refresh_token_warn_days", 14.0))
    if horizon is None or horizon.state(warn) == "ok":
        return empty_findings()
    dead = horizon.state(warn) == "expired"
    when = f"{_stamp(horizon.deadline)} ({horizon.limit})"
    return new_findings(
        title="QBO refresh token "
        + ("expired" if dead else f"expires in {horizon.days_left:.0f} days"),
        detail=f"Issued {_stamp(horizon.issued_at)}, {horizon.age_days:.0f} days before the as-of time; "
        f"{'died' if dead else 'dies'} {when}.",
        suggested_action="Re-authorise the QuickBooks connection now"
        if dead
        else "Let the connector refresh the token (any API call does) or re-authorise before "
        + horizon.deadline.strftime("%Y-%m-%d"),
        severity="high" if dead else "medium",
        confidence=0.9,
    )


@check(
    "access_token_expired",
    area="auth_env",
    severity="low",
    needs=("manifest.quickbooks",),
    what="The stored QBO access token is expired, or claims a lifetime longer than Intuit's 1 hour",
    why="Access tokens last one hour; a stored one that is expired must be refreshed before the next call "
    "(two workers refreshing at once burn the refresh token), and an expiry beyond one hour means a "
    "wrong clock or a hand-edited token store.",
    fix="Refresh once, from one worker, and store both new tokens atomically.",
)
def access_token_expired(ctx: Context) -> pd.DataFrame:
    expires = _qb(ctx).get("access_token_expires_at")
    state = envrules.access_token_state(expires, ctx.as_of)
    if state in (None, "ok"):
        return empty_findings()
    expiry = envrules.to_utc(expires)
    stamp = _stamp(expiry) if expiry is not None else str(expires)
    title = (
        ("QBO access token expired at " + stamp)
        if state == "expired"
        else ("QBO access token claims to live until " + stamp)
    )
    detail = (
        f"The token store's access token expired {stamp}, before the as-of time {_stamp(ctx.as_of)}."
        if state == "expired"
        else f"Intuit issues access tokens for one hour; this one is valid until {stamp}, more than an hour "
        f"after {_stamp(ctx.as_of)}."
    )
    return new_findings(
        title=title,
        detail=detail,
        confidence=0.8,
        suggested_action="Refresh the token from one worker only and store the new pair; "
        "check the connector host's clock.",
    )


def _minorversions(ctx: Context) -> dict[int, str]:
    found: dict[int, str] = {}
    value = _qb(ctx).get("minorversion")
    if envrules.minorversion_below_floor(value):
        found[int(float(str(value)))] = "manifest.json"
    for text in _log_texts(ctx).str.extract(_MINOR_IN_TEXT, expand=False).dropna().unique():
        if envrules.minorversion_below_floor(text):
            found.setdefault(int(text), "sync_log.csv")
    return found


@check(
    "minorversion_below_floor",
    area="auth_env",
    severity="low",
    needs=("manifest|sync_log",),
    what=f"QBO requests use a minorversion below {envrules.MINORVERSION_FLOOR}",
    why=f"Since 2025-08-01 QBO ignores minorversions below {envrules.MINORVERSION_FLOOR} and answers as "
    f"{envrules.MINORVERSION_FLOOR}: code written for the older shape may misread fields.",
    fix=f"Set minorversion={envrules.MINORVERSION_FLOOR} (or later) in the connector and retest.",
)
def minorversion_below_floor(ctx: Context) -> pd.DataFrame:
    found = _minorversions(ctx)
    if not found:
        return empty_findings()
    versions = pd.Series(sorted(found), dtype="int64")
    return new_findings(
        title="QBO minorversion "
        + versions.astype(str)
        + f" is below {envrules.MINORVERSION_FLOOR}",
        detail="Seen in "
        + versions.map(found)
        + f"; QBO serves minorversion {envrules.MINORVERSION_FLOOR} instead.",
        suggested_action=f"Use minorversion={envrules.MINORVERSION_FLOOR} in every QBO request.",
        line_id=versions.astype(str),
        confidence=0.9,
    )


def _api_versions(ctx: Context) -> dict[float, str]:
    found: dict[float, str] = {}
    number = envrules.parse_api_version(_sf(ctx).get("api_version"))
    if number is not None:
        found[number] = "manifest.json"
    for text in _log_texts(ctx).str.extract(_SF_VERSION_IN_TEXT, expand=False).dropna().unique():
        found.setdefault(float(text), "sync_log.csv")
    return found


@check(
    "retired_api_version",
    area="auth_env",
    severity="high",
    needs=("manifest|sync_log",),
    what="Salesforce API versions that are retired, deprecated or scheduled for retirement",
    why="Retired versions fail outright (REST 410 GONE, SOAP UNSUPPORTED_API_VERSION, Bulk InvalidVersion): "
    "7.0-20.0 since Summer '22, 21.0-30.0 since Summer '25; 31.0-40.0 are deprecated from Summer '27.",
    fix="Upgrade the connector (or its Salesforce API version setting) to a supported version.",
)
def retired_api_version(ctx: Context) -> pd.DataFrame:
    rows = []
    for number, source in sorted(_api_versions(ctx).items()):
        status = envrules.salesforce_api_version_status(number, ctx.as_of)
        if status is None or status.status == "supported":
            continue
        date = status.retired_on.strftime("%Y-%m-%d") if status.retired_on is not None else "?"
        rows.append(
            {
                "version": f"{number:.1f}",
                "source": source,
                "status": status.status,
                "date": date,
                "severity": {"retired": "high", "deprecated": "medium", "retiring": "low"}[
                    status.status
                ],
            }
        )
    if not rows:
        return empty_findings()
    frame = pd.DataFrame(rows)
    verb = frame["status"].map(
        {
            "retired": "was retired on",
            "deprecated": "is deprecated and retires on",
            "retiring": "is scheduled to retire on",
        }
    )
    return new_findings(
        title="Salesforce API version " + frame["version"] + " " + frame["status"],
        detail="Seen in "
        + frame["source"]
        + ": version "
        + frame["version"]
        + " "
        + verb
        + " "
        + frame["date"]
        + ".",
        suggested_action="Move the connector to a supported Salesforce API version (41.0 or later).",
        severity=frame["severity"],
        line_id=frame["version"],
        confidence=0.95,
    )


def _pod_urls(ctx: Context) -> dict[str, str]:
    found: dict[str, str] = {}
    sf = _sf(ctx)
    for key in ("instance_url", "login_url"):
        if envrules.hardcoded_pod(sf.get(key)):
            found[str(sf[key])] = f"manifest.json salesforce.{key}"
    for url in (
        _log_texts(ctx).str.extractall(f"({_URL_IN_TEXT.pattern})")[0].unique()
        if len(_log_texts(ctx))
        else []
    ):
        if envrules.hardcoded_pod(url):
            found.setdefault(str(url), "sync_log.csv")
    return found


@check(
    "hardcoded_pod_url",
    area="auth_env",
    severity="medium",
    needs=("manifest|sync_log",),
    what="The connection uses a Salesforce pod URL (na12.salesforce.com) instead of the org's My Domain",
    why="Salesforce moves orgs between instances; a pod URL stops working (or reaches the wrong org) after "
    "the migration, while the My Domain URL follows the org.",
    fix="Replace the URL with the org's My Domain (https://<domain>.my.salesforce.com).",
)
def hardcoded_pod_url(ctx: Context) -> pd.DataFrame:
    found = _pod_urls(ctx)
    if not found:
        return empty_findings()
    urls = pd.Series(sorted(found), dtype="string")
    pods = urls.map(envrules.hardcoded_pod)
    return new_findings(
        title="Hard-coded Salesforce pod URL: " + urls,
        line_id=pods,
        detail="Seen in "
        + urls.map(found)
        + ": "
        + urls
        + " names pod "
        + pods
        + " instead of a My Domain.",
        suggested_action="Use the org's My Domain URL in the connector and in client.yaml.",
        confidence=0.9,
    )


def _auth_errors(ctx: Context) -> pd.DataFrame:
    log = ctx.data.get("sync_log")
    if log is None or log.empty:
        return pd.DataFrame(columns=["timestamp"])
    code = log["error_code"].astype("string").str.strip()
    text = log["message"].astype("string")
    hit = code.isin(AUTH_CODES).fillna(False) | text.str.contains(_AUTH_TEXT, regex=True).fillna(
        False
    )
    return log[hit.astype(bool) & log["timestamp"].notna()].sort_values("timestamp", kind="stable")


@check(
    "auth_failure_burst",
    area="auth_env",
    severity="high",
    needs=("sync_log",),
    what="Bursts of authentication failures (3200 / 401 / invalid_grant) in the sync log",
    why="A burned or expired refresh token stops every sync until someone re-authorises; records created "
    "meanwhile were never synced.",
    fix="Re-authorise, then re-run the sync for the records of the outage window; make token refresh "
    "single-worker.",
)
def auth_failure_burst(ctx: Context) -> pd.DataFrame:
    errors = _auth_errors(ctx)
    if errors.empty:
        return empty_findings()
    stamps = errors["timestamp"].reset_index(drop=True)
    burst = (stamps.diff() > BURST_GAP).cumsum()
    grouped = stamps.groupby(burst).agg(["min", "max", "size"])
    grouped = grouped[grouped["size"] >= 3]  # a lone 401 is a blip that the next refresh fixes
    if grouped.empty:
        return empty_findings()
    hours = ((grouped["max"] - grouped["min"]).dt.total_seconds() / 3600).round(1)
    return new_findings(
        title="Authentication failures from " + grouped["min"].map(_stamp),
        detail=grouped["size"].astype(str)
        + " calls failed to authenticate between "
        + grouped["min"].map(_stamp)
        + " and "
        + grouped["max"].map(_stamp)
        + " ("
        + hours.astype(str)
        + " hours).",
        suggested_action="Re-sync the records changed in that window; store each rotated refresh token and "
        "refresh from one worker only.",
        line_id=grouped["min"].map(lambda t: t.strftime("%Y%m%dT%H%M")),
        confidence=0.85,
    )
