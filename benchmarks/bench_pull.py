"""Pull benchmark: 100k customers and 50k invoices from the stand-in, through the real clients.

Reports rows/s, the share of wall time spent on our side of the wire (client libraries + our
code, i.e. everything but waiting for answers) and our per-page overhead, to compare with the
120 ms per request that QBO's 500 requests/min allows. The stand-in runs in its own process so
it does not share the GIL with the pull. Medians of 3 runs (a fresh server per run, so QBO's
per-minute budget starts empty each time).

    .venv/bin/python benchmarks/bench_pull.py [--customers 100000] [--invoices 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sfqb_demo.standin.server import STANDIN_ENV
from sfqb_diag.config import load_config
from sfqb_diag.sources.live.pull import PullOptions, pull

QBO_BUDGET_MS = 60_000 / 500  # 500 requests/min per realm


def write_raw(folder: Path, customers: int, invoices: int) -> Path:
    """A raw folder with realistic-looking QBO entities (invoices with three lines each)."""
    qb = folder / "quickbooks"
    qb.mkdir(parents=True)
    with (qb / "Customer.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(1, customers + 1):
            handle.write(
                json.dumps(
                    {
                        "Id": str(i),
                        "SyncToken": "0",
                        "DisplayName": f"Customer {i:06d} Ltd",
                        "CompanyName": f"Customer {i:06d}",
                        "Active": i % 9 != 0,
                        "PrimaryEmailAddr": {"Address": f"ap{i}@example.com"},
                        "BillAddr": {
                            "Line1": f"{i} Main St",
                            "City": "Springfield",
                            "PostalCode": f"{i % 99999:05d}",
                        },
                        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
                        "Balance": round(i * 1.37 % 5000, 2),
                        "MetaData": {
                            "CreateTime": "2024-01-02T10:00:00-08:00",
                            "LastUpdatedTime": "2024-05-02T10:00:00-07:00",
                        },
                    }
                )
                + "\n"
            )
    with (qb / "Invoice.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(1, invoices + 1):
            lines = [
                {
                    "Id": str(n),
                    "LineNum": n,
                    "Amount": 100.0 * n,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": str(n), "name": f"Item {n}"},
                        "Qty": n,
                        "UnitPrice": 100.0,
                    },
                }
                for n in (1, 2, 3)
            ]
            lines.append(
                {"Amount": 600.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
            )
            handle.write(
                json.dumps(
                    {
                        "Id": str(i),
                        "SyncToken": "1",
                        "DocNumber": f"INV-{i}",
                        "TxnDate": "2024-03-01",
                        "CustomerRef": {"value": str(i % customers + 1)},
                        "TotalAmt": 600.0,
                        "Balance": 0,
                        "CurrencyRef": {"value": "USD"},
                        "PrivateNote": "SF 006000000000001AAA",
                        "Line": lines,
                        "MetaData": {
                            "CreateTime": "2024-03-01T10:00:00-08:00",
                            "LastUpdatedTime": "2024-03-02T10:00:00-08:00",
                        },
                    }
                )
                + "\n"
            )
    (folder / "manifest.json").write_text(
        json.dumps({"quickbooks": {"realm_id": "9130350000000000"}})
    )
    return folder


def _serve(raw: Path, work: Path) -> tuple[subprocess.Popen[bytes], Path]:
    config = work / "client.yaml"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sfqb_diag",
            "fake-server",
            "--raw",
            str(raw),
            "--write-config",
            str(config),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert server.stdout is not None
    while "Ctrl-C" not in server.stdout.readline().decode():
        if server.poll() is not None:
            raise SystemExit("the stand-in did not start")
    return server, config


def one_run(raw: Path, work: Path, profile: bool = False) -> dict[str, float]:
    server, config_path = _serve(raw, work)
    try:
        options = PullOptions(
            quiet=True,
            sides=("quickbooks",),
            env={**STANDIN_ENV, "QBO_REALM_ID": "9130350000000000"},
        )
        profiler = cProfile.Profile() if profile else None
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        out = pull(load_config(config_path), work / "pulled", options)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        server.terminate()
        server.wait()
    manifest = json.loads((out / "manifest.json").read_text())
    rows = manifest["counts"]["Customer"] + manifest["counts"]["Invoice"]
    requests = manifest["pull"]["requests"]["quickbooks"]
    waiting = manifest["pull"]["wait_seconds"]["quickbooks"]
    result = {
        "wall_s": wall,
        "rows": rows,
        "requests": requests,
        "rows_per_s": rows / wall,
        "client_s": wall - waiting,
        "cpu_s": cpu,
    }
    if profiler:
        result["ours_share"] = _our_share(profiler, wall)
    return result


def _our_share(profiler: cProfile.Profile, wall: float) -> float:
    """Share of wall time in sfqb_diag's own functions (self time), from a profiled run."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    ours = sum(tt for (file, _, _), (_, _, tt, _, _) in stats.items() if "/sfqb_diag/" in file)
    return float(ours / wall)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pull-") as tmp:
        raw = write_raw(Path(tmp) / "raw", args.customers, args.invoices)
        runs = []
        for n in range(args.runs):
            work = Path(tmp) / f"run{n}"
            work.mkdir()
            runs.append(one_run(raw, work))
        (Path(tmp) / "profiled").mkdir()
        profiled = one_run(raw, Path(tmp) / "profiled", profile=True)
    wall = statistics.median(r["wall_s"] for r in runs)
    rows, requests = runs[0]["rows"], runs[0]["requests"]
    pages = requests  # every request is a page or a COUNT; all count against QBO's budget
    print(
        f"rows pulled: {rows:,} in {requests} requests; median wall {wall:.2f} s over {args.runs} runs"
    )
    print(f"rows/s (median): {statistics.median(r['rows_per_s'] for r in runs):,.0f}")
    print(
        f"per-request time, all in (server + wire + client): {1000 * wall / pages:.1f} ms "
        f"vs {QBO_BUDGET_MS:.0f} ms that 500 req/min allows"
    )
    cpu = statistics.median(r["cpu_s"] for r in runs)
    print(
        f"client CPU (the pull process: TLS, python-quickbooks parsing, our code): {cpu:.2f} s, "
        f"{1000 * cpu / pages:.1f} ms per page; independent of how busy the machine is"
    )
    client = statistics.median(r["client_s"] for r in runs)
    print(
        f"client side (python-quickbooks parsing + our code, not waiting for answers): {client / wall:.1%} "
        f"of wall, {1000 * client / pages:.1f} ms per page"
    )
    print(
        f"share of wall time in sfqb_diag's own code (self time, profiled run): {profiled['ours_share']:.1%}; "
        f"that is {1000 * profiled['ours_share'] * profiled['wall_s'] / pages:.1f} ms per page"
    )
    print(
        f"floor set by QBO's limit alone: {pages * QBO_BUDGET_MS / 1000:.1f} s for {pages} requests"
    )


if __name__ == "__main__":
    main()
