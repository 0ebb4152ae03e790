"""Hypothesis-driven damage of a tiny raw folder through the real CLI (DESIGN.md's promise).

Every run ends in exit 0, 1 or 2 with no traceback; exit 2 names the damaged file and writes
nothing; exit 0/1 leaves a whole report (summary.json and findings.csv agree, no .partial).
Damage classes come from tests/bad_input_fixture.py; hypothesis picks one to three at once, on
top of one of several fail-on levels. The fast profile keeps to a few examples (< 60 s); the
`slow` test explores more.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from bad_input_fixture import DAMAGE, make_raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfqb_diag.cli import main

CLASSES = sorted(DAMAGE)


def _apply(name: str, raw: Path) -> bool:
    """Apply one damage; False when an earlier one left nothing it can change (a file turned
    into a directory cannot be truncated)."""
    try:
        DAMAGE[name][0](raw)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return False
    return True


def _file_of(name: str) -> str:
    root = Path(tempfile.mkdtemp(prefix="sfqb-fuzz-"))
    try:
        return DAMAGE[name][0](make_raw(root))
    finally:
        shutil.rmtree(root, ignore_errors=True)


_FILE_OF = {name: _file_of(name) for name in CLASSES}


def _run(damages: list[str], fail_on: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="sfqb-fuzz-"))
    try:
        raw = make_raw(root)
        applied = [name for name in damages if _apply(name, raw)]
        damaged = {_FILE_OF[name] for name in applied}
        out = root / "out"
        args = ["check", str(raw), "--out", str(out)] + (["--fail-on", fail_on] if fail_on else [])
        capsys.readouterr()
        code = main(args)
        printed = capsys.readouterr()
        text = printed.out + printed.err
        assert code in (0, 1, 2), (damages, code, text[-500:])
        assert "Traceback" not in text, damages
        assert not (root / "out.partial").exists() and not (root / "out.old").exists()
        if code == 2:
            assert any(name in printed.err for name in damaged), (damages, printed.err)
            assert not out.exists()
            assert len(applied) > 1 or DAMAGE[applied[0]][1], (applied, "refused a valid input")
        else:
            assert not any(DAMAGE[name][1] for name in applied), (applied, "accepted")
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            with (out / "findings.csv").open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
            assert len(rows) == summary["findings"] + summary["waived"]
    finally:
        shutil.rmtree(root, ignore_errors=True)


# At most one damage per file: two on one file can cancel out (a short row made long again).
damage_sets = st.lists(
    st.sampled_from(CLASSES), min_size=1, max_size=3, unique_by=lambda name: _FILE_OF[name]
)
fail_levels = st.sampled_from([None, "critical", "low"])


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(damages=damage_sets, fail_on=fail_levels)
def test_damaged_raw_folders_never_crash(
    damages: list[str], fail_on: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(damages, fail_on, capsys)


@pytest.mark.slow
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(damages=damage_sets, fail_on=fail_levels)
def test_damaged_raw_folders_never_crash_many(
    damages: list[str], fail_on: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(damages, fail_on, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("damage", CLASSES)
def test_each_damage_class_alone(damage: str, capsys: pytest.CaptureFixture[str]) -> None:
    _run([damage], None, capsys)
