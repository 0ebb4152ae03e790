"""Candidate pairs by blocking: only records sharing a key are compared.

Several independent keys keep recall when one field is wrong or missing (a typo in the name is
caught by the phone, a new phone by the name), and a per-value cap drops keys too common to say
anything (a shared switchboard, the word "services"), so cost grows about linearly with size.
Keys (`KEY_BITS` names them; a pair records which keys it shares):
  name     normalised name or DBA alias, exact
  tokens   the same words in any order
  rare2    the two rarest words of the name (rarity over both tables)
  prefix   the first 4 letters of every word, sorted (typos after the 4th letter)
  domain   company email/web domain (free-mail never is one)
  phone    E.164 phone
  address  postal code + street number
  postname postal code + first 3 letters of the name
  street   the street line, exact (a person's home address; a typo'd name at the same door)
  street2  address line 2, exact
  cityno   city + house number
  word     any one word of the name of 3+ letters, or of the street line of 4+ letters, under
           a tighter cap (`WORD_CAP`): a typo in the given name leaves the family name, a typo
           in the house number leaves the street's name
  postcity postal code + city, under a tight cap (PLACE_CAP: a few records at one place)
  postword postal code + the first 3 letters of any word of the name
  cityword city + the first 3 letters of any word of the name: a typo in the given name and
           another in the postal code ("Grace Mason", 2370 / "Graxe Mason", 2375, same city)
           share no other key (both under tight caps, KIND_CAPS: "Smith" in one city is common)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sfqb_diag.ids import arrow_text
from sfqb_diag.matching.normalize import join_sorted_words

KEY_BITS = {
    "name": 1,
    "tokens": 2,
    "rare2": 4,
    "prefix": 8,
    "domain": 16,
    "phone": 32,
    "address": 64,
    "postname": 128,
    "street": 256,
    "street2": 512,
    "cityno": 1024,
    "word": 2048,
    "postcity": 4096,
    "sword": 8192,
    "postword": 16384,
    "cityword": 32768,
}
# Key families (for training the model in sessions, fellegi_sunter.fit_sessions).
NAME_KEYS = (
    KEY_BITS["name"]
    | KEY_BITS["tokens"]
    | KEY_BITS["rare2"]
    | KEY_BITS["prefix"]
    | KEY_BITS["word"]
)
PLACE_KEYS = (
    KEY_BITS["address"]
    | KEY_BITS["street"]
    | KEY_BITS["street2"]
    | KEY_BITS["cityno"]
    | KEY_BITS["postcity"]
    | KEY_BITS["sword"]
)
DEFAULT_CAP = 400  # most pairs one key value may produce before it is judged uninformative
WORD_CAP = 60  # a single word is a weak key: only words this rare make pairs
# A city is much larger than a postal code: a word stem there pairs only when nearly unique.
CITY_WORD_CAP = 6
# A postal code and city shared by more than about six records is a neighbourhood, not an
# address: records there pair on their name at that place (postname, postword) instead. On the
# public person sets (FEBRL 1-3) this cap leaves every candidate pair in place; on the 100k demo
# the key's bigger groups made 60% of all duplicate candidates and none of them was a match.
PLACE_CAP = 15
# Keys built on one word (alone or at one place) take a tighter cap than DEFAULT_CAP.
KIND_CAPS = {
    KEY_BITS["word"]: WORD_CAP,
    KEY_BITS["sword"]: WORD_CAP,
    KEY_BITS["postword"]: WORD_CAP,
    KEY_BITS["cityword"]: CITY_WORD_CAP,
    KEY_BITS["postcity"]: PLACE_CAP,
}
NO_CAP = np.iinfo(np.int64).max


# One kind of key of one table: (its KEY_BITS bit, record positions, the key texts). Keys stay
# Arrow strings from the party table to the integer codes: no Python object per key.
KeyRows = tuple[int, np.ndarray, pa.Array]


def _long(kind: str, key: pa.Array, pos: np.ndarray | None = None) -> KeyRows:
    """The rows of one key kind with a key (not null, not empty); `pos` defaults to 0..n-1."""
    at = np.arange(len(key), dtype=np.int64) if pos is None else np.asarray(pos, dtype=np.int64)
    keep = pc.fill_null(pc.not_equal(key, ""), False)
    return KEY_BITS[kind], at[keep.to_numpy(zero_copy_only=False)], key.filter(keep)


def _words(core: pd.Series, side: int) -> pd.DataFrame:
    """(side, pos, word) per distinct word of each name; `word` Arrow-backed text."""
    lists = pc.split_pattern(arrow_text(core, large=True), " ")
    frame = pd.DataFrame(
        {
            "side": side,
            "pos": pc.list_parent_indices(lists).to_numpy(),
            "word": pd.arrays.ArrowStringArray(pc.list_flatten(lists)),
        }
    )
    return frame[(frame["word"] != "").to_numpy()].drop_duplicates()


def _rare2(words: pd.DataFrame) -> pd.DataFrame:
    """Per (side, pos): the two words with the lowest document frequency, alphabetically joined."""
    df = words.groupby("word")["pos"].transform("size")
    ranked = words.assign(df=df.to_numpy()).sort_values(
        ["side", "pos", "df", "word"], kind="stable"
    )
    ranked["rank"] = ranked.groupby(["side", "pos"]).cumcount()
    first = ranked[ranked["rank"] == 0].set_index(["side", "pos"])["word"]
    second = ranked[ranked["rank"] == 1].set_index(["side", "pos"])["word"].reindex(first.index)
    lo = np.where(second.isna() | (first <= second.fillna("")), first, second)
    hi = np.where(second.isna() | (first <= second.fillna("")), second.fillna(""), first)
    key = (
        pd.Series(lo, index=first.index, dtype="string")
        + " "
        + pd.Series(hi, index=first.index, dtype="string")
    )
    return key.str.strip().rename("key").reset_index()


def _prefix(words: pd.DataFrame) -> pd.DataFrame:
    """Per (side, pos): the 4-letter prefixes of its words, distinct, sorted, joined."""
    out = []
    for side, own in words.groupby("side"):
        positions, row = np.unique(own["pos"].to_numpy(), return_inverse=True)
        joined = join_sorted_words(
            row, own["word"].str.slice(0, 4).to_numpy(dtype=object), len(positions)
        )
        out.append(pd.DataFrame({"side": side, "pos": positions, "key": joined.to_pandas()}))
    return (
        pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["side", "pos", "key"])
    )


def _column(parties: pd.DataFrame, name: str) -> pa.Array:
    if name in parties:
        return arrow_text(parties[name], large=True)
    return pa.nulls(len(parties), pa.large_string())


def _joined(a: pa.Array, b: pa.Array) -> pa.Array:
    """'a|b' per row, null when either is null."""
    return pc.binary_join_element_wise(a, b, pa.scalar("|", pa.large_string()))


def block_keys(parties: pd.DataFrame, words: pd.DataFrame, side: int) -> list[KeyRows]:
    """Every blocking key of one prepared party table, one KeyRows per kind and source."""
    own = words[words["side"] == side]
    core, postal = _column(parties, "core"), _column(parties, "postal")
    city, number = _column(parties, "city"), _column(parties, "street_no")
    keys = [
        _long("name", core),
        _long("name", _column(parties, "alias")),
        _long("tokens", _column(parties, "tkey")),
        _long("domain", _column(parties, "domain")),
        _long("phone", _column(parties, "phone")),
        _long("address", _joined(postal, number)),
        _long("postname", _joined(postal, pc.utf8_slice_codeunits(core, 0, 3))),
        _long("street", _column(parties, "street_line")),
        _long("street2", _column(parties, "street2")),
        _long("cityno", _joined(city, number)),
        _long("postcity", _joined(postal, city)),
    ]
    street_words = _words(parties["street_line"], side) if "street_line" in parties else own[:0]
    street_words = street_words[
        (street_words["word"].str.len() >= 4) & ~street_words["word"].str.contains(r"\d")
    ]
    for found, shortest, kind in ((own, 3, "word"), (street_words, 4, "sword")):
        word = found[found["word"].str.len() >= shortest]
        keys.append(_long(kind, arrow_text(word["word"], large=True), word["pos"].to_numpy()))
    at = pa.array(own["pos"].to_numpy())
    stems = pc.utf8_slice_codeunits(arrow_text(own["word"], large=True), 0, 3)
    for kind, place in (("postword", postal), ("cityword", city)):
        keys.append(_long(kind, _joined(place.take(at), stems), own["pos"].to_numpy()))
    for kind, table in (("rare2", _rare2(own)), ("prefix", _prefix(own))):
        keys.append(_long(kind, arrow_text(table["key"], large=True), table["pos"].to_numpy()))
    return keys


def _distinct_keys(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """One row per (code, pos), first occurrence kept in order (numpy on packed integers)."""
    packed = frame["code"].to_numpy(dtype=np.int64) * np.int64(n + 1) + frame["pos"].to_numpy(
        dtype=np.int64
    )
    first = ~pd.Series(packed).duplicated().to_numpy()  # hashing keeps the first, in order
    return frame[first].reset_index(drop=True)


@dataclass
class Blocks:
    """Blocking keys of two tables as integer codes in one code space, built once and joined
    as often as needed: left x right (linking), left x left and right x right (duplicates)."""

    left: pd.DataFrame  # code, pos, bit
    right: pd.DataFrame  # code, pos, bit
    n_codes: int
    sizes: tuple[int, int]
    code_caps: np.ndarray  # per code: its kind's own cap (KIND_CAPS), else NO_CAP


def _encode(
    sides: tuple[list[KeyRows], list[KeyRows]],
) -> tuple[tuple[pd.DataFrame, pd.DataFrame], int, np.ndarray]:
    """Both tables' keys as integer codes in one code space (each kind's distinct texts numbered
    after the previous kind's, by Arrow's hashing): per side a frame (code, pos, bit), the number
    of codes, and each code's cap (its kind's KIND_CAPS, else NO_CAP)."""
    columns: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[], []]
    offset, caps = 0, [np.zeros(0, dtype=np.int64)]
    for kind in sorted({k for rows in sides for k, _, _ in rows}):
        parts = [(side, pos, key) for side in (0, 1) for k, pos, key in sides[side] if k == kind]
        encoded = pa.concat_arrays([key for _, _, key in parts]).dictionary_encode()
        numbers = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64) + offset
        start = 0
        for side, pos, _ in parts:
            code = numbers[start : start + len(pos)]
            columns[side].append((code, pos, np.full(len(pos), kind, dtype=np.int64)))
            start += len(pos)
        caps.append(np.full(len(encoded.dictionary), KIND_CAPS.get(kind, NO_CAP), dtype=np.int64))
        offset += len(encoded.dictionary)
    empty = (np.zeros(0, np.int64),) * 3
    frames = tuple(
        pd.DataFrame(
            {
                name: np.concatenate([c[i] for c in columns[side]] or [empty[i]])
                for i, name in enumerate(("code", "pos", "bit"))
            }
        )
        for side in (0, 1)
    )
    return (frames[0], frames[1]), offset, np.concatenate(caps)


def build_blocks(left: pd.DataFrame, right: pd.DataFrame | None = None) -> Blocks:
    """Compute every key of both prepared party tables (word rarity is counted over both)."""
    right = left if right is None else right
    words = pd.concat([_words(left["core"], 0), _words(right["core"], 1)], ignore_index=True)
    (lkeys, rkeys), n_codes, code_caps = _encode(
        (block_keys(left, words, 0), block_keys(right, words, 1))
    )
    lf = _distinct_keys(lkeys, len(left))
    rf = _distinct_keys(rkeys, len(right))
    return Blocks(lf, rf, n_codes, (len(left), len(right)), code_caps)


def join_blocks(blocks: Blocks, sides: str = "lr", cap: int = DEFAULT_CAP) -> pd.DataFrame:
    """Candidate pairs (l, r, keys) for `sides`: "lr" left x right, "ll"/"rr" a table with itself
    (each pair once, l < r). Key values producing more than `cap` pairs are skipped."""
    a = blocks.left if sides[0] == "l" else blocks.right
    b = blocks.left if sides[1] == "l" else blocks.right
    self_join = sides[0] == sides[1]
    na, nb = (
        np.bincount(a["code"], minlength=blocks.n_codes),
        np.bincount(b["code"], minlength=blocks.n_codes),
    )
    load = na * (na - 1) // 2 if self_join else na * nb
    limit = np.minimum(blocks.code_caps, cap)
    useful = (load > 0) & (load <= limit)
    lf = a[useful[a["code"].to_numpy()]].rename(columns={"pos": "l"})
    rf = b[useful[b["code"].to_numpy()]].rename(columns={"pos": "r"})[["code", "r"]]
    pairs = lf.merge(rf, on="code")
    if self_join:
        pairs = pairs[pairs["l"] < pairs["r"]]
    width = np.int64(max(blocks.sizes) + 1)
    packed = pairs["l"].to_numpy(dtype=np.int64) * width + pairs["r"].to_numpy(dtype=np.int64)
    # Each key kind is one bit: OR-ing a pair's bits over its shared keys says which kinds it shares.
    order = np.argsort(packed, kind="stable")
    packed, bit = packed[order], pairs["bit"].to_numpy(dtype=np.int64)[order]
    keys, start = np.unique(packed, return_index=True)
    shared = np.bitwise_or.reduceat(bit, start) if len(bit) else np.zeros(0, dtype=np.int64)
    return pd.DataFrame({"l": keys // width, "r": keys % width, "keys": shared})


def candidate_pairs(
    left: pd.DataFrame, right: pd.DataFrame | None = None, cap: int = DEFAULT_CAP
) -> pd.DataFrame:
    """Pairs (l, r) of positions sharing at least one key, with `keys` = OR of KEY_BITS.

    With `right` None the table is blocked against itself and each pair appears once, l < r
    (duplicate search). Key values producing more than `cap` pairs are skipped.
    """
    if right is None:
        return join_blocks(build_blocks(left, left.iloc[0:0]), "ll", cap)
    return join_blocks(build_blocks(left, right), "lr", cap)
