"""Showing things in a notebook so they also read well in the offline HTML report."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sfqb_diag.words import money_text

SEVERITY_COLOURS = {
    "critical": "#b2182b",
    "high": "#ef8a62",
    "medium": "#fddbc7",
    "low": "#d1e5f0",
    "info": "#bababa",
}


def show(fig: Any, empty: str = "Nothing to show: no records of this kind.") -> None:
    """Display a plotly figure so it renders in JupyterLab and in the offline HTML report.

    The HTML part references the one plotly.js the report folder ships (no CDN, no 5 MB per page);
    JupyterLab renders the plotly mimetype itself. A figure without data shows `empty` instead,
    so a clean client reads well.
    """
    from IPython.display import Markdown, display

    if not any(_points(trace) for trace in fig.data):
        display(Markdown(f"*{empty}*"))
        return

    fig.update_layout(template="plotly_white", margin={"t": 60, "l": 40, "r": 20, "b": 40})
    bundle = {
        "application/vnd.plotly.v1+json": fig.to_plotly_json(),
        "text/html": fig.to_html(
            full_html=False, include_plotlyjs=False, config={"displaylogo": False}
        ),
        "text/plain": f"<figure: {fig.layout.title.text or 'chart'}>",
    }
    display(json.loads(json.dumps(bundle, default=_json_default)), raw=True)


def _points(trace: Any) -> int:
    """How many points a trace holds (x, else values, else y); plotly may hold numpy arrays,
    whose truth value is ambiguous, so lengths are compared, never truthiness."""
    for name in ("x", "values", "y"):
        value = getattr(trace, name, None)
        if value is not None and len(value):
            return len(value)
    return 0


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def money_column(cents: pd.Series, currency: pd.Series) -> pd.Series:
    """'12,400.00 USD' text for a table a person reads."""
    return money_text(cents, currency)


def table(frame: pd.DataFrame, limit: int = 25) -> Any:
    """A plain HTML table for the report (index hidden, long frames cut with a note)."""
    from IPython.display import HTML

    shown = frame.head(limit)
    note = (
        f"<p><em>Showing {limit} of {len(frame):,} rows; the full list is in the CSV files.</em></p>"
        if len(frame) > limit
        else ""
    )
    return HTML(
        shown.to_html(index=False, escape=True, na_rep="", border=0, classes="sfqb-table") + note
    )


def main_currency(steps: pd.DataFrame) -> str | None:
    """The currency with the most money in a waterfall's start rows (the one shown first)."""
    starts = steps[steps["kind"] == "start"].set_index("currency")["cents"] if len(steps) else None
    return str(starts.idxmax()) if starts is not None and len(starts) else None


def text(view: pd.DataFrame) -> Any:
    """A one-sentence view (column `text`) as markdown; nothing when the view is empty."""
    from IPython.display import Markdown

    return Markdown(str(view["text"].iloc[0]) if len(view) else "")
