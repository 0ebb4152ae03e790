"""What the `products` checks share: the home currency, the product match table (computed once per
run), item usage on invoices, and money as words."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sfqb_diag.dataset import Dataset

if TYPE_CHECKING:
    from sfqb_diag.checks.base import Context
from sfqb_diag.matching.products import match_products, standard_prices

# QBO company country -> its home currency, for files without Preferences.
_COUNTRY_CURRENCY = {
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
    "UK": "GBP",
    "AU": "AUD",
    "IE": "EUR",
    "FR": "EUR",
    "DE": "EUR",
    "ES": "EUR",
    "NL": "EUR",
    "IN": "INR",
}


def home_currency(data: Dataset) -> str | None:
    """The QBO home currency: Preferences, else the company's country, else the commonest invoice
    currency, else the commonest opportunity currency. Items are priced in it."""
    prefs = data.get("preferences")
    if prefs is not None and "home_currency" in prefs and prefs["home_currency"].notna().any():
        return str(prefs["home_currency"].dropna().iloc[0])
    info = data.get("company_info")
    if info is not None and "country" in info and info["country"].notna().any():
        found = _COUNTRY_CURRENCY.get(str(info["country"].dropna().iloc[0]).upper())
        if found:
            return found
    for table in ("invoices", "opportunities"):
        frame = data.get(table)
        if frame is not None and "currency" in frame and frame["currency"].notna().any():
            return str(frame["currency"].mode().iloc[0])
    return None


def live_products(data: Dataset) -> pd.DataFrame:
    """Product2 rows that are not deleted (queryAll exports carry deleted rows)."""
    products = data["products"]
    deleted = (
        products["is_deleted"].fillna(False).astype(bool) if "is_deleted" in products else False
    )
    return products[~deleted].reset_index(drop=True)


def product_prices(data: Dataset) -> pd.Series:
    """Product Id -> standard price in the home currency (NaN where there is none)."""
    return standard_prices(
        data.get("pricebook_entries"), data.get("pricebooks"), home_currency(data)
    )


MATCH_COLUMNS = [
    "sf_id",
    "current_qb_id",
    "qb_id",
    "score",
    "status",
    "reasons",
    "sf_name",
    "qb_name",
    "current_qb_name",
]


def product_matches(ctx: Context) -> pd.DataFrame:
    """matches/products.csv, computed once per run and shared by checks and outputs."""

    def compute() -> pd.DataFrame:
        data = ctx.data
        if not data.has("products", "items"):
            # Nothing to match without both catalogues: checks that only use matches as a hint
            # (line pairing, code duplicates) carry on with the stored links alone.
            return pd.DataFrame({c: pd.Series(dtype="string") for c in MATCH_COLUMNS}).assign(
                score=pd.Series(dtype="float64")
            )
        products = live_products(data)
        if "qb_item_id" not in products:
            products = products.assign(
                qb_item_id=pd.Series(pd.NA, index=products.index, dtype="string")
            )
        return match_products(
            products, data["items"], product_prices(data), ctx.thresholds, ctx.decisions
        )

    return ctx.shared("product_matches", compute)


def item_usage(data: Dataset) -> pd.Series:
    """Item Id -> number of invoice lines that use it (bundle children included)."""
    lines = data.get("invoice_lines")
    if lines is None or lines.empty:
        return pd.Series(dtype="int64")
    return lines["item_id"].dropna().value_counts()
