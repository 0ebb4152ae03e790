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
    """Vectorised `to_18` over a column of strings, in pyarrow (no Python object per Id).

    Returns the converted column (NA for blanks and invalid values) and a boolean mask of the
    rows that held something that is not a valid Id, so the loader can report them by line.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_trim_whitespace(arrow_text(values))
    blank = pc.fill_null(pc.equal(text, ""), True)
    shaped = pc.fill_null(pc.match_substring_regex(text, _ID_15_OR_18.pattern), False)
    head = pc.utf8_slice_codeunits(pc.if_else(shaped, text, "0" * 15), 0, 15)
    # Every head is 15 ASCII characters: its bytes are a (rows x 15) matrix.
    chars = _fixed_bytes(head, 15)
    upper = (chars >= ord("A")) & (chars <= ord("Z"))
    codes = (upper.reshape(-1, 3, 5) * (1 << np.arange(5))).sum(axis=2)
    suffix = np.frombuffer(_SUFFIX_ALPHABET.encode("ascii"), dtype=np.uint8)[codes]
    whole = np.ascontiguousarray(np.concatenate([chars, suffix], axis=1))
    offsets = pa.py_buffer((np.arange(len(whole) + 1, dtype=np.int32) * 18).tobytes())
    converted = pa.Array.from_buffers(
        pa.string(), len(whole), [None, offsets, pa.py_buffer(whole.tobytes())]
    )
    long_form = pc.equal(pc.utf8_length(text), 18)
    given_suffix = pc.utf8_upper(pc.utf8_slice_codeunits(text, 15, 18))
    right_suffix = pc.equal(given_suffix, pc.utf8_slice_codeunits(converted, 15, 18))
    bad_suffix = pc.and_(
        pc.fill_null(long_form, False), pc.invert(pc.fill_null(right_suffix, True))
    )
    valid = pc.and_(pc.and_(shaped, pc.invert(bad_suffix)), pc.invert(blank))
    result = pc.if_else(valid, converted, pa.scalar(None, pa.string()))
    bad = pc.and_(pc.invert(blank), pc.invert(valid))
    return (
        pd.Series(pd.arrays.ArrowStringArray(result), index=values.index, dtype="string"),
        pd.Series(bad.to_numpy(zero_copy_only=False), index=values.index, dtype=bool),
    )


def arrow_text(values: pd.Series | pd.Index, large: bool = False) -> Any:
    """A column's text as one pyarrow array (string, or large_string with `large`): pandas' own
    Arrow buffers where the text is Arrow-backed already, no Python object per value."""
    import pyarrow as pa

    arr = pa.array(pd.Series(values, dtype="string[pyarrow]").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string() if large else pa.string())


def _fixed_bytes(arr: Any, width: int) -> np.ndarray:
    """The bytes of a string array whose values are all `width` bytes long, as (rows x width)."""
    import pyarrow as pa

    arr = pa.concat_arrays([arr]) if arr.offset else arr
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[: len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if len(arr) else np.zeros(0, np.uint8)
    return data[offsets[0] : offsets[0] + width * len(arr)].reshape(-1, width)


def member(values: pd.Series, keys: Iterable[Any]) -> pd.Series:
    """values.isin(keys) as a plain bool Series, compared as text and fast on Arrow-backed text
    (pyarrow's hash lookup; pandas' own isin on such columns converts every value to a Python
    object, seconds at 100k keys). NA is never a member."""
    import pyarrow.compute as pc

    # Keys as text in pyarrow: no Python object per key (numbers read as str() reads them).
    given = keys if isinstance(keys, pd.Series | pd.Index) else list(keys)
    text_keys = pd.Series(given, dtype=None if len(given) else "string").dropna()
    found = pc.is_in(
        arrow_text(values, large=True),
        value_set=arrow_text(text_keys.astype("string"), large=True),
        skip_nulls=True,
    )
    return pd.Series(
        found.fill_null(False).to_numpy(zero_copy_only=False), index=values.index, dtype=bool
    )


def look_up(keys: pd.Series, by_key: pd.Series) -> pd.Series:
    """The value of `by_key` (a Series indexed by key) for each key, NA where absent, aligned
    with `keys` and always of `by_key`'s dtype. Series.map loses the dtype when the lookup table
    is empty (pandas answers double[pyarrow]), so a Salesforce export with only its header line
    turned a name column numeric and later text fills crashed."""
    return by_key.reindex(keys.to_numpy()).set_axis(keys.index)
