"""What notebooks call: open a run's outputs, show figures offline-safe, show tables for people.

Notebooks stay thin: parameters, `open_run`, a few calls, plots. They never recompute findings;
in JupyterLab, when no outputs exist yet, `open_run` runs `check` once to create them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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


# --- Runs over time (history.py writes these into the cache before the notebooks run) ---

AGE_BUCKETS = ("first seen this run", "1-7 days", "8-30 days", "over 30 days")


def _trend_tables(run: Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The kept runs plus this one; only this run when the report kept no history (or in JupyterLab)."""
    from sfqb_diag.history import trend_tables

    counts, money = (
        run.out / CACHE / "trend_counts.parquet",
        run.out / CACHE / "trend_money.parquet",
    )
    if counts.is_file() and money.is_file():
        return pd.read_parquet(counts), pd.read_parquet(money)
    return trend_tables(None, run.summary)


def findings_trend(run: Run) -> pd.DataFrame:
    """Unwaived findings per area in each run, oldest run first; empty until there are two runs."""
    counts, _ = _trend_tables(run)
    table = counts.groupby(["order", "run", "area"], sort=True)["findings"].sum().reset_index()
    return table if table["order"].nunique() >= 2 else table.iloc[0:0]


def money_trend(run: Run) -> pd.DataFrame:
    """Unwaived money at risk per run, area and currency (0 where a run had none); empty until two runs."""
    counts, money = _trend_tables(run)
    if money["order"].nunique() == 0 or counts["order"].nunique() < 2:
        return pd.DataFrame(columns=["order", "run", "area", "currency", "amount"])
    runs = counts[["order", "run"]].drop_duplicates()
    pairs = money[["area", "currency"]].drop_duplicates()
    grid = runs.merge(pairs, how="cross").merge(
        money[["order", "area", "currency", "amount_cents"]],
        on=["order", "area", "currency"],
        how="left",
    )
    grid["amount"] = grid["amount_cents"].fillna(0).astype("float64") / 100
    return (
        grid.drop(columns="amount_cents")
        .sort_values(["order", "area", "currency"])
        .reset_index(drop=True)
    )


def history_note(run: Run) -> Any:
    """One sentence on what the trend covers, so a page with no history still reads well."""
    from IPython.display import Markdown

    counts, _ = _trend_tables(run)
    runs = counts[["order", "run"]].drop_duplicates().sort_values("order")["run"].tolist()
    if len(runs) < 2:
        return Markdown(
            "*Only this run so far.* The trend starts with the second run kept with "
            "`sfqb-diag report ... --history DIR`; until then every finding counts as first seen now."
        )
    return Markdown(
        f"**{len(runs)} runs**, from {runs[0]} to {runs[-1]} (UTC). Waived findings are not counted."
    )


def open_findings(run: Run) -> pd.DataFrame:
    """Unwaived findings with when each was first seen (in an unbroken series of kept runs) and its age."""
    path = run.out / CACHE / "first_seen.parquet"
    findings = run.findings[
        ~run.findings.get("waived", pd.Series(False, index=run.findings.index))
        .fillna(False)
        .astype(bool)
    ].copy()
    seen = (
        pd.read_parquet(path).set_index("finding_id")["first_seen"]
        if path.is_file()
        else pd.Series(dtype=object)
    )
    first = pd.to_datetime(findings["finding_id"].map(seen), utc=True).fillna(run.as_of)
    findings["first_seen"] = first
    findings["days_open"] = ((run.as_of - first).dt.total_seconds() // 86400).astype("int64")
    return findings


def age_buckets(run: Run) -> pd.DataFrame:
    """Open findings per age bucket and severity: how long problems stay unfixed."""
    open_now = open_findings(run)
    bucket = pd.cut(open_now["days_open"], [-1, 0, 7, 30, float("inf")], labels=list(AGE_BUCKETS))
    sizes = open_now.assign(age=bucket).groupby(["age", "severity"], observed=True).size()
    table = sizes.rename("findings").reset_index()
    table["age"] = table["age"].astype(str)
    return table.sort_values(
        ["age", "severity"],
        key=lambda s: s.map({**{a: i for i, a in enumerate(AGE_BUCKETS)}, **SEVERITY_RANK}),
        kind="stable",
    ).reset_index(drop=True)


def oldest_open(run: Run, limit: int = 20) -> pd.DataFrame:
    """The open findings that have waited longest, most severe first among equals, in words."""
    open_now = open_findings(run).assign(_rank=lambda f: f["severity"].map(SEVERITY_RANK))
    ranked = open_now.sort_values(
        ["days_open", "_rank", "finding_id"], ascending=[False, True, True]
    ).head(limit)
    return (
        pd.DataFrame(
            {
                "Severity": ranked["severity"],
                "Area": ranked["area"],
                "Problem": ranked["title"],
                "Amount at risk": money_column(ranked["amount_at_risk_cents"], ranked["currency"]),
                "First seen": ranked["first_seen"].dt.strftime("%Y-%m-%d"),
                "Days open": ranked["days_open"],
                "Review": ranked.get("review_status", pd.NA),
                "Owner": ranked.get("owner", pd.NA),
            }
        )
        .fillna("")
        .reset_index(drop=True)
    )


TREND_LABELS = {
    "run": "Run (as of, UTC)",
    "findings": "Findings",
    "area": "Area",
    "amount": "Amount at risk",
    "currency": "Currency",
    "age": "Open for",
    "severity": "Severity",
}


@dataclass
class RunsOverTime:
    """Everything the overview's "over time" section shows, behind one name for the notebook."""

    run: Run
    labels: dict[str, str] = field(default_factory=lambda: dict(TREND_LABELS))

    @cached_property
    def note(self) -> Any:
        return history_note(self.run)

    @cached_property
    def findings(self) -> pd.DataFrame:
        return findings_trend(self.run)

    @cached_property
    def money(self) -> pd.DataFrame:
        return money_trend(self.run)

    @cached_property
    def ages(self) -> pd.DataFrame:
        return age_buckets(self.run)

    def oldest(self, limit: int = 20) -> pd.DataFrame:
        return oldest_open(self.run, limit)


def runs_over_time(run: Run) -> RunsOverTime:
    """The trend over kept runs and the age of open findings (see history.py)."""
    return RunsOverTime(run)


__all__ += [
    "RunsOverTime",
    "age_buckets",
    "findings_trend",
    "history_note",
    "money_trend",
    "oldest_open",
    "open_findings",
    "runs_over_time",
]
