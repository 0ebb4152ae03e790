"""Each area declares the tables it reads (catalogue.py READS), and a run of some areas loads only
those: `check --areas customers` never builds invoice lines nor parses the opportunity lines.

The declaration is proved complete on the default demo: an area run on a Dataset holding only its
declared tables gives exactly the findings, outputs and views it gives on the whole folder. A
check that starts reading an undeclared table fails here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.asof import resolve_as_of
from sfqb_diag.checks import ALWAYS_READ, READS, tables_read
from sfqb_diag.config import ClientConfig, load_config
from sfqb_diag.dataset import Dataset
from sfqb_diag.errors import InputError
from sfqb_diag.findings import AREAS
from sfqb_diag.outputs.tables import findings_csv_frame
from sfqb_diag.pipeline import run_all
from sfqb_diag.sources.files import load_raw


@pytest.fixture(scope="module")
def config(demo_dir: Path) -> ClientConfig:
    return load_config(demo_dir / "client.yaml")  # the connector's rollup fields


@pytest.fixture(scope="module")
def whole(demo_dir: Path, config: ClientConfig) -> Dataset:
    return load_raw(demo_dir / "raw", config)


def _frames(result: object) -> dict[str, pd.DataFrame]:
    frames = {"findings.csv": findings_csv_frame(result.findings)}  # type: ignore[attr-defined]
    for path, value in result.outputs.items():  # type: ignore[attr-defined]
        frames[path] = value if isinstance(value, pd.DataFrame) else value.update
    for name, table in result.views.items():  # type: ignore[attr-defined]
        frames[f"view:{name}"] = table
    return frames


def test_every_area_declares_what_it_reads() -> None:
    assert set(READS) == set(AREAS)
    assert tables_read(AREAS) >= set(ALWAYS_READ)
    assert "invoice_lines" not in tables_read(("customers",))
    assert "opportunity_lines" not in tables_read(("customers",))


@pytest.mark.parametrize("area", AREAS)
def test_an_area_on_its_declared_tables_finds_what_it_finds_on_the_whole_folder(
    area: str, whole: Dataset, demo_dir: Path, config: ClientConfig
) -> None:
    as_of, source = resolve_as_of(whole)
    full = run_all(whole, config, as_of, areas=(area,), as_of_source=source)
    part = load_raw(demo_dir / "raw", config, tables=tables_read((area,)))
    assert set(part.tables) < set(whole.tables) or area == "partial_sync"
    assert set(part.tables) <= tables_read((area,))
    mine = run_all(part, config, as_of, areas=(area,), as_of_source=source)
    expected, got = _frames(full), _frames(mine)
    assert got.keys() == expected.keys()
    assert len(expected["findings.csv"]) > 0
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(
            got[name].reset_index(drop=True), frame.reset_index(drop=True), obj=name
        )


def test_files_the_run_does_not_read_are_neither_parsed_nor_judged(
    demo_dir: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(demo_dir / "raw", raw)
    lines = raw / "salesforce" / "OpportunityLineItem.csv"
    lines.write_text('Id,OpportunityId\n"unclosed,quote\n', encoding="utf-8")
    data = load_raw(raw, tables=tables_read(("customers",)))
    assert "salesforce/OpportunityLineItem.csv" in data.not_read
    assert "opportunity_lines" not in data.tables and "invoice_lines" not in data.tables
    assert "invoices" in data.tables  # the keep plan counts each customer's transactions
    # no warning that the manifest counts lines the folder lacks: they were not asked for
    assert not [w for w in data.warnings if "OpportunityLineItem" in w.message]
    with pytest.raises(InputError) as raised:
        load_raw(raw, tables=tables_read(("products",)))
    assert any(p.file == "salesforce/OpportunityLineItem.csv" for p in raised.value.problems)
