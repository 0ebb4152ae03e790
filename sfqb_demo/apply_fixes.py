"""Apply a report's Salesforce Data Loader files to a raw folder: the demo's "the team fixed it".

What a finance team does with `remediation/salesforce_*.csv` is import it with Data Loader, which
sets the named fields on the records with those Ids. This module does the same to the snapshot in
`<raw>/salesforce/<Object>.csv`, so a second run on the raw folder shows exactly those records as
fixed (sfqb-diag diff). It never talks to Salesforce; it is for demos, training and tests.
Rollback files (`*.rollback.csv`) have the same shape and undo an import the same way.

Cells are read the way Data Loader with "Use Bulk API" (and Bulk API 2.0) reads them on update:
an empty cell leaves the field as it is, and `#N/A` sets it to null (an empty cell in the
snapshot). That is why a rollback writes a blank original value as `#N/A`.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sfqb_diag.errors import InputError, Problem, UsageError
from sfqb_diag.ids import series_to_18

NULL_VALUE = "#N/A"  # Data Loader / Bulk API: the value that sets a field to null on update

# The first three characters of a Salesforce Id name its object (the "key prefix").
KEY_PREFIXES = {
    "001": "Account",
    "003": "Contact",
    "006": "Opportunity",
    "00k": "OpportunityLineItem",
    "01t": "Product2",
    "01s": "Pricebook2",
    "01u": "PricebookEntry",
}
# salesforce_<word>_....csv: the word names the object when the Ids alone cannot.
FILE_WORDS = {
    "account": "Account",
    "accounts": "Account",
    "contact": "Contact",
    "contacts": "Contact",
    "opportunity": "Opportunity",
    "opportunities": "Opportunity",
    "product": "Product2",
    "products": "Product2",
    "product2": "Product2",
    "pricebookentry": "PricebookEntry",
    "opportunitylineitem": "OpportunityLineItem",
    "pricebook2": "Pricebook2",
}


@dataclass(frozen=True)
class Applied:
    """One Data Loader file applied: which object and fields, how many rows changed, Ids not found."""

    file: str
    sf_object: str
    fields: tuple[str, ...]
    updated: int
    not_found: tuple[str, ...]

    def __str__(self) -> str:
        text = f"{self.file}: set {', '.join(self.fields)} on {self.updated} {self.sf_object} record(s)"
        return text + (
            f"; {len(self.not_found)} Id(s) not in the raw folder" if self.not_found else ""
        )


def loader_files(report: Path, rollback: bool = False, only: tuple[str, ...] = ()) -> list[Path]:
    """The report's Data Loader files (or their rollbacks), by name; `only` picks some by the update
    file's name (with `rollback`, their rollback files)."""
    folder = Path(report) / "remediation"
    files = sorted(
        p for p in folder.glob("salesforce_*.csv") if p.name.endswith(".rollback.csv") == rollback
    )
    if only:
        named = {p.name.replace(".rollback.csv", ".csv"): p for p in files} | {
            p.name: p for p in files
        }
        unknown = [name for name in only if name not in named]
        if unknown:
            raise UsageError(
                f"{', '.join(unknown)} not among the Data Loader files in {folder}: "
                f"{', '.join(p.name for p in files) or 'none'}"
            )
        files = sorted({named[name] for name in only})
    return files


def _read_csv(path: Path) -> tuple[pd.DataFrame, str, str]:
    """A CSV as text cells, with the encoding and line ending to write it back the same way."""
    data = path.read_bytes()
    try:
        text, encoding = (
            data.decode("utf-8-sig"),
            "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8",
        )
    except UnicodeDecodeError:
        text, encoding = data.decode("cp1252"), "cp1252"
    newline = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False), encoding, newline


def object_of(path: Path, ids: pd.Series) -> str:
    """The Salesforce object an update file targets: from its file name, else from its Ids' prefix."""
    words = path.name.removesuffix(".csv").removesuffix(".rollback").split("_")[1:]
    named = [FILE_WORDS[w.lower()] for w in words if w.lower() in FILE_WORDS]
    if named:
        return named[0]
    prefixes = set(ids.str[:3])
    objects = {KEY_PREFIXES.get(p) for p in prefixes}
    if len(objects) == 1 and None not in objects:
        return objects.pop()  # type: ignore[return-value]
    raise UsageError(
        f"{path.name}: cannot tell which object it updates (Id prefixes {', '.join(sorted(prefixes))})"
    )


def _read_update(path: Path) -> pd.DataFrame:
    update, _, _ = _read_csv(path)
    if update.empty and "Id" in update.columns:
        return update
    if update.columns[0] != "Id":
        raise InputError(
            [Problem(path.name, "a Data Loader update file starts with the Id column", line=1)]
        )
    ids, bad = series_to_18(update["Id"])
    if bad.any():
        raise InputError(
            [
                Problem(
                    path.name,
                    f"{update['Id'].iloc[i]!r} is not a Salesforce Id",
                    line=int(i) + 2,
                    column="Id",
                )
                for i in bad[bad].index[:20]
            ]
        )
    return update.assign(Id=ids.astype(str))


def apply_file(path: Path, raw: Path, limit: int | None = None) -> Applied:
    """Set the file's fields on the matching rows of raw/salesforce/<Object>.csv (rewritten whole)."""
    update = _read_update(path)
    update = update.head(limit) if limit is not None else update
    fields = tuple(update.columns[1:])
    if update.empty:
        return Applied(path.name, object_of(path, update["Id"]), fields, 0, ())
    sf_object = object_of(path, update["Id"])
    target = Path(raw) / "salesforce" / f"{sf_object}.csv"
    if not target.is_file():
        raise UsageError(f"{path.name} updates {sf_object}, but {target} does not exist")
    frame, encoding, newline = _read_csv(target)
    if "Id" not in frame.columns:
        raise InputError([Problem(target.name, "has no column Id", line=1, column="Id")])
    ids = series_to_18(frame["Id"])[0]
    values = update.drop_duplicates("Id", keep="last").set_index(
        "Id"
    )  # Data Loader: the last row wins
    hit = ids.isin(values.index).fillna(False).to_numpy(dtype=bool)
    for field in fields:
        if field not in frame.columns:
            frame[field] = ""
        incoming = ids.map(values[field])
        # An empty cell is ignored on update; #N/A empties the field.
        unchanged = incoming.isna() | incoming.eq("")
        frame[field] = frame[field].where(unchanged, incoming.replace(NULL_VALUE, ""))
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    frame.to_csv(temporary, index=False, encoding=encoding, lineterminator=newline)
    os.replace(temporary, target)  # the raw file is replaced whole, never left half-written
    not_found = tuple(sorted(set(values.index) - set(ids.dropna())))
    return Applied(path.name, sf_object, fields, int(hit.sum()), not_found)


def apply_fixes(
    report: Path,
    raw: Path,
    only: tuple[str, ...] = (),
    limit: int | None = None,
    rollback: bool = False,
) -> list[Applied]:
    """Apply every Data Loader file of `report` (or only some; at most `limit` rows each) to `raw`."""
    if not (Path(raw) / "salesforce").is_dir():
        raise UsageError(
            f"{raw} has no salesforce/ folder: give the raw folder the report was made from"
        )
    files = loader_files(report, rollback, only)
    if not files:
        raise UsageError(
            f"{Path(report) / 'remediation'} holds no Salesforce Data Loader files to apply"
        )
    return [apply_file(path, raw, limit) for path in files]
