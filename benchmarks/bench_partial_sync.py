"""How much the partial_sync checks cost at 10k and 100k accounts (loading excluded).

Usage: .venv/bin/python benchmarks/bench_partial_sync.py [--sizes 10000 100000] [--base 10000]
                                                         [--work DIR]

Generates the demo at --base accounts once (kept under --work, default /tmp/sfqb-bench) and
loads it; a larger size is made by replicating that Dataset in memory (every Salesforce Id and
QBO Id shifted per copy, notes rewritten), which costs seconds where generating a 100k demo
costs many minutes. Then times the shared billing state and every partial_sync check and output
separately and prints one table: size, step, wall and CPU seconds (CPU is the fair figure on a
busy machine); then rows per table and peak RSS.
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
from sfqb_diag.checks.partial_sync.state import billing_state
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import ID_IN_TEXT, series_to_18
from sfqb_diag.sources.files import load_raw


def _timed(step: str, func, rows: list[dict], size: int) -> object:
    start, cpu = time.perf_counter(), time.process_time()
    value = func()
    rows.append(
        {
            "accounts": size,
            "step": step,
            "seconds": round(time.perf_counter() - start, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3),
        }
    )
    return value


SF_ID_COLUMNS = {
    "opportunities": ("id", "account_id"),
    "opportunity_lines": ("id", "opportunity_id"),
    "accounts": ("id",),
}
QB_ID_COLUMNS = {
    "invoices": ("id", "customer_id"),
    "invoice_lines": ("txn_id",),
    "payments": ("id", "customer_id"),
    "payment_links": ("payment_id", "txn_id"),
    "customers": ("id", "parent_id"),
    "opportunities": ("qb_invoice_id",),
    "accounts": ("qb_customer_id",),
}


def _shift_sf(ids: pd.Series, copy: int) -> pd.Series:
    """Another org-unique 18-char Id per copy: the reserved 6th character becomes the copy number."""
    text = ids.astype("string")
    head = text.str.slice(0, 5) + str(copy % 10) + text.str.slice(6, 15)
    return series_to_18(head.where(text.notna()))[0]


def _shift_qb(ids: pd.Series, copy: int) -> pd.Series:
    number = pd.to_numeric(ids, errors="coerce")
    return (number + copy * 10_000_000).astype("Int64").astype("string").where(number.notna(), ids)


def _copy(name: str, frame: pd.DataFrame, copy: int) -> pd.DataFrame:
    frame = frame.copy()
    for column in SF_ID_COLUMNS.get(name, ()):
        frame[column] = _shift_sf(frame[column], copy)
    for column in QB_ID_COLUMNS.get(name, ()):
        if column in frame:
            frame[column] = _shift_qb(frame[column], copy)
    if name == "invoices":  # the Salesforce Id inside the note moves with its opportunity
        note = frame["private_note"].astype("string")
        parts = note.str.extract(r"^(.*?)" + ID_IN_TEXT.pattern + r"(.*)$")
        moved = parts[0] + _shift_sf(parts[1], copy) + parts[2]
        frame["private_note"] = moved.where(moved.notna(), note)
    return frame


def replicate(data: Dataset, factor: int) -> Dataset:
    """`factor` disjoint copies of the Dataset's partial_sync tables (copy 0 is the original)."""
    tables = dict(data.tables)
    for name in set(SF_ID_COLUMNS) | set(QB_ID_COLUMNS):
        if name in data.tables:
            tables[name] = pd.concat(
                [data[name]] + [_copy(name, data[name], k) for k in range(1, factor)],
                ignore_index=True,
            )
    return Dataset(
        tables=tables,
        manifest=data.manifest,
        files=data.files,
        missing_columns=data.missing_columns,
    )


def load(size: int, base: int, work: Path) -> Dataset:
    folder = work / f"demo-{base}"
    if not (folder / "raw").is_dir():
        generate_demo(folder, size=base, seed=7)
    data = load_raw(folder / "raw")
    return data if size <= base else replicate(data, -(-size // base))


def bench(size: int, base: int, work: Path) -> list[dict]:
    data = load(size, base, work)
    config = ClientConfig()
    as_of, _ = resolve_as_of(data)
    rows: list[dict] = []
    ctx = Context(data=data, config=config, as_of=as_of)
    state = _timed("billing_state (shared)", lambda: billing_state(data, config, as_of), rows, size)
    ctx.memo["partial_sync.billing_state"] = state
    for spec in (s for s in CHECKS if s.area == "partial_sync"):
        _timed(f"check {spec.name}", lambda spec=spec: spec.func(ctx), rows, size)
    for spec in (s for s in OUTPUTS if s.area == "partial_sync"):
        _timed(f"output {spec.path}", lambda spec=spec: spec.func(ctx), rows, size)
    counts = {
        t: len(data[t])
        for t in ("opportunities", "opportunity_lines", "invoices", "invoice_lines", "payments")
        if data.has(t)
    }
    rows.append(
        {
            "accounts": size,
            "step": "total (all partial_sync work)",
            "seconds": round(sum(r["seconds"] for r in rows), 3),
            "cpu_seconds": round(sum(r["cpu_seconds"] for r in rows), 3),
        }
    )
    print(f"{size:,} accounts: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--base", type=int, default=10_000, help="accounts in the generated demo")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sfqb-bench"))
    args = parser.parse_args()
    rows = [row for size in args.sizes for row in bench(size, args.base, args.work)]
    with pd.option_context("display.width", 200, "display.max_colwidth", 120):
        print(pd.DataFrame(rows).to_string(index=False))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process (generation and loading included): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
