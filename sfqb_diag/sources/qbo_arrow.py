"""The fast route for a QBO .jsonl file whose lines are plain entities: pyarrow's JSON reader
parses straight into typed columns (multithreaded, no Python object per entity), reading only the
fields the schema names.

It is taken only when it cannot disagree with the strict route (qbo_json.read_entities): every
declared field has the JSON type its kind expects (a string where a number belongs, or a string
where a reference object belongs, makes pyarrow refuse the file), every entity has an Id and no
Id repeats. Otherwise it returns None and the strict route reads the file and names each problem
by entity and JSON path. When the run needs an entity's lines or payment links, `Line` is read
too (qbo_arrow_lines.py).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as arrow_json

from sfqb_diag.errors import Problem
from sfqb_diag.ids import arrow_text
from sfqb_diag.sources.convert import CASTERS, EXPECTED
from sfqb_diag.sources.qbo_arrow_lines import LINE_FIELD, line_columns, payment_link_columns
from sfqb_diag.sources.qbo_json import cast_columns, entity_words
from sfqb_diag.sources.qbo_shapes import entities_of, response_times
from sfqb_diag.sources.schema import LINE_COLUMNS, PAYMENT_LINK_COLUMNS

# JSON type each kind arrives as in a QBO body (dates and times are ISO 8601 strings)
_ARROW_TYPE = {
    "str": pa.string(),
    "qbid": pa.string(),
    "sfid": pa.string(),
    "num": pa.float64(),
    "cents": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.string(),
    "ts": pa.string(),
}
_CUSTOM_FIELD = pa.list_(pa.struct([("Name", pa.string()), ("StringValue", pa.string())]))


def _schema(fields: dict[str, tuple[str, str]], with_lines: bool) -> pa.Schema:
    """Nested struct types for the dotted paths (`CustomerRef.value` -> CustomerRef: struct)."""
    tree: dict[str, Any] = {}
    for dotted, (_, kind) in fields.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = _ARROW_TYPE[kind]

    def build(node: dict[str, Any]) -> list[tuple[str, pa.DataType]]:
        return [
            (key, pa.struct(build(value)) if isinstance(value, dict) else value)
            for key, value in node.items()
        ]

    lines = [LINE_FIELD] if with_lines else []
    return pa.schema([*build(tree), ("CustomField", _CUSTOM_FIELD), *lines])


def _dig(table: pa.Table, dotted: str) -> pa.ChunkedArray:
    first, *rest = dotted.split(".")
    column = table.column(first)
    for key in rest:
        column = pc.struct_field(column, key)
    return column


def _custom_fields(table: pa.Table) -> pd.DataFrame:
    """CustomField [{Name, StringValue}] -> text columns custom_<name>, as the strict route."""
    lists = table.column("CustomField").combine_chunks()
    if pc.sum(pc.list_value_length(lists).fill_null(0)).as_py() in (None, 0):
        return pd.DataFrame()
    items = pc.list_flatten(lists)
    found = pd.DataFrame(
        {
            "row": pc.list_parent_indices(lists).to_numpy(),
            "name": pd.Series(pc.struct_field(items, "Name").to_pandas(), dtype="string"),
            "value": pd.Series(pc.struct_field(items, "StringValue").to_pandas(), dtype="string"),
        }
    )
    found = found[found["value"].fillna("").ne("")]
    if found.empty:
        return pd.DataFrame()
    found["name"] = "custom_" + found["name"].fillna("").str.strip().str.lower().str.replace(
        " ", "_"
    )
    wide = found.drop_duplicates(["row", "name"], keep="last").pivot(
        index="row", columns="name", values="value"
    )
    order = pd.unique(found["name"])  # columns in the order the file first uses them
    wide = wide.reindex(index=range(table.num_rows), columns=order).astype("string")
    return wide.set_axis([str(name) for name in order], axis=1)


def plain_lines_of(data: bytes, entity: str) -> tuple[bytes, list[str]] | None:
    """A .json file (entity array, query response or list of pages) rewritten as one entity per
    line, with its response times, so the columnar route can read it; None when its shape is
    not a usable one (the strict route then says why)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    found, why = entities_of(doc, entity)
    if why or not found or not all(isinstance(record, dict) for record in found):
        return None
    return b"\n".join(map(orjson.dumps, found)) + b"\n", response_times(doc)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value the file wrote (1e+300, not np.float64(1e+300))."""
    return value.item() if isinstance(value, np.generic) else value


def _absent(values: pd.Series, data: bytes, dotted: str) -> bool:
    """No entity carries the field (QBO omits a field it does not use): every value is missing
    and the field's top-level key is written nowhere in the file (a key written as null counts
    as carried, as on the strict route)."""
    return bool(values.isna().all()) and f'"{dotted.split(".")[0]}":'.encode() not in data


def read_plain_jsonl(
    data: bytes,
    name: str,
    fields: dict[str, tuple[str, str]],
    problems: list[Problem],
    extra: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, list[str], dict[str, pd.DataFrame]] | None:
    """The entity table of a .jsonl of plain entities, the columns no entity carries and the
    `extra` tables asked of it ("lines", "payment_links"); None when the file is not one the
    fast route reads exactly (the strict route then reads it)."""
    first = next((line for line in data.split(b"\n", 50)[:50] if line.strip()), b"")
    try:
        head = orjson.loads(first)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(head, dict) or "Id" not in head or "QueryResponse" in head:
        return None  # pages, read responses and damaged files take the strict route
    try:
        table = arrow_json.read_json(
            io.BytesIO(data if data.endswith(b"\n") else data + b"\n"),
            parse_options=arrow_json.ParseOptions(
                explicit_schema=_schema(fields, with_lines=bool(extra)),
                unexpected_field_behavior="ignore",
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    ids = pd.Series(table.column("Id").to_pandas(), dtype="string").str.strip()
    if ids.isna().any() or ids.eq("").any() or ids.duplicated().any():
        return None
    made = _extra_tables(table, arrow_text(ids), extra, name, problems)
    if made is None:
        return None
    out: dict[str, pd.Series] = {}
    absent: list[str] = []
    for dotted, (column, kind) in fields.items():
        # numbers stay float64 and text Arrow-backed: no Python object per value
        raw = _dig(table, dotted).to_pandas()
        if _absent(raw, data, dotted):
            absent.append(column)
        values, bad = CASTERS[kind](raw)
        for index in bad[bad].index[:20]:
            problems.append(
                Problem(
                    name,
                    f"{_plain(raw[index])!r} is not {EXPECTED[kind]}",
                    column=f"{dotted} of {entity_words(index, ids.iloc[index], dotted)}",
                )
            )
        out[column] = values
    frame = pd.DataFrame(out)
    custom = _custom_fields(table)
    if not custom.empty:
        frame = frame.join(custom)
    carried = {column for _, (column, _) in fields.items()} - set(absent)
    return frame, [column for column in dict.fromkeys(absent) if column not in carried], made


def _extra_tables(
    table: pa.Table, ids: pa.Array, extra: tuple[str, ...], name: str, problems: list[Problem]
) -> dict[str, pd.DataFrame] | None:
    made = {}
    if "lines" in extra:
        columns = line_columns(table, ids)
        if columns is None:
            return None
        made["lines"] = cast_columns(_pandas_columns(columns), LINE_COLUMNS, name, problems)
    if "payment_links" in extra:
        links = payment_link_columns(table, ids)
        made["payment_links"] = cast_columns(
            _pandas_columns(links), PAYMENT_LINK_COLUMNS, name, problems
        )
    return made


_PANDAS_TYPES = {pa.string(): pd.StringDtype("pyarrow"), pa.bool_(): pd.BooleanDtype()}


def _pandas_columns(columns: dict[str, pa.Array]) -> pd.DataFrame:
    """Arrow columns as pandas ones without a Python object per value: text stays Arrow-backed,
    numbers float64 with NaN, flags nullable booleans."""
    return pd.DataFrame(
        {key: array.to_pandas(types_mapper=_PANDAS_TYPES.get) for key, array in columns.items()}
    )
