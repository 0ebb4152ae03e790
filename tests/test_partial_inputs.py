"""Consultants often get partial exports: every check must skip or cope, never crash.

Each case removes files from a small demo's raw folder and runs every check on what is left.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sfqb_diag.pipeline import CheckOptions, compute


@pytest.fixture(scope="module")
def tiny_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sfqb_demo.generator import generate_demo

    return Path(generate_demo(tmp_path_factory.mktemp("tiny"), size=120, seed=11))


def _without(
    raw: Path, target: Path, keep: set[str] | None = None, drop: set[str] | None = None
) -> Path:
    shutil.copytree(raw, target)
    for path in sorted(target.rglob("*.*")):
        relative = str(path.relative_to(target))
        if (keep is not None and relative not in keep) or (drop is not None and relative in drop):
            path.unlink()
    return target


def _files(raw: Path) -> list[str]:
    return sorted(str(p.relative_to(raw)) for p in raw.rglob("*.*"))


@pytest.mark.parametrize(
    "case",
    [
        "only_salesforce",
        "only_quickbooks",
        "lone_customer",
        "no_manifest",
        "no_lines",
        "empty_quickbooks",
        "each_file_missing",
    ],
)
def test_checks_cope_with_missing_inputs(tiny_raw: Path, tmp_path: Path, case: str):
    files = _files(tiny_raw)
    cases = {
        "only_salesforce": [{"keep": {f for f in files if f.startswith("salesforce/")}}],
        "only_quickbooks": [{"keep": {f for f in files if f.startswith("quickbooks/")}}],
        "lone_customer": [{"keep": {f for f in files if f.startswith("quickbooks/Customer.")}}],
        "no_manifest": [{"drop": {"manifest.json", "sync_log.csv"}}],
        "no_lines": [{"drop": {f for f in files if "LineItem" in f or "Invoice" in f}}],
        "each_file_missing": [{"drop": {f}} for f in files],
    }
    if (
        case == "empty_quickbooks"
    ):  # every entity present but with no rows (a pull of an empty realm)
        cases[case] = [{"drop": set()}]
    for number, spec in enumerate(cases[case]):
        raw = _without(tiny_raw, tmp_path / f"raw{number}", **spec)
        if case == "empty_quickbooks":
            for path in (raw / "quickbooks").iterdir():
                path.with_suffix(".json").write_text(
                    "[]"
                ) if path.suffix == ".json" else path.write_text("")
        run = compute(
            CheckOptions(raw=raw, out=tmp_path / f"out{number}", as_of="2026-11-20T06:00:00Z")
        )
        missing = {s["missing"] for s in run.summary.checks_skipped}
        if spec.get("drop") and len(spec["drop"]) == 1:
            dropped = next(iter(spec["drop"]))
            needed = any(dropped.split(".")[0] in m for m in missing)
            # A skipped check names the file it lacks; present files never appear as missing.
            assert needed or not any(dropped in m for m in missing)
        assert run.result.findings["finding_id"].is_unique
