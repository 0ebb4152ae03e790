"""Duplicate clusters inside one table, without chaining blow-ups.

Plain connected components over "looks like a duplicate" edges chain: A~B and B~C put A and C
together even when A and C clearly differ ("Acme Plumbing" ~ "Acme Plumbing Co" ~ "Acme
Plumbing Denver"). Here every member must itself match its cluster's survivor (the record to
keep): members that do not are split off and clustered again among themselves, in vectorised
rounds across all clusters at once.
The anchor each member must match is the member with the highest domain priority (active,
linked, with transactions: the caller's `priority`); among equals the most central one (the
highest sum of strong-edge scores inside its cluster: "Alicia Reid" rather than a bare "Alicia"
that matches only one of three copies), then the caller's `tiebreak` (untagged, oldest).
The record kept is the anchor, unless the caller's `prefer` names a better member of the same
priority: "Acme Inc" is kept over its sync copy "ACME, Inc. (2)" even when that copy is the one
"Acme Incorporated" matches (the anchor). The output's `central` column holds the centrality,
so a caller can say which rule kept the survivor (customer_duplicates.kept_by).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sfqb_diag.matching.assign import group_ids

Rescore = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, pd.Series]]


def _centrality(label: np.ndarray, el: np.ndarray, er: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per node: the sum of its strong-edge scores to members of its own cluster."""
    inside = label[el] == label[er]
    out = np.bincount(el[inside], weights=w[inside], minlength=len(label))
    return out + np.bincount(er[inside], weights=w[inside], minlength=len(label))


def _survivors(
    label: np.ndarray,
    priority: np.ndarray,
    active: np.ndarray,
    central: np.ndarray | None = None,
    tiebreak: np.ndarray | None = None,
) -> np.ndarray:
    """For each node, the position of its component's best survivor (see module docstring)."""
    n = len(label)
    frame = pd.DataFrame(
        {
            "label": label,
            "priority": priority,
            "central": np.zeros(n) if central is None else np.round(central, 6),
            "tiebreak": np.zeros(n) if tiebreak is None else tiebreak,
            "pos": np.arange(n),
        }
    )[active]
    best = frame.sort_values(
        ["label", "priority", "central", "tiebreak", "pos"],
        ascending=[True, False, False, False, True],
        kind="stable",
    )
    head = best.drop_duplicates("label").set_index("label")["pos"]
    out = np.full(len(label), -1)
    out[active] = head.reindex(label[active]).to_numpy()
    return out


def _rank_pairs(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One number ordering by `first`, then `second` (both higher = better)."""
    frame = pd.DataFrame({"a": np.asarray(first), "b": np.asarray(second)})
    return frame.groupby(["a", "b"], sort=True).ngroup().to_numpy(dtype=np.int64)


def duplicate_clusters(
    n: int,
    edges: pd.DataFrame,
    priority: np.ndarray,
    threshold: float,
    rescore: Rescore,
    max_rounds: int = 6,
    tiebreak: np.ndarray | None = None,
    prefer: np.ndarray | None = None,
) -> pd.DataFrame:
    """Cluster positions 0..n-1 into duplicate groups.

    edges: columns l, r, score (candidate pairs already scored); priority: higher = better
    survivor (linked, more transactions...); rescore(l, r) -> (scores, reasons) for any pairs;
    prefer (optional, higher = better): decides the record kept after priority, without
    changing who belongs to a cluster.
    Returns one row per clustered record: pos, cluster (the survivor's pos), keep (bool),
    score (vs the survivor; 1.0 for the survivor), reasons (vs the survivor) and central (the
    record's centrality inside its final cluster, the rule after `priority`).
    """
    strong = edges[edges["score"] >= threshold]
    el, er = strong["l"].to_numpy(), strong["r"].to_numpy()
    ew = strong["score"].to_numpy(dtype="float64")
    label = group_ids(n, el, er)
    settled = np.zeros(n, dtype=bool)
    for _ in range(max_rounds):
        size = np.bincount(label, minlength=n)[label]
        open_ = (size >= 2) & ~settled
        if not open_.any():
            break
        keep = _survivors(label, priority, open_, _centrality(label, el, er, ew), tiebreak)
        members = np.flatnonzero(open_ & (keep != np.arange(n)))
        scores, _ = rescore(members, keep[members])
        detached = members[scores < threshold]
        settled[open_] = True
        if len(detached) == 0:
            break
        # Detached members leave their cluster and regroup among themselves only.
        settled[detached] = False
        mark = np.zeros(n, dtype=bool)
        mark[detached] = True
        inner = mark[el] & mark[er] & (label[el] == label[er])
        new = group_ids(n, el[inner], er[inner])
        label[detached] = n + new[detached]  # fresh labels, disjoint from the old ones
        label = pd.factorize(label)[0]
    size = (
        np.bincount(label, minlength=label.max() + 1)[label] if n else np.zeros(0, dtype=np.int64)
    )
    grouped = np.flatnonzero(size >= 2)
    central = _centrality(label, el, er, ew)
    # Every member matched the anchor (the round's survivor). The one kept is the best by
    # priority and then `prefer` (untagged before a " (2)" copy of equal standing), then the
    # same order: the anchor itself unless a preferred member of its standing exists.
    ranked = priority if prefer is None else _rank_pairs(priority, prefer)
    keep = _survivors(label, ranked, size >= 2, central, tiebreak)
    out = pd.DataFrame({"pos": grouped, "cluster": keep[grouped]})
    out["central"] = np.round(central[grouped], 6)
    out["keep"] = out["pos"] == out["cluster"]
    others = out[~out["keep"]]
    scores, why = rescore(others["pos"].to_numpy(), others["cluster"].to_numpy())
    out["score"] = 1.0
    out["reasons"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[others.index, "score"] = scores
    out.loc[others.index, "reasons"] = why.to_numpy()
    return out.sort_values(["cluster", "keep", "pos"], ascending=[True, False, True]).reset_index(
        drop=True
    )
