"""customers: Account <-> Customer links, duplicates on either side, name collisions, inactive
customers, field drift and currencies — with look-alikes: franchise locations and same-name
companies elsewhere (hard negatives), an inactive customer with no copy, a deleted account with
no link, an account that rightly owns one customer per currency, a vendor with a similar name."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import factory as fx
from sfqb_demo.generator import names, synclog
from sfqb_demo.generator.pools import linked_accounts, sf_ids, take_accounts
from sfqb_demo.generator.world import AS_OF_TS, DAY, HOUR, World, cell, scaled

AREA = "customers"
DODGES = np.array([" (2)", " - C", " 2", " (customer)", " (1)"])


def inject(w: World) -> None:
    _links(w)
    _inactive(w)
    _duplicates(w)
    _merged(w)
    _collisions(w)
    _drift(w)
    _currencies(w)
    _hard_negatives(w)


def _cust_rows(cids: np.ndarray) -> np.ndarray:
    return np.asarray(cids, dtype=np.int64) - 1


def _links(w: World) -> None:
    acc, cust, inv = w.sf["accounts"], w.qb["customers"], w.qb["invoices"]
    rows, cids = take_accounts(w, scaled(w.size, 15), linked_accounts(w))
    acc.loc[rows, "QBO_Customer_Id__c"] = ""
    tidy = cust.loc[_cust_rows(cids), "DisplayName"].str.replace(
        r"\s+(Inc\.?|LLC|Ltd\.?|Corp\.?|Co\.|GmbH)$", "", regex=True
    )
    cust.loc[_cust_rows(cids), ["DisplayName", "CompanyName"]] = np.column_stack([tidy, tidy])
    w.truth.defect(
        AREA,
        "unlinked_account_with_match",
        "medium",
        sf=sf_ids(w, "accounts", rows),
        qb_entity="Customer",
        qb=cids,
    )
    # Mislinked: the link holds another account's customer, and the latest invoice went there.
    unpaid_last = (
        inv[~inv["_deleted"] & (inv["_origin"] == "sync")]
        .sort_values("create")
        .drop_duplicates("cust", keep="last")
    )
    unpaid_last = unpaid_last[
        (unpaid_last["paid"] == 0) & w.free("invoices")[unpaid_last.index.to_numpy()]
    ]
    mask = np.isin(acc["_cust"].to_numpy(), unpaid_last["cust"].to_numpy()) & linked_accounts(w)
    rows, cids = take_accounts(w, scaled(w.size, 6), mask)
    cur = acc["CurrencyIsoCode"].to_numpy()
    keep = np.zeros(len(rows), dtype=bool)
    ocids = np.zeros(len(rows), dtype=np.int64)
    free = linked_accounts(w)
    for c in np.unique(cur[rows]):
        mine = np.flatnonzero(cur[rows] == c)
        other, oc = take_accounts(w, len(mine), free & (cur == c))
        keep[mine[: len(other)]] = True
        ocids[mine[: len(other)]] = oc
        w.truth.touch(sf=sf_ids(w, "accounts", other))
    rows, cids, ocids = rows[keep], cids[keep], ocids[keep]
    acc.loc[rows, "QBO_Customer_Id__c"] = ocids.astype(str)
    moved = unpaid_last.set_index("cust").loc[cids]
    inv.loc[moved["Id"].to_numpy() - 1, "cust"] = ocids
    w.mark("invoices", moved["Id"].to_numpy() - 1)
    w.truth.defect(
        AREA,
        "mislinked_account",
        "high",
        sf=sf_ids(w, "accounts", rows),
        qb_entity="Customer",
        qb=ocids,
        cents=fx.invoice_totals(w, moved["Id"].to_numpy()),
        currency=cur[rows],
    )
    o = moved["_opp"].to_numpy()
    w.truth.touch(qb_entity="Customer", qb=cids)
    w.truth.touch(qb_entity="Invoice", qb=moved["Id"].to_numpy())
    w.truth.touch(sf=sf_ids(w, "opps", o[o >= 0]))
    # A link to an Id that is not in the realm (an account never invoiced).
    none = (
        (acc["_cust"].to_numpy() == 0)
        & w.free("accounts")
        & ~acc["IsDeleted"].to_numpy().astype(bool)
    )
    rows = w.pick("accounts", none, scaled(w.size, 4))
    acc.loc[rows, "QBO_Customer_Id__c"] = (
        int(cust["Id"].max()) + 700 + np.arange(len(rows)) * 13
    ).astype(str)
    w.truth.defect(
        AREA, "link_to_missing_customer", "medium", sf=sf_ids(w, "accounts", rows), n=len(rows)
    )


def _inactive(w: World) -> None:
    """The linked customer was made inactive; the sync searched active names only, found nothing
    and created an active copy, which got the newest invoice."""
    acc, cust, inv = w.sf["accounts"], w.qb["customers"], w.qb["invoices"]
    last = (
        inv[~inv["_deleted"] & (inv["_origin"] == "sync")]
        .sort_values("create")
        .drop_duplicates("cust", keep="last")
    )
    last = last[(last["paid"] == 0) & w.free("invoices")[last.index.to_numpy()]]
    rows, cids = take_accounts(
        w,
        scaled(w.size, 4),
        linked_accounts(w) & np.isin(acc["_cust"].to_numpy(), last["cust"].to_numpy()),
    )
    li = last.set_index("cust").loc[cids]
    names_ = cust["DisplayName"].to_numpy()[cids - 1]
    when = li["create"].to_numpy() - 20
    new = fx.new_customers(w, rows, when, display=list(names_), link=False, origin="sync_copy")
    cust = w.qb["customers"]
    cust.loc[cids - 1, "Active"] = False
    cust.loc[cids - 1, "DisplayName"] = names_ + " (deleted)"
    cust.loc[cids - 1, "update"] = when - 3 * DAY
    moved = li["Id"].to_numpy()
    inv.loc[moved - 1, "cust"] = new
    w.mark("invoices", moved - 1)
    acc.loc[rows, "_cust"] = new
    ids = sf_ids(w, "accounts", rows)
    w.log.append(
        synclog.rows(when, "sf_to_qbo", "Account", ids, "Customer", new, "create", "success")
    )
    w.truth.defect(
        AREA, "link_to_inactive_with_active_copy", "medium", sf=ids, qb_entity="Customer", qb=cids
    )
    w.truth.touch(qb_entity="Customer", qb=new)
    w.truth.touch(qb_entity="Invoice", qb=moved)
    for a, b in zip(new, cids, strict=True):
        w.truth.cluster("qb_customers", [a, b])
    # Look-alike: an inactive hand-made customer with no active copy and no open balance.
    open_c = set(inv.loc[inv["paid"] == 0, "cust"])
    ok = (
        (cust["_origin"] == "manual").to_numpy()
        & ~cust["Id"].isin(open_c).to_numpy()
        & w.free("customers")
    )
    crow = w.pick("customers", ok, scaled(w.size, 4))
    cust.loc[crow, "Active"] = False
    cust.loc[crow, "DisplayName"] = cust.loc[crow, "DisplayName"] + " (deleted)"
    w.truth.lookalike(
        AREA, "inactive_customer_no_copy", qb_entity="Customer", qb=cust["Id"].to_numpy()[crow]
    )


def _duplicates(w: World) -> None:
    """QBO copies made minutes apart to dodge error 6240; Salesforce duplicate accounts."""
    acc, cust = w.sf["accounts"], w.qb["customers"]
    rows, cids = take_accounts(w, scaled(w.size, 8), linked_accounts(w))
    src = cust.loc[_cust_rows(cids)]
    when = src["create"].to_numpy() + w.rng.integers(120, 900, len(rows))
    new = fx.new_customers(
        w,
        rows,
        when,
        display=list(src["DisplayName"].to_numpy() + DODGES[np.arange(len(rows)) % 5]),
        link=False,
        origin="sync_copy",
    )
    ids = sf_ids(w, "accounts", rows)
    w.log.append(
        synclog.rows(
            when - 2,
            "sf_to_qbo",
            "Account",
            ids,
            "Customer",
            np.zeros(len(rows)),
            "create",
            "error",
            "6240",
            1,
        )
    )
    w.log.append(
        synclog.rows(
            when, "sf_to_qbo", "Account", ids, "Customer", new, "create", "success", attempt=2
        )
    )
    w.truth.defect(AREA, "qb_duplicate_customer", "low", qb_entity="Customer", qb=new)
    for c, d in zip(cids, new, strict=True):
        w.truth.cluster("qb_customers", [c, d])
    w.truth.touch(sf=ids, qb_entity="Customer", qb=cids)
    rows, cids = take_accounts(w, scaled(w.size, 6), linked_accounts(w))
    variant = acc["Name"].to_numpy()[rows].astype(str)
    variant = np.array(
        [
            v.upper()
            if k % 3 == 0
            else v.replace(" & ", " and ") + (" Inc" if k % 3 == 1 else "")
            if " & " in v or k % 3 == 1
            else v.rstrip(".") + " Group"
            for k, v in enumerate(variant)
        ],
        dtype=object,
    )
    later = np.minimum(
        acc["created"].to_numpy()[rows] + w.rng.integers(30, 200, len(rows)) * DAY, AS_OF_TS - DAY
    )
    geo = pd.DataFrame(
        {
            "city": acc["BillingCity"].to_numpy()[rows],
            "state": acc["BillingState"].to_numpy()[rows],
            "country": acc["_country"].to_numpy()[rows],
            "currency": acc["CurrencyIsoCode"].to_numpy()[rows],
            "postal": acc["BillingPostalCode"].to_numpy()[rows],
            "street": acc["BillingStreet"].to_numpy()[rows],
        }
    )
    made = fx.new_accounts(
        w,
        list(variant),
        created=later,
        geo=geo,
        phone=acc["Phone"].to_numpy()[rows],
        website=acc["Website"].to_numpy()[rows],
    )
    for r, a in zip(rows, made, strict=True):
        w.truth.cluster("sf_accounts", [cell(acc, r, "Id"), w.sf["accounts"].at[a, "Id"]])
    w.truth.defect(AREA, "sf_duplicate_account", "low", sf=sf_ids(w, "accounts", np.array(made)))
    w.truth.touch(sf=sf_ids(w, "accounts", rows))
    w.truth.touch(
        sf=w.sf["contacts"]["Id"].to_numpy()[np.isin(w.sf["contacts"]["_acc"].to_numpy(), made)]
    )
    _ = names


def _merged(w: World) -> None:
    """A merged-away (deleted) account still linked to its QBO customer, which holds an invoice of
    a deal the merge moved to the survivor; and deleted accounts with no link (fine)."""
    acc, inv = w.sf["accounts"], w.qb["invoices"]
    rows, cids = take_accounts(w, scaled(w.size, 3), linked_accounts(w))
    created = acc["created"].to_numpy()[rows] - 30 * DAY
    old = [str(n).replace(" & ", " and ").rstrip(".") for n in acc["Name"].to_numpy()[rows]]
    losers = fx.new_accounts(
        w, [n + " (old)" for n in old], created=created, geo=_geo_of(acc, rows)
    )
    cl = fx.new_customers(w, losers, created + DAY, display=[n + " - Old" for n in old])
    acc = w.sf["accounts"]
    merge_ts = AS_OF_TS - w.rng.integers(20, 120, len(rows)) * DAY
    acc.loc[losers, "IsDeleted"] = True
    acc.loc[losers, "MasterRecordId"] = acc["Id"].to_numpy()[rows]
    acc.loc[losers, "modified"] = merge_ts
    con = w.sf["contacts"]  # a merge moves the loser's contacts to the survivor
    mine = np.isin(con["_acc"].to_numpy(), losers)
    con.loc[mine, "_acc"] = (
        pd.Series(rows, index=losers).reindex(con["_acc"].to_numpy()[mine]).to_numpy()
    )
    first = (
        inv[inv["cust"].isin(cids) & ~inv["_deleted"]]
        .drop_duplicates("cust")
        .set_index("cust")
        .reindex(cids)
    )
    moved = first["Id"].dropna().astype(np.int64).to_numpy()
    inv.loc[moved - 1, "cust"] = cl[~first["Id"].isna().to_numpy()]
    w.mark("invoices", moved - 1)
    w.truth.defect(
        AREA,
        "merged_account_orphan_link",
        "medium",
        sf=sf_ids(w, "accounts", losers),
        qb_entity="Customer",
        qb=cl,
    )
    w.truth.touch(sf=sf_ids(w, "accounts", rows), qb_entity="Customer", qb=cids)
    w.truth.touch(qb_entity="Invoice", qb=moved)
    for a, b in zip(cids, cl, strict=True):
        w.truth.cluster("qb_customers", [a, b])
    rows, _ = take_accounts(w, scaled(w.size, 3), linked_accounts(w))
    made = fx.new_accounts(
        w,
        [str(n) + " (dup)" for n in acc["Name"].to_numpy()[rows]],
        created=acc["created"].to_numpy()[rows] + DAY,
        geo=_geo_of(acc, rows),
    )
    acc = w.sf["accounts"]
    acc.loc[made, "IsDeleted"] = True
    acc.loc[made, "MasterRecordId"] = acc["Id"].to_numpy()[rows]
    acc.loc[made, "modified"] = acc["created"].to_numpy()[rows] + 9 * DAY
    w.truth.lookalike(AREA, "deleted_account_without_link", sf=sf_ids(w, "accounts", made))
    w.truth.touch(sf=sf_ids(w, "accounts", rows))


def _geo_of(acc: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The billing place of existing accounts, to give a related record the same address."""
    return pd.DataFrame(
        {
            "city": acc["BillingCity"].to_numpy()[rows],
            "state": acc["BillingState"].to_numpy()[rows],
            "country": acc["_country"].to_numpy()[rows],
            "currency": acc["CurrencyIsoCode"].to_numpy()[rows],
            "postal": acc["BillingPostalCode"].to_numpy()[rows],
            "street": acc["BillingStreet"].to_numpy()[rows],
        }
    )


def _collisions(w: World) -> None:
    """An unlinked account named exactly like a QBO Vendor or Employee: its first invoice will fail
    with 6240. A vendor with a merely similar name is fine."""
    acc = w.sf["accounts"]
    rows = w.pick(
        "accounts",
        (acc["_cust"].to_numpy() == 0)
        & w.free("accounts")
        & ~acc["IsDeleted"].to_numpy().astype(bool),
        scaled(w.size, 3),
    )
    vend = w.qb["vendors"].iloc[np.arange(len(rows)) % len(w.qb["vendors"])].copy()
    vend["Id"] = w.next_qb_id("vendors", len(rows))
    vend["DisplayName"] = vend["CompanyName"] = acc["Name"].to_numpy()[rows]
    w.append("vendors", vend.reset_index(drop=True))
    w.truth.defect(
        AREA,
        "name_collision_vendor",
        "medium",
        sf=sf_ids(w, "accounts", rows),
        qb_entity="Vendor",
        qb=vend["Id"].to_numpy(),
    )
    emp = w.qb["employees"].iloc[:1]
    person = fx.new_accounts(w, [emp["DisplayName"].iloc[0]], country="US")
    w.truth.defect(
        AREA,
        "name_collision_employee",
        "medium",
        sf=sf_ids(w, "accounts", person),
        qb_entity="Employee",
        qb=emp["Id"].to_numpy(),
    )
    rows, _ = take_accounts(w, scaled(w.size, 3), linked_accounts(w))
    base = acc["Name"].str.replace(
        r"\s+(Inc\.?|LLC|L\.L\.C\.|Ltd\.?|Corp\.?|Co\.|Corporation|Incorporated|GmbH|PLC|Limited)$",
        "",
        regex=True,
    )
    vend = w.qb["vendors"].iloc[np.arange(len(rows)) % len(w.qb["vendors"])].copy()
    vend["Id"] = w.next_qb_id("vendors", len(rows))
    vend["DisplayName"] = vend["CompanyName"] = base.to_numpy()[rows] + " Supply Co."
    w.append("vendors", vend.reset_index(drop=True))
    w.truth.lookalike(
        AREA,
        "vendor_similar_name",
        sf=sf_ids(w, "accounts", rows),
        qb_entity="Vendor",
        qb=vend["Id"].to_numpy(),
    )


def _drift(w: World) -> None:
    """Linked pairs whose fields differ: an email or address wiped by a full (non-sparse) update,
    or a phone changed on one side."""
    cust = w.qb["customers"]
    rows, cids = take_accounts(w, scaled(w.size, 10), linked_accounts(w))
    cr = _cust_rows(cids)
    kind = np.arange(len(rows)) % 3
    cust.loc[cr[kind == 0], "email"] = ""
    cust.loc[cr[kind == 1], ["bill_line1", "bill_city", "bill_state", "bill_postal"]] = ""
    _, phone = names.phones(w.rng, pd.Series(["US"] * int((kind == 2).sum())))
    cust.loc[cr[kind == 2], "phone"] = phone.to_numpy()
    cust.loc[cr, "SyncToken"] += 1
    cust.loc[cr, "update"] = AS_OF_TS - w.rng.integers(2 * DAY, 60 * DAY, len(cr))
    w.truth.defect(
        AREA, "field_drift", "low", sf=sf_ids(w, "accounts", rows), qb_entity="Customer", qb=cids
    )


def _currencies(w: World) -> None:
    """Deals in a second currency on an account with one QBO customer (its currency is fixed
    forever): the next invoice fails. Look-alike: an account with one customer per currency."""
    acc, prod = w.sf["accounts"], w.sf["products"]
    usd = acc["CurrencyIsoCode"].to_numpy() == "USD"
    active = np.flatnonzero(prod["IsActive"].to_numpy() & (prod["_item"].to_numpy() > 0))[:40]
    rows, cids = take_accounts(w, scaled(w.size, 3), linked_accounts(w) & usd)
    opps = [
        fx.new_opp(
            w,
            int(r),
            AS_OF_TS - 15 * DAY,
            0,
            w.rng.choice(active, 2, replace=False),
            np.array([1, 2]),
            currency="EUR",
            label="EU Expansion",
        )
        for r in rows
    ]
    w.truth.defect(
        AREA,
        "multi_currency_account",
        "medium",
        sf=sf_ids(w, "accounts", rows),
        qb_entity="Customer",
        qb=cids,
    )
    w.truth.touch(sf=sf_ids(w, "opps", np.array(opps, dtype=np.int64)))
    rows, cids = take_accounts(w, scaled(w.size, 2), linked_accounts(w) & usd)
    made_o: list[int] = []
    made_i: list[int] = []
    for r in rows:
        won = AS_OF_TS - int(w.rng.integers(20, 200)) * DAY
        o = fx.new_opp(
            w,
            int(r),
            won - 20 * DAY,
            won,
            w.rng.choice(active, 2, replace=False),
            np.array([3, 1]),
            currency="CAD",
            label="Canada Rollout",
        )
        name = f"{acc.at[r, 'Name']} (CAD)"
        c = fx.new_customers(
            w,
            np.array([r]),
            np.array([won + 200]),
            display=[name],
            link=False,
            currency=["CAD"],
            origin="sync_extra",
        )
        iid = fx.new_invoice(w, int(c[0]), won + 300, won // DAY, "CAD", opp_row=o)
        fx.copy_opp_lines(w, o, iid)
        fx.link_opp(w, o, iid, won + 304)
        w.truth.pair("customers", cell(acc, r, "Id"), c[0], "match", "linked_ok")
        w.truth.lookalike(
            AREA, "one_customer_per_currency", sf=[cell(acc, r, "Id")], qb_entity="Customer", qb=c
        )
        made_o.append(o)
        made_i.append(iid)
    w.truth.touch(
        sf=sf_ids(w, "opps", np.array(made_o, dtype=np.int64)), qb_entity="Invoice", qb=made_i
    )


def _hard_negatives(w: World) -> None:
    """Franchise locations ('X - Denver' / 'X - Austin'), each linked to its own customer; and a
    same-name company in another city that exists only in QBO."""
    geo = names.geo_frame(w.rng, 400)
    us = geo[geo["country"] == "US"].drop_duplicates("city").reset_index(drop=True)
    brands = [
        "Mr. Rooter Plumbing",
        "Two Men and a Truck",
        "Sir Speedy Printing",
        "Molly Maid",
        "Jan-Pro Cleaning",
        "Snap Fitness",
        "Goddard School",
        "Budget Blinds",
    ]
    k_fr = scaled(w.size, 4)
    brand = [
        brands[k % len(brands)] + ("" if k < len(brands) else f" {k // len(brands) + 1}")
        for k in range(k_fr)
    ]
    g = us.iloc[np.arange(2 * k_fr) % len(us)].reset_index(drop=True)
    nm = [f"{brand[i // 2]} - {g.at[i, 'city']}" for i in range(2 * k_fr)]
    created = AS_OF_TS - np.tile([300, 280], k_fr) * DAY
    a = fx.new_accounts(w, nm, created=created, geo=g)
    c = fx.new_customers(w, a, created + 20 * DAY)
    won = created + 25 * DAY + w.rng.integers(0, 100, len(a)) * DAY
    made_o, made_i = [], []
    for r, cid, t in zip(a, c, won, strict=True):
        o = fx.new_opp(
            w,
            int(r),
            int(t) - 10 * DAY,
            int(t),
            np.array([int(w.rng.integers(0, 30))]),
            np.array([2]),
        )
        iid = fx.new_invoice(w, int(cid), int(t) + 400, int(t) // DAY, "USD", opp_row=o)
        fx.copy_opp_lines(w, o, iid)
        fx.link_opp(w, o, iid, int(t) + 404)
        made_o.append(o)
        made_i.append(iid)
    w.truth.touch(
        sf=sf_ids(w, "opps", np.array(made_o, dtype=np.int64)), qb_entity="Invoice", qb=made_i
    )
    ids = sf_ids(w, "accounts", a)
    for k in range(k_fr):
        w.truth.pair("customers", ids[2 * k], c[2 * k + 1], "hard_negative", "unlinked")
        w.truth.pair("customers", ids[2 * k + 1], c[2 * k], "hard_negative", "unlinked")
    w.truth.lookalike(AREA, "franchise_other_city", sf=ids, qb_entity="Customer", qb=c)
    k_sn = scaled(w.size, 3)
    base = [
        "Summit Dental Group",
        "Precision Auto Body",
        "Riverside Family Dental",
        "Elite Roofing",
    ]
    nm = [base[k % 4] + ("" if k < 4 else f" {k // 4 + 1}") for k in range(k_sn)]
    ga = us.iloc[(3 * np.arange(k_sn) + 5) % len(us)].reset_index(drop=True)
    gb = us.iloc[(3 * np.arange(k_sn) + 11) % len(us)].reset_index(drop=True)
    a = fx.new_accounts(w, nm, geo=ga)
    # The other company exists only in QBO: a hand-made customer with its own place and phone.
    _, phone = names.phones(w.rng, gb["country"])
    ids = w.next_qb_id("customers", k_sn)
    first, last = names.people(w.rng, k_sn)
    rows = pd.DataFrame(
        {
            "Id": ids,
            "DisplayName": nm,
            "CompanyName": nm,
            "GivenName": first,
            "FamilyName": last,
            "email": names.ascii_fold(first) + "@" + names.domains(pd.Series(nm), gb["country"]),
            "phone": phone,
            "currency": gb["currency"],
            "bill_line1": gb["street"],
            "bill_city": gb["city"],
            "bill_state": gb["state"],
            "bill_postal": gb["postal"],
            "bill_country": gb["country"],
            "create": AS_OF_TS - 200 * DAY,
            "update": AS_OF_TS - 200 * DAY,
            "_acc": -1,
            "_origin": "manual",
            "Active": True,
            "Job": False,
            "parent": 0,
            "Notes": "",
            "SyncToken": 0,
            "_deleted": False,
        }
    )
    w.mark("customers", w.append("customers", rows))
    sids = sf_ids(w, "accounts", a)
    for s_, q in zip(sids, ids, strict=True):
        w.truth.pair("customers", s_, q, "hard_negative", "unlinked")
    w.truth.lookalike(AREA, "same_name_other_company", sf=sids, qb_entity="Customer", qb=ids)
    _ = HOUR
