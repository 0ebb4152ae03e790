"""Orphan invoices: invoices that look like the sync's work while no opportunity links them.

Three signs that an unlinked invoice came from the sync (hand-made invoices show none of them):
- it bills exactly an unlinked won deal: same QBO customer as the deal's account, same pre-tax
  amount, dated within `lag_outlier_days` of the close date (the write-back was lost and the note
  was not written either);
- it names a Salesforce opportunity that no longer exists (deleted, or never in this org);
- its note carries the integration's marks.
An unlinked invoice that repeats a billed one (same customer, amount and date) is a retry
duplicate: sync_jobs owns those, so they are left out here.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.config import Thresholds
from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import member

# Words connectors write into the memo/private note of what they create ("Created by Salesforce
# sync", "SFDC Opportunity ..."). A person's own notes rarely name the other system.
INTEGRATION_MARK = r"(?i)\b(?:salesforce|sfdc|opportunity|synced? from)\b"
ORPHAN_COLUMNS = ["invoice_id", "reason", "sf_id", "score_days"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "invoice_id": pd.Series(dtype="string"),
            "reason": pd.Series(dtype="string"),
            "sf_id": pd.Series(dtype="string"),
            "score_days": pd.Series(dtype="float64"),
        }
    )


def _key(frame: pd.DataFrame) -> pd.Series:
    return (
        frame["customer_id"].astype("string").fillna("")
        + "|"
        + frame["lines_net_cents"].astype("string").fillna("")
        + "|"
        + frame["txn_date"].astype("string").fillna("")
    )


def _match_unbilled(cand: pd.DataFrame, opps: pd.DataFrame, t: Thresholds) -> pd.DataFrame:
    """Pair unlinked invoices with unlinked won deals on customer + exact amount + nearby date."""
    want = opps[
        opps["won"]
        & opps["link"].isna()
        & opps["named_invoice"].isna()
        & opps["amount_cents"].notna()
    ]
    want = pd.DataFrame(
        {
            "sf_id": want["id"],
            "customer_id": want["account_customer"],
            "lines_net_cents": want["amount_cents"].astype("Int64"),
            "close_date": pd.to_datetime(want["close_date"]),
        }
    ).dropna(subset=["customer_id"])
    pairs = cand[["id", "customer_id", "lines_net_cents", "txn_date"]].merge(
        want, on=["customer_id", "lines_net_cents"]
    )
    pairs["score_days"] = (pd.to_datetime(pairs["txn_date"]) - pairs["close_date"]).dt.days.abs()
    pairs = pairs[pairs["score_days"] <= t.lag_outlier_days].sort_values(
        ["score_days", "id", "sf_id"], kind="stable"
    )
    # One invoice bills one deal: take the closest dates first, each side used once.
    pairs = pairs.drop_duplicates("id").drop_duplicates("sf_id")
    return pd.DataFrame(
        {
            "invoice_id": pairs["id"].astype("string"),
            "reason": "matches_opportunity",
            "sf_id": pairs["sf_id"].astype("string"),
            "score_days": pairs["score_days"].astype(float),
        }
    )


def orphan_invoices(
    data: Dataset, opps: pd.DataFrame, facts: pd.DataFrame, naming: pd.DataFrame, t: Thresholds
) -> pd.DataFrame:
    """Unlinked invoices that look like the sync's work, with the reason and the deal they bill."""
    if facts.empty:
        return _empty()
    live = opps["id"]
    named_live = naming.loc[member(naming["sf_id"], live), "invoice_id"]
    # invoices a live deal links or names (Series, not sets: no Python object per Id)
    billed = pd.concat([opps["link"].dropna(), named_live], ignore_index=True)
    cand = facts[~member(facts["id"], billed) & ~facts["voided"]]
    matched = _match_unbilled(cand, opps, t)
    rest = cand[~member(cand["id"], matched["invoice_id"])]
    billing = facts[member(facts["id"], billed)]
    rest = rest[~member(_key(rest), _key(billing))]  # retry duplicates: sync_jobs
    missing = naming[
        member(naming["invoice_id"], rest["id"]) & ~member(naming["sf_id"], live)
    ].drop_duplicates("invoice_id")
    named_gone = pd.DataFrame(
        {
            "invoice_id": missing["invoice_id"].astype("string"),
            "reason": "names_missing_opportunity",
            "sf_id": missing["sf_id"].astype("string"),
            "score_days": float("nan"),
        }
    )
    rest = rest[~member(rest["id"], missing["invoice_id"])]
    marked = rest[
        rest["private_note"]
        .astype("string")
        .str.contains(INTEGRATION_MARK, regex=True)
        .fillna(False)
    ]
    marks = pd.DataFrame(
        {
            "invoice_id": marked["id"].astype("string"),
            "reason": "integration_mark",
            "sf_id": pd.Series(pd.NA, index=marked.index, dtype="string"),
            "score_days": float("nan"),
        }
    )
    found = [f for f in (matched, named_gone, marks) if not f.empty]
    return pd.concat(found, ignore_index=True)[ORPHAN_COLUMNS] if found else _empty()
