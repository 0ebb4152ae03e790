"""What the `products` checks share: the home currency and the product match table (both in
line_pairing, which partial_sync reads too), and item usage on invoices."""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.line_pairing.reconcile import (
    MATCH_COLUMNS,
    home_currency,
    live_products,
    product_matches,
    product_prices,
)
from sfqb_diag.dataset import Dataset

__all__ = [
    "MATCH_COLUMNS",
    "home_currency",
    "item_usage",
    "live_products",
    "product_matches",
    "product_prices",
]


def item_usage(data: Dataset) -> pd.Series:
    """Item Id -> number of invoice lines that use it (bundle children included)."""
    lines = data.get("invoice_lines")
    if lines is None or lines.empty:
        return pd.Series(dtype="int64")
    return lines["item_id"].dropna().value_counts()
