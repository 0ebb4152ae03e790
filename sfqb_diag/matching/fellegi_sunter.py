"""An unsupervised Fellegi-Sunter model: evidence weights learned from the data at hand.

For each field and comparison level (comparisons.py) two probabilities:
  m = P(level | the two records are one entity)   u = P(level | they are not)
and the level's match weight is log2(m / u) (splink's convention: bits of evidence). A pair's
weight is the prior's log2 odds plus the sum over fields, and its probability is the logistic of
that, with a readable contribution per field (`Model.contributions`, the waterfall). Missing
values (level -1) contribute nothing. No field is a gate: a weak name is outweighed by agreeing
street, postal code and city; an equal name by another city and phone.

How the probabilities are found without labels (`fit_sessions`, as splink trains):
- u from random pairs: two records drawn at random are almost never one entity, so how often
  they agree on a level is u.
- m by expectation-maximisation on the blocked candidates, in sessions: pairs found by name keys
  train the address and contact fields, pairs found by address keys train the name (a field the
  session's blocking touches agrees for matches and non-matches alike, so it is left out of that
  E-step). Pairs are grouped by level pattern first: an iteration costs the distinct patterns.
  m is shrunk towards each level's starting value by `prior_pairs` pseudo-pairs.
- the prior: EM's expected matches among the candidates (m and u held) over all possible pairs.
- on 1,000+ candidates, one more EM over all of them with the candidates' own non-match u
  (Winkler's EM: neighbours sharing a postal code are not random pairs), from the sessions'
  start, kept only while it keeps the sessions' confident matches; then the prior is the share
  of matches among the candidates. Left to itself from the starting values this EM can settle on
  another class ("same city"): that is why it is only a refinement.
- term frequencies: agreeing exactly on a common value ("Smith", "Sydney") is weaker evidence
  than on a rare one; for fields with a `tf` column the exact level's weight is adjusted by
  log2(u_exact / tf), tf being the chance that another record carries that value (splink's
  term-frequency adjustment).
`fit` is the plain variant (EM with u refined on the candidates from the start, the share
optionally capped), used for products where one-to-one bounds the share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sfqb_diag.matching.comparisons import FieldSpec

LN2 = float(np.log(2.0))
# Candidates needed before their own non-match u is estimated (fewer: random-pair u is kept).
MIN_REFINE = 1000
MAX_DRIFT = 0.2  # new matches the refinement may add, as a share of the sessions' matches...
MAX_LOST = 0.02  # ...and the share of them it may drop, before it is not used


@dataclass
class Model:
    """Fitted m/u per field level, the prior (of a random pair), and fit facts."""

    fields: tuple[FieldSpec, ...]
    m: list[np.ndarray]
    u: list[np.ndarray]
    prior: float  # share of matches among the candidate pairs
    u_random: list[np.ndarray] = field(default_factory=list, repr=False)  # u of random pairs
    iterations: int = 0
    converged: bool = False
    history: list[float] = field(default_factory=list, repr=False)  # prior per iteration
    # The rarest a value can look in the tables the model was fitted on (seen on no other
    # record: one in n - 1); 0 = unknown. See pair_weights.
    tf_floor: float = 0.0

    def weights(self) -> list[np.ndarray]:
        """log2(m/u) per field and level. Agreeing exactly is never evidence against, and the
        "different" level never evidence for: a level the data hardly holds (every record in
        one country) cannot turn a contradiction into support."""
        out = []
        for m, u in zip(self.m, self.u, strict=True):
            w = np.log2(m / u)
            w[0], w[-1] = max(w[0], 0.0), min(w[-1], 0.0)
            out.append(w)
        return out

    def weight_of(self, field_name: str, level: str) -> float:
        """The match weight (bits) of one field's level, e.g. ('currency', 'different')."""
        j = [f.name for f in self.fields].index(field_name)
        return float(self.weights()[j][self.fields[j].labels.index(level)])

    def pair_weights(self, levels: np.ndarray, tf: pd.DataFrame | None = None) -> np.ndarray:
        """Per pair and field: the match weight in bits (0 where missing), tf-adjusted."""
        out = np.zeros(levels.shape, dtype="float64")
        for j, w in enumerate(self.weights()):
            lv = levels[:, j]
            known = lv >= 0
            out[known, j] = w[lv[known]]
            column = self.fields[j].tf
            if tf is not None and column is not None and column in tf and self.u_random:
                # splink's adjustment: exact agreement on a value as rare (common) as `freq`
                # weighs log2(u_exact / freq) more (less) than exact agreement on average.
                exact = lv == 0
                freq = np.maximum(tf[column].to_numpy(dtype="float64")[exact], 1e-9)
                adjust = np.log2(self.u_random[j][0] / freq)
                # A value no other record carries is as rare as these tables can show; in a
                # small folder that floor (one in n - 1) is above the average u, and the
                # adjustment would call a unique name common. Such values lose nothing.
                rare = freq <= self.tf_floor * (1 + 1e-9)
                adjust = np.where(rare, np.maximum(adjust, 0.0), adjust)
                out[exact, j] += adjust
        return out

    def logit(self, levels: np.ndarray, tf: pd.DataFrame | None = None) -> np.ndarray:
        """Natural-log odds that each pair is one entity."""
        prior = np.log(self.prior / (1 - self.prior))
        return prior + LN2 * self.pair_weights(levels, tf).sum(axis=1)

    def probability(
        self, levels: np.ndarray, tf: pd.DataFrame | None = None, extra: np.ndarray | None = None
    ) -> np.ndarray:
        """P(one entity) per pair; `extra` adds rule-based natural-log odds (domain rules)."""
        # The evidence is clipped to +-25 nats before the rules are added: beyond that every pair
        # would round to 1.0 and a rule (an inactive copy loses) could no longer rank two pairs.
        logit = np.clip(self.logit(levels, tf), -25, 25) + (0.0 if extra is None else extra)
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -35, 35)))

    def contributions(
        self, levels: np.ndarray, tf: pd.DataFrame | None = None, extra: float = 0.0
    ) -> pd.DataFrame:
        """One pair's waterfall: field, level, m, u, bayes_factor, match_weight (bits), and the
        running total; the first row is the prior, a last row the rules (when non-zero)."""
        row = levels.reshape(1, -1)
        bits = self.pair_weights(row, tf)[0]
        rows = [("prior", "", np.nan, np.nan, self.prior / (1 - self.prior))]
        for j, spec in enumerate(self.fields):
            lv = int(row[0, j])
            if lv < 0:
                rows.append((spec.name, "missing", np.nan, np.nan, 1.0))
                continue
            u = 2.0 ** (np.log2(self.m[j][lv]) - bits[j])  # tf-adjusted u where it applies
            rows.append((spec.name, spec.labels[lv], self.m[j][lv], u, 2.0 ** bits[j]))
        if extra:
            rows.append(("rules", "domain rules", np.nan, np.nan, float(np.exp(extra))))
        out = pd.DataFrame(rows, columns=["field", "level", "m", "u", "bayes_factor"])
        out["match_weight"] = np.log2(out["bayes_factor"])
        out["cumulative"] = out["match_weight"].cumsum()
        out["probability"] = 1.0 / (1.0 + 2.0 ** (-out["cumulative"]))
        return out


def waterfalls(
    model: Model, levels: np.ndarray, tf: pd.DataFrame | None, rules_logit: np.ndarray
) -> pd.DataFrame:
    """Every pair's waterfall at once (long: one row per pair and step): step 0 the prior, one
    step per field (its level's label, '' when missing), a last step the domain rules (natural-log
    odds from the caller). Columns pair, step, field, level, match_weight (bits), probability
    (after the step). The running total is clipped as `probability` clips the evidence."""
    n, k = levels.shape
    bits = model.pair_weights(levels, tf) if n else np.zeros((0, k))
    prior_bits = np.log2(model.prior / (1 - model.prior))
    rules_bits = np.asarray(rules_logit, dtype="float64") / LN2
    steps = np.column_stack([np.full(n, prior_bits), bits, rules_bits])
    clip = 25 / LN2  # +-25 nats of evidence, as in `probability`
    running = np.cumsum(steps, axis=1)
    running[:, 1:-1] = np.clip(running[:, 1:-1], -clip, clip)
    running[:, -1] = np.clip(running[:, -2], -clip, clip) + rules_bits
    labels = [np.array([*spec.labels, ""], dtype=object) for spec in model.fields]
    level_text = np.column_stack(
        [np.full(n, "", dtype=object)]
        + [labels[j][levels[:, j]] for j in range(k)]
        + [np.full(n, "", dtype=object)]
    )
    names = np.array(["prior", *[spec.name for spec in model.fields], "rules"], dtype=object)
    return pd.DataFrame(
        {
            "pair": np.repeat(np.arange(n), k + 2),
            "step": np.tile(np.arange(k + 2), n),
            "field": np.tile(names, n),
            "level": level_text.ravel(),
            "match_weight": steps.ravel(),
            "probability": (1.0 / (1.0 + 2.0 ** (-np.clip(running, -60, 60)))).ravel(),
        }
    )


def _patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct level rows and how many pairs carry each (EM works on patterns)."""
    if len(levels) == 0:
        return levels, np.zeros(0)
    shifted = levels.astype(np.int64) + 1  # 0 = missing, < 16 levels per field
    packed = np.zeros(len(levels), dtype=np.int64)
    for j in range(levels.shape[1]):
        packed = packed * 16 + shifted[:, j]
    _, first, counts = np.unique(packed, return_index=True, return_counts=True)
    return levels[first], counts.astype("float64")


def level_shares(
    fields: tuple[FieldSpec, ...], levels: np.ndarray, weight: np.ndarray | None = None
) -> list[np.ndarray]:
    """Per field: the (weighted, smoothed) share of non-missing pairs at each level."""
    w = np.ones(len(levels)) if weight is None else weight
    out = []
    for j, spec in enumerate(fields):
        lv = levels[:, j]
        known = lv >= 0
        counts = np.bincount(lv[known], weights=w[known], minlength=len(spec.labels))
        out.append(_smoothed(counts))
    return out


def _smoothed(counts: np.ndarray) -> np.ndarray:
    """Shares per level with half a pair added to each (no level's share is ever 0)."""
    return (counts + 0.5) / (counts.sum() + 0.5 * len(counts))


def random_non_match_shares(
    fields: tuple[FieldSpec, ...], random: np.ndarray, match_share: float
) -> list[np.ndarray]:
    """u from random pairs, less the matches a random pair may itself be.

    Among n x m records at most min(n, m) pairs are one entity, so a random pair is a match with
    chance up to `match_share` = min(n, m) / (n x m). At scale that is nothing (100k x 80k:
    0.001 %) and splink ignores it; on a small folder (two accounts, two customers) it is half the
    sample, the true pairs make "same name" look common among non-matches, and an exact name
    with the same city would score as chance. Those expected matches, spread over the levels as
    `m_start` spreads them, are taken out of the counts before smoothing.
    """
    expected = len(random) * min(max(match_share, 0.0), 1.0)
    out = []
    for j, spec in enumerate(fields):
        lv = random[:, j]
        counts = np.bincount(lv[lv >= 0], minlength=len(spec.labels)).astype("float64")
        known = counts.sum()
        m = np.asarray(spec.m_start, dtype="float64") / np.sum(spec.m_start)
        # Missing values say nothing of the pair: remove matches in proportion to the known share.
        removed = expected * (known / max(len(random), 1)) * m
        out.append(_smoothed(np.maximum(counts - removed, 0.0)))
    return out


def fit(
    fields: tuple[FieldSpec, ...],
    candidates: np.ndarray,
    random: np.ndarray,
    prior_pairs: float = 10.0,
    max_iter: int = 200,
    tol: float = 1e-5,
    max_share: float = 0.999,
) -> Model:
    """Estimate u from `random` pair levels, then m, the candidates' non-match u and the share
    of matches among the candidates by EM on `candidates` (see the module docstring).

    `max_share` caps that share where the task bounds it: linking one-to-one, at most one
    match per record of the smaller side (min(n_left, n_right) / candidates)."""
    m_start = [np.asarray(f.m_start, dtype="float64") for f in fields]
    u_random = level_shares(fields, random)
    model = _em(
        fields,
        candidates,
        m_start,
        u_random,
        prior_pairs,
        max_iter,
        tol,
        prior=min(0.1, max_share / 2),
        free_u=True,
        max_share=max_share,
    )
    model.u_random = u_random
    return model


def _em(
    fields: tuple[FieldSpec, ...],
    candidates: np.ndarray,
    m_init: list[np.ndarray],
    u: list[np.ndarray],
    prior_pairs: float,
    max_iter: int,
    tol: float,
    prior: float = 0.1,
    free_u: bool = False,
    max_share: float = 0.999,
    fix_share: bool = False,
) -> Model:
    patterns, counts = _patterns(candidates)
    m = [x / x.sum() for x in m_init]
    starts = [np.asarray(f.m_start, dtype="float64") for f in fields]
    u_start = [x.copy() for x in u]
    model = Model(fields, m, [x.copy() for x in u], prior)
    if counts.sum() == 0:
        return model
    for it in range(1, max_iter + 1):
        p = model.probability(patterns)
        w = p * counts
        new_prior = float(np.clip(w.sum() / counts.sum(), 1e-6, min(max_share, 0.999)))
        if fix_share:
            new_prior = model.prior
        new_m = []
        for j, spec in enumerate(fields):
            lv = patterns[:, j]
            known = lv >= 0
            got = np.bincount(lv[known], weights=w[known], minlength=len(spec.labels))
            shrunk = got + prior_pairs * starts[j]
            new_m.append(np.maximum(shrunk / shrunk.sum(), 1e-9))
            if free_u:
                rest = np.bincount(
                    lv[known], weights=(counts - w)[known], minlength=len(spec.labels)
                ).astype("float64")
                smoothed = rest + prior_pairs * u_start[j]
                model.u[j] = np.maximum(smoothed / smoothed.sum(), 1e-9)
        delta = max(
            abs(new_prior - model.prior),
            max(float(np.abs(a - b).max()) for a, b in zip(new_m, model.m, strict=True)),
        )
        model.m, model.prior = new_m, new_prior
        model.history.append(new_prior)
        model.iterations = it
        if delta < tol:
            model.converged = True
            break
    return model


def random_pairs(
    n_left: int, n_right: int, k: int, same: bool, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Up to `k` distinct random (l, r) position pairs; every pair when there are fewer.

    With `same` the table is paired with itself and l < r. Seeded: the same data gives the same
    estimates on every run.
    """
    total = n_left * (n_left - 1) // 2 if same else n_left * n_right
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if total <= k:
        if same:
            li, r = np.triu_indices(n_left, k=1)
        else:
            li, r = np.divmod(np.arange(total), n_right)
        return li.astype(np.int64), r.astype(np.int64)
    rng = np.random.default_rng(seed)
    li = rng.integers(0, n_left, size=k, dtype=np.int64)
    r = rng.integers(0, n_right if not same else n_left, size=k, dtype=np.int64)
    if same:
        keep = li != r
        li, r = np.minimum(li, r)[keep], np.maximum(li, r)[keep]
    packed = np.unique(li * max(n_left, n_right) + r)
    return packed // max(n_left, n_right), packed % max(n_left, n_right)


def fit_sessions(
    fields: tuple[FieldSpec, ...],
    candidates: np.ndarray,
    random: np.ndarray,
    sessions: list[tuple[np.ndarray, tuple[str, ...]]],
    total_pairs: float,
    prior_pairs: float = 10.0,
    max_iter: int = 200,
    tol: float = 1e-5,
    refine: bool = True,
    match_share: float = 0.0,
) -> Model:
    """splink's training: u from random pairs (fixed), m by EM in sessions, then the prior.

    Each session is (mask over `candidates`, names of the fields it trains): the pairs found by
    one family of blocking keys, and the fields those keys do not touch. Pairs blocked on the
    name agree on the name whether they match or not, so the name is left out of that session's
    E-step and its m comes from the pairs blocked on the address, and vice versa; otherwise EM
    learns "shares a postal code" instead of "is one party". A field trained in several
    sessions gets the mean of its estimates. The prior of a random pair is then EM's expected
    matches among all candidates (m and u held) over all `total_pairs`. `match_share` is the
    most a random pair can be a match (random_non_match_shares).
    """
    names = [f.name for f in fields]
    u = random_non_match_shares(fields, random, match_share)
    m = [np.asarray(f.m_start, dtype="float64") / np.sum(f.m_start) for f in fields]
    learned: dict[int, list[np.ndarray]] = {}
    iterations = 0
    for mask, trained in sessions:
        cols = [names.index(t) for t in trained if t in names]
        if not cols or not mask.any():
            continue
        sub_fields = tuple(fields[j] for j in cols)
        sub = _em(
            sub_fields,
            candidates[mask][:, cols],
            [m[j] for j in cols],
            [u[j] for j in cols],
            prior_pairs,
            max_iter,
            tol,
        )
        iterations += sub.iterations
        for k, j in enumerate(cols):
            learned.setdefault(j, []).append(sub.m[k])
    for j, estimates in learned.items():
        m[j] = np.mean(estimates, axis=0)
    model = Model(fields, m, u, 0.1, iterations=iterations, u_random=u)
    share = _share(model, candidates, max_iter, tol)
    model.prior = float(np.clip(share * len(candidates) / max(total_pairs, 1.0), 1e-9, 0.5))
    model.converged = True
    if refine and len(candidates) >= MIN_REFINE:
        # From the sessions' identity-aligned start, one EM over all candidates with the
        # candidates' own non-match u (see the module docstring: neighbours are not random).
        # The share stays the sessions' one: left free, it grows into "shares a postal code".
        refined = _em(
            fields, candidates, m, u, prior_pairs, max_iter, tol, share, free_u=True, fix_share=True
        )
        refined.u_random = u
        refined.iterations += iterations
        # Kept only while it keeps the sessions' confident matches (p >= 0.9): when it drifts to another
        # class (the same city, say) the pairs it calls matches are no longer the same ones.
        mine, theirs = model.probability(candidates) >= 0.9, refined.probability(candidates) >= 0.9
        found = max(int(mine.sum()), 1)
        if (mine & ~theirs).sum() <= MAX_LOST * found and (
            theirs & ~mine
        ).sum() <= MAX_DRIFT * found:
            return refined
    return model


def _share(model: Model, candidates: np.ndarray, max_iter: int, tol: float) -> float:
    """EM for the share of matches among candidates alone (m and u held)."""
    patterns, counts = _patterns(candidates)
    if counts.sum() == 0:
        return 0.0
    share = 0.1
    for _ in range(max_iter):
        model.prior = share
        new = float(
            np.clip((model.probability(patterns) * counts).sum() / counts.sum(), 1e-9, 0.999)
        )
        if abs(new - share) < tol:
            return new
        share = new
    return share
