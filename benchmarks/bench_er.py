"""Entity-resolution benchmark sets: run `sfqb-diag check` and the sets' scorer on each, print a table.

Usage: .venv/bin/python benchmarks/bench_er.py [ER_DIR] [--sets febrl1_qb ...] [--work DIR]

ER_DIR is the folder holding `sets/<set>/raw`, `sets/<set>/truth.json` and `score.py` (the
public benchmark sets turned into raw folders); default: $SFQB_ER_DIR, else ../shared/er beside
the repository. The sets are data we did not write: this script reads them and never copies
them; it is not part of the test suite. For each set it times the whole `check` run (load, every
area, outputs) in a fresh process and prints the headline F1, precision and recall that the
set's own score.py reports.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def er_dir(given: str | None) -> Path:
    """The ER folder: the argument, else $SFQB_ER_DIR, else ../shared/er from the repository."""
    return Path(given or os.environ.get("SFQB_ER_DIR") or ROOT.parent / "shared" / "er")


def run_set(er: Path, name: str, work: Path) -> list[dict[str, object]]:
    """check + score one set; one row per headline part."""
    raw, truth, out = er / "sets" / name / "raw", er / "sets" / name / "truth.json", work / name
    exe = Path(sys.executable).with_name("sfqb-diag")
    start = time.perf_counter()
    done = subprocess.run(
        [str(exe), "check", str(raw), "--out", str(out)], capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    scored = subprocess.run(
        [sys.executable, str(er / "score.py"), "--truth", str(truth), "--out", str(out), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    headline = json.loads(scored.stdout)["headline"]
    return [
        {
            "set": name,
            "task": task,
            "f1": part["f1"],
            "precision": part["precision"],
            "recall": part["recall"],
            "seconds": seconds,
            "exit": done.returncode,
        }
        for task, part in headline.items()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("er", nargs="?", help="ER folder (default $SFQB_ER_DIR or ../shared/er)")
    parser.add_argument("--sets", nargs="+", help="only these sets")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sfqb-bench-er"))
    args = parser.parse_args(argv)
    er = er_dir(args.er)
    if not (er / "sets").is_dir():
        print(f"no benchmark sets under {er} (give the ER folder or set SFQB_ER_DIR)")
        return 2
    names = args.sets or sorted(p.name for p in (er / "sets").iterdir() if p.is_dir())
    rows = []
    for name in names:
        for row in run_set(er, name, args.work):
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"\n{'set':<16} {'task':<18} {'F1':>7} {'P':>7} {'R':>7} {'seconds':>8}")
    for r in rows:
        print(
            f"{r['set']:<16} {r['task']:<18} {r['f1'] or 0:>7.4f} {r['precision'] or 0:>7.4f} "
            f"{r['recall'] or 0:>7.4f} {r['seconds']:>8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
