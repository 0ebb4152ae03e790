"""Load a raw folder (DESIGN.md "The raw folder") into one canonical Dataset.

Every file is optional. Problems in present files are collected across the whole folder and
raised together, each naming the file, line and column.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.errors import InputError, Problem, UsageError
from sfqb_diag.sources.convert import CASTERS, EXPECTED, empty_column
from sfqb_diag.sources.qbo_json import flatten, lines_table, payment_links_table, read_entities
from sfqb_diag.sources.schema import (
    LINE_COLUMNS,
    LINK_ROLES,
    PAYMENT_LINK_COLUMNS,
    QB_ENTITIES,
    QB_LINE_TABLES,
    SF_OBJECTS,
    SYNC_LOG_COLUMNS,
)
from sfqb_diag.sources.sf_csv import decode, read_sf_csv


def _link_fields(config: ClientConfig, sf_object: str) -> dict[str, tuple[str, str]]:
    """The configured link fields that live on this Salesforce object: API field -> (column, kind)."""
    found = {}
    for role, (column, kind) in LINK_ROLES.items():
        where = config.links.field_of(role)
        if where and where[0] == sf_object:
            found[where[1]] = (column, kind)
    return found


def _load_salesforce(
    raw: Path, config: ClientConfig, data: Dataset, problems: list[Problem]
) -> None:
    folder = raw / "salesforce"
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        if path.stem not in SF_OBJECTS:
            data.warnings.append(
                Problem(
                    f"salesforce/{path.name}",
                    "not a Salesforce object sfqb-diag uses; ignored",
                    fatal=False,
                )
            )
            continue
        table, fields = SF_OBJECTS[path.stem]
        before = len(problems)
        frame, missing = read_sf_csv(path, fields, _link_fields(config, path.stem), problems)
        problems[before:] = [  # name files relative to the raw folder
            Problem(f"salesforce/{p.file}", p.message, p.line, p.column, p.fatal)
            for p in problems[before:]
        ]
        if frame is None:
            continue
        blank = frame["id"].isna()
        if blank.any():
            lines = ", ".join(str(i + 2) for i in blank[blank].index[:10])
            problems.append(
                Problem(
                    f"salesforce/{path.name}",
                    f"{int(blank.sum())} row(s) without an Id (lines {lines})",
                    column="Id",
                )
            )
        data.tables[table] = frame
        data.files[table] = f"salesforce/{path.name}"
        data.missing_columns[table] = missing


def _load_quickbooks(raw: Path, data: Dataset, problems: list[Problem]) -> None:
    folder = raw / "quickbooks"
    paths = (
        sorted(folder.glob("*.json")) + sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    )
    for path in paths:
        name = f"quickbooks/{path.name}"
        if path.stem not in QB_ENTITIES:
            data.warnings.append(
                Problem(name, "not a QBO entity sfqb-diag uses; ignored", fatal=False)
            )
            continue
        table, fields = QB_ENTITIES[path.stem]
        if table in data.tables:
            problems.append(
                Problem(name, f"{path.stem} is given twice (.json and .jsonl); keep one")
            )
            continue
        before = len(problems)
        records = read_entities(path, path.stem, problems)
        problems[before:] = [
            Problem(name, p.message, p.line, p.column, p.fatal) for p in problems[before:]
        ]
        if records is None:
            continue
        frame = flatten(records, fields, name, problems)
        no_id = frame["id"].isna()
        if no_id.any():
            problems.append(
                Problem(name, f"{int(no_id.sum())} entit(ies) without an Id", column="Id")
            )
        data.tables[table] = frame
        data.files[table] = name
        data.missing_columns[table] = []
        if path.stem in QB_LINE_TABLES:
            data.tables[QB_LINE_TABLES[path.stem]] = lines_table(records, name, problems)
            data.files[QB_LINE_TABLES[path.stem]] = name
        if path.stem == "Payment":
            data.tables["payment_links"] = payment_links_table(records, name, problems)
            data.files["payment_links"] = name


def _load_sync_log(raw: Path, data: Dataset, problems: list[Problem]) -> None:
    path = raw / "sync_log.csv"
    if not path.is_file():
        return
    text = decode(path, problems)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    out = {}
    for column, kind in SYNC_LOG_COLUMNS.items():
        if column not in frame.columns:
            out[column] = empty_column(kind, len(frame))
            continue
        values, bad = CASTERS[kind](frame[column].where(frame[column] != "", None))
        for index in bad[bad].index[:20]:
            problems.append(
                Problem(
                    "sync_log.csv",
                    f"{frame[column].iloc[index]!r} is not {EXPECTED[kind]}",
                    line=int(index) + 2,
                    column=column,
                )
            )
        out[column] = values
    data.tables["sync_log"] = pd.DataFrame(out)
    data.files["sync_log"] = "sync_log.csv"


def _load_manifest(raw: Path, data: Dataset, problems: list[Problem]) -> None:
    path = raw / "manifest.json"
    if not path.is_file():
        return
    try:
        manifest = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        problems.append(
            Problem("manifest.json", f"bad JSON: {exc.msg}", line=exc.lineno, column=str(exc.colno))
        )
        return
    if not isinstance(manifest, dict):
        problems.append(Problem("manifest.json", "must be a JSON object", line=1))
        return
    data.manifest = manifest


def _compare_counts(data: Dataset) -> None:
    """A manifest that promises more rows than arrived means a truncated pull or export."""
    tables = {
        **{o: t for o, (t, _) in SF_OBJECTS.items()},
        **{e: t for e, (t, _) in QB_ENTITIES.items()},
    }
    for name, expected in (data.manifest.get("counts") or {}).items():
        table = tables.get(name)
        if (
            table in data.tables
            and isinstance(expected, int)
            and len(data.tables[table]) != expected
        ):
            data.warnings.append(
                Problem(
                    data.files[table],
                    f"holds {len(data.tables[table])} rows but the "
                    f"manifest counted {expected}: the export may be incomplete",
                    fatal=False,
                )
            )


def load_raw(raw: str | Path, config: ClientConfig | None = None) -> Dataset:
    """Load every present file of a raw folder; raise InputError listing all problems at once."""
    raw = Path(raw)
    if not raw.is_dir():
        raise UsageError(
            f"raw folder {raw} does not exist (expected salesforce/, quickbooks/, ...)"
        )
    config = config or ClientConfig()
    data = Dataset()
    problems: list[Problem] = []
    _load_manifest(raw, data, problems)
    _load_salesforce(raw, config, data, problems)
    _load_quickbooks(raw, data, problems)
    _load_sync_log(raw, data, problems)
    fatal = [p for p in problems if p.fatal]
    data.warnings.extend(p for p in problems if not p.fatal)
    if fatal:
        raise InputError(fatal)
    if not data.tables:
        raise UsageError(
            f"{raw} holds no file sfqb-diag can read: expected salesforce/<Object>.csv or "
            "quickbooks/<Entity>.json(l)"
        )
    _compare_counts(data)
    return data


__all__ = ["LINE_COLUMNS", "PAYMENT_LINK_COLUMNS", "load_raw"]
