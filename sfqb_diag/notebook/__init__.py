"""The one thing notebooks import: `from sfqb_diag import notebook as nb`.

A notebook opens a run (`nb.open_run`), reads what `check` wrote (findings, outputs, views) and
plots it. It never builds a Context, reloads the config or imports `sfqb_diag.checks`, so a page
can never disagree with findings.csv.
"""

from sfqb_diag.notebook.display import (
    SEVERITY_COLOURS,
    main_currency,
    money_column,
    show,
    table,
    text,
)
from sfqb_diag.notebook.overview import (
    data_inventory,
    headline,
    missing_inputs,
    money_by_area,
    severity_counts,
    top_findings,
)
from sfqb_diag.notebook.review_pager import review_pager
from sfqb_diag.notebook.run import Run, open_run
from sfqb_diag.notebook.trend import runs_over_time

__all__ = [
    "SEVERITY_COLOURS",
    "Run",
    "data_inventory",
    "headline",
    "main_currency",
    "missing_inputs",
    "money_by_area",
    "money_column",
    "open_run",
    "review_pager",
    "runs_over_time",
    "severity_counts",
    "show",
    "table",
    "text",
    "top_findings",
]
