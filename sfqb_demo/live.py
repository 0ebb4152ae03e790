"""`demo --live`: serve the demo with the stand-in and pull it back through the real clients."""

from __future__ import annotations

import shutil
from pathlib import Path

from sfqb_demo.standin import StandIn
from sfqb_diag.config import load_config


def run_live_demo(raw: Path, workdir: Path, quiet: bool = True) -> Path:
    """Serve `raw` with the stand-in (port 0), pull it through the real clients into
    workdir/'pulled', stop the stand-in and return the pulled raw folder."""
    from sfqb_diag.sources.live.pull import PullOptions, pull

    workdir = Path(workdir)
    pulled = workdir / "pulled"
    for old in (pulled, workdir / "pulled.partial", workdir / "standin"):
        shutil.rmtree(old, ignore_errors=True)
    # The connector's sync log comes from the connector, not from either API: carried over as a
    # consultant would add it to a pulled folder.
    extras = tuple(p for p in [Path(raw) / "sync_log.csv"] if p.is_file())
    with StandIn(Path(raw), port=0, workdir=workdir / "standin") as standin:
        config = load_config(standin.write_config(workdir / "standin" / "client.yaml"))
        pull(
            config,
            pulled,
            PullOptions(quiet=quiet, env=standin.env(), bulk_wait=0.05, include=extras),
        )
    return pulled
