"""Line reconciliation: pair every OpportunityLineItem with its invoice's sales line, vectorised.

Scope: opportunities with lines whose invoice link resolves to an invoice that has sales lines
(an invoice that is missing, voided or has no lines belongs to `partial_sync`, and so does a deal
without lines: its Amount is compared with the invoice at the deal level, deal_amount_mismatch). Pairing runs in passes, each
one a merge on (invoice, key, rank) so repeated items pair in order:
  0. a Salesforce line whose product is linked to a QBO Group item pairs with that bundle line
     (GroupLineDetail; its children are then consumed with it); other bundles' children stand alone;
  1. by the item the product should be on (the matcher's belief, else its link); 2. by its stored link;
  3. by amount (same invoice, same cents); 4. leftover lines on an item no product links to
  (a generic default item such as "Services"), in order.
What stays unpaired is a missing line (Salesforce only) or an extra line (QBO only).
Classification lives in line_pairing/classes.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import look_up, member

SALES = "SalesItemLineDetail"
GROUP = "GroupLineDetail"
DISCOUNT = "DiscountLineDetail"


def _scope(data: Dataset) -> pd.DataFrame:
    """Opportunity <-> invoice pairs to reconcile: the opportunity has lines, its link resolves,
    the invoice has sales lines, one opportunity per invoice (several opportunities on one invoice
    is a link problem, not a line one). Every line of an invoice whose deal has none would read as
    "billed but not sold" when the deal's Amount says it was sold."""
    opps = data["opportunities"]
    live = ~opps["is_deleted"].fillna(False).astype(bool) if "is_deleted" in opps else True
    has_lines = member(opps["id"], data["opportunity_lines"]["opportunity_id"])
    linked = opps[opps["qb_invoice_id"].notna() & live & has_lines]
    linked = linked[~linked["qb_invoice_id"].duplicated(keep=False)]
    inv = data["invoices"].assign(invoice_id=data["invoices"]["id"].astype(str))
    lines = data["invoice_lines"]
    sales = lines[lines["detail_type"] == SALES]
    has_money = sales["amount_cents"].fillna(0).ne(0).groupby(sales["txn_id"]).any()
    inv = inv[
        member(inv["invoice_id"], has_money[has_money].index)
    ]  # voided invoices keep zero lines
    cols = {
        "id": "opportunity_id",
        "name": "opp_name",
        "currency": "opp_currency",
        "qb_invoice_id": "invoice_id",
    }
    if "last_sync" not in linked:
        linked = linked.assign(
            last_sync=pd.Series(pd.NaT, index=linked.index, dtype="datetime64[us, UTC]")
        )
    scope = (
        linked[[*cols, "last_sync"]]
        .rename(columns=cols)
        .merge(
            inv[
                [
                    "invoice_id",
                    "doc_number",
                    "currency",
                    "global_tax_calculation",
                    "last_updated_time",
                    "sync_token",
                ]
            ].rename(
                columns={
                    "currency": "inv_currency",
                    "last_updated_time": "inv_updated",
                    "sync_token": "inv_sync_token",
                }
            ),
            on="invoice_id",
        )
    )
    return scope.reset_index(drop=True)


def _sf_lines(
    data: Dataset, scope: pd.DataFrame, link_item: pd.Series, alt_item: pd.Series
) -> pd.DataFrame:
    lines = data["opportunity_lines"].merge(scope, on="opportunity_id")
    entries = data.get("pricebook_entries")
    if entries is not None and "pricebook_entry_id" in lines:  # exports without Product2Id
        lines["product_id"] = lines["product_id"].fillna(
            look_up(lines["pricebook_entry_id"], entries.set_index("id")["product_id"])
        )
    products = data.get("products")
    names = products.set_index("id")["name"] if products is not None else pd.Series(dtype="string")
    qty, unit = lines["quantity"].astype("float64"), lines["unit_price"].astype("float64")
    disc = lines["discount_pct"].astype("float64").fillna(0.0)
    gross = np.round(qty * unit * 100)
    net = np.round(gross * (1 - disc / 100))
    total = lines["total_price_cents"].astype("Float64").fillna(pd.Series(net, index=lines.index))
    return pd.DataFrame(
        {
            "invoice_id": lines["invoice_id"],
            "opportunity_id": lines["opportunity_id"],
            "sf_line_id": lines["id"],
            "product_id": lines["product_id"],
            "product_name": lines["product_id"].map(names),
            "sf_qty": qty,
            "sf_unit": unit,
            "sf_list": lines["list_price"].astype("float64"),
            "sf_discount": disc,
            "sf_cents": total.round().astype("int64"),
            "sf_gross_cents": pd.Series(gross, index=lines.index)
            .fillna(total)
            .round()
            .astype("int64"),
            "key_item": lines["product_id"].map(link_item).astype("string"),
            "alt_item": lines["product_id"].map(alt_item).astype("string"),
            "order": lines["sort_order"].astype("float64").fillna(0.0)
            if "sort_order" in lines
            else 0.0,
            "sf_modified": lines.get("last_modified_date", pd.NaT),
        }
    )


def _qb_lines(data: Dataset, invoice_ids: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(top-level sales lines plus bundle children, bundle headers) of the invoices in scope."""
    lines = data["invoice_lines"]
    lines = lines[member(lines["txn_id"], invoice_ids)]
    items = data.get("items")
    names = (
        items.set_index(items["id"].astype(str))["name"]
        if items is not None
        else pd.Series(dtype="string")
    )
    base = pd.DataFrame(
        {
            "invoice_id": lines["txn_id"],
            "qb_line_id": lines["line_id"].astype("string"),
            "item_id": lines["item_id"],
            "item_name": lines["item_name"]
            .fillna(lines["item_id"].map(names).astype("string"))
            .fillna("QBO item Id " + lines["item_id"]),
            "qb_qty": lines["qty"].astype("float64"),
            "qb_unit": lines["unit_price"].astype("float64"),
            "qb_cents": lines["amount_cents"].astype("Int64"),
            "group_line_id": lines["group_line_id"],
            "order": lines["line_num"].astype("float64").fillna(0.0),
            "detail_type": lines["detail_type"],
        }
    )
    children = base[base["group_line_id"].notna()]
    sums = children.groupby(["invoice_id", "group_line_id"])["qb_cents"].sum()
    heads = base[base["detail_type"] == GROUP].copy()
    key = pd.MultiIndex.from_frame(heads[["invoice_id", "qb_line_id"]])
    heads["qb_cents"] = heads["qb_cents"].fillna(
        pd.Series(sums.reindex(key).to_numpy(), index=heads.index)
    )
    sales = base[(base["detail_type"] == SALES)]
    return sales.reset_index(drop=True), heads.reset_index(drop=True)


def _rank_merge(
    left: pd.DataFrame, right: pd.DataFrame, lkey: str, rkey: str, step: int
) -> pd.DataFrame:
    """Pair rows with equal (invoice, key), the n-th with the n-th in line order."""
    lk = left.dropna(subset=[lkey]).sort_values(
        ["invoice_id", "order", "sf_line_id"], kind="stable"
    )
    rk = right.dropna(subset=[rkey]).sort_values(
        ["invoice_id", "order", "qb_line_id"], kind="stable"
    )
    lk = lk.assign(_k=lk[lkey].astype(str), _n=lk.groupby(["invoice_id", lkey]).cumcount())
    rk = rk.assign(_k=rk[rkey].astype(str), _n=rk.groupby(["invoice_id", rkey]).cumcount())
    rk = rk.drop(columns=["order"] + ([rkey] if rkey == lkey else []))
    pairs = lk.drop(columns=["order"]).merge(rk, on=["invoice_id", "_k", "_n"])
    return pairs.drop(columns=["_k", "_n"]).assign(step=step)


def _take(frame: pd.DataFrame, used: pd.Series, column: str) -> pd.DataFrame:
    return frame[~np.isin(frame[column].to_numpy(), np.asarray(used, dtype=np.int64))]


def pair_lines(
    data: Dataset, link_item: pd.Series, alt_item: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs, scope): one row per Salesforce line and per unpaired QBO line of invoices in scope.

    link_item: product Id -> the item to pair on first (the item the matcher believes in, else the
    stored link); alt_item: product Id -> the item to try second (the stored link). `step` says
    which pass paired a row (NaN: unpaired); sf_line_id or qb_line_id is
    empty for missing and extra lines.
    """
    scope = _scope(data)
    sf = _sf_lines(data, scope, link_item, alt_item)
    qb, heads = _qb_lines(data, scope["invoice_id"])
    sf["_sf"] = np.arange(len(sf))
    qb["_qb"] = np.arange(len(qb))
    heads["_qb"] = -1 - np.arange(len(heads))
    group_pairs = _rank_merge(sf, heads, "key_item", "item_id", 0)
    sf = _take(sf, group_pairs["_sf"], "_sf")
    if len(group_pairs):  # the components of a paired bundle go with it
        consumed = (
            group_pairs["invoice_id"].astype(str) + "|" + group_pairs["qb_line_id"].astype(str)
        )
        child = qb["invoice_id"].astype("string") + "|" + qb["group_line_id"].astype("string")
        qb = qb[~member(child, consumed)]
    found = [group_pairs]
    for step, lkey, rkey in (
        (1, "key_item", "item_id"),
        (2, "alt_item", "item_id"),
        (3, "sf_cents", "qb_cents"),
    ):
        pairs = _rank_merge(sf, qb, lkey, rkey, step)
        found.append(pairs)
        sf, qb = _take(sf, pairs["_sf"], "_sf"), _take(qb, pairs["_qb"], "_qb")
    known_items = set(link_item.dropna().astype(str)) | set(alt_item.dropna().astype(str))
    generic = qb[~member(qb["item_id"], known_items)].assign(_any="line")
    pairs = _rank_merge(sf.assign(_any="line"), generic, "_any", "_any", 4).drop(columns="_any")
    found.append(pairs)
    sf, qb = _take(sf, pairs["_sf"], "_sf"), _take(qb, pairs["_qb"], "_qb")
    out = pd.concat([*found, sf.drop(columns="order"), qb.drop(columns="order")], ignore_index=True)
    out = out.drop(
        columns=[c for c in ("_sf", "_qb", "_any", "detail_type", "group_line_id") if c in out]
    )
    out = out.merge(scope, on="invoice_id", how="left", suffixes=("_x", ""))
    out["opportunity_id"] = out["opportunity_id"].fillna(out.pop("opportunity_id_x"))
    return out, scope


def invoice_discounts(data: Dataset, invoice_ids: pd.Series) -> pd.Series:
    """Invoice Id -> transaction-level discount in cents (DiscountLineDetail; percent ones resolved
    against the sales lines: QBO computes a percent discount on the subtotal)."""
    lines = data["invoice_lines"]
    lines = lines[member(lines["txn_id"], invoice_ids)]
    disc = lines[lines["detail_type"] == DISCOUNT]
    if disc.empty:
        return pd.Series(dtype="int64")
    base = lines[lines["detail_type"] == SALES].groupby("txn_id")["amount_cents"].sum()
    pct_amount = np.round(
        disc["txn_id"].map(base).astype("float64") * disc["discount_pct"].fillna(0) / 100
    )
    amount = disc["amount_cents"].astype("Float64").fillna(pd.Series(pct_amount, index=disc.index))
    return amount.fillna(0).groupby(disc["txn_id"]).sum().round().astype("int64")
