"""Duplicate customers inside QBO and duplicate accounts inside Salesforce.

Two records are duplicates when they score as one company (same evidence as linking) AND their
currencies agree: QBO fixes a customer's currency forever, so one account legitimately owns one
customer per currency ("Acme" USD and "Acme" EUR are not duplicates).
Survivor (`keep`): QBO - an active customer (inactive ones cannot take transactions), then the
one an account links to, then most transactions, then untagged, then oldest; Salesforce - the linked account, else most opportunities, else oldest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.config import Thresholds
from sfqb_diag.matching.blocking import Blocks, join_blocks
from sfqb_diag.matching.clusters import Rescore, duplicate_clusters
from sfqb_diag.matching.scoring import Comparison, evidence, reasons, score

CURRENCY_VETO = 8.0  # log-odds: different currencies are never duplicates
# A copy tag (" (2)", " - Old", " (deleted)") on one of two same-named records is how people and
# integrations mark a second copy of one company: evidence of duplication.
TAGGED_COPY_BONUS = 1.0


def _rescorer(cmp: Comparison, with_reasons: bool = True) -> Rescore:
    """Score (and explain) any pairs of one table: same evidence as linking, currency veto."""

    def rescore(li: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, pd.Series]:
        if len(li) == 0:
            return np.array([]), pd.Series([], dtype="string")
        ev = evidence(cmp, pd.DataFrame({"l": li, "r": r}))
        tagged = cmp.left["tag"].notna().to_numpy()
        copy = (ev["sim"].to_numpy() >= 100) & (tagged[li] | tagged[r])
        values = score(
            ev, TAGGED_COPY_BONUS * copy - CURRENCY_VETO * ev["currency_diff"].to_numpy()
        )
        why = reasons(ev, cmp) if with_reasons else pd.Series(pd.NA, index=ev.index, dtype="string")
        return values, why

    return rescore


def _rank(*keys: np.ndarray) -> np.ndarray:
    """A single priority number from keys, most important first (higher = better survivor)."""
    order = np.lexsort(tuple(reversed(keys)))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _clusters(
    cmp: Comparison, pairs: pd.DataFrame, priority: np.ndarray, threshold: float
) -> pd.DataFrame:
    parties = cmp.left
    rescore = _rescorer(cmp)
    values, _ = _rescorer(cmp, with_reasons=False)(pairs["l"].to_numpy(), pairs["r"].to_numpy())
    edges = pairs.assign(score=values)
    found = duplicate_clusters(len(parties), edges, priority, threshold, rescore)
    found["id"] = parties["id"].to_numpy()[found["pos"].to_numpy()]
    found["cluster_id"] = parties["id"].to_numpy()[found["cluster"].to_numpy()]
    return found


def _created(parties: pd.DataFrame) -> np.ndarray:
    """Older first: minus seconds since the epoch (unknown = newest)."""
    if "created" not in parties:
        return np.zeros(len(parties))
    ts = pd.to_datetime(parties["created"], utc=True, errors="coerce")
    # Microseconds: a created date up to 4000-12-31 (Salesforce's maximum) overflows nanoseconds.
    seconds = (ts.dt.as_unit("us") - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()
    return -seconds.fillna(np.inf).to_numpy(dtype="float64")


def customer_duplicates(cmp: Comparison, blocks: Blocks, thresholds: Thresholds) -> pd.DataFrame:
    """Clusters of non-job QBO customers: pos, id, cluster, cluster_id, keep, score, reasons.

    `cmp`/`blocks` are the linking ones (accounts = left, customers = right), reused.
    """
    accounts, customers = cmp.left, cmp.right
    linked = customers["id"].isin(set(accounts["current_qb_id"].dropna())).to_numpy()
    # QBO Ids are text ("=1+1" and "1.0" happen): non-numeric ones rank last.
    numeric = pd.to_numeric(customers["id"], errors="coerce").astype("float64")
    numeric_id = -numeric.fillna(np.inf).to_numpy()
    priority = _rank(
        customers["active"].to_numpy(),
        linked,
        customers["transactions"].to_numpy(),
        customers["tag"].isna().to_numpy(),
        _created(customers),
        numeric_id,
    )
    return _clusters(
        cmp.within("right"), join_blocks(blocks, "rr"), priority, float(thresholds.match_auto)
    )


def account_duplicates(cmp: Comparison, blocks: Blocks, thresholds: Thresholds) -> pd.DataFrame:
    """Clusters of live Salesforce accounts: pos, id, cluster, cluster_id, keep, score, reasons."""
    accounts = cmp.left
    linked = accounts["current_qb_id"].notna().to_numpy()
    priority = _rank(
        linked, accounts["opportunities"].to_numpy(), _created(accounts), -np.arange(len(accounts))
    )
    return _clusters(
        cmp.within("left"), join_blocks(blocks, "ll"), priority, float(thresholds.match_auto)
    )


def cluster_table(found: pd.DataFrame, survivor_reason: pd.Series) -> pd.DataFrame:
    """matches/*_duplicates.csv: cluster_id, id, keep, reasons (survivor: why it is kept)."""
    why = found["reasons"].astype("string")
    why = why.mask(
        found["keep"].to_numpy(), survivor_reason.reindex(found["pos"].to_numpy()).to_numpy()
    )
    return pd.DataFrame(
        {
            "cluster_id": found["cluster_id"].astype("string"),
            "id": found["id"].astype("string"),
            "keep": found["keep"].astype(bool),
            "reasons": why.to_numpy(),
        }
    )
