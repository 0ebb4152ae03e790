"""Salesforce record Ids: 15-character (case-sensitive) and 18-character (case-safe) forms.

Salesforce shows 15-character Ids in the UI and reports; the API returns 18 characters, the last
three encoding which of the first 15 are upper case. Joins are only safe on the 18-char form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_15_OR_18 = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
# An Id inside free text (a PrivateNote, a memo): 15 or 18 alphanumerics on word boundaries.
ID_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([a-zA-Z0-9]{18}|[a-zA-Z0-9]{15})(?![A-Za-z0-9])")


def checksum_suffix(id15: str) -> str:
    """The 3-character case-safe suffix for a 15-character Id."""
    suffix = []
    for chunk_start in (0, 5, 10):
        bits = 0
        for i, char in enumerate(id15[chunk_start : chunk_start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << i
        suffix.append(_SUFFIX_ALPHABET[bits])
    return "".join(suffix)


def to_18(sf_id: str | None) -> str | None:
    """Return the 18-character form of a 15- or 18-character Id; None for blanks.

    Raises ValueError for anything that is not a Salesforce Id, and for an 18-char Id whose
    suffix does not match its first 15 characters (a typo or a case-mangled copy).
    """
    if sf_id is None:
        return None
    value = str(sf_id).strip()
    if not value:
        return None
    if not _ID_15_OR_18.match(value):
        raise ValueError(f"{value!r} is not a 15- or 18-character Salesforce Id")
    suffix = checksum_suffix(value[:15])
    if len(value) == 18 and value[15:].upper() != suffix:
        raise ValueError(f"{value!r} has a wrong case-safe suffix (expected {suffix})")
    return value[:15] + suffix


def is_valid_18(sf_id: str) -> bool:
    """True when sf_id is an 18-character Id whose suffix matches its first 15 characters."""
    return (
        len(sf_id) == 18
        and bool(_ID_15_OR_18.match(sf_id))
        and sf_id[15:] == checksum_suffix(sf_id[:15])
    )


def series_to_18(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised `to_18` over a column of strings.

    Returns the converted column (NA for blanks and invalid values) and a boolean mask of the
    rows that held something that is not a valid Id, so the loader can report them by line.
    """
    text = values.astype("string").str.strip()
    blank = (text.isna() | (text == "")).fillna(True).to_numpy(dtype=bool)
    shaped = (
        text.str.fullmatch(r"[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?").fillna(False).to_numpy(dtype=bool)
    )
    head = text.where(shaped, "000000000000000").str.slice(0, 15).fillna("000000000000000")
    # Upper-case flags of the first 15 characters, as a (rows x 15) bool matrix.
    chars = np.frombuffer("".join(head.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 15)
    upper = (chars >= ord("A")) & (chars <= ord("Z"))
    codes = (upper.reshape(-1, 3, 5) * (1 << np.arange(5))).sum(axis=2)
    suffix = np.array(list(_SUFFIX_ALPHABET))[codes]
    suffix_text = pd.Series(
        np.char.add(np.char.add(suffix[:, 0], suffix[:, 1]), suffix[:, 2]) if len(suffix) else [],
        index=values.index,
        dtype="string",
    )
    given = text.str.slice(15, 18).str.upper().fillna("")
    long_form = (text.str.len() == 18).fillna(False).to_numpy(dtype=bool)
    bad_suffix = shaped & long_form & (given != suffix_text).fillna(True).to_numpy(dtype=bool)
    valid = shaped & ~bad_suffix & ~blank
    converted = (head + suffix_text).where(valid)
    return converted.astype("string"), pd.Series(~blank & ~valid, index=values.index)


def member(values: pd.Series, keys: Iterable[Any]) -> pd.Series:
    """values.isin(keys) as a plain bool Series, compared as text and fast on Arrow-backed text
    (pyarrow's hash lookup; pandas' own isin on such columns converts every value to a Python
    object, seconds at 100k keys). NA is never a member."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # Keys as text in pyarrow: no Python object per key (numbers read as str() reads them).
    given = keys if isinstance(keys, pd.Series | pd.Index) else list(keys)
    text_keys = pd.Series(given, dtype=None if len(given) else "string").dropna()
    value_set = pa.chunked_array([pa.array(text_keys.astype("string[pyarrow]").array)])
    text = values.astype("string[pyarrow]")
    arr = (
        pa.chunked_array([pa.array(text.array)])
        if len(text)
        else pa.chunked_array([], type=pa.large_string())
    )
    arr = arr.cast(pa.large_string())
    found = pc.is_in(
        arr, value_set=value_set.cast(pa.large_string()).combine_chunks(), skip_nulls=True
    )
    return pd.Series(
        found.fill_null(False).to_numpy(zero_copy_only=False), index=values.index, dtype=bool
    )
