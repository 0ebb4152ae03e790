"""What a customer or account holds, in words that claim only what the files show.

A count of 0 is a fact only when the file it comes from was supplied: without Invoice, Payment,
CreditMemo or SalesReceipt files a customer's transactions were not looked at, and without
Opportunity.csv an account's opportunities were not. A customer's non-zero Balance is itself
evidence of transactions (QBO's Balance is the sum of its open transactions), so such a customer
is never called one without transactions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.words import count_text, money_text

TRANSACTIONS_NOT_CHECKED = (
    "transactions not checked: no invoice, payment, credit memo or sales receipt file"
)
OPPORTUNITIES_NOT_CHECKED = "opportunities not checked: no Opportunity.csv"


def _counted(parties: pd.DataFrame, flag: str) -> pd.Series:
    """Per record: whether its count comes from a supplied file (True when the flag is absent)."""
    values = parties[flag] if flag in parties else pd.Series(True, index=parties.index)
    return values.fillna(True).astype(bool).reset_index(drop=True)


def transactions_counted(customers: pd.DataFrame) -> pd.Series:
    """Per customer (positional): True when its transaction count is a fact of the files."""
    return _counted(customers, "transactions_counted")


def transactions_text(customers: pd.DataFrame) -> pd.Series:
    """'3 transactions', 'no transactions', 'balance 300.00 USD; its transactions are not in
    the files', or the not-checked words when no transaction file was supplied (positional)."""
    txns = pd.Series(customers["transactions"].to_numpy(), dtype="Int64")
    cents = pd.Series(customers["balance_cents"].to_numpy(), dtype="Int64")
    currency = pd.Series(customers["currency"].to_numpy(), dtype="string")
    balance = "balance " + money_text(cents, currency)
    owes = cents.fillna(0).ne(0).to_numpy()
    counted = transactions_counted(customers).to_numpy()
    some = txns.fillna(0).gt(0).to_numpy()
    text = np.select(
        [counted & some, counted & ~owes, counted & owes, owes],
        [
            count_text(txns, "transaction").to_numpy(),
            "no transactions",
            (balance + "; its transactions are not in the files").to_numpy(),
            (balance + "; " + TRANSACTIONS_NOT_CHECKED).to_numpy(),
        ],
        default=TRANSACTIONS_NOT_CHECKED,
    )
    return pd.Series(text, dtype="string")


def opportunities_text(accounts: pd.DataFrame) -> pd.Series:
    """'3 opportunities', '1 opportunity', 'no opportunities', or the not-checked words when the
    folder has no Opportunity.csv (positional)."""
    counts = pd.Series(accounts["opportunities"].to_numpy(), dtype="Int64")
    counted = _counted(accounts, "opportunities_counted").to_numpy()
    known = count_text(counts, "opportunity", "opportunities").where(
        counts.ne(0), "no opportunities"
    )
    return pd.Series(np.where(counted, known.to_numpy(), OPPORTUNITIES_NOT_CHECKED), dtype="string")
