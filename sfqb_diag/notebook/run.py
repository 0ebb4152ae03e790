"""A report folder as notebooks see it: summary, findings, cached Dataset, outputs and views.

Notebooks never recompute: every table they show was written by `check`. In JupyterLab, when no
outputs exist yet, `open_run` runs `check` once to create them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.outputs.layout import CACHE, VIEWS_FOLDER
from sfqb_diag.outputs.summary import Summary
from sfqb_diag.pipeline import CheckOptions, run_check


@dataclass
class Run:
    """A report folder as notebooks see it."""

    out: Path

    @cached_property
    def summary(self) -> Summary:
        return Summary.from_dict(
            json.loads((self.out / "summary.json").read_text(encoding="utf-8"))
        )

    @cached_property
    def findings(self) -> pd.DataFrame:
        """Every finding with its extra columns (record names, cents, review status)."""
        return pd.read_parquet(self.out / CACHE / "findings.parquet")

    @cached_property
    def data(self) -> Dataset:
        return Dataset.load(self.out / CACHE / "dataset")

    def output(self, relative: str) -> pd.DataFrame | None:
        """A matches/ or remediation/ table by its report path, or None when it was not produced."""
        cached = self.out / CACHE / (relative.replace("/", "__").removesuffix(".csv") + ".parquet")
        return pd.read_parquet(cached) if cached.is_file() else None

    def view(self, name: str) -> pd.DataFrame:
        """A notebook table `check` computed (e.g. "products.waterfall"); empty when its inputs
        were missing, so a page about a partial export still renders."""
        path = self.out / CACHE / VIEWS_FOLDER / f"{name}.parquet"
        if path.is_file():
            return pd.read_parquet(path)
        missing = pd.DataFrame()
        missing.attrs["not_written"] = True  # nb.table says "not computed", not "none found"
        return missing

    @property
    def thresholds(self) -> dict[str, Any]:
        """The thresholds the run used (summary.json parameters), e.g. for a chart's marker line."""
        found: dict[str, Any] = self.summary.parameters.get("thresholds", {})
        return found

    def area(self, area: str) -> pd.DataFrame:
        return self.findings[self.findings["area"] == area]

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.summary.as_of)


def open_run(
    out: str | Path, raw: str | Path | None = None, config: str | Path | None = None
) -> Run:
    """Open the report folder `out`; run `check` first when it has no outputs yet (JupyterLab)."""
    out = Path(out)
    if not (out / "summary.json").is_file() or not (out / CACHE / "findings.parquet").is_file():
        if raw is None:
            raise FileNotFoundError(f"{out} has no report yet and no raw folder was given to check")
        run_check(CheckOptions(raw=Path(raw), out=out, config=Path(config) if config else None))
    return Run(out)
