"""The checks, outputs and notebook views of area `partial_sync` (Opportunity <-> Invoice link state: unbilled, missing, lost write-backs, orphans, stale, rollups that disagree with QBO), listed explicitly.

Adding a check: write its finder with `@check(...)` in the topic module it belongs to, then list it
here. Nothing registers itself by being imported.
"""

from __future__ import annotations

from sfqb_diag.checks.base import CheckSpec, OutputSpec, ViewSpec, unique_by_name
from sfqb_diag.checks.partial_sync import (
    amounts,
    balance_views,
    billing,
    invoices,
    lines,
    payment_status,
    payments,
    record_status,
    rollups,
    stale,
    totals,
    views,
)

CHECKS: tuple[CheckSpec, ...] = unique_by_name(
    (
        billing.won_not_invoiced,
        billing.invoice_link_missing,
        billing.invoice_voided,
        billing.invoice_lines_missing,
        lines.line_missing_line,
        amounts.deal_amount_mismatch,
        amounts.deal_currency_mismatch,
        billing.lost_writeback,
        invoices.orphan_invoice,
        invoices.invoice_total_mismatch,
        payments.payment_unapplied,
        payments.payment_customer_mismatch,
        payments.payment_missing_invoice,
        stale.stale_opportunity,
        stale.stale_invoice_edit,
        stale.sync_error_stuck,
        rollups.rollup_mismatch,
        payment_status.opportunity_paid_but_open,
        payment_status.opportunity_open_but_paid,
        payment_status.opportunity_rollup_mismatch,
    ),
    "name",
)

OUTPUTS: tuple[OutputSpec, ...] = unique_by_name(
    (
        stale.sync_errors_by_code,
        totals.control_totals,
        totals.unbilled_opportunities,
        totals.opportunity_links,
        record_status.record_status,
    ),
    "path",
)

VIEWS: tuple[ViewSpec, ...] = unique_by_name(views.VIEWS + balance_views.VIEWS, "name")

# The tables this area reads: won deals and their lines against invoices, lines and payments,
# and the balances, payments and credits that rollups written back into Salesforce must match
# (tests/test_area_reads.py proves the list is complete).
READS: tuple[str, ...] = (
    "accounts",
    "customers",
    "opportunities",
    "opportunity_lines",
    "invoices",
    "invoice_lines",
    "payments",
    "payment_links",
    "credit_memos",
    "items",
    "products",
    "pricebooks",
    "pricebook_entries",
    "sync_log",
    "company_info",
    "preferences",
)
