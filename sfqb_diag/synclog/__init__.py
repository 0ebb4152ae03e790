"""The sync log: adapters from connectors' own logs to sync_log.csv, and error classification."""

from sfqb_diag.synclog.adapt import adapt_frame, adapt_log
from sfqb_diag.synclog.classify import ERROR_CLASSES, classify, error_class_counts, is_error
from sfqb_diag.synclog.spec import AdapterSpec, builtin_adapters, load_spec

__all__ = [
    "ERROR_CLASSES",
    "AdapterSpec",
    "adapt_frame",
    "adapt_log",
    "builtin_adapters",
    "classify",
    "error_class_counts",
    "is_error",
    "load_spec",
]
