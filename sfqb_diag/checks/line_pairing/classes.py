"""Name every line difference: what a sync did to a Salesforce line on its way to the invoice.

All arithmetic is in integer cents; a unit price is judged through Qty x UnitPrice. A difference
of at most `tol` cents on a line is rounding (info). Classes, checked in this order:
  currency_mismatch  the invoice's currency is not the opportunity's (numbers copied as they were)
  changed_after_sync edited on either side after the last sync (partial_sync's "stale"; no finding here)
  generic_item       the line landed on an item no product links to (the connector's default item)
  rounding           within tolerance but not to the cent (info)
  discount_moved     the line's discount missing, an invoice DiscountLine worth the same (info)
  discount_dropped   the line's discount missing, nothing in its place (a 10% discount dropped on
                     every line looks like an 11.1% tax ratio: discounts are named first)
  tax_inclusive      every line of the invoice off by one ratio that looks like a tax rate
  list_price_pushed  billed at the price book's list price instead of the sales price
  quantity_drift     the quantity differs
  unit_price_drift   the same quantity at another price
  missing_line / extra_line / extra_discount (a DiscountLine that no Salesforce discount explains)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.ids import member

SEVERITY = {
    "currency_mismatch": "critical",
    "tax_inclusive": "high",
    "discount_dropped": "high",
    "list_price_pushed": "high",
    "quantity_drift": "high",
    "unit_price_drift": "high",
    "missing_line": "high",
    "extra_line": "high",
    "extra_discount": "high",
    "generic_item": "medium",
    "discount_moved": "info",
    "rounding": "info",
}
_TAX_RANGE = (1.01, 1.35)
_FIVE_MINUTES = pd.Timedelta(
    minutes=5
)  # the default stale_minutes  # sales taxes / VAT / GST from 1% to 35%


def classify(
    pairs: pd.DataFrame, discounts: pd.Series, tol: int, stale_after: pd.Timedelta = _FIVE_MINUTES
) -> pd.DataFrame:
    """Add delta_cents (QBO minus Salesforce, signed) and diff_class to the pairs of pair_lines.

    A Salesforce line edited after the opportunity's last sync (beyond `stale_after`) differs
    because the sync has not run since: class changed_after_sync, which partial_sync reports."""
    out = pairs.copy()
    sf = out["sf_cents"].astype("Float64")
    qb = out["qb_cents"].astype("Float64")
    paired = out["sf_line_id"].notna() & out["qb_line_id"].notna()
    out["delta_cents"] = (qb.fillna(0) - sf.fillna(0)).round().astype("int64")
    off = out["delta_cents"].abs() > tol
    same_qty = (out["qb_qty"].fillna(out["sf_qty"]) - out["sf_qty"]).abs().lt(1e-9).fillna(False)
    currency = (
        (
            out["opp_currency"].notna()
            & out["inv_currency"].notna()
            & (out["opp_currency"] != out["inv_currency"])
        )
        .fillna(False)
        .astype(bool)
    )
    tax = _tax_invoices(out, paired, off, same_qty)
    no_disc = (
        (out["qb_cents"].astype("Float64") - out["sf_gross_cents"]).abs().le(tol).fillna(False)
    )
    dropped = paired & off & (out["sf_discount"] > 0).fillna(False) & no_disc & same_qty
    moved = _moved(out, dropped, discounts, tol)
    list_price = (
        paired
        & off
        & same_qty
        & (out["sf_list"] - out["sf_unit"]).abs().ge(0.005).fillna(False)
        & (
            (out["qb_cents"].astype("Float64") - np.round(out["sf_qty"] * out["sf_list"] * 100))
            .abs()
            .le(tol)
            .fillna(False)
        )
    )
    # Paired by amount or by leftover order onto an item that is not the product's: the wrong item.
    wrong_item = out["step"].isin([3, 4]) & (
        out["item_id"].astype("string") != out["key_item"].astype("string")
    ).fillna(True)
    stale = _changed_after_sync(out, stale_after)
    conditions = [
        currency.to_numpy(),
        (stale & off).to_numpy().astype(bool),
        wrong_item.to_numpy(),
        out["qb_line_id"].isna().to_numpy(),
        out["sf_line_id"].isna().to_numpy(),
        (paired & ~off & (out["delta_cents"] != 0)).to_numpy(),
        (paired & ~off).to_numpy(),
        moved.to_numpy(),
        dropped.to_numpy(),
        (tax & paired & off).to_numpy(),
        list_price.to_numpy(),
        (paired & ~same_qty).to_numpy(),
    ]
    classes = [
        "currency_mismatch",
        "changed_after_sync",
        "generic_item",
        "missing_line",
        "extra_line",
        "rounding",
        "equal",
        "discount_moved",
        "discount_dropped",
        "tax_inclusive",
        "list_price_pushed",
        "quantity_drift",
    ]
    out["diff_class"] = np.select(conditions, classes, "unit_price_drift")
    # Amounts in another currency are not a delta in this one: the whole Salesforce amount is at stake.
    wrong_currency = out["diff_class"] == "currency_mismatch"
    out.loc[wrong_currency, "delta_cents"] = -sf[wrong_currency].fillna(0).round().astype("int64")
    return pd.concat([out, _discount_rows(out, discounts)], ignore_index=True)


def _changed_after_sync(out: pd.DataFrame, stale_after: pd.Timedelta) -> pd.Series:
    """Rows edited on either side after the opportunity's last sync: the Salesforce line, or the
    invoice (LastUpdatedTime later and SyncToken moved). partial_sync reports these as stale (one
    side) and sync_jobs as lost updates (both): the same rule as theirs, so each is reported once.
    A write-back bumps LastModifiedDate a few seconds past the stamp, hence `stale_after`."""
    stamp = pd.to_datetime(out["last_sync"], utc=True) + stale_after
    sf = (pd.to_datetime(out["sf_modified"], utc=True) > stamp).fillna(False)
    token = out["inv_sync_token"].notna() & ~member(out["inv_sync_token"], ["", "0"])
    qb = (pd.to_datetime(out["inv_updated"], utc=True) > stamp).fillna(False) & token
    return (sf | qb).astype(bool)


def _tax_invoices(
    out: pd.DataFrame, paired: pd.Series, off: pd.Series, same_qty: pd.Series
) -> pd.Series:
    """Rows of invoices where every paired line is off by one ratio in the tax range, same quantity.

    One line alone is not enough (a one-line price change looks the same) unless the invoice is
    flagged TaxInclusive in QBO."""
    p = out[paired]
    ratio = p["qb_cents"].astype("float64") / p["sf_cents"].astype("float64").where(
        p["sf_cents"] != 0
    )
    g = pd.DataFrame(
        {
            "inv": p["invoice_id"],
            "ratio": ratio,
            "off": off[paired],
            "q": same_qty[paired],
            "qb": p["qb_cents"].astype("float64"),
            "sf": p["sf_cents"].astype("float64"),
        }
    )
    agg = g.groupby("inv").agg(
        n=("off", "size"),
        n_off=("off", "sum"),
        q=("q", "all"),
        qb=("qb", "sum"),
        sf=("sf", "sum"),
        lo=("ratio", "min"),
        hi=("ratio", "max"),
    )
    overall = agg["qb"] / agg["sf"].where(agg["sf"] != 0)
    in_range = overall.between(*_TAX_RANGE) | (1 / overall).between(*_TAX_RANGE)
    # Per-line cents rounding moves a line's ratio by at most 1 cent over its amount.
    consistent = (agg["hi"] - agg["lo"]) <= 0.002
    flag = (
        out.drop_duplicates("invoice_id")
        .set_index("invoice_id")["global_tax_calculation"]
        .reindex(agg.index)
    )
    inclusive = flag.fillna("").astype(str).str.lower().eq("taxinclusive")
    ok = (
        (agg["n_off"] == agg["n"])
        & agg["q"]
        & in_range
        & consistent
        & ((agg["n"] >= 2) | inclusive)
    )
    return member(out["invoice_id"], ok[ok].index)


def _moved(out: pd.DataFrame, dropped: pd.Series, discounts: pd.Series, tol: int) -> pd.Series:
    """Dropped line discounts that an invoice-level DiscountLine pays back in full (within tol per line)."""
    lost = (out["sf_gross_cents"] - out["sf_cents"]).where(dropped, 0)
    per_invoice = lost.groupby(out["invoice_id"]).sum()
    count = dropped.groupby(out["invoice_id"]).sum()
    given = discounts.reindex(per_invoice.index).fillna(0)
    covered = (given > 0) & ((given - per_invoice).abs() <= tol * count.clip(lower=1))
    return dropped & out["invoice_id"].map(covered).fillna(False).astype(bool)


def _discount_rows(out: pd.DataFrame, discounts: pd.Series) -> pd.DataFrame:
    """One row per invoice DiscountLine: it belongs to discount_moved when it stands for dropped
    line discounts, else it is an extra discount (billing less than the deal says)."""
    if discounts.empty:
        return pd.DataFrame(columns=out.columns)
    scope = out.drop_duplicates("invoice_id").set_index("invoice_id")
    disc = discounts[discounts.index.isin(scope.index) & (discounts != 0)]
    if disc.empty:
        return pd.DataFrame(columns=out.columns)
    moved_inv = set(out.loc[out["diff_class"] == "discount_moved", "invoice_id"])
    currency_inv = set(out.loc[out["diff_class"] == "currency_mismatch", "invoice_id"])
    cls = np.where(
        disc.index.isin(list(currency_inv)),
        "currency_mismatch",
        np.where(disc.index.isin(list(moved_inv)), "discount_moved", "extra_discount"),
    )
    keep = [
        "opportunity_id",
        "opp_name",
        "opp_currency",
        "inv_currency",
        "doc_number",
        "global_tax_calculation",
    ]
    rows = scope.loc[disc.index, keep].reset_index()
    rows["qb_line_id"] = "discount"
    rows["item_name"] = "Invoice discount"
    rows["qb_cents"] = -disc.to_numpy()
    rows["delta_cents"] = -disc.to_numpy()
    rows["diff_class"] = cls
    return rows


def waterfall(classified: pd.DataFrame) -> pd.DataFrame:
    """From Salesforce line totals to invoiced pre-tax amounts, per currency: one step per class.

    Returns currency, step, cents (signed), kind ('start' | 'change' | 'end'). The end equals the
    invoices' sales lines net of their transaction-level discounts.
    """
    rows = []
    data = (
        classified
        if "currency" in classified
        else classified.assign(
            currency=classified["opp_currency"].fillna(classified["inv_currency"])
        )
    )
    for currency, part in data.groupby("currency"):
        start = int(part["sf_cents"].fillna(0).sum())
        changes = part[part["diff_class"] != "equal"].groupby("diff_class")["delta_cents"].sum()
        rows.append(
            {
                "currency": currency,
                "step": "Salesforce line totals",
                "cents": start,
                "kind": "start",
            }
        )
        rows += [
            {"currency": currency, "step": c.replace("_", " "), "cents": int(v), "kind": "change"}
            for c, v in changes.items()
            if v != 0
        ]
        rows.append(
            {
                "currency": currency,
                "step": "Invoiced (pre-tax)",
                "cents": start + int(changes.sum()),
                "kind": "end",
            }
        )
    return pd.DataFrame(rows, columns=["currency", "step", "cents", "kind"])
