"""Price drift between Salesforce's standard price and the linked QBO item's price.

QBO keeps one UnitPrice per item, in the home currency; Salesforce keeps one standard
PricebookEntry per product and currency. Only the home-currency standard price is comparable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.products.state import (
    home_currency,
    live_products,
    product_matches,
    product_prices,
)
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import new_findings
from sfqb_diag.words import price_text


def price_pairs(data: Dataset, tolerance: float = 0.01, tolerance_pct: float = 1.0) -> pd.DataFrame:
    """Every linked product with both prices: product, item, sf_price, qb_price, diff_cents, drift.

    Prices are compared as prices (QBO may keep sub-cent digits): drift when they differ by more
    than `tolerance` (an amount, one cent by default) and by more than `tolerance_pct` percent
    (price lists are rounded; a 0.4% difference on a 500.00 item is a rounding of the list, not a
    stale price). The notebook plots this table.
    """
    products = live_products(data)
    items = data.get("items")
    columns = [
        "product_id",
        "product_name",
        "item_id",
        "item_name",
        "currency",
        "sf_price",
        "qb_price",
        "diff_cents",
        "drift",
    ]
    if items is None or "qb_item_id" not in products:
        return pd.DataFrame(columns=columns)
    prices = product_prices(data)
    linked = products[products["qb_item_id"].notna()]
    frame = linked[["id", "name", "qb_item_id"]].merge(
        items.assign(item_key=items["id"].astype(str))[["item_key", "name", "unit_price", "type"]],
        left_on="qb_item_id",
        right_on="item_key",
        suffixes=("", "_item"),
    )
    sf_price = pd.to_numeric(frame["id"].map(prices), errors="coerce")  # numeric even when empty
    frame = frame.assign(sf_price=sf_price).dropna(subset=["sf_price", "unit_price"])
    frame = frame[~frame["type"].isin(["Category", "Group"]).fillna(False)]  # no price of their own
    diff = (frame["unit_price"] - frame["sf_price"]) * 100
    out = pd.DataFrame(
        {
            "product_id": frame["id"],
            "product_name": frame["name"],
            "item_id": frame["qb_item_id"],
            "item_name": frame["name_item"],
            "currency": home_currency(data),
            "sf_price": frame["sf_price"],
            "qb_price": frame["unit_price"],
            "diff_cents": diff.round(4),
        }
    )
    pct = (
        out["diff_cents"] / out["sf_price"].where(out["sf_price"] != 0)
    ).abs()  # cents per unit = percent
    out["drift"] = (out["diff_cents"].abs() > tolerance * 100 + 1e-6) & (
        pct.fillna(float("inf")) > tolerance_pct
    )
    return out.reset_index(drop=True)


def drifting(ctx: Context) -> pd.DataFrame:
    """Drifting pairs whose link we believe in: a product linked to the wrong item differs in price
    because of the wrong link, which product_mislinked reports."""
    pairs = price_pairs(
        ctx.data, ctx.thresholds.amount_tolerance, ctx.thresholds.price_tolerance_pct
    )
    m = product_matches(ctx)
    doubtful = set(m.loc[m["status"] != "linked_ok", "sf_id"])
    return pairs[pairs["drift"] & ~pairs["product_id"].isin(doubtful)]


@check(
    "price_drift",
    area="products",
    severity="low",
    needs=("products.qb_item_id", "items", "pricebook_entries"),
    what="Standard price in Salesforce differs from the linked QBO item's price beyond the tolerances (amount and percent)",
    why="Invoices keyed in QBO, and syncs that send only the item, bill the QBO price, not the agreed one.",
    fix="Update the item's price in QBO (remediation/qbo_item_price_updates.csv) or the price book entry.",
)
def price_drift(ctx: Context) -> pd.DataFrame:
    rows = drifting(ctx)
    if rows.empty:
        return pd.DataFrame()
    pct = (rows["qb_price"] / rows["sf_price"].where(rows["sf_price"] != 0) - 1) * 100
    return new_findings(
        sf_object="Product2",
        sf_id=rows["product_id"],
        sf_name=rows["product_name"],
        qb_entity="Item",
        qb_id=rows["item_id"],
        qb_name=rows["item_name"],
        title="Price differs between Salesforce and QBO: " + rows["product_name"].fillna(""),
        detail="Standard price "
        + price_text(rows["sf_price"])
        + " "
        + rows["currency"].fillna("")
        + ", QBO item "
        + price_text(rows["qb_price"])
        + " ("
        + pct.map("{:+.1f}%".format, na_action="ignore").fillna("n/a")
        + ")",
        suggested_action="Set the QBO item price to "
        + price_text(rows["sf_price"])
        + " "
        + rows["currency"].fillna("")
        + " (fix list: qbo_item_price_updates.csv), or correct the price book",
        amount_cents=np.round(rows["diff_cents"].abs()).astype("int64"),
        currency=rows["currency"],
        confidence=0.95,
    )
