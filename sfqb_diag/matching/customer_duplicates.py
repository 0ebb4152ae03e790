"""Duplicate customers inside QBO and duplicate accounts inside Salesforce.

Two records are duplicates when they score as one company (same evidence as linking) AND their
currencies agree: QBO fixes a customer's currency forever, so one account legitimately owns one
customer per currency ("Acme" USD and "Acme" EUR are not duplicates).
Survivor (`keep`): QBO - an active customer (inactive ones cannot take transactions), then the
one an account links to, then most transactions, then untagged, then the one the other copies
match best, then oldest; Salesforce - the linked account, else most opportunities, else the one
the others match best, else oldest. `kept_by` names the rules that decided.
Nor are names with different numbers in them ("Store 8" / "Store 9", "Oakmont 82 Water" /
"Oakmont Water": QBO's own " (2)" counters are removed before this). Nor are two locations of a chain: another city, another phone and another street (a rule:
the shared name and website would otherwise outweigh them); nor a similar but not equal name
with another phone and another company domain (a neighbour). Hierarchies are not duplicates: a Salesforce account and its ParentId child ("Acme Inc." and
"Acme Inc. - Plant 2", same phone and website), or any two records of one ParentId chain
(grandchildren, locations), are never paired, and a child is not paired with a copy of its
parent on the shared address or phone alone (its edge is cut before clustering, so chaining
cannot pull it into the parent's duplicate cluster); QBO sub-customers (jobs) are left out before this (customers_parties).
Each side's model is learned on that side's own pairs (u from random pairs of the table with
itself, m by EM on its candidates), so a QBO-only or Salesforce-only folder gets its clusters.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sfqb_diag.config import Thresholds
from sfqb_diag.ids import member
from sfqb_diag.matching.blocking import Blocks, join_blocks
from sfqb_diag.matching.clusters import Rescore, duplicate_clusters
from sfqb_diag.matching.fellegi_sunter import Model
from sfqb_diag.matching.scoring import Comparison, evidence, fit_model, reasons, score
from sfqb_diag.matching.similarity import UNLIKE_NAMES

# A copy tag (" (2)", " - Old", " (deleted)") on one of two same-named records is how people and
# integrations mark a second copy of one company: evidence of duplication.
TAGGED_COPY_BONUS = 1.0


def _rescorer(
    cmp: Comparison, model: Model, threshold: float, with_reasons: bool = True
) -> Rescore:
    """Score (and explain) any pairs of one table: same evidence as linking, currency veto,
    hierarchy veto."""
    related = _related(cmp.left)

    def rescore(li: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, pd.Series]:
        if len(li) == 0:
            return np.array([]), pd.Series([], dtype="string")
        ev = evidence(cmp, pd.DataFrame({"l": li, "r": r}))
        values = _duplicate_scores(cmp, model, ev, related, threshold)
        why = reasons(ev, cmp) if with_reasons else pd.Series(pd.NA, index=ev.index, dtype="string")
        return values, why

    return rescore


def _duplicate_scores(
    cmp: Comparison,
    model: Model,
    ev: pd.DataFrame,
    related: Callable[[np.ndarray, np.ndarray], np.ndarray],
    threshold: float,
) -> np.ndarray:
    """Duplicate probability of evidence rows: `_pair_scores`, and 0 for a child paired with a
    duplicate of its parent on the shared address or phone alone (`_parents_copy`)."""
    values = _pair_scores(cmp, model, ev, related)
    values[_parents_copy(cmp, model, ev, related, threshold)] = 0.0
    return values


def _parents_copy(
    cmp: Comparison,
    model: Model,
    ev: pd.DataFrame,
    related: Callable[[np.ndarray, np.ndarray], np.ndarray],
    threshold: float,
) -> np.ndarray:
    """True where one record of the pair is a ParentId child and the other a duplicate of that
    child's parent, and the names do not agree (88+): a plant or branch bills from its parent's
    address and phone, so those alone say "the parent's company", not "this record twice"
    ("Acme Inc. - Plant 2" beside "ACME, Inc", the parent's copy)."""
    parent = _parent_positions(cmp.left)
    li, r = ev["l"].to_numpy(), ev["r"].to_numpy()
    weak_name = ~np.isin(ev["lv_name"].to_numpy(), (0, 1, 2))
    out = np.zeros(len(ev), dtype=bool)
    for child, other in ((li, r), (r, li)):
        ask = np.flatnonzero(weak_name & (parent[child] >= 0) & (parent[child] != other))
        if len(ask) == 0:
            continue
        pairs = pd.DataFrame({"l": parent[child[ask]], "r": other[ask]})
        copy_of_parent = _pair_scores(cmp, model, evidence(cmp, pairs), related) >= threshold
        out[ask[copy_of_parent]] = True
    return out


def _pair_scores(
    cmp: Comparison,
    model: Model,
    ev: pd.DataFrame,
    related: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Duplicate probability of evidence rows: the learned score, a tagged-copy bonus, rules."""
    li, r = ev["l"].to_numpy(), ev["r"].to_numpy()
    tagged = cmp.left["tag"].notna().to_numpy()
    copy = (ev["sim"].to_numpy() >= 100) & (tagged[li] | tagged[r])
    values = score(model, ev, TAGGED_COPY_BONUS * copy)
    # Rules, not evidence: another currency (QBO fixes it forever) or a hierarchy (parent
    # and child, two children of one parent) is never a duplicate, however alike.
    rules = ev["currency_diff"].to_numpy(bool) | related(li, r) | _elsewhere(ev)
    values[rules | ev["numbers_diff"].to_numpy(bool) | _household(ev)] = 0.0
    return values


def _household(ev: pd.DataFrame) -> np.ndarray:
    """Names not alike (below UNLIKE_NAMES, neither containing the other, not through an alias)
    AND each record its own email address: two people of one household or two companies at one
    address ("Jane Doe" and "John Doe" at 5 Elm Rd), never one customer entered twice. Merging
    them in QBO cannot be undone."""
    unlike = (
        (ev["sim"].to_numpy() < UNLIKE_NAMES)
        & ~ev["subset"].to_numpy(bool)
        & ~ev["via_alias"].to_numpy(bool)
    )
    return np.asarray(unlike & ev["email_diff"].to_numpy(bool), dtype=bool)


def _rank(*keys: np.ndarray) -> np.ndarray:
    """A single priority number from keys, most important first (higher = better survivor);
    records equal on every key get the same number (so the clusterer can break the tie)."""
    frame = pd.DataFrame({f"k{i}": np.asarray(k) for i, k in enumerate(keys)})
    if frame.empty:
        return np.zeros(0, dtype=np.int64)
    return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy(dtype=np.int64)


def _elsewhere(ev: pd.DataFrame) -> np.ndarray:
    """Another city AND another phone AND another street: another location of a chain (a
    franchise shares the name and the website), not a second record of the same one."""
    city = ev["lv_place"].to_numpy() == 6  # nothing of the place agrees
    phone = ev["phone_diff"].to_numpy(bool)
    street = ev["lv_street"].to_numpy() == 4
    # A similar (not the same) name nearby with another phone AND another company domain: a
    # neighbour ("Greystone Health" / "Keystone Health"), not a copy.
    neighbour = (ev["sim"].to_numpy() < 95) & phone & ev["domain_diff"].to_numpy(bool)
    return np.asarray(city & phone & street | neighbour, dtype=bool)


def _parent_positions(parties: pd.DataFrame) -> np.ndarray:
    """Per record: the position of its ParentId parent in the same table, -1 when it has none
    there (no parent, or a parent outside the export)."""
    if "parent_id" not in parties:
        return np.full(len(parties), -1, dtype=np.int64)
    index = pd.Index(parties["id"].astype("string"))
    found = index.get_indexer(parties["parent_id"].astype("string"))
    return np.where(found == np.arange(len(parties)), -1, found).astype(np.int64)


# ParentId chains deeper than this are cut (Salesforce allows 2,000 levels in theory; pointer
# jumping halves the remaining depth each step, so 2**24 levels are followed).
_MAX_JUMPS = 24


def hierarchy_roots(parties: pd.DataFrame) -> np.ndarray:
    """Per record: an integer naming its hierarchy (the top of its ParentId chain, or the
    top's parent when that account is not in the export); equal values = one hierarchy."""
    n = len(parties)
    if "parent_id" not in parties or n == 0:
        return np.arange(n, dtype=np.int64)
    parent = _parent_positions(parties)
    top = np.where(parent >= 0, parent, np.arange(n))
    for _ in range(_MAX_JUMPS):
        nxt = top[top]
        if np.array_equal(nxt, top):
            break
        top = nxt
    ids = parties["id"].astype("string").to_numpy(dtype=object)
    outside = parties["parent_id"].astype("string").to_numpy(dtype=object, na_value=None)
    name = np.where(pd.notna(outside[top]) & (parent[top] < 0), outside[top], ids[top])
    return pd.factorize(pd.Series(name, dtype="string"))[0].astype(np.int64)


def _related(parties: pd.DataFrame) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """(l, r) -> True where both belong to one hierarchy: parent and child, grandchild, two
    children of one parent (locations), along the whole ParentId chain."""
    if "parent_id" not in parties or parties["parent_id"].isna().all():
        return lambda li, r: np.zeros(len(li), dtype=bool)
    root = hierarchy_roots(parties)
    return lambda li, r: np.asarray(root[li] == root[r], dtype=bool)


def _clusters(
    cmp: Comparison,
    pairs: pd.DataFrame,
    priority: np.ndarray,
    threshold: float,
    tiebreak: np.ndarray | None = None,
    prefer: np.ndarray | None = None,
) -> pd.DataFrame:
    parties = cmp.left
    ev = evidence(cmp, pairs)  # once: for training and for the edges
    model = fit_model(cmp, ev, same=True)
    rescore = _rescorer(cmp, model, threshold)
    # Edges inside a hierarchy, or from a child to its parent's copy, are cut before clustering:
    # chaining through them would pull the child into its parent's duplicate cluster.
    edges = pairs.assign(score=_duplicate_scores(cmp, model, ev, _related(parties), threshold))
    found = duplicate_clusters(
        len(parties), edges, priority, threshold, rescore, tiebreak=tiebreak, prefer=prefer
    )
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


def kept_by(found: pd.DataFrame, keys: list[tuple[str, np.ndarray]]) -> pd.Series:
    """Per clustered row (found's index): for a survivor, the rules of the keep order that chose
    it over the other members, as codes in that order ("untagged central"); NA for the others.

    `keys` are the keep order's (name, per-position value, higher = better) before and after
    centrality ("central" takes found's own column): against each member the rule is the first
    key on which the survivor is ahead; a survivor ahead of no one on any key ("position") was
    first in the table among records alike in every way."""
    members = found[~found["keep"].to_numpy(bool)]
    pos, kept = members["pos"].to_numpy(), members["cluster"].to_numpy()
    central = pd.Series(found["central"].to_numpy(), index=found["pos"].to_numpy())
    names, ahead = [], []
    for name, values in keys:  # a handful of keys, each a vectorised comparison
        per_pos = central if name == "central" else pd.Series(np.asarray(values, dtype="float64"))
        names.append(name)
        ahead.append(per_pos.reindex(kept).to_numpy() > per_pos.reindex(pos).to_numpy())
    ahead_of = np.column_stack(ahead) if ahead else np.zeros((len(members), 0), dtype=bool)
    decided = ahead_of.any(axis=1)
    first = np.where(decided, ahead_of.argmax(axis=1), len(names))
    codes = np.array([*names, "position"], dtype=object)
    chosen = pd.DataFrame({"cluster": kept, "rule": first})
    used = chosen.drop_duplicates().sort_values(["cluster", "rule"])
    used["code"] = codes[used["rule"].to_numpy()]
    per_cluster = used.groupby("cluster", sort=False)["code"].agg(" ".join)
    out = pd.Series(pd.NA, index=found.index, dtype="string")
    survivors = found["keep"].to_numpy(bool)
    out[survivors] = per_cluster.reindex(found.loc[survivors, "pos"].to_numpy()).to_numpy()
    return out


def customer_duplicates(cmp: Comparison, blocks: Blocks, thresholds: Thresholds) -> pd.DataFrame:
    """Clusters of non-job QBO customers: pos, id, cluster, cluster_id, keep, score, reasons,
    kept_by (for the survivor: the rules that kept it, `kept_by`).

    `cmp`/`blocks` are the linking ones (accounts = left, customers = right), reused.
    Keep order: active, linked, most transactions, untagged (a name tagged " (2)" is the copy a
    sync or person made: it never survives an untagged record the rules above do not prefer),
    then the record the others match best, then oldest, then the lowest Id. Who belongs to a
    cluster is decided without `untagged` (every member matches the anchor: clusters.py), so
    preferring the original never splits a cluster.
    """
    accounts, customers = cmp.left, cmp.right
    linked = member(customers["id"], accounts["current_qb_id"]).to_numpy()
    # QBO Ids are text ("=1+1" and "1.0" happen): non-numeric ones rank last.
    numeric = pd.to_numeric(customers["id"], errors="coerce").astype("float64")
    numeric_id = -numeric.fillna(np.inf).to_numpy()
    active = customers["active"].to_numpy()
    transactions = customers["transactions"].to_numpy()
    untagged = customers["tag"].isna().to_numpy()
    created = _created(customers)
    priority = _rank(active, linked, transactions)
    tiebreak = _rank(untagged, created, numeric_id)
    found = _clusters(
        cmp.within("right"),
        join_blocks(blocks, "rr"),
        priority,
        float(thresholds.duplicate_review),
        tiebreak,
        prefer=untagged,
    )
    keys = [
        ("active", active),
        ("linked", linked),
        ("transactions", transactions),
        ("untagged", untagged),
        ("central", np.zeros(0)),
        ("oldest", created),
        ("id", numeric_id),
    ]
    return found.assign(kept_by=kept_by(found, keys))


def account_duplicates(cmp: Comparison, blocks: Blocks, thresholds: Thresholds) -> pd.DataFrame:
    """Clusters of live Salesforce accounts: pos, id, cluster, cluster_id, keep, score, reasons,
    kept_by. Keep order: linked, most opportunities, the record the others match best, oldest,
    first in the export."""
    accounts = cmp.left
    linked = accounts["current_qb_id"].notna().to_numpy()
    opportunities = accounts["opportunities"].to_numpy()
    created = _created(accounts)
    priority = _rank(linked, opportunities)
    tiebreak = _rank(created, -np.arange(len(accounts)))
    found = _clusters(
        cmp.within("left"),
        join_blocks(blocks, "ll"),
        priority,
        float(thresholds.duplicate_review),
        tiebreak,
    )
    keys = [
        ("linked", linked),
        ("opportunities", opportunities),
        ("central", np.zeros(0)),
        ("oldest", created),
    ]
    return found.assign(kept_by=kept_by(found, keys))


def cluster_table(
    found: pd.DataFrame, survivor_reason: pd.Series, names: pd.Series | None = None
) -> pd.DataFrame:
    """matches/*_duplicates.csv: cluster_id, id, keep, reasons (survivor: why it is kept), then
    `name` (the record's name by position in its party table, so a reader needs no lookup)."""
    why = found["reasons"].astype("string")
    why = why.mask(
        found["keep"].to_numpy(), survivor_reason.reindex(found["pos"].to_numpy()).to_numpy()
    )
    table = pd.DataFrame(
        {
            "cluster_id": found["cluster_id"].astype("string"),
            "id": found["id"].astype("string"),
            "keep": found["keep"].astype(bool),
            "reasons": why.to_numpy(),
        }
    )
    if names is not None:
        table["name"] = pd.Series(
            names.to_numpy(dtype=object)[found["pos"].to_numpy(dtype=int)], dtype="string"
        ).to_numpy()
    return table
