"""CSV writers: findings.csv, matches and remediation tables, Data Loader files with rollbacks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sfqb_diag.checks.base import DataLoaderFile
from sfqb_diag.findings import CSV_COLUMNS, format_cents
from sfqb_diag.outputs.safe_cells import neutralise, validate_data_loader


def write_csv(frame: pd.DataFrame, path: Path, human: bool = True) -> None:
    """UTF-8 with BOM so Excel reads accents right; human-facing cells neutralised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (neutralise(frame) if human else frame).to_csv(
        path, index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )


def findings_csv_frame(findings: pd.DataFrame) -> pd.DataFrame:
    """Exactly the DESIGN.md columns, in order, amounts as exact decimal text."""
    frame = findings.copy()
    frame["amount_at_risk"] = format_cents(frame["amount_at_risk_cents"])
    frame["confidence"] = frame["confidence"].round(3)
    return frame[CSV_COLUMNS]


def write_output_table(
    relative: str, value: pd.DataFrame | DataLoaderFile, folder: Path
) -> list[str]:
    """Write one registered output; return the relative paths written."""
    path = folder / relative
    if isinstance(value, DataLoaderFile):
        validate_data_loader(value.update, relative)
        validate_data_loader(value.rollback, relative.replace(".csv", ".rollback.csv"))
        write_csv(value.update, path, human=False)
        rollback = path.with_name(path.stem + ".rollback.csv")
        write_csv(value.rollback, rollback, human=False)
        return [relative, str(rollback.relative_to(folder))]
    write_csv(value, path, human=True)
    return [relative]
