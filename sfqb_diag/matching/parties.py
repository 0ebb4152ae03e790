"""A party (company) table in the one shape the matcher compares: normalised once, up front.

Callers map their own columns (Account, Customer, Vendor...) onto the input names below; every
column but `id` and `name` is optional.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.matching.contact import (
    company_domain,
    country_code,
    phone_e164,
    place,
    postal_code,
    street_number,
)
from sfqb_diag.matching.normalize import company_names, fold, per_distinct, token_key

INPUT_COLUMNS = (
    "id",
    "name",
    "domain",
    "phone",
    "street",
    "city",
    "state",
    "postal",
    "country",
    "currency",
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
    "postal",
    "city",
    "state",
    "country",
    "currency",
]


def prepare_parties(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a party table for matching.

    Input columns: id, name, and optionally domain (already a company domain: free-mail blanked
    by the caller or here), phone, street, city, state, postal, country, currency. Extra columns
    are kept as they are. Output adds core/alias/tag/dropped (normalize.company_names), tkey
    (sorted words), and comparable domain, phone (E.164), street_no, postal, city, state,
    country (ISO alpha-2) and currency (upper case). Index is reset to 0..n-1: the matcher
    refers to parties by position.
    """
    frame = frame.reset_index(drop=True)
    blank = pd.Series(pd.NA, index=frame.index, dtype="string")

    def col(name: str) -> pd.Series:
        return frame[name].astype("string") if name in frame else blank

    names = company_names(col("name"))
    country = per_distinct(country_code, col("country"))
    out = frame.drop(columns=[c for c in INPUT_COLUMNS if c in frame and c not in ("id", "name")])
    out["id"] = col("id")
    out["name"] = col("name")
    out = pd.concat([out, names], axis=1)
    out["tkey"] = token_key(names["core"])
    out["domain"] = company_domain(col("domain").str.lower().str.strip())
    out["phone"] = phone_e164(col("phone"), country)
    out["street_no"] = street_number(col("street"))
    out["postal"] = per_distinct(postal_code, col("postal"))
    out["city"] = per_distinct(place, col("city"))
    out["state"] = per_distinct(
        lambda s: fold(s).str.replace(r"[^a-z]", "", regex=True).replace("", pd.NA),
        col("state"),
    )
    out["country"] = country
    out["currency"] = col("currency").str.strip().str.upper().replace("", pd.NA)
    return out
