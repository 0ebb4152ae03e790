"""`check` and `report` at 10k, 30k and 100k demo accounts, each against the floor of its folder.

Usage: .venv/bin/python benchmarks/bench_check.py [--sizes 10000 30000 100000] [--repeat 3]
                                                  [--work DIR] [--no-report] [--steps ...]

The floor is what no loader can beat: read every file's bytes and parse them (QBO JSON with
orjson, a .jsonl line by line; Salesforce CSVs and sync_log.csv with pyarrow's CSV reader),
nothing else. Against it, in the same run, each step in a FRESH process (so its peak memory is
its own):
  load        load_raw of the whole folder (every table, validated)
  <area>      `check --areas <area>`: the load of that area's tables, its checks, the report folder
  check       `check` with every area
  report      `report`: check plus the six notebooks executed and written as HTML
Each is printed as the median wall seconds of the repeats, its ratio to the floor's median, CPU
seconds (user + system of that process: what the machine's other load inflates least) and peak
resident memory, beside the raw folder's size. Demos are generated once per size under --work
(default /tmp/sfqb-bench-check) and reused.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

AREAS = ("auth_env", "customers", "products", "partial_sync", "sync_jobs")
STEPS = ("floor", "load", *AREAS, "check", "report")

RUN = r"""
import json, resource, sys, time
from pathlib import Path
step, raw, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
t0, c0 = time.perf_counter(), time.process_time()
if step == "floor":
    import orjson
    from pyarrow import csv
    for path in sorted(raw.rglob("*")):
        if path.suffix == ".json":
            orjson.loads(path.read_bytes())
        elif path.suffix == ".jsonl":
            [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
        elif path.suffix == ".csv":
            csv.read_csv(path, parse_options=csv.ParseOptions(newlines_in_values=True))
elif step == "load":
    from sfqb_diag.sources.files import load_raw
    load_raw(raw)
else:
    from sfqb_diag.findings import AREAS
    from sfqb_diag.pipeline import CheckOptions, run_check
    areas = AREAS if step in ("check", "report") else (step,)
    options = CheckOptions(raw=raw, out=out, areas=areas)
    if step == "report":
        from sfqb_diag.reporting.runner import run_report
        run_report(options)
    else:
        run_check(options)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
# VmHWM is this process's own peak (ru_maxrss would carry the parent's across fork and exec)
status = Path("/proc/self/status").read_text()
own = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1])
children = resource.getrusage(resource.RUSAGE_CHILDREN)  # notebook kernels of `report`
print(json.dumps({
    "wall": wall,
    "cpu": cpu + children.ru_utime + children.ru_stime,
    "peak_mb": max(own, children.ru_maxrss) / 1024,
}))
"""


def demo_folder(work: Path, size: int) -> Path:
    """The demo's raw folder for `size` accounts, generated once and kept."""
    folder = work / f"demo-{size}"
    if not (folder / "raw" / "manifest.json").is_file():
        # in a process of its own: the generator's memory must not inflate what is measured
        make = "import sys; from sfqb_demo.generator import generate_demo; "
        make += "generate_demo(sys.argv[1], size=int(sys.argv[2]), seed=7)"
        subprocess.run([sys.executable, "-c", make, str(folder), str(size)], check=True)
    return folder / "raw"


def run_step(step: str, raw: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", RUN, step, str(raw), str(Path(out) / "report")],
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        raise SystemExit(f"{step} on {raw} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def folder_mb(raw: Path) -> float:
    return sum(p.stat().st_size for p in raw.rglob("*") if p.is_file()) / 2**20


def measure(raw: Path, steps: list[str], repeat: int) -> dict[str, dict[str, float]]:
    """Median wall, CPU and peak memory of each step, the repeats interleaved so that a burst
    of load on the shared machine hits every step alike."""
    runs: dict[str, list[dict[str, float]]] = {step: [] for step in steps}
    for _ in range(repeat):
        for step in steps:
            runs[step].append(run_step(step, raw))
    return {
        step: {key: statistics.median(r[key] for r in found) for key in found[0]}
        for step, found in runs.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[10000, 30000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sfqb-bench-check"))
    parser.add_argument("--no-report", action="store_true", help="leave out `report`")
    parser.add_argument("--steps", nargs="*", choices=STEPS, help="only these steps")
    args = parser.parse_args(argv)
    steps = [s for s in (args.steps or STEPS) if not (args.no_report and s == "report")]
    if "floor" not in steps:
        steps.insert(0, "floor")
    print(f"median of {args.repeat} run(s) per step; ratio = wall / floor wall of the same size")
    print(f"{'accounts':>9} {'step':>13} {'wall s':>8} {'x floor':>8} {'cpu s':>8} {'peak MB':>8}")
    for size in args.sizes:
        raw = demo_folder(args.work, size)
        found = measure(raw, steps, args.repeat)
        floor = found["floor"]["wall"]
        for step in steps:
            f = found[step]
            print(
                f"{size:>9} {step:>13} {f['wall']:>8.1f} {f['wall'] / floor:>8.2f} "
                f"{f['cpu']:>8.1f} {f['peak_mb']:>8.0f}"
            )
        print(f"{size:>9} {'raw folder':>13} {folder_mb(raw):>8.0f} MB on disk")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
