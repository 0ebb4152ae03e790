"""Finding texts name QBO transactions by what people see (issue 16, item 1): a number after
"invoice", "credit memo" or "payment" is that record's DocNumber / PaymentRefNum, never an
internal Id that differs from it. The Id may appear only in the spelled-out fallback
"QBO invoice Id 287" (used when a record has no number or is not in the pulled realm)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from sfqb_diag.dataset import Dataset
from sfqb_diag.record_words import (
    customer_name,
    invoice_label,
    item_name,
    payment_label,
    transaction_number,
)

TEXTS = ("title", "detail", "suggested_action")

# Allowed forms, for a reader of the test:
#   "invoice 4105 (Acme Corp, 9,886.70 USD)"   number = DocNumber
#   "invoice 4105", "Invoice #4105"            number = DocNumber
#   "invoices 4105, 4106"                      every listed number a DocNumber
#   "QBO invoice Id 287"                       the Id, said to be one (no number exists)
#   "payment 88231"                            number = PaymentRefNum
MENTION = re.compile(
    r"\b(invoice|credit memo|payment)(?:s|\(s\))?\s+#?(\d+(?:\s*(?:,|and)\s*#?\d+)*)",
    re.IGNORECASE,
)
TABLE = {"invoice": "invoices", "credit memo": "credit_memos", "payment": "payments"}
NUMBER = {"invoices": "doc_number", "credit_memos": "doc_number", "payments": "payment_ref_num"}


def _numbers(data: Dataset, table: str) -> set[str]:
    frame = data.get(table)
    if frame is None:
        return set()
    return set(frame[NUMBER[table]].dropna().astype(str))


def _mentions(text: str) -> list[tuple[str, str]]:
    found = []
    for match in MENTION.finditer(text):
        word = match.group(1).lower()
        for number in re.findall(r"\d+", match.group(2)):
            found.append((word, number))
    return found


@pytest.fixture(scope="module")
def texts(demo_run) -> pd.DataFrame:
    findings = demo_run.result.findings
    return findings[["area", "check", "qb_entity", "qb_id", *TEXTS]].fillna("")


def test_every_transaction_number_in_a_text_is_a_number_people_see(demo_run, texts):
    data = demo_run.data
    numbers = {table: _numbers(data, table) for table in TABLE.values()}
    bad = []
    for row in texts.itertuples():
        for column in TEXTS:
            for word, number in _mentions(getattr(row, column)):
                if number not in numbers[TABLE[word]]:
                    bad.append((row.check, column, f"{word} {number}", getattr(row, column)))
    assert not bad, f"{len(bad)} texts name a record by a number no record carries: {bad[:5]}"


def test_no_text_names_its_own_record_by_an_id_that_differs_from_its_number(demo_run, texts):
    data = demo_run.data
    entity_table = {"Invoice": "invoices", "CreditMemo": "credit_memos", "Payment": "payments"}
    bad = []
    for entity, table in entity_table.items():
        frame = data.get(table)
        if frame is None:
            continue
        number_of = dict(
            zip(frame["id"].astype(str), frame[NUMBER[table]].fillna("").astype(str), strict=True)
        )
        word = {v: k for k, v in TABLE.items()}[table]
        rows = texts[texts["qb_entity"] == entity]
        for row in rows.itertuples():
            qb_id = str(row.qb_id)
            if not qb_id or number_of.get(qb_id) == qb_id:
                continue
            for column in TEXTS:
                if (word, qb_id) in _mentions(getattr(row, column)):
                    bad.append((row.check, column, getattr(row, column)))
    assert not bad, f"{len(bad)} texts name their record by its internal Id: {bad[:5]}"


def test_invoice_texts_are_checked_at_all(texts):
    """The checks above must have something to read: the demo's texts do name invoices."""
    mentioned = texts["detail"].str.contains(r"\binvoice \d", case=False, regex=True)
    assert mentioned.sum() >= 20


def _tiny() -> Dataset:
    return Dataset(
        {
            "invoices": pd.DataFrame(
                {
                    "id": ["287", "288"],
                    "doc_number": ["4105", None],
                    "customer_id": ["58", "59"],
                    "customer_name": [None, "Beta Ltd"],
                    "total_cents": pd.array([988670, 1000], dtype="Int64"),
                    "currency": ["USD", "EUR"],
                }
            ),
            "payments": pd.DataFrame(
                {
                    "id": ["9"],
                    "payment_ref_num": ["88231"],
                    "customer_id": ["58"],
                    "total_cents": pd.array([100000], dtype="Int64"),
                    "currency": ["USD"],
                }
            ),
            "customers": pd.DataFrame({"id": ["58"], "display_name": ["Acme Corp"]}),
            "items": pd.DataFrame({"id": ["12"], "name": ["Widget"]}),
        }
    )


def test_labels_use_number_customer_and_amount_with_the_id_as_fallback():
    data = _tiny()
    labels = invoice_label(data, pd.Series(["287", "288", "999"]))
    assert labels.tolist() == [
        "invoice 4105 (Acme Corp, 9,886.70 USD)",
        "QBO invoice Id 288 (Beta Ltd, 10.00 EUR)",
        "QBO invoice Id 999",
    ]
    assert payment_label(data, pd.Series(["9"])).tolist() == [
        "payment 88231 (Acme Corp, 1,000.00 USD)"
    ]
    assert transaction_number(data, "invoices", pd.Series(["287"])).tolist() == ["invoice 4105"]
    assert customer_name(data, pd.Series(["58", "77"])).tolist() == [
        "Acme Corp",
        "QBO customer Id 77",
    ]
    assert item_name(data, pd.Series(["12"])).tolist() == ["Widget"]
