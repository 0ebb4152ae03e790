"""The checks, outputs and notebook views of area `customers` (Account <-> Customer links, duplicates on either side, collisions, field drift), listed explicitly.

Adding a check: write its finder with `@check(...)` in the topic module it belongs to, then list it
here. Nothing registers itself by being imported.
"""

from __future__ import annotations

from sfqb_diag.checks.base import CheckSpec, OutputSpec, ViewSpec, unique_by_name
from sfqb_diag.checks.customers import links, views

CHECKS: tuple[CheckSpec, ...] = unique_by_name(
    (
        links.unlinked_account_with_match,
        links.mislinked_account,
        links.link_to_missing_customer,
        links.link_to_inactive_customer,
        links.several_accounts_one_customer,
        links.qb_customer_duplicate,
        links.sf_account_duplicate,
        links.name_collision_vendor_employee,
        links.linked_field_drift,
        links.account_multi_currency,
        links.link_on_merged_account,
        links.won_account_without_customer,
    ),
    "name",
)

OUTPUTS: tuple[OutputSpec, ...] = unique_by_name(
    (
        links.matches_customers,
        links.matches_qb_duplicates,
        links.matches_sf_duplicates,
        links.salesforce_account_links,
        links.qbo_customer_merges,
        links.qbo_customers_to_create,
    ),
    "path",
)

VIEWS: tuple[ViewSpec, ...] = unique_by_name(views.VIEWS, "name")

# The tables this area reads: Account <-> Customer matching uses contacts as evidence, and the
# keep plan of a duplicate cluster counts each customer's transactions (invoices, payments,
# credit memos, sales receipts); invoice lines are never read (tests/test_area_reads.py).
READS: tuple[str, ...] = (
    "accounts",
    "contacts",
    "customers",
    "opportunities",
    "invoices",
    "payments",
    "credit_memos",
    "sales_receipts",
    "vendors",
    "employees",
    "sync_log",
)
