"""The customer area's tables: duplicate clusters, the Data Loader link file, the merge list."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag import linkage
from sfqb_diag.checks.base import DataLoaderFile
from sfqb_diag.config import ClientConfig
from sfqb_diag.ids import member
from sfqb_diag.matching.customer_duplicates import cluster_table
from sfqb_diag.matching.customers import CustomerMatching
from sfqb_diag.words import count_text, format_cents


def _survivor_reason(
    parties: pd.DataFrame, linked: pd.Series, count: str, one: str, many: str
) -> pd.Series:
    """Why the survivor is kept, in words: 'kept (linked to the other system, 3 transactions)',
    'kept (no transactions)'."""
    counts = pd.Series(parties[count].to_numpy(), dtype="Int64")
    held = count_text(counts, one, many).where(counts.ne(0), "no " + many)
    text = (
        "kept ("
        + pd.Series(np.where(linked, "linked to the other system, ", ""), dtype="string")
        + held
        + ")"
    )
    return pd.Series(text.to_numpy(), index=np.arange(len(parties)), dtype="string")


def duplicate_tables(
    m: CustomerMatching, sf_clusters: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(matches/qb_customer_duplicates.csv, matches/sf_account_duplicates.csv)."""
    qb_linked = member(m.customers["id"], m.accounts["current_qb_id"])
    qb = cluster_table(
        m.qb_clusters,
        _survivor_reason(m.customers, qb_linked, "transactions", "transaction", "transactions"),
    )
    sf_linked = m.accounts["current_qb_id"].notna()
    sf = cluster_table(
        sf_clusters,
        _survivor_reason(m.accounts, sf_linked, "opportunities", "opportunity", "opportunities"),
    )
    return qb, sf


def link_field(config: ClientConfig) -> str:
    """The API name of the account link field, e.g. QBO_Customer_Id__c."""
    return linkage.link_field(config, "account_customer_id")


def account_link_file(m: CustomerMatching, config: ClientConfig) -> DataLoaderFile:
    """Links to set: confident relinks/new links and reviewer-accepted pairs, one per account."""
    rows = m.matches[
        m.matches["l"].notna()
        & m.matches["status"].isin(["relink", "suggest_link"])
        & ~m.matches["extra"]
    ]
    rows = rows.sort_values(
        ["sf_id", "accepted", "score"], ascending=[True, False, False]
    ).drop_duplicates("sf_id")
    field = link_field(config)
    update = pd.DataFrame(
        {
            "Id": rows["sf_id"].astype("string").to_numpy(),
            field: rows["qb_id"].astype("string").to_numpy(),
        }
    )
    rollback = pd.DataFrame(
        {
            "Id": update["Id"].to_numpy(),
            field: rows["current_qb_id"].astype("string").fillna("").to_numpy(),
        }
    )
    return DataLoaderFile(
        update=update.reset_index(drop=True), rollback=rollback.reset_index(drop=True)
    )


def _merge_how(src: pd.DataFrame, dst: pd.DataFrame) -> pd.Series:
    """What to do with each copy, fitting its state (active or not, holding money or not)."""
    holds = (src["transactions"].fillna(0) > 0) | src["balance_cents"].fillna(0).ne(0)
    active = src["active"].fillna(True).astype(bool)
    merge = "it to '" + dst["name"].fillna("").astype("string") + "' in QBO and confirm the merge"
    how = ("Rename " + merge).where(active, "Make it active, then rename " + merge)
    idle = ~active & ~holds
    return how.mask(
        idle, "Nothing to do: it is already inactive and holds no transactions or balance"
    )


def merge_list(m: CustomerMatching) -> pd.DataFrame:
    """remediation/qbo_customer_merges.csv: each duplicate customer and the survivor it merges into.

    QBO merges two customers when one is renamed to the other's exact DisplayName; the renamed
    one's transactions move to the survivor and it disappears. An inactive copy that holds
    transactions or a balance must be made active first; one that holds nothing is already out
    of the way (it takes no new transactions and name searches skip it): nothing to do.
    """
    dup = m.qb_clusters[~m.qb_clusters["keep"]]
    src = m.customers.iloc[dup["pos"].to_numpy()].reset_index(drop=True)
    dst = m.customers.iloc[dup["cluster"].to_numpy()].reset_index(drop=True)
    return pd.DataFrame(
        {
            "cluster_id": dup["cluster_id"].astype("string").to_numpy(),
            "merge_id": src["id"],
            "merge_name": src["name"],
            "merge_active": src["active"],
            "merge_transactions": src["transactions"],
            "merge_open_balance": format_cents(src["balance_cents"]),
            "into_id": dst["id"],
            "into_name": dst["name"],
            "currency": src["currency"],
            "score": dup["score"].round(3).to_numpy(),
            "reasons": dup["reasons"].to_numpy(),
            "how": _merge_how(src, dst),
        }
    )
