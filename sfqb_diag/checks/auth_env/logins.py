"""How integrations log in to the client's org, from its own LoginHistory (optional raw file).

Facts (docs/areas/auth_env.md cites them): SOAP `login()` (username + password + security token)
is not available from API 65.0 and retires for every remaining version (31.0-64.0) with the
Summer '27 release; API versions 31.0-40.0 are deprecated from Summer '27 and retired with
Summer '28. LoginHistory's ApiType names the API a login used ("SOAP Enterprise", "SOAP
Partner"); OAuth logins come with LoginType "Remote Access 2.0" and depend on neither date.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag import envrules
from sfqb_diag.checks.base import Context, check
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.words import count_text, day

_GROUP = ["user_id", "application", "api_type", "api_version"]


def soap_logins(log: pd.DataFrame) -> pd.DataFrame:
    """Successful SOAP login() calls, one row per user, application, API type and version,
    with how many and the first and last time."""
    columns = [*_GROUP, "logins", "first", "last"]
    if log.empty or not {"api_type", "login_time"} <= set(log.columns):
        return pd.DataFrame(columns=columns)
    frame = log.reindex(columns=[*_GROUP, "login_type", "status", "login_time"])
    status = frame["status"].astype("string").str.strip().str.lower()
    soap = frame["api_type"].astype("string").str.contains("soap", case=False).fillna(False)
    oauth = frame["login_type"].astype("string").str.startswith("Remote Access").fillna(False)
    hits = frame[soap & ~oauth & status.eq("success").fillna(False)]  # failed logins say nothing
    if hits.empty:
        return pd.DataFrame(columns=columns)
    hits = hits.assign(**{c: hits[c].astype("string").fillna("") for c in _GROUP})
    grouped = hits.groupby(_GROUP, sort=True)["login_time"].agg(["size", "min", "max"])
    return grouped.rename(columns={"size": "logins", "min": "first", "max": "last"}).reset_index()


def _version_fate(version: pd.Series) -> pd.Series:
    """What else happens to the API version itself, in words ('' when nothing is scheduled)."""
    number = version.map(envrules.parse_api_version)
    fate = pd.Series("", index=version.index, dtype="string")
    for low, high, deprecated, retired in envrules.API_VERSION_WAVES:
        inside = number.between(low, high + 0.99).fillna(False)
        fate[inside] = (
            f"; API versions {low:.1f}-{high:.1f} themselves "
            + (f"are deprecated from {deprecated} and " if deprecated else "")
            + f"retire on {retired}"
        )
    return fate


@check(
    "soap_login_in_use",
    area="auth_env",
    severity="medium",
    needs=("login_history",),
    what="An integration still logs in with SOAP login() (username, password and security token)",
    why="Salesforce retires SOAP login() for every API version with Summer '27 (it is already gone "
    "from API 65.0 and off by default in new orgs); an integration that logs in that way then stops "
    "syncing. API versions 31.0-40.0 retire altogether with Summer '28.",
    fix="Move the integration to OAuth through an External Client App (JWT bearer or client "
    "credentials) before Summer '27, at API 41.0 or later.",
)
def soap_login_in_use(ctx: Context) -> pd.DataFrame:
    found = soap_logins(ctx.data["login_history"])
    if found.empty:
        return empty_findings()
    retires = envrules.to_utc(envrules.SOAP_LOGIN_RETIRES)
    gone = retires is not None and ctx.as_of >= retires
    who = found["application"].where(found["application"] != "", "an unnamed application")
    version = found["api_version"].where(found["api_version"] != "", "an unstated version")
    api = found["api_type"].str.replace(r"(?i)^soap\s*", "", regex=True)
    return new_findings(
        title="The integration (" + who + ") still logs in with SOAP at API " + version,
        detail=count_text(found["logins"], "SOAP login")
        + " ("
        + api
        + ") by user "
        + found["user_id"]
        + " from "
        + day(found["first"])
        + " to "
        + day(found["last"])
        + f". SOAP login() {'retired' if gone else 'retires'} for all API versions on "
        f"{envrules.SOAP_LOGIN_RETIRES} (Summer '27)" + _version_fate(found["api_version"]) + ".",
        suggested_action="Reconnect this integration with OAuth (an External Client App with JWT "
        "bearer or client credentials) at API 41.0 or later, then turn SOAP login() off in the org.",
        severity="high" if gone else "medium",
        line_id=found["user_id"] + "|" + found["application"] + "|" + found["api_version"],
        confidence=0.9,
    )
