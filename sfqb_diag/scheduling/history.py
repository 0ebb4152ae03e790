"""Run history: each scheduled run's summary.json and findings.csv kept under HISTORY/<as-of>/.

A kept run is a small folder: summary.json and findings.csv as the report wrote them, plus
reviews.csv (the reviewer state the run applied) and first_seen.csv (when each finding was first
seen in an unbroken series of runs). Entries are written as `.<name>.partial-<pid>/` and renamed
whole, never overwrite an earlier entry, and are named by the run's as-of time (DESIGN.md "Time":
never the wall clock), so the same data always lands in the same place.
"""

from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sfqb_diag.engine import apply_reviews
from sfqb_diag.errors import UsageError
from sfqb_diag.findings import AREAS, SEVERITIES
from sfqb_diag.outputs.layout import CACHE
from sfqb_diag.outputs.summary import Summary
from sfqb_diag.sources.reviewer_files import read_reviews

ENTRY_FILES = ("summary.json", "findings.csv")
_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{4}Z(?:-(\d+))?$")


def cents_from_text(text: pd.Series) -> pd.Series:
    """'1234.56' (findings.csv / summary.json money) -> integer cents, exactly; '' -> NA."""

    def one(value: Any) -> int | None:
        value = str(value).strip().lstrip("'") if isinstance(value, str) else ""
        try:
            return int(Decimal(value) * 100) if value else None
        except InvalidOperation:
            return None

    return pd.Series([one(v) for v in text], index=text.index, dtype="Int64")


@dataclass(frozen=True)
class Snapshot:
    """One run as the diff and the trend see it: a report folder or a history entry."""

    folder: Path
    summary: Summary
    findings: pd.DataFrame  # contract columns + amount_at_risk_cents, review state, first_seen

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.summary.as_of).tz_convert("UTC")

    @cached_property
    def checked(self) -> set[str]:
        """Checks that ran in this run (their area was selected and their input was present)."""
        from sfqb_diag.checks import CHECKS

        areas = set(self.summary.parameters.get("areas") or AREAS)
        skipped = {s["check"] for s in self.summary.checks_skipped}
        return {spec.name for spec in CHECKS if spec.area in areas and spec.name not in skipped}


def _read_findings_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").astype(
        "string"
    )
    frame = frame.replace("", pd.NA)
    frame["amount_at_risk_cents"] = cents_from_text(frame["amount_at_risk"].fillna(""))
    frame["confidence"] = pd.to_numeric(frame["confidence"], errors="coerce")
    return frame


def load_snapshot(folder: Path) -> Snapshot:
    """Read a report folder (its cache has the review state) or a history entry (reviews.csv)."""
    folder = Path(folder)
    missing = [name for name in ENTRY_FILES if not (folder / name).is_file()]
    if missing:
        raise UsageError(
            f"{folder} is not a report folder or a history entry: it has no {', '.join(missing)}"
        )
    summary = Summary.from_dict(json.loads((folder / "summary.json").read_text(encoding="utf-8")))
    as_of = pd.Timestamp(summary.as_of).tz_convert("UTC")
    cached = folder / CACHE / "findings.parquet"
    if cached.is_file():
        findings = pd.read_parquet(cached)
    else:
        findings = apply_reviews(
            _read_findings_csv(folder / "findings.csv"),
            read_reviews(folder / "reviews.csv" if (folder / "reviews.csv").is_file() else None),
            as_of,
        )
    seen = _read_first_seen(folder)
    findings = findings.copy()
    findings["first_seen"] = (
        findings["finding_id"].astype(object).map(seen)
        if seen is not None and len(seen)
        else pd.NaT
    )
    findings["first_seen"] = pd.to_datetime(findings["first_seen"], utc=True).fillna(as_of)
    return Snapshot(folder, summary, findings.reset_index(drop=True))


def _read_first_seen(folder: Path) -> pd.Series | None:
    for path in (folder / "first_seen.csv", folder / CACHE / "first_seen.parquet"):
        if path.is_file():
            frame = (
                pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
            )
            return pd.Series(
                pd.to_datetime(frame["first_seen"], utc=True).to_numpy(), index=frame["finding_id"]
            )
    return None


@dataclass(frozen=True)
class Entry:
    """A kept run: its folder, as-of time and sequence (2, 3... for reruns at the same as-of)."""

    path: Path
    as_of: pd.Timestamp
    seq: int

    @property
    def label(self) -> str:
        return f"{self.as_of:%Y-%m-%d %H:%M}" + (f" ({self.seq})" if self.seq > 1 else "")


def entries(history: Path | None) -> list[Entry]:
    """Kept runs, oldest first; partial and foreign folders are ignored."""
    if history is None or not Path(history).is_dir():
        return []
    found = []
    for path in Path(history).iterdir():
        match = _NAME.match(path.name)
        if match and all((path / name).is_file() for name in ENTRY_FILES):
            as_of = json.loads((path / "summary.json").read_text(encoding="utf-8"))["as_of"]
            found.append(
                Entry(path, pd.Timestamp(as_of).tz_convert("UTC"), int(match.group(1) or 1))
            )
    return sorted(found, key=lambda e: (e.as_of, e.seq, e.path.name))


def previous_entry(history: Path | None, as_of: pd.Timestamp) -> Entry | None:
    """The latest kept run at or before `as_of`: where the current run's findings continue from."""
    before = [e for e in entries(history) if e.as_of <= as_of]
    return before[-1] if before else None


def last_before(history: Path, later: Snapshot) -> Entry | None:
    """The kept run to compare `later` with: the newest at or before its as-of that is not `later`
    itself (`report --history` has usually just kept it)."""

    def same(entry: Entry) -> bool:
        return all(
            filecmp.cmp(entry.path / n, later.folder / n, shallow=False) for n in ENTRY_FILES
        )

    before = [e for e in entries(history) if e.as_of <= later.as_of and not same(e)]
    return before[-1] if before else None


def first_seen(findings: pd.DataFrame, as_of: pd.Timestamp, history: Path | None) -> pd.DataFrame:
    """finding_id -> first_seen: carried over from the previous kept run when the finding was in
    it (an unbroken series), else this run's as-of. A finding fixed and back again starts anew."""
    previous = previous_entry(history, as_of)
    seen = pd.DataFrame({"finding_id": findings["finding_id"].astype(str).to_numpy()})
    seen["first_seen"] = pd.Series(as_of, index=seen.index).astype("datetime64[us, UTC]")
    if previous is not None:
        earlier = (
            load_snapshot(previous.path)
            .findings[["finding_id", "first_seen"]]
            .astype({"finding_id": str})
        )
        seen = seen.merge(
            earlier.rename(columns={"first_seen": "_before"}), on="finding_id", how="left"
        )
        seen["first_seen"] = (
            seen["_before"].fillna(seen["first_seen"]).where(lambda t: t <= as_of, as_of)
        )
        seen = seen.drop(columns="_before")
    return seen


def _entry_name(history: Path, as_of: pd.Timestamp) -> str:
    base = f"{as_of.tz_convert('UTC'):%Y-%m-%dT%H%M}Z"
    names = {p.name for p in history.iterdir()}
    seq = 1
    while (base if seq == 1 else f"{base}-{seq}") in names:
        seq += 1
    return base if seq == 1 else f"{base}-{seq}"


def _write_entry(out: Path, folder: Path, history: Path) -> None:
    """summary.json and findings.csv byte for byte, the review state, and first-seen times."""
    for name in ENTRY_FILES:
        shutil.copyfile(out / name, folder / name)
    snap = load_snapshot(out)
    reviewed = (
        snap.findings[snap.findings["review_status"].notna()]
        if "review_status" in snap.findings
        else None
    )
    if reviewed is not None and not reviewed.empty:
        until = pd.to_datetime(reviewed["until"], utc=True).map(
            lambda t: "" if pd.isna(t) else t.isoformat()
        )
        pd.DataFrame(
            {
                "finding_id": reviewed["finding_id"],
                "status": reviewed["review_status"],
                "owner": reviewed["owner"],
                "note": reviewed["review_note"],
                "until": until,
            }
        ).to_csv(folder / "reviews.csv", index=False, encoding="utf-8-sig")
    seen = first_seen(snap.findings, snap.as_of, history)
    seen.assign(first_seen=seen["first_seen"].map(pd.Timestamp.isoformat)).to_csv(
        folder / "first_seen.csv", index=False
    )


def _same_run(a: Path, b: Path) -> bool:
    names = {p.name for p in a.iterdir()}
    return names == {p.name for p in b.iterdir()} and all(
        filecmp.cmp(a / n, b / n, shallow=False) for n in names
    )


def keep_run(out: Path, history: Path, keep: int | None = None) -> Path:
    """Keep the report in `out` under `history`; return its entry. A run identical to a kept run
    with the same as-of is not kept twice. `keep` prunes to the last N runs afterwards."""
    from sfqb_diag.scheduling.lock import history_lock

    out, history = Path(out), Path(history)
    if keep is not None and keep < 1:
        raise UsageError(f"--keep {keep}: keep at least one run")
    history.mkdir(parents=True, exist_ok=True)
    with history_lock(history):
        for stale in history.glob(
            ".*.partial-*"
        ):  # a run that died mid-write; the lock says none is writing now
            shutil.rmtree(stale, ignore_errors=True)
        as_of = load_snapshot(out).as_of
        name = _entry_name(history, as_of)
        partial = history / f".{name}.partial-{os.getpid()}"
        partial.mkdir()
        try:
            _write_entry(out, partial, history)
            twin = next(
                (
                    e.path
                    for e in entries(history)
                    if e.as_of == as_of and _same_run(e.path, partial)
                ),
                None,
            )
            if twin is None:
                os.rename(partial, history / name)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        kept = twin or history / name
        if keep is not None:
            prune(history, keep)
    return kept


def prune(history: Path, keep: int) -> list[Path]:
    """Delete all but the last `keep` kept runs (only folders that are history entries)."""
    old = entries(history)[:-keep] if keep > 0 else entries(history)
    for entry in old:
        trash = entry.path.with_name(f".{entry.path.name}.partial-deleting")
        os.rename(entry.path, trash)  # first make it not look like an entry, then delete
        shutil.rmtree(trash)
    return [e.path for e in old]


def _summary_rows(label: str, order: int, summary: Summary) -> tuple[list[dict], list[dict]]:
    as_of = pd.Timestamp(summary.as_of).tz_convert("UTC")
    counts = [
        {
            "order": order,
            "run": label,
            "as_of": as_of,
            "area": area,
            "severity": sev,
            "findings": int(n),
        }
        for area, by_sev in summary.by_area.items()
        for sev, n in by_sev.items()
        if sev in SEVERITIES
    ]
    money = [
        {
            "order": order,
            "run": label,
            "as_of": as_of,
            "area": area,
            "currency": cur,
            "amount_cents": int(Decimal(value) * 100),
        }
        for area, by_cur in summary.amount_at_risk_by_area.items()
        for cur, value in by_cur.items()
    ]
    return counts, money


def trend_tables(
    history: Path | None, current: Summary | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Findings per run, area and severity, and money at risk per run, area and currency.

    The kept runs oldest first, then `current` (labelled "this run") unless it is the last kept run."""
    runs = [
        (
            e.label,
            Summary.from_dict(json.loads((e.path / "summary.json").read_text(encoding="utf-8"))),
        )
        for e in entries(history)
    ]
    if current is not None:
        if runs and runs[-1][1] == current:
            runs.pop()
        runs.append(
            (
                f"{pd.Timestamp(current.as_of).tz_convert('UTC'):%Y-%m-%d %H:%M} (this run)",
                current,
            )
        )
    counts: list[dict] = []
    money: list[dict] = []
    for order, (label, summary) in enumerate(runs):
        c, m = _summary_rows(label, order, summary)
        counts += c
        money += m
    return (
        pd.DataFrame(counts, columns=["order", "run", "as_of", "area", "severity", "findings"]),
        pd.DataFrame(money, columns=["order", "run", "as_of", "area", "currency", "amount_cents"]),
    )


def write_history_cache(
    cache: Path, history: Path | None, summary: Summary, findings: pd.DataFrame
) -> None:
    """What the overview notebook reads: the trend over kept runs plus this one, and first-seen times."""
    counts, money = trend_tables(history, summary)
    cache.mkdir(parents=True, exist_ok=True)
    counts.to_parquet(cache / "trend_counts.parquet", index=False)
    money.to_parquet(cache / "trend_money.parquet", index=False)
    as_of = pd.Timestamp(summary.as_of).tz_convert("UTC")
    first_seen(findings, as_of, history).to_parquet(cache / "first_seen.parquet", index=False)
