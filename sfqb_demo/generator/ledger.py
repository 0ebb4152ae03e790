"""The clean business on the QBO side, as a well-behaved sync and a bookkeeper would leave it:
items for products, customers for accounts with invoiced deals, invoices for won opportunities
(plus some made by hand), payments, a few credit memos, vendors and employees."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import names
from sfqb_demo.generator.world import AS_OF_TS, DAY, HOUR, World

FX_TO_USD = {"USD": 1.0, "CAD": 0.7312, "EUR": 1.0841, "GBP": 1.2695}
JOBS = np.array(
    ["Warehouse Fit-out", "Phase 2 Rollout", "HQ Renovation", "Annual Maintenance", "Store Opening"]
)


def build_items(w: World) -> None:
    """QBO's default 'Services' and 'Hours' items, then one item per product, linked back."""
    prod, rng = w.sf["products"], w.rng
    n = len(prod)
    ids = np.arange(3, 3 + n)
    itype = prod["_item_type"].to_numpy()
    stocked = itype == "Inventory"
    created = prod["created"].to_numpy() + rng.integers(HOUR, 3 * HOUR, n)
    items = pd.DataFrame(
        {
            "Id": ids,
            "SyncToken": rng.integers(0, 3, n),
            "Name": prod["Name"].str.slice(0, 100),
            "Sku": prod["ProductCode"],
            "Type": itype,
            "Active": True,
            "UnitPrice": prod["_list_usd"].to_numpy(),
            "Description": prod["Description"],
            "QtyOnHand": np.where(stocked, rng.integers(1, 400, n), -1),
            "TrackQtyOnHand": stocked,
            "income": np.where(itype == "Service", "1", "79"),
            "create": created,
            "update": created + rng.integers(0, 200 * DAY, n),
            "_prod": np.arange(n),
        }
    )
    base = pd.DataFrame(
        {
            "Id": [1, 2],
            "SyncToken": [0, 0],
            "Name": ["Services", "Hours"],
            "Sku": ["", ""],
            "Type": ["Service", "Service"],
            "Active": [True, True],
            "UnitPrice": [0, 0],
            "Description": ["", ""],
            "QtyOnHand": [-1, -1],
            "TrackQtyOnHand": [False, False],
            "income": ["1", "1"],
            "create": [AS_OF_TS - 1400 * DAY] * 2,
            "update": [AS_OF_TS - 1400 * DAY] * 2,
            "_prod": [-1, -1],
        }
    )
    # Category items group products in QBO's lists; they cannot be sold.
    cats = pd.DataFrame(
        {
            "Id": [3 + n, 4 + n, 5 + n],
            "SyncToken": 0,
            "Name": ["Hardware", "Software", "Services"],
            "Sku": "",
            "Type": "Category",
            "Active": True,
            "UnitPrice": 0,
            "Description": "",
            "QtyOnHand": -1,
            "TrackQtyOnHand": False,
            "income": "",
            "create": AS_OF_TS - 1300 * DAY,
            "update": AS_OF_TS - 1300 * DAY,
            "_prod": -1,
        }
    )
    w.qb["items"] = pd.concat([base, items, cats], ignore_index=True)
    w.qb["item_groups"] = pd.DataFrame(
        {
            "group": pd.Series([], dtype=np.int64),
            "child": pd.Series([], dtype=np.int64),
            "qty": pd.Series([], dtype=np.int64),
        }
    )
    prod["_item"] = ids
    prod["QBO_Item_Id__c"] = ids.astype(str)


def _invoiced_opps(w: World) -> np.ndarray:
    """Won opportunities the sync has invoiced by the as-of time (it runs every 15 minutes)."""
    opp, rng = w.sf["opps"], w.rng
    lag = rng.integers(60, 15 * 60, len(opp)) + np.where(
        rng.random(len(opp)) < 0.05, rng.integers(HOUR, 9 * HOUR, len(opp)), 0
    )
    opp["_inv_ts"] = opp["won_ts"].to_numpy() + lag
    return np.flatnonzero(opp["IsWon"].to_numpy() & (opp["_inv_ts"].to_numpy() < AS_OF_TS - 60))


def build_customers(w: World) -> np.ndarray:
    """Integration customers (one per account with an invoiced deal), hand-made ones, a few jobs."""
    acc, opp, rng = w.sf["accounts"], w.sf["opps"], w.rng
    invoiced = _invoiced_opps(w)
    first = (
        pd.Series(opp["_inv_ts"].to_numpy()[invoiced])
        .groupby(opp["_acc"].to_numpy()[invoiced])
        .min()
    )
    a = first.index.to_numpy()
    con = w.sf["contacts"].iloc[acc["_contact"].to_numpy()[a]]
    sync = pd.DataFrame(
        {
            "DisplayName": _qbo_variant(rng, acc["Name"].iloc[a].reset_index(drop=True)),
            "GivenName": con["FirstName"].to_numpy(),
            "FamilyName": con["LastName"].to_numpy(),
            "email": con["Email"].to_numpy(),
            "phone": names.reformat_phone(
                rng, acc["_digits"].iloc[a], acc["_country"].iloc[a]
            ).to_numpy(),
            "currency": acc["CurrencyIsoCode"].to_numpy()[a],
            "bill_line1": acc["BillingStreet"].to_numpy()[a],
            "bill_city": acc["BillingCity"].to_numpy()[a],
            "bill_state": acc["BillingState"].to_numpy()[a],
            "bill_postal": acc["BillingPostalCode"].to_numpy()[a],
            "bill_country": acc["_country"].to_numpy()[a],
            "create": first.to_numpy() - rng.integers(2, 20, len(a)),
            "_acc": a,
            "_origin": "sync",
        }
    )
    manual = _manual_customers(w, max(3, w.size // 20))
    cust = (
        pd.concat([sync, manual], ignore_index=True)
        .sort_values("create", kind="stable")
        .reset_index(drop=True)
    )
    cust["Id"] = np.arange(1, len(cust) + 1)
    cust["CompanyName"] = cust["DisplayName"]
    cust["Active"] = True
    cust["Job"] = False
    cust["parent"] = 0
    cust["Notes"] = ""
    cust["SyncToken"] = rng.integers(0, 4, len(cust))
    cust["update"] = np.minimum(
        cust["create"].to_numpy() + rng.integers(0, 90 * DAY, len(cust)), AS_OF_TS - HOUR
    )
    cust["_deleted"] = False
    w.qb["customers"] = cust
    linked = cust[cust["_acc"] >= 0]
    acc.loc[linked["_acc"].to_numpy(), "_cust"] = linked["Id"].to_numpy()
    acc.loc[linked["_acc"].to_numpy(), "QBO_Customer_Id__c"] = linked["Id"].astype(str).to_numpy()
    acc.loc[linked["_acc"].to_numpy(), "modified"] = np.maximum(
        acc["modified"].to_numpy()[linked["_acc"].to_numpy()], linked["create"].to_numpy() + 3
    )
    _jobs(w)
    return invoiced


def _qbo_variant(rng: np.random.Generator, name: pd.Series) -> pd.Series:
    """How QBO shows a Salesforce name after people tidy it: mostly identical; sometimes the legal
    suffix dropped, case changed, '&' spelled 'and', punctuation gone."""
    r = rng.random(len(name))
    out = name.copy()
    drop = r < 0.08
    out[drop] = name[drop].str.replace(
        r",?\s+(Inc\.?|LLC|L\.L\.C\.|Ltd\.?|Corp\.?|Co\.|Corporation|Limited|GmbH|PLC|Pty Ltd|B\.V\.|S\.A\.)$",
        "",
        regex=True,
    )
    upper = (r >= 0.08) & (r < 0.12)
    out[upper] = name[upper].str.upper()
    amp = (r >= 0.12) & (r < 0.17)
    out[amp] = name[amp].str.replace(" & ", " and ", regex=False)
    punct = (r >= 0.17) & (r < 0.2)
    out[punct] = name[punct].str.replace(".", "", regex=False)
    return out


def _manual_customers(w: World, n: int) -> pd.DataFrame:
    """Customers a bookkeeper created by hand (walk-ins, one-off jobs): no Salesforce account."""
    rng = w.rng
    geo = names.geo_frame(rng, n)
    avoid = set(names.name_key(w.sf["accounts"]["Name"]))
    name = names.company_names(rng, geo["country"], avoid=avoid)
    first, last = names.people(rng, n)
    _, phone = names.phones(rng, geo["country"])
    return pd.DataFrame(
        {
            "DisplayName": name,
            "GivenName": first,
            "FamilyName": last,
            "email": names.ascii_fold(first) + "@" + names.domains(name, geo["country"]),
            "phone": phone,
            "currency": geo["currency"],
            "bill_line1": geo["street"],
            "bill_city": geo["city"],
            "bill_state": geo["state"],
            "bill_postal": geo["postal"],
            "bill_country": geo["country"],
            "create": AS_OF_TS - rng.integers(2 * DAY, 560 * DAY, n),
            "_acc": -1,
            "_origin": "manual",
        }
    )


def _jobs(w: World) -> None:
    """Sub-customers (jobs) under a few integration customers: ParentRef, 'Parent:Child' names."""
    cust, rng = w.qb["customers"], w.rng
    parents = cust.index[cust["_origin"] == "sync"].to_numpy()
    pick = np.sort(
        rng.choice(parents, size=min(len(parents), max(1, w.size // 150)), replace=False)
    )
    par = cust.iloc[pick]
    job = JOBS[rng.integers(0, len(JOBS), len(pick))]
    rows = par.copy()
    rows["DisplayName"] = par["DisplayName"].to_numpy() + " - " + job
    rows["CompanyName"] = par["DisplayName"].to_numpy()
    rows["Job"] = True
    rows["parent"] = par["Id"].to_numpy()
    rows["_acc"] = -1
    rows["_origin"] = "job"
    rows["create"] = np.minimum(
        par["create"].to_numpy() + rng.integers(DAY, 60 * DAY, len(pick)), AS_OF_TS - DAY
    )
    rows["update"] = rows["create"]
    rows["Id"] = w.next_qb_id("customers", len(pick))
    w.qb["customers"] = pd.concat([cust, rows], ignore_index=True)
