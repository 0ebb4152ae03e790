"""partial_sync: Opportunity <-> Invoice link state. Won but not invoiced, links to deleted or
voided invoices, headers without lines, lost write-backs, orphans, stale records, records stuck
in error, payment problems — and their look-alikes (a deal inside the grace period, a write-back
that bumped LastModifiedDate, a hand-made invoice, an error that was retried successfully, a
prepayment, a parent paying its job's invoice)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import factory as fx
from sfqb_demo.generator import synclog
from sfqb_demo.generator.pools import invoiced_opps, sf_ids, take_opps
from sfqb_demo.generator.world import AS_OF_TS, DAY, HOUR, World, cell, scaled

AREA = "partial_sync"
STUCK_CODES = ["6000", "6240", "610", "5010", "6140"]


def _unlink(w: World, rows: np.ndarray, iids: np.ndarray, delete: bool, status: str = "") -> None:
    opp, inv = w.sf["opps"], w.qb["invoices"]
    opp.loc[rows, ["QBO_Invoice_Id__c", "QBO_Sync_Status__c"]] = ["", status]
    opp.loc[rows, ["last_sync", "_inv"]] = 0
    opp.loc[rows, "modified"] = opp.loc[rows, "won_ts"].to_numpy() + 90
    if delete:
        inv.loc[fx.inv_rows(iids), "_deleted"] = True


def inject(w: World) -> None:
    _won_not_invoiced(w)
    _broken_links(w)
    _writebacks(w)
    _stale(w)
    _stuck(w)
    _payments(w)


def _won_not_invoiced(w: World) -> None:
    opp = w.sf["opps"]
    rows, iids = take_opps(w, scaled(w.size, 12), invoiced_opps(w, unpaid=True))
    rows = rows[opp["won_ts"].to_numpy()[rows] < AS_OF_TS - 3 * DAY]
    _unlink(w, rows, opp["_inv"].to_numpy()[rows], delete=True)
    w.truth.defect(
        AREA,
        "won_not_invoiced",
        "high",
        sf=sf_ids(w, "opps", rows),
        cents=opp["Amount"].to_numpy()[rows],
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    # Look-alikes: won in the last 24 hours, not invoiced yet (the sync runs behind).
    look, iids = take_opps(w, scaled(w.size, 4), invoiced_opps(w, unpaid=True))
    won = AS_OF_TS - w.rng.integers(HOUR, 20 * HOUR, len(look))
    opp.loc[look, ["won_ts", "close_day"]] = np.column_stack([won, won // DAY])
    _unlink(w, look, iids, delete=True)
    natural = np.flatnonzero(
        opp["IsWon"].to_numpy()
        & (opp["_inv"].to_numpy() == 0)
        & w.free("opps")
        & (opp["won_ts"].to_numpy() > AS_OF_TS - 24 * HOUR)
    )
    w.mark("opps", natural)
    both = np.concatenate([look, natural])
    w.truth.lookalike(AREA, "won_within_grace", sf=sf_ids(w, "opps", both))


def _broken_links(w: World) -> None:
    opp, inv, lines = w.sf["opps"], w.qb["invoices"], w.qb["inv_lines"]
    rows, iids = take_opps(w, scaled(w.size, 3), invoiced_opps(w, unpaid=True))
    inv.loc[fx.inv_rows(iids), "_deleted"] = True
    w.truth.defect(
        AREA,
        "link_to_missing_invoice",
        "high",
        sf=sf_ids(w, "opps", rows),
        cents=opp["Amount"].to_numpy()[rows],
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    rows, iids = take_opps(w, scaled(w.size, 3), invoiced_opps(w, unpaid=True))
    r = fx.inv_rows(iids)
    sel = lines["txn"].isin(iids).to_numpy()
    lines.loc[sel, ["qty", "amount"]] = [0.0, 0]
    inv.loc[r, "PrivateNote"] = (
        "Voided - " + pd.Series(sf_ids(w, "opps", rows)).radd("SF Opportunity ").to_numpy()
    )
    inv.loc[r, "SyncToken"] += 2
    inv.loc[r, "update"] = np.minimum(inv["create"].to_numpy()[r] + 5 * DAY, AS_OF_TS - HOUR)
    w.truth.defect(
        AREA,
        "link_to_voided_invoice",
        "high",
        sf=sf_ids(w, "opps", rows),
        qb_entity="Invoice",
        qb=iids,
        cents=opp["Amount"].to_numpy()[rows],
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    rows, iids = take_opps(w, scaled(w.size, 3), invoiced_opps(w, unpaid=True))
    w.qb["inv_lines"] = lines[~lines["txn"].isin(iids)].reset_index(drop=True)
    w.truth.defect(
        AREA,
        "invoice_header_without_lines",
        "high",
        sf=sf_ids(w, "opps", rows),
        qb_entity="Invoice",
        qb=iids,
        cents=opp["Amount"].to_numpy()[rows],
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    rows, iids = take_opps(w, scaled(w.size, 3), invoiced_opps(w, unpaid=True))
    delta = w.rng.integers(1, 50, len(rows)) * 1000
    inv.loc[fx.inv_rows(iids), "total_override"] = fx.invoice_totals(w, iids) + delta
    w.truth.defect(
        AREA,
        "header_total_mismatch",
        "high",
        sf=sf_ids(w, "opps", rows),
        qb_entity="Invoice",
        qb=iids,
        cents=delta,
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )


def _writebacks(w: World) -> None:
    """Lost write-backs (the invoice names the opportunity; the link is empty), orphans (the
    integration's invoice without the Id), and write-backs that bumped LastModifiedDate."""
    opp, inv = w.sf["opps"], w.qb["invoices"]
    rows, iids = take_opps(w, scaled(w.size, 8), invoiced_opps(w))
    _unlink(w, rows, iids, delete=False, status="Pending")
    t = inv["create"].to_numpy()[fx.inv_rows(iids)] + 4
    w.log.append(
        synclog.rows(
            t,
            "qbo_to_sf",
            "Opportunity",
            sf_ids(w, "opps", rows),
            "Invoice",
            iids,
            "update",
            "error",
            seq=1,
        )
    )
    w.log[-1]["error_code"], w.log[-1]["message"] = (
        "UNABLE_TO_LOCK_ROW",
        "unable to obtain exclusive access to this record or 1 records",
    )
    w.truth.defect(
        AREA,
        "lost_writeback",
        "high",
        sf=sf_ids(w, "opps", rows),
        qb_entity="Invoice",
        qb=iids,
        cents=fx.invoice_totals(w, iids),
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    rows, iids = take_opps(w, scaled(w.size, 3), invoiced_opps(w))
    _unlink(w, rows, iids, delete=False)
    inv.loc[fx.inv_rows(iids), "PrivateNote"] = "Synced from Salesforce"
    w.truth.defect(
        AREA,
        "orphan_invoice",
        "high",
        sf=sf_ids(w, "opps", rows),
        qb_entity="Invoice",
        qb=iids,
        cents=fx.invoice_totals(w, iids),
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    rows, iids = take_opps(w, scaled(w.size, 6), invoiced_opps(w))
    opp.loc[rows, "modified"] = opp["last_sync"].to_numpy()[rows] + w.rng.integers(2, 90, len(rows))
    w.truth.lookalike(
        AREA,
        "writeback_bumped_lastmodified",
        sf=sf_ids(w, "opps", rows),
        qb_entity="Invoice",
        qb=iids,
    )
    # A hand-made invoice for a customer the integration also bills.
    cust = w.qb["customers"]
    pool = np.flatnonzero((cust["_origin"] == "sync").to_numpy() & w.free("customers"))
    crow = w.pick("customers", np.isin(np.arange(len(cust)), pool), scaled(w.size, 4))
    made = []
    for c in crow:
        when = int(AS_OF_TS - w.rng.integers(5 * DAY, 90 * DAY))
        iid = fx.new_invoice(
            w,
            int(cell(cust, c, "Id")),
            when,
            when // DAY,
            cell(cust, c, "currency"),
            origin="manual",
            note="Per phone order - " + str(cell(cust, c, "GivenName")),
        )
        fx.add_lines(
            w, iid, np.array([1]), np.array([int(w.rng.integers(1, 6))]), np.array([12500])
        )
        made.append(iid)
    w.truth.lookalike(
        AREA, "manual_invoice", qb_entity="Invoice", qb=np.array(made, dtype=np.int64)
    )


def _stale(w: World) -> None:
    """Changed in Salesforce after the last sync with different amounts; or edited in QBO after it."""
    opp, lines, inv, qlines = w.sf["opps"], w.sf["lines"], w.qb["invoices"], w.qb["inv_lines"]
    rows, iids = take_opps(w, scaled(w.size, 4), invoiced_opps(w, unpaid=True))
    first = lines.reset_index().groupby("_opp")["index"].min().reindex(rows).to_numpy()
    later = opp["last_sync"].to_numpy()[rows] + w.rng.integers(2 * DAY, 9 * DAY, len(rows))
    later = np.minimum(later, AS_OF_TS - HOUR)
    net = lines["_net"].to_numpy()[first]
    lines.loc[first, "Quantity"] += 2
    lines.loc[first, "Subtotal"] = lines.loc[first, "Quantity"] * lines.loc[first, "UnitPrice"]
    lines.loc[first, "TotalPrice"] = lines.loc[first, "Quantity"] * lines.loc[first, "_net"]
    lines.loc[first, "modified"] = later
    opp.loc[rows, "Amount"] += 2 * net
    opp.loc[rows, "modified"] = later
    w.truth.defect(
        AREA,
        "stale_sf_changed",
        "medium",
        sf=sf_ids(w, "opps", rows),
        qb_entity="Invoice",
        qb=iids,
        cents=2 * net,
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    rows, iids = take_opps(w, scaled(w.size, 4), invoiced_opps(w, unpaid=True))
    qfirst = qlines.reset_index().groupby("txn")["index"].min().reindex(iids).to_numpy()
    unit = qlines["amount"].to_numpy()[qfirst] // qlines["qty"].to_numpy()[qfirst].astype(np.int64)
    qlines.loc[qfirst, "qty"] += 1
    qlines.loc[qfirst, "amount"] += unit
    r = fx.inv_rows(iids)
    inv.loc[r, "SyncToken"] += 2
    inv.loc[r, "update"] = np.minimum(
        opp["last_sync"].to_numpy()[rows] + w.rng.integers(DAY, 8 * DAY, len(rows)), AS_OF_TS - HOUR
    )
    w.truth.defect(
        AREA,
        "stale_qbo_edited",
        "medium",
        sf=sf_ids(w, "opps", rows),
        qb_entity="Invoice",
        qb=iids,
        cents=unit,
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )


def _stuck(w: World) -> None:
    """Won deals left in QBO_Sync_Status__c = Error, retried and failing with one code each."""
    opp = w.sf["opps"]
    rows, iids = take_opps(
        w,
        scaled(w.size, 10),
        invoiced_opps(w, unpaid=True) & (opp["won_ts"].to_numpy() < AS_OF_TS - 5 * DAY),
    )
    _unlink(w, rows, iids, delete=True, status="Error")
    codes = np.array(STUCK_CODES)[np.arange(len(rows)) % len(STUCK_CODES)]
    ids = sf_ids(w, "opps", rows)
    tries = w.rng.integers(2, 6, len(rows))
    k = np.repeat(np.arange(len(rows)), tries)
    attempt = (
        np.concatenate([np.arange(1, n + 1) for n in tries])
        if len(rows)
        else np.array([], dtype=np.int64)
    )
    t = opp["won_ts"].to_numpy()[rows][k] + 600 + (attempt - 1) * 15 * 60
    for code in STUCK_CODES:  # one block of log rows per code
        sel = codes[k] == code
        w.log.append(
            synclog.rows(
                t[sel],
                "sf_to_qbo",
                "Opportunity",
                ids[k][sel],
                "Invoice",
                np.zeros(int(sel.sum())),
                "create",
                "error",
                code,
                attempt[sel],
            )
        )
    last = pd.Series(t).groupby(k).max().to_numpy()
    opp.loc[rows, "QBO_Sync_Error__c"] = [f"{c}: {synclog.ERRORS[c][1]}"[:255] for c in codes]
    opp.loc[rows, "last_sync"] = last + 5
    opp.loc[rows, "modified"] = last + 5
    w.truth.defect(
        AREA,
        "stuck_sync_error",
        "high",
        sf=ids,
        cents=opp["Amount"].to_numpy()[rows],
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    look, iids = take_opps(w, scaled(w.size, 4), invoiced_opps(w))
    t = w.qb["invoices"]["create"].to_numpy()[fx.inv_rows(iids)] - 15 * 60
    w.log.append(
        synclog.rows(
            t,
            "sf_to_qbo",
            "Opportunity",
            sf_ids(w, "opps", look),
            "Invoice",
            np.zeros(len(look)),
            "create",
            "error",
            "6000",
            1,
        )
    )
    w.truth.lookalike(
        AREA, "sync_error_resolved", sf=sf_ids(w, "opps", look), qb_entity="Invoice", qb=iids
    )


def _payments(w: World) -> None:
    """Unapplied payments while the customer has open invoices; a payment on another customer
    than its invoice; a payment linked to an invoice that is gone."""
    inv, cust = w.qb["invoices"], w.qb["customers"]
    open_ = inv[(inv["paid"] == 0) & ~inv["_deleted"] & w.free("invoices")]
    open_cust = open_.drop_duplicates("cust")
    pick = w.pick(
        "invoices", np.isin(np.arange(len(inv)), open_cust.index.to_numpy()), scaled(w.size, 4)
    )
    iids = inv["Id"].to_numpy()[pick]
    when = np.minimum(inv["create"].to_numpy()[pick] + 10 * DAY, AS_OF_TS - DAY)
    pids = fx.pay(w, iids, when, link=False)
    w.truth.defect(
        AREA,
        "unapplied_payment",
        "medium",
        qb_entity="Payment",
        qb=pids,
        cents=fx.invoice_totals(w, iids),
        currency=inv["currency"].to_numpy()[pick],
    )
    w.truth.touch(qb_entity="Invoice", qb=iids)
    # Look-alike: a prepayment from a customer with nothing open.
    has_open = set(inv.loc[(inv["paid"] == 0) & ~inv["_deleted"], "cust"])
    ok = (~cust["Id"].isin(has_open) & (cust["_origin"] == "sync")).to_numpy() & w.free("customers")
    crow = w.pick("customers", ok, scaled(w.size, 3))
    when = AS_OF_TS - w.rng.integers(2 * DAY, 20 * DAY, len(crow))
    pids = fx.pay(
        w,
        np.ones(len(crow), dtype=np.int64),
        when,
        cust=cust["Id"].to_numpy()[crow],
        amount=w.rng.integers(5, 60, len(crow)) * 10000,
        link=False,
    )
    w.qb["payments"].loc[fx.inv_rows(pids), "currency"] = cust["currency"].to_numpy()[crow]
    w.truth.lookalike(AREA, "unapplied_prepayment", qb_entity="Payment", qb=pids)
    _payment_mismatch(w)


def _payment_mismatch(w: World) -> None:
    pay, links, cust = w.qb["payments"], w.qb["paylinks"], w.qb["customers"]
    # USD payments only (moved onto another USD customer): picking first and dropping the other
    # currencies could leave none at a small size.
    ok = w.free("payments") & (pay["cust"].to_numpy() > 0) & (pay["currency"].to_numpy() == "USD")
    prow = w.pick("payments", ok, scaled(w.size, 3))
    others = cust[(cust["_origin"] == "sync") & (cust["currency"] == "USD")]["Id"].to_numpy()
    pay.loc[prow, "cust"] = w.rng.choice(others, len(prow))
    pids = pay["Id"].to_numpy()[prow]
    w.truth.defect(
        AREA,
        "payment_customer_mismatch",
        "high",
        qb_entity="Payment",
        qb=pids,
        cents=pay["total"].to_numpy()[prow],
        currency=pay["currency"].to_numpy()[prow],
    )
    w.truth.touch(qb_entity="Invoice", qb=links.loc[links["pay"].isin(pids), "txn"].to_numpy())
    # A payment linked to an invoice Id that no longer exists.
    prow = w.pick("payments", w.free("payments"), scaled(w.size, 2))
    gone = int(w.qb["invoices"]["Id"].max()) + 900 + np.arange(len(prow))
    pids = pay["Id"].to_numpy()[prow]
    mask = links["pay"].isin(pids).to_numpy()
    old = links.loc[mask, "txn"].to_numpy()
    links.loc[mask, "txn"] = gone[: mask.sum()]
    w.qb["invoices"].loc[fx.inv_rows(old), "paid"] = 0
    w.truth.defect(
        AREA,
        "payment_link_missing_invoice",
        "medium",
        qb_entity="Payment",
        qb=pids,
        cents=pay["total"].to_numpy()[prow],
        currency=pay["currency"].to_numpy()[prow],
    )
    w.truth.touch(qb_entity="Invoice", qb=old)
    # Look-alike: a parent customer pays its job's invoice (QBO allows it).
    jobs = np.flatnonzero((cust["Job"] & w.free("customers")).to_numpy())
    jrow = w.pick("customers", np.isin(np.arange(len(cust)), jobs), scaled(w.size, 2))
    made = []
    for j in jrow:
        when = int(AS_OF_TS - w.rng.integers(20 * DAY, 60 * DAY))
        iid = fx.new_invoice(
            w,
            int(cell(cust, j, "Id")),
            when,
            when // DAY,
            cell(cust, j, "currency"),
            origin="manual",
            note="Job billing",
        )
        fx.add_lines(w, iid, np.array([2]), np.array([8]), np.array([9500]))
        made.append(iid)
    if made:
        parent = cust["parent"].to_numpy()[jrow]
        pids = fx.pay(
            w, np.array(made), AS_OF_TS - 5 * DAY + np.arange(len(made)) * 60, cust=parent
        )
        w.truth.lookalike(AREA, "parent_pays_job_invoice", qb_entity="Payment", qb=pids)
        w.truth.touch(qb_entity="Invoice", qb=made)
        w.truth.touch(qb_entity="Customer", qb=cust["Id"].to_numpy()[jrow])
