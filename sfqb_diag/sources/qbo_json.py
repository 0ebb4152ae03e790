"""Reading QBO entities (JSON array, query-response body, list of pages, or JSONL) into tables."""

from __future__ import annotations

from typing import Any

import orjson
import pandas as pd

from sfqb_diag.errors import Problem
from sfqb_diag.sources.convert import CASTERS, EXPECTED, empty_column
from sfqb_diag.sources.qbo_shapes import (
    check_entities,
    drop_duplicate_entities,
    entities_of,
    response_times,
)
from sfqb_diag.sources.schema import LINE_COLUMNS, PAYMENT_LINK_COLUMNS


def _parse_jsonl(
    data: bytes, entity: str, name: str, problems: list[Problem], times: list[str]
) -> list[Any]:
    records: list[Any] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            problems.append(
                Problem(name, f"bad JSON: {exc.msg}", line=number, column=str(exc.colno))
            )
            continue
        found, why = entities_of(doc, entity, where=f"line {number}")
        if why or found is None:
            problems.append(Problem(name, why or f"not a {entity} entity", line=number))
        else:
            records.extend(found)
            times.extend(response_times(doc))
    return records


def read_entities(
    data: bytes,
    name: str,
    entity: str,
    fields: dict[str, tuple[str, str]],
    problems: list[Problem],
    times: list[str] | None = None,
) -> list[dict] | None:
    """Parse a .json or .jsonl file's bytes into entity dicts; None when its shape is unusable.

    Problems are located by line/column (bad JSON) or JSON path (wrong shapes and types). The
    `time` of every response body is appended to `times` when given (as the file writes it).
    """
    times = [] if times is None else times
    data = data.removeprefix(b"\xef\xbb\xbf")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(Problem(name, "is UTF-16; re-export it as UTF-8 JSON", line=1))
        return None
    before = len(problems)
    if name.endswith(".jsonl"):
        records = _parse_jsonl(data, entity, name, problems, times)
    else:
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            problems.append(
                Problem(name, f"bad JSON: {exc.msg}", line=exc.lineno, column=str(exc.colno))
            )
            return None
        found, why = entities_of(doc, entity)
        if why or found is None:
            problems.append(Problem(name, why or "unreadable", line=1))
            return None
        records = found
        times.extend(response_times(doc))
    problems.extend(check_entities(records, fields, name))
    if len(problems) > before:
        return None
    return drop_duplicate_entities(records, name, problems)


def _dig(record: dict, path: list[str]) -> Any:
    value: Any = record
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _column(records: list[dict], path: list[str]) -> list[Any]:
    """One dotted path out of every record; the common one- and two-level paths take a fast route."""
    try:
        if len(path) == 1:
            key = path[0]
            return [r.get(key) for r in records]
        if len(path) == 2:
            outer, inner = path
            return [(r.get(outer) or _EMPTY).get(inner) for r in records]
    except AttributeError:  # a scalar where an object was expected: take the careful route
        pass
    return [_dig(r, path) for r in records]


_EMPTY: dict[str, Any] = {}


def _carries(record: Any, path: list[str]) -> bool:
    """True when the record has the dotted key (whatever its value, null or empty included)."""
    for key in path:
        if not isinstance(record, dict) or key not in record:
            return False
        record = record[key]
    return True


def absent_columns(records: list[dict], fields: dict[str, tuple[str, str]]) -> list[str]:
    """Columns whose key no entity of the file carries (QBO omits a field it does not use; an
    export may leave it out altogether): checks that need the column are skipped, not faked.
    An empty file lacks nothing (there is nothing to check)."""
    if not records:
        return []
    carried: dict[str, bool] = {}
    for dotted, (column, _) in fields.items():
        path = dotted.split(".")
        carried[column] = carried.get(column, False) or any(_carries(r, path) for r in records)
    return [column for column, has in carried.items() if not has]


def entity_words(index: int, qb_id: object, dotted: str) -> str:
    """'entity #4 (Id 130)': where a bad value is, by position and by the Id a person searches
    QBO for (not repeated when the bad value is the Id itself)."""
    shown = "" if dotted == "Id" or qb_id is None or str(qb_id).strip() == "" else f" (Id {qb_id})"
    return f"entity #{index + 1}{shown}"


def flatten(
    records: list[dict], fields: dict[str, tuple[str, str]], file: str, problems: list[Problem]
) -> pd.DataFrame:
    """Pick the dotted paths of `fields` out of each record and cast them to their kinds."""
    if not records:  # an empty entity (a pull of an empty realm): right columns, right dtypes
        return pd.DataFrame({column: empty_column(kind) for column, kind in fields.values()})
    out: dict[str, pd.Series] = {}
    for dotted, (column, kind) in fields.items():
        path = dotted.split(".")
        raw = pd.Series(_column(records, path), dtype=object)
        values, bad = CASTERS[kind](raw)
        for index in bad[bad].index[:20]:
            problems.append(
                Problem(
                    file,
                    f"{raw[index]!r} is not {EXPECTED[kind]}",
                    line=None,
                    column=f"{dotted} of {entity_words(index, records[index].get('Id'), dotted)}",
                )
            )
        out[column] = values
    frame = pd.DataFrame(out)
    custom = _custom_fields(records)
    return frame.join(custom) if not custom.empty else frame


def _custom_fields(records: list[dict]) -> pd.DataFrame:
    """CustomField [{Name, StringValue}] -> columns custom_<name> (syncs often keep the SF Id here)."""
    rows = [
        {
            f"custom_{str(cf.get('Name', '')).strip().lower().replace(' ', '_')}": cf.get(
                "StringValue"
            )
            for cf in (r.get("CustomField") or [])
            if cf.get("StringValue")
        }
        for r in records
    ]
    if not any(rows):
        return pd.DataFrame()
    return pd.DataFrame(rows).astype("string")


def _flat_lines(records: list[dict]) -> tuple[list[str], list[dict], list[Any]]:
    """Every line of every transaction in file order, each GroupLineDetail's children right after
    their group: (transaction Id, line, Id of the group line it belongs to, or None)."""
    txn_ids: list[str] = []
    lines: list[dict] = []
    groups: list[Any] = []

    def add(txn_id: str, items: list[dict] | None, group: Any) -> None:
        for line in items or []:
            txn_ids.append(txn_id)
            lines.append(line)
            groups.append(group)
            if line.get("DetailType") == "GroupLineDetail":
                # Bundle children carry the items and amounts; each keeps the link to its group.
                add(txn_id, (line.get("GroupLineDetail") or _EMPTY).get("Line"), line.get("Id"))

    for record in records:
        add(str(record.get("Id")), record.get("Line"), None)
    return txn_ids, lines, groups


def _ref(details: list[dict], refs: tuple[str, ...], key: str) -> list[Any]:
    """The first of `refs` that the detail carries, its `key` (value or name)."""
    found = []
    for detail in details:
        value = None
        for ref in refs:
            value = (detail.get(ref) or _EMPTY).get(key)
            if value:
                break
        found.append(value)
    return found


def lines_table(records: list[dict], file: str, problems: list[Problem]) -> pd.DataFrame:
    """Every transaction's Line[] as rows, GroupLineDetail children flattened beside their group."""
    txn_ids, lines, groups = _flat_lines(records)
    types = [line.get("DetailType") for line in lines]
    details = [
        (line.get(kind) if kind else None) or _EMPTY
        for line, kind in zip(lines, types, strict=True)
    ]
    columns: dict[str, list[Any]] = {
        "txn_id": txn_ids,
        "line_id": [line.get("Id") for line in lines],
        "line_num": [line.get("LineNum") for line in lines],
        "detail_type": types,
        "amount_cents": [line.get("Amount") for line in lines],
        "description": [line.get("Description") for line in lines],
        "group_line_id": groups,
        "item_id": _ref(details, ("ItemRef", "GroupItemRef"), "value"),
        "item_name": _ref(details, ("ItemRef", "GroupItemRef"), "name"),
        # a group line counts its bundles in Quantity, an item line in Qty
        "qty": [
            d.get("Quantity") if kind == "GroupLineDetail" else d.get("Qty")
            for d, kind in zip(details, types, strict=True)
        ],
        "unit_price": [d.get("UnitPrice") for d in details],
        "tax_code": [(d.get("TaxCodeRef") or _EMPTY).get("value") for d in details],
        "discount_pct": [d.get("DiscountPercent") for d in details],
        "percent_based": [d.get("PercentBased") for d in details],
    }
    return cast_columns(columns if lines else [], LINE_COLUMNS, file, problems)


def payment_links_table(records: list[dict], file: str, problems: list[Problem]) -> pd.DataFrame:
    """Payment Line[].LinkedTxn[] as rows: which invoice each part of a payment was applied to."""
    rows = [
        {
            "payment_id": str(p.get("Id")),
            "amount_cents": line.get("Amount"),
            "txn_id": linked.get("TxnId"),
            "txn_type": linked.get("TxnType"),
        }
        for p in records
        for line in (p.get("Line") or [])
        for linked in (line.get("LinkedTxn") or [])
    ]
    return cast_columns(rows, PAYMENT_LINK_COLUMNS, file, problems)


def cast_columns(
    rows: list[dict] | dict[str, list[Any]] | pd.DataFrame,
    columns: dict[str, str],
    file: str,
    problems: list[Problem],
) -> pd.DataFrame:
    """Rows (dicts) or columns (lists) from the strict route, or a frame of typed columns from
    the columnar route, cast to the kinds of `columns`."""
    if len(rows) == 0:
        return pd.DataFrame({c: empty_column(k) for c, k in columns.items()})
    typed = isinstance(rows, pd.DataFrame)
    if isinstance(rows, pd.DataFrame):
        raw = rows
    elif isinstance(rows, dict):
        raw = pd.DataFrame({c: pd.Series(rows[c], dtype=object) for c in columns})
    else:
        raw = pd.DataFrame(rows, columns=list(columns))
    out = {}
    for column, kind in columns.items():
        given = (
            raw[column] if typed else raw[column].astype(object).where(raw[column].notna(), None)
        )
        values, bad = CASTERS[kind](given)
        if bad.any():
            problems.append(
                Problem(
                    file, f"{int(bad.sum())} line value(s) are not {EXPECTED[kind]}", column=column
                )
            )
        out[column] = values
    return pd.DataFrame(out)
