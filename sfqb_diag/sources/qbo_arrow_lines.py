"""Transaction lines and payment links out of the Arrow table of qbo_arrow: the same rows, in the
same order, as qbo_json.lines_table and payment_links_table build from parsed dicts.

QBO writes each line's detail under the key its `DetailType` names (SalesItemLineDetail,
GroupLineDetail, ...); a GroupLineDetail (a bundle) carries its own `Line` list, whose lines
follow their group. Only the detail types QBO documents for sales transactions are declared; a
line of another type, or a bundle inside a bundle, makes the columnar route decline the file.
"""

from __future__ import annotations

import numpy as np
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


def _whole(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _detail_value(lines: pa.Array, types: pa.Array, *path: str) -> pa.Array:
    """The value at `path` inside each line's detail, read under the key its DetailType names."""

    def under(kind: str) -> pa.Array:
        found = pc.struct_field(lines, kind)
        for key in path:
            found = pc.struct_field(found, key)
        return found

    out = pa.nulls(len(lines), under(DETAIL_TYPES[0]).type)
    for kind in DETAIL_TYPES:
        out = pc.if_else(pc.fill_null(pc.equal(types, kind), False), under(kind), out)
    return out


def _first_given(first: pa.Array, second: pa.Array) -> pa.Array:
    """`first or second`, element by element, as the strict route reads two references."""
    return pc.if_else(pc.fill_null(pc.not_equal(first, ""), False), first, second)


def _columns(lines: pa.Array) -> dict[str, pa.Array] | None:
    types = pc.struct_field(lines, "DetailType")
    known = pc.or_(pc.is_in(types, pa.array(DETAIL_TYPES)), pc.is_null(types))
    if pc.all(known).as_py() not in (True, None):
        return None
    group = pc.fill_null(pc.equal(types, "GroupLineDetail"), False)
    return {
        "line_id": pc.struct_field(lines, "Id"),
        "line_num": pc.struct_field(lines, "LineNum"),
        "detail_type": types,
        "amount_cents": pc.struct_field(lines, "Amount"),
        "description": pc.struct_field(lines, "Description"),
        "item_id": _first_given(
            _detail_value(lines, types, "ItemRef", "value"),
            _detail_value(lines, types, "GroupItemRef", "value"),
        ),
        "item_name": _first_given(
            _detail_value(lines, types, "ItemRef", "name"),
            _detail_value(lines, types, "GroupItemRef", "name"),
        ),
        # a group line counts its bundles in Quantity, an item line in Qty
        "qty": pc.if_else(
            group, _detail_value(lines, types, "Quantity"), _detail_value(lines, types, "Qty")
        ),
        "unit_price": _detail_value(lines, types, "UnitPrice"),
        "tax_code": _detail_value(lines, types, "TaxCodeRef", "value"),
        "discount_pct": _detail_value(lines, types, "DiscountPercent"),
        "percent_based": _detail_value(lines, types, "PercentBased"),
    }


def line_columns(table: pa.Table, ids: pa.Array) -> dict[str, pa.Array] | None:
    """Every line of every entity (bundle children right after their group) as columns named as
    schema.LINE_COLUMNS; None when a line is of a type this route does not read."""
    lists = table.column("Line").combine_chunks()
    top = pc.list_flatten(lists)
    top_txn = pc.list_parent_indices(lists).to_numpy()
    kids_lists = pc.struct_field(pc.struct_field(top, "GroupLineDetail"), "Line")
    kids = pc.list_flatten(kids_lists)
    kid_parent = pc.list_parent_indices(kids_lists).to_numpy()
    first, second = _columns(top), _columns(kids)
    if first is None or second is None:
        return None
    if pc.any(pc.fill_null(pc.equal(second["detail_type"], "GroupLineDetail"), False)).as_py():
        return None
    order = pa.array(
        np.lexsort(
            (
                np.r_[np.zeros(len(top_txn)), np.ones(len(kid_parent))],
                np.r_[np.arange(len(top_txn)), kid_parent],
            )
        )
    )

    def both(a: pa.Array, b: pa.Array) -> pa.Array:
        return pc.take(pa.concat_arrays([_whole(a), _whole(b)]), order)

    columns = {key: both(first[key], second[key]) for key in first}
    columns["txn_id"] = both(pc.take(ids, top_txn), pc.take(ids, top_txn[kid_parent]))
    columns["group_line_id"] = both(
        pa.nulls(len(top_txn), pa.string()), pc.take(first["line_id"], kid_parent)
    )
    return columns


def payment_link_columns(table: pa.Table, ids: pa.Array) -> dict[str, pa.Array]:
    """Line[].LinkedTxn[] of each payment as columns named as schema.PAYMENT_LINK_COLUMNS."""
    lists = table.column("Line").combine_chunks()
    lines = pc.list_flatten(lists)
    line_payment = pc.list_parent_indices(lists).to_numpy()
    linked_lists = pc.struct_field(lines, "LinkedTxn")
    linked = pc.list_flatten(linked_lists)
    linked_line = pc.list_parent_indices(linked_lists).to_numpy()
    return {
        "payment_id": pc.take(ids, line_payment[linked_line]),
        "amount_cents": pc.take(pc.struct_field(lines, "Amount"), linked_line),
        "txn_id": pc.struct_field(linked, "TxnId"),
        "txn_type": pc.struct_field(linked, "TxnType"),
    }
