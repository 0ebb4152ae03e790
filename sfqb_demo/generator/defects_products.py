"""products: Product2 <-> Item links, item problems, price drift, and the line-level
differences between opportunity lines and invoice lines — with the equivalent representations
that are not defects (discount moved to the invoice level, tax added by QBO, sub-cent rounding,
a bundle shown as a group line, a price within tolerance, two products sharing a code)."""

from __future__ import annotations

import numpy as np

from sfqb_demo.generator import defects_lines
from sfqb_demo.generator import factory as fx
from sfqb_demo.generator.pools import linked_accounts, sf_ids
from sfqb_demo.generator.world import AS_OF_TS, DAY, World, cell, scaled

AREA = "products"


def _linked_products(w: World, stocked: bool | None = None, min_price: int = 0) -> np.ndarray:
    prod = w.sf["products"]
    ok = (
        w.free("products")
        & (prod["_item"].to_numpy() > 0)
        & prod["IsActive"].to_numpy().astype(bool)
    )
    ok &= prod["QBO_Item_Id__c"].to_numpy() == prod["_item"].astype(str).to_numpy()
    ok &= w.free("items")[np.maximum(prod["_item"].to_numpy() - 1, 0)]
    ok &= prod["_list_usd"].to_numpy() >= min_price
    if stocked is not None:
        ok &= (prod["_item_type"].to_numpy() == "Inventory") == stocked
    return ok


def _take(w: World, n: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = w.pick("products", mask, n)
    items = w.sf["products"]["_item"].to_numpy()[rows]
    w.mark("items", items - 1)
    return rows, items


def inject(w: World) -> None:
    _links(w)
    _items(w)
    _prices(w)
    _names(w)
    defects_lines.inject(w)


def _links(w: World) -> None:
    prod = w.sf["products"]
    rows, items = _take(w, scaled(w.size, 5), _linked_products(w))
    prod.loc[rows, "QBO_Item_Id__c"] = ""
    w.truth.defect(
        AREA,
        "unlinked_product_with_match",
        "medium",
        sf=sf_ids(w, "products", rows),
        qb_entity="Item",
        qb=items,
        n=len(rows),
    )
    rows, items = _take(w, scaled(w.size, 3), _linked_products(w))
    wrong, witems = _take(w, len(rows), _linked_products(w))
    prod.loc[rows, "QBO_Item_Id__c"] = witems.astype(str)
    w.truth.defect(
        AREA,
        "mislinked_product",
        "medium",
        sf=sf_ids(w, "products", rows),
        qb_entity="Item",
        qb=witems,
    )
    w.truth.touch(sf=sf_ids(w, "products", wrong))
    rows, _ = _take(w, scaled(w.size, 2), _linked_products(w))
    prod.loc[rows, "QBO_Item_Id__c"] = (
        int(w.qb["items"]["Id"].max()) + 400 + np.arange(len(rows))
    ).astype(str)
    w.truth.defect(
        AREA, "link_to_missing_item", "medium", sf=sf_ids(w, "products", rows), n=len(rows)
    )
    # An active product with open deals whose item was made inactive: the next sync fails (610).
    opp, lines = w.sf["opps"], w.sf["lines"]
    open_prod = np.unique(
        lines["_prod"].to_numpy()[~opp["IsClosed"].to_numpy()[lines["_opp"].to_numpy()]]
    )
    rows, items = _take(
        w, scaled(w.size, 3), _linked_products(w) & np.isin(np.arange(len(prod)), open_prod)
    )
    it = w.qb["items"]
    it.loc[items - 1, "Active"] = False
    it.loc[items - 1, "Name"] = it.loc[items - 1, "Name"].str.slice(0, 90) + " (deleted)"
    w.truth.defect(
        AREA,
        "link_to_inactive_item",
        "medium",
        sf=sf_ids(w, "products", rows),
        qb_entity="Item",
        qb=items,
    )
    # Two products sharing a ProductCode (Salesforce allows it); each is linked to its own item.
    a, aitems = _take(w, scaled(w.size, 2), _linked_products(w))
    b, bitems = _take(w, len(a), _linked_products(w))
    prod.loc[b, "ProductCode"] = prod["ProductCode"].to_numpy()[a]
    for pa, pb, ia, ib in zip(a, b, aitems, bitems, strict=True):
        w.truth.pair("products", cell(prod, pb, "Id"), ia, "hard_negative", "unlinked")
        w.truth.pair("products", cell(prod, pa, "Id"), ib, "hard_negative", "unlinked")
    w.truth.lookalike(
        AREA,
        "shared_product_code",
        sf=sf_ids(w, "products", np.concatenate([a, b])),
        qb_entity="Item",
        qb=np.concatenate([aitems, bitems]),
    )


def _items(w: World) -> None:
    it, prod = w.qb["items"], w.sf["products"]
    rows, items = _take(w, scaled(w.size, 3), _linked_products(w, stocked=True))
    it.loc[items - 1, "QtyOnHand"] = -w.rng.integers(1, 25, len(items))
    w.truth.defect(
        AREA,
        "inventory_below_zero",
        "low",
        sf=sf_ids(w, "products", rows),
        qb_entity="Item",
        qb=items,
    )
    rows, items = _take(w, scaled(w.size, 2), _linked_products(w, stocked=True))
    it.loc[items - 1, "QtyOnHand"] = 0
    w.truth.lookalike(
        AREA, "inventory_at_zero", sf=sf_ids(w, "products", rows), qb_entity="Item", qb=items
    )
    rows, items = _take(w, scaled(w.size, 2), _linked_products(w, stocked=False))
    it.loc[items - 1, "income"] = ""
    w.truth.defect(
        AREA,
        "item_missing_income_account",
        "medium",
        sf=sf_ids(w, "products", rows),
        qb_entity="Item",
        qb=items,
    )
    # Duplicate items: a connector matched ProductCode to Item.Name and created an item named by the code.
    rows, items = _take(w, scaled(w.size, 3), _linked_products(w))
    src = it.iloc[items - 1].copy()
    new_ids = w.next_qb_id("items", len(rows))
    src["Id"], src["Name"], src["_prod"] = new_ids, prod["ProductCode"].to_numpy()[rows], -1
    src["create"] = np.minimum(prod["modified"].to_numpy()[rows] + 3600, AS_OF_TS - DAY)
    src["update"] = src["create"]
    w.mark("items", w.append("items", src.reset_index(drop=True)))
    w.truth.defect(
        AREA, "duplicate_item", "low", sf=sf_ids(w, "products", rows), qb_entity="Item", qb=new_ids
    )
    w.truth.touch(qb_entity="Item", qb=items)


def _prices(w: World) -> None:
    """Item.UnitPrice vs the standard USD PricebookEntry: drift beyond 1%, or within it."""
    it = w.qb["items"]
    rows, items = _take(w, scaled(w.size, 6), _linked_products(w, min_price=20000))
    factor = 1 + w.rng.choice([-1, 1], len(rows)) * w.rng.uniform(0.05, 0.2, len(rows))
    old = it["UnitPrice"].to_numpy()[items - 1]
    it.loc[items - 1, "UnitPrice"] = (np.round(old * factor / 100) * 100).astype(np.int64)
    w.truth.defect(
        AREA, "price_drift", "low", sf=sf_ids(w, "products", rows), qb_entity="Item", qb=items
    )
    rows, items = _take(w, scaled(w.size, 3), _linked_products(w, min_price=50000))
    old = it["UnitPrice"].to_numpy()[items - 1]
    it.loc[items - 1, "UnitPrice"] = old + np.maximum(
        100, (old * 0.004).astype(np.int64) // 100 * 100
    )
    w.truth.lookalike(
        AREA, "price_within_tolerance", sf=sf_ids(w, "products", rows), qb_entity="Item", qb=items
    )


def _names(w: World) -> None:
    """Names QBO will reject (over 100 characters, or a ':'), on unlinked products never synced;
    and long names that still fit."""
    prod, it = w.sf["products"], w.qb["items"]
    bad = []
    for k in range(scaled(w.size, 2)):
        base = "Northwind Field Kit " + str(k + 1)
        name = (
            base
            + " - Extended Enterprise Edition with Priority Onboarding, Premium SLA, Regional Data Residency and 24/7 Coverage"
            if k % 2 == 0
            else "Bundle: " + base
        )
        bad.append(fx.new_product(w, name, f"KIT-{k + 1:03d}", "Hardware", 1850_00, "Inventory"))
    acc_rows = w.pick("accounts", linked_accounts(w), len(bad))
    opps = [
        fx.new_opp(
            w, int(a), AS_OF_TS - 12 * DAY, 0, np.array([p]), np.array([2]), label="Field Kit"
        )
        for a, p in zip(acc_rows, bad, strict=False)
    ]
    w.truth.defect(
        AREA, "invalid_item_name", "medium", sf=sf_ids(w, "products", np.array(bad)), n=len(bad)
    )
    w.truth.touch(sf=sf_ids(w, "opps", np.array(opps, dtype=np.int64)))
    prod = w.sf["products"]
    rows, items = _take(w, scaled(w.size, 2), _linked_products(w))
    pad = " - Professional Edition incl. Installation, Training and Support"
    fit = (prod["Name"].to_numpy()[rows] + pad).astype(str)
    fit = np.array([s[:100].rstrip() for s in fit], dtype=object)
    prod.loc[rows, "Name"] = fit
    it.loc[items - 1, "Name"] = fit
    w.truth.lookalike(
        AREA, "long_name_within_limit", sf=sf_ids(w, "products", rows), qb_entity="Item", qb=items
    )
