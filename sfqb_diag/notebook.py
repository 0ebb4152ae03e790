"""What notebooks call: open a run's outputs, show figures offline-safe, show tables for people.

Notebooks stay thin: parameters, `open_run`, a few calls, plots. They never recompute findings;
in JupyterLab, when no outputs exist yet, `open_run` runs `check` once to create them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import SEVERITY_RANK, format_cents
from sfqb_diag.pipeline import CACHE, CheckOptions, run_check

SEVERITY_COLOURS = {
    "critical": "#b2182b",
    "high": "#ef8a62",
    "medium": "#fddbc7",
    "low": "#d1e5f0",
    "info": "#bababa",
}


@dataclass
class Run:
    """A report folder as notebooks see it."""

    out: Path

    @cached_property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.out / "summary.json").read_text(encoding="utf-8"))

    @cached_property
    def findings(self) -> pd.DataFrame:
        """Every finding with its extra columns (record names, cents, review status)."""
        return pd.read_parquet(self.out / CACHE / "findings.parquet")

    @cached_property
    def data(self) -> Dataset:
        return Dataset.load(self.out / CACHE / "dataset")

    def output(self, relative: str) -> pd.DataFrame | None:
        """A matches/ or remediation/ table by its report path, or None when it was not produced."""
        cached = self.out / CACHE / (relative.replace("/", "__").removesuffix(".csv") + ".parquet")
        return pd.read_parquet(cached) if cached.is_file() else None

    def area(self, area: str) -> pd.DataFrame:
        return self.findings[self.findings["area"] == area]

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.summary["as_of"])


def open_run(
    out: str | Path, raw: str | Path | None = None, config: str | Path | None = None
) -> Run:
    """Open the report folder `out`; run `check` first when it has no outputs yet (JupyterLab)."""
    out = Path(out)
    if not (out / "summary.json").is_file() or not (out / CACHE / "findings.parquet").is_file():
        if raw is None:
            raise FileNotFoundError(f"{out} has no report yet and no raw folder was given to check")
        run_check(CheckOptions(raw=Path(raw), out=out, config=Path(config) if config else None))
    return Run(out)


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
    value = cents.astype("Int64")
    whole = (value.abs() // 100).map(lambda v: f"{v:,}" if pd.notna(v) else "")
    text = (
        value.lt(0).map({True: "-", False: ""}).astype("string")
        + whole.astype("string")
        + "."
        + (value.abs() % 100).astype("string").str.zfill(2)
        + " "
        + currency.fillna("").astype("string")
    )
    return text.where(value.notna(), "").str.strip()


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
        for s in run.summary["checks_skipped"]
    ]
    warned = [{"What": "Input warning", "Why": w} for w in run.summary["input_warnings"]]
    return pd.DataFrame(skipped + warned, columns=["What", "Why"])


def headline(run: Run) -> Any:
    """Three numbers a finance reader wants first, as a short markdown paragraph."""
    from IPython.display import Markdown

    summary = run.summary
    money = (
        ", ".join(f"{float(v):,.2f} {c}" for c, v in sorted(summary["amount_at_risk"].items()))
        or "nothing"
    )
    sev = summary["by_severity"]
    if summary["findings"] == 0:
        return Markdown(f"**No problems found** in the data as of {run.as_of:%Y-%m-%d %H:%M} UTC.")
    return Markdown(
        f"As of **{run.as_of:%Y-%m-%d %H:%M} UTC**: **{summary['findings']:,} findings**, of which "
        f"**{sev['critical']:,} critical** and **{sev['high']:,} high**. Money at risk: **{money}**."
    )


__all__ = [
    "SEVERITY_COLOURS",
    "Run",
    "data_inventory",
    "format_cents",
    "headline",
    "missing_inputs",
    "money_by_area",
    "money_column",
    "open_run",
    "severity_counts",
    "show",
    "table",
    "top_findings",
]
