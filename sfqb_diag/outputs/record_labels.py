"""What people call a record: invoice numbers and customer names, not internal Ids.

QBO's `Id` is internal; finance finds a transaction by its DocNumber (a payment by its reference
number) and a customer or item by its name. Salesforce people know a record by its Name. The
labels are looked up in the Dataset the checks saw, so every row of the fix list names its
records the same way, whatever the check that found it wrote.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.words import money_text

# QBO entity -> (table, what a person calls it)
QB_TABLES = {
    "Invoice": ("invoices", "Invoice"),
    "CreditMemo": ("credit_memos", "Credit memo"),
    "SalesReceipt": ("sales_receipts", "Sales receipt"),
    "Payment": ("payments", "Payment"),
    "Customer": ("customers", "Customer"),
    "Vendor": ("vendors", "Vendor"),
    "Employee": ("employees", "Employee"),
    "Item": ("items", "Item"),
}
RECORD_COLUMNS = ["qb_entity", "qb_id", "number", "name", "party", "currency", "txn_date"]
TRANSACTIONS = ("Invoice", "CreditMemo", "SalesReceipt", "Payment")
SF_TABLES = {
    "Account": "accounts",
    "Contact": "contacts",
    "Opportunity": "opportunities",
    "Product2": "products",
    "Pricebook2": "pricebooks",
    "OpportunityLineItem": "opportunity_lines",
    "PricebookEntry": "pricebook_entries",
}


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].astype("string")
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _shared(kind: pd.Series, name: pd.Series) -> pd.Series:
    """True where another record of the same kind has the same name (case and spaces aside):
    'Account Globex Corporation' then says nothing about which one, so its label adds the Id."""
    key = name.astype("string").str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
    frame = pd.DataFrame({"kind": kind.astype("string"), "key": key})
    return (frame.duplicated(keep=False) & key.notna()).astype(bool)


def _qb_records(data: Dataset) -> pd.DataFrame:
    """One row per QBO record of the labelled entities: entity, id, number, name, amount."""
    customers = data.get("customers")
    names = (
        customers.set_index("id")["display_name"].astype("string")
        if customers is not None and "display_name" in customers
        else pd.Series(dtype="string")
    )
    parts = []
    for entity, (table, _) in QB_TABLES.items():
        frame = data.get(table)
        if frame is None or frame.empty:
            continue
        if entity in TRANSACTIONS:
            number = _column(frame, "payment_ref_num" if entity == "Payment" else "doc_number")
            party = _column(frame, "customer_name").fillna(
                _column(frame, "customer_id").map(names).astype("string")
            )
        else:
            number = pd.Series(pd.NA, index=frame.index, dtype="string")
            party = pd.Series(pd.NA, index=frame.index, dtype="string")
        name = (
            _column(frame, "name")
            .fillna(_column(frame, "display_name"))
            .fillna(_column(frame, "company_name"))
        )
        parts.append(
            pd.DataFrame(
                {
                    "qb_entity": entity,
                    "qb_id": _column(frame, "id"),
                    "number": number,
                    "name": name,
                    "party": party,
                    "total_cents": frame["total_cents"].astype("Int64")
                    if "total_cents" in frame
                    else pd.array([pd.NA] * len(frame), dtype="Int64"),
                    "currency": _column(frame, "currency"),
                    # QBO voids by zeroing the amounts and writing "Voided" in the PrivateNote.
                    "voided": _column(frame, "private_note")
                    .str.contains(r"(?i)\bvoid(?:ed)?\b", regex=True)
                    .fillna(False)
                    .astype(bool),
                    "txn_date": frame["txn_date"].astype("string").str[:10]
                    if "txn_date" in frame
                    else pd.NA,
                }
            )
        )
    if not parts:
        empty = {c: pd.Series(dtype="string") for c in RECORD_COLUMNS}
        return pd.DataFrame({**empty, "total_cents": pd.Series(dtype="Int64")})
    records = pd.concat(parts, ignore_index=True).drop_duplicates(["qb_entity", "qb_id"])
    shared = _shared(records["qb_entity"], records["name"]) & ~records["qb_entity"].isin(
        TRANSACTIONS
    )
    records["name"] = records["name"].where(
        ~shared, records["name"] + " (Id " + records["qb_id"] + ")"
    )
    return records


def qb_labels(data: Dataset | None, findings: pd.DataFrame) -> pd.DataFrame:
    """Per finding: `qb_number` (DocNumber / payment reference) and `qb_label`, e.g.
    'Invoice 1005 (Acme Corp, 54,145.00 CAD)', 'Customer Acme Corp'; empty without a QBO record."""
    keys = findings[["qb_entity", "qb_id"]].astype("string")
    records = _qb_records(data if data is not None else Dataset()).assign(_in=True)
    found = keys.merge(records, on=["qb_entity", "qb_id"], how="left").set_index(findings.index)
    in_data = found["_in"].fillna(False).astype(bool)
    for column in ("number", "name", "party", "currency", "txn_date"):
        found[column] = found[column].astype("string")
    found["total_cents"] = found["total_cents"].astype("Int64")
    kind = keys["qb_entity"].map({e: word for e, (_, word) in QB_TABLES.items()}).astype("string")
    kind = kind.fillna(keys["qb_entity"])
    amount = money_text(found["total_cents"], found["currency"])
    voided = found["voided"] if "voided" in found else pd.Series(False, index=found.index)
    amount = amount.mask(voided.astype("boolean").fillna(False).astype(bool), "voided")
    inside = (found["party"].fillna("") + ", " + amount).str.strip(", ")  # "Acme, 9.00 USD"
    inside = ("(" + inside + ")").where(inside.ne(""), "")
    numbered_as = kind.mask(keys["qb_entity"].eq("Payment"), "Payment ref.")
    numbered = (numbered_as + " " + found["number"] + " " + inside).str.strip()
    dated = found["txn_date"].astype("string")
    # A payment without a reference number is found by its amount, date and customer.
    party = (" (" + found["party"] + ")").fillna("")
    payment = kind + " of " + amount + " on " + dated + party
    unnumbered = (kind + " without a number, Id " + keys["qb_id"] + " " + inside).str.strip()
    txn_label = numbered.fillna(
        payment.where(keys["qb_entity"].eq("Payment") & dated.notna()).fillna(unnumbered)
    )
    named = kind + " " + found["name"].fillna(findings["qb_name"].astype("string"))
    label = txn_label.where(
        keys["qb_entity"].isin(TRANSACTIONS), named.fillna(kind + " Id " + keys["qb_id"])
    )
    missing = kind + " Id " + keys["qb_id"] + " (not in the QuickBooks data)"
    label = label.where(in_data, missing)
    is_txn = keys["qb_entity"].isin(TRANSACTIONS)
    return pd.DataFrame(
        {
            "qb_number": found["number"].where(is_txn),
            "qb_label": label.where(keys["qb_id"].notna()),
        },
        index=findings.index,
    ).astype("string")


def sf_labels(data: Dataset | None, findings: pd.DataFrame) -> pd.Series:
    """Per finding: the Salesforce record's Name ('Opportunity Acme renewal'), else the name the
    check gave, else its Id; empty without a Salesforce record."""
    keys = findings[["sf_object", "sf_id"]].astype("string")
    parts = []
    for sf_object, table in SF_TABLES.items():
        frame = data.get(table) if data is not None else None
        if frame is None or frame.empty:
            continue
        name = _column(frame, "name")
        if sf_object == "Contact":
            name = _column(frame, "first_name").fillna("") + " " + _column(frame, "last_name")
            name = name.str.strip()
        parts.append(
            pd.DataFrame({"sf_object": sf_object, "sf_id": _column(frame, "id"), "n": name})
        )
    names = (
        pd.concat(parts, ignore_index=True).drop_duplicates(["sf_object", "sf_id"])
        if parts
        else pd.DataFrame(columns=["sf_object", "sf_id", "n"])
    )
    shared = _shared(names["sf_object"], names["n"]).to_numpy(bool)
    names["n"] = (
        names["n"]
        .astype("string")
        .where(
            ~shared, names["n"].astype("string") + " (Id " + names["sf_id"].astype("string") + ")"
        )
    )
    found = keys.merge(names.assign(_in=True), on=["sf_object", "sf_id"], how="left")
    found.index = findings.index
    name = found["n"].astype("string").fillna(findings["sf_name"].astype("string"))
    kind = keys["sf_object"].replace(
        {"Product2": "Product", "OpportunityLineItem": "Opportunity line"}
    )
    missing = kind + " Id " + keys["sf_id"] + " (not in the Salesforce data)"
    label = (kind + " " + name).where(found["_in"].notna() | name.notna(), missing)
    return label.where(keys["sf_id"].notna()).astype("string")
