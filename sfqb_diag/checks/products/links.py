"""Checks of area `products`: Product2 <-> Item links and open lines that will fail to sync.

Item hygiene (types, duplicates, names) lives in products_items.py, price drift in
products_prices.py, line reconciliation in products_lines*.py, fix lists in products_outputs.py;
importing this module registers them all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.products.state import live_products, product_matches
from sfqb_diag.findings import new_findings
from sfqb_diag.ids import look_up
from sfqb_diag.linkage import link_field, won_deals
from sfqb_diag.record_words import item_name
from sfqb_diag.words import count_text


@check(
    "product_unlinked_likely_item",
    area="products",
    severity="medium",
    needs=("products.qb_item_id", "items"),
    what="Products with no QBO item link although an item matches them",
    why="A sync that finds no link creates a second item (or fails on QBO's unique Item.Name, error 6240).",
    fix="Set the product's item link field to the proposed item (remediation/salesforce_product_links.csv).",
)
def product_unlinked_likely_item(ctx: Context) -> pd.DataFrame:
    m = product_matches(ctx)
    field = link_field(ctx.config, "product_item_id")
    rows = m[m["current_qb_id"].isna() & m["status"].isin(["suggest_link", "review"])]
    if rows.empty:
        return pd.DataFrame()
    active = _active(ctx, rows["sf_id"])
    sure = rows["status"] == "suggest_link"
    severity = pd.Series(np.where(sure & active, "medium", "low"), index=rows.index)
    return new_findings(
        sf_object="Product2",
        sf_id=rows["sf_id"],
        sf_name=rows["sf_name"],
        qb_entity="Item",
        qb_id=rows["qb_id"],
        qb_name=rows["qb_name"],
        # a review-band candidate is a question for a person, not a fact
        title=pd.Series(
            np.where(
                sure,
                "Product not linked to its QBO item: ",
                "Product not linked; a QBO item may be it (confirm): ",
            ),
            index=rows.index,
        )
        + rows["sf_name"].fillna(""),
        detail=pd.Series(np.where(sure, "Likely item ", "Possible item "), index=rows.index)
        + "'"
        + rows["qb_name"].fillna("")
        + "' (QBO Id "
        + rows["qb_id"]
        + ", score "
        # floored, never 1.00: a learned score is a probability short of certainty
        + (np.floor(rows["score"].astype(float).clip(upper=0.999) * 100) / 100)
        .map("{:.2f}".format)
        .astype("string")
        + ": "
        + rows["reasons"]
        + ")",
        suggested_action=np.where(
            sure,
            f"Set {field} to " + rows["qb_id"] + " (fix list: salesforce_product_links.csv)",
            f"Confirm the item in decisions.csv, then set {field} to " + rows["qb_id"],
        ),
        confidence=rows["score"],
        severity=severity,
    )


@check(
    "product_link_broken",
    area="products",
    severity="medium",
    needs=("products.qb_item_id", "items"),
    what="Products linked to a QBO item that does not exist or is inactive",
    why="The next invoice with this product fails (QBO error 610 'object not found' / 2500 invalid reference).",
    fix="Relink to the proposed item, or reactivate the item in QBO.",
)
def product_link_broken(ctx: Context) -> pd.DataFrame:
    m = product_matches(ctx)
    field = link_field(ctx.config, "product_item_id")
    items = ctx.data["items"].set_index(ctx.data["items"]["id"].astype(str))
    linked = m[m["current_qb_id"].notna()]
    exists = linked["current_qb_id"].isin(items.index)
    active = linked["current_qb_id"].map(items["active"]).fillna(True).astype(bool)
    rows = linked[~exists | ~active]
    if rows.empty:
        return pd.DataFrame()
    gone = ~rows["current_qb_id"].isin(items.index)
    if ctx.data.has("opportunities", "opportunity_lines"):
        pending = _pending_lines(ctx)["product_id"].value_counts()
    else:
        pending = pd.Series(dtype="int64")
    waiting = rows["sf_id"].map(pending).fillna(0).astype(int)
    better = rows["qb_id"].notna() & (rows["qb_id"] != rows["current_qb_id"])
    action = np.where(
        better,
        "Relink to item '"
        + rows["qb_name"].fillna("")
        + "' (QBO Id "
        + rows["qb_id"].fillna("")
        + ")",
        np.where(
            gone,
            f"Clear {field} so the sync re-creates or re-matches the item",
            "Reactivate item '"
            + item_name(ctx.data, rows["current_qb_id"])
            + "' (QBO Id "
            + rows["current_qb_id"]
            + ") in QBO, or relink the product",
        ),
    )
    return new_findings(
        sf_object="Product2",
        sf_id=rows["sf_id"],
        sf_name=rows["sf_name"],
        qb_entity="Item",
        qb_id=rows["current_qb_id"],
        qb_name=rows["current_qb_name"],
        title=np.where(
            gone,
            "Product linked to a missing QBO item: ",
            "Product linked to an inactive QBO item: ",
        )
        + rows["sf_name"].fillna(""),
        detail=f"{field} = "
        + rows["current_qb_id"]
        + np.where(gone, " (no such item in the pull)", " (item inactive)")
        + "; "
        + count_text(waiting, "open or uninvoiced opportunity line")
        + " will fail",
        severity=pd.Series(np.where(waiting > 0, "high", "medium"), index=rows.index),
        suggested_action=action,
        confidence=0.95,
    )


@check(
    "product_mislinked",
    area="products",
    severity="medium",
    needs=("products.qb_item_id", "items"),
    what="Products linked to an existing item that another item matches far better",
    why="Invoice lines land on the wrong item, so revenue posts to the wrong income account.",
    fix="Relink the product to the proposed item (remediation/salesforce_product_links.csv).",
)
def product_mislinked(ctx: Context) -> pd.DataFrame:
    m = product_matches(ctx)
    items = set(ctx.data["items"]["id"].astype(str))
    rows = m[(m["status"] == "relink") & m["current_qb_id"].isin(items)]
    if rows.empty:
        return pd.DataFrame()
    return new_findings(
        sf_object="Product2",
        sf_id=rows["sf_id"],
        sf_name=rows["sf_name"],
        qb_entity="Item",
        qb_id=rows["current_qb_id"],
        qb_name=rows["current_qb_name"],
        title="Product linked to the wrong QBO item: " + rows["sf_name"].fillna(""),
        detail="Linked to "
        + "'"
        + rows["current_qb_name"].fillna("")
        + "' (QBO Id "
        + rows["current_qb_id"]
        + "); item "
        + "'"
        + rows["qb_name"].fillna("")
        + "' (QBO Id "
        + rows["qb_id"]
        + ") matches ("
        + rows["reasons"]
        + ")",
        suggested_action="Relink to item '"
        + rows["qb_name"].fillna("")
        + "' (QBO Id "
        + rows["qb_id"]
        + "; fix list: salesforce_product_links.csv)",
        confidence=rows["score"],
    )


@check(
    "open_line_inactive",
    area="products",
    severity="medium",
    needs=("opportunities", "opportunity_lines"),
    what="Open or not-yet-invoiced won opportunity lines on an inactive price book entry or product",
    why="The sync will fail on these lines (QBO 610/2500), so the invoice is not created or lacks lines.",
    fix="Move the line to an active price book entry, or reactivate the product before the deal syncs.",
)
def open_line_inactive(ctx: Context) -> pd.DataFrame:
    lines = pending_lines_on_inactive(ctx)
    if lines.empty:
        return pd.DataFrame()
    reasons = pd.concat(
        [
            lines["pbe_inactive"].map({True: "price book entry inactive", False: ""}),
            lines["product_inactive"].map({True: "product inactive", False: ""}),
        ],
        axis=1,
    )
    why = (
        reasons.apply(lambda r: ", ".join(x for x in r if x), axis=1)
        if len(reasons)
        else pd.Series(dtype=str)
    )
    return new_findings(
        sf_object="Opportunity",
        sf_id=lines["opportunity_id"],
        sf_name=lines["opp_name"],
        line_id=lines["id"],
        title="Line will not sync: "
        + lines["opp_name"].fillna("")
        + " / "
        + lines["product_name"].fillna(""),
        detail="Line " + lines["id"] + ": " + why,
        suggested_action="Replace the line with an active price book entry (or reactivate the product)",
        amount_cents=lines["total_price_cents"],
        currency=lines["currency"],
        confidence=0.9,
    )


def _pending_lines(ctx: Context) -> pd.DataFrame:
    """Lines of opportunities still to sync: open ones, and won ones with no invoice link."""
    data = ctx.data
    opps = data["opportunities"]
    closed = opps["is_closed"].fillna(False).astype(bool)
    won = won_deals(opps)
    invoiced = opps["qb_invoice_id"].notna() if "qb_invoice_id" in opps else False
    pending = opps[
        (~closed | (won & ~invoiced))
        & ~opps.get("is_deleted", pd.Series(False, index=opps.index)).fillna(False).astype(bool)
    ]
    lines = data["opportunity_lines"].merge(
        pending[["id", "name", "currency"]].rename(
            columns={"id": "opportunity_id", "name": "opp_name", "currency": "opp_currency"}
        ),
        on="opportunity_id",
    )
    lines["currency"] = lines["currency"].fillna(lines["opp_currency"])
    pbe = data.get("pricebook_entries")
    pbe_active = (
        look_up(lines["pricebook_entry_id"], pbe.set_index("id")["is_active"])
        if pbe is not None
        else pd.Series(pd.NA, index=lines.index)
    )
    lines["pbe_inactive"] = pbe_active.eq(False).fillna(False).astype(bool)
    products = data.get("products")
    prod = (
        products.set_index("id")
        if products is not None
        else pd.DataFrame(columns=["is_active", "qb_item_id", "name"])
    )
    lines["product_inactive"] = (
        look_up(lines["product_id"], prod["is_active"]).eq(False).fillna(False).astype(bool)
    )
    lines["product_name"] = look_up(lines["product_id"], prod["name"])
    lines["item_id"] = (
        look_up(lines["product_id"], prod["qb_item_id"]) if "qb_item_id" in prod else pd.NA
    )
    items = data.get("items")
    item_active = (
        look_up(lines["item_id"], items.set_index(items["id"].astype(str))["active"])
        if items is not None
        else pd.Series(pd.NA, index=lines.index)
    )
    lines["item_inactive"] = item_active.eq(False).fillna(False).astype(bool)
    return lines.reset_index(drop=True)


def pending_lines_on_inactive(ctx: Context) -> pd.DataFrame:
    """Pending lines blocked on the Salesforce side (inactive price book entry or product).

    Lines blocked by an inactive or missing QBO item are counted in product_link_broken instead:
    one problem, reported once, on the product."""
    lines = _pending_lines(ctx)
    return lines[lines["pbe_inactive"] | lines["product_inactive"]].reset_index(drop=True)


def _active(ctx: Context, product_ids: pd.Series) -> pd.Series:
    products = live_products(ctx.data).set_index("id")
    return product_ids.map(products["is_active"]).fillna(True).astype(bool)


# Register the rest of the area (kept in separate modules to stay small).
