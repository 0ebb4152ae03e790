"""The overview's "over time" section: the trend over kept runs and the age of open findings.

history.py writes the tables into the report's cache before the notebooks run; these functions
only read them through the Run object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from sfqb_diag.findings import SEVERITY_RANK
from sfqb_diag.notebook.display import money_column
from sfqb_diag.notebook.run import Run
from sfqb_diag.outputs.layout import CACHE

AGE_BUCKETS = ("first seen this run", "1-7 days", "8-30 days", "over 30 days")


def _trend_tables(run: Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The kept runs plus this one; only this run when the report kept no history (or in JupyterLab)."""
    from sfqb_diag.scheduling.history import trend_tables

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
    # pandas maps onto an empty datetime Series by casting it to float64 (a TypeError): an empty
    # history means every finding is first seen now.
    mapped = (
        findings["finding_id"].astype(object).map(seen)
        if len(seen)
        else pd.Series(pd.NaT, index=findings.index)
    )
    first = pd.to_datetime(mapped, utc=True).fillna(run.as_of)
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


__all__ = [
    "RunsOverTime",
    "age_buckets",
    "findings_trend",
    "history_note",
    "money_trend",
    "oldest_open",
    "open_findings",
    "runs_over_time",
]
