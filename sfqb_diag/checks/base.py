"""What every area builds on: the Context a check sees, and checks and outputs as values.

A check is a value (pandera's `Check` in spirit): its name, area, usual severity, the tables it
needs, what it looks for, why it matters, how to fix it, and the finder function. The decorators
below build those values and register nothing: each area lists its checks explicitly in its
`catalogue.py`, `sfqb_diag.checks` concatenates the areas, and the engine receives the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import AREAS, SEVERITIES
from sfqb_diag.sources.reviewer_files import read_decisions


@dataclass
class Context:
    """What a check sees: the data, the config, the one as-of time, reviewer decisions, and a
    per-run memo so shared work (customer matching, line pairing) is done once."""

    data: Dataset
    config: ClientConfig
    as_of: pd.Timestamp
    decisions: pd.DataFrame = field(default_factory=lambda: read_decisions(None))
    memo: dict[str, Any] = field(default_factory=dict)

    def shared(self, key: str, compute: Callable[[], Any]) -> Any:
        """Compute `key` once per run and reuse it (e.g. the customer match table)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def thresholds(self) -> Any:
        return self.config.thresholds


Finder = Callable[[Context], pd.DataFrame]


@dataclass(frozen=True)
class CheckSpec:
    """What a check looks for, why it matters, how to fix it, and the tables it needs.

    Calling the spec runs its finder, so `item_duplicate(ctx)` still reads as a function call.
    """

    name: str
    area: str
    severity: str  # the usual severity; a check may set another per finding
    needs: tuple[str, ...]
    what: str
    why: str
    fix: str
    func: Finder = field(repr=False, compare=False)
    # Checks whose finding on the same QBO record this one replaces: its fix makes theirs wrong
    # (void a duplicate payment, do not apply it). The engine drops theirs (engine.superseded).
    supersedes: tuple[str, ...] = ()
    # A check split out of another keeps the old name in its finding ids, so reviews.csv
    # waivers and run history still recognise its findings ("" = its own name).
    ids_as: str = ""

    def __call__(self, ctx: Context) -> pd.DataFrame:
        return self.func(ctx)


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
    # True: the producer takes the RunView (findings included), after every other output, so
    # a table can name the findings that explain each row (matches/record_status.csv).
    reads_findings: bool = False

    def __call__(self, ctx: Context) -> Any:
        return self.func(ctx)


OUTPUT_KINDS = ("table", "data_loader")


@dataclass(frozen=True)
class DataLoaderFile:
    """A Data Loader update and the rollback holding the values it replaces (same Ids, same columns)."""

    update: pd.DataFrame
    rollback: pd.DataFrame


def check(
    name: str,
    area: str,
    severity: str,
    needs: tuple[str, ...],
    what: str,
    why: str,
    fix: str,
    supersedes: tuple[str, ...] = (),
    *,
    ids_as: str = "",
) -> Callable[[Finder], CheckSpec]:
    """Declare a check: turns `f(ctx) -> findings frame` (see findings.new_findings) into a spec.

    `supersedes` names checks (of any area) whose finding on the same QBO record this one
    replaces, because following both fixes would be wrong; `ids_as` names the check it was split
    out of (its finding ids stay the same)."""
    if area not in AREAS or severity not in SEVERITIES:
        raise ValueError(f"check {name}: unknown area {area!r} or severity {severity!r}")

    def declare(func: Finder) -> CheckSpec:
        return CheckSpec(
            name, area, severity, tuple(needs), what, why, fix, func, tuple(supersedes), ids_as
        )

    return declare


def output(
    path: str,
    area: str,
    needs: tuple[str, ...],
    description: str,
    kind: str = "table",
    *,
    reads_findings: bool = False,
) -> Callable[[Callable[[Any], Any]], OutputSpec]:
    """Declare a producer of `path` (relative to the report folder); with `reads_findings` it
    takes the RunView instead of the Context."""
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"output {path}: kind must be one of {', '.join(OUTPUT_KINDS)}")

    def declare(func: Callable[[Any], Any]) -> OutputSpec:
        return OutputSpec(path, area, kind, tuple(needs), description, func, reads_findings)

    return declare


@dataclass(frozen=True)
class RunView:
    """What a notebook view is computed from, at `check` time: the run's real Context (reviewer
    decisions included, memo shared with the checks), its findings and its output tables."""

    ctx: Context
    findings: pd.DataFrame
    outputs: dict[str, Any]

    @property
    def data(self) -> Dataset:
        return self.ctx.data

    @property
    def config(self) -> ClientConfig:
        return self.ctx.config

    @property
    def as_of(self) -> pd.Timestamp:
        return self.ctx.as_of

    def output(self, path: str) -> pd.DataFrame | None:
        """An output table by its report path (a Data Loader file's update part), or None."""
        value = self.outputs.get(path)
        return value.update if isinstance(value, DataLoaderFile) else value

    def area(self, area: str) -> pd.DataFrame:
        return self.findings[self.findings["area"] == area]


@dataclass(frozen=True)
class ViewSpec:
    """A table a notebook shows, computed during `check` and cached under `<out>/cache/views/`,
    so the notebook only reads it and can never disagree with findings.csv."""

    name: str  # "<area>.<view>", the key notebooks open it by
    area: str
    needs: tuple[str, ...]
    description: str
    func: Callable[[RunView], pd.DataFrame] = field(repr=False, compare=False)

    def __call__(self, run: RunView) -> pd.DataFrame:
        return self.func(run)


def view(
    name: str, area: str, description: str, needs: tuple[str, ...] = ()
) -> Callable[[Callable[[RunView], pd.DataFrame]], ViewSpec]:
    """Declare a notebook view `f(run_view) -> DataFrame` named `<area>.<name>`."""
    if area not in AREAS:
        raise ValueError(f"view {name}: unknown area {area!r}")

    def declare(func: Callable[[RunView], pd.DataFrame]) -> ViewSpec:
        return ViewSpec(f"{area}.{name}", area, tuple(needs), description, func)

    return declare


def unique_by_name(specs: Iterable[Any], key: str) -> tuple[Any, ...]:
    """The specs as a tuple, refusing two with one name (a copy-paste slip in a catalogue)."""
    specs = tuple(specs)
    seen: set[str] = set()
    for spec in specs:
        name = getattr(spec, key)
        if name in seen:
            raise ValueError(f"{name} is declared twice")
        seen.add(name)
    return specs


def registry_table(checks: Iterable[CheckSpec]) -> pd.DataFrame:
    """The checks as a table: what `sfqb-diag checks` prints and docs list."""
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
        for s in checks
    ]
    frame = pd.DataFrame(rows, columns=["area", "check", "severity", "needs", "what", "why", "fix"])
    order = {a: i for i, a in enumerate(AREAS)}
    return frame.sort_values(
        ["area", "check"], key=lambda c: c.map(order) if c.name == "area" else c, kind="stable"
    ).reset_index(drop=True)
