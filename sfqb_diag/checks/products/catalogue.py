"""The checks, outputs and notebook views of area `products` (Product2 <-> Item links, item hygiene, price drift, invoice-line differences), listed explicitly.

Adding a check: write its finder with `@check(...)` in the topic module it belongs to, then list it
here. Nothing registers itself by being imported.
"""

from __future__ import annotations

from sfqb_diag.checks.base import CheckSpec, OutputSpec, ViewSpec, unique_by_name
from sfqb_diag.checks.products import (
    invoice_checks,
    items,
    line_checks,
    links,
    outputs,
    prices,
    views,
)

CHECKS: tuple[CheckSpec, ...] = unique_by_name(
    (
        links.product_unlinked_likely_item,
        links.product_link_broken,
        links.product_mislinked,
        links.open_line_inactive,
        items.item_type_problem,
        items.item_no_income_account,
        items.item_duplicate,
        items.product_code_duplicate,
        items.product_name_rejected,
        invoice_checks.invoice_currency_mismatch,
        invoice_checks.invoice_tax_inclusive,
        invoice_checks.invoice_discount_moved,
        invoice_checks.invoice_extra_discount,
        *line_checks.LINE_CHECKS,
        prices.price_drift,
    ),
    "name",
)

OUTPUTS: tuple[OutputSpec, ...] = unique_by_name(
    (
        outputs.products_matches,
        outputs.item_duplicates,
        outputs.product_links,
        outputs.item_price_updates,
        outputs.invoice_line_corrections,
    ),
    "path",
)

VIEWS: tuple[ViewSpec, ...] = unique_by_name(views.VIEWS, "name")

# The tables this area reads: items and products, and the invoice and opportunity lines the
# line pairing compares (tests/test_area_reads.py proves the list is complete).
READS: tuple[str, ...] = (
    "items",
    "products",
    "pricebooks",
    "pricebook_entries",
    "opportunities",
    "opportunity_lines",
    "invoices",
    "invoice_lines",
    "accounts",
    "customers",
    "tax_codes",
    "company_info",
    "preferences",
)
