"""What `check` costs at 10k and 100k accounts, and how much of it is line reconciliation.

Usage: .venv/bin/python benchmarks/bench_products.py [--sizes 10000 100000] [--repeat 3] [--work DIR]
                                                      [--skip-full] [--areas AREA ...]

For each size: generates the demo once (kept under --work, default /tmp/sfqb-bench), then, each a
median of --repeat runs in fresh processes' worth of state (a new Context each time):
  full check     `run_check` on the raw folder, every area, outputs written (what `check` does)
  load           load_raw alone
  products       every products check and output on the loaded Dataset
  product match  Product2 <-> Item matching alone
  line pairing   pair_lines + invoice discounts (the vectorised merges)
  line classes   classify (naming every difference)
and prints one table (accounts, step, median wall and CPU seconds, share of the full check's CPU)
plus row counts. On a shared machine wall time includes waiting for a core; CPU time does not.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

import pandas as pd

from sfqb_demo.generator import generate_demo
from sfqb_diag.asof import resolve_as_of
from sfqb_diag.checks import CHECKS, OUTPUTS
from sfqb_diag.checks.base import Context
from sfqb_diag.checks.line_pairing.classes import classify
from sfqb_diag.checks.line_pairing.pairs import invoice_discounts, pair_lines
from sfqb_diag.checks.line_pairing.reconcile import pairing_keys
from sfqb_diag.config import ClientConfig
from sfqb_diag.findings import AREAS
from sfqb_diag.pipeline import CheckOptions, run_check
from sfqb_diag.sources.files import load_raw


def _median(func, repeat: int) -> tuple[dict, object]:
    """Median wall and CPU seconds of `repeat` calls. CPU time is what the step costs on an idle
    machine (everything here runs in one thread); wall time is what it cost on this one."""
    walls, cpus, value = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        value = func()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "seconds": round(statistics.median(walls), 2),
        "cpu seconds": round(statistics.median(cpus), 2),
    }, value


def _products(data, config, as_of) -> None:
    ctx = Context(data=data, config=config, as_of=as_of)
    for spec in (s for s in CHECKS if s.area == "products"):
        spec.func(ctx)
    for spec in (s for s in OUTPUTS if s.area == "products"):
        spec.func(ctx)


def _keys(data, config, as_of):
    return pairing_keys(Context(data=data, config=config, as_of=as_of))


def bench(size: int, work: Path, repeat: int, full: bool, areas: tuple[str, ...]) -> list[dict]:
    folder = work / f"demo-{size}"
    if not (folder / "raw").is_dir():
        generate_demo(folder, size=size, seed=7)
    rows: list[dict] = []
    if full:
        out = folder / "out"
        seconds, _ = _median(
            lambda: run_check(CheckOptions(raw=folder / "raw", out=out, areas=areas)), repeat
        )
        label = "all areas" if set(areas) == set(AREAS) else ", ".join(areas)
        rows.append({"accounts": size, "step": f"full check ({label}; outputs written)", **seconds})
        shutil.rmtree(out, ignore_errors=True)
    config = ClientConfig()
    seconds, data = _median(lambda: load_raw(folder / "raw", config), repeat)
    rows.append({"accounts": size, "step": "load raw folder", **seconds})
    as_of, _ = resolve_as_of(data)
    seconds, _ = _median(lambda: _products(data, config, as_of), repeat)
    rows.append({"accounts": size, "step": "products area (all checks + outputs)", **seconds})
    seconds, (first, second) = _median(lambda: _keys(data, config, as_of), repeat)
    rows.append({"accounts": size, "step": "  product matching", **seconds})
    tol = round(config.thresholds.amount_tolerance * 100)

    def pairing():
        pairs, scope = pair_lines(data, first, second)
        return pairs, invoice_discounts(data, scope["invoice_id"])

    seconds, (pairs, discounts) = _median(pairing, repeat)
    rows.append({"accounts": size, "step": "  line pairing", **seconds})
    seconds, classified = _median(lambda: classify(pairs, discounts, tol), repeat)
    rows.append({"accounts": size, "step": "  line classification", **seconds})
    rows.append(
        {
            "accounts": size,
            "step": f"(rows: {len(data['opportunities']):,} opportunities, "
            f"{len(data['opportunity_lines']):,} opportunity lines, {len(data['invoice_lines']):,} invoice "
            f"lines, {len(classified):,} reconciled lines)",
            "seconds": float("nan"),
            "cpu seconds": float("nan"),
        }
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sfqb-bench"))
    parser.add_argument("--skip-full", action="store_true", help="do not time the full check")
    parser.add_argument(
        "--areas", nargs="+", default=list(AREAS), help="areas of the full check (default: all)"
    )
    args = parser.parse_args()
    rows = [
        row
        for size in args.sizes
        for row in bench(size, args.work, args.repeat, not args.skip_full, tuple(args.areas))
    ]
    table = pd.DataFrame(rows)
    full_cpu = table[table["step"].str.startswith("full check")].set_index("accounts")[
        "cpu seconds"
    ]
    table["share of check (cpu)"] = (table["cpu seconds"] / table["accounts"].map(full_cpu)).map(
        lambda v: f"{v:.0%}" if pd.notna(v) else ""
    )
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
