"""Item hygiene checks of area `products`: item types that break sales lines, duplicate items and
product codes, and product names QBO will refuse."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.products.state import item_usage, live_products, product_matches
from sfqb_diag.findings import new_findings
from sfqb_diag.matching.products import normalise_code, normalise_name
from sfqb_diag.record_words import item_name
from sfqb_diag.words import count_text, short_title

# Item types that post to an income account when sold; Group and Category do not.
_SELLABLE = ("Inventory", "NonInventory", "Service")
# QBO Item.Name: at most 100 characters, and no ':' (it separates parent:child), tab or newline.
_NAME_LIMIT = 100
_BAD_NAME_CHARS = r"[:\t\r\n]"


def _used_or_linked(ctx: Context) -> pd.Series:
    """Item Id -> True when a product links to it or an invoice line uses it."""
    items = ctx.data["items"]
    products = ctx.data.get("products")
    linked = (
        set(products["qb_item_id"].dropna())
        if products is not None and "qb_item_id" in products
        else set()
    )
    used = set(item_usage(ctx.data).index)
    return items["id"].astype(str).isin(linked | used)


@check(
    "item_type_problem",
    area="products",
    severity="medium",
    needs=("items", "products"),
    what="Items whose type or stock breaks sales: Category items in use, Inventory below zero",
    why="A Category cannot be sold (QBO rejects the line); negative stock misstates cost of goods.",
    fix="Relink products to a sellable item, or receive or adjust stock.",
)
def item_type_problem(ctx: Context) -> pd.DataFrame:
    return _item_problems(ctx, _TYPE_PROBLEMS)


@check(
    "item_no_income_account",
    area="products",
    severity="medium",
    # Skipped when no item of Item.json carries IncomeAccountRef (an export without the key
    # says nothing about the accounts); an item without it beside items with it is a finding.
    needs=("items", "items.income_account_id", "products"),
    what="Sellable items (Inventory, NonInventory, Service) without an income account",
    why="An item without an income account cannot post revenue.",
    fix="Set the item's income account in QBO.",
    ids_as="item_type_problem",
)
def item_no_income_account(ctx: Context) -> pd.DataFrame:
    return _item_problems(ctx, ("no_income_account",))


_TYPE_PROBLEMS = ("category", "negative_stock")


def _item_problems(ctx: Context, chosen: tuple[str, ...]) -> pd.DataFrame:
    """The items with each chosen kind of problem (category, negative_stock, no_income_account)."""
    items = ctx.data["items"].reset_index(drop=True)
    in_use = _used_or_linked(ctx).to_numpy()
    kinds = {
        "category": (items["type"] == "Category").fillna(False).to_numpy() & in_use,
        "negative_stock": (items["type"] == "Inventory").fillna(False).to_numpy()
        & (items["qty_on_hand"] < 0).fillna(False).to_numpy(),
        "no_income_account": items["type"].isin(_SELLABLE).fillna(False).to_numpy()
        & items["income_account_id"].isna().to_numpy(),
    }
    words = {
        "category": (
            "Category item used for sales: ",
            "Type Category (a grouping, not sellable)",
            "Point the product at a Service/NonInventory/Inventory item",
        ),
        "negative_stock": (
            "Inventory below zero: ",
            "QtyOnHand ",
            "Receive the missing stock or post an inventory adjustment",
        ),
        "no_income_account": (
            "Item without an income account: ",
            "IncomeAccountRef empty on a ",
            "Set the income account on the item in QBO",
        ),
    }
    frames = []
    for kind in chosen:
        mask = kinds[kind]
        rows = items[mask]
        if rows.empty:
            continue
        title, detail, action = words[kind]
        extra = (
            rows["qty_on_hand"].map("{:g}".format)
            if kind == "negative_stock"
            else (rows["type"].fillna("") + " item" if kind == "no_income_account" else "")
        )
        severity = np.where(in_use[mask], "medium", "low") if kind != "category" else "medium"
        frames.append(
            new_findings(
                sf_object=None,
                sf_id=None,
                qb_entity="Item",
                qb_id=rows["id"].astype(str),
                qb_name=rows["name"],
                line_id=kind,
                title=title + rows["name"].fillna(""),
                detail=detail + extra,
                suggested_action=action,
                severity=pd.Series(severity, index=rows.index),
                confidence=0.95,
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def item_duplicate_clusters(items: pd.DataFrame, keep_first: pd.Series) -> pd.DataFrame:
    """Items that are one product twice: same SKU, or same name once counters like ' (2)' go.

    `keep_first` ranks survivors (True sorts first: linked from Salesforce / most used).
    Returns cluster_id, id, keep, reasons (the matches/qb_*_duplicates.csv shape).
    """
    # A SKU names one product, but catalogues reuse a family code or a word ('High Power') for
    # items of different sizes and prices: items sharing a SKU are one product twice only when
    # their prices agree too (a copy made by a retry or by hand carries the same price).
    price = (
        items["unit_price"].astype("Float64").round(2).astype("string").fillna("")
        if "unit_price" in items
        else pd.Series("", index=items.index, dtype="string")
    )
    sku = normalise_code(items["sku"])
    frame = pd.DataFrame(
        {
            "id": items["id"].astype(str).to_numpy(),
            "name_key": normalise_name(items["name"]).to_numpy(),
            "sku_key": (sku + "|" + price).where(sku.notna()).to_numpy(),
            "sku_shown": items["sku"].astype("string").str.strip().to_numpy(),
            "rank": keep_first.to_numpy(),
        }
    )
    frame["name_key"] = frame["name_key"].mask(frame["name_key"] == "")
    frame["label"] = np.arange(len(frame))
    for _ in range(4):  # union of the two keys: propagate the smallest label until stable
        before = frame["label"].copy()
        for key in ("sku_key", "name_key"):
            low = frame.groupby(key)["label"].transform("min")
            frame["label"] = np.fmin(frame["label"], low.fillna(frame["label"])).astype(int)
        if frame["label"].equals(before):
            break
    sizes = frame["label"].map(frame["label"].value_counts())
    dup = frame[sizes > 1].copy()
    if dup.empty:
        return pd.DataFrame({"cluster_id": [], "id": [], "keep": [], "reasons": []})
    dup = dup.sort_values(["label", "rank", "id"], ascending=[True, False, True], key=_id_order)
    dup["keep"] = ~dup["label"].duplicated()
    same_sku = dup.groupby("sku_key")["id"].transform("size").gt(1) & dup["sku_key"].notna()
    dup["reasons"] = np.where(
        same_sku,
        "same SKU " + dup["sku_shown"].fillna("") + " and price",
        "same name once counters are removed",
    )
    first = dup.groupby("label")["id"].transform("first")
    dup["cluster_id"] = "item-" + first
    return dup[["cluster_id", "id", "keep", "reasons"]].reset_index(drop=True)


def _id_order(column: pd.Series) -> pd.Series:
    """QBO Ids are integers in text: sort them as numbers (the older item first)."""
    if column.name == "id":
        return pd.to_numeric(column, errors="coerce").fillna(float("inf"))
    return column


def item_clusters(ctx: Context) -> pd.DataFrame:
    """The item duplicate clusters of this run (computed once)."""

    def compute() -> pd.DataFrame:
        items = ctx.data["items"]
        usage = item_usage(ctx.data).reindex(items["id"].astype(str)).fillna(0).to_numpy()
        linked = _used_or_linked(ctx).to_numpy() & (usage >= 0)
        rank = pd.Series(linked.astype(int) * 1_000_000 + usage, index=items.index)
        return item_duplicate_clusters(items, rank)

    return ctx.shared("item_clusters", compute)


@check(
    "item_duplicate",
    area="products",
    severity="low",
    needs=("items",),
    what="Near-duplicate QBO items (same SKU, or the same name with a counter like ' (2)')",
    why="A sync that cannot find an item creates another one; sales then split across items and reports.",
    fix="Make the survivor the only active item: relink products to it and make the copies inactive.",
)
def item_duplicate(ctx: Context) -> pd.DataFrame:
    clusters = item_clusters(ctx)
    copies = clusters[~clusters["keep"].astype(bool)]
    if copies.empty:
        return pd.DataFrame()
    items = ctx.data["items"].set_index(ctx.data["items"]["id"].astype(str))
    survivor = copies["cluster_id"].str.removeprefix("item-")
    used = copies["id"].map(item_usage(ctx.data)).fillna(0)
    severity = np.where(used > 0, "medium", "low")  # sales already split across the copies
    return new_findings(
        sf_object=None,
        sf_id=None,
        qb_entity="Item",
        qb_id=copies["id"],
        qb_name=copies["id"].map(items["name"]),
        title="Duplicate QBO item: " + copies["id"].map(items["name"]).fillna(""),
        detail="Copy of item '"
        + item_name(ctx.data, survivor)
        + "' (QBO Id "
        + survivor
        + "; "
        + copies["reasons"]
        + "); used on "
        + count_text(used.astype(int), "invoice line"),
        suggested_action="Relink any product to item '"
        + item_name(ctx.data, survivor)
        + "' (QBO Id "
        + survivor
        + ") and make this copy inactive",
        severity=pd.Series(severity, index=copies.index),
        confidence=0.85,
    )


@check(
    "product_code_duplicate",
    area="products",
    severity="low",
    needs=("products",),
    what="Active products sharing one ProductCode",
    why="ProductCode is not unique in Salesforce; a connector matching codes to item names or SKUs picks one at random.",
    fix="Give each product its own code, or deactivate the copy.",
)
def product_code_duplicate(ctx: Context) -> pd.DataFrame:
    products = live_products(ctx.data)
    products = products[products["is_active"].fillna(True).astype(bool)]
    code = normalise_code(products["product_code"])
    rows = products.assign(code=code)[code.duplicated(keep=False) & code.notna()]
    if rows.empty:
        return pd.DataFrame()
    others = rows.groupby("code")["id"].transform("size") - 1
    # Each product confirmed on its own item: the sync has what it needs (Salesforce allows shared codes).
    m = product_matches(ctx).set_index("sf_id")
    settled = rows["id"].map(m["status"]).eq("linked_ok").fillna(False)
    distinct = ~rows["id"].map(m["current_qb_id"]).duplicated(keep=False)
    fine = (settled & distinct).groupby(rows["code"]).transform("all")
    return new_findings(
        sf_object="Product2",
        sf_id=rows["id"],
        sf_name=rows["name"],
        title="Product code used twice: "
        + rows["product_code"].fillna("")
        + " ("
        + rows["name"].fillna("")
        + ")",
        detail="ProductCode "
        + rows["product_code"].fillna("")
        + " is also on "
        + count_text(others, "other active product"),
        suggested_action=np.where(
            fine,
            "No action needed while each product keeps its own item link",
            "Give this product a unique ProductCode, or deactivate the duplicate",
        ),
        severity=pd.Series(np.where(fine, "info", "low"), index=rows.index),
        confidence=0.9,
    )


@check(
    "product_name_rejected",
    area="products",
    severity="medium",
    needs=("products",),
    what="Product names QBO will refuse as an item name (over 100 characters, or ':' tab newline)",
    why="Creating or renaming the item fails, so every invoice with the product fails with it.",
    fix="Shorten the product name or remove the character; QBO uses ':' for parent:child items.",
)
def product_name_rejected(ctx: Context) -> pd.DataFrame:
    products = live_products(ctx.data)
    name = products["name"].fillna("")
    long = name.str.len() > _NAME_LIMIT
    bad_char = name.str.contains(_BAD_NAME_CHARS, regex=True)
    rows = products[long | bad_char]
    if rows.empty:
        return pd.DataFrame()
    why = np.where(
        long[rows.index],
        rows["name"].str.len().astype(str) + " characters (limit 100)",
        "contains ':' or a tab/newline",
    )
    active = rows["is_active"].fillna(True).astype(bool)
    return new_findings(
        sf_object="Product2",
        sf_id=rows["id"],
        sf_name=rows["name"],
        title="Product name QBO will reject: "
        + short_title(rows["name"].str.replace(r"[\t\r\n]", " ", regex=True)),
        detail="Name " + pd.Series(why, index=rows.index),
        suggested_action="Rename the product (at most 100 characters, no ':' tab or newline)",
        severity=pd.Series(np.where(active, "medium", "low"), index=rows.index),
        confidence=0.99,
    )
