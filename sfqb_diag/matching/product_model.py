"""Product2 <-> Item evidence as a Fellegi-Sunter model learned on the catalogues at hand.

Why learned, not fixed: how much a title similarity means depends on the catalogue. In software
titles (Amazon-Google) sharing most rare words is usually the same product; in consumer
electronics (Walmart-Amazon: 2,554 products, 22,074 items, 853 true pairs) many different
items share "graphics card 1gb" and the model number decides. The same EM as for customers
(fellegi_sunter.py) learns this without labels: u from random product x item pairs, m, the
candidates' u and the share of matches by EM on the candidate pairs (each product's best items
by title, plus every pair sharing a code). Levels:
- code: a code agrees (ProductCode = Sku, = the item's name, or a model code in both names or
  descriptions) / both carry codes and none agrees / missing (no code on one side);
- name: bands of the title similarity (product_names.py: mean of TF-IDF cosine and token-set);
- price: the same standard price / within 20% / further apart / missing (weak evidence).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.matching.comparisons import FieldSpec
from sfqb_diag.matching.fellegi_sunter import Model, fit, random_pairs

PRODUCT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("code", ("agrees", "clash"), (0.6, 0.4), label="model code"),
    FieldSpec(
        "name",
        ("95+", "90+", "85+", "80+", "75+", "70+", "60+", "50+", "40+", "different"),
        (0.2, 0.15, 0.15, 0.12, 0.1, 0.08, 0.08, 0.06, 0.04, 0.02),
        label="name",
    ),
    FieldSpec("price", ("same", "within 20%", "different"), (0.5, 0.3, 0.2), label="price"),
)
NAME_CUTS = (95, 90, 85, 80, 75, 70, 60, 50, 40)
RANDOM = 50_000


def product_levels(ev: pd.DataFrame) -> np.ndarray:
    """Levels (pairs x PRODUCT_FIELDS, -1 = missing) from pair evidence: `code_agrees`,
    `code_clash`, `name_sim` (0-100) and `price_rel` (NaN unknown)."""
    n = len(ev)
    out = np.full((n, len(PRODUCT_FIELDS)), -1, dtype=np.int8)
    agrees = ev["code_agrees"].to_numpy(bool)
    out[:, 0] = np.where(agrees, 0, np.where(ev["code_clash"].to_numpy(bool), 1, -1))
    sim = ev["name_sim"].to_numpy(dtype="float64")
    name = np.full(n, len(NAME_CUTS), dtype=np.int8)
    for k in range(len(NAME_CUTS) - 1, -1, -1):
        name[sim >= NAME_CUTS[k]] = k
    out[:, 1] = name
    rel = ev["price_rel"].to_numpy(dtype="float64")
    price = np.where(rel <= 0.005, 0, np.where(rel <= 0.2, 1, 2))
    out[:, 2] = np.where(np.isnan(rel), -1, price)
    return out


def fit_products(
    candidates: pd.DataFrame, random_evidence: pd.DataFrame, max_matches: int
) -> Model:
    """Learn the product model from candidate and random-pair evidence frames; one-to-one
    linking has at most `max_matches` (the smaller catalogue's size) true pairs."""
    return fit(
        PRODUCT_FIELDS,
        product_levels(candidates),
        product_levels(random_evidence),
        max_share=max_matches / max(len(candidates), 1),
    )


def sample_pairs(n_products: int, n_items: int, k: int = RANDOM) -> pd.DataFrame:
    """Random (p, i) pairs for u (seeded: same data, same estimates)."""
    p, i = random_pairs(n_products, n_items, k, same=False)
    return pd.DataFrame({"p": p, "i": i})
