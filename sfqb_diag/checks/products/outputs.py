"""The tables area `products` writes: matches/products.csv, item duplicate clusters, and the three
fix lists (Salesforce product links for Data Loader, QBO item prices, invoice line corrections)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import Context, DataLoaderFile, output
from sfqb_diag.checks.products.items import item_clusters
from sfqb_diag.checks.products.line_checks import NEEDS, line_actions, line_reconciliation
from sfqb_diag.checks.products.prices import drifting
from sfqb_diag.checks.products.state import product_matches
from sfqb_diag.linkage import link_field
from sfqb_diag.matching.products import MATCH_COLUMNS
from sfqb_diag.words import format_cents, money_text

# Line classes that need a correction on the invoice (info classes and equal lines do not).
CORRECTIONS = (
    "quantity_drift",
    "unit_price_drift",
    "discount_dropped",
    "list_price_pushed",
    "tax_inclusive",
    "missing_line",
    "extra_line",
    "generic_item",
    "currency_mismatch",
    "extra_discount",
)


@output(
    "matches/products.csv",
    area="products",
    needs=("products", "items"),
    description="Product2 <-> Item: current link, best item, score, status and reasons (one row per product)",
)
def products_matches(ctx: Context) -> pd.DataFrame:
    m = product_matches(ctx)
    return m[[*MATCH_COLUMNS, "sf_name", "qb_name", "current_qb_name"]].reset_index(drop=True)


@output(
    "matches/qb_item_duplicates.csv",
    area="products",
    needs=("items",),
    description="Near-duplicate QBO items: cluster_id, id, keep (the survivor), reasons",
)
def item_duplicates(ctx: Context) -> pd.DataFrame:
    return item_clusters(ctx)


@output(
    "remediation/salesforce_product_links.csv",
    area="products",
    needs=("products", "items"),
    kind="data_loader",
    description="Data Loader update of the product -> item link field for relinks and sure new links",
)
def product_links(ctx: Context) -> DataLoaderFile:
    m = product_matches(ctx)
    rows = m[m["status"].isin(["relink", "suggest_link"]) & m["qb_id"].notna()]
    field = link_field(ctx.config, "product_item_id")
    update = pd.DataFrame(
        {"Id": rows["sf_id"].astype("string"), field: rows["qb_id"].astype("string")}
    )
    rollback = pd.DataFrame(
        {
            "Id": rows["sf_id"].astype("string"),
            field: rows["current_qb_id"].astype("string").fillna(""),
        }
    )
    return DataLoaderFile(
        update=update.reset_index(drop=True), rollback=rollback.reset_index(drop=True)
    )


@output(
    "remediation/qbo_item_price_updates.csv",
    area="products",
    needs=("products", "items", "pricebook_entries"),
    description="QBO items whose price differs from Salesforce's standard price, with the price to set",
)
def item_price_updates(ctx: Context) -> pd.DataFrame:
    rows = drifting(ctx)
    return pd.DataFrame(
        {
            "item_id": rows["item_id"],
            "item_name": rows["item_name"],
            "current_unit_price": rows["qb_price"],
            "new_unit_price": rows["sf_price"],
            "currency": rows["currency"],
            "product_id": rows["product_id"],
            "product_name": rows["product_name"],
            "reason": "QBO price is "
            + money_text(rows["diff_cents"].abs().round().astype("int64"), rows["currency"])
            + np.where(rows["diff_cents"] > 0, " above", " below")
            + " the Salesforce standard price",
        }
    ).reset_index(drop=True)


@output(
    "remediation/invoice_line_corrections.csv",
    area="products",
    needs=NEEDS,
    description="Invoice lines to correct: both sides of each line, the difference and what to do",
)
def invoice_line_corrections(ctx: Context) -> pd.DataFrame:
    rows = line_reconciliation(ctx)
    rows = rows[rows["diff_class"].isin(CORRECTIONS)]
    currency = rows["currency"]
    out = pd.DataFrame(
        {
            "invoice_id": rows["invoice_id"],
            "doc_number": rows["doc_number"],
            "opportunity_id": rows["opportunity_id"],
            "opportunity_name": rows["opp_name"],
            "difference": rows["diff_class"].str.replace("_", " "),
            "sf_line_id": rows["sf_line_id"],
            "qb_line_id": rows["qb_line_id"],
            "product": rows["product_name"],
            "qb_item": rows["item_name"],
            "sf_quantity": rows["sf_qty"],
            "sf_unit_price": rows["sf_unit"],
            "sf_amount": format_cents(rows["sf_cents"].astype("Int64")),
            "qb_quantity": rows["qb_qty"],
            "qb_unit_price": rows["qb_unit"],
            "qb_amount": format_cents(rows["qb_cents"].astype("Int64")),
            "delta": format_cents(rows["delta_cents"].astype("Int64")),
            "currency": currency,
            "invoice_currency": rows["inv_currency"],
            "action": line_actions(rows) if len(rows) else pd.Series(dtype="string"),
            "_abs": rows["delta_cents"].abs(),
        }
    )
    out = out.sort_values(["_abs", "invoice_id"], ascending=[False, True], kind="stable").drop(
        columns="_abs"
    )
    return out.reset_index(drop=True)
