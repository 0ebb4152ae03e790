"""`sfqb-diag demo`: make the demo client and report on it (the demo kit lives in sfqb_demo)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from sfqb_diag.cli.options import print_summary
from sfqb_diag.errors import UsageError
from sfqb_diag.pipeline import CheckOptions


def demo(
    out: Annotated[Path, typer.Option("--out", help="Where the demo client goes.")] = Path(
        "out/demo"
    ),
    size: Annotated[
        int, typer.Option("--size", min=50, help="Number of Salesforce accounts.")
    ] = 2000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same demo.")
    ] = 7,
    variant: Annotated[
        str, typer.Option("--variant", help="clean | env_mismatch | realm_mismatch")
    ] = "clean",
    live: Annotated[
        bool,
        typer.Option(
            "--live", help="Serve the demo with the stand-in and pull it through the real clients."
        ),
    ] = False,
) -> None:
    """Make the demo client (raw/, truth.json) and report on it."""
    from sfqb_demo.generator import generate_demo
    from sfqb_diag.reporting.runner import run_report

    if variant not in ("clean", "env_mismatch", "realm_mismatch"):
        raise UsageError(f"--variant {variant!r}: choose clean, env_mismatch or realm_mismatch")
    shutil.rmtree(out / "raw", ignore_errors=True)
    raw = Path(generate_demo(out, size=size, seed=seed, variant=variant))
    typer.echo(f"Demo client written: {raw} (ground truth: {out / 'truth.json'})")
    if live:
        from sfqb_demo.live import run_live_demo

        raw = run_live_demo(raw, out / "live")
        typer.echo(f"Pulled through the stand-in into {raw}")
    config = out / "client.yaml"  # the demo client's rollup fields (written by the generator)
    run = run_report(CheckOptions(raw=raw, out=out, config=config if config.is_file() else None))
    print_summary(run, out)
    typer.echo(f"\nOpen the report: {(out / 'report' / 'index.html').resolve()}")
