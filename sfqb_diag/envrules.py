"""The one set of environment, token and API-version rules, shared by the `auth_env` checks and
`sfqb-diag doctor`.

Pure functions of plain values (URLs, names, versions, timestamps): no I/O, no wall clock. The
caller passes the as-of time (checks: `ctx.as_of`; doctor: the moment it asked). Each rule's
docstring gives the vendor fact it rests on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pandas as pd

SANDBOX, PRODUCTION = "sandbox", "production"

# Intuit: minorversion below 75 is ignored and served as 75 since 2025-08-01.
MINORVERSION_FLOOR = 75
# Intuit: access tokens live 1 hour; refresh tokens roll on each refresh and die after 100 days
# unused, with a 5-year cap from the original authorisation (2025 policy).
ACCESS_TOKEN_LIFETIME = pd.Timedelta(hours=1)
REFRESH_TOKEN_ROLLING = pd.Timedelta(days=100)
REFRESH_TOKEN_CAP = pd.DateOffset(years=5)

# Salesforce API end-of-life (developer.salesforce.com "API End-of-Life Policy", 2026):
# 7.0-20.0 retired Summer '22; 21.0-30.0 deprecated Summer '22, retired Summer '25;
# 31.0-40.0 deprecated Summer '27, retired Summer '28. Summer releases roll out May-June; we date
# each wave at its first weekend in June so the rule is reproducible.
API_VERSION_WAVES: tuple[tuple[float, float, str | None, str], ...] = (
    (7.0, 20.0, None, "2022-06-11"),
    (21.0, 30.0, "2022-06-11", "2025-06-14"),
    (31.0, 40.0, "2027-06-12", "2028-06-10"),
)

# Salesforce SOAP login() (username + password + token; Help article 005132110, April 2026): not
# available from API 65.0, off by default in new orgs, retired for every version (31.0-64.0) with
# Summer '27, dated like the waves above. OAuth logins do not depend on it.
SOAP_LOGIN_RETIRES = "2027-06-12"
SOAP_LOGIN_LAST_VERSION = 64.0

# Salesforce hosts that say "sandbox" (or scratch org): enhanced My Domain `<dom>--<sbx>.sandbox.my...`,
# legacy `<dom>--<sbx>.my.salesforce.com` / `.cs42.my...`, the sandbox login host, legacy cs pods.
_SF_SANDBOX_HOST = re.compile(
    r"(^test\.salesforce\.com$)|(\.sandbox\.(my|lightning|file)\.)|(\.scratch\.my\.)|"
    r"(--[a-z0-9]+\.(cs\d+\.)?(my\.salesforce\.com|lightning\.force\.com)$)|"
    r"(^cs\d+\.(my\.)?salesforce\.com$)|(\.cs\d+\.my\.salesforce\.com$)",
    re.I,
)
# A pod host such as na12.salesforce.com or eu5.salesforce.com: breaks when the org is migrated.
_SF_POD_HOST = re.compile(
    r"^(?:[a-z0-9-]+\.)?((?:na|cs|eu|ap|um|gs|usa|ind|aus|can|jpn|fra|deu|gbr)\d+)"
    r"(?:\.my)?\.salesforce\.com$",
    re.I,
)
# Intuit names every developer sandbox company "Sandbox Company_<country>_<n>".
_QBO_SANDBOX_NAME = re.compile(r"^\s*sandbox\s+company[\s_]+[a-z]{2}[\s_]*\d+\s*$", re.I)
# Sandbox usernames are the production username plus ".<sandboxname>" (e.g. jane@acme.com.uat).
_TLD_LIKE = {
    "com",
    "org",
    "net",
    "edu",
    "gov",
    "io",
    "co",
    "biz",
    "info",
    "us",
    "uk",
    "ca",
    "de",
    "fr",
    "au",
    "nl",
    "es",
    "ie",
    "eu",
    "app",
    "dev",
    "cloud",
    "ai",
}
_SANDBOX_WORDS = {
    "uat",
    "qa",
    "dev",
    "test",
    "sit",
    "staging",
    "stage",
    "sandbox",
    "sbx",
    "full",
    "partial",
    "preprod",
    "train",
    "training",
    "devpro",
    "int",
    "fullcopy",
}


@dataclass(frozen=True)
class Evidence:
    """One clue about which environment a side is: where it came from, its value, what it says."""

    source: str  # e.g. "manifest salesforce.instance_url"
    value: str
    says: str | None  # "sandbox", "production" or None (no opinion)
    strength: int = (
        1  # 3 = the system said so itself, 2 = the endpoint that answered, 1 = a naming habit
    )


@dataclass(frozen=True)
class EnvVerdict:
    """Which environment one side is, with the evidence behind it and any contradiction."""

    side: str  # "salesforce" or "quickbooks"
    environment: str | None  # "sandbox", "production" or None when nothing tells
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    @property
    def conflicting(self) -> bool:
        """True when the clues on this side disagree with each other."""
        return len({e.says for e in self.evidence if e.says}) > 1


def host_of(url: str | None) -> str:
    """The lower-case host of a URL ('' for blanks); accepts bare hosts like 'acme.my.salesforce.com'."""
    if not url or not str(url).strip():
        return ""
    text = str(url).strip()
    try:
        parsed = urlparse(text if "//" in text else "https://" + text)
        return (parsed.hostname or "").lower()
    except ValueError:  # e.g. an unbalanced IPv6 bracket: not a URL we can judge
        return ""


def is_sandbox_instance_url(url: str | None) -> bool | None:
    """True for a Salesforce sandbox or scratch-org host, False for another Salesforce host,
    None when the URL is blank or not a Salesforce host (e.g. a loopback stand-in).

    Sandboxes answer at test.salesforce.com, `<domain>--<sandbox>.sandbox.my.salesforce.com`
    (enhanced domains), `<domain>--<sandbox>.my.salesforce.com` or legacy `csNN` pods.
    """
    host = host_of(url)
    if not host.endswith((".salesforce.com", ".force.com", ".salesforce-setup.com")):
        return None
    return bool(_SF_SANDBOX_HOST.search(host))


def hardcoded_pod(url: str | None) -> str | None:
    """The pod name ('na12') when a Salesforce URL names an instance pod instead of a My Domain.

    Pod hosts break when Salesforce migrates the org to another instance; My Domain URLs follow it.
    """
    match = _SF_POD_HOST.match(host_of(url))
    return match.group(1).lower() if match else None


def sandbox_name_from_username(username: str | None) -> str | None:
    """The sandbox suffix of a Salesforce username ('uat' for 'jane@acme.com.uat'), else None.

    Salesforce appends '.<sandboxname>' to every username when it copies production into a sandbox.
    A heuristic: the label after the domain's TLD is taken as a sandbox name when it is not itself a
    TLD, or when it is a usual sandbox word (qa, uat, dev...).
    """
    if not username or "@" not in str(username):
        return None
    labels = str(username).strip().lower().rsplit("@", 1)[1].split(".")
    if len(labels) < 3:
        return None
    last, before = labels[-1], labels[-2]
    tld_before = before in _TLD_LIKE or len(before) == 2
    if tld_before and (last in _SANDBOX_WORDS or (last not in _TLD_LIKE and len(last) != 2)):
        return last
    return None


def salesforce_environment_of(
    is_sandbox: Any = None,
    instance_url: str | None = None,
    username: str | None = None,
    login_url: str | None = None,
) -> EnvVerdict:
    """Which Salesforce environment answered, from Organization.IsSandbox, the instance URL,
    the login URL and the username. The strongest clue decides; the others are kept as evidence."""
    clues: list[Evidence] = []
    flag = _as_bool(is_sandbox)
    if flag is not None:
        clues.append(
            Evidence(
                "Organization.IsSandbox", str(flag).lower(), SANDBOX if flag else PRODUCTION, 3
            )
        )
    for source, url in (("instance URL", instance_url), ("login URL", login_url)):
        verdict = is_sandbox_instance_url(url)
        if url:
            clues.append(
                Evidence(
                    source,
                    str(url),
                    None if verdict is None else (SANDBOX if verdict else PRODUCTION),
                    2,
                )
            )
    if username:
        suffix = sandbox_name_from_username(username)
        clues.append(
            Evidence("username", _mask_user(str(username)), SANDBOX if suffix else None, 1)
        )
    return EnvVerdict("salesforce", _decide(clues), tuple(clues))


def is_sandbox_company_name(name: str | None) -> bool:
    """True for Intuit's default sandbox company names such as 'Sandbox Company_US_1'."""
    return bool(name) and bool(_QBO_SANDBOX_NAME.match(str(name)))


def qbo_environment_of(
    base_url: str | None = None, company_name: str | None = None, environment: str | None = None
) -> EnvVerdict:
    """Which QBO environment answered, from the API base URL (sandbox-quickbooks.api.intuit.com
    vs quickbooks.api.intuit.com), the CompanyInfo name and the configured environment."""
    clues: list[Evidence] = []
    host = host_of(base_url)
    if host:
        says = (
            SANDBOX
            if host.startswith("sandbox") and "intuit.com" in host
            else (PRODUCTION if host.endswith("api.intuit.com") else None)
        )
        clues.append(Evidence("API base URL", str(base_url), says, 2))
    if company_name:
        clues.append(
            Evidence(
                "CompanyInfo.CompanyName",
                str(company_name),
                SANDBOX if is_sandbox_company_name(company_name) else None,
                2,
            )
        )
    if environment:
        env = str(environment).strip().lower()
        clues.append(
            Evidence(
                "configured environment", env, env if env in (SANDBOX, PRODUCTION) else None, 1
            )
        )
    return EnvVerdict("quickbooks", _decide(clues), tuple(clues))


def environments_mismatch(sf: EnvVerdict, qb: EnvVerdict) -> bool:
    """True when both sides are known and one is a sandbox while the other is production."""
    return (
        sf.environment is not None
        and qb.environment is not None
        and sf.environment != qb.environment
    )


def _decide(clues: list[Evidence]) -> str | None:
    """The strongest opinion wins; at equal strength a sandbox clue wins (sandbox names are
    specific, while a production-looking URL is only the absence of a sandbox mark)."""
    opinions = [c for c in clues if c.says]
    if not opinions:
        return None
    top = max(c.strength for c in opinions)
    says = {c.says for c in opinions if c.strength == top}
    return SANDBOX if SANDBOX in says else PRODUCTION


def _as_bool(value: Any) -> bool | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in ("true", "1", "yes") else False if text in ("false", "0", "no") else None


def _mask_user(username: str) -> str:
    """Show a username's domain part only (j***@acme.com.uat): enough to see a sandbox suffix."""
    local, _, domain = username.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


# ---- time rules -------------------------------------------------------------------------------


def to_utc(value: Any) -> pd.Timestamp | None:
    """An ISO 8601 text / datetime / epoch-free timestamp as tz-aware UTC; None for blanks or junk."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None
    if pd.isna(stamp):
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


@dataclass(frozen=True)
class TokenHorizon:
    """When the QBO refresh token dies, and why: the 100-day rolling limit or the 5-year cap."""

    issued_at: pd.Timestamp
    rolling_deadline: pd.Timestamp
    cap_deadline: pd.Timestamp
    deadline: pd.Timestamp
    limit: str  # "100-day rolling limit" or "5-year cap"
    days_left: float  # negative once dead
    age_days: float

    def state(self, warn_days: float = 14.0) -> str:
        """'expired', 'expiring' (within warn_days) or 'ok'."""
        return (
            "expired"
            if self.days_left <= 0
            else "expiring"
            if self.days_left <= warn_days
            else "ok"
        )


def refresh_token_horizon(
    issued_at: Any, as_of: Any, authorized_at: Any = None, expires_at: Any = None
) -> TokenHorizon | None:
    """The refresh token's horizon at `as_of`.

    issued_at: when the current refresh token was issued (each refresh restarts 100 days).
    authorized_at: when the user first connected the app (the 5-year cap runs from it); unknown ->
    issued_at is used, which can only overstate the time left under the cap.
    expires_at: Intuit's own x_refresh_token_expires_in as a time, when recorded; it wins if earlier.
    None when issued_at is missing or unreadable.
    """
    issued, now = to_utc(issued_at), to_utc(as_of)
    if issued is None or now is None:
        return None
    start = to_utc(authorized_at) or issued
    rolling, cap = issued + REFRESH_TOKEN_ROLLING, start + REFRESH_TOKEN_CAP
    deadline, limit = (rolling, "100-day rolling limit") if rolling <= cap else (cap, "5-year cap")
    stated = to_utc(expires_at)
    if stated is not None and stated < deadline:
        deadline, limit = stated, "expiry Intuit stated"
    day = pd.Timedelta(days=1)
    return TokenHorizon(
        issued, rolling, cap, deadline, limit, (deadline - now) / day, (now - issued) / day
    )


def access_token_state(expires_at: Any, as_of: Any) -> str | None:
    """'expired' when the access token's expiry is at or before as_of, 'long' when it claims to live
    longer than Intuit's 1 hour from as_of (a wrong clock or a hand-edited store), 'ok' otherwise;
    None when unknown."""
    expiry, now = to_utc(expires_at), to_utc(as_of)
    if expiry is None or now is None:
        return None
    if expiry <= now:
        return "expired"
    return "long" if expiry - now > ACCESS_TOKEN_LIFETIME + pd.Timedelta(minutes=5) else "ok"


def minorversion_below_floor(minorversion: Any) -> bool | None:
    """True when a QBO minorversion is below 75 (Intuit serves 75 regardless since 2025-08-01);
    None when blank or not a number."""
    match = re.fullmatch(r"\s*(\d{1,4})(?:\.0+)?\s*", str(minorversion))
    return int(match.group(1)) < MINORVERSION_FLOOR if match else None


@dataclass(frozen=True)
class ApiVersionStatus:
    version: float
    status: str  # "retired", "deprecated", "retiring" (announced), "supported"
    retired_on: pd.Timestamp | None  # the retirement date of its wave, when announced


def parse_api_version(version: Any) -> float | None:
    """'v62.0', '62', 62.0 -> 62.0; None for blanks or junk."""
    match = re.fullmatch(r"v?(\d{1,3}(?:\.\d+)?)", str(version or "").strip().lower())
    return float(match.group(1)) if match else None


def salesforce_api_version_status(version: Any, as_of: Any) -> ApiVersionStatus | None:
    """Where a Salesforce API version stands at `as_of` in Salesforce's end-of-life waves.

    Retired versions fail outright (REST 410 GONE, SOAP 500 UNSUPPORTED_API_VERSION, Bulk 400
    InvalidVersion); deprecated ones still answer but are unsupported.
    """
    number, now = parse_api_version(version), to_utc(as_of)
    if number is None or now is None:
        return None
    for low, high, deprecated, retired in API_VERSION_WAVES:
        if low <= number <= high + 0.99:
            retired_on = to_utc(retired)
            if retired_on is not None and now >= retired_on:
                return ApiVersionStatus(number, "retired", retired_on)
            deprecated_on = to_utc(deprecated)
            if deprecated_on is not None and now >= deprecated_on:
                return ApiVersionStatus(number, "deprecated", retired_on)
            return ApiVersionStatus(number, "retiring", retired_on)
    return ApiVersionStatus(number, "supported", None)
