"""auth_env: environment, realm, token, API-version and Id-format problems that the data can
show in the default demo — QBO invoices naming Salesforce Ids this org never had (written from a
sandbox), 15-character Ids stored on the QBO side (two of which collide when case is lost), an
old minorversion, a refresh token close to its 100-day limit, an auth failure burst — with
look-alikes: a customer PO number shaped like an Id, a real company called "Sandbox..."."""

from __future__ import annotations

import numpy as np

from sfqb_demo.generator import defects_logins, synclog
from sfqb_demo.generator import factory as fx
from sfqb_demo.generator.pools import (
    invoiced_opps,
    linked_accounts,
    sf_ids,
    take_accounts,
    take_opps,
)
from sfqb_demo.generator.sfids import OTHER_POD, IdFactory, flip_case
from sfqb_demo.generator.world import AS_OF_TS, DAY, HOUR, World, cell, scaled

AREA = "auth_env"
BURST_START = AS_OF_TS - 19 * DAY + 15 * HOUR
BURST_END = BURST_START + 4 * HOUR


def inject(w: World) -> None:
    _case_collisions(w)
    _short_ids(w)
    _cross_environment(w)
    _manifest(w)
    _auth_burst(w)
    _lookalikes(w)
    defects_logins.inject(w)


def _case_collisions(w: World) -> None:
    """Two opportunities whose 15-char Ids differ only in case; the QBO side stores A's 15-char
    form, which a case-insensitive join also matches to B."""
    opp = w.sf["opps"]
    n = scaled(w.size, 2)
    a_rows, a_iids = take_opps(w, n, invoiced_opps(w))
    b_rows, b_iids = take_opps(w, len(a_rows), invoiced_opps(w))
    inv = w.qb["invoices"]
    done = []
    existing = set(opp["Id"])
    for a, b, ia in zip(a_rows, b_rows, a_iids, strict=True):
        twin = flip_case(cell(opp, a, "Id"))
        if twin is None or twin in existing:
            continue
        opp.at[b, "Id"] = twin
        inv.at[ia - 1, "PrivateNote"] = "SF Opportunity " + cell(opp, a, "Id")[:15]
        done.append((a, ia, b))
    if done:
        a, ia, b = (np.array(x) for x in zip(*done, strict=True))
        w.truth.defect(
            AREA,
            "short_id_case_collision",
            "medium",
            sf=sf_ids(w, "opps", a),
            qb_entity="Invoice",
            qb=ia,
        )
        w.truth.touch(sf=sf_ids(w, "opps", b), qb_entity="Invoice", qb=b_iids)


def _short_ids(w: World) -> None:
    opp, inv = w.sf["opps"], w.qb["invoices"]
    rows, iids = take_opps(w, scaled(w.size, 5), invoiced_opps(w))
    inv.loc[fx.inv_rows(iids), "PrivateNote"] = "SF Opportunity " + np.array(
        [s[:15] for s in opp["Id"].to_numpy()[rows]], dtype=object
    )
    w.truth.defect(
        AREA, "short_id_on_qbo", "low", sf=sf_ids(w, "opps", rows), qb_entity="Invoice", qb=iids
    )


def _cross_environment(w: World) -> None:
    """Invoices created by a sandbox org wired to this production company: their notes name
    opportunity Ids from another pod, unknown to this org."""
    cust = w.qb["customers"]
    crow = w.pick(
        "customers",
        (cust["_origin"] == "sync").to_numpy()
        & (cust["currency"] == "USD").to_numpy()
        & w.free("customers"),
        scaled(w.size, 4),
    )
    foreign = IdFactory(np.random.default_rng(w.seed + 101), pod=OTHER_POD).make(
        "Opportunity", len(crow)
    )
    made = []
    for k, c in enumerate(crow):
        when = int(AS_OF_TS - w.rng.integers(3 * DAY, 60 * DAY))
        iid = fx.new_invoice(
            w,
            int(cell(cust, c, "Id")),
            when,
            when // DAY,
            "USD",
            note=f"SF Opportunity {foreign[k]}",
        )
        fx.add_lines(w, iid, np.array([3 + k % 20]), np.array([1]), np.array([100]))
        made.append(iid)
    made_a = np.array(made, dtype=np.int64)
    w.qb["invoices"].loc[fx.inv_rows(made_a), "_origin"] = "sandbox"
    w.truth.defect(
        AREA,
        "cross_environment_write",
        "high",
        qb_entity="Invoice",
        qb=made_a,
        cents=fx.invoice_totals(w, made_a),
        currency="USD",
    )


def _manifest(w: World) -> None:
    """A minorversion below 75 (served as 75 since Aug 2025) and a refresh token issued 93 days
    ago: 7 days before it dies unused."""
    w.manifest["quickbooks"]["minorversion"] = 65
    w.manifest["quickbooks"]["refresh_token_issued_at"] = synclog_time(
        AS_OF_TS - 93 * DAY - 7 * HOUR
    )
    w.truth.defect(AREA, "minorversion_below_75", "low", n=1)
    w.truth.defect(AREA, "refresh_token_near_expiry", "medium", n=1)


def synclog_time(ts: int) -> str:
    from sfqb_demo.generator.timefmt import iso_utc

    return str(iso_utc(np.array([ts]))[0])


def _auth_burst(w: World) -> None:
    """Two workers refreshed at once; the old refresh token failed with invalid_grant and every
    call answered 401/3200 for four hours until someone re-authorised. Deals won meanwhile were
    invoiced after the re-authorisation."""
    opp = w.sf["opps"]
    t = opp["_inv_ts"].to_numpy()
    mask = invoiced_opps(w) & (t >= BURST_START) & (t < BURST_END)
    rows, iids = take_opps(w, int(mask.sum()), mask)
    ids = sf_ids(w, "opps", rows)
    when = BURST_END + 600 + np.arange(len(rows)) * 20
    inv = w.qb["invoices"]
    r = fx.inv_rows(iids)
    first_try = inv["create"].to_numpy()[r]
    inv.loc[r, "create"] = when
    inv.loc[r, "update"] = np.maximum(inv["update"].to_numpy()[r], when)
    opp.loc[rows, ["last_sync", "modified"]] = np.column_stack([when + 4, when + 4])
    runs = BURST_START + np.arange(0, BURST_END - BURST_START, 15 * 60)
    w.log.append(
        synclog.rows(
            runs[:1], "sf_to_qbo", "", np.array([""]), "", np.zeros(1), "refresh", "error", "401", 1
        )
    )
    w.log.append(synclog.failed_invoice_queries(runs, "3200"))
    w.log.append(
        synclog.rows(
            first_try,
            "sf_to_qbo",
            "Opportunity",
            ids,
            "Invoice",
            np.zeros(len(rows)),
            "create",
            "error",
            "3200",
            1,
        )
    )
    w.truth.defect(AREA, "auth_failure_burst", "medium", n=1)
    w.truth.touch(sf=ids, qb_entity="Invoice", qb=iids)


def _lookalikes(w: World) -> None:
    opp, inv, acc, cust = w.sf["opps"], w.qb["invoices"], w.sf["accounts"], w.qb["customers"]
    rows, iids = take_opps(w, scaled(w.size, 4), invoiced_opps(w))
    po = [
        f"PO{20260000 + int(w.rng.integers(1000, 9999))}{'ABCDEFGHJK'[k % 10]}X{k % 10}Q"
        for k in range(len(rows))
    ]
    inv.loc[fx.inv_rows(iids), "PrivateNote"] = [
        "SF Opportunity " + cell(opp, o, "Id") + " / Customer PO " + p
        for o, p in zip(rows, po, strict=True)
    ]
    w.truth.lookalike(
        AREA, "po_number_shaped_like_id", sf=sf_ids(w, "opps", rows), qb_entity="Invoice", qb=iids
    )
    rows, cids = take_accounts(
        w, scaled(w.size, 2), linked_accounts(w) & (acc["_country"].to_numpy() == "US")
    )
    for k, (r, c) in enumerate(zip(rows, cids, strict=True)):
        old = cell(acc, r, "Name")
        new = ["Sandbox VR Studios LLC", "Sandbox Learning Labs Inc", "Sandbox Creative Co."][
            k % 3
        ] + ("" if k < 3 else f" {k}")
        acc.at[r, "Name"] = new
        cust.loc[c - 1, ["DisplayName", "CompanyName"]] = [new, new]
        mine = opp["_acc"].to_numpy() == r
        opp.loc[mine, "Name"] = opp.loc[mine, "Name"].str.replace(old, new, regex=False)
    w.truth.lookalike(
        AREA,
        "sandbox_in_company_name",
        sf=sf_ids(w, "accounts", rows),
        qb_entity="Customer",
        qb=cids,
    )
