"""The overview page's tables: what to fix first, counts, money, inputs, the headline."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sfqb_diag.findings import SEVERITY_RANK
from sfqb_diag.notebook.display import money_column
from sfqb_diag.notebook.run import Run


def top_findings(findings: pd.DataFrame, limit: int = 20) -> pd.DataFrame:
    """The records to fix first, in words: severity, problem, amount, what to do."""
    ranked = findings.assign(
        _rank=findings["severity"].map(SEVERITY_RANK),
        _abs=findings["amount_at_risk_cents"].abs().fillna(0),
    )
    ranked = ranked.sort_values(["_rank", "_abs"], ascending=[True, False], kind="stable").head(
        limit
    )
    return (
        pd.DataFrame(
            {
                "Severity": ranked["severity"],
                "Area": ranked["area"],
                "Problem": ranked["title"],
                "Amount at risk": money_column(ranked["amount_at_risk_cents"], ranked["currency"]),
                "What to do": ranked["suggested_action"],
            }
        )
        .fillna("")
        .reset_index(drop=True)
    )


def severity_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per area and severity, most severe first: the overview's main chart."""
    counts = findings.groupby(["area", "severity"]).size().rename("findings").reset_index()
    return counts.sort_values("severity", key=lambda s: s.map(SEVERITY_RANK), kind="stable")


def money_by_area(findings: pd.DataFrame) -> pd.DataFrame:
    """Money at risk per area and currency (each record counted once), as numbers for a chart."""
    from sfqb_diag.outputs.summary import amount_at_risk

    rows = [
        {"area": area, "currency": currency, "amount": float(value)}
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
                "Rows": f"{len(frame):,}",
                "From file": run.data.files.get(name, ""),
                "Dates": span,
            }
        )
    return pd.DataFrame(rows)


def missing_inputs(run: Run) -> pd.DataFrame:
    """Checks that could not run and the file each needs, plus warnings about the inputs."""
    skipped = [
        {"What": f"Check '{s['check']}' ({s['area']}) was skipped", "Why": f"needs {s['missing']}"}
        for s in run.summary.checks_skipped
    ]
    warned = [{"What": "Input warning", "Why": w} for w in run.summary.input_warnings]
    return pd.DataFrame(skipped + warned, columns=["What", "Why"])


def headline(run: Run) -> Any:
    """Three numbers a finance reader wants first, as a short markdown paragraph."""
    from IPython.display import Markdown

    summary = run.summary
    money = (
        ", ".join(f"{float(v):,.2f} {c}" for c, v in sorted(summary.amount_at_risk.items()))
        or "nothing"
    )
    sev = summary.by_severity
    if summary.findings == 0:
        return Markdown(f"**No problems found** in the data as of {run.as_of:%Y-%m-%d %H:%M} UTC.")
    return Markdown(
        f"As of **{run.as_of:%Y-%m-%d %H:%M} UTC**: **{summary.findings:,} findings**, of which "
        f"**{sev['critical']:,} critical** and **{sev['high']:,} high**. Money at risk: **{money}**."
    )
