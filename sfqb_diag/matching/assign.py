"""One-to-one assignment of scored pairs, and the runner-up margin that flags ambiguity.

Greedy by mutual best, in vectorised rounds: each round every left record proposes its best
remaining right record and vice versa; pairs that choose each other are fixed and both sides
leave the pool. This equals the greedy "highest score first" matching (ties broken by position,
so runs are reproducible) and, unlike top-1 per side, never gives one customer to two accounts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _best(pairs: pd.DataFrame, side: str) -> pd.Series:
    """Index of the best-scoring pair per value of `side` (ties: lowest other position)."""
    other = "r" if side == "l" else "l"
    ordered = pairs.sort_values(
        [side, "score", other], ascending=[True, False, True], kind="stable"
    )
    return ordered.drop_duplicates(side, keep="first").index.to_series()


def assign_one_to_one(
    pairs: pd.DataFrame, min_score: float = 0.0, max_rounds: int = 50
) -> pd.DataFrame:
    """Choose at most one partner per left and per right record.

    `pairs` needs columns l, r, score. Pairs below `min_score` never take part. Returns the chosen
    rows of `pairs` (same columns, original index).
    """
    pool = pairs[pairs["score"] >= min_score]
    chosen: list[pd.Index] = []
    for _ in range(max_rounds):
        if pool.empty:
            break
        mutual_idx = pd.Index(_best(pool, "l").to_numpy()).intersection(
            pd.Index(_best(pool, "r").to_numpy())
        )
        if mutual_idx.empty:
            break
        chosen.append(mutual_idx)
        taken = pool.loc[mutual_idx]
        pool = pool[~pool["l"].isin(taken["l"]) & ~pool["r"].isin(taken["r"])]
    if not chosen:
        return pairs.iloc[0:0]
    picked = chosen[0].append(chosen[1:]) if len(chosen) > 1 else chosen[0]
    return pairs.loc[picked].sort_values(["l", "r"], kind="stable")


def runner_up(
    pairs: pd.DataFrame, chosen: pd.DataFrame, same_group: pd.Series | None = None
) -> pd.Series:
    """Per chosen pair (indexed like `chosen`): the best score of any OTHER right record for the
    same left record, ignoring right records in the chosen one's group (e.g. its own duplicates).

    `same_group` maps right position -> group id (duplicate cluster); None treats each alone.
    """
    others = pairs.merge(chosen[["l", "r"]].reset_index(), on="l", suffixes=("", "_chosen"))
    others = others[others["r"] != others["r_chosen"]]
    if same_group is not None and not others.empty:
        g = same_group.reindex(others["r"].to_numpy()).to_numpy()
        gc = same_group.reindex(others["r_chosen"].to_numpy()).to_numpy()
        others = others[~(pd.notna(g) & (g == gc))]
    best = others.groupby("index")["score"].max()
    return best.reindex(chosen.index).fillna(0.0).astype("float64")


def group_ids(n: int, edges_l: np.ndarray, edges_r: np.ndarray) -> np.ndarray:
    """Connected components over n nodes by min-label propagation (vectorised; no recursion)."""
    label = np.arange(n)
    if len(edges_l) == 0:
        return label
    while True:
        low = np.minimum(label[edges_l], label[edges_r])
        new = label.copy()
        np.minimum.at(new, edges_l, low)
        np.minimum.at(new, edges_r, low)
        new = new[new]  # pointer jumping: follow labels to their own labels
        if np.array_equal(new, label):
            return label
        label = new
