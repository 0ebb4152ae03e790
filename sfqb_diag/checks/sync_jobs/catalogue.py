"""The checks, outputs and notebook views of area `sync_jobs` (what jobs do under load: retry duplicates, DocNumbers, outages, lag, sync-log errors), listed explicitly.

Adding a check: write its finder with `@check(...)` in the topic module it belongs to, then list it
here. Nothing registers itself by being imported.
"""

from __future__ import annotations

from sfqb_diag.checks.base import CheckSpec, OutputSpec, ViewSpec, unique_by_name
from sfqb_diag.checks.sync_jobs import (
    capacity,
    conflicts,
    docnumbers,
    log_checks,
    loops,
    read_cap,
    retries,
    timeline,
    views,
)

CHECKS: tuple[CheckSpec, ...] = unique_by_name(
    (
        retries.duplicate_invoice_retry,
        retries.duplicate_payment_retry,
        conflicts.lost_update_conflict,
        docnumbers.duplicate_doc_number,
        docnumbers.missing_doc_number,
        log_checks.sync_log_error_class,
        log_checks.sync_record_failing,
        log_checks.sync_error_storm,
        loops.sync_token_loop,
        timeline.sync_outage,
        timeline.invoice_burst,
        timeline.invoice_lag_outlier,
        read_cap.qbo_read_cap_blocked,
    ),
    "name",
)

OUTPUTS: tuple[OutputSpec, ...] = unique_by_name(
    (
        retries.invoice_duplicates_table,
        retries.payment_duplicates_table,
        retries.invoices_to_void,
        capacity.resync_capacity,
        conflicts.sync_conflicts_table,
        log_checks.records_to_resync,
    ),
    "path",
)

VIEWS: tuple[ViewSpec, ...] = unique_by_name(views.VIEWS, "name")

# The tables this area reads: the sync log against the records its jobs wrote
# (tests/test_area_reads.py proves the list is complete).
READS: tuple[str, ...] = (
    "accounts",
    "customers",
    "opportunities",
    "invoices",
    "invoice_lines",
    "payments",
    "payment_links",
    "products",
    "items",
    "sync_log",
)
