"""The customer area's tables: duplicate clusters, the Data Loader link file, the merge list."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag import linkage
from sfqb_diag.checks.base import DataLoaderFile
from sfqb_diag.checks.customers.holdings import (
    TRANSACTIONS_NOT_CHECKED,
    opportunities_text,
    transactions_counted,
    transactions_text,
)
from sfqb_diag.config import ClientConfig
from sfqb_diag.ids import member
from sfqb_diag.matching.customer_duplicates import cluster_table
from sfqb_diag.matching.customers import CustomerMatching
from sfqb_diag.matching.normalize import fold, untagged_names
from sfqb_diag.words import format_cents

# What each rule of the keep order (customer_duplicates.kept_by) means, in words.
_KEPT_BY_WORDS = {
    "active": "active (an inactive copy takes no new transactions)",
    "linked": "the one the other system's link points at",
    "transactions": "the most transactions",
    "opportunities": "the most opportunities",
    "untagged": "its name has no copy tag (a tag such as ' (2)' marks the copy)",
    "central": "the record the other copies match best",
    "oldest": "created first",
    "id": "the lowest Id (the records are otherwise alike)",
    "position": "first in the export (the records are otherwise alike)",
}


def _survivor_reason(found: pd.DataFrame, parties: pd.DataFrame, held: pd.Series) -> pd.Series:
    """Why each survivor is kept, in words, by position in `parties`: the rules of the keep
    order that chose it (found's `kept_by`), then what it holds, e.g. "kept: its name has no
    copy tag (...); created first (2025-01-14). Holds: 3 transactions"; `held` is what each
    record holds, in words (holdings.py)."""
    kept = found[found["keep"].to_numpy(bool)]
    codes = pd.Series(kept["kept_by"].astype("string").fillna("position").to_numpy())
    created = pd.to_datetime(
        pd.Series(parties["created"].to_numpy()).reindex(kept["pos"].to_numpy()),
        utc=True,
        errors="coerce",
    ).dt.strftime("%Y-%m-%d")
    rules = pd.Series("", index=codes.index, dtype="string")
    for code, words in _KEPT_BY_WORDS.items():  # one vectorised column per rule
        text = pd.Series(words, index=codes.index, dtype="string")
        if code == "oldest":
            text = text + (" (" + pd.Series(created.to_numpy(), dtype="string") + ")").fillna("")
        applied = codes.str.contains(rf"\b{code}\b", regex=True).to_numpy(bool)
        rules = rules + text.where(applied, "") + pd.Series(np.where(applied, "; ", ""))
    rules = rules.str.removesuffix("; ")
    holds = pd.Series(held.to_numpy(), dtype="string").reindex(kept["pos"].to_numpy())
    text = "kept: " + rules.astype("string") + ". Holds: " + holds.to_numpy()
    return pd.Series(text.to_numpy(), index=kept["pos"].to_numpy(), dtype="string")


def duplicate_tables(
    m: CustomerMatching, sf_clusters: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(matches/qb_customer_duplicates.csv, matches/sf_account_duplicates.csv)."""
    qb = cluster_table(
        m.qb_clusters,
        _survivor_reason(m.qb_clusters, m.customers, transactions_text(m.customers)),
        m.customers["name"],
    )
    sf = cluster_table(
        sf_clusters,
        _survivor_reason(sf_clusters, m.accounts, opportunities_text(m.accounts)),
        m.accounts["name"],
    )
    return qb, sf


def link_field(config: ClientConfig) -> str:
    """The API name of the account link field, e.g. QBO_Customer_Id__c."""
    return linkage.link_field(config, "account_customer_id")


def _merged_away(clusters: pd.DataFrame) -> pd.Series:
    """id -> the survivor's id, for each duplicate the same run says to merge away."""
    away = clusters[~clusters["keep"].astype(bool)]
    return pd.Series(
        away["cluster_id"].astype("string").to_numpy(), index=away["id"].astype("string")
    )


def survivor_links(m: CustomerMatching, sf_clusters: pd.DataFrame) -> pd.DataFrame:
    """The links to set, one per account (sf_id, qb_id, current_qb_id), pointing survivors at
    survivors: confident relinks/new links and reviewer-accepted pairs, where

    - a customer the run merges away is replaced by its QBO survivor (the copy disappears when
      merged, and a link to it would break);
    - an account the run merges away gets no row: its survivor takes the link when it has none
      of its own (neither a stored link nor a row), otherwise the row is dropped;
    - a reviewer-accepted pair is kept as accepted;
    - one customer gets one account: a survivor already held by another account's stored link,
      or proposed for several, goes to the account proposed for it directly (then accepted,
      then the best score); the others are left to review.
    """
    rows = m.matches[
        m.matches["l"].notna()
        & m.matches["status"].isin(["relink", "suggest_link"])
        & ~m.matches["extra"]
    ].copy()
    qb_keep = _merged_away(m.qb_clusters.assign(id=m.qb_clusters["id"].astype("string")))
    sf_keep = _merged_away(sf_clusters) if len(sf_clusters) else pd.Series(dtype="string")
    qb_id, sf_id = rows["qb_id"].astype("string"), rows["sf_id"].astype("string")
    # A reviewer's accepted pair is linked as accepted (decisions.csv is the reviewer's word).
    accepted = rows["accepted"].to_numpy(bool)
    rows["target"] = qb_id.map(qb_keep).astype("string").fillna(qb_id).mask(accepted, qb_id)
    rows["owner"] = sf_id.map(sf_keep).astype("string").fillna(sf_id).mask(accepted, sf_id)
    rows["own"] = (rows["owner"] == rows["sf_id"]).to_numpy()
    rows["direct"] = (rows["target"] == rows["qb_id"]).to_numpy()
    current = m.matches.drop_duplicates("sf_id").set_index("sf_id")["current_qb_id"]
    rows["current_qb_id"] = rows["owner"].map(current).astype("string")
    # A moved row never overrides a survivor's own stored link.
    rows = rows[rows["own"] | rows["current_qb_id"].isna()]
    rows = rows.sort_values(
        ["owner", "own", "accepted", "score"], ascending=[True, False, False, False]
    ).drop_duplicates("owner")
    # Customers other companies' accounts hold today (a holder merged away counts as its survivor).
    held = current.dropna().astype("string")
    holder = pd.Series(held.index, dtype="string")
    holder = holder.map(sf_keep).astype("string").fillna(holder)
    other = pd.MultiIndex.from_arrays([held.to_numpy(), holder.to_numpy()])
    mine = pd.MultiIndex.from_arrays([rows["target"].to_numpy(), rows["owner"].to_numpy()])
    rows = rows[~member(rows["target"], held) | mine.isin(other) | rows["accepted"].to_numpy(bool)]
    rows = rows.sort_values(
        ["target", "direct", "accepted", "score"], ascending=[True, False, False, False]
    ).drop_duplicates("target")
    rows = rows[rows["target"].ne(rows["current_qb_id"]).fillna(True)]
    return pd.DataFrame(
        {
            "sf_id": rows["owner"].to_numpy(),
            "qb_id": rows["target"].to_numpy(),
            "current_qb_id": rows["current_qb_id"].to_numpy(),
        }
    ).sort_values("sf_id", ignore_index=True)


def account_link_file(
    m: CustomerMatching, config: ClientConfig, sf_clusters: pd.DataFrame
) -> DataLoaderFile:
    """Links to set (`survivor_links`) as a Data Loader update with its rollback file."""
    rows = survivor_links(m, sf_clusters)
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


def _lower_first(text: pd.Series) -> pd.Series:
    """'First rename ...' -> 'first rename ...' (to follow a comma)."""
    return text.str.slice(0, 1).str.lower() + text.str.slice(1)


def _survivor_rename(src: pd.DataFrame, dst: pd.DataFrame) -> pd.DataFrame:
    """Per copy (src's index): `target`, the name to merge it into, and `first`, the steps before
    that ('' when none). QBO merges a record renamed to another's exact DisplayName; when the
    survivor's own name carries a copy tag ('ACME, Inc. (2)'), it first loses the tag and the
    copies are renamed to the clean name, never to 'X (2)'. A copy that holds the clean name
    itself is renamed out of the way first."""
    tagged = dst["tag"].notna().to_numpy(bool) if "tag" in dst else np.zeros(len(dst), bool)
    name = pd.Series(dst["name"].fillna("").astype("string").to_numpy(), index=src.index)
    clean = untagged_names(name).fillna(name).where(tagged, name)
    copy_name = pd.Series(src["name"].astype("string").to_numpy(), index=src.index)
    holds_clean = (fold(copy_name) == fold(clean)).fillna(False).to_numpy(bool) & tagged
    survivor_id = pd.Series(dst["id"].astype("string").to_numpy(), index=src.index)
    first = (
        "rename the survivor '" + name + "' (Id " + survivor_id + ") to '" + clean + "' "
        "to drop its copy tag; then "
    )  # fmt: skip
    aside = "First rename this one to '" + clean + " - merging' (it holds that name); then "
    first = (aside + first).where(holds_clean, "First " + first)
    return pd.DataFrame({"target": clean, "first": first.where(tagged, "")}, index=src.index)


def _merge_how(src: pd.DataFrame, dst: pd.DataFrame) -> pd.Series:
    """What to do with each copy, fitting its state (active or not, holding money or not)."""
    holds = (src["transactions"].fillna(0) > 0) | src["balance_cents"].fillna(0).ne(0)
    active = src["active"].fillna(True).astype(bool)
    rename = _survivor_rename(src, dst)
    first = rename["first"]
    merge = "it to '" + rename["target"] + "' in QBO and confirm the merge"
    how = ("Rename " + merge).where(active, "Make it active, then rename " + merge)
    how = (first + _lower_first(how)).where(first.ne(""), how)
    idle = ~active & ~holds
    unchecked = pd.Series(~transactions_counted(src).to_numpy(), index=src.index)
    how = how.mask(
        idle & unchecked,
        "Nothing to do if it holds no transactions ("
        + TRANSACTIONS_NOT_CHECKED
        + "); if it has some, "
        + _lower_first(first)
        + "make it active, then rename "
        + merge,
    )
    return how.mask(
        idle & ~unchecked,
        "Nothing to do: it is already inactive and holds no transactions or balance",
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
            # Blank when no transaction file was supplied: 0 would claim what was not checked.
            "merge_transactions": src["transactions"]
            .astype("Int64")
            .where(transactions_counted(src).to_numpy()),
            "merge_open_balance": format_cents(src["balance_cents"]),
            "into_id": dst["id"],
            "into_name": dst["name"],
            "currency": src["currency"],
            "score": dup["score"].round(3).to_numpy(),
            "reasons": dup["reasons"].to_numpy(),
            "how": _merge_how(src, dst),
        }
    )
