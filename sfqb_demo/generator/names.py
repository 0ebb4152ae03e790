"""Realistic names for the demo business: companies, people, places, phones, products.

Everything is drawn with a numpy Generator in bulk (no per-row Python loops on the big paths) so
that 100k accounts cost a fraction of a second. The word lists are deliberately varied: legal
suffixes across countries, "&" vs "and", accents, abbreviations, a leading "The", so that the
matching engine meets the same mess it meets on client data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

# The word lists live in data/words.json (package data): what they hold is data, not code.
_WORDS = json.loads((Path(__file__).parent / "data" / "words.json").read_text(encoding="utf-8"))
BASE = np.array(_WORDS["BASE"])  # company name stems ("_" joins two words)
SURNAME = np.array(_WORDS["SURNAME"])
INDUSTRY = np.array(_WORDS["INDUSTRY"])
SUFFIX_BY_COUNTRY: dict[str, list[str]] = _WORDS["SUFFIX_BY_COUNTRY"]  # legal suffixes
GEO: list[tuple[str, str, str, str]] = [
    tuple(g) for g in _WORDS["GEO"]
]  # city, region, postal, country
CURRENCY_OF_COUNTRY: dict[str, str] = _WORDS["CURRENCY_OF_COUNTRY"]
DIAL: dict[str, str] = _WORDS["DIAL"]
STREETS = np.array(_WORDS["STREETS"])
STREET_TYPES = np.array(_WORDS["STREET_TYPES"])
FIRST = np.array(_WORDS["FIRST"])
FREE_MAIL = np.array(_WORDS["FREE_MAIL"])  # free-mail domains: no evidence of a company
TLD: dict[str, str] = _WORDS["TLD"]
# Countries weighted: mostly US (USD), some CA/EUR/GB.
_COUNTRY_WEIGHT: dict[str, float] = _WORDS["_COUNTRY_WEIGHT"]


def geo_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """n billing places: city, state, postal code, country, currency, street."""
    geo = pd.DataFrame(GEO, columns=["city", "state", "postal_prefix", "country"])
    weight = geo["country"].map(_COUNTRY_WEIGHT) / geo.groupby("country")["city"].transform("size")
    pick = rng.choice(len(geo), size=n, p=(weight / weight.sum()).to_numpy())
    out = geo.iloc[pick].reset_index(drop=True)
    out["currency"] = out["country"].map(CURRENCY_OF_COUNTRY)
    out["postal"] = _postal(rng, out)
    number = rng.integers(1, 9900, n).astype(str)
    street = STREETS[rng.integers(0, len(STREETS), n)]
    stype = STREET_TYPES[rng.integers(0, len(STREET_TYPES), n)]
    suite = np.where(rng.random(n) < 0.2, ", Suite " + rng.integers(100, 990, n).astype(str), "")
    out["street"] = pd.Series(number, dtype=object) + " " + street + " " + stype + suite
    return out.drop(columns="postal_prefix")


def _postal(rng: np.random.Generator, geo: pd.DataFrame) -> pd.Series:
    """Postal codes shaped like each country's: US ZIP5 (some ZIP+4), CA 'M5V 2T6', UK 'EC1A 1BB'."""
    n = len(geo)
    digits = pd.Series(rng.integers(0, 100, n), dtype=int).astype(str).str.zfill(2)
    tail3 = pd.Series(rng.integers(0, 1000, n), dtype=int).astype(str).str.zfill(3)
    letters = np.array(list("ABCEGHJKLMNPRSTVWXYZ"))
    l1, l2 = letters[rng.integers(0, 20, n)], letters[rng.integers(0, 20, n)]
    d1 = rng.integers(0, 10, n).astype(str)
    p = geo["postal_prefix"].reset_index(drop=True)
    zip4 = np.where(
        rng.random(n) < 0.15, "-" + pd.Series(rng.integers(1000, 9999, n)).astype(str), ""
    )
    by_country = {
        "US": p + digits + zip4,
        "CA": p
        + " "
        + pd.Series(d1, dtype=object)
        + l1
        + pd.Series(rng.integers(0, 10, n).astype(str), dtype=object),
        "GB": p + " " + pd.Series(d1, dtype=object) + l1 + l2,
        "DE": p + tail3,
        "FR": p + tail3,
        "NL": p + digits + " " + pd.Series(l1, dtype=object) + l2,
        "ES": p + tail3,
        "IE": p + " " + pd.Series(l1, dtype=object) + tail3.str.slice(0, 2) + l2,
        "AU": p,
    }
    out = pd.Series("", index=p.index, dtype=object)
    for country, values in by_country.items():
        mask = (geo["country"] == country).to_numpy()
        out[mask] = values[mask]
    return out


def _words(arr: np.ndarray) -> np.ndarray:
    return np.char.replace(arr.astype(str), "_", " ").astype(object)


def name_key(names: pd.Series) -> pd.Series:
    """A crude uniqueness key (lower case, letters only, suffix words dropped) used only to keep
    unrelated demo companies from sharing a name by accident."""
    key = names.str.lower().str.replace(
        r"\b(inc|llc|l\.l\.c|ltd|corp|co|gmbh|ag|plc|the|and|s\.a|b\.v|n\.v|pty|limited|corporation|incorporated|sarl|sas|s\.l|dac|kg)\b\.?",
        "",
        regex=True,
    )
    return key.str.replace(r"[^a-z]", "", regex=True)


def company_names(
    rng: np.random.Generator, country: pd.Series, avoid: set[str] | None = None
) -> pd.Series:
    """Distinct company names in several shapes, with legal suffixes suited to each country."""
    n = len(country)
    m = int(n * 1.6) + 50
    b1, b2 = (
        _words(BASE[rng.integers(0, len(BASE), m)]),
        _words(BASE[rng.integers(0, len(BASE), m)]),
    )
    ind = _words(INDUSTRY[rng.integers(0, len(INDUSTRY), m)])
    sur, sur2 = SURNAME[rng.integers(0, len(SURNAME), m)], SURNAME[rng.integers(0, len(SURNAME), m)]
    shape = rng.choice(7, size=m, p=[0.32, 0.22, 0.12, 0.1, 0.08, 0.08, 0.08])
    b1s, b2s, inds = pd.Series(b1), pd.Series(b2), pd.Series(ind)
    candidates = [
        b1s + " " + inds,
        b1s + " " + b2s + " " + inds,
        pd.Series(sur) + " & " + pd.Series(sur2) + " " + inds,
        "The " + b1s + " " + inds,
        pd.Series(sur) + " " + inds,
        pd.Series(sur) + " & Sons " + inds,
        b1s + " and " + b2s + " " + inds,
    ]
    names = candidates[0].copy()
    for k in range(1, 7):
        names[shape == k] = candidates[k][shape == k]
    keys = name_key(names)
    keep = ~keys.duplicated()
    if avoid:
        keep &= ~keys.isin(avoid)
    names = names[keep].reset_index(drop=True).iloc[:n]
    if len(names) < n:  # extremely large sizes: disambiguate with a number, as real registries do
        extra = (
            pd.Series(b1[: n - len(names)])
            + " "
            + pd.Series(np.arange(n - len(names)).astype(str))
            + " "
            + pd.Series(ind[: n - len(names)])
        )
        names = pd.concat([names, extra], ignore_index=True)
    return names + _suffixes(rng, country.reset_index(drop=True))


def _suffixes(rng: np.random.Generator, country: pd.Series) -> pd.Series:
    out = pd.Series("", index=country.index, dtype=object)
    for c, options in SUFFIX_BY_COUNTRY.items():
        mask = (country == c).to_numpy()
        opts = np.array([" " + o if o else "" for o in options], dtype=object)
        out[mask] = opts[rng.integers(0, len(opts), int(mask.sum()))]
    return out


def domains(names: pd.Series, country: pd.Series) -> pd.Series:
    """A company web domain from its name: 'Blue Ridge Logistics LLC' -> 'blueridgelogistics.com'."""
    core = name_key(names).str.slice(0, 24)
    return core + country.map(TLD)


def phones(rng: np.random.Generator, country: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(digits, formatted) phone numbers; formats vary the way people type them."""
    n = len(country)
    area = pd.Series(rng.integers(201, 990, n)).astype(str)
    mid = pd.Series(rng.integers(200, 999, n)).astype(str)
    last = pd.Series(rng.integers(0, 10000, n)).astype(str).str.zfill(4)
    digits = area + mid + last
    fmt = rng.integers(0, 5, n)
    shapes = [
        "(" + area + ") " + mid + "-" + last,
        area + "-" + mid + "-" + last,
        area + "." + mid + "." + last,
        "+1 " + area + " " + mid + " " + last,
        digits,
    ]
    out = shapes[0].copy()
    for k in range(1, 5):
        out[fmt == k] = shapes[k][fmt == k]
    intl = (~country.isin(["US", "CA"])).to_numpy()
    dial = country.reset_index(drop=True).map(DIAL)
    intl_fmt = "+" + dial + " " + area.str.slice(0, 2) + " " + mid + " " + last
    out[intl] = intl_fmt[intl]
    digits[intl] = (dial + area.str.slice(0, 2) + mid + last)[intl]
    return digits, out


def reformat_phone(rng: np.random.Generator, digits: pd.Series, country: pd.Series) -> pd.Series:
    """The same numbers written another way (QBO users type phones differently)."""
    d = digits.reset_index(drop=True)
    na = d.str.len() == 10
    a, m, l_ = d.str.slice(0, 3), d.str.slice(3, 6), d.str.slice(6, 10)
    out = pd.Series(
        np.where(rng.random(len(d)) < 0.5, a + "-" + m + "-" + l_, "(" + a + ") " + m + "-" + l_),
        dtype=object,
    )
    out[~na.to_numpy()] = ("+" + d)[~na.to_numpy()]
    return out


def people(rng: np.random.Generator, n: int) -> tuple[pd.Series, pd.Series]:
    """(first, last) names with accents and apostrophes."""
    return pd.Series(FIRST[rng.integers(0, len(FIRST), n)]), pd.Series(
        SURNAME[rng.integers(0, len(SURNAME), n)]
    )


def ascii_fold(s: pd.Series) -> pd.Series:
    """ASCII form used in email local parts ('Zoë' -> 'zoe')."""
    return (
        s.str.normalize("NFKD")
        .str.encode("ascii", errors="ignore")
        .str.decode("ascii")
        .str.lower()
        .str.replace(r"[^a-z]", "", regex=True)
    )
