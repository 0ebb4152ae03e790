"""Checks, one module per failure area. Importing this package registers all of them."""

from sfqb_diag.checks import auth_env, customers, partial_sync, products, sync_jobs

__all__ = ["auth_env", "customers", "partial_sync", "products", "sync_jobs"]
