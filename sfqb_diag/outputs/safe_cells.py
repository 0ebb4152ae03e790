"""Spreadsheet safety for human-facing files, validation for Data Loader files.

A cell starting with = + - @ (or a tab/CR) is run as a formula by Excel and LibreOffice
("CSV injection"). Human-facing cells get a leading apostrophe; plain numbers are left alone.
Data Loader files must carry values exactly, so they are validated instead of prefixed.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.errors import SfqbError
from sfqb_diag.ids import series_to_18

_TRIGGER = r"^[=+\-@\t\r]"
_TRIGGER_CHARS = ["=", "+", "-", "@", "\t", "\r"]
_PLAIN_NUMBER = r"^-?\d+(?:\.\d+)?$"


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix every text cell a spreadsheet would evaluate with an apostrophe."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            text = out[column].astype("string")
            first = text.str.slice(0, 1)
            starts = first.isin(_TRIGGER_CHARS).fillna(False).to_numpy(dtype=bool)
            if not starts.any():  # most columns: nothing to look at twice
                out[column] = text
                continue
            risky = starts & ~text.str.fullmatch(_PLAIN_NUMBER).fillna(False).to_numpy(dtype=bool)
            out[column] = text.mask(risky, "'" + text)
    return out


def validate_data_loader(frame: pd.DataFrame, name: str) -> None:
    """Refuse a Data Loader file with a bad Id or a value that a spreadsheet would execute."""
    if frame.columns[0] != "Id":
        raise SfqbError(f"{name}: a Data Loader update file must start with the Id column")
    _, bad_ids = series_to_18(frame["Id"])
    problems = [
        f"row {i + 2}: Id {frame['Id'].iloc[i]!r} is not a Salesforce Id"
        for i in bad_ids[bad_ids].index
    ]
    for column in frame.columns[1:]:
        text = frame[column].astype("string")
        risky = text.str.contains(_TRIGGER, regex=True).fillna(False) & ~text.str.fullmatch(
            _PLAIN_NUMBER
        ).fillna(False)
        problems += [
            f"row {i + 2}, column {column}: {text.iloc[i]!r} would run as a formula"
            for i in risky[risky].index
        ]
    if problems:
        raise SfqbError(f"{name} failed validation:\n  " + "\n  ".join(problems[:20]))


# XML 1.0 (and so xlsx) forbids these control characters; openpyxl refuses a cell holding one.
_XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"  # and the two non-characters
# Bidi embedding/override/isolate controls reorder what a reader sees ("Trojan Source"): in the
# finance view they are shown as visible code points rather than obeyed.
_BIDI = r"[\u202a-\u202e\u2066-\u2069]"


def xlsx_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells an xlsx can hold and a reader sees as they are: control characters and bidi
    overrides escaped as <U+XXXX>. CSV outputs keep the original characters."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            text = out[column].astype("string")
            out[column] = text.str.replace(
                f"{_XML_ILLEGAL}|{_BIDI}", lambda m: f"<U+{ord(m.group(0)):04X}>", regex=True
            )
    return out
