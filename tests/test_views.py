"""Notebook views are computed during `check` with the run's own Context: a page can never
disagree with findings.csv, reviewer decisions included."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import test_line_reconciliation as lines

from sfqb_diag import notebook as nb
from sfqb_diag.checks import VIEWS
from sfqb_diag.checks.base import Context
from sfqb_diag.checks.line_pairing.classes import waterfall
from sfqb_diag.checks.products.line_checks import line_reconciliation
from sfqb_diag.config import ClientConfig
from sfqb_diag.pipeline import CheckOptions, run_check
from sfqb_diag.resources import notebook_paths
from sfqb_diag.sources.files import load_raw
from sfqb_diag.sources.reviewer_files import DECISION_COLUMNS, read_decisions


def _reject_consulting(folder: Path) -> Path:
    path = folder / "decisions.csv"  # beside raw/: the default place check looks
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=DECISION_COLUMNS)
        writer.writeheader()
        writer.writerow(
            {
                "kind": "product",
                "sf_id": lines.sfid("01t", 2),
                "qb_id": "2",
                "decision": "reject",
                "note": "not the same service",
                "decided_by": "reviewer",
                "decided_at": "2026-11-19",
            }
        )
    return path


def _unlink_consulting(raw: Path) -> None:
    """The sync never linked Consulting Hour: the matcher proposes item 2 and lines pair on it."""
    path = raw / "salesforce" / "Product2.csv"
    products = pd.read_csv(path, dtype=str, keep_default_na=False)
    products.loc[products["Id"] == lines.sfid("01t", 2), "QBO_Item_Id__c"] = ""
    products.to_csv(path, index=False)


def test_notebook_03_follows_a_rejected_product_pair(tmp_path: Path) -> None:
    raw = lines.build_raw(tmp_path)
    _unlink_consulting(raw)
    undecided = run_check(CheckOptions(raw=raw, out=tmp_path / "before", as_of=lines.AS_OF))
    decisions = _reject_consulting(tmp_path)
    decided = run_check(CheckOptions(raw=raw, out=tmp_path / "after", as_of=lines.AS_OF))

    def line_findings(findings: pd.DataFrame) -> set[tuple[str, str, str]]:
        rows = findings[findings["check"].str.startswith("line_")]
        return set(rows[["check", "sf_id", "qb_id"]].astype(str).itertuples(index=False))

    assert line_findings(undecided.result.findings) != line_findings(decided.result.findings), (
        "the rejection must change the line findings, or this test proves nothing"
    )

    data = load_raw(raw, ClientConfig())  # what the notebook kernel used to rebuild
    as_of = pd.Timestamp(lines.AS_OF)
    with_decisions = Context(data, ClientConfig(), as_of, decisions=read_decisions(decisions))
    without = Context(data, ClientConfig(), as_of)
    expected = waterfall(line_reconciliation(with_decisions)).reset_index(drop=True)
    stale = waterfall(line_reconciliation(without)).reset_index(drop=True)

    page = nb.open_run(tmp_path / "after").view("products.waterfall")
    pd.testing.assert_frame_equal(page.reset_index(drop=True), expected, check_dtype=False)
    assert not page.equals(stale)


def test_every_view_is_cached_by_check(tmp_path: Path) -> None:
    raw = lines.build_raw(tmp_path)
    run = run_check(CheckOptions(raw=raw, out=tmp_path / "out", as_of=lines.AS_OF))
    cached = {p.stem for p in (tmp_path / "out" / "cache" / "views").glob("*.parquet")}
    assert cached == set(run.result.views)
    assert {"products.waterfall", "products.lines_to_fix", "customers.status"} <= cached
    assert {spec.name.split(".")[0] for spec in VIEWS} == {
        "auth_env",
        "customers",
        "products",
        "partial_sync",
        "sync_jobs",
    }


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_notebooks_import_only_the_facade(path: Path) -> None:
    """Notebooks read what check wrote: no Context, no config reload, no checks."""
    notebook = nbformat.read(path, as_version=4)
    for cell in (c for c in notebook.cells if c.cell_type == "code"):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sfqb_diag"):
                assert node.module == "sfqb_diag" and [a.name for a in node.names] == [
                    "notebook"
                ], f"{path.name}: import only `from sfqb_diag import notebook as nb`"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("sfqb_diag") for a in node.names), path.name
        assert "load_config" not in cell.source and "Context(" not in cell.source
