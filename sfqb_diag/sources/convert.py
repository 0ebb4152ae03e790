"""Cast raw text/JSON columns to the canonical kinds of schema.py, vectorised.

Each caster returns the converted column and a mask of rows whose value could not be read,
so the loader can name every bad cell (file, line, column) in one report.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sfqb_diag.ids import series_to_18

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def person_name(given: pd.Series, family: pd.Series) -> pd.Series:
    """'Given Family' from a person's name parts (either may be missing); NA when both are: how
    Salesforce composes a Person Account's Name and QBO a customer's printed name."""
    both = given.astype("string").fillna("").str.cat(family.astype("string").fillna(""), sep=" ")
    return both.str.strip().replace("", pd.NA).astype("string")


def as_str(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.astype("string")
    return text.mask(text.str.strip() == ""), pd.Series(False, index=values.index)


def as_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean"), pd.Series(False, index=values.index)
    text = values.astype("string").str.strip().str.lower()
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[text.isin(_TRUE).fillna(False).astype(bool)] = True
    result[text.isin(_FALSE).fillna(False).astype(bool)] = False
    bad = ~_blank(values) & result.isna()
    return result, bad


# Above 2**53 cents (about 90 trillion) a float no longer holds every cent, so such an amount
# cannot be compared exactly; no real invoice comes near it, so it is reported as bad input.
MAX_CENTS = float(2**53)
# Timestamps and dates use microseconds (pandas' nanoseconds stop at 2262): Salesforce dates run
# to 4000-12-31, and old records can predate 1677.
TS_DTYPE = "datetime64[us, UTC]"
DATE_DTYPE = "datetime64[us]"


def as_num(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A finite number; 'Infinity', 'NaN' and 1e400 are bad values, not numbers."""
    if pd.api.types.is_float_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
        # parsed as numbers already (JSON read by pyarrow)
        numbers = pd.Series(
            values.to_numpy(dtype="float64", na_value=np.nan), index=values.index, dtype="float64"
        )
        given = numbers.notna()
    else:
        text = values.astype("string[pyarrow]").str.strip().str.replace(",", "", regex=False)
        text = text.mask(text == "")
        given = text.notna()
        numbers = _arrow_numbers(text)
        if numbers is None:  # a value pyarrow does not read as a number: pandas names each
            numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    finite = np.isfinite(numbers.to_numpy())
    numbers = numbers.where(finite)
    return numbers, given & numbers.isna()


def _arrow_numbers(text: pd.Series) -> pd.Series | None:
    """Text cast to float64 by pyarrow (a column of numbers in one pass, no Python object per
    value); None when any value is not a number."""
    try:
        numbers = pa.array(text.array).cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def as_cents(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Money as integer cents. Inputs carry at most two decimals, so rounding x*100 is exact:
    the float error of x*100 is many orders of magnitude below half a cent."""
    numbers, bad = as_num(values)
    cents = np.round(numbers.to_numpy() * 100)
    too_big = np.abs(np.nan_to_num(cents)) >= MAX_CENTS
    cents[too_big] = np.nan
    return pd.Series(cents, index=values.index).astype("Int64"), bad | too_big


def as_date(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.astype("string").str.strip().str.slice(0, 10)
    dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype(DATE_DTYPE)
    return dates, ~_blank(values) & dates.isna()


# The timestamps QBO (2024-11-14T13:15:36-08:00) and Salesforce (2024-01-05T10:00:00.000+0000)
# write: pyarrow casts a column of them in one pass; any other spelling goes to pandas.
_API_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})$"


def as_ts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.astype("string[pyarrow]").str.strip()
    text = text.mask(text == "")
    stamps = _arrow_stamps(text)
    if stamps is None:
        stamps = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    stamps = stamps.astype(TS_DTYPE)
    return stamps, text.notna() & stamps.isna()


def _arrow_stamps(text: pd.Series) -> pd.Series | None:
    """API timestamps cast by pyarrow; None when any value is written another way."""
    arr = pa.array(text.array)
    if pc.all(pc.match_substring_regex(arr, _API_TIMESTAMP)).as_py() not in (
        True,
        None,
    ):
        return None
    try:
        stamps = arr.cast(pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return stamps.to_pandas().set_axis(text.index)  # positions, not labels: the index may be any


# A cell starting with one of these runs as a formula in a spreadsheet ("CSV injection").
_FORMULA_START = r"^[=+\-@\t\r]"


def as_qbid(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A QBO Id kept as text ('1.0' stays '1.0'). QBO Ids never start with = + - @, and an Id
    goes unchanged into Data Loader files, where such a value would run as a formula."""
    text, _ = as_str(values)
    risky = text.str.contains(_FORMULA_START, regex=True).fillna(False).astype(bool)
    return text.mask(risky), risky


def as_sfid(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    return series_to_18(values)


CASTERS: dict[str, Callable[[pd.Series], tuple[pd.Series, pd.Series]]] = {
    "str": as_str,
    "bool": as_bool,
    "num": as_num,
    "cents": as_cents,
    "date": as_date,
    "ts": as_ts,
    "sfid": as_sfid,
    "qbid": as_qbid,
}

EXPECTED = {
    "bool": "true or false",
    "num": "a number",
    "cents": "an amount: a plain number such as 1234.50 (no currency sign or letters), under "
    "90 trillion",
    "date": "a date (YYYY-MM-DD)",
    "ts": "an ISO 8601 timestamp",
    "sfid": "a 15- or 18-character Salesforce Id",
    "qbid": "a QBO Id (QBO Ids never start with = + - or @; a spreadsheet would run this one "
    "as a formula, so the file was edited: restore the Id)",
}


def empty_column(kind: str, length: int = 0) -> pd.Series:
    """An all-missing column of the right dtype, for columns a file does not have."""
    dtype = {
        "str": "string",
        "sfid": "string",
        "qbid": "string",
        "bool": "boolean",
        "num": "float64",
        "cents": "Int64",
        "date": DATE_DTYPE,
        "ts": TS_DTYPE,
    }[kind]
    return pd.Series(
        [pd.NA] * length if dtype not in ("float64",) else [np.nan] * length, dtype=dtype
    )
