"""Load a raw folder (DESIGN.md "The raw folder") into one canonical Dataset.

Every file is optional. Problems in present files are collected across the whole folder and
raised together, each naming the file, line and column.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.errors import InputError, Problem, UsageError
from sfqb_diag.sources.convert import CASTERS, EXPECTED, empty_column, person_name
from sfqb_diag.sources.csv_text import decode_text, read_csv_table
from sfqb_diag.sources.manifest_check import read_manifest
from sfqb_diag.sources.org_currency import fill_org_currency
from sfqb_diag.sources.qbo_arrow import plain_lines_of, read_plain_jsonl
from sfqb_diag.sources.qbo_json import (
    absent_columns,
    flatten,
    lines_table,
    payment_links_table,
    read_entities,
)
from sfqb_diag.sources.safe_files import present, read_bytes
from sfqb_diag.sources.schema import (
    LINE_COLUMNS,
    LINK_ROLES,
    PAYMENT_LINK_COLUMNS,
    QB_ENTITIES,
    QB_LINE_TABLES,
    ROLLUP_ROLES,
    SF_OBJECTS,
    SYNC_LOG_COLUMNS,
)
from sfqb_diag.sources.sf_csv import read_sf_csv


def _link_fields(config: ClientConfig, sf_object: str) -> dict[str, tuple[str, str]]:
    """The configured link and rollup fields on this Salesforce object: API field -> (column, kind)."""
    found = {}
    for role, (column, kind) in LINK_ROLES.items():
        where = config.links.field_of(role)
        if where and where[0] == sf_object:
            found[where[1]] = (column, kind)
    for role, (column, kind) in ROLLUP_ROLES.items():
        where = config.rollups.field_of(role)
        if where and where[0] == sf_object:
            found[where[1]] = (column, kind)
    return found


def _data_files(raw: Path, folder: str, patterns: tuple[str, ...]) -> list[Path]:
    """Entries named like data files, whatever they are (dangling symlinks and directories too,
    so that each is refused by name rather than skipped without a word)."""
    where = raw / folder
    if not where.is_dir():
        return []
    return sorted(p for pattern in patterns for p in where.glob(pattern))


def _did_you_mean(stem: str, known: Collection[str], suffix: str) -> str:
    """'; did you mean Account.csv?' for a name close to a known one (case and plurals aside)."""
    folded = {name.casefold(): name for name in known}
    close = difflib.get_close_matches(stem.casefold(), list(folded), n=1, cutoff=0.75)
    return f"; did you mean {folded[close[0]]}{suffix}? (names are exact)" if close else ""


def _wanted(tables: Collection[str] | None, *names: str) -> bool:
    """True when the run reads any of these tables (None: every table)."""
    return tables is None or any(name in tables for name in names)


def _load_salesforce(
    raw: Path,
    config: ClientConfig,
    data: Dataset,
    problems: list[Problem],
    tables: Collection[str] | None,
) -> None:
    for path in _data_files(raw, "salesforce", ("*.csv",)):
        name = f"salesforce/{path.name}"
        if path.stem not in SF_OBJECTS:
            data.warnings.append(
                Problem(
                    name,
                    "not a Salesforce object sfqb-diag uses; ignored"
                    + _did_you_mean(path.stem, SF_OBJECTS, ".csv"),
                    fatal=False,
                )
            )
            continue
        table, fields = SF_OBJECTS[path.stem]
        if not _wanted(tables, table):
            data.not_read.append(name)
            continue
        content = read_bytes(raw, path, name, problems)
        text = None if content is None else decode_text(content, name, problems)
        parsed = None if text is None else read_csv_table(text, name, problems)
        if parsed is None:
            continue
        frame, missing = read_sf_csv(
            parsed, name, fields, _link_fields(config, path.stem), problems
        )
        if frame is None:
            continue
        data.tables[table] = frame
        data.files[table] = name
        data.missing_columns[table] = missing


def _keep_response_time(times: list[str], name: str, data: Dataset) -> None:
    """The newest `time` of the file's response bodies (when the query ran, on QBO's clock) goes
    into data.response_times; one that is not an ISO 8601 time is ignored with a warning."""
    if not times:
        return
    stamps = pd.to_datetime(pd.Series(times), utc=True, format="ISO8601", errors="coerce")
    for text in pd.Series(times)[stamps.isna()].head(3):
        data.warnings.append(
            Problem(name, f"response time {text!r} is not an ISO 8601 time; ignored", fatal=False)
        )
    if stamps.notna().any():
        data.response_times[name] = stamps.max().isoformat()


def _load_quickbooks(
    raw: Path, data: Dataset, problems: list[Problem], tables: Collection[str] | None
) -> None:
    for path in _data_files(raw, "quickbooks", ("*.json", "*.jsonl")):
        name = f"quickbooks/{path.name}"
        if path.stem not in QB_ENTITIES:
            data.warnings.append(
                Problem(
                    name,
                    "not a QBO entity sfqb-diag uses; ignored"
                    + _did_you_mean(path.stem, QB_ENTITIES, path.suffix),
                    fatal=False,
                )
            )
            continue
        table = QB_ENTITIES[path.stem][0]
        if table in data.files:
            problems.append(
                Problem(name, f"{path.stem} is given twice (.json and .jsonl); keep one")
            )
            continue
        lines = QB_LINE_TABLES.get(path.stem)
        links = "payment_links" if path.stem == "Payment" else None
        if not _wanted(tables, table, *(t for t in (lines, links) if t)):
            data.not_read.append(name)
            continue
        data.files[table] = name
        content = read_bytes(raw, path, name, problems)
        if content is not None:
            wanted = [t for t in (lines, links) if t and _wanted(tables, t)]
            _load_entity_file(content, name, path.stem, wanted, data, problems)


def _load_entity_file(
    content: bytes,
    name: str,
    entity: str,
    extra: list[str],
    data: Dataset,
    problems: list[Problem],
) -> None:
    """One QBO file into its entity table and the `extra` tables asked of it (lines, links)."""
    table, fields = QB_ENTITIES[entity]
    # Plain entities (a .jsonl, or a .json rewritten one per line) take the columnar route
    # (qbo_arrow), which declines any file it could read differently from the strict route.
    body = content.removeprefix(b"\xef\xbb\xbf")
    plain = (body, []) if name.endswith(".jsonl") else plain_lines_of(body, entity)
    if plain is not None:
        kinds = {made: "payment_links" if made == "payment_links" else "lines" for made in extra}
        fast = read_plain_jsonl(plain[0], name, fields, problems, tuple(kinds.values()))
        if fast is not None:
            _keep_response_time(plain[1], name, data)
            data.tables[table], data.missing_columns[table], built = fast
            for made, kind in kinds.items():
                data.tables[made], data.files[made] = built[kind], name
            return
    times: list[str] = []
    records = read_entities(content, name, entity, fields, problems, times)
    if records is None:
        return
    _keep_response_time(times, name, data)
    frame = flatten(records, fields, name, problems)
    no_id = np.array([str(r.get("Id") or "").strip() == "" for r in records], dtype=bool)
    if no_id.any():
        numbers = ", ".join(f"#{i + 1}" for i in no_id.nonzero()[0][:10])
        problems.append(
            Problem(
                name,
                f"{int(no_id.sum())} entit(ies) without an Id ({numbers}); every QBO "
                "entity has one: re-pull, or repair the file",
                column="Id",
            )
        )
    data.tables[table] = frame
    data.missing_columns[table] = absent_columns(records, fields)
    for made in extra:
        build = payment_links_table if made == "payment_links" else lines_table
        data.tables[made] = build(records, name, problems)
        data.files[made] = name


def _load_sync_log(
    raw: Path, data: Dataset, problems: list[Problem], tables: Collection[str] | None
) -> None:
    path = raw / "sync_log.csv"
    if not present(path):
        return
    name = "sync_log.csv"
    if not _wanted(tables, "sync_log"):
        data.not_read.append(name)
        return
    content = read_bytes(raw, path, name, problems)
    text = None if content is None else decode_text(content, name, problems)
    parsed = None if text is None else read_csv_table(text, name, problems)
    if parsed is None:
        return
    frame = parsed.frame
    out = {}
    for column, kind in SYNC_LOG_COLUMNS.items():
        if column not in frame.columns:
            out[column] = empty_column(kind, len(frame))
            continue
        values, bad = CASTERS[kind](frame[column].where(frame[column] != "", None))
        for index in bad[bad].index[:20]:
            problems.append(
                Problem(
                    name,
                    f"{frame[column].iloc[index]!r} is not {EXPECTED[kind]}",
                    line=parsed.line(int(index)),
                    column=column,
                )
            )
        out[column] = values
    data.tables["sync_log"] = pd.DataFrame(out)
    data.files["sync_log"] = name


def _load_manifest(raw: Path, data: Dataset, problems: list[Problem]) -> None:
    path = raw / "manifest.json"
    if not present(path):
        return
    content = read_bytes(raw, path, "manifest.json", problems)
    if content is not None:
        data.manifest = read_manifest(content, problems)


def _compare_counts(data: Dataset) -> None:
    """A manifest count that differs from what was read means a truncated pull or export."""
    tables = {
        **{o: t for o, (t, _) in SF_OBJECTS.items()},
        **{e: t for e, (t, _) in QB_ENTITIES.items()},
    }
    unread = {Path(file).stem for file in data.not_read}  # not asked for: nothing to compare
    for name, expected in (data.manifest.get("counts") or {}).items():
        table = tables.get(name)
        if table is None or name in unread:
            continue
        if table not in data.tables:
            data.warnings.append(
                Problem(
                    "manifest.json",
                    f"counts {expected} {name} record(s) but the raw folder has no {name} file",
                    column=f"counts.{name}",
                    fatal=False,
                )
            )
        elif len(data.tables[table]) != expected:
            data.warnings.append(
                Problem(
                    data.files[table],
                    f"holds {len(data.tables[table])} record(s) but manifest.json counts "
                    f"{expected}: the export may be incomplete or hold repeats",
                    fatal=False,
                )
            )


def load_raw(
    raw: str | Path, config: ClientConfig | None = None, tables: Collection[str] | None = None
) -> Dataset:
    """Load the present files of a raw folder; raise InputError listing all problems at once.

    `tables` (default: every table) names the tables the run reads: the files of the others are
    neither parsed nor validated (listed in `data.not_read`), and an entity's line table is
    built only when asked for (checks/__init__.py: tables_read)."""
    raw = Path(raw)
    if not raw.is_dir():
        raise UsageError(
            f"raw folder {raw} does not exist (expected salesforce/, quickbooks/, ...)"
        )
    config = config or ClientConfig()
    data = Dataset()
    problems: list[Problem] = []
    _load_manifest(raw, data, problems)
    _load_salesforce(raw, config, data, problems, tables)
    _load_quickbooks(raw, data, problems, tables)
    _load_sync_log(raw, data, problems, tables)
    fatal = [p for p in problems if p.fatal]
    data.warnings.extend(p for p in problems if not p.fatal)
    if fatal:
        raise InputError(fatal)
    if not data.tables:
        ignored = "; ".join(
            f"{w.file}: {w.message}" for w in data.warnings if "ignored" in w.message
        )
        raise UsageError(
            f"{raw} holds no file sfqb-diag can read: expected salesforce/<Object>.csv or "
            "quickbooks/<Entity>.json(l) (e.g. salesforce/Account.csv, quickbooks/Customer.json)"
            + (f". Found: {ignored}" if ignored else "")
        )
    _compare_counts(data)
    fill_org_currency(data)
    _name_person_accounts(data)
    return data


def _name_person_accounts(data: Dataset) -> None:
    """A Person Account's Name is Salesforce's compound of FirstName and LastName; an export
    that leaves Name empty names the person by those parts, so every output shows a name."""
    accounts = data.get("accounts")
    if accounts is None or "name" not in accounts or "last_name" not in accounts:
        return
    blank = pd.Series(pd.NA, index=accounts.index, dtype="string")
    first = accounts.get("first_name", blank)
    accounts["name"] = accounts["name"].fillna(person_name(first, accounts["last_name"]))


__all__ = ["LINE_COLUMNS", "PAYMENT_LINK_COLUMNS", "load_raw"]
