"""Transaction lines and payment links out of the Arrow table of qbo_arrow: the same rows, in the
same order, as qbo_json.lines_table and payment_links_table build from parsed dicts.

QBO writes each line's detail under the key its `DetailType` names (SalesItemLineDetail,
GroupLineDetail, ...); a GroupLineDetail (a bundle) carries its own `Line` list, whose lines
follow their group. Only the detail types QBO documents for sales transactions are declared; a
line of another type, or a bundle inside a bundle, makes the columnar route decline the file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_REF = pa.struct([("value", pa.string()), ("name", pa.string())])
_DETAIL = [
    ("ItemRef", _REF),
    ("GroupItemRef", _REF),
    ("Qty", pa.float64()),
    ("Quantity", pa.float64()),
    ("UnitPrice", pa.float64()),
    ("TaxCodeRef", _REF),
    ("DiscountPercent", pa.float64()),
    ("PercentBased", pa.bool_()),
]
DETAIL_TYPES = (
    "SalesItemLineDetail",
    "GroupLineDetail",
    "DiscountLineDetail",
    "SubTotalLineDetail",
    "DescriptionOnly",
)
_LINKED = pa.list_(pa.struct([("TxnId", pa.string()), ("TxnType", pa.string())]))


def _line_type(with_children: bool) -> pa.DataType:
    fields: list[tuple[str, pa.DataType]] = [
        ("Id", pa.string()),
        ("LineNum", pa.float64()),
        ("Description", pa.string()),
        ("Amount", pa.float64()),
        ("DetailType", pa.string()),
        ("LinkedTxn", _LINKED),
    ]
    for kind in DETAIL_TYPES:
        detail = list(_DETAIL)
        if kind == "GroupLineDetail" and with_children:
            detail.append(("Line", pa.list_(_line_type(False))))
        fields.append((kind, pa.struct(detail)))
    return pa.struct(fields)


LINE_FIELD = ("Line", pa.list_(_line_type(True)))


def _values(array: Any) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)


def _detail_value(lines: pa.Array, types: np.ndarray, *path: str) -> np.ndarray:
    """The value at `path` inside each line's detail, read under the key its DetailType names."""
    out = np.full(len(lines), None, dtype=object)
    for kind in DETAIL_TYPES:
        mask = types == kind
        if mask.any():
            found = pc.struct_field(lines, kind)
            for key in path:
                found = pc.struct_field(found, key)
            out[mask] = _values(found)[mask]
    return out


def _first_given(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """`first or second`, element by element, as the strict route reads two references."""
    given = pd.notna(first) & (first != "")
    return np.where(given, first, second)


def _columns(lines: pa.Array) -> dict[str, np.ndarray] | None:
    types = _values(pc.struct_field(lines, "DetailType"))
    known = pd.Series(types).isin(DETAIL_TYPES).to_numpy() | pd.isna(types)
    if not known.all():
        return None
    group = types == "GroupLineDetail"
    return {
        "line_id": _values(pc.struct_field(lines, "Id")),
        "line_num": _values(pc.struct_field(lines, "LineNum")),
        "detail_type": types,
        "amount_cents": _values(pc.struct_field(lines, "Amount")),
        "description": _values(pc.struct_field(lines, "Description")),
        "item_id": _first_given(
            _detail_value(lines, types, "ItemRef", "value"),
            _detail_value(lines, types, "GroupItemRef", "value"),
        ),
        "item_name": _first_given(
            _detail_value(lines, types, "ItemRef", "name"),
            _detail_value(lines, types, "GroupItemRef", "name"),
        ),
        # a group line counts its bundles in Quantity, an item line in Qty
        "qty": np.where(
            group, _detail_value(lines, types, "Quantity"), _detail_value(lines, types, "Qty")
        ),
        "unit_price": _detail_value(lines, types, "UnitPrice"),
        "tax_code": _detail_value(lines, types, "TaxCodeRef", "value"),
        "discount_pct": _detail_value(lines, types, "DiscountPercent"),
        "percent_based": _detail_value(lines, types, "PercentBased"),
    }


def line_columns(table: pa.Table, ids: np.ndarray) -> dict[str, np.ndarray] | None:
    """Every line of every entity (bundle children right after their group) as columns named as
    schema.LINE_COLUMNS; None when a line is of a type this route does not read."""
    lists = table.column("Line").combine_chunks()
    top = pc.list_flatten(lists)
    top_txn = pc.list_parent_indices(lists).to_numpy()
    kids_lists = pc.struct_field(pc.struct_field(top, "GroupLineDetail"), "Line")
    kids = pc.list_flatten(kids_lists)
    kid_parent = pc.list_parent_indices(kids_lists).to_numpy()
    first, second = _columns(top), _columns(kids)
    if first is None or second is None or (second["detail_type"] == "GroupLineDetail").any():
        return None
    order = np.lexsort(
        (
            np.r_[np.zeros(len(top_txn)), np.ones(len(kid_parent))],
            np.r_[np.arange(len(top_txn)), kid_parent],
        )
    )
    columns = {key: np.concatenate([first[key], second[key]])[order] for key in first}
    columns["txn_id"] = np.concatenate([ids[top_txn], ids[top_txn[kid_parent]]])[order]
    columns["group_line_id"] = np.concatenate(
        [np.full(len(top_txn), None, dtype=object), first["line_id"][kid_parent]]
    )[order]
    return columns


def payment_link_columns(table: pa.Table, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Line[].LinkedTxn[] of each payment as columns named as schema.PAYMENT_LINK_COLUMNS."""
    lists = table.column("Line").combine_chunks()
    lines = pc.list_flatten(lists)
    line_payment = pc.list_parent_indices(lists).to_numpy()
    linked_lists = pc.struct_field(lines, "LinkedTxn")
    linked = pc.list_flatten(linked_lists)
    linked_line = pc.list_parent_indices(linked_lists).to_numpy()
    return {
        "payment_id": ids[line_payment[linked_line]],
        "amount_cents": _values(pc.struct_field(lines, "Amount"))[linked_line],
        "txn_id": _values(pc.struct_field(linked, "TxnId")),
        "txn_type": _values(pc.struct_field(linked, "TxnType")),
    }
