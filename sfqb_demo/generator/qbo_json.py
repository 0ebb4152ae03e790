"""QBO entities as the API returns them, serialised to JSON text.

Invoices (the big entity: a million lines at 100k accounts) are assembled as strings column by
column; the smaller name lists go through dicts and json.dumps.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd

from sfqb_demo.generator import timefmt as tf
from sfqb_demo.generator.world import World

CURRENCY_NAME = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "EUR": "Euro",
    "GBP": "British Pound Sterling",
}
INCOME = {"1": "Services", "79": "Sales of Product Income"}


NUM = "@@NUM@@"
RAW_NUMBER = re.compile(r'"@@NUM@@(-?[0-9.]+)"')


def num(text: str) -> str:
    """A number to be written exactly as given ('12.30', not 12.3); see `dumps`."""
    return NUM + text


def dumps(obj: Any) -> str:
    """json.dumps that writes `num` markers as bare numbers, keeping trailing zeros."""
    return RAW_NUMBER.sub(r"\1", json.dumps(obj, ensure_ascii=False))


def js(values: Any) -> np.ndarray:
    """JSON-encode each string (encoding each distinct value once)."""
    s = pd.Series(values, dtype=object).fillna("")
    codes, uniques = pd.factorize(s)
    enc = np.array([json.dumps(str(u), ensure_ascii=False) for u in uniques], dtype=object)
    return enc[codes] if len(uniques) else np.array([], dtype=object)


def _meta(create: np.ndarray, update: np.ndarray) -> np.ndarray:
    return (
        '"MetaData":{"CreateTime":"'
        + tf.qb_ts(create)
        + '","LastUpdatedTime":"'
        + tf.qb_ts(update)
        + '"}'
    )


def _sales_lines(lines: pd.DataFrame, item_names: pd.Series) -> np.ndarray:
    item = lines["item"].to_numpy()
    ref = (
        '{"value":"'
        + pd.Series(item).astype(str).to_numpy(dtype=object)
        + '","name":'
        + js(item_names.reindex(item).to_numpy())
        + "}"
    )
    return (
        '{"Id":"'
        + lines["line_id"].astype(str).to_numpy(dtype=object)
        + '","LineNum":'
        + lines["line_num"].astype(str).to_numpy(dtype=object)
        + ',"Description":'
        + js(item_names.reindex(item).to_numpy())
        + ',"Amount":'
        + tf.cents(lines["amount"].to_numpy())
        + ',"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{"ItemRef":'
        + ref
        + ',"UnitPrice":'
        + lines["unit_txt"].to_numpy(dtype=object)
        + ',"Qty":'
        + tf.qty(lines["qty"].to_numpy())
        + ',"TaxCodeRef":{"value":"'
        + np.where(lines["taxable"].to_numpy(), "TAX", "NON")
        + '"}}}'
    )


def invoice_lines_json(w: World) -> pd.Series:
    """The Line[] array text per invoice Id (sales, group bundles, subtotal, discount)."""
    inv, lines = w.qb["invoices"], w.qb["inv_lines"].copy()
    inv = inv[~inv["_deleted"]]
    item_names = w.qb["items"].set_index("Id")["Name"]
    taxed = set(inv.loc[inv["tax"] > 0, "Id"])
    lines["taxable"] = lines["txn"].isin(taxed)
    lines = lines.sort_index(kind="stable")
    lines["line_id"] = lines.groupby("txn").cumcount() + 1
    top = lines["group"].to_numpy() == 0
    lines["line_num"] = 0
    lines.loc[top, "line_num"] = lines[top].groupby("txn").cumcount().to_numpy() + 1
    text = pd.Series(_sales_lines(lines, item_names), index=lines.index, dtype=object)
    children = lines[~top]
    if len(children):
        kids = (
            text[~top]
            .groupby([children["txn"].to_numpy(), children["group"].to_numpy()])
            .agg(",".join)
        )
        heads = lines[lines["is_group"]]
        key = list(zip(heads["txn"], heads["gkey"], strict=True))
        ref = (
            '{"value":"'
            + heads["item"].astype(str).to_numpy(dtype=object)
            + '","name":'
            + js(item_names.reindex(heads["item"]).to_numpy())
            + "}"
        )
        text[heads.index] = (
            '{"Id":"'
            + heads["line_id"].astype(str).to_numpy(dtype=object)
            + '","LineNum":'
            + heads["line_num"].astype(str).to_numpy(dtype=object)
            + ',"Amount":'
            + tf.cents(heads["amount"].to_numpy())
            + ',"DetailType":"GroupLineDetail","GroupLineDetail":{"GroupItemRef":'
            + ref
            + ',"Quantity":'
            + tf.qty(heads["qty"].to_numpy())
            + ',"Line":['
            + kids.reindex(key).fillna("").to_numpy(dtype=object)
            + "]}}"
        )
    joined = (
        text[top]
        .groupby(lines.loc[top, "txn"].to_numpy())
        .agg(",".join)
        .reindex(inv["Id"], fill_value="")
    )
    body = joined.to_numpy(dtype=object)
    sep = np.where(body == "", "", ",")
    sub = (
        body
        + sep
        + '{"Amount":'
        + tf.cents(inv["subtotal"].to_numpy())
        + ',"DetailType":"SubTotalLineDetail","SubTotalLineDetail":{}}'
    )
    pct = inv["discount_pct"].to_numpy()
    disc_detail = np.where(
        np.isnan(pct),
        '"PercentBased":false',
        '"PercentBased":true,"DiscountPercent":'
        + pd.Series(pct).fillna(0).astype(str).to_numpy(dtype=object),
    )
    disc = (
        ',{"Amount":'
        + tf.cents(inv["discount"].to_numpy())
        + ',"DetailType":"DiscountLineDetail","DiscountLineDetail":{'
        + disc_detail
        + ',"DiscountAccountRef":{"value":"86","name":"Discounts given"}}}'
    )
    return pd.Series(sub + np.where(inv["discount"].to_numpy() > 0, disc, ""), index=inv.index)


def invoices_jsonl(w: World) -> np.ndarray:
    """One JSON object per invoice, as QBO returns it."""
    inv = w.qb["invoices"]
    inv = inv[~inv["_deleted"]]
    cust_names = w.qb["customers"].set_index("Id")["DisplayName"]
    cur = inv["currency"].to_numpy(dtype=object)
    line_text = invoice_lines_json(w).to_numpy(dtype=object)
    return (
        '{"Id":"'
        + inv["Id"].astype(str).to_numpy(dtype=object)
        + '","SyncToken":"'
        + inv["SyncToken"].astype(str).to_numpy(dtype=object)
        + '","domain":"QBO","sparse":false,'
        + _meta(inv["create"].to_numpy(), inv["update"].to_numpy())
        + ',"DocNumber":'
        + np.where(
            inv["DocNumber"].to_numpy(dtype=object) == "", "null", js(inv["DocNumber"].to_numpy())
        )
        + ',"TxnDate":"'
        + tf.day(inv["TxnDate"].to_numpy())
        + '","DueDate":"'
        + tf.day(inv["DueDate"].to_numpy())
        + '","CurrencyRef":{"value":"'
        + cur
        + '","name":'
        + js(pd.Series(cur).map(CURRENCY_NAME).to_numpy())
        + "}"
        + ',"ExchangeRate":'
        + pd.Series(inv["rate"]).astype(str).to_numpy(dtype=object)
        + ',"CustomerRef":{"value":"'
        + inv["cust"].astype(str).to_numpy(dtype=object)
        + '","name":'
        + js(cust_names.reindex(inv["cust"]).to_numpy())
        + "}"
        + ',"PrivateNote":'
        + js(inv["PrivateNote"].to_numpy())
        + ',"Line":['
        + line_text
        + "]"
        + ',"TxnTaxDetail":{"TotalTax":'
        + tf.cents(inv["tax"].to_numpy())
        + "}"
        + np.where(
            inv["tax_mode"].to_numpy(dtype=object) == "",
            "",
            ',"GlobalTaxCalculation":"' + inv["tax_mode"].to_numpy(dtype=object) + '"',
        )
        + ',"SalesTermRef":{"value":"3","name":"Net 30"}'
        + ',"TotalAmt":'
        + tf.cents(inv["total"].to_numpy())
        + ',"HomeTotalAmt":'
        + tf.cents(inv["home_total"].to_numpy())
        + ',"Balance":'
        + tf.cents(inv["balance"].to_numpy())
        + "}"
    )


def _addr(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "Line1": r["bill_line1"],
        "City": r["bill_city"],
        "CountrySubDivisionCode": r["bill_state"],
        "PostalCode": r["bill_postal"],
        "Country": r["bill_country"],
    }


def customers(w: World) -> list[dict[str, Any]]:
    """Customer entities; inactive ones show Active false and ' (deleted)' in their names."""
    cust = w.qb["customers"]
    cust = cust[~cust["_deleted"]].copy()
    names_by_id = cust.set_index("Id")["DisplayName"]
    cust["c_t"], cust["u_t"] = (
        tf.qb_ts(cust["create"].to_numpy()),
        tf.qb_ts(cust["update"].to_numpy()),
    )
    cust["bal"] = tf.cents(cust["Balance"].to_numpy())
    out = []
    for r in cust.to_dict("records"):
        parent = int(r["parent"])
        fqn = f"{names_by_id[parent]}:{r['DisplayName']}" if parent else r["DisplayName"]
        e: dict[str, Any] = {
            "Id": str(r["Id"]),
            "SyncToken": str(r["SyncToken"]),
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": r["c_t"], "LastUpdatedTime": r["u_t"]},
            "DisplayName": r["DisplayName"],
            "CompanyName": r["CompanyName"],
            "GivenName": r["GivenName"],
            "FamilyName": r["FamilyName"],
            "FullyQualifiedName": fqn,
            "PrintOnCheckName": r["CompanyName"],
            "Active": bool(r["Active"]),
            "Job": bool(r["Job"]),
            "Taxable": r["bill_country"] == "US",
            "BillWithParent": bool(parent),
        }
        if parent:
            e["ParentRef"] = {"value": str(parent)}
            e["Level"] = 1
        if r["email"]:
            e["PrimaryEmailAddr"] = {"Address": r["email"]}
        if r["phone"]:
            e["PrimaryPhone"] = {"FreeFormNumber": r["phone"]}
        if r["bill_line1"] or r["bill_city"]:
            e["BillAddr"] = _addr(r)
        e["CurrencyRef"] = {"value": r["currency"], "name": CURRENCY_NAME[r["currency"]]}
        e["Balance"] = num(r["bal"])
        if r["Notes"]:
            e["Notes"] = r["Notes"]
        out.append(e)
    return out


def items(w: World) -> list[dict[str, Any]]:
    """Item entities: Inventory with stock and accounts, NonInventory, Service, Group bundles."""
    it = w.qb["items"].copy()
    it["c_t"], it["u_t"] = tf.qb_ts(it["create"].to_numpy()), tf.qb_ts(it["update"].to_numpy())
    it["price"] = tf.cents(it["UnitPrice"].to_numpy())
    groups = w.qb["item_groups"].groupby("group")
    names_by_id = it.set_index("Id")["Name"]
    out = []
    for r in it.to_dict("records"):
        e: dict[str, Any] = {
            "Id": str(r["Id"]),
            "SyncToken": str(r["SyncToken"]),
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": r["c_t"], "LastUpdatedTime": r["u_t"]},
            "Name": r["Name"],
            "FullyQualifiedName": r["Name"],
            "Active": bool(r["Active"]),
            "Type": r["Type"],
        }
        if r["Sku"]:
            e["Sku"] = r["Sku"]
        if r["Description"]:
            e["Description"] = r["Description"]
        if r["Type"] == "Group":
            kids: Any = (
                groups.get_group(r["Id"])
                if r["Id"] in groups.groups
                else pd.DataFrame(columns=["child", "qty"])
            )
            e["ItemGroupDetail"] = {
                "ItemGroupLine": [
                    {"ItemRef": {"value": str(c), "name": names_by_id[c]}, "Qty": int(q)}
                    for c, q in zip(kids["child"], kids["qty"], strict=True)
                ]
            }
        elif r["Type"] != "Category":
            e["UnitPrice"] = num(r["price"])
            if r["income"]:
                e["IncomeAccountRef"] = {"value": r["income"], "name": INCOME[r["income"]]}
            e["TrackQtyOnHand"] = bool(r["TrackQtyOnHand"])
            if r["TrackQtyOnHand"]:
                e["QtyOnHand"] = int(r["QtyOnHand"])
                e["AssetAccountRef"] = {"value": "81", "name": "Inventory Asset"}
                e["ExpenseAccountRef"] = {"value": "80", "name": "Cost of Goods Sold"}
                e["InvStartDate"] = r["c_t"][:10]
        out.append(e)
    return out


def payments_jsonl(w: World) -> list[dict[str, Any]]:
    """Payment entities with Line[].LinkedTxn to invoices and UnappliedAmt."""
    pay = w.qb["payments"]
    pay = pay[~pay["_deleted"]].copy()
    cust_names = w.qb["customers"].set_index("Id")["DisplayName"]
    links = w.qb["paylinks"].copy()
    links["amt"] = tf.cents(links["amount"].to_numpy())
    by_pay: dict[int, list[dict[str, Any]]] = {}
    for p, t, a in zip(links["pay"], links["txn"], links["amt"], strict=True):
        by_pay.setdefault(int(p), []).append(
            {"Amount": num(a), "LinkedTxn": [{"TxnId": str(t), "TxnType": "Invoice"}]}
        )
    pay["c_t"], pay["u_t"] = tf.qb_ts(pay["create"].to_numpy()), tf.qb_ts(pay["update"].to_numpy())
    pay["d"], pay["t"], pay["u"] = (
        tf.day(pay["TxnDate"].to_numpy()),
        tf.cents(pay["total"].to_numpy()),
        tf.cents(pay["unapplied"].to_numpy()),
    )
    out = []
    for r in pay.to_dict("records"):
        e: dict[str, Any] = {
            "Id": str(r["Id"]),
            "SyncToken": str(r["SyncToken"]),
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": r["c_t"], "LastUpdatedTime": r["u_t"]},
            "TxnDate": r["d"],
            "CustomerRef": {"value": str(r["cust"]), "name": cust_names.get(r["cust"], "")},
            "CurrencyRef": {"value": r["currency"], "name": CURRENCY_NAME[r["currency"]]},
            "DepositToAccountRef": {"value": "4", "name": "Undeposited Funds"},
            "TotalAmt": num(r["t"]),
            "UnappliedAmt": num(r["u"]),
            "ProcessPayment": False,
            "Line": by_pay.get(int(r["Id"]), []),
        }
        if r["ref"]:
            e["PaymentRefNum"] = r["ref"]
        if r["PrivateNote"]:
            e["PrivateNote"] = r["PrivateNote"]
        out.append(e)
    return out


def credit_memos(w: World) -> list[dict[str, Any]]:
    """CreditMemo entities (returns), one line each."""
    cm = w.qb["credit_memos"].copy()
    cust_names = w.qb["customers"].set_index("Id")["DisplayName"]
    item_names = w.qb["items"].set_index("Id")["Name"]
    cm["c_t"], cm["u_t"] = tf.qb_ts(cm["create"].to_numpy()), tf.qb_ts(cm["update"].to_numpy())
    cm["d"], cm["t"] = tf.day(cm["TxnDate"].to_numpy()), tf.cents(cm["total"].to_numpy())
    out = []
    for r in cm.to_dict("records"):
        line = {
            "Id": "1",
            "LineNum": 1,
            "Amount": num(r["t"]),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {
                "ItemRef": {"value": str(r["item"]), "name": item_names[r["item"]]},
                "UnitPrice": num(r["unit_txt"]),
                "Qty": 1,
                "TaxCodeRef": {"value": "NON"},
            },
        }
        out.append(
            {
                "Id": str(r["Id"]),
                "SyncToken": str(r["SyncToken"]),
                "domain": "QBO",
                "sparse": False,
                "MetaData": {"CreateTime": r["c_t"], "LastUpdatedTime": r["u_t"]},
                "DocNumber": r["DocNumber"],
                "TxnDate": r["d"],
                "CustomerRef": {"value": str(r["cust"]), "name": cust_names[r["cust"]]},
                "CurrencyRef": {"value": r["currency"], "name": CURRENCY_NAME[r["currency"]]},
                "ExchangeRate": r["rate"],
                "PrivateNote": r["PrivateNote"],
                "Line": [
                    line,
                    {
                        "Amount": num(r["t"]),
                        "DetailType": "SubTotalLineDetail",
                        "SubTotalLineDetail": {},
                    },
                ],
                "TxnTaxDetail": {"TotalTax": num("0.00")},
                "TotalAmt": num(r["t"]),
                "Balance": num("0.00"),
                "RemainingCredit": num("0.00"),
            }
        )
    return out


def people(w: World, table: str) -> list[dict[str, Any]]:
    """Vendor or Employee entities (they share QBO's DisplayName namespace with customers)."""
    df = w.qb[table].copy()
    df["c_t"], df["u_t"] = tf.qb_ts(df["create"].to_numpy()), tf.qb_ts(df["update"].to_numpy())
    out = []
    for r in df.to_dict("records"):
        e: dict[str, Any] = {
            "Id": str(r["Id"]),
            "SyncToken": str(r["SyncToken"]),
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": r["c_t"], "LastUpdatedTime": r["u_t"]},
            "DisplayName": r["DisplayName"],
            "Active": bool(r["Active"]),
        }
        for key in ("CompanyName", "GivenName", "FamilyName"):
            if r.get(key):
                e[key] = r[key]
        if r["phone"]:
            e["PrimaryPhone"] = {"FreeFormNumber": r["phone"]}
        if r["email"]:
            e["PrimaryEmailAddr"] = {"Address": r["email"]}
        if table == "vendors":
            e["CurrencyRef"] = {"value": r["currency"], "name": CURRENCY_NAME[r["currency"]]}
            e["Vendor1099"] = False
        out.append(e)
    return out
