"""Demo generation time at 2k, 10k and 100k accounts (median of 3 runs each).

Each run is a fresh subprocess so its peak memory is its own. Prints wall time, CPU time (user +
system of that process: what the machine's other load does not inflate), peak RSS and the
number of rows written.

    .venv/bin/python benchmarks/bench_demo.py                 # 2000 10000 100000, 3 runs each
    .venv/bin/python benchmarks/bench_demo.py 2000 10000 --runs 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

RUN = """
import json, resource, sys, time
from sfqb_demo.generator import generate_demo
t0, c0 = time.perf_counter(), time.process_time()
raw = generate_demo(sys.argv[1], size=int(sys.argv[2]), seed=7)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
counts = json.loads((raw / "manifest.json").read_text())["counts"]
print(json.dumps({"wall": wall, "cpu": cpu, "rss_mb": rss, "counts": counts}))
"""


def run_once(size: int) -> dict:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", RUN, out, str(size)], capture_output=True, text=True, check=True
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[2000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(
        f"{'accounts':>9} {'opps':>8} {'opp lines':>10} {'invoices':>9} {'wall s (median)':>16} "
        f"{'cpu s (median)':>15} {'peak MB':>8}"
    )
    for size in args.sizes:
        runs = [run_once(size) for _ in range(args.runs)]
        c = runs[0]["counts"]
        print(
            f"{size:>9} {c['Opportunity']:>8} {c['OpportunityLineItem']:>10} {c['Invoice']:>9} "
            f"{statistics.median(r['wall'] for r in runs):>16.1f} {statistics.median(r['cpu'] for r in runs):>15.1f} "
            f"{max(r['rss_mb'] for r in runs):>8.0f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
