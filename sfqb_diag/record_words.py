"""QBO records named the way people see them, written once for every finding text.

Finance finds an invoice in QuickBooks by its number (DocNumber), not by the internal Id the API
uses: "Void invoice 3105" read as a number can void another customer's invoice. So every title,
detail and action names a transaction as "invoice 4105 (Acme Corp, 9,886.70 USD)": its number,
its customer's name and its total. The Id appears only where no number exists ("QBO invoice Id
287"), and in the Id columns and links of a finding. Payments go by their reference number
(PaymentRefNum), customers and items by their names.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import member
from sfqb_diag.words import money_text

# Entity table -> (word people use, column holding the number people see).
_TRANSACTIONS: dict[str, tuple[str, str]] = {
    "invoices": ("invoice", "doc_number"),
    "credit_memos": ("credit memo", "doc_number"),
    "sales_receipts": ("sales receipt", "doc_number"),
    "payments": ("payment", "payment_ref_num"),
}


def _as_text(values: pd.Series | str) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series([values])
    return series.astype("string")


def _names(data: Dataset, table: str, column: str) -> pd.Series:
    """Id -> name for one QBO party or item table (empty when the table is not pulled)."""
    frame = data.get(table)
    if frame is None or "id" not in frame or column not in frame:
        return pd.Series(dtype="string")
    names = frame[column].astype("string").str.strip().replace("", pd.NA)
    return pd.Series(names.to_numpy(), index=frame["id"].astype("string")).loc[
        lambda s: ~s.index.duplicated()
    ]


def customer_name(data: Dataset, ids: pd.Series) -> pd.Series:
    """The QBO customer's display name for each Id ('QBO customer Id 58' when it has none)."""
    ids = _as_text(ids)
    names = ids.map(_names(data, "customers", "display_name")).astype("string")
    return names.fillna("QBO customer Id " + ids.fillna("?")).astype("string")


def item_name(data: Dataset, ids: pd.Series) -> pd.Series:
    """The QBO item's name for each Id ('QBO item Id 12' when it has none)."""
    ids = _as_text(ids)
    names = ids.map(_names(data, "items", "name")).astype("string")
    return names.fillna("QBO item Id " + ids.fillna("?")).astype("string")


def transaction_number(data: Dataset, table: str, ids: pd.Series) -> pd.Series:
    """'invoice 4105' for each Id, or 'QBO invoice Id 287' when the record has no number or is
    not in the pulled realm (so a reader never takes an Id for a number)."""
    word, number_column = _TRANSACTIONS[table]
    ids = _as_text(ids)
    frame = data.get(table)
    numbers = pd.Series(pd.NA, index=ids.index, dtype="string")
    if frame is not None and number_column in frame:
        lookup = pd.Series(
            frame[number_column].astype("string").str.strip().replace("", pd.NA).to_numpy(),
            index=frame["id"].astype("string"),
        )
        numbers = ids.map(lookup[~lookup.index.duplicated()]).astype("string")
    fallback = "QBO " + word + " Id " + ids.fillna("?")
    return (word + " " + numbers).fillna(fallback).astype("string")


def transaction_label(data: Dataset, table: str, ids: pd.Series) -> pd.Series:
    """'invoice 4105 (Acme Corp, 9,886.70 USD)' for each Id: number, customer and total.

    Records not in the pulled realm keep the bare fallback ('QBO invoice Id 287'): there is no
    customer or amount to show for them."""
    ids = _as_text(ids)
    number = transaction_number(data, table, ids)
    frame = data.get(table)
    if frame is None or "id" not in frame:
        return number
    first = frame.drop_duplicates("id").set_index(
        frame.drop_duplicates("id")["id"].astype("string")
    )
    rows = first.reindex(ids.to_numpy())
    customer = customer_name(data, pd.Series(rows["customer_id"].to_numpy(), index=ids.index))
    if "customer_name" in rows:
        named = pd.Series(rows["customer_name"].astype("string").to_numpy(), index=ids.index)
        from_ref = named.str.strip().replace("", pd.NA)
        customer = customer.where(
            ~customer.str.startswith("QBO customer Id") | from_ref.isna(), from_ref
        )
    amount = money_text(
        pd.Series(rows["total_cents"].to_numpy(), index=ids.index),
        pd.Series(rows["currency"].astype("string").to_numpy(), index=ids.index)
        if "currency" in rows
        else None,
    )
    # QBO voids a transaction by zeroing it and writing "Voided" in its PrivateNote: "0.00 USD"
    # beside it would read as a real invoice for nothing.
    if "private_note" in rows:
        note = pd.Series(rows["private_note"].astype("string").to_numpy(), index=ids.index)
        voided = note.str.contains(r"(?i)\bvoid(?:ed)?\b", regex=True).fillna(False)
        amount = amount.mask(voided.astype(bool), "voided")
    known = pd.Series(member(ids, first.index).to_numpy(), index=ids.index)
    label = number + " (" + customer + ", " + amount.replace("", "no amount") + ")"
    return label.where(known, number).astype("string")


def invoice_label(data: Dataset, ids: pd.Series) -> pd.Series:
    """'invoice 4105 (Acme Corp, 9,886.70 USD)' for each QBO invoice Id."""
    return transaction_label(data, "invoices", ids)


def invoice_number(data: Dataset, ids: pd.Series) -> pd.Series:
    """'invoice 4105' (or 'QBO invoice Id 287') for each QBO invoice Id, where the customer and
    amount are already said beside it."""
    return transaction_number(data, "invoices", ids)


def payment_label(data: Dataset, ids: pd.Series) -> pd.Series:
    """'payment 88231 (Acme Corp, 1,000.00 USD)' by reference number (PaymentRefNum)."""
    return transaction_label(data, "payments", ids)


def credit_memo_label(data: Dataset, ids: pd.Series) -> pd.Series:
    """'credit memo 1042 (Acme Corp, 120.00 USD)' for each QBO credit memo Id."""
    return transaction_label(data, "credit_memos", ids)


def sentence_start(labels: pd.Series) -> pd.Series:
    """A label at the start of a sentence: 'Invoice 4105 ...' (the first letter only, so
    'QBO invoice Id 287' keeps its case)."""
    return (labels.str[:1].str.upper() + labels.str[1:]).astype("string")


def number_words(numbers: pd.Series, ids: pd.Series, word: str = "invoice") -> pd.Series:
    """'invoice 4105' from a number column, 'QBO invoice Id 287' where the number is empty: for
    frames that already carry the number beside the Id."""
    numbers = numbers.astype("string").str.strip().replace("", pd.NA)
    fallback = "QBO " + word + " Id " + ids.astype("string").fillna("?")
    return (word + " " + numbers).fillna(fallback).astype("string")


# QBO entity name (as in findings' qb_entity) -> the table its records are in.
_ENTITY_TABLE = {
    "Invoice": "invoices",
    "CreditMemo": "credit_memos",
    "SalesReceipt": "sales_receipts",
    "Payment": "payments",
}


def record_number(data: Dataset, entities: pd.Series, ids: pd.Series) -> pd.Series:
    """A QBO record of any entity as people name it: 'invoice 4105', 'payment 88231', 'customer
    Acme Corp', 'item Widget' ('QBO <entity> Id <id>' for other entities or without a number)."""
    entities = entities.astype("string").reindex(ids.index)
    ids = _as_text(ids)
    out = ("QBO " + entities.fillna("record") + " Id " + ids.fillna("?")).astype("string")
    for entity, table in _ENTITY_TABLE.items():
        mask = entities.eq(entity).fillna(False)
        if mask.any():
            out[mask] = transaction_number(data, table, ids[mask])
    for entity, namer in (("Customer", customer_name), ("Item", item_name)):
        mask = entities.eq(entity).fillna(False)
        if mask.any():
            out[mask] = entity.lower() + " " + namer(data, ids[mask])
    return out


def number_and_id(data: Dataset, table: str, ids: pd.Series) -> pd.Series:
    """'invoice 4105 (QBO Id 3105)': for records that share a number (retry copies, duplicate
    numbers), where only the Id tells them apart; 'QBO invoice Id 3105' when there is no number."""
    ids = _as_text(ids)
    number = transaction_number(data, table, ids)
    numbered = ~number.str.startswith("QBO ")
    return (number + (" (QBO Id " + ids + ")").where(numbered, "")).astype("string")


def id_note(data: Dataset, table: str, ids: pd.Series) -> pd.Series:
    """', QBO Id 3105' where the record has a number (to tell copies sharing it apart), '' where
    its name already is the Id ('QBO invoice Id 3105')."""
    ids = _as_text(ids)
    numbered = ~transaction_number(data, table, ids).str.startswith("QBO ")
    return (", QBO Id " + ids).where(numbered, "").astype("string")
