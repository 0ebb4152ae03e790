"""Run a list of checks over a Dataset: findings, matches and fix lists, all in memory.

Pure: no files are read or written here (see outputs/ for that), so tests and notebooks can call
`run_checks` directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sfqb_diag.checks.base import CheckSpec, Context, OutputSpec, RunView, ViewSpec
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.errors import SfqbError
from sfqb_diag.findings import (
    AREAS,
    SEVERITIES,
    conform,
    empty_findings,
    finding_ids,
    sort_findings,
)
from sfqb_diag.progress import progress
from sfqb_diag.sources.reviewer_files import read_decisions, read_reviews


@dataclass
class RunResult:
    findings: pd.DataFrame
    outputs: dict[str, Any]  # path -> DataFrame or DataLoaderFile
    skipped: list[dict[str, str]]
    as_of: pd.Timestamp
    as_of_source: str
    areas: tuple[str, ...]
    views: dict[str, pd.DataFrame] = field(default_factory=dict)  # notebook tables, by name
    ran: list[dict[str, str]] = field(default_factory=list)  # area, check: each check that ran


def _missing_inputs(
    data: Dataset, needs: tuple[str, ...], config: ClientConfig | None = None
) -> list[str]:
    """Needs are table names, 'table.column' for a column the check cannot do without,
    'manifest' / 'manifest.section.key' for facts only manifest.json carries,
    'rollups.Account' / 'rollups.Opportunity' for rollup fields client.yaml names, or
    alternatives 'a|b' (either will do: a version read from the manifest or the sync log)."""
    missing = []
    for need in needs:
        if "|" in need:
            lacking = [_missing_inputs(data, (one,), config) for one in need.split("|")]
            if all(lacking):
                missing.append(" or ".join(m[0] for m in lacking))
            continue
        table, _, column = need.partition(".")
        if table == "rollups":
            missing.extend(_rollups_missing(data, config or ClientConfig(), column))
        elif table == "manifest":
            if not _manifest_has(data.manifest, column):
                missing.append(f"manifest.json{' key ' + column if column else ''}")
        elif not data.has(table):
            missing.append(data.files.get(table) or _file_hint(table))
        elif column and not data.has_column(table, column):
            missing.append(
                f"column {_api_name(table, column, config)} of {data.files.get(table, table)}"
            )
    return missing


def _api_name(table: str, column: str, config: ClientConfig | None) -> str:
    """The field as the export's header names it (QBO_Customer_Id__c, CreatedDate), not the
    canonical column: the link fields client.yaml configures, else the schema's API names."""
    from sfqb_diag.sources.schema import LINK_ROLES, QB_ENTITIES, SF_OBJECTS

    for role, (canonical, _) in LINK_ROLES.items():
        where = (config or ClientConfig()).links.field_of(role)
        if canonical == column and where and SF_OBJECTS.get(where[0], ("",))[0] == table:
            return where[1]
    for table_name, fields in [*SF_OBJECTS.values(), *QB_ENTITIES.values()]:
        if table_name == table:
            return next((api for api, (col, _) in fields.items() if col == column), column)
    return column


def _rollups_missing(data: Dataset, config: ClientConfig, level: str) -> list[str]:
    """Nothing when client.yaml names a rollup field of `level` that the export carries; else
    what is missing: the config section, or the named columns."""
    from sfqb_diag.sources.schema import ROLLUP_ROLES, SF_OBJECTS

    named = config.rollups.named(level)
    if not named:
        return [f"client.yaml: no rollups: field on {level}"]
    table = SF_OBJECTS[level][0]
    if any(data.has_column(table, ROLLUP_ROLES[role][0]) for role in named):
        return []
    if not data.has(table):
        return [_file_hint(table)]
    return [f"column {', '.join(named.values())} of {data.files.get(table, table)}"]


def _manifest_has(manifest: dict[str, Any], dotted: str) -> bool:
    value: Any = manifest
    for key in dotted.split(".") if dotted else []:
        value = value.get(key) if isinstance(value, dict) else None
    return value not in (None, "", {})


def _file_hint(table: str) -> str:
    from sfqb_diag.sources.schema import QB_ENTITIES, QB_LINE_TABLES, SF_OBJECTS

    for obj, (name, _) in SF_OBJECTS.items():
        if name == table:
            return f"salesforce/{obj}.csv"
    for entity, (name, _) in QB_ENTITIES.items():
        if name == table:
            return f"quickbooks/{entity}.json"
    for entity, name in QB_LINE_TABLES.items():
        if name == table:
            return f"quickbooks/{entity}.json"
    return {
        "payment_links": "quickbooks/Payment.json",
        "sync_log": "sync_log.csv",
        "manifest": "manifest.json",
    }.get(table, table)


def _run_one(spec: CheckSpec, ctx: Context) -> pd.DataFrame:
    frame = spec.func(ctx)
    if frame is None or frame.empty:
        return empty_findings()
    frame = conform(frame)
    frame["area"] = spec.area
    frame["check"] = spec.name
    frame["severity"] = frame["severity"].fillna(spec.severity)
    bad = ~frame["severity"].isin(SEVERITIES)
    if bad.any():
        raise SfqbError(
            f"check {spec.name} produced unknown severities {sorted(set(frame['severity'][bad]))}"
        )
    return frame


def _selected(areas: tuple[str, ...], specs: Sequence[Any]) -> list[Any]:
    return [spec for spec in specs if spec.area in areas]


def run_checks(
    data: Dataset,
    config: ClientConfig,
    as_of: pd.Timestamp,
    checks: Sequence[CheckSpec],
    outputs: Sequence[OutputSpec] = (),
    views: Sequence[ViewSpec] = (),
    *,
    as_of_source: str = "--as-of",
    areas: tuple[str, ...] | None = None,
    decisions: pd.DataFrame | None = None,
    reviews: pd.DataFrame | None = None,
) -> RunResult:
    """Run the given checks and output producers of the chosen areas (all areas by default)."""
    areas = tuple(areas or AREAS)
    ctx = Context(
        data=data,
        config=config,
        as_of=as_of,
        decisions=decisions if decisions is not None else read_decisions(None),
    )
    frames, skipped, ran = [], [], []
    chosen = _selected(areas, checks)
    for spec in progress(chosen, "checks", total=len(chosen)):
        missing = _missing_inputs(data, spec.needs, config)
        if missing:
            skipped.append({"area": spec.area, "check": spec.name, "missing": ", ".join(missing)})
            continue
        ran.append({"area": spec.area, "check": spec.name})
        frames.append(_run_one(spec, ctx))
    findings = (
        pd.concat([f for f in frames if not f.empty], ignore_index=True)
        if any(not f.empty for f in frames)
        else empty_findings()
    )
    findings = superseded(findings, chosen)
    aliases = {spec.name: spec.ids_as for spec in chosen if spec.ids_as}
    keyed = findings.assign(check=findings["check"].replace(aliases)) if aliases else findings
    findings["finding_id"] = finding_ids(keyed)
    dupes = findings["finding_id"].duplicated(keep=False)
    if dupes.any():
        culprits = sorted(set(findings.loc[dupes, "check"]))
        raise SfqbError(
            f"check(s) {', '.join(culprits)} reported the same record twice; give each a line_id"
        )
    findings = apply_reviews(findings, reviews, as_of)
    produced = {}
    chosen_outputs = [
        o for o in _selected(areas, outputs) if not _missing_inputs(data, o.needs, config)
    ]
    for out in chosen_outputs:
        if not out.reads_findings:
            produced[out.path] = out.func(ctx)
    findings = sort_findings(findings)
    shown = RunView(ctx, findings, produced)
    for out in chosen_outputs:  # tables that name the findings explaining each row
        if out.reads_findings:
            produced[out.path] = out.func(shown)
    tables = {
        spec.name: spec.func(shown)
        for spec in _selected(areas, views)
        if not _missing_inputs(data, spec.needs, config)
    }
    return RunResult(findings, produced, skipped, as_of, as_of_source, areas, tables, ran)


def superseded(findings: pd.DataFrame, checks: Sequence[CheckSpec]) -> pd.DataFrame:
    """Drop findings another check replaces on the same QBO record (CheckSpec.supersedes): a
    payment that is a retry's duplicate is voided, not applied to open invoices; an invoice the
    sandbox wrote into production is voided, not relinked to a deal."""
    record = findings["qb_entity"].astype("string") + "\x1f" + findings["qb_id"].astype("string")
    drop = pd.Series(False, index=findings.index)
    for spec in checks:
        if not spec.supersedes:
            continue
        winners = record[findings["check"].eq(spec.name)].dropna()
        drop |= (
            findings["check"].isin(spec.supersedes) & record.isin(winners) & record.notna()
        ).fillna(False)
    return findings[~drop.to_numpy()].reset_index(drop=True)


def apply_reviews(
    findings: pd.DataFrame, reviews: pd.DataFrame | None, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Attach reviewer status/owner/note; `waived` is true while a waiver's end date is ahead."""
    reviews = reviews if reviews is not None else read_reviews(None)
    merged = findings.merge(
        reviews.rename(columns={"status": "review_status", "note": "review_note"}),
        on="finding_id",
        how="left",
    )
    until = merged["until"]
    merged["waived"] = (merged["review_status"] == "waived").fillna(False).astype(bool) & (
        until.isna() | (until >= as_of)
    ).astype(bool)
    return merged
