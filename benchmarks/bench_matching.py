"""Account <-> Customer matching at 10k, 30k and 100k: this engine and splink, side by side.

Usage: .venv/bin/python benchmarks/bench_matching.py [--sizes 10000 30000 100000] [--repeat 3]
                                                     [--work DIR] [--seed 7] [--no-splink]

splink (5, DuckDB backend) is optional: `pip install -e ".[bench]"`. Without it the splink
columns are left out and the run says so. splink gets the same normalised party tables (our
normalisation is not timed twice: it is counted in both engines' time), a configuration a
splink user would write for company records (Jaro-Winkler bands on the name and street, exact
postal code with term frequencies, city bands, exact phone / domain (state, country and currency left out: splink's EM drove one of their
levels' m to 0 on the demo and refused the model); u by
random sampling, the prior from deterministic rules, m by EM in two sessions blocked on name
and on postal code), DuckDB with all cores, and the same one-to-one assignment of its pairs at
match_review. Both engines' pairs are scored the same way (pairwise P / R / F1 of the proposals
against the demo's truth). Timing and memory of each run are measured in a fresh process.

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
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sfqb_diag.checks import customers
from sfqb_diag.dataset import Dataset

ROOT = Path(__file__).resolve().parents[1]
TABLES = customers.READS  # what `check --areas customers` loads


def _rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> float:
    """Start the peak-memory count afresh after loading (Linux: writing 5 to clear_refs resets
    VmHWM), so `match MB` is what matching adds, not the parquet reader's transient peak.
    Returns the resident memory at that point."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass  # not Linux, or not permitted: the peak then includes the load
    return _rss_mb()


def _peak_mb() -> float:
    """The peak resident memory since `_reset_peak` (VmHWM), else the process's whole peak."""
    return _rss_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def _pair_quality(proposed: set[tuple[str, str]], truth: list[dict]) -> dict[str, float]:
    """Pairwise precision / recall / F1 of proposed (sf_id, qb_id) pairs against the truth."""
    true = {(p["sf_id"], str(p["qb_id"])) for p in truth if p["truth"] == "match"}
    tp = len(proposed & true)
    precision = tp / max(len(proposed), 1)
    recall = tp / max(len(true), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {"p": precision, "r": recall, "f1": f1}


def _load(folder: Path) -> Dataset:
    import pandas as pd

    meta = json.loads((folder / "dataset" / "dataset.json").read_text(encoding="utf-8"))
    tables = {
        t: pd.read_parquet(folder / "dataset" / f"{t}.parquet")
        for t in TABLES
        if t in meta["tables"]
    }
    return Dataset(tables=tables)


def splink_run(folder: Path) -> dict[str, float]:
    """One measured splink run (fresh process): normalise, train, predict, assign one to one."""
    import duckdb
    import numpy as np
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from sfqb_diag.config import Thresholds
    from sfqb_diag.matching.assign import assign_one_to_one
    from sfqb_diag.matching.customer_parties import account_parties, customer_parties

    data = _load(folder)
    base = _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    cols = ["id", "core", "street_line", "street_no", "city", "postal", "state", "country"]
    cols += ["phone", "domain", "currency"]
    accounts = account_parties(data)
    accounts = accounts[~accounts["deleted"]][cols].reset_index(drop=True)
    customers = customer_parties(data)
    customers = customers[~customers["job"]][cols].reset_index(drop=True)
    frames = []
    for frame in (accounts, customers):
        frame = frame.astype(object).where(frame.notna(), None)
        frame["unique_id"] = frame.pop("id").astype(str)
        frames.append(frame)
    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count() or 1}")
    db_api = DuckDBAPI(con)
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("core", [0.97, 0.92, 0.85]),
            cl.JaroWinklerAtThresholds("street_line", [0.95, 0.85]),
            cl.ExactMatch("postal").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("city", [0.92]),
            cl.ExactMatch("phone"),
            cl.ExactMatch("domain"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("core"),
            block_on("phone"),
            block_on("domain"),
            block_on("postal", "street_no"),
            block_on("postal", "substr(core, 1, 3)"),
            block_on("substr(core, 1, 4)", "city"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([db_api.register(f) for f in frames], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("core", "postal"), block_on("phone")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("core"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postal"))
    review = Thresholds().match_review
    pairs = linker.inference.predict(threshold_match_probability=review).as_pandas_dataframe()
    left_is_sf = (
        pairs["source_dataset_l"] == pairs["source_dataset_l"].iloc[0] if len(pairs) else []
    )
    sf = np.where(left_is_sf, pairs["unique_id_l"], pairs["unique_id_r"]) if len(pairs) else []
    qb = np.where(left_is_sf, pairs["unique_id_r"], pairs["unique_id_l"]) if len(pairs) else []
    scored = pd.DataFrame({"l": sf, "r": qb, "score": pairs.get("match_probability", [])})
    if len(scored) and not set(scored["l"]) <= set(accounts["id"]):
        scored = scored.rename(columns={"l": "r", "r": "l"})
    chosen = assign_one_to_one(scored, min_score=review)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _peak_mb()
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    quality = _pair_quality(
        set(zip(chosen["l"].astype(str), chosen["r"].astype(str), strict=True)),
        truth["match_pairs"]["customers"],
    )
    return {"wall": wall, "cpu": cpu, "peak_mb": peak, "match_mb": peak - base, **quality}


def one_run(folder: Path) -> dict[str, float]:
    """One measured run (called in a fresh process)."""
    import pandas as pd

    from sfqb_diag.checks.customers.outputs import duplicate_tables
    from sfqb_diag.config import Thresholds
    from sfqb_diag.dataset import Dataset
    from sfqb_diag.matching.customer_duplicates import account_duplicates
    from sfqb_diag.matching.customers import MATCH_COLUMNS, match_customers
    from sfqb_diag.sources.reviewer_files import read_decisions

    sys.path.insert(0, str(ROOT / "tests"))
    from scorer import score_clusters, score_links

    meta = json.loads((folder / "dataset" / "dataset.json").read_text(encoding="utf-8"))
    tables = {
        t: pd.read_parquet(folder / "dataset" / f"{t}.parquet")
        for t in TABLES
        if t in meta["tables"]
    }
    data = Dataset(tables=tables)
    base = _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    m = match_customers(data, Thresholds(), read_decisions(None))
    sf_clusters = account_duplicates(m.comparison, m.blocks, Thresholds())
    qb_table, sf_table = duplicate_tables(m, sf_clusters)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _peak_mb()
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    matches = m.matches[MATCH_COLUMNS]
    links = score_links(matches, truth["match_pairs"]["customers"], matches["sf_id"].nunique())
    shown = matches[
        matches["status"].isin(["linked_ok", "relink", "suggest_link", "review"])
        & matches["qb_id"].notna()
    ]
    quality = _pair_quality(
        set(zip(shown["sf_id"].astype(str), shown["qb_id"].astype(str), strict=True)),
        truth["match_pairs"]["customers"],
    )
    return {
        **quality,
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


def measure(folder: Path, repeat: int, engine: str = "--one") -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, engine, str(folder)],
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
    parser.add_argument("--no-splink", action="store_true", help="this engine only")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--one-splink", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_run(args.one)))
        return 0
    if args.one_splink:
        print(json.dumps(splink_run(args.one_splink)))
        return 0
    has_splink = not args.no_splink and importlib.util.find_spec("splink") is not None
    if not has_splink:
        print(
            "splink is not installed (pip install -e '.[bench]') or --no-splink was given: "
            "the splink columns are left out.",
            flush=True,
        )
    rows = []
    for size in args.sizes:
        print(f"size {size:,}", flush=True)
        folder = prepare(args.work, size, args.seed)
        result = measure(folder, args.repeat)
        if has_splink:
            theirs = measure(folder, args.repeat, "--one-splink")
            result |= {f"splink_{k}": v for k, v in theirs.items() if k != "walls"}
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
    print("\nside by side: linking pairs (P / R / F1 of proposals), wall seconds, peak MB")
    print(
        f"{'size':>8} {'engine':>8} {'wall s':>7} {'peak MB':>8} {'match MB':>9} "
        f"{'P':>6} {'R':>6} {'F1':>6}"
    )
    for r in rows:
        engines = [("sfqb", "")] + ([("splink", "splink_")] if "splink_wall" in r else [])
        for name, pre in engines:
            print(
                f"{r['size']:>8,} {name:>8} {r[pre + 'wall']:>7.1f} {r[pre + 'peak_mb']:>8.0f} "
                f"{r[pre + 'match_mb']:>9.0f} {r[pre + 'p']:>6.3f} {r[pre + 'r']:>6.3f} "
                f"{r[pre + 'f1']:>6.3f}"
            )
        if "splink_wall" in r:
            print(
                f"{'':>8} {'ratio':>8} splink / sfqb wall time {r['splink_wall'] / r['wall']:.1f}x, "
                f"peak memory {r['splink_peak_mb'] / r['peak_mb']:.1f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
