"""A party table (companies and persons) in the one shape the matcher compares: normalised once.

Callers map their own columns (Account, Person Account, Customer, Vendor...) onto the input
names below; every column but `id` and `name` is optional. A person's name is its given and
family name in any order (word order is free in the name comparison). An address may come in one
string ("6 Tullaroop Street\nWillaroo": Salesforce BillingStreet) or in parts (QBO Line1 and
Line2): the first line is the street, the rest line 2.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sfqb_diag.ids import arrow_text
from sfqb_diag.matching.contact import (
    company_domain,
    country_code,
    phone_e164,
    place,
    postal_code,
    street_number,
)
from sfqb_diag.matching.normalize import company_names, fold, per_distinct, token_key


def _address_text(values: pd.Series) -> pd.Series:
    """Comparable address line: folded, punctuation as spaces ('44 Forbes St.' -> '44 forbes st')."""
    text = fold(values).str.replace(r"[^a-z0-9 ]+", " ", regex=True)
    return text.str.split().str.join(" ").replace("", pd.NA).astype("string")


def _street_lines(street: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The first line of a one-string address and the rest (NA when it has one line), in
    pyarrow's regex kernels: '6 Tullaroop Street\nWillaroo' -> '6 Tullaroop Street', 'Willaroo'."""
    arr = arrow_text(street)
    first = pc.replace_substring_regex(arr, r"\s*[\r\n][\s\S]*$", "", max_replacements=1)
    rest = pc.struct_field(pc.extract_regex(arr, r"[\r\n]\s*(?P<rest>[\s\S]*)$"), 0)

    def text(values: pa.ChunkedArray) -> pd.Series:
        return pd.Series(
            pd.arrays.ArrowStringArray(values.cast(pa.large_string())), index=street.index
        )

    return text(first), text(rest)


INPUT_COLUMNS = (
    "id",
    "name",
    "domain",
    "phone",
    "street",
    "street2",
    "city",
    "state",
    "postal",
    "country",
    "currency",
    "email",
)
PARTY_COLUMNS = [
    "id",
    "name",
    "core",
    "alias",
    "tag",
    "dropped",
    "tkey",
    "domain",
    "phone",
    "street_no",
    "street_line",
    "street2",
    "street_full",
    "postal",
    "city",
    "state",
    "country",
    "currency",
    "email",
]


def prepare_parties(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a party table for matching.

    Input columns: id, name, and optionally domain (already a company domain: free-mail blanked
    by the caller or here), phone, street (one string or the first line), street2, city, state,
    postal, country, currency, email (a person's own address). Extra columns
    are kept as they are. Output adds core/alias/tag/dropped (normalize.company_names), tkey
    (sorted words), and comparable domain, phone (E.164), street_no, street_line, street2,
    email, postal, city, state,
    country (ISO alpha-2) and currency (upper case), and phone/postal/city/street_as_given (the
    values as written, for texts people read). Index is reset to 0..n-1: the matcher
    refers to parties by position.
    """
    return prepare_party_tables(frame)[0]


def prepare_party_tables(*frames: pd.DataFrame) -> list[pd.DataFrame]:
    """`prepare_parties` of each frame, normalised in one pass: the two sides of a link share
    most of their names, cities and postcodes (the sync copied them), so each distinct value is
    normalised once for both."""
    frames = tuple(frame.reset_index(drop=True) for frame in frames)
    given = pd.concat(
        [frame.reindex(columns=list(INPUT_COLUMNS)) for frame in frames], ignore_index=True
    )
    normalised = _normalised(given)
    out, start = [], 0
    for frame in frames:
        part = normalised.iloc[start : start + len(frame)].reset_index(drop=True)
        start += len(frame)
        kept = frame.drop(
            columns=[c for c in INPUT_COLUMNS if c in frame and c not in ("id", "name")]
        )
        kept["id"], kept["name"] = part["id"], part["name"]
        out.append(pd.concat([kept, part.drop(columns=["id", "name"])], axis=1))
    return out


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """The comparable columns of parties given in INPUT_COLUMNS (index 0..n-1)."""

    def col(name: str) -> pd.Series:
        return frame[name].astype("string")

    names = company_names(col("name"))
    country = per_distinct(country_code, col("country"))
    out = pd.DataFrame({"id": col("id"), "name": col("name")})
    out = pd.concat([out, names], axis=1)
    out["tkey"] = token_key(names["core"])
    out["domain"] = company_domain(col("domain").str.lower().str.strip())
    out["phone"] = phone_e164(col("phone"), country)
    first, rest = _street_lines(col("street"))
    out["street_no"] = street_number(first)
    out["street_line"] = per_distinct(_address_text, first)
    out["street2"] = per_distinct(_address_text, col("street2").fillna(rest))
    # Both lines as one text: people and exports swap line 1 and line 2.
    out["street_full"] = (
        out["street_line"].fillna("").str.cat(out["street2"].fillna(""), sep=" ").str.strip()
    ).replace("", pd.NA)
    out["email"] = col("email").str.strip().str.lower().replace("", pd.NA)
    out["postal"] = per_distinct(postal_code, col("postal"))
    out["city"] = per_distinct(place, col("city"))
    out["state"] = per_distinct(
        lambda s: fold(s).str.replace(r"[^a-z]", "", regex=True).replace("", pd.NA),
        col("state"),
    )
    out["country"] = country
    out["currency"] = col("currency").str.strip().str.upper().replace("", pd.NA)
    # The values as the records hold them, for texts a person reads (the comparable ones above
    # are lower-cased and folded: "denver" is compared, "Denver" is shown).
    for name, given in (("phone", col("phone")), ("postal", col("postal")), ("city", col("city"))):
        out[name + "_as_given"] = given.str.strip().replace("", pd.NA)
    out["street_as_given"] = first.str.strip().replace("", pd.NA)
    return out
