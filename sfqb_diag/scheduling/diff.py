"""What changed between two runs: new, fixed and still-open findings, and money at risk deltas.

Findings are matched by `finding_id` (it hashes only the check and the record keys, so the same
problem on the same records has the same id on every run). A finding gone from the later run
counts as fixed only when its check ran there: a check skipped for a missing file (a failed pull,
a partial export) or an area not selected proves nothing, so those are listed as "not checked".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from sfqb_diag.errors import UsageError
from sfqb_diag.findings import AREAS, SEVERITIES, SEVERITY_RANK
from sfqb_diag.outputs.summary import Summary
from sfqb_diag.outputs.tables import findings_csv_frame, write_csv
from sfqb_diag.outputs.xlsx import AREA_TITLES
from sfqb_diag.publish import publishing
from sfqb_diag.scheduling.history import Snapshot
from sfqb_diag.words import format_cents, money

SETS = ("new", "fixed", "still_open", "not_checked")
EXTRA = ["review_status", "owner", "review_note", "waived", "first_seen", "days_open"]


def _waived(frame: pd.DataFrame) -> pd.Series:
    return (
        frame["waived"].fillna(False).astype(bool)
        if "waived" in frame
        else pd.Series(False, index=frame.index)
    )


@dataclass(frozen=True)
class DiffResult:
    """The two runs and the four sets; every frame has the findings columns plus EXTRA."""

    a: Snapshot
    b: Snapshot
    new: pd.DataFrame
    fixed: pd.DataFrame
    still_open: pd.DataFrame
    not_checked: pd.DataFrame

    def sets(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in SETS}

    def new_at_or_above(self, severity: str) -> pd.DataFrame:
        """New findings at or above `severity` that no current waiver covers: what fails a run."""
        if severity not in SEVERITIES:
            raise UsageError(f"--fail-on-new {severity!r}: choose one of {', '.join(SEVERITIES)}")
        hit = self.new["severity"].map(SEVERITY_RANK) <= SEVERITY_RANK[severity]
        return self.new[hit & ~_waived(self.new)]

    def exit_code(self, fail_on_new: str | None) -> int:
        """1 when a new unwaived finding is at or above `fail_on_new` (DESIGN.md exit codes), else 0."""
        return int(fail_on_new is not None and not self.new_at_or_above(fail_on_new).empty)

    def counts(self) -> pd.DataFrame:
        """Findings per area and severity in each set (waived ones included, as in the CSVs)."""
        index = pd.MultiIndex.from_product([AREAS, SEVERITIES], names=["area", "severity"])
        table = pd.DataFrame(
            {
                name: frame.groupby(["area", "severity"]).size().reindex(index, fill_value=0)
                for name, frame in self.sets().items()
            }
        )
        return table[table.sum(axis=1) > 0].reset_index()

    def money(self) -> pd.DataFrame:
        """Unwaived money at risk per area (and 'all') and currency, before and after, in cents."""
        rows = []
        for area in ("all", *AREAS):
            before, after = (_money_of(s.summary, area) for s in (self.a, self.b))
            for currency in sorted(set(before) | set(after)):
                b, a = before.get(currency, 0), after.get(currency, 0)
                rows.append(
                    {
                        "area": area,
                        "currency": currency,
                        "before_cents": b,
                        "after_cents": a,
                        "change_cents": a - b,
                    }
                )
        return pd.DataFrame(
            rows, columns=["area", "currency", "before_cents", "after_cents", "change_cents"]
        )

    def to_dict(self) -> dict[str, Any]:
        """diff.json: as-of times, set sizes, counts and money; no paths."""
        money_rows = self.money()
        for column in ("before", "after", "change"):
            money_rows[column] = format_cents(money_rows.pop(f"{column}_cents"))
        return {
            "before_as_of": self.a.as_of.isoformat(),
            "after_as_of": self.b.as_of.isoformat(),
            **{name: len(frame) for name, frame in self.sets().items()},
            "waived_new": int(_waived(self.new).sum()),
            "by_area": self.counts().to_dict("records"),
            "money": money_rows.to_dict("records"),
        }

    def digest(self, limit: int = 10) -> str:
        """A few plain lines for an email or a CI log; the first is the headline."""
        return digest(self, limit)


def _money_of(summary: Summary, area: str) -> dict[str, int]:
    values = (
        summary.amount_at_risk if area == "all" else summary.amount_at_risk_by_area.get(area, {})
    )
    return {currency: int(Decimal(text) * 100) for currency, text in values.items()}


def _days(later: pd.Timestamp, earlier: pd.Series) -> pd.Series:
    return ((later - earlier).dt.total_seconds() // 86400).astype("Int64")


def diff_runs(a: Snapshot, b: Snapshot) -> DiffResult:
    """Compare an earlier run `a` with a later run `b`."""
    in_a, in_b = (
        a.findings["finding_id"].isin(b.findings["finding_id"]),
        b.findings["finding_id"].isin(a.findings["finding_id"]),
    )
    new = b.findings[~in_b].copy()
    earlier = a.findings[["finding_id", "first_seen", "severity"]].rename(
        columns={"first_seen": "_seen_before", "severity": "severity_before"}
    )
    still = b.findings[in_b].merge(earlier, on="finding_id", how="left")
    still["first_seen"] = still[["first_seen", "_seen_before"]].min(axis=1)
    still = still.drop(columns="_seen_before")
    gone = a.findings[~in_a].copy()
    checked = gone["check"].isin(b.checked)
    new["days_open"] = _days(b.as_of, new["first_seen"])
    still["days_open"] = _days(b.as_of, still["first_seen"])
    gone["days_open"] = _days(a.as_of, gone["first_seen"])
    return DiffResult(a, b, new, gone[checked], still, gone[~checked])


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = findings_csv_frame(frame)
    for column in EXTRA + (["severity_before"] if "severity_before" in frame else []):
        out[column] = frame[column].to_numpy() if column in frame else pd.NA
    out["first_seen"] = pd.to_datetime(out["first_seen"], utc=True).dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    out["waived"] = out["waived"].fillna(False).astype(bool).map({True: "true", False: "false"})
    return out


def write_diff(result: DiffResult, out: Path) -> None:
    """DIR/new.csv, fixed.csv, still_open.csv, not_checked.csv, by_area.csv, money.csv, diff.json,
    digest.txt; written whole (DIR.partial, then renamed)."""
    with publishing(Path(out)) as folder:
        for name, frame in result.sets().items():
            write_csv(_csv_frame(frame), folder / f"{name}.csv")
        write_csv(result.counts(), folder / "by_area.csv")
        money_rows = result.money()
        for column in ("before", "after", "change"):
            money_rows[column] = format_cents(money_rows.pop(f"{column}_cents"))
        write_csv(money_rows, folder / "money.csv")
        (folder / "diff.json").write_text(
            json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8"
        )
        (folder / "digest.txt").write_text(result.digest() + "\n", encoding="utf-8")


def area_title(area: str) -> str:
    return "All areas" if area == "all" else AREA_TITLES.get(area, area)


def _by_severity(frame: pd.DataFrame) -> str:
    counts = frame["severity"].value_counts()
    return ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if s in counts) or "none"


def _days_text(days: Any) -> str:
    days = int(days) if pd.notna(days) else 0
    return "less than a day" if days < 1 else f"{days} day" + ("s" if days > 1 else "")


def _still_open_phrase(still: pd.DataFrame) -> str:
    """'1 critical still open for 9 days': the most severe unwaived group and its oldest age."""
    active = still[~_waived(still)]
    if active.empty:
        return "nothing still open"
    worst = min(active["severity"], key=SEVERITY_RANK.__getitem__)
    group = active[active["severity"] == worst]
    oldest = _days_text(group["days_open"].max())
    return (
        f"1 {worst} still open for {oldest}"
        if len(group) == 1
        else (f"{len(group)} {worst} still open (oldest for {oldest})")
    )


def _money_change(cents: int, currency: str) -> str:
    if cents == 0:
        return f"unchanged in {currency}"
    return f"{'down' if cents < 0 else 'up'} {money(abs(cents), currency)}"


def _headline(result: DiffResult, money_rows: pd.DataFrame) -> str:
    """'3 new since 2026-11-24, 40 fixed, 1 critical still open for 9 days, money at risk down ...'"""
    a, b = result.a, result.b
    same_day = a.as_of.date() == b.as_of.date()
    since = f"{a.as_of:%Y-%m-%d %H:%M} UTC" if same_day else f"{a.as_of:%Y-%m-%d}"
    totals = money_rows[(money_rows["area"] == "all") & (money_rows["change_cents"] != 0)]
    changes = [_money_change(r["change_cents"], r["currency"]) for r in totals.to_dict("records")]
    return ", ".join(
        [
            f"{len(result.new)} new since {since}",
            f"{len(result.fixed)} fixed",
            _still_open_phrase(result.still_open),
            "money at risk " + ("; ".join(changes) if changes else "unchanged"),
        ]
    )


def _money_lines(money_rows: pd.DataFrame) -> list[str]:
    moved = money_rows[(money_rows["area"] != "all") & (money_rows["change_cents"] != 0)]
    return ["Money at risk by area:"] * (not moved.empty) + [
        f"  {area_title(r['area'])}: {money(r['before_cents'], r['currency'])} -> "
        f"{money(r['after_cents'], r['currency'])} ({_money_change(r['change_cents'], r['currency'])})"
        for r in moved.to_dict("records")
    ]


def _first_new_lines(new: pd.DataFrame, limit: int) -> list[str]:
    """The unwaived new findings to look at first: most severe, then most money."""
    first = new[~_waived(new)]
    first = first.assign(
        _rank=first["severity"].map(SEVERITY_RANK),
        _abs=first["amount_at_risk_cents"].abs().fillna(0),
    )
    first = first.sort_values(["_rank", "_abs", "finding_id"], ascending=[True, False, True]).head(
        limit
    )
    return ["New findings to look at first:"] * (not first.empty) + [
        f"  {r['severity']} | {r['area']} | {r['title']} | "
        f"{money(r['amount_at_risk_cents'], r['currency']) or '-'} | {r['finding_id']}"
        for r in first.to_dict("records")
    ]


def digest(result: DiffResult, limit: int = 10) -> str:
    """The headline, then counts, money by area and the new findings to look at first."""
    a, b, new = result.a, result.b, result.new
    money_rows = result.money()
    waived_new = int(_waived(new).sum())
    lines = [
        _headline(result, money_rows),
        f"Runs compared: as of {a.as_of:%Y-%m-%d %H:%M} UTC ({a.summary.findings} findings) and "
        f"as of {b.as_of:%Y-%m-%d %H:%M} UTC ({b.summary.findings} findings).",
        f"New: {len(new)} ({_by_severity(new)})"
        + (f"; {waived_new} of them waived" if waived_new else "")
        + ".",
        f"Fixed: {len(result.fixed)} ({_by_severity(result.fixed)}).",
        f"Still open: {len(result.still_open)} ({_by_severity(result.still_open)}).",
    ]
    if not result.not_checked.empty:
        checks = ", ".join(sorted(set(result.not_checked["check"])))
        lines.append(
            f"Not checked in the later run (not counted as fixed): {len(result.not_checked)} "
            f"from {checks}."
        )
    return "\n".join(lines + _money_lines(money_rows) + _first_new_lines(new, limit))


__all__ = ["SETS", "DiffResult", "area_title", "diff_runs", "digest", "write_diff"]
