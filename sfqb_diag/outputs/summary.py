"""summary.json: counts, money at risk per currency, skipped checks, as-of time, parameters.

No paths, versions or timings: the same input gives the same summary on any machine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.engine import RunResult
from sfqb_diag.findings import AREAS, SEVERITIES
from sfqb_diag.words import format_cents


def record_key(findings: pd.DataFrame) -> pd.Series:
    """One key per record, so money is counted once per record however many findings it has."""
    qb = findings["qb_entity"].fillna("") + ":" + findings["qb_id"].fillna("")
    key = findings["sf_id"].fillna("") + "|" + qb
    return key.where(key != "|:", findings["finding_id"])


def amount_at_risk(findings: pd.DataFrame) -> dict[str, str]:
    """Per currency: for each record, its largest amount at risk; summed over records."""
    money = findings[findings["amount_at_risk_cents"].notna() & findings["currency"].notna()]
    money = money[~money.get("waived", pd.Series(False, index=money.index)).astype(bool)]
    if money.empty:
        return {}
    per_record = (
        money.assign(_key=record_key(money), _abs=money["amount_at_risk_cents"].abs())
        .groupby(["currency", "_key"])["_abs"]
        .max()
    )
    totals = per_record.groupby(level="currency").sum()
    return dict(zip(totals.index, format_cents(totals.astype("Int64")), strict=True))


@dataclass(frozen=True)
class Summary:
    """What summary.json holds, typed: read as attributes, written with `to_dict()`.

    `skipped` lists each check that could not run with the inputs it lacks (DESIGN.md);
    `checks_skipped` keeps the older shape (one joined `missing` text) for existing scripts;
    `checks_run` names, per area, the checks that ran (empty for an area not checked at all;
    absent from summaries written before it, which read back as {}).
    Keys a newer version adds and this one does not know are kept in `extra` on a round trip.
    """

    as_of: str
    as_of_source: str = "--as-of"
    findings: int = 0
    waived: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    by_area: dict[str, dict[str, int]] = field(default_factory=dict)
    amount_at_risk: dict[str, str] = field(default_factory=dict)
    amount_at_risk_by_area: dict[str, dict[str, str]] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    checks_run: dict[str, list[str]] = field(default_factory=dict)
    inputs: dict[str, int] = field(default_factory=dict)
    input_warnings: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def checks_skipped(self) -> list[dict[str, str]]:
        return [
            {"area": s["area"], "check": s["check"], "missing": ", ".join(s["missing"])}
            for s in self.skipped
        ]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        extra = out.pop("extra")
        out["checks_skipped"] = self.checks_skipped
        return {**out, **extra}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Summary:
        """A summary.json of this version or an older one (older runs kept in history)."""
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: v for k, v in raw.items() if k in known}
        if "skipped" not in raw:  # written before `skipped`: split the joined text
            values["skipped"] = [
                {**s, "missing": [m for m in str(s.get("missing", "")).split(", ") if m]}
                for s in raw.get("checks_skipped", [])
            ]
        extra = {k: v for k, v in raw.items() if k not in known and k != "checks_skipped"}
        return cls(**values, extra=extra)


def build_summary(result: RunResult, data: Dataset, parameters: dict[str, Any]) -> Summary:
    """Counts by area and severity (waived findings apart), money per currency, what was skipped."""
    findings = result.findings
    active = findings[~findings["waived"].astype(bool)] if "waived" in findings else findings
    by_area = {
        area: {
            sev: int(((active["area"] == area) & (active["severity"] == sev)).sum())
            for sev in SEVERITIES
        }
        for area in AREAS
        if area in result.areas
    }
    return Summary(
        as_of=result.as_of.isoformat(),
        as_of_source=result.as_of_source,
        findings=len(active),
        waived=int(len(findings) - len(active)),
        by_severity={sev: int((active["severity"] == sev).sum()) for sev in SEVERITIES},
        by_area=by_area,
        amount_at_risk=amount_at_risk(active),
        amount_at_risk_by_area={
            area: amount_at_risk(active[active["area"] == area]) for area in by_area
        },
        skipped=[
            {
                "check": s["check"],
                "area": s["area"],
                "missing": list(dict.fromkeys(m for m in s["missing"].split(", ") if m)),
            }
            for s in result.skipped
        ],
        checks_run={
            area: [r["check"] for r in result.ran if r["area"] == area] for area in by_area
        },
        inputs={name: len(frame) for name, frame in sorted(data.tables.items())},
        input_warnings=[str(w) for w in data.warnings],
        parameters=parameters,
        outputs=sorted(result.outputs),
    )
