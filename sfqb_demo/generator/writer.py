"""Write the World as a raw folder (DESIGN.md "The raw folder"), exercising every input form
the loader accepts: Data Loader CSVs; QBO JSON arrays, whole query-response bodies, lists of
page bodies, and JSONL for the big entities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sfqb_demo.generator import qbo_json
from sfqb_demo.generator import timefmt as tf
from sfqb_demo.generator.world import AS_OF_TS, World

QUERY_TIME = tf.qb_ts(np.array([AS_OF_TS - 600]))[0][:19] + ".123-08:00"


def _bool(values: Any) -> np.ndarray:
    return np.where(np.asarray(values, dtype=bool), "true", "false")


def _csv(df: pd.DataFrame, path: Path) -> None:
    df = df.astype(object)
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def salesforce_frames(w: World) -> dict[str, pd.DataFrame]:
    """The seven Salesforce objects as Data Loader would export them (queryAll: deleted rows too)."""
    acc, con, prod, opp, lines, pbe = (
        w.sf[k] for k in ("accounts", "contacts", "products", "opps", "lines", "pbes")
    )
    pb_id = w.sf["pricebooks"]["Id"].iloc[0]
    out: dict[str, pd.DataFrame] = {}
    out["Account"] = pd.DataFrame(
        {
            "Id": acc["Id"],
            "Name": acc["Name"],
            "Type": acc["Type"],
            "Phone": acc["Phone"],
            "Website": acc["Website"],
            "BillingStreet": acc["BillingStreet"],
            "BillingCity": acc["BillingCity"],
            "BillingState": acc["BillingState"],
            "BillingPostalCode": acc["BillingPostalCode"],
            "BillingCountry": acc["BillingCountry"],
            "CurrencyIsoCode": acc["CurrencyIsoCode"],
            "IsDeleted": _bool(acc["IsDeleted"]),
            "MasterRecordId": acc["MasterRecordId"],
            "CreatedDate": tf.sf_ts(acc["created"]),
            "LastModifiedDate": tf.sf_ts(acc["modified"]),
            "QBO_Customer_Id__c": acc["QBO_Customer_Id__c"],
        }
    )
    out["Contact"] = pd.DataFrame(
        {
            "Id": con["Id"],
            "AccountId": acc["Id"].to_numpy()[con["_acc"].to_numpy()],
            "FirstName": con["FirstName"],
            "LastName": con["LastName"],
            "Email": con["Email"],
            "Phone": con["Phone"],
            "IsDeleted": _bool(con["IsDeleted"]),
            "CreatedDate": tf.sf_ts(con["created"]),
            "LastModifiedDate": tf.sf_ts(con["modified"]),
        }
    )
    out["Product2"] = pd.DataFrame(
        {
            "Id": prod["Id"],
            "Name": prod["Name"],
            "ProductCode": prod["ProductCode"],
            "Description": prod["Description"],
            "Family": prod["Family"],
            "IsActive": _bool(prod["IsActive"]),
            "IsDeleted": _bool(prod["IsDeleted"]),
            "CreatedDate": tf.sf_ts(prod["created"]),
            "LastModifiedDate": tf.sf_ts(prod["modified"]),
            "QBO_Item_Id__c": prod["QBO_Item_Id__c"],
        }
    )
    out["Pricebook2"] = pd.DataFrame(
        {
            "Id": w.sf["pricebooks"]["Id"],
            "Name": w.sf["pricebooks"]["Name"],
            "IsStandard": "true",
            "IsActive": "true",
        }
    )
    out["PricebookEntry"] = pd.DataFrame(
        {
            "Id": pbe["Id"],
            "Pricebook2Id": pb_id,
            "Product2Id": prod["Id"].to_numpy()[pbe["_prod"].to_numpy()],
            "UnitPrice": tf.cents(pbe["UnitPrice"]),
            "CurrencyIsoCode": pbe["CurrencyIsoCode"],
            "IsActive": _bool(pbe["IsActive"]),
            "UseStandardPrice": _bool(pbe["UseStandardPrice"]),
        }
    )
    out["Opportunity"] = pd.DataFrame(
        {
            "Id": opp["Id"],
            "AccountId": acc["Id"].to_numpy()[opp["_acc"].to_numpy()],
            "Name": opp["Name"],
            "StageName": opp["StageName"],
            "IsWon": _bool(opp["IsWon"]),
            "IsClosed": _bool(opp["IsClosed"]),
            "CloseDate": tf.day(opp["close_day"]),
            "Amount": tf.cents(opp["Amount"]),
            "CurrencyIsoCode": opp["CurrencyIsoCode"],
            "Pricebook2Id": pb_id,
            "IsDeleted": _bool(opp["IsDeleted"]),
            "CreatedDate": tf.sf_ts(opp["created"]),
            "LastModifiedDate": tf.sf_ts(opp["modified"]),
            "QBO_Invoice_Id__c": opp["QBO_Invoice_Id__c"],
            "QBO_Sync_Status__c": opp["QBO_Sync_Status__c"],
            "QBO_Sync_Error__c": opp["QBO_Sync_Error__c"],
            "QBO_Last_Sync__c": tf.sf_ts(opp["last_sync"]),
        }
    )
    disc = lines["Discount"].to_numpy()
    out["OpportunityLineItem"] = pd.DataFrame(
        {
            "Id": lines["Id"],
            "OpportunityId": opp["Id"].to_numpy()[lines["_opp"].to_numpy()],
            "Product2Id": prod["Id"].to_numpy()[lines["_prod"].to_numpy()],
            "PricebookEntryId": pbe["Id"].to_numpy()[lines["_pbe"].to_numpy()],
            "Quantity": tf.cents(lines["Quantity"].to_numpy() * 100),
            "UnitPrice": tf.cents(lines["UnitPrice"]),
            "ListPrice": tf.cents(lines["ListPrice"]),
            "Discount": np.where(disc > 0, tf.cents(np.round(disc * 100)), ""),
            "Subtotal": tf.cents(lines["Subtotal"]),
            "TotalPrice": tf.cents(lines["TotalPrice"]),
            "SortOrder": lines["SortOrder"],
            "CurrencyIsoCode": lines["CurrencyIsoCode"],
            "CreatedDate": tf.sf_ts(lines["created"]),
            "LastModifiedDate": tf.sf_ts(lines["modified"]),
        }
    )
    _rollup_columns(out, acc, opp)
    sources = {"Account": acc, "Contact": con, "Opportunity": opp, "OpportunityLineItem": lines}
    for obj, src in sources.items():  # env_mismatch: records the sandbox copy does not have
        if "_absent" in src:
            out[obj] = out[obj][~src["_absent"].to_numpy(dtype=bool)]
    return out


def _rollup_columns(out: dict[str, pd.DataFrame], acc: pd.DataFrame, opp: pd.DataFrame) -> None:
    """The connector's write-back fields (rollups.py); -1 = never written (an empty field)."""
    from sfqb_demo.generator.rollups import ACCOUNT_FIELDS, OPP_FIELDS

    for key, api in ACCOUNT_FIELDS.items():
        if key in acc:
            values = acc[key].to_numpy()
            out["Account"][api] = np.where(values >= 0, tf.cents(values), "")
    for key, api in OPP_FIELDS.items():
        if key not in opp:
            continue
        values = opp[key].to_numpy()
        out["Opportunity"][api] = (
            values if key == "opp_status" else np.where(values >= 0, tf.cents(values), "")
        )


def _query_body(entity: str, objs: list[Any], start: int = 1) -> dict[str, Any]:
    return {
        "QueryResponse": {entity: objs, "startPosition": start, "maxResults": len(objs)},
        "time": QUERY_TIME,
    }


def _pages(entity: str, objs: list[Any], page: int) -> list[dict[str, Any]]:
    return [
        _query_body(entity, objs[i : i + page], i + 1) for i in range(0, max(len(objs), 1), page)
    ]


def write_raw(w: World, raw: Path) -> None:
    """Write every file of the raw folder under `raw` (created; must not exist or be empty)."""
    sf_dir, qb_dir = raw / "salesforce", raw / "quickbooks"
    sf_dir.mkdir(parents=True, exist_ok=True)
    qb_dir.mkdir(parents=True, exist_ok=True)
    for obj, frame in salesforce_frames(w).items():
        _csv(frame, sf_dir / f"{obj}.csv")
    if "login_history" in w.extra:  # optional object: only the demo that shows a login problem
        _csv(w.extra["login_history"], sf_dir / "LoginHistory.csv")
    dump = qbo_json.dumps
    (qb_dir / "Invoice.jsonl").write_text(
        "\n".join(qbo_json.invoices_jsonl(w)) + "\n", encoding="utf-8"
    )
    (qb_dir / "Payment.jsonl").write_text(
        "".join(dump(p) + "\n" for p in qbo_json.payments_jsonl(w)), encoding="utf-8"
    )
    (qb_dir / "Customer.json").write_text(
        dump(_query_body("Customer", qbo_json.customers(w))), encoding="utf-8"
    )
    (qb_dir / "Item.json").write_text(
        dump(_pages("Item", qbo_json.items(w), 100)), encoding="utf-8"
    )
    (qb_dir / "CreditMemo.json").write_text(
        dump(_pages("CreditMemo", qbo_json.credit_memos(w), 100)), encoding="utf-8"
    )
    (qb_dir / "Vendor.json").write_text(dump(qbo_json.people(w, "vendors")), encoding="utf-8")
    (qb_dir / "Employee.json").write_text(dump(qbo_json.people(w, "employees")), encoding="utf-8")
    for entity, objs in w.qb["_settings"].items():
        (qb_dir / f"{entity}.json").write_text(dump(_query_body(entity, objs)), encoding="utf-8")
    log = pd.concat(w.log, ignore_index=True).sort_values(["timestamp", "seq"], kind="stable")
    log = log.assign(timestamp=tf.iso_utc(log["timestamp"].to_numpy())).drop(columns="seq")
    _csv(log, raw / "sync_log.csv")
    (raw / "manifest.json").write_text(
        json.dumps(w.manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
