"""Accounts with won business and no QBO customer at all: no link, and nothing in QBO matches.

The sync creates the customer when it first invoices; until then (or when the create fails on a
6240 name collision or a missing required field) the won deals cannot be invoiced. This is the
customers side of it (the invoice side is partial_sync's): the finding names the account and the
money waiting, and remediation/qbo_customers_to_create.csv lists what to create or link.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.customers.findings import ACCOUNT, _s
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import new_findings
from sfqb_diag.ids import member
from sfqb_diag.linkage import won_deals
from sfqb_diag.matching.customers import CustomerMatching
from sfqb_diag.words import count_text, format_cents, money_text


def _won(data: Dataset) -> pd.DataFrame:
    """account_id -> won deals, their amount in cents and currency (one currency, else NA)."""
    opps = data.get("opportunities")
    empty = pd.DataFrame(
        {"won": pd.Series(dtype="int64"), "cents": pd.Series(dtype="Int64")},
        index=pd.Index([], dtype="string", name="account_id"),
    ).assign(currency=pd.Series(dtype="string"))
    if opps is None or "account_id" not in opps:
        return empty
    deleted = opps.get("is_deleted", pd.Series(False, index=opps.index)).fillna(False)
    won = opps[won_deals(opps) & ~deleted.astype(bool)]
    if won.empty:
        return empty
    cents = won.get("amount_cents", pd.Series(pd.NA, index=won.index)).astype("Int64")
    currency = won.get("currency", pd.Series(pd.NA, index=won.index)).astype("string")
    frame = pd.DataFrame({"account_id": won["account_id"], "cents": cents, "currency": currency})
    grouped = frame.groupby("account_id")
    out = pd.DataFrame(
        {
            "won": grouped.size(),
            "cents": grouped["cents"].sum(min_count=1).astype("Int64"),
            "currency": grouped["currency"].first(),
        }
    )
    several = grouped["currency"].nunique() > 1
    out.loc[several, ["cents", "currency"]] = pd.NA  # amounts in several currencies: no total
    return out


def unmatched_won(m: CustomerMatching, data: Dataset) -> pd.DataFrame:
    """Accounts with won deals whose match row is `no_match` and that hold no link."""
    won = _won(data)
    rows = m.matches[
        m.matches["l"].notna()
        & m.matches["status"].eq("no_match")
        & m.matches["current_qb_id"].isna()
        & member(m.matches["sf_id"], won.index)
    ].reset_index(drop=True)
    stats = won.reindex(rows["sf_id"].to_numpy())
    acc = m.accounts.iloc[rows["l"].astype(int).to_numpy()].reset_index(drop=True)
    return pd.DataFrame(
        {
            "sf_id": rows["sf_id"].to_numpy(),
            "sf_name": rows["sf_name"].to_numpy(),
            "won_deals": stats["won"].to_numpy(),
            "won_cents": stats["cents"].to_numpy(),
            "currency": stats["currency"].to_numpy(),
            "city": acc["city"].to_numpy(),
            "reasons": rows["reasons"].to_numpy(),
        }
    )


def won_without_customer(m: CustomerMatching, data: Dataset) -> pd.DataFrame:
    """One finding per account with won deals and no QBO customer (see module docstring).

    The won deals' money is not this finding's amount at risk: it is the deals' own, and
    partial_sync reports each unbilled deal with its amount (won_not_invoiced). Carrying it here
    too would count one deal twice in every total, so the amount is named in the words only.
    """
    rows = unmatched_won(m, data)
    cents = pd.Series(rows["won_cents"], dtype="Int64")
    worth = money_text(cents, pd.Series(rows["currency"], dtype="string"))
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=rows["sf_id"],
        sf_name=rows["sf_name"],
        qb_entity=None,
        qb_id=None,
        title="Won deals but no QBO customer: " + _s(rows["sf_name"]),
        detail=(
            count_text(pd.Series(rows["won_deals"], dtype="Int64"), "won deal")
            + pd.Series(np.where(worth.ne(""), " worth " + worth, ""), dtype="string")
            + " (counted as money at risk on the deals themselves, under partial sync, not "
            "again here); no link and no QBO customer matches: " + _s(rows["reasons"])
        ),
        suggested_action="Create or link a customer before its deals can be invoiced "
        "(remediation/qbo_customers_to_create.csv).",
        severity="medium",
        confidence=0.8,
    )


def customers_to_create(m: CustomerMatching, data: Dataset) -> pd.DataFrame:
    """remediation/qbo_customers_to_create.csv: the accounts above, with what to create."""
    rows = unmatched_won(m, data)
    return pd.DataFrame(
        {
            "sf_id": rows["sf_id"],
            "account_name": rows["sf_name"],
            "billing_city": rows["city"],
            "currency": rows["currency"],
            "won_deals": rows["won_deals"],
            "won_amount": format_cents(pd.Series(rows["won_cents"], dtype="Int64")),
            "action": "Create the QBO customer (DisplayName = the account name) or link the "
            "existing one in the account's QBO_Customer_Id__c",
        }
    )
