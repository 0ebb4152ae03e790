"""Reading Salesforce Data Loader / Bulk API CSV exports into canonical tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

from sfqb_diag.errors import Problem
from sfqb_diag.sources.convert import CASTERS, EXPECTED, empty_column
from sfqb_diag.sources.csv_text import CsvTable
from sfqb_diag.sources.schema import to_snake

_SHOWN = 20


def _first_of_group(keys: pd.Series) -> np.ndarray:
    """For each row, the position of the first row with the same key."""
    positions = pd.Series(np.arange(len(keys)), index=keys.index)
    return positions.groupby(keys.to_numpy()).transform("min").to_numpy()


def _drop_duplicates(
    table: CsvTable, ids: pd.Series, name: str, problems: list[Problem]
) -> np.ndarray:
    """Rows to keep. An exact repeat of a record is dropped with a warning (exports that were
    appended twice); two different records with one Id are an error naming both lines, and so are
    the 15- and 18-character forms of one Id (which of the two is current cannot be known)."""
    raw = table.frame
    # Only rows sharing an Id can repeat a record: hash those alone (most files have none).
    shared = np.flatnonzero((ids.duplicated(keep=False) & ids.notna()).to_numpy())
    hashes = pd.util.hash_pandas_object(raw.iloc[shared], index=False)
    exact = np.zeros(len(raw), dtype=bool)
    exact[shared] = hashes.duplicated(keep="first").to_numpy()
    if exact.any():
        first = np.arange(len(raw))
        first[shared] = shared[_first_of_group(hashes)]
        shown = ", ".join(
            f"line {table.line(i)} = line {table.line(first[i])}"
            for i in np.flatnonzero(exact)[:10]
        )
        problems.append(
            Problem(
                name,
                f"{int(exact.sum())} record(s) repeat an earlier record exactly ({shown}); "
                "kept one of each",
                column="Id",
                fatal=False,
            )
        )
    kept = ~exact
    rest = ids[kept]
    clash = (rest.duplicated(keep=False) & rest.notna()).to_numpy()
    if clash.any():
        positions = np.flatnonzero(kept)
        first = positions[_first_of_group(rest.fillna(""))]
        raw_ids = raw["Id"].astype("string").str.strip()
        for i in np.flatnonzero(clash & (positions != first))[:_SHOWN]:
            row, other = positions[i], first[i]
            forms = len(raw_ids.iloc[row]) != len(raw_ids.iloc[other])
            what = (
                "the 15- and 18-character forms of one Id"
                if forms
                else "one Id on two different records"
            )
            problems.append(
                Problem(
                    name,
                    f"{what}: {raw_ids.iloc[row]!r} here and {raw_ids.iloc[other]!r} on line "
                    f"{table.line(other)}; keep one record per Id (re-export, or delete the "
                    "wrong line)",
                    line=table.line(row),
                    column="Id",
                )
            )
    return kept


def canonical_header(
    table: CsvTable, name: str, known: Iterable[str], problems: list[Problem]
) -> tuple[CsvTable, dict[str, str]] | None:
    """The table with each header renamed to the schema's spelling of its API name, and each
    new name -> the header as the file writes it (problems name the column the user sees).

    Salesforce API names are case-insensitive (an export tool may write "ID", "NAME"), so a
    header matches a known field whatever its case. Two headers that differ only in case name
    one field twice: an error naming both (None), as for an exact repeat."""
    spelling = {api.casefold(): api for api in known}
    header = [str(h) for h in table.frame.columns]
    folded = [h.casefold() for h in header]
    found = []
    for key, count in Counter(folded).items():
        if count > 1:
            same = [(i + 1, h) for i, h in enumerate(header) if folded[i] == key]
            names = " and ".join(f"{h!r} (field {i})" for i, h in same)
            found.append(
                Problem(
                    name,
                    f"the header names one field {count} times in different case: {names}; "
                    "Salesforce field names ignore case, keep one",
                    line=1,
                    column=same[0][1],
                )
            )
    if found:
        problems.extend(found)
        return None
    renamed = [spelling.get(f, h) for h, f in zip(header, folded, strict=True)]
    written = dict(zip(renamed, header, strict=True))
    if renamed == header:
        return table, written
    return table.with_frame(table.frame.set_axis(renamed, axis=1)), written


def read_sf_csv(
    table: CsvTable,
    name: str,
    fields: dict[str, tuple[str, str]],
    links: dict[str, tuple[str, str]],
    problems: list[Problem],
) -> tuple[pd.DataFrame | None, list[str]]:
    """Canonical table of one object's parsed CSV, and the canonical columns the file lacks.

    `fields` maps API field -> (column, kind); `links` maps the configured link field -> (column, kind).
    Unknown columns are kept under their snake_case name. Bad cells are appended to `problems`.
    """
    wanted = {**fields, **links}
    known = canonical_header(table, name, ["Id", *wanted], problems)
    if known is None:
        return None, []
    table, written = known
    raw = table.frame
    if "Id" not in raw.columns:
        problems.append(
            Problem(
                name,
                "has no column Id; Data Loader exports need the API field names "
                "in the header (Id, Name, ...)",
                line=1,
                column="Id",
            )
        )
        return None, []
    out: dict[str, pd.Series] = {}
    for api_name in raw.columns:
        column, kind = wanted.get(api_name, (to_snake(api_name), "str"))
        if column in out:  # two header names with one snake_case form (Foo__c and foo__c)
            column = to_snake(api_name) + "_" + str(len(out))
        values, bad = CASTERS[kind](raw[api_name].where(raw[api_name] != "", None))
        for index in np.flatnonzero(bad.to_numpy())[:_SHOWN]:
            problems.append(
                Problem(
                    name,
                    f"{raw[api_name].iloc[index]!r} is not {EXPECTED[kind]}",
                    line=table.line(index),
                    column=written[api_name],
                )
            )
        if bad.sum() > _SHOWN:
            problems.append(
                Problem(
                    name, f"{int(bad.sum()) - _SHOWN} more bad values", column=written[api_name]
                )
            )
        out[column] = values.reset_index(drop=True)
    missing = [col for api, (col, kind) in wanted.items() if col not in out]
    for _api, (col, kind) in wanted.items():
        if col not in out:
            out[col] = empty_column(kind, len(raw))
    frame = pd.DataFrame(out)
    blank = np.flatnonzero(raw["Id"].astype("string").str.strip().eq("").to_numpy(dtype=bool))
    if len(blank):
        lines = ", ".join(str(table.line(i)) for i in blank[:10])
        problems.append(
            Problem(
                name,
                f"{len(blank)} record(s) without an Id (lines {lines}); every exported record "
                "has one: re-export with the Id column filled",
                column="Id",
            )
        )
    keep = _drop_duplicates(table, frame["id"], name, problems)
    return frame[keep].reset_index(drop=True), missing
