"""Check of area `auth_env`: stored QBO links made against another company (realm), judged per
kind of link, naming the other company when the data carries its id (docs/areas/auth_env.md).

Each kind (Account -> Customer, Product2 -> Item, Opportunity -> Invoice) is judged on its own:
a re-link job run against another company can rewrite most Account links and leave products and
opportunities alone, so pooling the kinds hides it. QBO Ids repeat in every company, so a link
made elsewhere points nowhere or at an unrelated record. The other company's id shows up in the
data as QBO URLs and messages: `/v3/company/<realm>/...` in sync-log messages, `companyId=` in
app links pasted into PrivateNote, `realmId` in the manifest.
"""

from __future__ import annotations

import json

import pandas as pd

from sfqb_diag import envrules
from sfqb_diag.checks.auth_env.facts import (
    link_resolution,
    link_resolution_rates,
    quickbooks_verdict,
    salesforce_verdict,
)
from sfqb_diag.checks.base import Context, check
from sfqb_diag.findings import empty_findings, new_findings

REALM_SHARE = 0.5  # share of one kind's stored links broken (unresolved or unrelated)
REALM_MIN_LINKS = 10  # below this many links of a kind, its share says nothing
OBJECT_AREA = {
    "Account -> Customer": "customers",
    "Product2 -> Item": "products",
    "Opportunity -> Invoice": "partial_sync",
}
# A realm (company) id as QBO URLs and messages carry it: 6 to 20 digits after the marker.
REALM_PATTERN = (
    r"(?i)(?:/v3/company/|company[_ ]?id\W{0,4}|realm[_ ]?(?:id)?\W{0,4})(?P<realm>\d{6,20})\b"
)


def _pulled_realm(ctx: Context) -> str | None:
    section = ctx.data.manifest.get("quickbooks")
    value = section.get("realm_id") if isinstance(section, dict) else None
    return str(value) if value else None


def _texts(ctx: Context) -> list[tuple[str, pd.Series]]:
    """(where, texts) for every place the data may name a QBO company."""
    found: list[tuple[str, pd.Series]] = []
    log = ctx.data.get("sync_log")
    if log is not None and "message" in log:
        found.append(("sync-log messages", log["message"]))
    invoices = ctx.data.get("invoices")
    if invoices is not None and "private_note" in invoices:
        found.append(("QBO invoice PrivateNote", invoices["private_note"]))
    others = {k: v for k, v in ctx.data.manifest.items() if k != "quickbooks"}
    qb = ctx.data.manifest.get("quickbooks")
    if isinstance(qb, dict):
        others["quickbooks"] = {k: v for k, v in qb.items() if k != "realm_id"}
    found.append(("manifest", pd.Series([json.dumps(others, default=str)])))
    return found


def other_realms(ctx: Context) -> pd.DataFrame:
    """Company ids the data names other than the pulled one: realm, mentions, where (most first)."""
    pulled = _pulled_realm(ctx)
    frames = []
    for where, texts in _texts(ctx):
        ids = texts.dropna().astype("string").str.extractall(REALM_PATTERN)["realm"]
        frames.append(pd.DataFrame({"realm": ids.astype(str).to_numpy(), "where": where}))
    hits = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if hits.empty:
        return pd.DataFrame(columns=["realm", "mentions", "where"])
    hits = hits[hits["realm"] != pulled] if pulled else hits
    grouped = hits.groupby("realm", sort=False).agg(
        mentions=("where", "size"), where=("where", lambda w: ", ".join(sorted(set(w))))
    )
    return grouped.sort_values("mentions", ascending=False, kind="stable").reset_index()


def _cause(ctx: Context, broken: pd.DataFrame, named: str) -> str:
    sf, qb = salesforce_verdict(ctx.data), quickbooks_verdict(ctx.data)
    pulled = _pulled_realm(ctx)
    where = f"realm {pulled}" if pulled else "the pulled company"
    if envrules.environments_mismatch(sf, qb):
        return (
            f"the links were made against the {sf.environment} QuickBooks company, but {where} is a "
            f"{qb.environment} company"
        )
    if broken["unrelated"].sum() >= broken["unresolved"].sum():
        return (
            f"the stored Ids were issued by another QuickBooks company{named}: QBO Ids are small "
            f"numbers that repeat in every company, so they land on unrelated records in {where}"
        )
    return (
        f"the stored Ids do not exist in {where}: the links were made in another company{named} "
        "(a sandbox, an older company file, or a re-link job run against the wrong realm)"
    )


@check(
    "realm_mismatch",
    area="auth_env",
    severity="critical",
    # stored links on the Salesforce side judged against the QBO records they point at
    needs=("accounts|opportunities|products", "customers|invoices|items"),
    what="One kind of stored QBO link (customers, items or invoices) mostly does not fit the pulled "
    "company: links made against another realm",
    why="QBO Ids are only unique inside one company. Links made in a sandbox or another company point "
    "nowhere, or at unrelated customers, items and invoices, so every update lands on the wrong record.",
    fix="Confirm the realm the connector uses; if it changed, relink from the matches files instead of "
    "trusting the stored Ids.",
)
def realm_mismatch(ctx: Context) -> pd.DataFrame:
    rates = link_resolution_rates(
        ctx.shared("auth_env.link_resolution", lambda: link_resolution(ctx.data))
    )
    share_needed = float(getattr(ctx.thresholds, "realm_mismatch_share", REALM_SHARE))
    judged = rates[rates["linked"] >= REALM_MIN_LINKS] if len(rates) else rates
    broken = judged[judged["bad_share"] >= share_needed] if len(judged) else judged
    if broken.empty:
        return empty_findings()
    # Without the pulled realm in the manifest, an id the data names may be this very company.
    others = other_realms(ctx) if _pulled_realm(ctx) else other_realms(ctx).iloc[0:0]
    named = (
        f" (company id {others['realm'].iloc[0]}, named {others['mentions'].iloc[0]:,} time(s) in "
        f"{others['where'].iloc[0]})"
        if len(others)
        else ""
    )
    verdict = pd.Series(", fine", index=rates.index)
    verdict[rates["linked"] < REALM_MIN_LINKS] = ", too few to judge"
    verdict[rates["link"].isin(broken["link"])] = ""
    parts = "; ".join(
        f"{r.link}: {r.unresolved + r.unrelated:,} of {r.linked:,} broken ({r.unresolved:,} point "
        f"nowhere, {r.unrelated:,} at unrelated names){v}"
        for r, v in zip(rates.itertuples(), verdict, strict=True)
    )
    names = list(broken["link"])
    kinds = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    company = f" ({others['realm'].iloc[0]})" if len(others) else ""
    areas = ", ".join(sorted(set(broken["link"].map(OBJECT_AREA))))
    worst = float(broken["bad_share"].max())
    return new_findings(
        title=f"Realm mismatch: {kinds} links point into another QuickBooks company{company}",
        detail=f"Judged per kind of link: {parts}. Likely cause: {_cause(ctx, broken, named)}. "
        f"The records themselves are listed in the {areas} findings.",
        suggested_action="Stop the sync; confirm the realm id the connector uses. If the links came from "
        "another company, relink with matches/customers.csv and matches/products.csv rather "
        "than repairing records one by one.",
        confidence=min(0.99, 0.5 + worst / 2),
    )
