"""Invoices (from won opportunities, and by hand), payments, credit memos, vendors, employees,
and the write-back of invoice links to Salesforce."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import names
from sfqb_demo.generator.ledger import FX_TO_USD
from sfqb_demo.generator.world import AS_OF_TS, DAY, HOUR, World

HAND_NOTES = np.array(
    ["", "", "Per phone order", "Walk-in sale", "Replacement parts", "Rush order - call first"]
)


def build_invoices(w: World, invoiced: np.ndarray) -> None:
    """One invoice per invoiced opportunity (lines copied at net unit prices) plus hand-made ones."""
    opp, acc, lines, rng = w.sf["opps"], w.sf["accounts"], w.sf["lines"], w.rng
    sync = pd.DataFrame(
        {
            "create": opp["_inv_ts"].to_numpy()[invoiced],
            "TxnDate": opp["close_day"].to_numpy()[invoiced],
            "cust": acc["_cust"].to_numpy()[opp["_acc"].to_numpy()[invoiced]],
            "currency": opp["CurrencyIsoCode"].to_numpy()[invoiced],
            "_opp": invoiced,
            "_origin": "sync",
        }
    )
    manual = _manual_invoices(w)
    inv = (
        pd.concat([sync, manual], ignore_index=True)
        .sort_values("create", kind="stable")
        .reset_index(drop=True)
    )
    inv["Id"] = np.arange(1, len(inv) + 1)
    inv["DocNumber"] = (1000 + inv["Id"]).astype(str)
    inv["DueDate"] = inv["TxnDate"] + 30
    inv["rate"] = inv["currency"].map(FX_TO_USD)
    inv["SyncToken"] = 0
    inv["update"] = inv["create"]
    for col, value in {"discount": 0, "tax": 0, "total_override": -1, "paid": 0}.items():
        inv[col] = np.int64(value)
    inv["discount_pct"] = np.nan
    inv["tax_mode"] = ""
    notes = np.asarray(HAND_NOTES[rng.integers(0, len(HAND_NOTES), len(inv))], dtype=object)
    notes[(inv["_origin"] == "sync").to_numpy()] = None  # the sync writes its own note later
    inv["PrivateNote"] = notes
    inv["_deleted"] = False
    w.qb["invoices"] = inv
    sync_rows = inv.index[inv["_origin"] == "sync"].to_numpy()
    o = inv["_opp"].to_numpy()[sync_rows]
    opp.loc[o, "_inv"] = inv["Id"].to_numpy()[sync_rows]
    _sync_lines(w, inv.iloc[sync_rows], lines)
    _writeback(w, o, inv["Id"].to_numpy()[sync_rows], inv["create"].to_numpy()[sync_rows])


def _sync_lines(w: World, inv: pd.DataFrame, lines: pd.DataFrame) -> None:
    o2inv = pd.Series(inv["Id"].to_numpy(), index=inv["_opp"].to_numpy())
    sel = lines[lines["_opp"].isin(o2inv.index)]
    prod_item = w.sf["products"]["_item"].to_numpy()
    new = pd.DataFrame(
        {
            "txn": o2inv.reindex(sel["_opp"].to_numpy()).to_numpy(),
            "item": prod_item[sel["_prod"].to_numpy()],
            "qty": sel["Quantity"].to_numpy().astype(float),
            "unit_txt": _cents_txt(sel["_net"].to_numpy()),
            "amount": sel["TotalPrice"].to_numpy(),
            "_oli": sel.index.to_numpy(),
            "group": 0,
        }
    )
    w.qb["inv_lines"] = (
        pd.concat([w.qb.get("inv_lines"), new], ignore_index=True) if "inv_lines" in w.qb else new
    )


def _cents_txt(cents: np.ndarray) -> np.ndarray:
    """Integer cents as '12.34' text (a unit price QBO shows with two decimals)."""
    c = np.asarray(cents, dtype=np.int64)
    if len(c) < 64:  # small batches: plain formatting beats building Series
        return np.array(
            [f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}" for v in c.tolist()],
            dtype=object,
        )
    sign = np.where(c < 0, "-", "")
    a = np.abs(c)
    return (
        pd.Series(sign)
        + pd.Series(a // 100).astype(str)
        + "."
        + pd.Series(a % 100).astype(str).str.zfill(2)
    ).to_numpy()


def _manual_invoices(w: World) -> pd.DataFrame:
    """Invoices a bookkeeper keyed in QBO for hand-made customers (not the integration's)."""
    cust, items, rng = w.qb["customers"], w.qb["items"], w.rng
    man = cust[cust["_origin"] == "manual"]
    per = rng.integers(0, 4, len(man))
    c = np.repeat(np.arange(len(man)), per)
    create = man["create"].to_numpy()[c] + rng.integers(HOUR, 200 * DAY, len(c))
    create = np.minimum(create, AS_OF_TS - 2 * HOUR)
    inv = pd.DataFrame(
        {
            "create": create,
            "TxnDate": create // DAY,
            "cust": man["Id"].to_numpy()[c],
            "currency": man["currency"].to_numpy()[c],
            "_opp": -1,
            "_origin": "manual",
        }
    )
    w.qb["_manual_line_items"] = items.loc[items["_prod"] >= 0, ["Id", "UnitPrice"]].reset_index(
        drop=True
    )
    return inv


def manual_lines(w: World) -> None:
    """Lines of hand-made invoices: one to three items at the item's price."""
    inv, rng, pool = w.qb["invoices"], w.rng, w.qb.pop("_manual_line_items")
    rows = inv.index[inv["_origin"] == "manual"].to_numpy()
    per = rng.integers(1, 4, len(rows))
    r = np.repeat(rows, per)
    pick = rng.integers(0, len(pool), len(r))
    qty = rng.integers(1, 6, len(r))
    price = pool["UnitPrice"].to_numpy()[pick]
    new = pd.DataFrame(
        {
            "txn": inv["Id"].to_numpy()[r],
            "item": pool["Id"].to_numpy()[pick],
            "qty": qty.astype(float),
            "unit_txt": _cents_txt(price),
            "amount": qty * price,
            "_oli": -1,
            "group": 0,
        }
    )
    w.qb["inv_lines"] = pd.concat([w.qb["inv_lines"], new], ignore_index=True)


def _writeback(w: World, o: np.ndarray, inv_ids: np.ndarray, created: np.ndarray) -> None:
    """The sync writes the invoice Id, status and stamp back; that update is the opportunity's
    last modification (LastModifiedDate equals the stamp)."""
    opp = w.sf["opps"]
    stamp = created + 4
    opp.loc[o, "QBO_Invoice_Id__c"] = inv_ids.astype(str)
    opp.loc[o, "QBO_Sync_Status__c"] = "Synced"
    opp.loc[o, "last_sync"] = stamp
    opp.loc[o, "modified"] = stamp


def build_payments(w: World) -> None:
    """Most older invoices are paid in full by one payment; some are still open."""
    inv, rng = w.qb["invoices"], w.rng
    total = (
        w.qb["inv_lines"].groupby("txn")["amount"].sum().reindex(inv["Id"], fill_value=0).to_numpy()
    )
    age = AS_OF_TS - inv["create"].to_numpy()
    p = np.where(age > 45 * DAY, 0.9, np.where(age > 10 * DAY, 0.5, 0.08))
    pay_ts = (
        inv["TxnDate"].to_numpy() * DAY
        + rng.integers(3 * DAY, 45 * DAY, len(inv))
        + rng.integers(0, DAY, len(inv))
    )
    pay_ts = np.maximum(pay_ts, inv["create"].to_numpy() + DAY)
    paid = (rng.random(len(inv)) < p) & (pay_ts < AS_OF_TS - 3600) & (total > 0)
    rows = np.flatnonzero(paid)
    rows = rows[np.argsort(pay_ts[rows], kind="stable")]
    pay = pd.DataFrame(
        {
            "Id": np.arange(1, len(rows) + 1),
            "SyncToken": 0,
            "TxnDate": pay_ts[rows] // DAY,
            "cust": inv["cust"].to_numpy()[rows],
            "currency": inv["currency"].to_numpy()[rows],
            "total": total[rows],
            "unapplied": 0,
            "ref": np.where(
                rng.random(len(rows)) < 0.6, rng.integers(1000, 99999, len(rows)).astype(str), ""
            ),
            "PrivateNote": "",
            "create": pay_ts[rows],
            "_deleted": False,
        }
    )
    pay["update"] = pay["create"]
    w.qb["payments"] = pay
    w.qb["paylinks"] = pd.DataFrame(
        {"pay": pay["Id"].to_numpy(), "txn": inv["Id"].to_numpy()[rows], "amount": total[rows]}
    )
    # Applying a payment updates the invoice: Balance 0, SyncToken bumped, LastUpdatedTime moved.
    inv.loc[rows, "paid"] = total[rows]
    inv.loc[rows, "SyncToken"] = 1
    inv.loc[rows, "update"] = pay_ts[rows]


def build_credit_memos(w: World) -> None:
    """A few returns: a credit memo for one line of a paid invoice."""
    inv, lines, rng = w.qb["invoices"], w.qb["inv_lines"], w.rng
    paid = inv.index[(inv["paid"] > 0) & (inv["_origin"] == "sync")].to_numpy()
    rows = np.sort(rng.choice(paid, size=min(len(paid), max(2, w.size // 150)), replace=False))
    first_line = lines.drop_duplicates("txn").set_index("txn")
    src = first_line.loc[inv["Id"].to_numpy()[rows]]
    create = np.minimum(
        inv["update"].to_numpy()[rows] + rng.integers(DAY, 20 * DAY, len(rows)), AS_OF_TS - DAY
    )
    unit = (
        pd.Series(src["unit_txt"].to_numpy())
        .str.replace(".", "", regex=False)
        .astype(np.int64)
        .to_numpy()
    )
    cm = pd.DataFrame(
        {
            "Id": np.arange(1, len(rows) + 1),
            "SyncToken": 0,
            "DocNumber": "",
            "TxnDate": create // DAY,
            "cust": inv["cust"].to_numpy()[rows],
            "currency": inv["currency"].to_numpy()[rows],
            "rate": inv["rate"].to_numpy()[rows],
            "item": src["item"].to_numpy(),
            "unit_txt": src["unit_txt"].to_numpy(),
            "total": unit,
            "PrivateNote": "Return against invoice " + inv["DocNumber"].to_numpy()[rows],
            "create": create,
            "update": create,
        }
    )
    cm["DocNumber"] = "CM-" + cm["Id"].astype(str).str.zfill(4)
    w.qb["credit_memos"] = cm


def build_people(w: World) -> None:
    """Vendors (suppliers) and employees: their DisplayNames share QBO's one namespace."""
    rng = w.rng
    nv, ne = max(12, w.size // 40), max(6, w.size // 200)
    geo = names.geo_frame(rng, nv)
    avoid = set(names.name_key(w.sf["accounts"]["Name"])) | set(
        names.name_key(w.qb["customers"]["DisplayName"])
    )
    vname = names.company_names(rng, geo["country"], avoid=avoid)
    _, vphone = names.phones(rng, geo["country"])
    vcreate = AS_OF_TS - rng.integers(30 * DAY, 900 * DAY, nv)
    w.qb["vendors"] = pd.DataFrame(
        {
            "Id": np.arange(1, nv + 1),
            "SyncToken": 0,
            "DisplayName": vname,
            "CompanyName": vname,
            "Active": True,
            "phone": vphone,
            "email": "ar@" + names.domains(vname, geo["country"]),
            "currency": geo["currency"],
            "create": np.sort(vcreate),
            "update": np.sort(vcreate),
        }
    )
    first, last = names.people(rng, ne * 2)
    keep = ~(first + " " + last).duplicated().to_numpy()
    first, last = (
        first[keep].head(ne).reset_index(drop=True),
        last[keep].head(ne).reset_index(drop=True),
    )
    ne = len(first)
    ecreate = np.sort(AS_OF_TS - rng.integers(30 * DAY, 1500 * DAY, ne))
    _, ephone = names.phones(rng, pd.Series(["US"] * ne))
    w.qb["employees"] = pd.DataFrame(
        {
            "Id": np.arange(1, ne + 1),
            "SyncToken": 0,
            "GivenName": first,
            "FamilyName": last,
            "DisplayName": first + " " + last,
            "Active": True,
            "phone": ephone,
            "email": "",
            "create": ecreate,
            "update": ecreate,
        }
    )
