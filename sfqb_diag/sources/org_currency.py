"""The currency of a single-currency Salesforce org's amounts.

An org without multi-currency has no CurrencyIsoCode field at all: its exports carry amounts
alone, every one in the org's single (corporate) currency. Read without a currency, those
amounts would fall out of every total, money sort and aging chart ("none with an amount of
money" above a 45,000.00 deal). The export does not name that currency; the stand-in is the one
currency every QBO record uses (one business books both sides), else the QBO company's home
currency. Where it comes from is said in a warning, since it is assumed, not read. A column
that is present with blank cells is left as it is: that is an export problem, not an org setting.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.errors import Problem

# Salesforce tables whose amounts are in the record's CurrencyIsoCode.
MONEY_TABLES = ("opportunities", "opportunity_lines", "pricebook_entries")
# QBO tables whose records name their currency (CurrencyRef).
QBO_CURRENCY_TABLES = ("invoices", "customers", "payments", "credit_memos", "sales_receipts")


def stand_in_currency(data: Dataset) -> tuple[str, str] | None:
    """(currency, where it comes from) for amounts that name none; None when QBO does not say.

    The currency every QBO record uses comes first (the business bills in it, whatever the
    company's home currency), then the home currency (Preferences)."""
    used = pd.concat(
        [
            frame["currency"].dropna().astype("string").str.strip().str.upper()
            for frame in map(data.get, QBO_CURRENCY_TABLES)
            if frame is not None and "currency" in frame
        ]
        or [pd.Series(dtype="string")]
    ).unique()
    if len(used) == 1:
        return str(used[0]), "the one currency of the QuickBooks records"
    home = preferences_currency(data)
    return (home, "the QuickBooks home currency") if home else None


def preferences_currency(data: Dataset | None) -> str | None:
    """The QBO company's home currency as Preferences (CurrencyPrefs.HomeCurrency) states it."""
    prefs = data.get("preferences") if data is not None else None
    if prefs is None or "home_currency" not in prefs:
        return None
    values = prefs["home_currency"].dropna().astype("string").str.strip().str.upper()
    values = values[values != ""]
    return str(values.iloc[0]) if not values.empty else None


def fill_org_currency(data: Dataset) -> None:
    """Give the money tables of a single-currency org's export the stand-in currency."""
    lacking = [
        table
        for table in MONEY_TABLES
        if table in data.tables and "currency" in data.missing_columns.get(table, [])
    ]
    if not lacking:
        return
    found = stand_in_currency(data)
    for table in lacking:
        file = data.files.get(table, table)
        if found is None:
            data.warnings.append(
                Problem(
                    file,
                    "not in the file (as in a Salesforce org with one currency) and the "
                    "QuickBooks files name no home currency: its amounts are shown without a "
                    "currency; add quickbooks/Preferences.json to the raw folder",
                    column="CurrencyIsoCode",
                    fatal=False,
                )
            )
            continue
        currency, source = found
        frame = data.tables[table]
        frame["currency"] = pd.Series(currency, index=frame.index, dtype="string")
        data.missing_columns[table].remove("currency")
        data.warnings.append(
            Problem(
                file,
                f"not in the file, as in a Salesforce org with one currency: its amounts are "
                f"read as {currency}, {source}",
                column="CurrencyIsoCode",
                fatal=False,
            )
        )
