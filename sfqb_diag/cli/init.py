"""`sfqb-diag init NAME`: a client folder with a commented config and empty reviewer files (DESIGN.md)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from sfqb_diag.config import load_config
from sfqb_diag.connectors import preset_text
from sfqb_diag.errors import UsageError
from sfqb_diag.resources import resource_dir
from sfqb_diag.sources.reviewer_files import DECISION_COLUMNS, REVIEW_COLUMNS

_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def template_text() -> str:
    """templates/client.yaml, from a clone or an installed wheel (sfqb_diag.resources finds it)."""
    path = resource_dir("templates") / "client.yaml"
    if not path.is_file():
        raise UsageError(f"the client.yaml template is missing ({path}); reinstall sfqb-diag")
    return path.read_text(encoding="utf-8")


def _header(path: Path, columns: list[str]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerow(columns)


def init_client(name: str, base: Path = Path("."), connector: str | None = None) -> Path:
    """Create base/clients/NAME/ (client.yaml, decisions.csv, reviews.csv, raw/ out/ history/);
    with a known `connector`, its verified links: and rollups: fields are filled in."""
    text = template_text().replace("__NAME__", name)
    text = preset_text(text, connector) if connector else text
    if not name or not set(name) <= _NAME_OK or name.startswith("."):
        raise UsageError(
            f"client name {name!r}: use letters, digits, '-', '_' or '.' (it becomes a folder name)"
        )
    clients = Path(base) / "clients"
    folder = clients / name
    if folder.exists():
        raise UsageError(f"{folder} already exists; init never overwrites a client folder")
    for sub in ("raw", "out", "history"):
        (folder / sub).mkdir(parents=True)
    (folder / "client.yaml").write_text(text, encoding="utf-8")
    _header(folder / "decisions.csv", DECISION_COLUMNS)
    _header(folder / "reviews.csv", REVIEW_COLUMNS)
    ignore = clients / ".gitignore"
    if not ignore.exists():  # client data and token stores stay out of git unless asked for
        ignore.write_text(
            "# client folders hold client data and QBO token stores\n*\n!.gitignore\n",
            encoding="utf-8",
        )
    load_config(folder / "client.yaml")  # the template must always load
    return folder


def init(
    name: Annotated[str, typer.Argument(help="Client name: becomes clients/NAME/.")],
    base: Annotated[Path, typer.Option("--dir", help="Where clients/ lives.")] = Path("."),
    connector: Annotated[
        str | None,
        typer.Option(
            "--connector",
            help="Fill in a known connector's verified fields (breadwinner, qime, accord, "
            "dbsync; docs/connectors.md).",
        ),
    ] = None,
) -> None:
    """Create clients/NAME/ with a commented client.yaml, decisions.csv, reviews.csv, raw/ out/ history/."""
    folder = init_client(name, base, connector)
    typer.echo(
        f"Created {folder}: edit {folder / 'client.yaml'}, export the credentials it names, then run\n"
        f"  sfqb-diag doctor --config {folder / 'client.yaml'}"
    )
