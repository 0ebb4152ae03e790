"""The line reconciliation both areas read, computed once per run: the product match table
(which item each product should be on), then every paired, missing and extra line classified."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sfqb_diag.checks.line_pairing.classes import classify
from sfqb_diag.checks.line_pairing.pairs import invoice_discounts, pair_lines
from sfqb_diag.dataset import Dataset
from sfqb_diag.matching.contact import country_code
from sfqb_diag.matching.products import match_products, standard_prices
from sfqb_diag.sources.org_currency import preferences_currency
from sfqb_diag.words import money_text, price_text

if TYPE_CHECKING:
    from sfqb_diag.checks.base import Context

NEEDS = ("opportunities.qb_invoice_id", "opportunity_lines", "invoices", "invoice_lines")
_BELIEVED = ("linked_ok", "relink", "suggest_link")

# QBO company country (ISO alpha-2, after country_code) -> its home currency, for files without
# Preferences. CompanyInfo.Country comes as "US", "USA" or a name: normalised first.
_COUNTRY_CURRENCY = {
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
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
    stated = preferences_currency(data)
    if stated:
        return stated
    info = data.get("company_info")
    if info is not None and "country" in info and info["country"].notna().any():
        country = country_code(info["country"].dropna().iloc[:1].astype("string")).iloc[0]
        found = _COUNTRY_CURRENCY.get(str(country)) if pd.notna(country) else None
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


def pairing_keys(ctx: Context) -> tuple[pd.Series, pd.Series]:
    """(item to pair on first, item to try second) per product Id.

    First the item the matcher believes in (a relink's right item, a sure new link), else the
    stored link; then the stored link. A product linked to another product's item must not take
    that product's invoice line.
    """
    data = ctx.data
    products = data.get("products")
    link = pd.Series(dtype="string")
    if products is not None and "qb_item_id" in products:
        link = products.set_index("id")["qb_item_id"].dropna().astype(str)
    if products is None or data.get("items") is None:
        return link, link
    m = product_matches(ctx)
    believed = (
        m[m["status"].isin(_BELIEVED) & m["qb_id"].notna()].set_index("sf_id")["qb_id"].astype(str)
    )
    return believed.combine_first(link), link


def line_reconciliation(ctx: Context) -> pd.DataFrame:
    """Every paired, missing and extra line of linked invoices, classified (computed once per run)."""

    def compute() -> pd.DataFrame:
        data = ctx.data
        first, second = pairing_keys(ctx)
        pairs, scope = pair_lines(data, first, second)
        tol = round(ctx.thresholds.amount_tolerance * 100)
        stale = pd.Timedelta(minutes=ctx.thresholds.stale_minutes)
        out = classify(pairs, invoice_discounts(data, scope["invoice_id"]), tol, stale)
        # Amounts are in the deal's currency; single-currency exports name none: the home currency.
        out["currency"] = (
            out["opp_currency"].fillna(out["inv_currency"]).fillna(home_currency(data) or pd.NA)
        )
        # Names are text even when an export lacks them all (an all-missing column reads as float).
        for column in ("product_name", "item_name", "qb_line_id", "sf_line_id"):
            if column in out:
                out[column] = out[column].astype("string")
        return out

    return ctx.shared("line_reconciliation", compute)


def side_words(qty: pd.Series, unit: pd.Series, cents: pd.Series, currency: pd.Series) -> pd.Series:
    """'18 x 134.00 = 2,412.00 USD': one side of a line pair in people's words."""
    return (
        qty.map("{:g}".format, na_action="ignore").astype("string").fillna("?")
        + " x "
        + price_text(unit)
        + " = "
        + money_text(cents, currency)
    )
