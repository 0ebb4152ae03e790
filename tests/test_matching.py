"""The generic matching engine on tiny hand-made party tables: blocking, name scores, evidence,
one-to-one assignment and chaining-free duplicate clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sfqb_diag.matching.assign import assign_one_to_one, group_ids, runner_up
from sfqb_diag.matching.blocking import KEY_BITS, build_blocks, candidate_pairs, join_blocks
from sfqb_diag.matching.clusters import duplicate_clusters
from sfqb_diag.matching.parties import prepare_parties
from sfqb_diag.matching.scoring import compare, evidence, fit_model, reasons, score
from sfqb_diag.matching.similarity import pair_scores


def parties(rows: list[dict]) -> pd.DataFrame:
    return prepare_parties(pd.DataFrame(rows))


LEFT = parties(
    [
        {
            "id": "a0",
            "name": "Acme Plumbing Inc.",
            "phone": "(303) 555-0101",
            "city": "Denver",
            "postal": "80202",
            "street": "1 Main St",
            "country": "US",
            "currency": "USD",
            "domain": "acmeplumbing.com",
        },
        {
            "id": "a1",
            "name": "Summit Logistics LLC",
            "phone": "206-555-0110",
            "city": "Seattle",
            "currency": "USD",
        },
        {
            "id": "a2",
            "name": "Zenith Dental Group",
            "phone": "617-555-0123",
            "city": "Boston",
            "currency": "USD",
        },
    ]
)
RIGHT = parties(
    [
        {
            "id": "1",
            "name": "ACME PLUMBING",
            "phone": "303.555.0101",
            "city": "Denver",
            "postal": "80202-1234",
            "street": "1 Main Street",
            "country": "United States",
            "currency": "USD",
            "domain": "acmeplumbing.com",
        },
        {
            "id": "2",
            "name": "Acme Plumbing",
            "phone": "512-555-0199",
            "city": "Austin",
            "postal": "78701",
            "country": "US",
            "currency": "USD",
        },  # same name, other city and phone
        {
            "id": "3",
            "name": "Sumit Logistics",
            "phone": "(206) 555-0110",
            "city": "Seattle",
            "currency": "USD",
        },  # typo
        {"id": "4", "name": "Totally Different Bakery", "city": "Miami", "currency": "USD"},
    ]
)


def test_blocking_finds_pairs_by_each_key() -> None:
    pairs = candidate_pairs(LEFT, RIGHT).set_index(["l", "r"])["keys"]
    assert pairs[(0, 0)] & KEY_BITS["name"] and pairs[(0, 0)] & KEY_BITS["phone"]
    assert pairs[(0, 1)] & KEY_BITS["name"]  # same name is a candidate...
    assert pairs[(1, 2)] & KEY_BITS["phone"]  # ...and a typo is caught by the phone
    assert (2, 3) not in pairs.index and (0, 3) not in pairs.index  # nothing shared: never compared


def test_blocking_skips_uninformative_keys() -> None:
    """A key shared by many records on both sides (a switchboard number) is dropped by the cap."""
    many = parties(
        [
            {"id": str(i), "name": f"Company {w}", "phone": "303-555-0000"}
            for i, w in enumerate(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"])
        ]
    )
    assert (
        candidate_pairs(many, many, cap=10).empty
        or not (candidate_pairs(many, many, cap=10)["keys"] & KEY_BITS["phone"]).any()
    )
    assert (candidate_pairs(many, many, cap=100)["keys"] & KEY_BITS["phone"]).any()


def test_self_join_lists_each_pair_once() -> None:
    blocks = build_blocks(RIGHT, RIGHT)
    pairs = join_blocks(blocks, "rr")
    assert (pairs["l"] < pairs["r"]).all()
    assert ((pairs["l"] == 0) & (pairs["r"] == 1)).any()


def test_candidate_count_grows_about_linearly() -> None:
    """Doubling the tables roughly doubles the candidates (blocking, not all pairs)."""
    rng = np.random.default_rng(1)
    words = np.array([f"w{i}" for i in range(400)])

    def table(n: int) -> pd.DataFrame:
        return parties(
            [
                {"id": str(i), "name": " ".join(rng.choice(words, 3)), "phone": f"303555{i:04d}"}
                for i in range(n)
            ]
        )

    small, big = (
        len(candidate_pairs(table(500), table(500))),
        len(candidate_pairs(table(1000), table(1000))),
    )
    assert big < 3.2 * max(small, 1)
    assert big < 1000 * 1000 / 50


def test_name_scores_do_not_treat_subsets_as_equal() -> None:
    out = pair_scores(
        pd.Series(["acme plumbing", "acme plumbing", "blue ridge"]),
        pd.Series(["acme plumbing denver", "acme plumbing", "ridge blue"]),
    )
    assert out["sim"].iloc[0] < 90 and out["subset"].iloc[0]  # token_set_ratio would say 100
    assert out["sim"].iloc[1] == 100 and not out["subset"].iloc[1]
    assert out["sim"].iloc[2] == 100  # word order does not matter


def _scored(pairs: list[tuple[int, int]]) -> pd.DataFrame:
    cmp = compare(LEFT, RIGHT)
    blocked = candidate_pairs(LEFT, RIGHT)
    model = fit_model(cmp, evidence(cmp, blocked), same=False)  # learned on the candidates
    ev = evidence(cmp, pd.DataFrame(pairs, columns=["l", "r"]))
    ev["score"] = score(model, ev)
    ev["reasons"] = reasons(ev, cmp).to_numpy()
    return ev


def test_contradictions_lower_the_score() -> None:
    """Learned on three accounts x four customers (so the starting m and the random-pair u
    dominate): agreement everywhere ranks first, a typo'd name with the same phone next, the
    same name in another city with another phone far below, nothing in common last."""
    ev = _scored([(0, 0), (0, 1), (1, 2), (2, 3)])
    right, franchise, typo, unrelated = ev["score"]
    assert right > typo > franchise > unrelated
    assert right > 0.5 and franchise < 0.05 and unrelated < 0.01
    assert "different city (Denver / Austin)" in ev["reasons"].iloc[1]  # as written
    assert (
        "same phone" in ev["reasons"].iloc[0] and "once 'Inc' is left out" in ev["reasons"].iloc[0]
    )


def test_free_mail_is_not_evidence() -> None:
    a = parties([{"id": "a", "name": "Alpha Roofing", "domain": "gmail.com"}])
    b = parties([{"id": "b", "name": "Omega Bakery", "domain": "gmail.com"}])
    assert a["domain"].isna().all() and b["domain"].isna().all()
    assert candidate_pairs(a, b).empty


def test_assignment_is_one_to_one_and_greedy() -> None:
    pairs = pd.DataFrame(
        {"l": [0, 0, 1, 1, 2], "r": [0, 1, 0, 1, 1], "score": [0.99, 0.95, 0.97, 0.60, 0.96]}
    )
    chosen = assign_one_to_one(pairs, min_score=0.75)
    assert set(zip(chosen["l"], chosen["r"], strict=True)) == {
        (0, 0),
        (2, 1),
    }  # 1 loses both to better claims
    assert chosen["l"].is_unique and chosen["r"].is_unique
    margin = runner_up(pairs, chosen)
    assert margin.loc[chosen.index[0]] == pytest.approx(0.95)


def test_assignment_ties_are_reproducible() -> None:
    pairs = pd.DataFrame({"l": [0, 0, 1, 1], "r": [0, 1, 0, 1], "score": [0.9, 0.9, 0.9, 0.9]})
    first = assign_one_to_one(pairs)
    assert first.equals(assign_one_to_one(pairs.sample(frac=1, random_state=3)).loc[first.index])


def test_group_ids_connect_components() -> None:
    labels = group_ids(6, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert (
        labels[0] == labels[1] == labels[2]
        and labels[4] == labels[5]
        and labels[3] not in (labels[0], labels[4])
    )


def test_clusters_do_not_chain() -> None:
    """A~B and B~C but A and C clearly differ: C must not join A's cluster."""
    sims = {(0, 1): 0.97, (1, 2): 0.95, (0, 2): 0.10, (3, 4): 0.99}

    def rescore(li: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, pd.Series]:
        values = np.array(
            [sims.get((min(a, b), max(a, b)), 0.0) for a, b in zip(li, r, strict=True)]
        )
        return values, pd.Series(["test"] * len(li), dtype="string")

    edges = pd.DataFrame({"l": [0, 1, 3], "r": [1, 2, 4], "score": [0.97, 0.95, 0.99]})
    priority = np.array([10, 5, 1, 3, 9])
    found = duplicate_clusters(5, edges, priority, 0.92, rescore)
    clusters = found.groupby("cluster")["pos"].apply(sorted).tolist()
    assert [0, 1] in clusters and [3, 4] in clusters and all(2 not in c for c in clusters)
    kept = found[found["keep"]]["pos"].tolist()
    assert sorted(kept) == [0, 4]  # highest priority survives
