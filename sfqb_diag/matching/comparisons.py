"""Comparison levels per field: how two party records agree, as small integers for Fellegi-Sunter.

Each field compared gets a few ordered levels, strongest agreement first, plus "missing"
(-1: one side has no value, which is no evidence either way — splink's null level). The levels
are what the model learns m and u probabilities for (fellegi_sunter.py); nothing here says how
much a level weighs. Domain facts behind the levels:
- name: exact after normalisation (legal forms, QBO " (2)" counters and " (deleted)" gone,
  word order free), then similarity bands of the best of rapidfuzz ratio / token-sort ratio
  (typos), and "one name contains the other" on its own ("Acme Plumbing" in "Acme Plumbing
  Denver": a franchise location as often as the same company) — never token_set_ratio as equal.
- street: exact, Levenshtein-ratio bands, then "the house number agrees but the street text
  does not" (an abbreviation, a missing suite).
- place: postal code, city and state as ONE comparison, because they are not independent (the
  same postal code nearly always means the same city and state: counting them as three pieces
  of evidence would make every neighbour a match). Levels: postal code and city agree (the
  postal code's frequency adjusts it: a big-city ZIP says less), postal code only, a postal
  typo (one Damerau-Levenshtein edit) in the same city, the city only (Jaro-Winkler 0.9+: 'dalby'
  / 'dably'), a postal typo only, the state only, nothing.
- phone (E.164) and company domain (free-mail never is one): same (term-frequency adjusted: a
  domain or switchboard many records share says little) / different; person email, country
  (ISO-2, whatever spelling came in), currency: same / different.
- numbers in the names ("Store 8" vs "Store 9", "Phase 2"): same / different; a name without
  digits on both sides is missing.
`m_start` is where EM starts for m (and the prior it is shrunk towards when pairs are few): the
share of one entity's record pairs landing on each level. It is a starting point, not a weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class FieldSpec:
    """One compared field: its level labels (strongest agreement first) and EM's starting m."""

    name: str
    labels: tuple[str, ...]
    m_start: tuple[float, ...]
    tf: str | None = None  # evidence column with the value's frequency (exact level only)
    label: str = ""  # how reasons name the field

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.m_start):
            raise ValueError(f"{self.name}: one starting m per level")


PARTY_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "name",
        ("exact", "95+", "88+", "80+", "contains", "70+", "60+", "different"),
        (0.70, 0.08, 0.06, 0.04, 0.03, 0.03, 0.02, 0.04),
        tf="name_tf",
        label="name",
    ),
    FieldSpec(
        "street",
        ("exact", "90+", "75+", "same number", "different"),
        (0.75, 0.08, 0.06, 0.04, 0.07),
        tf="street_tf",
        label="street",
    ),
    FieldSpec("street2", ("exact", "85+", "different"), (0.85, 0.05, 0.10), label="address line 2"),
    FieldSpec(
        "place",
        (
            "same postal code and city",
            "same postal code",
            "postal code one typo, same city",
            "same city",
            "postal code one typo",
            "same state only",
            "different",
        ),
        (0.75, 0.05, 0.06, 0.05, 0.03, 0.03, 0.03),
        tf="postal_tf",
        label="place",
    ),
    FieldSpec("country", ("same", "different"), (0.97, 0.03), label="country"),
    FieldSpec("phone", ("same", "different"), (0.75, 0.25), tf="phone_tf", label="phone"),
    FieldSpec(
        "domain",
        ("same", "different"),
        (0.85, 0.15),
        tf="domain_tf",
        label="company domain (website or email)",
    ),
    FieldSpec("email", ("same", "different"), (0.80, 0.20), label="email"),
    FieldSpec("currency", ("same", "different"), (0.97, 0.03), label="currency"),
    FieldSpec("numbers", ("same", "different"), (0.95, 0.05), label="numbers in the name"),
)


def _bands(sim: np.ndarray, known: np.ndarray, cuts: tuple[float, ...]) -> np.ndarray:
    """Level index by descending similarity cut-offs (level len(cuts) = below all); -1 unknown."""
    level = np.full(len(sim), len(cuts), dtype=np.int8)
    for i in range(len(cuts) - 1, -1, -1):
        level[sim >= cuts[i]] = i
    level[~known] = -1
    return level


def _flag(ev: pd.DataFrame, field: str) -> np.ndarray:
    same, diff = ev[field + "_same"].to_numpy(bool), ev[field + "_diff"].to_numpy(bool)
    return np.where(same, 0, np.where(diff, 1, -1)).astype(np.int8)


def party_levels(ev: pd.DataFrame) -> np.ndarray:
    """Comparison levels (pairs x PARTY_FIELDS, int8, -1 = missing) from `scoring.evidence`."""
    n = len(ev)
    out = np.empty((n, len(PARTY_FIELDS)), dtype=np.int8)
    sim = ev["sim"].to_numpy(dtype="float64")
    name = _bands(sim, ev["name_known"].to_numpy(bool), (100, 95, 88, 80))
    contains = ev["subset"].to_numpy(bool) & (sim < 100)
    low = _bands(sim, np.ones(n, dtype=bool), (70, 60))  # 0: 70+, 1: 60+, 2: below
    name = np.where(name == 4, np.where(contains, 4, 5 + low), name).astype(np.int8)
    name[~ev["name_known"].to_numpy(bool)] = -1
    out[:, 0] = name
    street = _bands(ev["street_sim"].to_numpy(), ev["street_known"].to_numpy(bool), (100, 90, 75))
    number_same = ev["street_no_same"].to_numpy(bool)
    out[:, 1] = np.where((street == 3) & number_same, 3, np.where(street == 3, 4, street))
    out[:, 2] = _bands(ev["street2_sim"].to_numpy(), ev["street2_known"].to_numpy(bool), (100, 85))
    out[:, 3] = _place(ev)
    for j, field in enumerate(
        ("country", "phone", "domain", "email", "currency", "numbers"), start=4
    ):
        out[:, j] = _flag(ev, field)
    return out


def _place(ev: pd.DataFrame) -> np.ndarray:
    """The joint postal code / city / state level (see the module docstring)."""
    city_known = ev["city_known"].to_numpy(bool)
    city = city_known & (np.nan_to_num(ev["city_sim"].to_numpy(dtype="float64")) >= 90)
    postal_known = ev["postal_known"].to_numpy(bool)
    edits = np.nan_to_num(ev["postal_edits"].to_numpy(dtype="float64"), nan=9.0)
    postal, typo = postal_known & (edits == 0), postal_known & (edits == 1)
    state = ev["state_same"].to_numpy(bool)
    known = city_known | postal_known | state | ev["state_diff"].to_numpy(bool)
    level = np.select(
        [postal & city, postal, typo & city, city, typo, state],
        [0, 1, 2, 3, 4, 5],
        6,
    ).astype(np.int8)
    level[~known] = -1
    return level


def level_text(fields: tuple[FieldSpec, ...], levels: np.ndarray) -> pd.DataFrame:
    """Level labels per pair and field ('exact', 'different', '' when missing), for tables."""
    cols = {}
    for j, spec in enumerate(fields):
        labels = np.array([*spec.labels, ""], dtype=object)
        cols[spec.name] = labels[levels[:, j]]  # -1 picks the trailing ''
    return pd.DataFrame(cols)
