"""Cast raw text/JSON columns to the canonical kinds of schema.py, vectorised.

Each caster returns the converted column and a mask of rows whose value could not be read,
so the loader can name every bad cell (file, line, column) in one report.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sfqb_diag.ids import series_to_18

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def as_str(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.astype("string")
    return text.mask(text.str.strip() == ""), pd.Series(False, index=values.index)


def as_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    if values.dtype == bool:
        return values.astype("boolean"), pd.Series(False, index=values.index)
    text = values.astype("string").str.strip().str.lower()
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[text.isin(_TRUE).fillna(False).astype(bool)] = True
    result[text.isin(_FALSE).fillna(False).astype(bool)] = False
    bad = ~_blank(values) & result.isna()
    return result, bad


def as_num(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    numbers = pd.to_numeric(
        values.astype("string").str.strip().str.replace(",", "", regex=False), errors="coerce"
    )
    numbers = numbers.astype("float64")
    return numbers, ~_blank(values) & numbers.isna()


def as_cents(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Money as integer cents. Inputs carry at most two decimals, so rounding x*100 is exact:
    the float error of x*100 is many orders of magnitude below half a cent."""
    numbers, bad = as_num(values)
    cents = np.round(numbers.to_numpy() * 100)
    return pd.Series(cents, index=values.index).astype("Int64"), bad


def as_date(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.astype("string").str.strip().str.slice(0, 10)
    dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
    return dates, ~_blank(values) & dates.isna()


def as_ts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    stamps = pd.to_datetime(
        values.astype("string").str.strip(), utc=True, format="ISO8601", errors="coerce"
    )
    stamps = stamps.astype("datetime64[ns, UTC]")
    return stamps, ~_blank(values) & stamps.isna()


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
}

EXPECTED = {
    "bool": "true or false",
    "num": "a number",
    "cents": "an amount",
    "date": "a date (YYYY-MM-DD)",
    "ts": "an ISO 8601 timestamp",
    "sfid": "a 15- or 18-character Salesforce Id",
}


def empty_column(kind: str, length: int = 0) -> pd.Series:
    """An all-missing column of the right dtype, for columns a file does not have."""
    dtype = {
        "str": "string",
        "sfid": "string",
        "bool": "boolean",
        "num": "float64",
        "cents": "Int64",
        "date": "datetime64[ns]",
        "ts": "datetime64[ns, UTC]",
    }[kind]
    return pd.Series(
        [pd.NA] * length if dtype not in ("float64",) else [np.nan] * length, dtype=dtype
    )
