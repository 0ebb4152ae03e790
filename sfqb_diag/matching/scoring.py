"""Evidence -> one score (0-1) with reasons a person reads.

Each field compared gives a log-odds weight (Fellegi-Sunter style: agreement on a field rare
between different companies adds, disagreement subtracts) and the sum goes through a logistic
function, so 0.92 means "about 12 to 1 that these are one company". Weights were set from the
domain facts below and checked against the demo's ground truth (tests/test_customers.py tests
calibration by score band):
- names: the best of ratio and token-sort ratio after normalisation; a containment ("Acme
  Plumbing" in "Acme Plumbing Denver") is a franchise/location risk, not a match;
- company email/web domain and E.164 phone are near-identifiers (free-mail is not evidence);
- postal code + street number pin the place; a different city or country is a contradiction:
  same-name companies in other cities are the classic false merge;
- currency: a QBO customer has one currency forever, so a different one weighs against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sfqb_diag.matching.normalize import digits_only
from sfqb_diag.matching.similarity import best_name_scores, name_vocabulary

PRIOR = -4.0
NAME_STEPS = ((100, 5.0), (95, 4.0), (90, 3.0), (85, 2.0), (80, 0.5), (70, -1.5), (0, -4.0))
WEIGHTS = {
    "subset": -0.5,
    "unique_name": 1.0,
    "domain_same": 3.0,
    "domain_diff": -1.0,
    "phone_same": 3.0,
    "phone_diff": -1.0,
    "postal_same": 1.5,
    "postal_diff": -1.0,
    "street_same": 0.5,
    "street_diff": -0.5,
    "city_same": 0.5,
    "city_diff": -2.0,
    "country_diff": -2.0,
    "currency_same": 0.2,
    "currency_diff": -1.0,
    # Another city AND another phone: the classic same-name-other-company; one field alone is a move.
    "place_and_phone_diff": -2.0,
    # Different numbers in the names: store 8 vs store 9, "Phase 2" (trailing counters are tags).
    "number_diff": -3.0,
}


FIELDS = ("domain", "phone", "postal", "street_no", "city", "country", "currency")


@dataclass
class Comparison:
    """Two prepared party tables encoded once for fast pair comparisons: every compared field
    as integer codes shared by both sides (-1 = unknown), names as codes into one vocabulary."""

    left: pd.DataFrame
    right: pd.DataFrame
    vocab: np.ndarray = field(repr=False)
    names: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] = field(repr=False)
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(repr=False)
    core_count: np.ndarray = field(
        repr=False
    )  # per vocab entry: parties (both sides) with that core
    numbers: tuple[np.ndarray, np.ndarray] = field(repr=False)  # code of the name's digit words

    def within(self, side: str) -> Comparison:
        """The same encoding for comparing one side with itself ("left" or "right"): duplicates."""
        i = 0 if side == "left" else 1
        table = self.left if i == 0 else self.right
        names = self.names[i]
        return Comparison(
            table,
            table,
            self.vocab,
            (names, names),
            {k: (v[i], v[i]) for k, v in self.codes.items()},
            self.core_count,
            (self.numbers[i], self.numbers[i]),
        )


def compare(left: pd.DataFrame, right: pd.DataFrame | None = None) -> Comparison:
    """Encode two prepared party tables (or one against itself) for `evidence`."""
    same = right is None
    right = left if right is None else right
    vocab, codes = name_vocabulary(
        left["core"], left["alias"], *(() if same else (right["core"], right["alias"]))
    )
    lnames = {"core": codes[0], "alias": codes[1]}
    rnames = lnames if same else {"core": codes[2], "alias": codes[3]}
    fields: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in FIELDS:
        lv = left[name] if name in left else pd.Series(pd.NA, index=left.index, dtype="string")
        rv = right[name] if name in right else pd.Series(pd.NA, index=right.index, dtype="string")
        both = (
            pd.concat([lv.astype("string"), rv.astype("string")])
            if not same
            else lv.astype("string")
        )
        c = pd.factorize(both, use_na_sentinel=True)[0]
        fields[name] = (c[: len(left)], c if same else c[len(left) :])
    count = np.bincount(lnames["core"][lnames["core"] >= 0], minlength=len(vocab))
    if not same:
        count = count + np.bincount(rnames["core"][rnames["core"] >= 0], minlength=len(vocab))
    digits = pd.concat(
        [_digit_words(left["core"]), *(() if same else (_digit_words(right["core"]),))]
    )
    codes_n = pd.factorize(digits.fillna(""))[0]
    numbers = (codes_n[: len(left)], codes_n if same else codes_n[len(left) :])
    return Comparison(left, right, vocab, (lnames, rnames), fields, count, numbers)


def _digit_words(core: pd.Series) -> pd.Series:
    """The digits of a name, by word ('store 8 north' -> '8'); '' when none."""
    return digits_only(core)


def evidence(cmp: Comparison, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per pair (positions l, r of `pairs`): name scores and same/different flags for every compared field."""
    li, r = pairs["l"].to_numpy(dtype=np.int64), pairs["r"].to_numpy(dtype=np.int64)
    lnames, rnames = cmp.names
    out = best_name_scores(cmp.vocab, lnames, rnames, li, r)
    lcore, rcore = lnames["core"][li], rnames["core"][r]
    out["unique_name"] = (
        (lcore >= 0) & (lcore == rcore) & (cmp.core_count[np.maximum(lcore, 0)] == 2)
    )
    for name in FIELDS:
        cl, cr = cmp.codes[name]
        a, b = cl[li], cr[r]
        known = (a >= 0) & (b >= 0)
        out[name + "_same"], out[name + "_diff"] = known & (a == b), known & (a != b)
    same_postal = out["postal_same"].to_numpy()
    out["street_same"] = out.pop("street_no_same").to_numpy() & same_postal
    out["street_diff"] = out.pop("street_no_diff").to_numpy() & same_postal
    # A different postal code in the same city is weak (big cities have many).
    out["postal_diff"] &= ~out["city_same"].to_numpy()
    out["place_and_phone_diff"] = out["city_diff"].to_numpy() & out["phone_diff"].to_numpy()
    ln, rn = cmp.numbers
    out["number_diff"] = ln[li] != rn[r]
    out["l"], out["r"] = li, r
    return out


def score(ev: pd.DataFrame, extra_logit: np.ndarray | None = None) -> np.ndarray:
    """Calibrated probability (0-1) that each pair is one company."""
    logit = np.full(len(ev), PRIOR)
    sim = ev["sim"].to_numpy()
    name = np.select([sim >= s for s, _ in NAME_STEPS], [w for _, w in NAME_STEPS], -4.0)
    logit += name
    for feature, weight in WEIGHTS.items():
        if feature == "subset":
            logit += weight * (ev["subset"].to_numpy() & (sim < 100))
        elif feature in ev:
            logit += weight * ev[feature].to_numpy()
    if extra_logit is not None:
        logit += extra_logit
    return 1.0 / (1.0 + np.exp(-logit))


def _take(frame: pd.DataFrame, column: str, pos: np.ndarray) -> pa.Array:
    """A party column at positions, as a pyarrow string array (nulls where unknown)."""
    if column not in frame:
        return pa.nulls(len(pos), pa.string())
    values = frame[column].astype("string").to_numpy(dtype=object, na_value=None)
    return pa.array(values[pos], type=pa.string())


def _dedupe_words(text: pa.Array) -> pa.Array:
    """'inc inc' -> 'inc' (once per distinct value)."""
    distinct = pc.unique(text)
    cleaned = pa.array(
        [
            " ".join(dict.fromkeys(str(v).split())) if v is not None else None
            for v in distinct.to_pylist()
        ],
        type=pa.string(),
    )
    return pc.take(cleaned, pc.index_in(text, value_set=distinct))


def _flag_text(same: np.ndarray, diff: np.ndarray, label: str, detail: pa.Array | None) -> pa.Array:
    """'same phone' / 'different phone (detail)' / null, per row."""
    different = pa.scalar("different " + label)
    if detail is not None:
        different = pc.binary_join_element_wise(
            pa.scalar("different " + label + " ("), detail, pa.scalar(")"), ""
        )
    return pc.if_else(
        pa.array(same),
        pa.scalar("same " + label),
        pc.if_else(pa.array(diff), different, pa.scalar(None, pa.string())),
    )


def reasons(ev: pd.DataFrame, cmp: Comparison) -> pd.Series:
    """Readable reasons: "name 96 after dropping 'inc'; same phone; different city (denver / austin)".

    Built with pyarrow string kernels (no Python per row): 100k pairs cost well under a second.
    """
    li, r = ev["l"].to_numpy(), ev["r"].to_numpy()
    left, right = cmp.left, cmp.right
    sim = pa.array(
        ev["sim"].round().astype(int).astype(str).to_numpy(dtype=object), type=pa.string()
    )
    dropped = _squash_words(
        pc.binary_join_element_wise(
            pc.fill_null(_take(left, "dropped", li), ""),
            pc.fill_null(_take(right, "dropped", r), ""),
            " ",
        )
    )
    tag = _take(right, "tag", r)
    name = pc.binary_join_element_wise(
        pa.scalar("name "),
        sim,
        pc.if_else(
            pc.not_equal(dropped, ""),
            pc.binary_join_element_wise(
                pa.scalar(" after dropping '"), dropped, pa.scalar("'"), ""
            ),
            pa.scalar(""),
        ),
        pc.if_else(pa.array(ev["via_alias"].to_numpy()), pa.scalar(" (DBA name)"), pa.scalar("")),
        pc.if_else(
            pa.array((ev["subset"] & (ev["sim"] < 100)).to_numpy()),
            pa.scalar(" (one name contains the other)"),
            pa.scalar(""),
        ),
        pc.if_else(
            pc.is_valid(tag),
            pc.binary_join_element_wise(
                pa.scalar(" (QBO name tagged '"), pc.fill_null(tag, ""), pa.scalar("')"), ""
            ),
            pa.scalar(""),
        ),
        "",
    )
    parts = [name]
    for col, label in (
        ("domain", "email domain"),
        ("phone", "phone"),
        ("postal", "postal code"),
        ("street", "street number"),
        ("city", "city"),
        ("country", "country"),
        ("currency", "currency"),
    ):
        detail = None
        if col in ("city", "currency", "country"):
            detail = pc.binary_join_element_wise(
                pc.fill_null(_take(left, col, li), ""),
                pc.fill_null(_take(right, col, r), ""),
                " / ",
            )
        parts.append(
            _flag_text(ev[col + "_same"].to_numpy(), ev[col + "_diff"].to_numpy(), label, detail)
        )
    text = pc.binary_join_element_wise(*parts, "; ", null_handling="skip")
    return pd.Series(text.to_pandas(), index=ev.index, dtype="string")


def _squash_words(text: pa.Array) -> pa.Array:
    return _dedupe_words(pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"\s+", " ")))
