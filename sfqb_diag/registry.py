"""One registry of checks and of the tables (matches, fix lists) the areas produce.

Area modules under `sfqb_diag/checks/` register with the decorators below; the CLI (`checks`),
the engine, the notebooks and the tests all enumerate this one list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from sfqb_diag.findings import AREAS, SEVERITIES

if TYPE_CHECKING:
    from sfqb_diag.engine import Context


@dataclass(frozen=True)
class CheckSpec:
    """What a check looks for, why it matters, how to fix it, and the tables it needs."""

    name: str
    area: str
    severity: str  # the usual severity; a check may set another per finding
    needs: tuple[str, ...]
    what: str
    why: str
    fix: str
    func: Callable[[Context], pd.DataFrame] = field(repr=False, compare=False)


@dataclass(frozen=True)
class OutputSpec:
    """A table written beside findings.csv: `matches/...csv` or `remediation/...csv`.

    kind: "table" (a human-facing CSV, formula-neutralised) or "data_loader" (a Salesforce Data
    Loader update file: `Id` plus API field names, validated not prefixed, with a rollback file).
    """

    path: str
    area: str
    kind: str
    needs: tuple[str, ...]
    description: str
    func: Callable[[Context], Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class DataLoaderFile:
    """A Data Loader update and the rollback holding the values it replaces (same Ids, same columns)."""

    update: pd.DataFrame
    rollback: pd.DataFrame


CHECKS: dict[str, CheckSpec] = {}
OUTPUTS: dict[str, OutputSpec] = {}


def check(
    name: str, area: str, severity: str, needs: tuple[str, ...], what: str, why: str, fix: str
) -> Callable[[Callable[[Context], pd.DataFrame]], Callable[[Context], pd.DataFrame]]:
    """Register a check function `f(ctx) -> findings frame` (see findings.new_findings)."""
    if area not in AREAS or severity not in SEVERITIES:
        raise ValueError(f"check {name}: unknown area {area!r} or severity {severity!r}")

    def register(func: Callable[[Context], pd.DataFrame]) -> Callable[[Context], pd.DataFrame]:
        if name in CHECKS:
            raise ValueError(f"check {name} is registered twice")
        CHECKS[name] = CheckSpec(name, area, severity, tuple(needs), what, why, fix, func)
        return func

    return register


def output(
    path: str, area: str, needs: tuple[str, ...], description: str, kind: str = "table"
) -> Callable[[Callable[[Context], Any]], Callable[[Context], Any]]:
    """Register a producer of `path` (relative to the report folder)."""
    if kind not in ("table", "data_loader"):
        raise ValueError(f"output {path}: kind must be table or data_loader")

    def register(func: Callable[[Context], Any]) -> Callable[[Context], Any]:
        if path in OUTPUTS:
            raise ValueError(f"output {path} is registered twice")
        OUTPUTS[path] = OutputSpec(path, area, kind, tuple(needs), description, func)
        return func

    return register


def registry_table() -> pd.DataFrame:
    """The registry as a table: what `sfqb-diag checks` prints and docs list."""
    import sfqb_diag.checks  # noqa: F401  (registers every area's checks)

    rows = [
        {
            "area": s.area,
            "check": s.name,
            "severity": s.severity,
            "needs": ", ".join(s.needs),
            "what": s.what,
            "why": s.why,
            "fix": s.fix,
        }
        for s in CHECKS.values()
    ]
    frame = pd.DataFrame(rows, columns=["area", "check", "severity", "needs", "what", "why", "fix"])
    order = {a: i for i, a in enumerate(AREAS)}
    return frame.sort_values(
        ["area", "check"], key=lambda c: c.map(order) if c.name == "area" else c, kind="stable"
    ).reset_index(drop=True)
