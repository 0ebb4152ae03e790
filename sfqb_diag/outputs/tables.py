"""CSV writers: findings.csv, matches and remediation tables, Data Loader files with rollbacks.

Two kinds of CSV, written differently on purpose (docs/outputs.md cites the sources):
- human-facing tables: UTF-8 with a byte-order mark, CRLF, formula-like cells neutralised, so
  Excel opens them with accents intact and never runs a cell;
- Salesforce Data Loader files (`remediation/salesforce_*.csv` and their rollbacks): UTF-8
  without a byte-order mark, LF, values exactly as they must be loaded. Data Loader before
  version 52 and the Bulk API read a BOM as part of the first header (`\\ufeffId`: "Field name
  not found"); Bulk API 2.0 expects LF unless told otherwise. An empty cell leaves the field
  unchanged on update, so an empty value to be set is written as `#N/A`, the Bulk API's null.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sfqb_diag.checks.base import DataLoaderFile
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import CSV_COLUMNS
from sfqb_diag.outputs.record_labels import qb_labels, sf_labels
from sfqb_diag.outputs.safe_cells import neutralise, validate_data_loader
from sfqb_diag.words import format_cents

# Data Loader with "Use Bulk API" and Bulk API 2.0: "#N/A" sets a field to null on update; an
# empty cell is ignored (the field keeps its value), so a blank original would never come back.
NULL_VALUE = "#N/A"


def write_csv(frame: pd.DataFrame, path: Path, human: bool = True) -> None:
    """UTF-8 with BOM so Excel reads accents right; human-facing cells neutralised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (neutralise(frame) if human else frame).to_csv(
        path, index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )


def data_loader_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as text; an empty value in a field column (not `Id`) becomes `#N/A`."""
    out = frame.astype("string")
    for column in out.columns[1:]:
        out[column] = out[column].mask(out[column].isna() | out[column].eq(""), NULL_VALUE)
    return out


def write_data_loader_csv(frame: pd.DataFrame, path: Path) -> None:
    """A Data Loader file: UTF-8 without BOM, LF line ends, blanks as `#N/A`, nothing prefixed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data_loader_frame(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


# After the contract's columns, the records as people see them: QuickBooks is searched by
# invoice number (DocNumber), not by the API's Id ("163" is the Id of invoice 1163).
RECORD_COLUMNS = ["qb_number", "qb_record", "sf_record"]


def findings_csv_frame(findings: pd.DataFrame, data: Dataset | None = None) -> pd.DataFrame:
    """The DESIGN.md columns, in order, amounts as exact decimal text; given the run's Dataset,
    then RECORD_COLUMNS (appended, so readers taking the contract's columns by name keep working)."""
    frame = findings.copy()
    frame["amount_at_risk"] = format_cents(frame["amount_at_risk_cents"])
    frame["confidence"] = frame["confidence"].round(3)
    if data is None:
        return frame[CSV_COLUMNS]
    labels = qb_labels(data, frame)
    frame["qb_number"] = labels["qb_number"]
    frame["qb_record"] = labels["qb_label"]
    frame["sf_record"] = sf_labels(data, frame)
    return frame[[*CSV_COLUMNS, *RECORD_COLUMNS]]


def write_output_table(
    relative: str, value: pd.DataFrame | DataLoaderFile, folder: Path
) -> list[str]:
    """Write one registered output; return the relative paths written."""
    path = folder / relative
    if isinstance(value, DataLoaderFile):
        validate_data_loader(value.update, relative)
        validate_data_loader(value.rollback, relative.replace(".csv", ".rollback.csv"))
        write_data_loader_csv(value.update, path)
        rollback = path.with_name(path.stem + ".rollback.csv")
        write_data_loader_csv(value.rollback, rollback)
        return [relative, str(rollback.relative_to(folder))]
    write_csv(value, path, human=True)
    return [relative]
