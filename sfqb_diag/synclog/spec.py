"""Adapter specs: how a connector's own log maps onto sync_log.csv, as data (YAML), not code.

A spec names, for each canonical column, where its value comes from and the rules that clean it:

    name: my_connector
    description: what export this reads
    read: {delimiter: ",", encoding: utf-8-sig, skip_rows: 0}   # optional
    keep_rows: {column: Level, in: [ERROR, INFO]}               # optional row filter
    columns:
      timestamp: {from: "Date", format: "%m/%d/%Y %I:%M %p", timezone: America/New_York}
      sf_id:     {from: "Record URL", extract: "/([a-zA-Z0-9]{15,18})$"}
      status:    {from: "Result", map: {Success: success, Failed: error}}
      direction: {value: sf_to_qbo}
      attempt:   {from: "Retry Count", add: 1}                  # or {derive: attempt}

Rules, applied in this order: from (a column, or a list: first non-empty wins) | value (a
constant) | join (columns joined by `sep`); then strip, extract (regex, first group), lower /
upper, map (case-insensitive; `strict: true` sends unmapped values to `default`), default (for
empty cells), format (strftime pattern, `epoch_s` or `epoch_ms`) and timezone (for timestamps
written in local time), add (a number added). `derive: attempt` numbers each record's calls in
time order, for logs that do not count retries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sfqb_diag.errors import UsageError
from sfqb_diag.sources.schema import SYNC_LOG_COLUMNS

SOURCE_KEYS = {"from", "value", "join", "derive"}
RULE_KEYS = {
    "sep",
    "strip",
    "extract",
    "lower",
    "upper",
    "map",
    "strict",
    "default",
    "format",
    "timezone",
    "add",
}
READ_KEYS = {"delimiter", "encoding", "skip_rows", "quotechar"}
DERIVED = {"attempt"}


@dataclass(frozen=True)
class AdapterSpec:
    """A validated adapter: the column rules and how to read the connector's file."""

    name: str
    columns: dict[str, dict[str, Any]]
    description: str = ""
    read: dict[str, Any] = field(default_factory=dict)
    keep_rows: dict[str, Any] | None = None
    source: str = "<inline>"


def builtin_adapters() -> dict[str, Path]:
    """The adapter specs shipped in the package (sfqb_diag/synclog/adapters/*.yaml), by name."""
    folder = resources.files("sfqb_diag.synclog") / "adapters"
    return {
        Path(str(p)).stem: Path(str(p))
        for p in folder.iterdir()
        if str(p).endswith((".yaml", ".yml"))
    }


def _problems(spec: dict[str, Any], where: str) -> list[str]:
    problems = []
    columns = spec.get("columns")
    if not isinstance(columns, dict) or not columns:
        return [f"{where}: needs a `columns:` mapping of sync_log columns to rules"]
    for column, rule in columns.items():
        at = f"{where}: columns.{column}"
        if column not in SYNC_LOG_COLUMNS:
            problems.append(f"{at} is not a sync_log column (use {', '.join(SYNC_LOG_COLUMNS)})")
            continue
        if isinstance(rule, str):  # shorthand: `sf_id: "Record Id"`
            continue
        if not isinstance(rule, dict):
            problems.append(f"{at} must be a column name or a mapping of rules")
            continue
        sources = SOURCE_KEYS & set(rule)
        if len(sources) != 1:
            problems.append(f"{at} needs exactly one of from / value / join / derive")
        unknown = set(rule) - SOURCE_KEYS - RULE_KEYS
        if unknown:
            problems.append(
                f"{at}: unknown rule(s) {', '.join(sorted(unknown))} (known: "
                f"{', '.join(sorted(SOURCE_KEYS | RULE_KEYS))})"
            )
        if "derive" in rule and rule["derive"] not in DERIVED:
            problems.append(f"{at}: derive can only be {', '.join(sorted(DERIVED))}")
        if "map" in rule and not isinstance(rule["map"], dict):
            problems.append(f"{at}: map must be a mapping of source values to sync_log values")
    if "timestamp" not in columns:
        problems.append(f"{where}: columns.timestamp is required (every analysis is over time)")
    unknown_read = set(spec.get("read") or {}) - READ_KEYS
    if unknown_read:
        problems.append(f"{where}: read: unknown key(s) {', '.join(sorted(unknown_read))}")
    return problems


def parse_spec(spec: dict[str, Any], where: str = "<inline>") -> AdapterSpec:
    """Validate a spec mapping; every problem is reported at once."""
    if not isinstance(spec, dict):
        raise UsageError(f"{where}: an adapter spec must be a mapping (name, columns, ...)")
    problems = _problems(spec, where)
    if problems:
        raise UsageError("adapter spec problems:\n  " + "\n  ".join(problems))
    columns = {
        c: ({"from": r} if isinstance(r, str) else dict(r)) for c, r in spec["columns"].items()
    }
    keep = spec.get("keep_rows")
    return AdapterSpec(
        name=str(spec.get("name") or Path(where).stem),
        columns=columns,
        description=str(spec.get("description") or ""),
        read=dict(spec.get("read") or {}),
        keep_rows=dict(keep) if keep else None,
        source=where,
    )


def load_spec(spec: str | Path | dict[str, Any] | AdapterSpec) -> AdapterSpec:
    """An AdapterSpec from a built-in name, a YAML file path, a mapping, or a spec (returned as is)."""
    if isinstance(spec, AdapterSpec):
        return spec
    if isinstance(spec, dict):
        return parse_spec(spec)
    builtin = builtin_adapters()
    path = builtin.get(str(spec)) or Path(spec)
    if not path.is_file():
        raise UsageError(
            f"adapter {spec!r} is neither a file nor a built-in adapter "
            f"({', '.join(sorted(builtin))})"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML: {exc}") from exc
    return parse_spec(data, str(path))
