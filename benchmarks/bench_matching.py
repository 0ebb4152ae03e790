"""Account <-> Customer matching at 10k, 30k and 100k: wall time, CPU time, peak memory, quality.

Usage: .venv/bin/python benchmarks/bench_matching.py [--sizes 10000 30000 100000] [--repeat 3]
                                                     [--work DIR] [--seed 7]

For each size the demo is generated once (generate_demo(size=N), kept under --work, default
/tmp/sfqb-bench-matching) and loaded once into a parquet cache. Each repeat then runs in a FRESH
process (so peak memory is that run's own): it reads the cached tables the customers area needs,
and times the whole matching of the area — normalisation of both sides, blocking, scoring,
reviewer decisions, one-to-one assignment, currency extras, QBO and Salesforce duplicate clusters.
It prints, per size, the median of the repeats:
  wall s, cpu s      matching only (the load is not counted; it is printed apart)
  peak MB            the process's peak resident memory (Python + pandas + the tables + matching)
  match MB           peak minus the resident memory right after loading: what matching itself adds
  precision, action recall, review share, hard negatives linked, cluster F1 (QBO / Salesforce)
measured with tests/scorer.py against the demo's truth.json, as the quality bars are.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES = (
    "accounts",
    "contacts",
    "customers",
    "opportunities",
    "invoices",
    "payments",
    "credit_memos",
    "sales_receipts",
    "vendors",
    "employees",
)


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def prepare(work: Path, size: int, seed: int) -> Path:
    """Generate the demo and cache the loaded Dataset once per size; return the folder."""
    from sfqb_demo.generator import generate_demo
    from sfqb_diag.sources.files import load_raw

    folder = work / f"demo-{size}-{seed}"
    if not (folder / "truth.json").is_file():
        generate_demo(folder, size=size, seed=seed)
    if not (folder / "dataset" / "dataset.json").is_file():
        start = time.perf_counter()
        load_raw(folder / "raw").save(folder / "dataset")
        print(
            f"  loaded {size:,} in {time.perf_counter() - start:.1f} s (not part of matching)",
            flush=True,
        )
    return folder


def one_run(folder: Path) -> dict[str, float]:
    """One measured run (called in a fresh process)."""
    import pandas as pd

    from sfqb_diag.checks.customers.outputs import duplicate_tables
    from sfqb_diag.config import Thresholds
    from sfqb_diag.dataset import Dataset
    from sfqb_diag.matching.customer_duplicates import account_duplicates
    from sfqb_diag.matching.customers import MATCH_COLUMNS, match_customers
    from sfqb_diag.reviewer_files import read_decisions

    sys.path.insert(0, str(ROOT / "tests"))
    from scorer import score_clusters, score_links

    meta = json.loads((folder / "dataset" / "dataset.json").read_text(encoding="utf-8"))
    tables = {
        t: pd.read_parquet(folder / "dataset" / f"{t}.parquet")
        for t in TABLES
        if t in meta["tables"]
    }
    data = Dataset(tables=tables)
    base = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    m = match_customers(data, Thresholds(), read_decisions(None))
    sf_clusters = account_duplicates(m.comparison, m.blocks, Thresholds())
    qb_table, sf_table = duplicate_tables(m, sf_clusters)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    matches = m.matches[MATCH_COLUMNS]
    links = score_links(matches, truth["match_pairs"]["customers"], matches["sf_id"].nunique())
    return {
        "wall": wall,
        "cpu": cpu,
        "peak_mb": peak,
        "match_mb": peak - base,
        "precision": links.precision,
        "action_recall": links.action_recall,
        "review_share": links.review_share,
        "hard_negatives": links.hard_negatives_linked,
        "qb_f1": score_clusters(qb_table, truth["duplicate_clusters"]["qb_customers"]).f1,
        "sf_f1": score_clusters(sf_table, truth["duplicate_clusters"]["sf_accounts"]).f1,
        "accounts": len(m.accounts),
        "customers": len(m.customers),
        "candidates": len(m.scored),
    }


def measure(folder: Path, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(folder)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]} | {
        "walls": [round(r["wall"], 1) for r in runs]
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sfqb-bench-matching"))
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_run(args.one)))
        return 0
    rows = []
    for size in args.sizes:
        print(f"size {size:,}", flush=True)
        result = measure(prepare(args.work, size, args.seed), args.repeat)
        rows.append({"size": size, **result})
        print(
            "  "
            + json.dumps(
                {k: (round(v, 3) if isinstance(v, float) else v) for k, v in result.items()}
            ),
            flush=True,
        )
    print(f"\nmedians of {args.repeat} runs (matching only; each run a fresh process)")
    print(
        f"{'accounts x customers':>22} {'candidates':>10} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'match MB':>9} "
        f"{'precision':>9} {'recall':>7} {'review':>7} {'hard neg':>8} {'F1 qb/sf':>11}"
    )
    for r in rows:
        print(
            f"{int(r['accounts']):>10,} x {int(r['customers']):>9,} {int(r['candidates']):>10,} {r['wall']:>7.1f} "
            f"{r['cpu']:>7.1f} {r['peak_mb']:>8.0f} {r['match_mb']:>9.0f} {r['precision']:>9.4f} "
            f"{r['action_recall']:>7.4f} {r['review_share']:>7.4f} {int(r['hard_negatives']):>8} "
            f"{r['qb_f1']:>5.3f}/{r['sf_f1']:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
