"""Text snapshots of what finance reads: every finding's words on each hand-made fixture.

One sorted CSV per fixture under tests/snapshots/ (check, records, severity, title, detail,
suggested_action). A refactor keeps them byte-identical; an intended wording change regenerates
them with: SFQB_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/test_snapshots.py
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.config import ClientConfig
from sfqb_diag.pipeline import CheckOptions, compute, run_all

SNAPSHOTS = Path(__file__).parent / "snapshots"
COLUMNS = [
    "check",
    "sf_id",
    "qb_entity",
    "qb_id",
    "severity",
    "title",
    "detail",
    "suggested_action",
]


def _raw_fixture(name: str) -> Callable[[Path], tuple[Path, str | None]]:
    def build(folder: Path) -> tuple[Path, str | None]:
        if name == "partial_sync":
            import partial_sync_fixture as f

            return f.write_raw(folder / "raw"), f.AS_OF
        if name == "sync_jobs":
            import sync_jobs_fixture as f
            import test_sync_jobs as t

            return f.write_raw(folder / "raw", sync_log=t._log_rows()), None
        if name == "products_catalogue":
            import test_products as f

            return f.build_catalogue(folder), f.AS_OF
        import test_line_reconciliation as f

        return f.build_raw(folder), f.AS_OF

    return build


def _frame_text(findings: pd.DataFrame) -> str:
    frame = findings[COLUMNS].astype("string").fillna("")
    frame = frame.sort_values(COLUMNS, kind="stable").reset_index(drop=True)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _compare(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.csv"
    if os.environ.get("SFQB_REGENERATE_GOLDEN"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no snapshot {path.name} yet: run with SFQB_REGENERATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8").splitlines()
    got = text.splitlines()
    for number, (want, have) in enumerate(zip(expected, got, strict=False), start=1):
        assert have == want, f"{path.name} line {number} differs:\n  want: {want}\n  got:  {have}"
    assert len(got) == len(expected), f"{path.name}: {len(got)} lines, snapshot has {len(expected)}"


@pytest.mark.parametrize(
    "name", ["partial_sync", "sync_jobs", "products_catalogue", "products_lines"]
)
def test_hand_made_fixture_findings_read_the_same(name: str, tmp_path: Path) -> None:
    raw, as_of = _raw_fixture(name)(tmp_path)
    run = compute(CheckOptions(raw=raw, out=tmp_path / "out", as_of=as_of))
    _compare(name, _frame_text(run.result.findings))


def test_customers_fixture_findings_read_the_same() -> None:
    import test_customers as f

    result = run_all(f.client(), ClientConfig(), f.AS_OF, areas=("customers",))
    _compare("customers", _frame_text(result.findings))


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["env_mismatch", "realm_mismatch"])
def test_auth_env_variant_findings_read_the_same(variant: str, tmp_path: Path) -> None:
    from sfqb_demo.generator import generate_demo

    generate_demo(tmp_path, size=300, seed=7, variant=variant)
    run = compute(CheckOptions(raw=tmp_path / "raw", out=tmp_path / "out", areas=("auth_env",)))
    _compare(f"auth_env_{variant}", _frame_text(run.result.findings))


def test_finding_texts_name_the_link_fields_the_config_names(tmp_path: Path) -> None:
    """A connector with its own link fields reads its own field names in every text."""
    import test_products as f

    raw = f.build_catalogue(tmp_path)
    products = raw / "salesforce" / "Product2.csv"
    products.write_text(
        products.read_text(encoding="utf-8").replace("QBO_Item_Id__c", "Item_Link__c"),
        encoding="utf-8",
    )
    config = tmp_path / "client.yaml"
    config.write_text("links:\n  product_item_id: Product2.Item_Link__c\n", encoding="utf-8")
    run = compute(CheckOptions(raw=raw, out=tmp_path / "out", config=config, as_of=f.AS_OF))
    words = run.result.findings[["title", "detail", "suggested_action"]].astype("string")
    text = "\n".join(words.fillna("").to_numpy().ravel())
    assert "Item_Link__c" in text
    assert "QBO_Item_Id__c" not in text
    links = run.result.outputs["remediation/salesforce_product_links.csv"].update
    assert list(links.columns) == ["Id", "Item_Link__c"]
