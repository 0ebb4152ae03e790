"""The Dataset: every loaded table in canonical form, plus where it came from.

Checks take a Dataset and nothing else from the outside world. `report` caches it as parquet
so notebooks read exactly what the checks saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sfqb_diag.errors import Problem


@dataclass
class Dataset:
    """Canonical tables by name (see schema.py), the manifest, and the input inventory."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # table -> raw file it came from
    missing_columns: dict[str, list[str]] = field(
        default_factory=dict
    )  # table -> canonical columns absent
    warnings: list[Problem] = field(default_factory=list)
    # QBO file -> the newest `time` its response bodies carry (ISO 8601, UTC): when it was pulled
    response_times: dict[str, str] = field(default_factory=dict)
    # raw files present but not parsed: no table of theirs is read by the areas of this run
    not_read: list[str] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        """True when every named table was present in the input (even if it has no rows)."""
        return all(name in self.tables for name in names)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def has_column(self, table: str, column: str) -> bool:
        return table in self.tables and column not in self.missing_columns.get(table, [])

    def inventory(self) -> pd.DataFrame:
        """Rows per table with the file each came from: the 'what did we get' view."""
        rows = [
            {"table": name, "rows": len(frame), "file": self.files.get(name, "")}
            for name, frame in sorted(self.tables.items())
        ]
        return pd.DataFrame(rows, columns=["table", "rows", "file"])

    def save(self, folder: Path) -> None:
        """Write every table as parquet plus a small JSON sidecar (manifest, inventory, warnings)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables.items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        meta = {
            "manifest": self.manifest,
            "files": self.files,
            "missing_columns": self.missing_columns,
            "warnings": [vars(w) for w in self.warnings],
            "response_times": self.response_times,
            "not_read": self.not_read,
            "tables": sorted(self.tables),
        }
        (folder / "dataset.json").write_text(
            json.dumps(meta, indent=1, default=str), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> Dataset:
        meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in meta["tables"]}
        return cls(
            tables=tables,
            manifest=meta["manifest"],
            files=meta["files"],
            missing_columns=meta["missing_columns"],
            warnings=[Problem(**w) for w in meta["warnings"]],
            response_times=meta.get("response_times", {}),  # caches written before it existed
            not_read=meta.get("not_read", []),
        )
