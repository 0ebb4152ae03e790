"""`sfqb-diag adapt-log LOG --adapter A --out FILE`: a connector's log as sync_log.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def adapt_log_command(
    log: Annotated[Path, typer.Argument(help="The connector's own log (CSV).")],
    adapter: Annotated[
        str,
        typer.Option(
            "--adapter", help="Built-in adapter (salesforce_report, ipaas_jobs) or a YAML spec."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Where sync_log.csv goes (usually RAW/sync_log.csv).")
    ],
) -> None:
    """Turn a connector's log into sync_log.csv with an adapter spec (column map + value rules)."""
    from sfqb_diag.synclog import adapt_log

    typer.echo(f"Wrote {adapt_log(log, adapter, out):,} rows to {out}")
