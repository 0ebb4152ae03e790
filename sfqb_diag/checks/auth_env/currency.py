"""Check of area `auth_env`: whether QBO's currency setup can hold what Salesforce sells.

Multicurrency is a company-wide QBO preference (and cannot be turned off once on); the per-invoice
currency differences are the products area's.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.words import money


def _sf_currency_use(ctx: Context) -> pd.DataFrame:
    """Salesforce's currencies: opportunities (and their amounts) per currency, live rows only."""
    opps = ctx.data["opportunities"]
    if "is_deleted" in opps:
        opps = opps[~opps["is_deleted"].fillna(False).astype(bool)]
    currency = (
        opps["currency"].astype("string")
        if "currency" in opps
        else pd.Series(pd.NA, index=opps.index)
    )
    frame = pd.DataFrame(
        {"currency": currency, "amount": opps["amount_cents"].astype("Int64")}
    ).dropna(subset=["currency"])
    return (
        frame.groupby("currency")
        .agg(opportunities=("amount", "size"), amount_cents=("amount", "sum"))
        .reset_index()
    )


@check(
    "multicurrency_mismatch",
    area="auth_env",
    severity="high",
    needs=("preferences", "opportunities"),
    what="Salesforce sells in currencies that QBO's currency setup cannot hold",
    why="With multicurrency off, QBO keeps every amount in its home currency: an invoice for a deal in "
    "another currency is refused or booked with the wrong currency's numbers.",
    fix="Turn on multicurrency in QBO (it cannot be turned off again) or keep those deals out of the sync.",
)
def multicurrency_mismatch(ctx: Context) -> pd.DataFrame:
    prefs = ctx.data["preferences"]
    if prefs.empty:
        return empty_findings()
    home = (
        prefs["home_currency"].dropna().astype(str).iloc[0]
        if prefs["home_currency"].notna().any()
        else None
    )
    enabled = bool(prefs["multicurrency_enabled"].fillna(False).astype(bool).iloc[0])
    use = _sf_currency_use(ctx)
    if home is None or enabled or use.empty:
        return empty_findings()
    foreign = use[use["currency"] != home].reset_index(drop=True)
    if foreign.empty:
        return empty_findings()
    amounts = pd.Series(
        [money(c, cur) for c, cur in zip(foreign["amount_cents"], foreign["currency"], strict=True)]
    )
    return new_findings(
        title="QBO cannot hold " + foreign["currency"] + f" deals (multicurrency off, home {home})",
        detail=foreign["opportunities"].astype(str)
        + " opportunities worth "
        + amounts
        + " are in "
        + foreign["currency"]
        + f"; QBO's home currency is {home} and multicurrency is off.",
        suggested_action="Enable multicurrency in QBO before these deals sync, or exclude them from the sync.",
        amount_cents=foreign["amount_cents"],
        currency=foreign["currency"],
        line_id=foreign["currency"],
        confidence=0.9,
    )
