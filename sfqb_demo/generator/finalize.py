"""Derived fields computed once after all defects: invoice subtotals and totals, balances, the
Salesforce reference in PrivateNote, customer balances."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator.world import World


def subtotals(w: World) -> pd.Series:
    """Pre-tax subtotal per invoice Id: sales lines plus group children (a group header's own
    amount is the sum of its children, so it is not counted twice)."""
    lines = w.qb["inv_lines"]
    sales = lines[~lines["is_group"]] if "is_group" in lines else lines
    return sales.groupby("txn")["amount"].sum()


def finalize(w: World) -> None:
    """Fill the fields that follow from others, so defects only change what they mean to."""
    inv, opp = w.qb["invoices"], w.sf["opps"]
    lines = w.qb["inv_lines"]
    if "is_group" not in lines:
        lines["is_group"] = False
    sub = subtotals(w).reindex(inv["Id"], fill_value=0).to_numpy()
    inv["subtotal"] = sub
    total = sub - inv["discount"].to_numpy() + inv["tax"].to_numpy()
    override = inv["total_override"].to_numpy()
    inv["total"] = np.where(override >= 0, override, total)
    inv["balance"] = np.maximum(inv["total"].to_numpy() - inv["paid"].to_numpy(), 0)
    inv["home_total"] = np.round(inv["total"].to_numpy() * inv["rate"].to_numpy()).astype(np.int64)
    note = inv["PrivateNote"]
    need = note.isna().to_numpy() & (inv["_opp"].to_numpy() >= 0)
    refs = opp["Id"].to_numpy()[inv["_opp"].to_numpy()[need]]
    note = note.astype(object)
    note[need] = ("SF Opportunity " + pd.Series(refs, dtype=object)).to_numpy()
    inv["PrivateNote"] = note.fillna("")
    cust = w.qb["customers"]
    live = inv[~inv["_deleted"]]
    bal = live.groupby("cust")["balance"].sum()
    cust["Balance"] = bal.reindex(cust["Id"], fill_value=0).to_numpy()
    pay = w.qb["payments"]
    applied = (
        w.qb["paylinks"].groupby("pay")["amount"].sum().reindex(pay["Id"], fill_value=0).to_numpy()
    )
    pay["unapplied"] = pay["total"].to_numpy() - applied
