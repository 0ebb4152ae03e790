"""Small builders the defect injectors share: new accounts, customers, opportunities with lines,
invoices, payments; invoice totals before finalize. Rows are appended; QBO Ids continue each
entity's sequence, so an invoice's row is always Id - 1."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import names
from sfqb_demo.generator.business import FX_FROM_USD
from sfqb_demo.generator.invoicing import _cents_txt
from sfqb_demo.generator.ledger import FX_TO_USD
from sfqb_demo.generator.world import AS_OF_TS, DAY, World, cell

CURRENCIES = list(FX_FROM_USD)


def inv_rows(ids: np.ndarray) -> np.ndarray:
    """Row positions of invoices (payments, customers, items too) from their QBO Ids."""
    return np.asarray(ids, dtype=np.int64) - 1


def invoice_totals(w: World, ids: np.ndarray) -> np.ndarray:
    """subtotal - discount + tax for invoice Ids, from the current lines (before finalize)."""
    lines = w.qb["inv_lines"]
    sales = lines[lines["txn"].isin(ids).to_numpy() & ~lines["is_group"].to_numpy(dtype=bool)]
    sub = sales.groupby("txn")["amount"].sum().reindex(ids, fill_value=0).to_numpy()
    inv = w.qb["invoices"].iloc[inv_rows(ids)]
    return sub - inv["discount"].to_numpy() + inv["tax"].to_numpy()


def new_accounts(
    w: World,
    names_: list[str],
    country: str = "US",
    created: np.ndarray | None = None,
    geo: pd.DataFrame | None = None,
    phone: np.ndarray | None = None,
    website: np.ndarray | None = None,
) -> np.ndarray:
    """Accounts with given names (one contact each); returns their rows."""
    n, rng = len(names_), w.rng
    if geo is None:
        pool = names.geo_frame(rng, max(400, n * 50))
        geo = pool[pool["country"] == country].head(n).reset_index(drop=True)
        if len(geo) < n:
            geo = pool.head(n).reset_index(drop=True)
    if len(geo) < n:
        geo = pd.concat([geo] * (n // max(len(geo), 1) + 1), ignore_index=True).head(n)
    digits, new_phone = names.phones(rng, geo["country"])
    phone = new_phone.to_numpy() if phone is None else phone
    created = created if created is not None else AS_OF_TS - rng.integers(200 * DAY, 500 * DAY, n)
    name_s = pd.Series(names_, dtype=object)
    domain = names.domains(name_s, geo["country"])
    rows = pd.DataFrame(
        {
            "Id": w.ids.make("Account", n),
            "Name": name_s,
            "Type": "Customer",
            "Phone": phone,
            "Website": ("www." + domain).to_numpy() if website is None else website,
            "BillingStreet": geo["street"],
            "BillingCity": geo["city"],
            "BillingState": geo["state"],
            "BillingPostalCode": geo["postal"],
            "BillingCountry": np.where(geo["country"] == "US", "United States", geo["country"]),
            "CurrencyIsoCode": geo["currency"],
            "IsDeleted": False,
            "MasterRecordId": "",
            "created": created,
            "modified": created + rng.integers(60, 20 * DAY, n),
            "QBO_Customer_Id__c": "",
            "_country": geo["country"],
            "_digits": digits,
            "_domain": domain,
            "_cust": 0,
            "_contact": w.sf.length["contacts"] + np.arange(n),
        }
    )
    pos = w.append("accounts", rows)
    first, last = names.people(rng, n)
    con = pd.DataFrame(
        {
            "Id": w.ids.make("Contact", n),
            "_acc": pos,
            "FirstName": first,
            "LastName": last,
            "Email": names.ascii_fold(first) + "." + names.ascii_fold(last) + "@" + domain,
            "Phone": phone,
            "IsDeleted": False,
            "created": created + 600,
            "modified": created + 600,
        }
    )
    w.append("contacts", con)
    w.mark("accounts", pos)
    return pos


def new_customers(
    w: World,
    acc_rows: np.ndarray,
    create: np.ndarray,
    display: list[str] | None = None,
    link: bool = True,
    origin: str = "sync",
    currency: list[str] | None = None,
) -> np.ndarray:
    """QBO customers for accounts (copied fields); returns their Ids."""
    acc = w.sf["accounts"].iloc[acc_rows]
    con = w.sf["contacts"].iloc[acc["_contact"].astype(int).to_numpy()]
    ids = w.next_qb_id("customers", len(acc_rows))
    disp = display if display is not None else acc["Name"].tolist()
    rows = pd.DataFrame(
        {
            "Id": ids,
            "DisplayName": disp,
            "CompanyName": disp,
            "GivenName": con["FirstName"].to_numpy(),
            "FamilyName": con["LastName"].to_numpy(),
            "email": con["Email"].to_numpy(),
            "phone": acc["Phone"].to_numpy(),
            "currency": currency if currency is not None else acc["CurrencyIsoCode"].to_numpy(),
            "bill_line1": acc["BillingStreet"].to_numpy(),
            "bill_city": acc["BillingCity"].to_numpy(),
            "bill_state": acc["BillingState"].to_numpy(),
            "bill_postal": acc["BillingPostalCode"].to_numpy(),
            "bill_country": acc["_country"].to_numpy(),
            "create": create,
            "update": create,
            "_acc": acc_rows if origin in ("sync", "sync_copy") else -1,
            "_origin": origin,
            "Active": True,
            "Job": False,
            "parent": 0,
            "Notes": "",
            "SyncToken": 0,
            "_deleted": False,
        }
    )
    pos = w.append("customers", rows)
    w.mark("customers", pos)
    if link:
        w.sf["accounts"].loc[acc_rows, "_cust"] = ids
        w.sf["accounts"].loc[acc_rows, "QBO_Customer_Id__c"] = ids.astype(str)
    return ids


def new_opp(
    w: World,
    acc_row: int,
    created: int,
    won_ts: int,
    products: np.ndarray,
    qty: np.ndarray,
    currency: str | None = None,
    label: str = "New Business",
    stage: str | None = None,
) -> int:
    """One opportunity with one line per product at the standard price; won when won_ts > 0."""
    acc = w.sf["accounts"]
    cur = currency or cell(acc, acc_row, "CurrencyIsoCode")
    won = won_ts > 0
    close_day = (won_ts if won else created + 30 * DAY) // DAY
    opp = pd.DataFrame(
        {
            "Id": w.ids.make("Opportunity", 1),
            "_acc": [acc_row],
            "Name": [f"{acc.at[acc_row, 'Name']} - {label}"],
            "StageName": [stage or ("Closed Won" if won else "Negotiation/Review")],
            "IsWon": [won],
            "IsClosed": [won],
            "close_day": [close_day],
            "won_ts": [won_ts],
            "CurrencyIsoCode": [cur],
            "IsDeleted": [False],
            "created": [created],
            "modified": [won_ts + 120 if won else created + DAY],
            "QBO_Invoice_Id__c": [""],
            "QBO_Sync_Status__c": [""],
            "QBO_Sync_Error__c": [""],
            "last_sync": [0],
            "_inv": [0],
            "_inv_ts": [0],
        }
    )
    pbe = (np.asarray(products) * len(CURRENCIES) + CURRENCIES.index(cur)).astype(np.int64)
    price = w.sf["pbes"]["UnitPrice"].to_numpy()[pbe]
    q = np.asarray(qty, dtype=np.int64)
    opp["Amount"] = int((q * price).sum())
    o = int(w.append("opps", opp)[0])
    lines = pd.DataFrame(
        {
            "Id": w.ids.make("OpportunityLineItem", len(pbe)),
            "_opp": o,
            "_prod": products,
            "_pbe": pbe,
            "Quantity": q,
            "UnitPrice": price,
            "ListPrice": price,
            "Discount": 0,
            "Subtotal": q * price,
            "TotalPrice": q * price,
            "_net": price,
            "SortOrder": np.arange(1, len(pbe) + 1),
            "CurrencyIsoCode": cur,
            "created": created + 300,
            "modified": created + 300,
        }
    )
    oli = w.append("lines", lines)
    w.opp_lines[o] = (oli, np.asarray(products), q, price)
    w.mark("opps", [o])
    return o


def new_invoice(
    w: World,
    cust: int,
    create: int,
    txn_day: int,
    currency: str,
    origin: str = "sync",
    opp_row: int = -1,
    note: str | None = None,
) -> int:
    """An invoice header (no lines yet); returns its Id. Lines: add_lines or copy_opp_lines."""
    iid = int(w.next_qb_id("invoices", 1)[0])
    row = pd.DataFrame(
        {
            "create": [create],
            "TxnDate": [txn_day],
            "cust": [cust],
            "currency": [currency],
            "_opp": [opp_row],
            "_origin": [origin],
            "Id": [iid],
            "DocNumber": [str(1000 + iid)],
            "DueDate": [txn_day + 30],
            "rate": [FX_TO_USD[currency]],
            "SyncToken": [0],
            "update": [create],
            "discount": [0],
            "tax": [0],
            "total_override": [-1],
            "paid": [0],
            "discount_pct": [np.nan],
            "tax_mode": [""],
            "PrivateNote": [note],
            "_deleted": [False],
        }
    )
    w.mark("invoices", w.append("invoices", row))
    return iid


def copy_opp_lines(w: World, opp_row: int, iid: int) -> None:
    """Invoice lines mirroring an opportunity's lines at net unit prices."""
    if opp_row in w.opp_lines:  # made by new_opp: no need to read (and concatenate) the lines table
        oli, products, q, net = w.opp_lines[opp_row]
        add_lines(w, iid, w.sf["products"]["_item"].to_numpy()[products], q, net, oli)
        return
    lines = w.sf["lines"]
    sel = lines[lines["_opp"] == opp_row]
    item = w.sf["products"]["_item"].to_numpy()[sel["_prod"].to_numpy()]
    add_lines(
        w, iid, item, sel["Quantity"].to_numpy(), sel["_net"].to_numpy(), sel.index.to_numpy()
    )


def add_lines(
    w: World,
    iid: int,
    items: np.ndarray,
    qty: np.ndarray,
    unit_cents: np.ndarray,
    oli: np.ndarray | None = None,
) -> None:
    q = np.asarray(qty, dtype=np.int64)
    u = np.asarray(unit_cents, dtype=np.int64)
    new = pd.DataFrame(
        {
            "txn": iid,
            "item": items,
            "qty": q.astype(float),
            "unit_txt": _cents_txt(u),
            "amount": q * u,
            "_oli": oli if oli is not None else -1,
            "group": 0,
            "is_group": False,
            "gkey": 0,
        }
    )
    w.append("inv_lines", new)


def link_opp(w: World, opp_row: int, iid: int, stamp: int) -> None:
    """The write-back: invoice Id, status and stamp on the opportunity (applied in bulk by
    apply_links, so loops that make opportunities do not re-read the table)."""
    w.pending_links.append((opp_row, iid, stamp))


def apply_links(w: World) -> None:
    if not w.pending_links:
        return
    o, iid, stamp = (np.array(x, dtype=np.int64) for x in zip(*w.pending_links, strict=True))
    opp = w.sf["opps"]
    opp.loc[o, "QBO_Invoice_Id__c"] = iid.astype(str)
    opp.loc[o, "QBO_Sync_Status__c"] = "Synced"
    opp.loc[o, "last_sync"] = stamp
    opp.loc[o, "modified"] = stamp
    opp.loc[o, "_inv"] = iid
    w.pending_links.clear()


def pay(
    w: World,
    iids: np.ndarray,
    when: np.ndarray,
    cust: np.ndarray | None = None,
    amount: np.ndarray | None = None,
    link: bool = True,
) -> np.ndarray:
    """Payments (one per invoice) applied to the invoices unless link is False; returns Ids."""
    inv = w.qb["invoices"].iloc[inv_rows(iids)]
    total = invoice_totals(w, iids) if amount is None else np.asarray(amount)
    ids = w.next_qb_id("payments", len(iids))
    rows = pd.DataFrame(
        {
            "Id": ids,
            "SyncToken": 0,
            "TxnDate": np.asarray(when) // DAY,
            "cust": inv["cust"].to_numpy() if cust is None else cust,
            "currency": inv["currency"].to_numpy(),
            "total": total,
            "unapplied": 0,
            "ref": (ids * 7919 % 90000 + 10000).astype(str),
            "PrivateNote": "",
            "create": when,
            "update": when,
            "_deleted": False,
        }
    )
    w.mark("payments", w.append("payments", rows))
    if link:
        w.append("paylinks", pd.DataFrame({"pay": ids, "txn": iids, "amount": total}))
        w.qb["invoices"].loc[inv_rows(iids), "paid"] = total
        w.qb["invoices"].loc[inv_rows(iids), "SyncToken"] += 1
        w.qb["invoices"].loc[inv_rows(iids), "update"] = when
    return ids


def new_product(w: World, name: str, code: str, family: str, list_usd: int, item_type: str) -> int:
    """A Product2 with its four standard PricebookEntries (not synced: no item); returns its row."""
    created = AS_OF_TS - 40 * DAY
    prow = pd.DataFrame(
        {
            "Name": [name],
            "ProductCode": [code],
            "Family": [family],
            "_list_usd": [list_usd],
            "_item_type": [item_type],
            "Description": [f"{family}: {name}"],
            "Id": w.ids.make("Product2", 1),
            "IsActive": [True],
            "IsDeleted": [False],
            "created": [created],
            "modified": [created],
            "QBO_Item_Id__c": [""],
            "_item": [0],
        }
    )
    p = int(w.append("products", prow)[0])
    w.mark("products", [p])
    fxr = pd.Series(CURRENCIES).map(FX_FROM_USD).to_numpy()
    price = np.maximum(1, np.round(list_usd / 100 * fxr)).astype(np.int64) * 100
    pbes = pd.DataFrame(
        {
            "Id": w.ids.make("PricebookEntry", len(CURRENCIES)),
            "_prod": p,
            "UnitPrice": price,
            "CurrencyIsoCode": CURRENCIES,
            "IsActive": True,
            "UseStandardPrice": False,
        }
    )
    w.append("pbes", pbes)
    return p
