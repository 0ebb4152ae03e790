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

__all__ = ["CHECKS", "OUTPUTS", "VIEWS"]
