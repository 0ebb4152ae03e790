"""Name similarity of candidate pairs with rapidfuzz, computed once per distinct pair of names.

Scorer choice (0-100):
- `fuzz.ratio` and `fuzz.token_sort_ratio` (the better of the two): typos and word order.
- NOT `token_set_ratio` as evidence: it scores any subset 100, so "Acme Plumbing" would equal
  "Acme Plumbing Denver" (a franchise location, another customer). Containment is reported as its
  own feature (`subset`) so the scorer can treat it as the weak, location-prone signal it is.
- NOT `WRatio`: its partial-ratio branch ties many unrelated short names at 90.
Names are integer codes into one vocabulary shared by both tables; each distinct (code, code)
pair is scored once with `process.cpdist` (element-wise, in C, on all cores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

# Names less alike than this (the comparison's lowest "similar" band) leave a link or a merge to
# a person: at one address the other evidence cannot tell a relative ("Olivia Shepherd" /
# "Connor Shepherd") or a sister company from the same party, however strong it is.
UNLIKE_NAMES = 80


def name_vocabulary(*columns: pd.Series) -> tuple[np.ndarray, list[np.ndarray]]:
    """One vocabulary for several name columns: (strings, one code array per column; -1 = NA)."""
    values = np.concatenate(
        [c.astype("string").to_numpy(dtype=object, na_value=None) for c in columns]
    )
    codes, vocab = pd.factorize(values, use_na_sentinel=True)
    out, start = [], 0
    for column in columns:
        out.append(codes[start : start + len(column)])
        start += len(column)
    return np.asarray(vocab, dtype=object), out


def code_pair_scores(
    vocab: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(sim 0-100, subset) for aligned code arrays; 0/False where either code is -1."""
    sim = np.zeros(len(a), dtype="float64")
    subset = np.zeros(len(a), dtype=bool)
    valid = (a >= 0) & (b >= 0)
    if not valid.any():
        return sim, subset
    width = np.int64(len(vocab) + 1)
    packed = a[valid].astype(np.int64) * width + b[valid].astype(np.int64)
    distinct, inverse = np.unique(packed, return_inverse=True)
    left, right = vocab[distinct // width].tolist(), vocab[distinct % width].tolist()
    best = np.maximum(
        process.cpdist(left, right, scorer=fuzz.ratio, workers=-1),
        process.cpdist(left, right, scorer=fuzz.token_sort_ratio, workers=-1),
    ).astype("float64")
    # Containment only matters where the names are close but not equal.
    differ = (distinct // width) != (distinct % width)
    maybe = np.flatnonzero(differ & (best >= 50) & (best < 100))
    contained = np.zeros(len(distinct), dtype=bool)
    if len(maybe):
        contained[maybe] = (
            process.cpdist(
                [left[i] for i in maybe],
                [right[i] for i in maybe],
                scorer=fuzz.token_set_ratio,
                workers=-1,
            )
            >= 100
        )
    sim[valid] = best[inverse]
    subset[valid] = (contained & differ)[inverse]
    return sim, subset


def pair_scores(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """Element-wise name scores for two aligned Series of normalised names: `sim`, `subset`."""
    vocab, (ca, cb) = name_vocabulary(a, b)
    sim, subset = code_pair_scores(vocab, ca, cb)
    return pd.DataFrame({"sim": sim, "subset": subset}, index=a.index)


def best_name_scores(
    vocab: np.ndarray,
    left: dict[str, np.ndarray],
    right: dict[str, np.ndarray],
    li: np.ndarray,
    r: np.ndarray,
) -> pd.DataFrame:
    """Best score over (core, alias) x (core, alias) for position pairs (li, r): left and right positions.

    `left`/`right` map "core"/"alias" to code arrays into `vocab` (name_vocabulary). A DBA name on
    either side may be what the other system holds ("Smith Mfg dba Smithy Tools" vs "Smithy
    Tools"). Returns `sim`, `subset` and `via_alias` (the best score used an alias).
    """
    best, subset = code_pair_scores(vocab, left["core"][li], right["core"][r])
    via_alias = np.zeros(len(best), dtype=bool)
    for lc, rc in (("alias", "core"), ("core", "alias"), ("alias", "alias")):
        a, b = left[lc][li], right[rc][r]
        has = (a >= 0) & (b >= 0)
        if not has.any():
            continue
        sim, sub = code_pair_scores(vocab, a[has], b[has])
        better = sim > best[has]
        idx = np.flatnonzero(has)[better]
        best[idx], subset[idx], via_alias[idx] = sim[better], sub[better], True
    return pd.DataFrame({"sim": best, "subset": subset, "via_alias": via_alias})
