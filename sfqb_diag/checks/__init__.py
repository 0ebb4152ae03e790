"""Every check, output and notebook view of the five areas, in one explicit list (one package per area).

Each area's `catalogue.py` lists its own; this module only concatenates them. The engine takes the
list as an argument, so it imports no area and tests can run any subset.
"""

from sfqb_diag.checks import auth_env, customers, partial_sync, products, sync_jobs
from sfqb_diag.checks.base import CheckSpec, OutputSpec, ViewSpec, unique_by_name

CHECKS: tuple[CheckSpec, ...] = unique_by_name(
    auth_env.CHECKS + customers.CHECKS + products.CHECKS + partial_sync.CHECKS + sync_jobs.CHECKS,
    "name",
)
OUTPUTS: tuple[OutputSpec, ...] = unique_by_name(
    auth_env.OUTPUTS
    + customers.OUTPUTS
    + products.OUTPUTS
    + partial_sync.OUTPUTS
    + sync_jobs.OUTPUTS,
    "path",
)
VIEWS: tuple[ViewSpec, ...] = unique_by_name(
    auth_env.VIEWS + customers.VIEWS + products.VIEWS + partial_sync.VIEWS + sync_jobs.VIEWS,
    "name",
)

# What every run reads whatever its areas: the company's name and home currency (first screen,
# home-currency totals) and the exchange rates QBO keeps on each transaction's header.
ALWAYS_READ: tuple[str, ...] = (
    "company_info",
    "preferences",
    "invoices",
    "credit_memos",
    "sales_receipts",
)
READS: dict[str, tuple[str, ...]] = {
    "auth_env": auth_env.READS,
    "customers": customers.READS,
    "products": products.READS,
    "partial_sync": partial_sync.READS,
    "sync_jobs": sync_jobs.READS,
}


def tables_read(areas: tuple[str, ...]) -> frozenset[str]:
    """The tables a run of these areas reads: the loader parses only their files (and builds an
    entity's line table only when it is among them)."""
    return frozenset(ALWAYS_READ).union(*(READS[area] for area in areas))


__all__ = ["ALWAYS_READ", "CHECKS", "OUTPUTS", "READS", "VIEWS", "tables_read"]
