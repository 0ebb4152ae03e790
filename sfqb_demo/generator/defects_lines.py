"""products, line level: every way an invoice's lines can differ from the opportunity's, and the
representations that only look different (the totals agree)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import factory as fx
from sfqb_demo.generator.invoicing import _cents_txt
from sfqb_demo.generator.pools import invoiced_opps, sf_ids, take_accounts, take_opps
from sfqb_demo.generator.world import World, cell, scaled

AREA = "products"
# A Salesforce line dropped from an invoice whose other lines arrived is a partial sync (DESIGN.md:
# "missing invoices or lines"); every other line difference is the products area's.
AREA_OF = {"missing_line": "partial_sync"}
US_TAX = 0.0825


def _first_qline(w: World, iids: np.ndarray) -> np.ndarray:
    q = w.qb["inv_lines"]
    return q.reset_index().groupby("txn")["index"].min().reindex(iids).to_numpy()


def _qline_of(w: World, oli: np.ndarray) -> np.ndarray:
    """The invoice line copied from each opportunity line, on the opportunity's linked invoice."""
    q, lines, opp = w.qb["inv_lines"], w.sf["lines"], w.sf["opps"]
    want = opp["_inv"].to_numpy()[lines["_opp"].to_numpy()[oli]]
    pos = pd.Series(
        np.arange(len(q)),
        index=pd.MultiIndex.from_arrays([q["_oli"].to_numpy(), q["txn"].to_numpy()]),
    )
    pos = pos[~pos.index.duplicated()]
    return (
        pos.reindex(pd.MultiIndex.from_arrays([np.asarray(oli), want])).to_numpy().astype(np.int64)
    )


def _unit(w: World, qrows: np.ndarray) -> np.ndarray:
    q = w.qb["inv_lines"]
    return q["amount"].to_numpy()[qrows] // q["qty"].to_numpy()[qrows].astype(np.int64)


def _subcent_txt(total: int, qty: int) -> str:
    return f"{total / 100 / qty:.7f}".rstrip("0").rstrip(".")


def _pairs(w: World, n: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, iids = take_opps(w, n, mask)
    return rows, iids, sf_ids(w, "opps", rows)


def _defect(
    w: World, kind: str, sev: str, rows: np.ndarray, iids: np.ndarray, cents: np.ndarray | None
) -> None:
    w.truth.defect(
        AREA_OF.get(kind, AREA),
        kind,
        sev,
        sf=sf_ids(w, "opps", rows),
        qb_entity="Invoice",
        qb=iids,
        cents=cents,
        currency=w.sf["opps"]["CurrencyIsoCode"].to_numpy()[rows],
        n=len(rows),
    )


def _line_mask(w: World, cond: np.ndarray) -> np.ndarray:
    """Opportunities having at least one Salesforce line meeting cond."""
    lines = w.sf["lines"]
    has = np.zeros(len(w.sf["opps"]), dtype=bool)
    has[lines["_opp"].to_numpy()[cond]] = True
    return has


def _chosen_line(w: World, rows: np.ndarray, cond: np.ndarray) -> np.ndarray:
    lines = w.sf["lines"]
    sel = lines[cond & np.isin(lines["_opp"].to_numpy(), rows)]
    return sel.reset_index().groupby("_opp")["index"].min().reindex(rows).to_numpy()


def inject(w: World) -> None:
    _currency(w)
    _drifts(w)
    _discounts(w)
    _tax(w)
    _lines(w)
    _bundles(w)


def _currency(w: World) -> None:
    """The integration ignored currency: a EUR/CAD/GBP account's customer and invoices in USD
    with the same numbers."""
    acc, inv = w.sf["accounts"], w.qb["invoices"]
    free_inv = pd.Series(w.free("invoices")).groupby(inv["cust"].to_numpy()).all()
    ok_cust = free_inv[free_inv].index.to_numpy()
    n_inv = inv.groupby("cust").size()
    small = n_inv[n_inv <= 3].index.to_numpy()
    cid = acc["_cust"].to_numpy()
    mask = (
        (acc["CurrencyIsoCode"].to_numpy() != "USD") & np.isin(cid, ok_cust) & np.isin(cid, small)
    )
    from sfqb_demo.generator.pools import linked_accounts

    rows, cids = take_accounts(w, scaled(w.size, 3), mask & linked_accounts(w))
    w.qb["customers"].loc[cids - 1, "currency"] = "USD"
    sel = inv["cust"].isin(cids).to_numpy() & ~inv["_deleted"].to_numpy()
    inv.loc[sel, ["currency", "rate"]] = ["USD", 1.0]
    pay = w.qb["payments"]
    pay.loc[pay["cust"].isin(cids), "currency"] = "USD"
    iids = inv["Id"].to_numpy()[sel]
    orow = inv["_opp"].to_numpy()[sel]
    w.mark("invoices", np.flatnonzero(sel))
    w.mark("opps", orow[orow >= 0])
    keep = orow >= 0
    _defect(
        w, "currency_mismatch", "high", orow[keep], iids[keep], fx.invoice_totals(w, iids[keep])
    )
    w.truth.touch(sf=sf_ids(w, "accounts", rows), qb_entity="Customer", qb=cids)
    w.truth.touch(qb_entity="Payment", qb=pay.loc[pay["cust"].isin(cids), "Id"].to_numpy())


def _drifts(w: World) -> None:
    q = w.qb["inv_lines"]
    rows, iids, _ = _pairs(w, scaled(w.size, 6), invoiced_opps(w, unpaid=True))
    qr = _first_qline(w, iids)
    unit, k = _unit(w, qr), w.rng.integers(1, 4, len(qr))
    q.loc[qr, "qty"] += k
    q.loc[qr, "amount"] += k * unit
    _defect(w, "quantity_drift", "high", rows, iids, k * unit)
    rows, iids, _ = _pairs(w, scaled(w.size, 5), invoiced_opps(w, unpaid=True))
    qr = _first_qline(w, iids)
    unit = _unit(w, qr)
    new = np.round(unit * w.rng.uniform(1.05, 1.2, len(qr))).astype(np.int64)
    q.loc[qr, "unit_txt"] = _cents_txt(new)
    q.loc[qr, "amount"] = new * q["qty"].to_numpy()[qr].astype(np.int64)
    _defect(
        w,
        "unit_price_drift",
        "high",
        rows,
        iids,
        (new - unit) * q["qty"].to_numpy()[qr].astype(np.int64),
    )
    rows, iids, _ = _pairs(w, scaled(w.size, 3), invoiced_opps(w, unpaid=True))
    qr = _first_qline(w, iids)
    q.loc[qr, "item"] = 1  # QBO's default "Services" item
    _defect(w, "generic_item_used", "medium", rows, iids, None)


def _discounts(w: World) -> None:
    lines, q = w.sf["lines"], w.qb["inv_lines"]
    disc = lines["Discount"].to_numpy() > 0
    rows, iids, _ = _pairs(
        w, scaled(w.size, 5), invoiced_opps(w, unpaid=True) & _line_mask(w, disc)
    )
    li = _chosen_line(w, rows, disc)
    qr = _qline_of(w, li)
    q.loc[qr, "unit_txt"] = _cents_txt(lines["UnitPrice"].to_numpy()[li])
    q.loc[qr, "amount"] = lines["Subtotal"].to_numpy()[li]
    _defect(
        w,
        "discount_dropped",
        "high",
        rows,
        iids,
        lines["Subtotal"].to_numpy()[li] - lines["TotalPrice"].to_numpy()[li],
    )
    # Look-alike: the discount moved to one invoice-level DiscountLine, totals equal.
    rows, iids, ids = _pairs(
        w, scaled(w.size, 5), invoiced_opps(w, unpaid=True) & _line_mask(w, disc)
    )
    sel = lines[disc & np.isin(lines["_opp"].to_numpy(), rows)]
    qr = _qline_of(w, sel.index.to_numpy())
    q.loc[qr, "unit_txt"] = _cents_txt(sel["UnitPrice"].to_numpy())
    q.loc[qr, "amount"] = sel["Subtotal"].to_numpy()
    moved = (
        (sel["Subtotal"] - sel["TotalPrice"]).groupby(sel["_opp"]).sum().reindex(rows).to_numpy()
    )
    w.qb["invoices"].loc[fx.inv_rows(iids), "discount"] = moved
    w.truth.lookalike(AREA, "discount_moved_to_invoice_level", sf=ids, qb_entity="Invoice", qb=iids)
    # List price pushed instead of the negotiated sales price.
    neg = (lines["UnitPrice"].to_numpy() < lines["ListPrice"].to_numpy()) & ~disc
    rows, iids, _ = _pairs(w, scaled(w.size, 4), invoiced_opps(w, unpaid=True) & _line_mask(w, neg))
    li = _chosen_line(w, rows, neg)
    qr = _qline_of(w, li)
    lp, qty = lines["ListPrice"].to_numpy()[li], lines["Quantity"].to_numpy()[li]
    q.loc[qr, "unit_txt"] = _cents_txt(lp)
    q.loc[qr, "amount"] = lp * qty
    _defect(
        w, "list_price_pushed", "high", rows, iids, (lp - lines["UnitPrice"].to_numpy()[li]) * qty
    )
    _subcent(w)


def _subcent(w: World) -> None:
    """Look-alike: an odd discount gives a net unit price with sub-cent digits; QBO keeps the
    extra decimals and Amount = TotalPrice to the cent."""
    lines, q, opp = w.sf["lines"], w.qb["inv_lines"], w.sf["opps"]
    cond = np.isin(lines["Quantity"].to_numpy(), [3, 6, 7, 9, 11, 12]) & (
        lines["Discount"].to_numpy() == 0
    )
    rows, iids, ids = _pairs(
        w, scaled(w.size, 5), invoiced_opps(w, unpaid=True) & _line_mask(w, cond)
    )
    li = _chosen_line(w, rows, cond)
    qr = _qline_of(w, li)
    lines["Discount"] = lines["Discount"].astype(float)
    for k, (line, qline) in enumerate(zip(li, qr, strict=True)):
        d = 7.5 if k % 2 == 0 else 12.5
        qty, unit = int(cell(lines, line, "Quantity")), int(cell(lines, line, "UnitPrice"))
        total = (
            qty * unit * (1000 - int(d * 10)) + 500
        ) // 1000  # Salesforce rounds half up to the cent
        opp.at[rows[k], "Amount"] += total - int(cell(lines, line, "TotalPrice"))
        lines.loc[line, ["Discount", "TotalPrice"]] = [d, total]
        q.loc[qline, ["unit_txt", "amount"]] = [_subcent_txt(total, qty), total]
    w.truth.lookalike(AREA, "subcent_rounding", sf=ids, qb_entity="Invoice", qb=iids)


def _tax(w: World) -> None:
    """US sales tax: added by QBO on top (fine), or net prices treated as tax-inclusive (wrong)."""
    inv, q, opp = w.qb["invoices"], w.qb["inv_lines"], w.sf["opps"]
    usd = opp["CurrencyIsoCode"].to_numpy() == "USD"
    rows, iids, ids = _pairs(w, scaled(w.size, 6), invoiced_opps(w, unpaid=True) & usd)
    sub = fx.invoice_totals(w, iids)
    inv.loc[fx.inv_rows(iids), "tax"] = np.round(sub * US_TAX).astype(np.int64)
    inv.loc[fx.inv_rows(iids), "tax_mode"] = "TaxExcluded"
    w.truth.lookalike(AREA, "tax_added_by_qbo", sf=ids, qb_entity="Invoice", qb=iids)
    rows, iids, _ = _pairs(w, scaled(w.size, 3), invoiced_opps(w, unpaid=True) & usd)
    sel = np.flatnonzero(q["txn"].isin(iids).to_numpy())
    gross = fx.invoice_totals(w, iids)
    for r in sel:
        net = round(cell(q, r, "amount") / (1 + US_TAX))
        q.loc[r, ["amount", "unit_txt"]] = [net, _subcent_txt(net, int(cell(q, r, "qty")))]
    net_sub = fx.invoice_totals(w, iids)
    inv.loc[fx.inv_rows(iids), "tax"] = gross - net_sub
    inv.loc[fx.inv_rows(iids), "tax_mode"] = "TaxInclusive"
    _defect(w, "tax_inclusive_mismatch", "high", rows, iids, gross - net_sub)


def _lines(w: World) -> None:
    q = w.qb["inv_lines"]
    rows, iids, _ = _pairs(w, scaled(w.size, 4), invoiced_opps(w, unpaid=True, min_lines=2))
    last = q.reset_index().groupby("txn")["index"].max().reindex(iids).to_numpy()
    lost = q["amount"].to_numpy()[last]
    w.qb["inv_lines"] = q.drop(index=last).reset_index(drop=True)
    _defect(w, "missing_line", "high", rows, iids, lost)
    q = w.qb["inv_lines"]
    rows, iids, _ = _pairs(w, scaled(w.size, 3), invoiced_opps(w, unpaid=True))
    extra = q.loc[_first_qline(w, iids)].copy()
    extra["_oli"] = -1
    w.append("inv_lines", extra.reset_index(drop=True))
    _defect(w, "extra_line", "high", rows, iids, extra["amount"].to_numpy())


def _bundles(w: World) -> None:
    """Look-alike: a bundle product sold as one Salesforce line appears in QBO as a GroupLineDetail
    whose component lines add up to the same amount."""
    items, prod = w.qb["items"], w.sf["products"]
    rows, iids, ids = _pairs(w, scaled(w.size, 3), invoiced_opps(w, unpaid=True))
    comp_pool = items.loc[
        (items["_prod"] >= 0) & (items["Type"] != "Group") & items["Active"], "Id"
    ].to_numpy()
    for k, (o, iid) in enumerate(zip(rows, iids, strict=True)):
        comps = w.rng.choice(comp_pool, 3, replace=False)
        cprice = items["UnitPrice"].to_numpy()[comps - 1]
        price = int(cprice.sum())
        p = fx.new_product(
            w,
            f"Starter Kit Bundle {chr(65 + k % 26)}{k // 26 or ''}",
            f"BDL-{k + 1:03d}",
            "Bundles",
            price,
            "Group",
        )
        prod = w.sf["products"]
        gid = int(w.next_qb_id("items", 1)[0])
        grow = items.iloc[[comps[0] - 1]].copy()
        grow[
            [
                "Id",
                "Name",
                "Sku",
                "Type",
                "UnitPrice",
                "QtyOnHand",
                "TrackQtyOnHand",
                "income",
                "_prod",
            ]
        ] = [
            gid,
            cell(prod, p, "Name"),
            cell(prod, p, "ProductCode"),
            "Group",
            price,
            -1,
            False,
            "",
            p,
        ]
        w.mark("items", w.append("items", grow.reset_index(drop=True)))
        items = w.qb["items"]
        w.append("item_groups", pd.DataFrame({"group": gid, "child": comps, "qty": 1}))
        prod.loc[p, ["_item", "QBO_Item_Id__c"]] = [gid, str(gid)]
        opp = w.sf["opps"]
        usd = w.sf["pbes"]["UnitPrice"].to_numpy()[
            p * 4 + fx.CURRENCIES.index(cell(opp, o, "CurrencyIsoCode"))
        ]
        line = pd.DataFrame(
            {
                "Id": w.ids.make("OpportunityLineItem", 1),
                "_opp": [o],
                "_prod": [p],
                "_pbe": [p * 4 + fx.CURRENCIES.index(cell(opp, o, "CurrencyIsoCode"))],
                "Quantity": [1],
                "UnitPrice": [usd],
                "ListPrice": [usd],
                "Discount": [0],
                "Subtotal": [usd],
                "TotalPrice": [usd],
                "_net": [usd],
                "SortOrder": [9],
                "CurrencyIsoCode": [cell(opp, o, "CurrencyIsoCode")],
                "created": [cell(opp, o, "created") + 400],
                "modified": [cell(opp, o, "created") + 400],
            }
        )
        oli = w.append("lines", line)
        opp.at[o, "Amount"] += usd
        scale = usd / price
        camt = np.round(cprice * scale).astype(np.int64)
        camt[-1] += usd - camt.sum()
        head = pd.DataFrame(
            {
                "txn": [iid],
                "item": [gid],
                "qty": [1.0],
                "unit_txt": [_cents_txt(np.array([usd]))[0]],
                "amount": [usd],
                "_oli": oli,
                "group": [0],
                "is_group": [True],
                "gkey": [k + 1],
            }
        )
        kids = pd.DataFrame(
            {
                "txn": iid,
                "item": comps,
                "qty": 1.0,
                "unit_txt": _cents_txt(camt),
                "amount": camt,
                "_oli": -1,
                "group": k + 1,
                "is_group": False,
                "gkey": 0,
            }
        )
        w.append("inv_lines", pd.concat([head, kids], ignore_index=True))
    w.truth.lookalike(AREA, "bundle_as_group_line", sf=ids, qb_entity="Invoice", qb=iids)
