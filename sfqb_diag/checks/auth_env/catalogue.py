"""The checks, outputs and notebook views of area `auth_env` (environment, realm, token, API-version and Id-format problems), listed explicitly.

Adding a check: write its finder with `@check(...)` in the topic module it belongs to, then list it
here. Nothing registers itself by being imported.
"""

from __future__ import annotations

from sfqb_diag.checks.auth_env import (
    currency,
    environment,
    logins,
    realm,
    sandbox,
    tokens,
    views,
)
from sfqb_diag.checks.base import CheckSpec, OutputSpec, ViewSpec, unique_by_name

CHECKS: tuple[CheckSpec, ...] = unique_by_name(
    (
        environment.environment_mismatch,
        environment.environment_evidence_conflict,
        realm.realm_mismatch,
        environment.cross_environment_write,
        environment.short_id_on_qbo,
        environment.id_case_collision,
        currency.multicurrency_mismatch,
        sandbox.sandbox_behind_production,
        tokens.refresh_token_expiry,
        tokens.access_token_expired,
        tokens.minorversion_below_floor,
        tokens.retired_api_version,
        tokens.hardcoded_pod_url,
        tokens.auth_failure_burst,
        logins.soap_login_in_use,
    ),
    "name",
)

OUTPUTS: tuple[OutputSpec, ...] = unique_by_name(
    (),
    "path",
)

VIEWS: tuple[ViewSpec, ...] = unique_by_name(views.VIEWS, "name")

# The tables this area reads (its checks, outputs and views): `check --areas auth_env` loads
# only these (tests/test_area_reads.py proves the list is complete). Environment and pod checks
# look at the Ids of every Salesforce object and at every QBO field a sync writes them into.
READS: tuple[str, ...] = (
    "accounts",
    "contacts",
    "opportunities",
    "opportunity_lines",
    "products",
    "pricebooks",
    "pricebook_entries",
    "customers",
    "items",
    "invoices",
    "payments",
    "credit_memos",
    "sales_receipts",
    "company_info",
    "preferences",
    "sync_log",
    "login_history",
)
