"""The one scorer every quality bar uses: findings, links and duplicate clusters vs truth.json.

Rules (issue 2, item 8):
- A defect is found when a finding has the same area, the same record (sf_id, or qb_entity +
  qb_id) and a severity at or above the defect kind's min_severity. Aggregate defects (no ids)
  are found by an aggregate finding (no ids) of the same area at or above min_severity.
- False findings: clean records flagged medium or above; look-alikes flagged above info.
- Linking: precision over all proposals (linked_ok, relink, suggest_link, review); recall on the
  pairs that need action (unlinked or mislinked) separately from those already right; `review`
  counts as a proposal; the review band's size is reported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import pandas as pd

RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
PROPOSALS = ("linked_ok", "relink", "suggest_link", "review")


def _norm(value: object) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA
        else str(value)
    )


@dataclass
class FindingScore:
    found: int
    total: int
    by_kind: dict[str, tuple[int, int]]
    missed: list[dict]
    clean_flagged: int
    clean_total: int
    lookalikes_flagged: list[dict] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0

    @property
    def clean_flag_rate(self) -> float:
        return self.clean_flagged / self.clean_total if self.clean_total else 0.0

    def kind_recall(self, kind: str) -> float:
        found, total = self.by_kind[kind]
        return found / total if total else 1.0


def _index(findings: pd.DataFrame) -> tuple[dict, dict, dict]:
    by_sf: dict[tuple[str, str], int] = {}
    by_qb: dict[tuple[str, str, str], int] = {}
    aggregate: dict[str, int] = {}
    for row in findings[["area", "severity", "sf_id", "qb_entity", "qb_id"]].itertuples(
        index=False
    ):
        rank = RANK[row.severity]
        sf, qb_entity, qb_id = _norm(row.sf_id), _norm(row.qb_entity), _norm(row.qb_id)
        if sf:
            by_sf[(row.area, sf)] = min(rank, by_sf.get((row.area, sf), 9))
        if qb_id:
            by_qb[(row.area, qb_entity, qb_id)] = min(
                rank, by_qb.get((row.area, qb_entity, qb_id), 9)
            )
        if not sf and not qb_id:
            aggregate[row.area] = min(rank, aggregate.get(row.area, 9))
    return by_sf, by_qb, aggregate


def score_findings(findings: pd.DataFrame, truth: dict, area: str | None = None) -> FindingScore:
    """Score findings (a findings.csv frame) against truth.json, optionally for one area."""
    by_sf, by_qb, aggregate = _index(findings)
    defects = [d for d in truth["defects"] if area is None or d["area"] == area]
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed = []
    for d in defects:
        need = RANK[d["min_severity"]]
        sf, qb_entity, qb_id = (
            _norm(d.get("sf_id")),
            _norm(d.get("qb_entity")),
            _norm(d.get("qb_id")),
        )
        if not sf and not qb_id:
            hit = aggregate.get(d["area"], 9) <= need
        else:
            hit = (bool(sf) and by_sf.get((d["area"], sf), 9) <= need) or (
                bool(qb_id) and by_qb.get((d["area"], qb_entity, qb_id), 9) <= need
            )
        by_kind[d["kind"]][1] += 1
        by_kind[d["kind"]][0] += int(hit)
        if not hit:
            missed.append(d)
    clean_sf = set(truth["clean"]["sf"])
    clean_qb = {(e, i) for e, ids in truth["clean"]["qb"].items() for i in ids}
    rows = findings if area is None else findings[findings["area"] == area]
    serious = rows[rows["severity"].map(RANK) <= RANK["medium"]]
    flagged = {("sf", s) for s in serious["sf_id"].dropna() if s in clean_sf}
    flagged |= {
        ("qb", e, i)
        for e, i in zip(serious["qb_entity"], serious["qb_id"], strict=True)
        if (e, i) in clean_qb
    }
    looks = []
    above_info = rows[rows["severity"] != "info"]
    for la in truth["lookalikes"]:
        if area is not None and la["area"] != area:
            continue
        same = above_info[above_info["area"] == la["area"]]
        sf, qb_id = _norm(la.get("sf_id")), _norm(la.get("qb_id"))
        hit = (sf and (same["sf_id"] == sf).any()) or (
            qb_id and ((same["qb_entity"] == la.get("qb_entity")) & (same["qb_id"] == qb_id)).any()
        )
        if hit:
            looks.append(la)
    found = sum(v[0] for v in by_kind.values())
    return FindingScore(
        found,
        len(defects),
        {k: (v[0], v[1]) for k, v in by_kind.items()},
        missed,
        len(flagged),
        len(clean_sf) + len(clean_qb),
        looks,
    )


@dataclass
class LinkScore:
    precision: float
    proposals: int
    action_recall: float
    action_pairs: int
    kept_recall: float
    review_rows: int
    review_share: float
    hard_negatives_linked: int


def score_links(matches: pd.DataFrame, pairs: list[dict], accounts: int) -> LinkScore:
    """Score matches/customers.csv (or products.csv) against truth match_pairs."""
    true_pairs = {(p["sf_id"], str(p["qb_id"])) for p in pairs if p["truth"] == "match"}
    negatives = {(p["sf_id"], str(p["qb_id"])) for p in pairs if p["truth"] == "hard_negative"}
    proposed = matches[matches["status"].isin(PROPOSALS) & matches["qb_id"].notna()]
    claims = {(s, str(q)) for s, q in zip(proposed["sf_id"], proposed["qb_id"], strict=True)}
    correct = len(claims & true_pairs)
    action = {
        (p["sf_id"], str(p["qb_id"]))
        for p in pairs
        if p["truth"] == "match" and p["current"] in ("unlinked", "mislinked")
    }
    kept = true_pairs - action
    reviews = int((matches["status"] == "review").sum())
    return LinkScore(
        precision=correct / len(claims) if claims else 1.0,
        proposals=len(claims),
        action_recall=len(claims & action) / len(action) if action else 1.0,
        action_pairs=len(action),
        kept_recall=len(claims & kept) / len(kept) if kept else 1.0,
        review_rows=reviews,
        review_share=reviews / accounts if accounts else 0.0,
        hard_negatives_linked=len(claims & negatives),
    )


@dataclass
class ClusterScore:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(clusters: list[list[str]]) -> set[tuple[str, str]]:
    return {
        tuple(sorted((str(a), str(b)))) for members in clusters for a, b in combinations(members, 2)
    }


def score_clusters(found: pd.DataFrame, truth_clusters: list[list[str]]) -> ClusterScore:
    """Pairwise precision/recall of duplicate clusters (cluster_id, id, keep, reasons)."""
    predicted = (
        _pairs([list(group["id"]) for _, group in found.groupby("cluster_id")])
        if len(found)
        else set()
    )
    expected = _pairs(truth_clusters)
    hits = len(predicted & expected)
    return ClusterScore(
        precision=hits / len(predicted) if predicted else 1.0,
        recall=hits / len(expected) if expected else 1.0,
    )
