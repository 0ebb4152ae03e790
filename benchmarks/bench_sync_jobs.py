"""How much the sync_jobs checks and outputs cost at 10k and 100k accounts (loading excluded).

Usage: .venv/bin/python benchmarks/bench_sync_jobs.py [--sizes 10000 100000] [--work DIR]

Generates the demo at each size once (kept under --work, default /tmp/sfqb-bench, shared with
the other area benchmarks), loads it, then times every sync_jobs check and output in one run
context (shared work such as the annotated sync log is memoised, as in a real run) and prints
one table: accounts, step, seconds. Time is wall-clock on a shared machine: compare orders of
magnitude, not milliseconds.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pandas as pd

from sfqb_demo.generator import generate_demo
from sfqb_diag.asof import resolve_as_of
from sfqb_diag.checks import CHECKS, OUTPUTS
from sfqb_diag.checks.base import Context
from sfqb_diag.config import ClientConfig
from sfqb_diag.sources.files import load_raw

TABLES = ("opportunities", "invoices", "invoice_lines", "payments", "payment_links", "sync_log")


def bench(size: int, work: Path) -> list[dict]:
    folder = work / f"demo-{size}"
    if not (folder / "raw").is_dir():
        generate_demo(folder, size=size, seed=7)
    data = load_raw(folder / "raw")
    as_of, _ = resolve_as_of(data)
    ctx = Context(data=data, config=ClientConfig(), as_of=as_of)
    rows: list[dict] = []
    specs = [(f"check {s.name}", s.func) for s in CHECKS if s.area == "sync_jobs"]
    specs += [(f"output {s.path}", s.func) for s in OUTPUTS if s.area == "sync_jobs"]
    for step, func in specs:
        start = time.perf_counter()
        value = func(ctx)
        rows.append(
            {
                "accounts": size,
                "step": step,
                "seconds": round(time.perf_counter() - start, 3),
                "rows out": len(value) if hasattr(value, "__len__") else "",
            }
        )
    rows.append(
        {
            "accounts": size,
            "step": "total (all sync_jobs work)",
            "seconds": round(sum(r["seconds"] for r in rows), 3),
            "rows out": "",
        }
    )
    print(
        f"{size:,} accounts: " + ", ".join(f"{t}={len(data[t]):,}" for t in TABLES if data.has(t))
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/sfqb-bench"))
    args = parser.parse_args()
    rows = [row for size in args.sizes for row in bench(size, args.work)]
    with pd.option_context("display.width", 200, "display.max_colwidth", 120):
        print(pd.DataFrame(rows).to_string(index=False))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process (generation and loading included): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
