"""The raw folder as the stand-in serves it: files read as they are, never through our loader.

Reading independently of sfqb_diag.sources keeps the round trip (serve -> pull -> load) from
being circular: a loader bug cannot hide itself by shaping what the stand-in serves.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Salesforce field types the REST API returns as JSON numbers or booleans. Everything else is a
# string, as in the API (Ids, dates, picklists, custom text fields holding QBO ids).
_NUMBER_FIELDS = {
    "Amount",
    "Quantity",
    "UnitPrice",
    "ListPrice",
    "Discount",
    "Subtotal",
    "TotalPrice",
    "SortOrder",
    "Probability",
    "ExpectedRevenue",
    "AnnualRevenue",
    "NumberOfEmployees",
    "TotalOpportunityQuantity",
}
_BOOL_PREFIXES = ("Is", "Has", "Use")
_TRUE_FALSE = {"true", "false"}

# QBO name lists return only active rows unless the query mentions Active (docs).
NAME_LISTS = {"Customer", "Vendor", "Employee", "Item", "TaxCode"}


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _field_type(name: str, values: list[str]) -> str:
    present = [v for v in values if v != ""]
    if name == "Id":
        return "id"
    if name.startswith(_BOOL_PREFIXES) and all(v.lower() in _TRUE_FALSE for v in present):
        return "boolean"
    if name in _NUMBER_FIELDS:
        try:
            for v in present:
                float(v)
            return "double"
        except ValueError:
            return "string"
    if name.endswith("Id") and name != "Id":
        return "reference"
    return "string"


def typed(value: str, kind: str) -> Any:
    """One CSV cell as the REST API would put it in JSON."""
    if value == "":
        return None
    if kind == "boolean":
        return value.lower() == "true"
    if kind == "double":
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    return value


@dataclass
class SfTable:
    name: str
    header: list[str]
    rows: list[list[str]]
    types: dict[str, str]

    def is_deleted(self, row: list[str]) -> bool:
        if "IsDeleted" not in self.types:
            return False
        return row[self.header.index("IsDeleted")].lower() == "true"


@dataclass
class RawData:
    """Everything the stand-in serves: Salesforce tables, QBO entities, manifest facts."""

    sf: dict[str, SfTable] = field(default_factory=dict)
    qbo: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


def _read_csv(path: Path) -> SfTable:
    reader = csv.reader(io.StringIO(_decode(path.read_bytes()), newline=""))
    header = [h.strip() for h in next(reader, [])]
    rows = [row for row in reader if row]
    columns = list(zip(*rows, strict=False)) if rows else [() for _ in header]
    types = {name: _field_type(name, list(col)) for name, col in zip(header, columns, strict=False)}
    for name in header[len(columns) :]:
        types[name] = "string"
    return SfTable(path.stem, header, rows, types)


def _entities(doc: Any, entity: str) -> list[dict[str, Any]]:
    if isinstance(doc, dict) and "QueryResponse" in doc:
        return list(doc["QueryResponse"].get(entity, []))
    if isinstance(doc, dict):
        return [doc[entity]] if isinstance(doc.get(entity), dict) else [doc]
    if isinstance(doc, list):
        out: list[dict[str, Any]] = []
        for item in doc:
            out.extend(
                _entities(item, entity)
                if isinstance(item, dict) and "QueryResponse" in item
                else [item]
            )
        return out
    return []


def _read_qbo(path: Path) -> list[dict[str, Any]]:
    text = _decode(path.read_bytes())
    if path.suffix == ".jsonl":
        out: list[dict[str, Any]] = []
        for line in text.splitlines():
            if line.strip():
                out.extend(_entities(json.loads(line), path.stem))
        return out
    return _entities(json.loads(text), path.stem)


def read_raw(raw: Path) -> RawData:
    """Read every Salesforce CSV and QBO JSON/JSONL file of a raw folder, as it is."""
    data = RawData()
    for path in sorted((raw / "salesforce").glob("*.csv")):
        data.sf[path.stem] = _read_csv(path)
    folder = raw / "quickbooks"
    for path in sorted(folder.glob("*.json")) + sorted(folder.glob("*.jsonl")):
        data.qbo.setdefault(path.stem, []).extend(_read_qbo(path))
    if (raw / "manifest.json").is_file():
        loaded = json.loads(_decode((raw / "manifest.json").read_bytes()))
        data.manifest = loaded if isinstance(loaded, dict) else {}
    return data
