"""sync_jobs: what jobs do under load. Invoices and payments duplicated by blind retries,
duplicate and missing DocNumbers, an outage, slow invoices, lost updates, SyncToken loops — with
look-alikes: a monthly subscription (same lines, another period), its same-amount payments, a
credit memo sharing an invoice's number."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import defects_read_cap, synclog
from sfqb_demo.generator import factory as fx
from sfqb_demo.generator.pools import (
    invoiced_opps,
    linked_accounts,
    sf_ids,
    take_accounts,
    take_opps,
)
from sfqb_demo.generator.world import AS_OF_TS, DAY, HOUR, World, cell, scaled

AREA = "sync_jobs"
TIMEOUT = "ReadTimeout: HTTPSConnectionPool(host='quickbooks.api.intuit.com', port=443): Read timed out. (read timeout=30)"
OUTAGE_START = AS_OF_TS - 48 * DAY + 13 * HOUR
OUTAGE_END = OUTAGE_START + 5 * DAY


def inject(w: World) -> None:
    _outage(w)
    defects_read_cap.inject(w, (OUTAGE_START, OUTAGE_END))
    _duplicate_invoices(w)
    _duplicate_payments(w)
    _doc_numbers(w)
    _lag(w)
    _conflicts(w)
    _subscriptions(w)


def _delay(w: World, rows: np.ndarray, iids: np.ndarray, when: np.ndarray) -> None:
    inv, opp = w.qb["invoices"], w.sf["opps"]
    r = fx.inv_rows(iids)
    shift = when - inv["create"].to_numpy()[r]
    inv.loc[r, "create"] = when
    inv.loc[r, "update"] = np.maximum(inv["update"].to_numpy()[r], when)
    opp.loc[rows, ["last_sync", "modified"]] = np.column_stack([when + 4, when + 4])
    _ = shift


def _outage(w: World) -> None:
    """Five days in which deals were won and nothing reached QBO; the backlog went through in a
    burst when the connector came back."""
    opp, inv = w.sf["opps"], w.qb["invoices"]
    t = opp["_inv_ts"].to_numpy()
    mask = invoiced_opps(w) & (t >= OUTAGE_START) & (t < OUTAGE_END)
    rows, iids = take_opps(w, int(mask.sum()), mask)
    when = OUTAGE_END + np.sort(w.rng.integers(60, 3 * HOUR, len(rows)))
    _delay(w, rows, iids, when)
    man = inv["_origin"].to_numpy() == "manual"
    ct = inv["create"].to_numpy()
    w.mark("invoices", np.flatnonzero(man & (ct >= OUTAGE_START) & (ct < OUTAGE_END)))
    w.truth.defect(AREA, "sync_outage", "high", n=1)
    w.truth.touch(sf=sf_ids(w, "opps", rows), qb_entity="Invoice", qb=iids)


def _duplicate_invoices(w: World) -> None:
    """A create timed out after QBO had committed it; the retry made a second (sometimes third)
    copy. The connector wrote back the last copy's Id: the earlier ones are orphaned duplicates."""
    opp = w.sf["opps"]
    rows, iids = take_opps(w, scaled(w.size, 6), invoiced_opps(w, unpaid=True))
    ids = sf_ids(w, "opps", rows)
    n_copies = 1 + (np.arange(len(rows)) % 3 == 0)
    src_iid = np.repeat(iids, n_copies)
    step = (
        np.concatenate([np.arange(1, k + 1) for k in n_copies])
        if len(rows)
        else np.array([], dtype=np.int64)
    )
    inv = w.qb["invoices"]
    copies = inv.iloc[src_iid - 1].copy().reset_index(drop=True)
    new = w.next_qb_id("invoices", len(copies))
    t0 = inv["create"].to_numpy()[src_iid - 1]
    copies["Id"], copies["create"], copies["SyncToken"], copies["paid"] = (
        new,
        t0 + 60 * step + w.rng.integers(5, 50, len(new)),
        0,
        0,
    )
    copies["update"] = copies["create"]
    w.mark("invoices", w.append("invoices", copies))
    lines = w.qb["inv_lines"]
    src_lines = lines[lines["txn"].isin(iids)]
    new_lines = (
        pd.DataFrame({"txn": src_iid, "new": new})
        .merge(src_lines, on="txn")
        .drop(columns="txn")
        .rename(columns={"new": "txn"})
    )
    w.append("inv_lines", new_lines[lines.columns])
    inv = w.qb["invoices"]
    totals = pd.Series(fx.invoice_totals(w, iids), index=iids)
    clusters = (
        np.split(
            np.concatenate(
                [
                    [iid, *new[a : a + n_c]]
                    for iid, a, n_c in zip(
                        iids, np.cumsum(n_copies) - n_copies, n_copies, strict=True
                    )
                ]
            ).astype(np.int64),
            np.cumsum(n_copies + 1)[:-1],
        )
        if len(rows)
        else []
    )
    orph_ids: list[int] = []
    orph_t: list[int] = []
    orph_att: list[int] = []
    orph_sf: list[str] = []
    last_ids: list[int] = []
    last_t: list[int] = []
    last_att: list[int] = []
    last_sf: list[str] = []
    for k, (o, cluster) in enumerate(zip(rows, clusters, strict=True)):
        n = len(cluster)
        t = inv["create"].to_numpy()[cluster - 1]
        orph_ids.extend(cluster[:-1])
        orph_t.extend(t[:-1] + 30)
        orph_att.extend(range(1, n))
        orph_sf.extend([ids[k]] * (n - 1))
        last_ids.append(cluster[-1])
        last_t.append(t[-1])
        last_att.append(n)
        last_sf.append(ids[k])
        fx.link_opp(w, int(o), int(cluster[-1]), int(t[-1]) + 4)
        w.truth.defect(
            AREA,
            "duplicate_invoice_retry",
            "critical",
            sf=np.repeat(ids[k], n - 1),
            qb_entity="Invoice",
            qb=cluster[:-1],
            cents=np.repeat(totals[int(cluster[0])], n - 1),
            currency=cell(opp, o, "CurrencyIsoCode"),
        )
        w.truth.touch(qb_entity="Invoice", qb=cluster[-1:])
        w.truth.cluster("qb_invoices", [int(cluster[-1]), *cluster[:-1].tolist()])
    w.log.append(
        synclog.rows(
            np.array(orph_t, dtype=np.int64),
            "sf_to_qbo",
            "Opportunity",
            np.array(orph_sf, dtype=object),
            "Invoice",
            np.zeros(len(orph_t)),
            "create",
            "error",
            "",
            np.array(orph_att, dtype=np.int64),
        )
    )
    w.log[-1]["message"] = TIMEOUT
    lt = np.array(last_t, dtype=np.int64)
    w.log.append(
        synclog.rows(
            lt,
            "sf_to_qbo",
            "Opportunity",
            np.array(last_sf, dtype=object),
            "Invoice",
            np.array(last_ids, dtype=np.int64),
            "create",
            "success",
            attempt=np.array(last_att, dtype=np.int64),
        )
    )
    w.log.append(
        synclog.rows(
            lt + 4,
            "qbo_to_sf",
            "Opportunity",
            np.array(last_sf, dtype=object),
            "Invoice",
            np.array(last_ids, dtype=np.int64),
            "update",
            "success",
            seq=1,
        )
    )
    all_ids = np.concatenate([iids, new])
    inv.loc[all_ids - 1, "_origin"] = "retry"


def _duplicate_payments(w: World) -> None:
    pay, links = w.qb["payments"], w.qb["paylinks"]
    single = links.groupby("pay").size()
    ok = (
        w.free("payments")
        & pay["Id"].isin(single[single == 1].index).to_numpy()
        & (pay["create"].to_numpy() < AS_OF_TS - 2 * DAY)
    )
    prow = w.pick("payments", ok, scaled(w.size, 3))
    src = pay.iloc[prow].copy()
    new = w.next_qb_id("payments", len(prow))
    src["Id"] = new
    src["create"] = src["update"] = src["create"].to_numpy() + w.rng.integers(60, 300, len(prow))
    w.mark("payments", w.append("payments", src.reset_index(drop=True)))
    w.truth.defect(
        AREA,
        "duplicate_payment_retry",
        "critical",
        qb_entity="Payment",
        qb=new,
        cents=src["total"].to_numpy(),
        currency=src["currency"].to_numpy(),
    )
    for a, b in zip(pay["Id"].to_numpy()[prow], new, strict=True):
        w.truth.cluster("qb_payments", [a, b])
    w.truth.touch(qb_entity="Payment", qb=pay["Id"].to_numpy()[prow])


def _doc_numbers(w: World) -> None:
    inv, cm = w.qb["invoices"], w.qb["credit_memos"]
    a_rows, a_iids = take_opps(w, scaled(w.size, 3), invoiced_opps(w))
    b_rows, b_iids = take_opps(w, len(a_rows), invoiced_opps(w))
    k = min(len(a_rows), len(b_rows))
    inv.loc[fx.inv_rows(b_iids[:k]), "DocNumber"] = inv["DocNumber"].to_numpy()[
        fx.inv_rows(a_iids[:k])
    ]
    w.truth.defect(
        AREA,
        "duplicate_doc_number",
        "medium",
        sf=sf_ids(w, "opps", b_rows[:k]),
        qb_entity="Invoice",
        qb=b_iids[:k],
    )
    w.truth.touch(sf=sf_ids(w, "opps", a_rows), qb_entity="Invoice", qb=a_iids)
    rows, iids = take_opps(w, scaled(w.size, 3), invoiced_opps(w))
    inv.loc[fx.inv_rows(iids), "DocNumber"] = ""
    w.truth.defect(
        AREA, "missing_doc_number", "low", sf=sf_ids(w, "opps", rows), qb_entity="Invoice", qb=iids
    )
    rows, iids = take_opps(w, min(scaled(w.size, 2), len(cm)), invoiced_opps(w))
    cm.loc[np.arange(len(rows)), "DocNumber"] = inv["DocNumber"].to_numpy()[fx.inv_rows(iids)]
    w.truth.lookalike(
        AREA,
        "doc_number_shared_with_credit_memo",
        qb_entity="CreditMemo",
        qb=cm["Id"].to_numpy()[: len(rows)],
    )
    w.truth.touch(sf=sf_ids(w, "opps", rows), qb_entity="Invoice", qb=iids)


def _lag(w: World) -> None:
    """Invoices that reached QBO more than a week after the deal was won."""
    opp = w.sf["opps"]
    won = opp["won_ts"].to_numpy()
    rows, iids = take_opps(
        w,
        scaled(w.size, 4),
        invoiced_opps(w) & (won < AS_OF_TS - 30 * DAY) & (won > OUTAGE_END + 10 * DAY),
    )
    when = won[rows] + w.rng.integers(8 * DAY, 20 * DAY, len(rows))
    _delay(w, rows, iids, when)
    w.truth.defect(
        AREA, "lag_outlier", "low", sf=sf_ids(w, "opps", rows), qb_entity="Invoice", qb=iids
    )


def _conflicts(w: World) -> None:
    """Lost updates: after the sync, a person edited the invoice in QBO and the deal changed in
    Salesforce; the sync's update failed with 5010. SyncToken loops: a record the sync keeps
    updating with no material change."""
    opp, lines, inv, q = w.sf["opps"], w.sf["lines"], w.qb["invoices"], w.qb["inv_lines"]
    rows, iids = take_opps(
        w,
        scaled(w.size, 3),
        invoiced_opps(w, unpaid=True) & (opp["won_ts"].to_numpy() < AS_OF_TS - 20 * DAY),
    )
    first = lines.reset_index().groupby("_opp")["index"].min().reindex(rows).to_numpy()
    qfirst = q.reset_index().groupby("txn")["index"].min().reindex(iids).to_numpy()
    t_sf = opp["last_sync"].to_numpy()[rows] + 3 * DAY
    t_qb = opp["last_sync"].to_numpy()[rows] + 2 * DAY
    lines.loc[first, "Quantity"] += 1
    lines.loc[first, ["Subtotal", "TotalPrice"]] = np.column_stack(
        [
            lines["Quantity"].to_numpy()[first] * lines["UnitPrice"].to_numpy()[first],
            lines["Quantity"].to_numpy()[first] * lines["_net"].to_numpy()[first],
        ]
    )
    lines.loc[first, "modified"] = t_sf
    opp.loc[rows, "Amount"] += lines["_net"].to_numpy()[first]
    opp.loc[rows, "modified"] = t_sf
    unit = q["amount"].to_numpy()[qfirst] // q["qty"].to_numpy()[qfirst].astype(np.int64)
    new_unit = unit - np.maximum(100, unit // 10)
    q.loc[qfirst, "unit_txt"] = (
        pd.Series(new_unit).map(lambda c: f"{c // 100}.{c % 100:02d}").to_numpy()
    )
    q.loc[qfirst, "amount"] = new_unit * q["qty"].to_numpy()[qfirst].astype(np.int64)
    inv.loc[fx.inv_rows(iids), ["SyncToken", "update"]] = np.column_stack(
        [inv["SyncToken"].to_numpy()[fx.inv_rows(iids)] + 1, t_qb]
    )
    ids = sf_ids(w, "opps", rows)
    w.log.append(
        synclog.rows(
            t_sf + 600,
            "sf_to_qbo",
            "Opportunity",
            ids,
            "Invoice",
            iids,
            "update",
            "error",
            "5010",
            1,
        )
    )
    w.truth.defect(
        AREA,
        "lost_update_conflict",
        "medium",
        sf=ids,
        qb_entity="Invoice",
        qb=iids,
        cents=lines["_net"].to_numpy()[first],
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    rows, iids = take_opps(
        w,
        scaled(w.size, 3),
        invoiced_opps(w, unpaid=True) & (opp["won_ts"].to_numpy() < AS_OF_TS - 10 * DAY),
    )
    ids = sf_ids(w, "opps", rows)
    for o, iid, sid in zip(rows, iids, ids, strict=True):
        n = int(w.rng.integers(25, 60))
        t = AS_OF_TS - n * HOUR + np.arange(n) * HOUR
        inv.loc[iid - 1, ["SyncToken", "update"]] = [n + 1, int(t[-1])]
        opp.loc[o, ["last_sync", "modified"]] = int(t[-1]) + 4
        w.log.append(
            synclog.rows(
                t,
                "sf_to_qbo",
                "Opportunity",
                np.repeat(sid, n),
                "Invoice",
                np.repeat(iid, n),
                "update",
                "success",
            )
        )
    w.truth.defect(AREA, "sync_token_loop", "low", sf=ids, qb_entity="Invoice", qb=iids)


def _subscriptions(w: World) -> None:
    """Look-alike: a monthly support subscription — the same line every month, each month its own
    opportunity, invoice and same-amount payment."""
    acc, prod = w.sf["accounts"], w.sf["products"]
    monthly = np.flatnonzero(
        prod["Name"].str.contains("Monthly").to_numpy()
        & prod["IsActive"].to_numpy()
        & (prod["_item"].to_numpy() > 0)
    )
    if len(monthly) == 0:
        monthly = np.flatnonzero(prod["IsActive"].to_numpy() & (prod["_item"].to_numpy() > 0))[:1]
    rows, cids = take_accounts(
        w, scaled(w.size, 4), linked_accounts(w) & (acc["CurrencyIsoCode"].to_numpy() == "USD")
    )
    all_opps: list[int] = []
    all_iids: list[int] = []
    paid_at: list[int] = []
    for r, c in zip(rows, cids, strict=True):
        p = int(w.rng.choice(monthly))
        start = AS_OF_TS - int(w.rng.integers(100, 200)) * DAY
        opps, iids = [], []
        for m in range(3):
            won = start + m * 30 * DAY + 15 * HOUR
            o = fx.new_opp(
                w,
                int(r),
                won - 5 * DAY,
                won,
                np.array([p]),
                np.array([5]),
                label=f"Support Subscription M{m + 1}",
            )
            iid = fx.new_invoice(w, int(c), won + 420, won // DAY, "USD", opp_row=o)
            fx.copy_opp_lines(w, o, iid)
            fx.link_opp(w, o, iid, won + 424)
            opps.append(o)
            iids.append(iid)
            paid_at.append(start + (m * 30 + 12) * DAY)
        all_opps.extend(opps)
        all_iids.extend(iids)
    pids = fx.pay(w, np.array(all_iids, dtype=np.int64), np.array(paid_at, dtype=np.int64))
    w.truth.lookalike(
        AREA,
        "subscription_repeat",
        sf=sf_ids(w, "opps", np.array(all_opps, dtype=np.int64)),
        qb_entity="Invoice",
        qb=np.array(all_iids, dtype=np.int64),
    )
    w.truth.lookalike(AREA, "recurring_payment_same_amount", qb_entity="Payment", qb=pids)
