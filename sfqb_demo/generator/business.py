"""The clean business on the Salesforce side: accounts, contacts, products, the standard
pricebook, opportunities and their lines. The QBO side (ledger.py) is derived from these the way
a well-behaved sync would write it; defects are injected afterwards."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import catalog, names
from sfqb_demo.generator.world import AS_OF_TS, DAY, HISTORY_DAYS, HOUR, World

COUNTRY_NAME = {
    "CA": "Canada",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
    "NL": "Netherlands",
    "ES": "Spain",
    "IE": "Ireland",
    "AU": "Australia",
}
# Standard pricebook prices per currency, from the USD list price (whole units, like real lists).
FX_FROM_USD = {"USD": 1.0, "CAD": 1.36, "EUR": 0.92, "GBP": 0.79}
OPEN_STAGES = np.array(
    ["Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review"]
)
OPP_LABELS = np.array(
    ["New Business", "Renewal", "Expansion", "Upsell", "Pilot", "Add-on Order", "Replacement"]
)


def build_accounts(w: World) -> None:
    """Accounts with billing addresses, phones, web domains; one or two contacts each."""
    rng, n = w.rng, w.size
    geo = names.geo_frame(rng, n)
    name = names.company_names(rng, geo["country"])
    digits, phone = names.phones(rng, geo["country"])
    us_name = np.array(["United States", "USA", "US", "United States"], dtype=object)[
        rng.integers(0, 4, n)
    ]
    country_out = np.where(geo["country"] == "US", us_name, geo["country"].map(COUNTRY_NAME))
    created = AS_OF_TS - rng.integers(20 * DAY, (HISTORY_DAYS + 60) * DAY, n)
    domain = names.domains(name, geo["country"])
    w.sf["accounts"] = pd.DataFrame(
        {
            "Id": w.ids.make("Account", n),
            "Name": name,
            "Type": np.where(rng.random(n) < 0.85, "Customer", "Prospect"),
            "Phone": phone,
            "Website": "www." + domain,
            "BillingStreet": geo["street"],
            "BillingCity": geo["city"],
            "BillingState": geo["state"],
            "BillingPostalCode": geo["postal"],
            "BillingCountry": country_out,
            "CurrencyIsoCode": geo["currency"],
            "IsDeleted": False,
            "MasterRecordId": "",
            "created": np.sort(created),
            "modified": np.sort(created) + rng.integers(60, 30 * DAY, n),
            "QBO_Customer_Id__c": "",
            "_country": geo["country"],
            "_digits": digits,
            "_domain": domain,
            "_cust": 0,
        }
    )
    _contacts(w)


def _contacts(w: World) -> None:
    rng, acc = w.rng, w.sf["accounts"]
    per = 1 + (rng.random(len(acc)) < 0.35).astype(int)
    owner = np.repeat(np.arange(len(acc)), per)
    first, last = names.people(rng, len(owner))
    free = rng.random(len(owner)) < 0.12
    local = names.ascii_fold(first) + "." + names.ascii_fold(last)
    dom = np.where(
        free,
        names.FREE_MAIL[rng.integers(0, len(names.FREE_MAIL), len(owner))],
        acc["_domain"].to_numpy()[owner],
    )
    _, phone = names.phones(rng, acc["_country"].iloc[owner].reset_index(drop=True))
    created = acc["created"].to_numpy()[owner] + rng.integers(60, 5 * DAY, len(owner))
    w.sf["contacts"] = pd.DataFrame(
        {
            "Id": w.ids.make("Contact", len(owner)),
            "_acc": owner,
            "FirstName": first,
            "LastName": last,
            "Email": local + "@" + pd.Series(dom),
            "Phone": phone,
            "IsDeleted": False,
            "created": created,
            "modified": created + rng.integers(0, 40 * DAY, len(owner)),
        }
    )
    primary = ~pd.Series(owner).duplicated().to_numpy()
    acc["_contact"] = np.flatnonzero(primary)


def build_products(w: World) -> None:
    """Product2, the standard Pricebook2 and one PricebookEntry per product and currency."""
    rng = w.rng
    cat = catalog.build_catalog(rng, catalog.product_count(w.size))
    n = len(cat)
    created = AS_OF_TS - rng.integers((HISTORY_DAYS + 30) * DAY, (HISTORY_DAYS + 400) * DAY, n)
    cat["Id"] = w.ids.make("Product2", n)
    cat["IsActive"] = rng.random(n) > 0.04
    cat["IsDeleted"] = False
    cat["created"] = created
    cat["modified"] = created + rng.integers(DAY, 300 * DAY, n)
    cat["QBO_Item_Id__c"] = ""
    cat["_item"] = 0
    w.sf["products"] = cat
    w.sf["pricebooks"] = pd.DataFrame(
        {
            "Id": w.ids.make("Pricebook2", 1),
            "Name": ["Standard Price Book"],
            "IsStandard": [True],
            "IsActive": [True],
        }
    )
    cur = list(FX_FROM_USD)
    prod = np.repeat(np.arange(n), len(cur))
    currency = np.tile(cur, n)
    fx = pd.Series(currency).map(FX_FROM_USD).to_numpy()
    price = (
        np.maximum(1, np.round(cat["_list_usd"].to_numpy()[prod] / 100 * fx)).astype(np.int64) * 100
    )
    w.sf["pbes"] = pd.DataFrame(
        {
            "Id": w.ids.make("PricebookEntry", len(prod)),
            "_prod": prod,
            "UnitPrice": price,
            "CurrencyIsoCode": currency,
            "IsActive": True,
            "UseStandardPrice": False,
        }
    )


def build_opportunities(w: World) -> None:
    """About three opportunities per account over 18 months: won, lost and open."""
    rng, acc = w.rng, w.sf["accounts"]
    per = np.clip(rng.poisson(3.0, len(acc)), 0, 15)
    a = np.repeat(np.arange(len(acc)), per)
    n = len(a)
    acc_created = acc["created"].to_numpy()[a]
    span = np.maximum(AS_OF_TS - 5 * DAY - acc_created, DAY)
    created = acc_created + (rng.random(n) * span).astype(np.int64)
    close_day = (created // DAY) + rng.integers(7, 80, n)
    won_ts = close_day * DAY + rng.integers(14 * HOUR, 23 * HOUR, n)
    closed = won_ts < AS_OF_TS
    won = closed & (rng.random(n) < 0.64)
    stage = np.where(
        won, "Closed Won", np.where(closed, "Closed Lost", OPEN_STAGES[rng.integers(0, 5, n)])
    )
    label = OPP_LABELS[rng.integers(0, len(OPP_LABELS), n)]
    year = pd.to_datetime(close_day, unit="D").year.astype(str)
    modified = np.where(
        closed,
        np.minimum(won_ts + rng.integers(60, 3 * DAY, n), AS_OF_TS - 60),
        np.minimum(created + rng.integers(HOUR, 20 * DAY, n), AS_OF_TS - 60),
    )
    order = np.argsort(created, kind="stable")
    opp = (
        pd.DataFrame(
            {
                "_acc": a,
                "Name": acc["Name"].to_numpy()[a] + " - " + label + " " + year,
                "StageName": stage,
                "IsWon": won,
                "IsClosed": closed,
                "close_day": close_day,
                "won_ts": np.where(won, won_ts, 0),
                "CurrencyIsoCode": acc["CurrencyIsoCode"].to_numpy()[a],
                "IsDeleted": False,
                "created": created,
                "modified": modified,
                "QBO_Invoice_Id__c": "",
                "QBO_Sync_Status__c": "",
                "QBO_Sync_Error__c": "",
                "last_sync": 0,
                "_inv": 0,
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )
    opp.insert(0, "Id", w.ids.make("Opportunity", n))
    w.sf["opps"] = opp
    _lines(w)


def _lines(w: World) -> None:
    """Opportunity lines: sales price (sometimes negotiated below list), a discount % on some."""
    rng, opp, prod, pbe = w.rng, w.sf["opps"], w.sf["products"], w.sf["pbes"]
    per = np.clip(1 + rng.poisson(2.3, len(opp)), 1, 8)
    o = np.repeat(np.arange(len(opp)), per)
    n = len(o)
    active = np.flatnonzero(prod["IsActive"].to_numpy())
    weight = 1.0 / (np.arange(len(active)) + 8.0)
    p = active[rng.choice(len(active), size=n, p=weight / weight.sum())]
    cur_idx = (
        pd.Series(opp["CurrencyIsoCode"].to_numpy()[o])
        .map({c: i for i, c in enumerate(FX_FROM_USD)})
        .to_numpy()
    )
    e = p * len(FX_FROM_USD) + cur_idx  # PricebookEntry row of (product, currency)
    list_price = pbe["UnitPrice"].to_numpy()[e]
    negotiated = rng.random(n) < 0.18
    unit = np.where(
        negotiated,
        np.maximum(100, np.round(list_price * rng.uniform(0.85, 0.95, n) / 100) * 100),
        list_price,
    ).astype(np.int64)
    qty = np.where(rng.random(n) < 0.4, 1, rng.integers(2, 21, n)).astype(np.int64)
    disc = np.where(rng.random(n) < 0.12, rng.choice([5, 10, 15, 20, 25], n), 0).astype(np.int64)
    net = unit * (100 - disc) // 100  # whole-unit prices: always whole cents
    created = opp["created"].to_numpy()[o] + rng.integers(60, 2 * DAY, n)
    created = np.minimum(created, AS_OF_TS - 120)
    w.sf["lines"] = pd.DataFrame(
        {
            "Id": w.ids.make("OpportunityLineItem", n),
            "_opp": o,
            "_prod": p,
            "_pbe": e,
            "Quantity": qty,
            "UnitPrice": unit,
            "ListPrice": list_price,
            "Discount": disc,
            "Subtotal": qty * unit,
            "TotalPrice": qty * net,
            "_net": net,
            "SortOrder": pd.Series(o).groupby(o).cumcount().to_numpy() + 1,
            "CurrencyIsoCode": opp["CurrencyIsoCode"].to_numpy()[o],
            "created": created,
            "modified": created,
        }
    )
    opp["Amount"] = (
        pd.Series(qty * net).groupby(o).sum().reindex(range(len(opp)), fill_value=0).to_numpy()
    )
