"""summary.json of the default demo (seed 7, as of its manifest) is fixed: any change is deliberate.

Regenerate after an intended change with: SFQB_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/test_golden_summary.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden" / "demo_summary.json"


def test_demo_summary_matches_the_golden_file(demo_run, demo_dir):
    produced = json.loads((demo_dir / "out" / "summary.json").read_text(encoding="utf-8"))
    text = json.dumps(produced, indent=2, sort_keys=True) + "\n"
    # Check names may hold the word (retired_api_version): look for versions outside them.
    unnamed = json.dumps({k: v for k, v in produced.items() if k != "checks_run"})
    assert str(demo_dir) not in text and "version" not in unnamed, (
        "no paths or versions in summary.json"
    )
    if os.environ.get("SFQB_REGENERATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.is_file(), "no golden file yet: run with SFQB_REGENERATE_GOLDEN=1"
    assert json.loads(GOLDEN.read_text(encoding="utf-8")) == produced
