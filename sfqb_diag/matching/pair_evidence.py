"""Why a proposed account-customer pair scored what it did: each field's evidence, for people.

The waterfall of a Fellegi-Sunter score (as splink draws it): start from the prior (how likely
any candidate pair is one party), add each field's match weight in bits (positive = the field
agrees more often for one party than by chance), then the domain rules (the sync's own link,
an inactive or tagged copy), ending at the score shown in matches/customers.csv.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.matching.customers import CustomerMatching
from sfqb_diag.matching.fellegi_sunter import waterfalls
from sfqb_diag.matching.scoring import levels_of

# The pairs a person is asked about first, and how many at most (the notebook picks one).
SHOWN_STATUSES = ("review", "relink", "suggest_link")
MAX_PAIRS = 2000


def pair_waterfalls(m: CustomerMatching, limit: int = MAX_PAIRS) -> pd.DataFrame:
    """Long table: sf_id, qb_id, status, score, step, field, label, level, match_weight,
    probability, for the proposed pairs (review first, then relinks, then new links; within
    each, the least certain first) up to `limit` pairs."""
    rank = {status: i for i, status in enumerate(SHOWN_STATUSES)}
    shown = m.matches[m.matches["status"].isin(SHOWN_STATUSES) & m.matches["r"].notna()]
    shown = shown.assign(order=shown["status"].map(rank), l=shown["l"].astype("int64"))
    shown = shown.assign(r=shown["r"].astype("int64")).sort_values(["order", "score"])
    shown = shown.drop_duplicates(["l", "r"]).head(limit)
    shown = shown.assign(rank=range(len(shown)))
    ev = m.scored.merge(shown[["l", "r", "sf_id", "qb_id", "status", "rank"]], on=["l", "r"])
    ev = ev.sort_values("rank", kind="stable").reset_index(drop=True)
    steps = waterfalls(m.model, levels_of(ev), ev, ev["rules_logit"].to_numpy())
    labels = {spec.name: spec.label or spec.name for spec in m.model.fields}
    labels |= {"prior": "before any evidence", "rules": "rules (link, inactive or tagged copy)"}
    pair = steps["pair"].to_numpy()
    return pd.DataFrame(
        {
            "sf_id": ev["sf_id"].to_numpy()[pair],
            "qb_id": ev["qb_id"].to_numpy()[pair],
            "status": ev["status"].to_numpy()[pair],
            "score": ev["score"].to_numpy()[pair],
            "step": steps["step"].to_numpy(),
            "field": steps["field"].to_numpy(),
            "label": steps["field"].map(labels).to_numpy(),
            "level": steps["level"].to_numpy(),
            "match_weight": steps["match_weight"].round(3).to_numpy(),
            "probability": steps["probability"].to_numpy(),
        }
    )
