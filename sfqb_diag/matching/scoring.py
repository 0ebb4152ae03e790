"""Evidence -> one score (0-1) with reasons a person reads.

`compare` encodes two prepared party tables once; `evidence` turns candidate pairs into name
scores, same/different flags, text similarities, value frequencies and comparison levels
(comparisons.py); `fit_model` learns the Fellegi-Sunter m and u probabilities for this data
(fellegi_sunter.py: u from random pairs, m by EM on the candidates) and `score` turns levels
into a calibrated probability, so 0.92 means "about 12 to 1 that these are one party" among
the candidates. Domain rules that are not evidence to learn (the sync's own link, an inactive
customer, a currency QBO fixes forever) are added by the callers as log-odds.
`reasons` says it in words: "names 96% alike once 'Inc' is left out; same phone; different city
(denver / austin)"; `contributions` gives one pair's waterfall (field, level, m, u, weight).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from sfqb_diag.matching.blocking import NAME_KEYS, PLACE_KEYS
from sfqb_diag.matching.comparisons import PARTY_FIELDS, FieldSpec, party_levels
from sfqb_diag.matching.fellegi_sunter import Model, fit_sessions, random_pairs
from sfqb_diag.matching.normalize import LEGAL_FORMS, digits_only
from sfqb_diag.matching.similarity import best_name_scores, name_vocabulary

RANDOM_PAIRS = 50_000  # random pairs drawn to estimate u (all pairs when there are fewer)
# What each training session learns (see fellegi_sunter.fit_sessions): pairs blocked on the
# name train the address and contact fields; pairs blocked on the address train the name.
NAME_SESSION = ("street", "street2", "place", "country", "phone", "domain", "email", "currency")
PLACE_SESSION = ("name", "numbers", "phone", "domain", "email", "currency")

FIELDS = (
    "domain",
    "phone",
    "postal",
    "street_no",
    "city",
    "state",
    "country",
    "currency",
    "email",
)
# Text compared by similarity (rapidfuzz on each distinct pair of values once), not only equality.
FUZZY = ("street_line", "street2", "street_full", "city", "postal")
# Exact agreement on these is weighed by how common the value is (term frequency).
TF_FIELDS = ("city", "postal", "street_line", "domain", "phone")


@dataclass
class Comparison:
    """Two prepared party tables encoded once for fast pair comparisons: every compared field
    as integer codes shared by both sides (-1 = unknown), names as codes into one vocabulary."""

    left: pd.DataFrame
    right: pd.DataFrame
    vocab: np.ndarray = field(repr=False)
    names: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] = field(repr=False)
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(repr=False)
    texts: dict[str, np.ndarray] = field(repr=False)  # per field: the distinct values, by code
    freq: dict[str, np.ndarray] = field(repr=False)  # per field and code: term frequency
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
            self.texts,
            self.freq,
            (self.numbers[i], self.numbers[i]),
        )


def _others_with(counts: np.ndarray, n: int) -> np.ndarray:
    """Per value: the chance that ANOTHER record drawn at random has it, (count - 1) / (n - 1),
    floored at one record: the term frequency that stands in for u at an exact agreement."""
    return np.maximum(counts - 1, 1) / max(n - 1, 1)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].astype("string")
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def compare(left: pd.DataFrame, right: pd.DataFrame | None = None) -> Comparison:
    """Encode two prepared party tables (or one against itself) for `evidence`."""
    same = right is None
    right = left if right is None else right
    n = len(left) + (0 if same else len(right))
    vocab, codes = name_vocabulary(
        left["core"], left["alias"], *(() if same else (right["core"], right["alias"]))
    )
    lnames = {"core": codes[0], "alias": codes[1]}
    rnames = lnames if same else {"core": codes[2], "alias": codes[3]}
    fields: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    texts: dict[str, np.ndarray] = {}
    freq: dict[str, np.ndarray] = {}
    for name in dict.fromkeys((*FIELDS, *FUZZY)):
        lv, rv = _column(left, name), _column(right, name)
        both = lv if same else pd.concat([lv, rv])
        c, uniques = pd.factorize(both, use_na_sentinel=True)
        fields[name] = (c[: len(left)], c if same else c[len(left) :])
        texts[name] = np.asarray(uniques, dtype=object)
        freq[name] = _others_with(np.bincount(c[c >= 0], minlength=len(uniques)), n)
    core = np.concatenate([lnames["core"], *(() if same else (rnames["core"],))])
    freq["name"] = _others_with(np.bincount(core[core >= 0], minlength=len(vocab)), n)
    digits = pd.concat(
        [digits_only(left["core"]), *(() if same else (digits_only(right["core"]),))]
    )
    codes_n = pd.factorize(digits.replace("", pd.NA), use_na_sentinel=True)[0]  # -1: no digits
    numbers = (codes_n[: len(left)], codes_n if same else codes_n[len(left) :])
    return Comparison(left, right, vocab, (lnames, rnames), fields, texts, freq, numbers)


def _text_scores(
    values: np.ndarray, a: np.ndarray, b: np.ndarray, scorer: Callable[..., float]
) -> np.ndarray:
    """`scorer` on each distinct (code, code) pair once; NaN where either code is -1."""
    out = np.full(len(a), np.nan)
    valid = (a >= 0) & (b >= 0)
    if not valid.any():
        return out
    width = np.int64(len(values) + 1)
    packed = a[valid].astype(np.int64) * width + b[valid].astype(np.int64)
    distinct, inverse = np.unique(packed, return_inverse=True)
    scores = process.cpdist(
        values[distinct // width].tolist(),
        values[distinct % width].tolist(),
        scorer=scorer,
        workers=-1,
    ).astype("float64")
    out[valid] = scores[inverse]
    return out


def _freq(freq: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The value frequency per code (NaN where unknown, or when the field is empty throughout)."""
    if len(freq) == 0:
        return np.full(len(codes), np.nan)
    return np.where(codes >= 0, freq[np.maximum(codes, 0)], np.nan)


def _jaro_winkler(a: str, b: str, **kwargs: object) -> float:
    """Jaro-Winkler similarity 0-100: kind to transposed letters in short words ('dalby'/'dably')."""
    return float(JaroWinkler.normalized_similarity(a, b)) * 100


def evidence(cmp: Comparison, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per pair (positions l, r of `pairs`): name scores, same/different flags, text similarities,
    value frequencies (term-frequency adjustment) and the comparison levels (`lv_<field>`)."""
    li, r = pairs["l"].to_numpy(dtype=np.int64), pairs["r"].to_numpy(dtype=np.int64)
    lnames, rnames = cmp.names
    out = best_name_scores(cmp.vocab, lnames, rnames, li, r)
    lcore, rcore = lnames["core"][li], rnames["core"][r]
    out["name_known"] = (lcore >= 0) & (rcore >= 0)
    out["name_tf"] = _freq(cmp.freq["name"], lcore)
    for name in FIELDS:
        cl, cr = cmp.codes[name]
        a, b = cl[li], cr[r]
        known = (a >= 0) & (b >= 0)
        out[name + "_same"], out[name + "_diff"] = known & (a == b), known & (a != b)
    for name, scorer in (
        ("street_line", fuzz.ratio),
        ("street2", fuzz.ratio),
        ("city", _jaro_winkler),
        ("postal", DamerauLevenshtein.distance),
    ):
        cl, cr = cmp.codes[name]
        a, b = cl[li], cr[r]
        values = _text_scores(cmp.texts[name], a, b, scorer)
        key = {"street_line": "street", "postal": "postal"}.get(name, name)
        out[key + ("_edits" if name == "postal" else "_sim")] = values
        out[key + "_known"] = ~np.isnan(values)
    for name in TF_FIELDS:
        key = "street" if name == "street_line" else name
        out[key + "_tf"] = _freq(cmp.freq[name], cmp.codes[name][0][li])
    # Line 1 and line 2 swapped ("17 raffa estate" / "braine street") still read as one street,
    # typos included ("60 wilkins street" + "bega flats" / "60 bega fkats" + "wilkins street"):
    # where both lines together in any order agree better than line 1 alone, they are compared
    # together and line 2 is used up.
    cl, cr = cmp.codes["street_full"]
    full = _text_scores(cmp.texts["street_full"], cl[li], cr[r], fuzz.token_sort_ratio)
    line = out["street_sim"].to_numpy()
    has_line2 = (cmp.codes["street2"][0][li] >= 0) | (cmp.codes["street2"][1][r] >= 0)
    swapped = (full >= 100) & ~(line >= 100) | has_line2 & (full >= 90) & ~(line >= full)
    out["street_sim"] = np.where(swapped, full, line)
    out["street_known"] = out["street_known"].to_numpy() | swapped
    out["street2_known"] = out["street2_known"].to_numpy() & ~swapped
    # For the reasons text: the house number, where the postal code agrees too.
    same_postal = out["postal_same"].to_numpy()
    out["street_same"] = out["street_no_same"].to_numpy() & same_postal
    out["street_diff"] = out["street_no_diff"].to_numpy() & same_postal
    ln, rn = cmp.numbers
    has_numbers = (ln[li] >= 0) | (rn[r] >= 0)
    out["numbers_same"] = has_numbers & (ln[li] == rn[r])
    out["numbers_diff"] = has_numbers & (ln[li] != rn[r])
    out["l"], out["r"] = li, r
    if "keys" in pairs:
        out["keys"] = pairs["keys"].to_numpy()
    levels = party_levels(out)
    for j, spec in enumerate(PARTY_FIELDS):
        out["lv_" + spec.name] = levels[:, j]
    return out


def levels_of(ev: pd.DataFrame) -> np.ndarray:
    """The comparison-level matrix (pairs x PARTY_FIELDS) carried by an evidence frame."""
    return ev[["lv_" + spec.name for spec in PARTY_FIELDS]].to_numpy(dtype=np.int8)


def fit_model(
    cmp: Comparison, pairs: pd.DataFrame, same: bool, sample: int = RANDOM_PAIRS
) -> Model:
    """Learn m and u for this comparison: u from random pairs of the two tables (or of one table
    with itself, `same`), m and the prior by EM on the candidate `pairs` (their evidence)."""
    li, r = random_pairs(len(cmp.left), len(cmp.right), sample, same)
    random = levels_of(evidence(cmp, pd.DataFrame({"l": li, "r": r}))) if len(li) else None
    ev = pairs if "lv_name" in pairs else evidence(cmp, pairs)
    keys = ev["keys"].to_numpy(dtype=np.int64) if "keys" in ev else np.zeros(len(ev), np.int64)
    n_l, n_r = len(cmp.left), len(cmp.right)
    total = n_l * (n_l - 1) / 2 if same else n_l * n_r
    # At most one partner per record: n/2 duplicate pairs in one table, min(n, m) across two.
    # Corrected only when the "random" pairs are every pair (a small folder), where the true
    # pairs are surely among them; on a sample the bound over-corrects the rare levels (measured:
    # FEBRL 2 duplicates F1 0.993 -> 0.962 with it).
    most_matches = (n_l / 2 if same else min(n_l, n_r)) if total <= sample else 0.0
    model = fit_sessions(
        PARTY_FIELDS,
        levels_of(ev),
        random if random is not None else np.zeros((0, len(PARTY_FIELDS)), dtype=np.int8),
        sessions=[((keys & NAME_KEYS) > 0, NAME_SESSION), ((keys & PLACE_KEYS) > 0, PLACE_SESSION)],
        total_pairs=total,
        match_share=most_matches / max(total, 1.0),
    )
    # Every field's frequencies share one floor (_others_with: one in n - 1).
    model.tf_floor = float(cmp.freq["name"].min()) if len(cmp.freq["name"]) else 0.0
    return model


def score(model: Model, ev: pd.DataFrame, extra_logit: np.ndarray | None = None) -> np.ndarray:
    """Calibrated probability (0-1) that each pair is one party; `extra_logit` adds domain rules."""
    return model.probability(levels_of(ev), ev, extra_logit)


def contributions(
    model: Model, cmp: Comparison, left: int, right: int, extra_logit: float = 0.0
) -> pd.DataFrame:
    """The waterfall of one pair (positions left, right): each field's level, m, u, weight."""
    ev = evidence(cmp, pd.DataFrame({"l": [left], "r": [right]}))
    return model.contributions(levels_of(ev)[0], ev, extra_logit)


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


def reasons(ev: pd.DataFrame, cmp: Comparison) -> pd.Series:
    """Readable reasons: "names 96% alike once 'Inc' is left out; same phone; different city
    (Denver / Austin)".

    Built with pyarrow string kernels (no Python per row): 100k pairs cost well under a second.
    """
    li, r = ev["l"].to_numpy(), ev["r"].to_numpy()
    left, right = cmp.left, cmp.right
    sim = pa.array(
        ev["sim"].round().astype(int).astype(str).to_numpy(dtype=object), type=pa.string()
    )
    ldrop, rdrop = (pc.fill_null(_take(t, "dropped", p), "") for t, p in ((left, li), (right, r)))
    # Only words one side has and the other lacks made a difference: "Globex Corporation" twice
    # is the same name, not "the same name once 'Corporation' is left out".
    dropped = pc.if_else(
        pc.not_equal(ldrop, rdrop),
        _left_out(_squash_words(pc.binary_join_element_wise(ldrop, rdrop, " "))),
        pa.scalar(""),
    )
    tag = _take(right, "tag", r)
    same = pa.array((ev["sim"].round() >= 100).to_numpy())
    name = pc.binary_join_element_wise(
        pc.if_else(
            same,
            pa.scalar("same name"),
            pc.binary_join_element_wise(pa.scalar("names "), sim, pa.scalar("% alike"), ""),
        ),
        dropped,
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
    for spec in PARTY_FIELDS[1:]:
        levels = ev["lv_" + spec.name].to_numpy()
        text = _level_text(spec, levels, left, right, li, r)
        if spec.name == "domain":
            # A Salesforce account's domain is its Website's when it has one: say so.
            web = _from_website(left, li) | _from_website(right, r)
            site = _level_text(spec, levels, left, right, li, r, _WEBSITE_WORDS)
            text = pc.if_else(pa.array(web), site, text)
        parts.append(text)
    text = pc.binary_join_element_wise(*parts, "; ", null_handling="skip")
    return pd.Series(text.to_pandas(), index=ev.index, dtype="string")


# What each level of a field reads as; "{detail}" is "left / right" values.
_LEVEL_WORDS = {
    "street": (
        "same street",
        "similar street",
        "similar street",
        "same street number",
        "different street",
    ),
    "street2": ("same address line 2", "similar address line 2", "different address line 2"),
    "place": (
        "same postal code and city",
        "same postal code",
        "postal code one typo apart; same city",
        "same city",
        "postal code one typo apart",
        "same state only",
        "different city ({detail})",
    ),
    "country": ("same country", "different country ({detail})"),
    "currency": ("same currency", "different currency ({detail})"),
    "numbers": ("same numbers in the name", "different numbers in the name"),
    # One company writes from several addresses (ap@, billing@, a person's own): another
    # address is weak evidence against, and the words say so.
    "domain": ("same email domain", "different email domain"),
    "email": ("same email", "different email address (weak: a company uses several)"),
}
_WEBSITE_WORDS = ("same website domain", "different website domain")


def _from_website(frame: pd.DataFrame, pos: np.ndarray) -> np.ndarray:
    """True where the record's company domain came from its Website (not an email address)."""
    if "domain_from" not in frame:
        return np.zeros(len(pos), dtype=bool)
    return (frame["domain_from"].astype("string") == "website").fillna(False).to_numpy(bool)[pos]


# The values shown in "different city (Denver / Austin)": as the records write them.
_DETAIL_COLUMN = {"place": "city_as_given", "country": "country", "currency": "currency"}


def _level_text(
    spec: FieldSpec,
    levels: np.ndarray,
    left: pd.DataFrame,
    right: pd.DataFrame,
    li: np.ndarray,
    r: np.ndarray,
    words: tuple[str, ...] = (),
) -> pa.Array:
    """The reasons phrase of one field per pair (null where the field is missing)."""
    words = (
        words or _LEVEL_WORDS.get(spec.name) or ("same " + spec.label, "different " + spec.label)
    )
    column = _DETAIL_COLUMN.get(spec.name)
    detail = (
        pc.binary_join_element_wise(
            pc.fill_null(_take(left, column, li), ""),
            pc.fill_null(_take(right, column, r), ""),
            " / ",
        )
        if column
        else pa.nulls(len(levels), pa.string())
    )
    out = pa.nulls(len(levels), pa.string())
    for level, template in enumerate(words):
        head, _, tail = template.partition("{detail}")
        text = (
            pc.binary_join_element_wise(
                pa.scalar(head), detail, pa.scalar(tail.replace("}", "")), ""
            )
            if "{detail}" in template
            else pa.scalar(template)
        )
        out = pc.if_else(pa.array(levels == level), text, out)
    return out


def _squash_words(text: pa.Array) -> pa.Array:
    return _dedupe_words(pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"\s+", " ")))


# How the normaliser's lower-case words are written in a sentence: legal-form initials in
# capitals ("L.L.C." -> 'LLC'), words and word-like abbreviations capitalised ('Inc', 'Corp').
_CAPITALISED = {"inc", "ltd", "co", "cos", "corp", "pty", "pte", "pvt", "oy", "the", "and"}
_WRITTEN = {"gmbh": "GmbH", "mbh": "mbH", "spa": "SpA", "deleted": "(deleted)"}


def _written(word: str) -> str:
    if word in _WRITTEN:
        return _WRITTEN[word]
    initials = len(word) <= 5 and word in LEGAL_FORMS and word not in _CAPITALISED
    return word.upper() if initials else word.capitalize()


def _left_out(dropped: pa.Array) -> pa.Array:
    """'llc inc' -> " once 'LLC' and 'Inc' are left out" ('' when nothing was dropped), once per
    distinct value: the words the name comparison ignored, as a reader writes them."""
    distinct = pc.unique(dropped)
    phrases = []
    for value in distinct.to_pylist():
        words = [_written(w) for w in str(value or "").split()]
        quoted = [f"'{w}'" for w in words]
        listed = (
            ", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else "".join(quoted)
        )
        verb = "are" if len(words) > 1 else "is"
        phrases.append(f" once {listed} {verb} left out" if words else "")
    return pc.take(pa.array(phrases, type=pa.string()), pc.index_in(dropped, value_set=distinct))
