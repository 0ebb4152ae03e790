"""Showing things in a notebook so they also read well in the offline HTML report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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
    count_axes(fig)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)  # long category names (a horizontal bar's) are not cut
    bundle = {
        "application/vnd.plotly.v1+json": fig.to_plotly_json(),
        "text/html": fig.to_html(
            full_html=False, include_plotlyjs=False, config={"displaylogo": False}
        ),
        "text/plain": f"<figure: {fig.layout.title.text or 'chart'}>",
    }
    display(json.loads(json.dumps(bundle, default=_json_default)), raw=True)


def count_axes(fig: Any) -> Any:
    """Axes that count things (a histogram's, or bars of whole numbers) tick in whole numbers
    with thousands separators: no "2.5 deals" tick, no "1.5k". A money axis (money_axes set its
    format) is left alone; with ten or fewer at the top, every whole number is a tick."""
    tops: dict[str, float] = {}
    for trace in fig.data:
        for side, top in _counted(trace):
            ref = getattr(trace, f"{side}axis", None) or side
            name = f"{side}axis{ref[1:]}"
            tops[name] = tops.get(name, 0.0) + top  # stacked bars: at most the sum
    for name, top in tops.items():
        axis = fig.layout[name]
        if axis.tickformat or axis.type in ("log", "category", "date"):
            continue
        axis.update(tickformat=",d", rangemode="tozero")
        if top <= 10:
            axis.update(dtick=1, tick0=0)
    return fig


def _counted(trace: Any) -> list[tuple[str, float]]:
    """(side, largest value) of the axis on which `trace` counts, if it counts."""
    across = "x" if getattr(trace, "orientation", None) == "h" else "y"
    if trace.type == "histogram":
        values = getattr(trace, "y" if across == "x" else "x", None)
        return [(across, float(len(values) if values is not None else 0))]
    if trace.type != "bar":
        return []
    raw = getattr(trace, across, None)
    values = pd.to_numeric(pd.Series([] if raw is None else list(raw)), errors="coerce")
    if values.empty or values.isna().any() or (values % 1 != 0).any():
        return []
    return [(across, float(values.max()))]


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


def main_currency(steps: pd.DataFrame) -> str | None:
    """The currency with the most money in a waterfall's start rows (the one shown first)."""
    starts = steps[steps["kind"] == "start"].set_index("currency")["cents"] if len(steps) else None
    return str(starts.idxmax()) if starts is not None and len(starts) else None


def text(view: pd.DataFrame) -> Any:
    """A one-sentence view (column `text`) as markdown; nothing when the view is empty."""
    from IPython.display import Markdown

    return Markdown(str(view["text"].iloc[0]) if len(view) else "")


_CURRENCY_MARK = re.compile(r"currency=([A-Z]{3})", flags=re.IGNORECASE)


def per_currency(
    chart: Callable[..., Any],
    frame: pd.DataFrame,
    amount: str = "y",
    label: str | dict[str, str] = "Amount",
    **kwargs: Any,
) -> Any:
    """A plotly express chart of money with one facet (row) per currency, so amounts in
    different currencies are never stacked or compared on one axis; each facet's money axis is
    its own, titled with its currency and labelled with thousands separators (no "70.4M").
    `amount` names the money axis: "x", "y" or "both" (a price scatter, with `label` a title
    per axis: {"x": ..., "y": ...})."""
    currencies = (
        sorted(frame["currency"].dropna().astype(str).unique()) if "currency" in frame else []
    )
    # Each trace's hover text then says `currency=XXX`, which money_axes reads.
    kwargs["labels"] = {k: v for k, v in kwargs.get("labels", {}).items() if k != "currency"}
    if len(currencies) > 1:
        orders = {**kwargs.pop("category_orders", {}), "currency": currencies}
        kwargs.update(facet_row="currency", category_orders=orders)
    fig = chart(frame, **kwargs)
    if len(currencies) > 1:
        fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
        # The legend under the panels, inside the page's width (and a printed page's).
        fig.update_layout(
            height=max(450, 280 * len(currencies)),
            legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        )
    money_axes(fig, amount, label, currencies[0] if len(currencies) == 1 else None)
    return fig


def money_axes(
    fig: Any,
    amount: str = "y",
    label: str | dict[str, str] = "Amount",
    currency: str | None = None,
) -> Any:
    """Title each money axis '<label> (<currency>)', ticks '12,400' (",.0f"), each facet scaled
    on its own; the currency of an axis is read from its traces (plotly express marks each
    trace's hover text with `currency=XXX`), else `currency`."""
    sides = ["x", "y"] if amount == "both" else [amount]
    for trace in fig.data:
        found = _CURRENCY_MARK.search(str(getattr(trace, "hovertemplate", "") or ""))
        code = found.group(1).upper() if found else currency
        if trace.type == "funnel":  # the value printed in each funnel bar: 1,126,360
            trace.texttemplate = "%{x:,.0f}" + (f" {code}" if code else "")
        for side in sides:
            ref = getattr(trace, f"{side}axis", None) or side
            axis = fig.layout[f"{side}axis{ref[1:]}"]
            axis.update(tickformat=",.0f", matches=None, showticklabels=True)
            name = label.get(side, "Amount") if isinstance(label, dict) else label
            axis.title.text = f"{name} ({code})" if code else name
    return fig


def same_price_line(fig: Any, prices: pd.DataFrame) -> Any:
    """The dotted 'same price' diagonal on every facet of a price scatter."""
    if prices.empty:
        return fig
    top = float(max(prices["sf_price"].max(), prices["qb_price"].max()))
    low = float(max(min(prices["sf_price"].min(), prices["qb_price"].min()), 0.01))
    line = {"dash": "dot", "color": "grey"}
    return fig.add_scatter(
        x=[low, top], y=[low, top], mode="lines", name="same price", line=line, row="all", col="all"
    )


def count_words(count: int, noun: str) -> Any:
    """'**6 environment findings.**' in markdown, singular for one, 'No ...s.' for none."""
    from IPython.display import Markdown

    words = f"{count:,} {noun}" + ("" if count == 1 else "s")
    return Markdown(f"**{words if count else 'No ' + noun + 's'}.**")
