"""summary.json: counts, money at risk per currency, skipped checks, as-of time, parameters.

No paths, versions or timings: the same input gives the same summary on any machine.
"""

from __future__ import annotations

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


def build_summary(result: RunResult, data: Dataset, parameters: dict[str, Any]) -> dict[str, Any]:
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
    return {
        "as_of": result.as_of.isoformat(),
        "as_of_source": result.as_of_source,
        "findings": len(active),
        "waived": int(len(findings) - len(active)),
        "by_severity": {sev: int((active["severity"] == sev).sum()) for sev in SEVERITIES},
        "by_area": by_area,
        "amount_at_risk": amount_at_risk(active),
        "amount_at_risk_by_area": {
            area: amount_at_risk(active[active["area"] == area]) for area in by_area
        },
        "checks_skipped": result.skipped,
        "inputs": {name: len(frame) for name, frame in sorted(data.tables.items())},
        "input_warnings": [str(w) for w in data.warnings],
        "parameters": parameters,
        "outputs": sorted(result.outputs),
    }
