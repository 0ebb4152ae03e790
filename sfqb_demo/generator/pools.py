"""Candidate pools for defects and look-alikes: records still untouched, with the shape a
defect needs (a linked invoiced opportunity, an unpaid invoice, a linked account...)."""

from __future__ import annotations

import numpy as np

from sfqb_demo.generator.factory import inv_rows
from sfqb_demo.generator.world import World


def invoiced_opps(w: World, unpaid: bool = False, min_lines: int = 1) -> np.ndarray:
    """Mask over opportunities: won, linked to an untouched integration invoice."""
    opp, inv = w.sf["opps"], w.qb["invoices"]
    iid = opp["_inv"].to_numpy()
    ok = (iid > 0) & w.free("opps")
    rows = inv_rows(np.where(ok, iid, 1))
    ok &= (
        w.free("invoices")[rows]
        & (inv["_origin"].to_numpy()[rows] == "sync")
        & ~inv["_deleted"].to_numpy()[rows]
    )
    if unpaid:
        ok &= inv["paid"].to_numpy()[rows] == 0
    if min_lines > 1:
        counts = (
            w.sf["lines"].groupby("_opp").size().reindex(range(len(opp)), fill_value=0).to_numpy()
        )
        ok &= counts >= min_lines
    return ok


def take_opps(w: World, n: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pick opportunities from a mask; their invoices are marked used too. (rows, invoice Ids)."""
    rows = w.pick("opps", mask, n)
    iids = w.sf["opps"]["_inv"].to_numpy()[rows]
    w.mark("invoices", inv_rows(iids[iids > 0]))
    return rows, iids


def linked_accounts(w: World, with_invoices: bool = True) -> np.ndarray:
    """Mask over accounts linked (correctly) to an untouched integration customer."""
    acc, cust = w.sf["accounts"], w.qb["customers"]
    cid = acc["_cust"].to_numpy()
    ok = (cid > 0) & w.free("accounts") & ~acc["IsDeleted"].to_numpy().astype(bool)
    ok &= acc["QBO_Customer_Id__c"].to_numpy() == np.where(cid > 0, cid, -1).astype(str)
    crow = np.where(ok, cid - 1, 0)
    ok &= w.free("customers")[crow] & (cust["_origin"].to_numpy()[crow] == "sync")
    if with_invoices:
        has = np.zeros(len(acc), dtype=bool)
        inv = w.qb["invoices"]
        has_c = set(inv.loc[~inv["_deleted"], "cust"])
        has = np.isin(cid, list(has_c))
        ok &= has
    return ok


def take_accounts(w: World, n: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pick accounts; their customers are marked used. (rows, customer Ids)."""
    rows = w.pick("accounts", mask, n)
    cids = w.sf["accounts"]["_cust"].to_numpy()[rows]
    w.mark("customers", cids[cids > 0] - 1)
    return rows, cids


def sf_ids(w: World, table: str, rows: np.ndarray) -> np.ndarray:
    return w.sf[table]["Id"].to_numpy()[np.asarray(rows, dtype=np.int64)]
