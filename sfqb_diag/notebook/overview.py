"""The overview page's tables: what to fix first, counts, money, inputs, the headline."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sfqb_diag.findings import SEVERITY_RANK
from sfqb_diag.notebook.run import Run
from sfqb_diag.outputs import first_screen
from sfqb_diag.outputs.coverage import (
    coverage_table,
    missing_words,
    money_words,
    not_checked,
    not_checked_text,
)
from sfqb_diag.outputs.first_screen import client_name, record_links, top_fixes
from sfqb_diag.outputs.xlsx import AREA_TITLES


def top_findings(run: Run, findings: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """An area's records to fix, all of them unless `limit` (the table pages them): most money
    at stake first (home currency where the data has the rate), then severity, with links to
    each record in Salesforce and QuickBooks."""
    fixes = top_fixes(findings, run.data, run.as_of, limit or len(findings), money_only=False)
    # One area's page: its name is the page's; money columns only where some row has money.
    empty = [c for c in fixes.columns if fixes[c].fillna("").astype(str).eq("").all()]
    return fixes.drop(columns=["Area", *empty])


def ten_fixes(run: Run) -> pd.DataFrame:
    """The overview's first table: the ten fixes with the most money at stake in home currency
    (without QBO Preferences there is no home currency: that column is left out)."""
    return _without_empty_home(top_fixes(run.findings, run.data, run.as_of, 10))


def money_totals(run: Run) -> pd.DataFrame:
    """Money at risk per currency and its home-currency value, with the home-currency total."""
    return _without_empty_home(first_screen.money_totals(run.findings, run.data, run.as_of))


def _without_empty_home(frame: pd.DataFrame) -> pd.DataFrame:
    home = [c for c in frame.columns if str(c).startswith("In ")]
    empty = [c for c in home if frame[c].fillna("").astype(str).eq("").all()]
    return frame.drop(columns=empty)


def with_links(run: Run, frame: pd.DataFrame | None) -> pd.DataFrame:
    """A view or output with its record Ids turned into linked record names (see nb.table)."""
    return record_links(frame if frame is not None else pd.DataFrame(), run.data)


def severity_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per area and severity, most severe first: the overview's main chart."""
    counts = findings.groupby(["area", "severity"]).size().rename("findings").reset_index()
    counts["area"] = counts["area"].map(AREA_TITLES).fillna(counts["area"])
    return counts.sort_values("severity", key=lambda s: s.map(SEVERITY_RANK), kind="stable")


def money_by_area(findings: pd.DataFrame) -> pd.DataFrame:
    """Money at risk per area and currency (each record counted once), as numbers for a chart."""
    from sfqb_diag.outputs.summary import amount_at_risk

    rows = [
        {"area": AREA_TITLES.get(area, area), "currency": currency, "amount": float(value)}
        for area, group in findings.groupby("area")
        for currency, value in amount_at_risk(group).items()
    ]
    return pd.DataFrame(rows, columns=["area", "currency", "amount"])


def data_inventory(run: Run) -> pd.DataFrame:
    """Rows per table, the file each came from, and the date range it covers."""
    rows = []
    for name, frame in sorted(run.data.tables.items()):
        dated = [
            c
            for c in ("close_date", "txn_date", "created_date", "create_time", "timestamp")
            if c in frame
        ]
        span = ""
        if dated and frame[dated[0]].notna().any():
            span = f"{frame[dated[0]].min():%Y-%m-%d} to {frame[dated[0]].max():%Y-%m-%d}"
        rows.append(
            {
                "Table": name,
                "Rows": len(frame),
                "From file": run.data.files.get(name, ""),
                "Dates": span,
            }
        )
    return pd.DataFrame(rows)


def missing_inputs(run: Run) -> pd.DataFrame:
    """Checks that could not run and the file each needs, plus warnings about the inputs."""
    skipped = [
        {
            "What": f"Check '{s['check']}' ({AREA_TITLES.get(s['area'], s['area'])}) was skipped",
            "Why": f"needs {s['missing']}",
        }
        for s in run.summary.checks_skipped
    ]
    warned = [{"What": "Input warning", "Why": w} for w in run.summary.input_warnings]
    return pd.DataFrame(skipped + warned, columns=["What", "Why"])


def headline(run: Run) -> Any:
    """Three numbers a finance reader wants first, as a short markdown paragraph."""
    from IPython.display import Markdown

    summary = run.summary
    money = money_words(summary)
    sev = summary.by_severity
    client = client_name(run.data)
    if summary.findings == 0:
        return Markdown(
            f"**{client}: no problems found** in the data as of {run.as_of:%Y-%m-%d %H:%M} UTC."
        )
    return Markdown(
        f"**{client}**, data as of **{run.as_of:%Y-%m-%d %H:%M} UTC**: "
        f"**{summary.findings:,} findings**, of which **{sev['critical']:,} critical** and "
        f"**{sev['high']:,} high**. Money at risk, per currency (never added across currencies): "
        f"**{money}**. The fixes with the most money at stake come first below."
    )


def checked(run: Run, area: str) -> Any:
    """What an area page could not check, in one markdown line (nothing when every check ran):
    an area with no input files says "Not checked", so its empty tables never read as clean."""
    from IPython.display import Markdown

    missing = not_checked(run.summary)
    if area in missing:
        return Markdown(
            f"**{not_checked_text(missing[area])}.** The counts, tables and charts below are "
            "empty because the data was not there, not because nothing is wrong."
        )
    table = coverage_table(run.summary)
    row = table[table["Area"] == AREA_TITLES.get(area, area)]
    if row.empty:
        return Markdown("")
    lacking = row.iloc[0]["Missing from the raw folder"].split(", ")
    return Markdown(
        f"*{row.iloc[0]['Not checked'].capitalize()} on this page did not run: "
        f"{missing_words(lacking)}.*"
    )


def lag_words(lags: pd.DataFrame) -> Any:
    """How long deals wait for their invoice, in two sentences (median and 90th percentile)."""
    from IPython.display import Markdown

    days = lags["lag_days"].astype(float).dropna() if "lag_days" in lags else pd.Series(dtype=float)
    if days.empty:
        return Markdown("*No invoiced deals to measure.*")
    return Markdown(
        f"Of **{len(days):,} invoiced deals**, half got their invoice within "
        f"**{days.median():,.1f} days** of the close date and nine in ten within "
        f"**{days.quantile(0.9):,.1f} days**; the slowest waited **{days.max():,.0f} days**."
    )
