"""The one thing notebooks import: `from sfqb_diag import notebook as nb`.

A notebook opens a run (`nb.open_run`), reads what `check` wrote (findings, outputs, views) and
plots it. It never builds a Context, reloads the config or imports `sfqb_diag.checks`, so a page
can never disagree with findings.csv.
"""

from sfqb_diag.notebook.display import (
    SEVERITY_COLOURS,
    count_words,
    main_currency,
    money_axes,
    money_column,
    per_currency,
    same_price_line,
    show,
    text,
)
from sfqb_diag.notebook.evidence import evidence_waterfall, pair_table, pick_pair
from sfqb_diag.notebook.overview import (
    checked,
    data_inventory,
    headline,
    lag_words,
    missing_inputs,
    money_by_area,
    money_totals,
    severity_counts,
    ten_fixes,
    top_findings,
    with_links,
)
from sfqb_diag.notebook.review_pager import review_pager
from sfqb_diag.notebook.run import Run, open_run
from sfqb_diag.notebook.tables import table
from sfqb_diag.notebook.trend import runs_over_time

__all__ = [
    "SEVERITY_COLOURS",
    "Run",
    "checked",
    "count_words",
    "data_inventory",
    "evidence_waterfall",
    "headline",
    "lag_words",
    "main_currency",
    "missing_inputs",
    "money_axes",
    "money_by_area",
    "money_column",
    "money_totals",
    "open_run",
    "pair_table",
    "per_currency",
    "pick_pair",
    "review_pager",
    "runs_over_time",
    "same_price_line",
    "severity_counts",
    "show",
    "table",
    "ten_fixes",
    "text",
    "top_findings",
    "with_links",
]
