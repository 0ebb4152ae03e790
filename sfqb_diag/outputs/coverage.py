"""What a run checked, in people's words: one source for the terminal, the report, the fix list.

An area none of whose checks could run (its input files are absent from the raw folder) is "not
checked", never "no money at risk": an empty sheet would read as a clean bill of health. An area
with findings but no amount says so ("3 findings, none with an amount of money").
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from sfqb_diag.findings import SEVERITIES
from sfqb_diag.outputs.summary import Summary
from sfqb_diag.words import money

AREA_TITLES = {
    "auth_env": "Connections & environments",
    "customers": "Customers",
    "products": "Products & lines",
    "partial_sync": "Missing or partial syncs",
    "sync_jobs": "Sync jobs & duplicates",
}


def _missing(summary: Summary, area: str | None = None) -> list[str]:
    """The inputs the skipped checks lack (of one area, or all), each once, in first-seen order."""
    return list(
        dict.fromkeys(m for s in summary.skipped if area in (None, s["area"]) for m in s["missing"])
    )


def _ran(summary: Summary, area: str) -> int:
    """How many of the area's checks ran (from `checks_run`; for an older summary without it,
    the catalogue's checks of the area less the skipped ones)."""
    if area in summary.checks_run:
        return len(summary.checks_run[area])
    from sfqb_diag.checks import CHECKS

    skipped = {s["check"] for s in summary.skipped if s["area"] == area}
    return sum(1 for c in CHECKS if c.area == area and c.name not in skipped)


def ran_words(summary: Summary, area: str) -> str:
    """'3 of 15 checks ran': how much of an area a quiet result covers (an area that ran a few
    manifest checks on a one-file folder has not checked the client's records)."""
    from sfqb_diag.checks import CHECKS

    total = sum(1 for c in CHECKS if c.area == area)
    ran = _ran(summary, area)
    return f"{ran} of {total} check{'' if total == 1 else 's'} ran"


def not_checked(summary: Summary) -> dict[str, list[str]]:
    """Area -> the inputs it lacks, for each area of the run where no check could run."""
    return {area: _missing(summary, area) for area in summary.by_area if _ran(summary, area) == 0}


def files_words(missing: list[str]) -> str:
    """'a, b or c': the missing inputs as one phrase."""
    if len(missing) <= 1:
        return "".join(missing) or "its inputs"
    return ", ".join(missing[:-1]) + " or " + missing[-1]


def missing_words(missing: list[str]) -> str:
    """'no a or b in the raw folder; client.yaml: no rollups: field on Account': missing files
    and columns, then what client.yaml does not set, said as such."""
    files = _inputs([m for m in missing if not m.startswith("client.yaml")])
    settings = [m for m in missing if m.startswith("client.yaml")]
    parts = ([f"no {files_words(files)} in the raw folder"] if files else []) + settings
    return "; ".join(parts) or "no inputs"


def not_checked_text(missing: list[str]) -> str:
    """'Not checked (no salesforce/Product2.csv or quickbooks/Item.json in the raw folder)'."""
    return f"Not checked ({missing_words(missing)})"


def _amounts(amounts: dict[str, str]) -> str:
    # summary.json keeps amounts as exact decimal text ("35700.00"): no float on the way.
    return ", ".join(money(int(Decimal(v) * 100), c) for c, v in sorted(amounts.items()))


def money_words(summary: Summary, area: str | None = None) -> str:
    """The money at risk of one area (or the run): the amounts per currency; 'Not checked (...)'
    for an area that could not be checked; 'N findings, none with an amount of money' when there
    are findings but no amounts; 'no money at risk' only when checked and nothing carries money."""
    if area is not None and area in not_checked(summary):
        return not_checked_text(not_checked(summary)[area])
    amounts = summary.amount_at_risk if area is None else summary.amount_at_risk_by_area.get(area)
    if amounts:
        return _amounts(amounts)
    count = (
        summary.findings
        if area is None
        else sum(summary.by_area.get(area, {}).get(s, 0) for s in SEVERITIES)
    )
    if count:
        return f"{count:,} finding{'' if count == 1 else 's'}, none with an amount of money"
    return "no money at risk"


_SHOWN_INPUTS = 6  # the terminal line names this many inputs; summary.json lists them all


def _inputs(missing: list[str]) -> list[str]:
    """Each missing input once, 'a or b' alternatives taken apart ('salesforce/Opportunity.csv or
    salesforce/Opportunity.csv', where either of two columns would do and the file is absent)."""
    return list(dict.fromkeys(part for entry in missing for part in entry.split(" or ")))


def skipped_line(summary: Summary) -> str:
    """One line for every skipped check: how many, and the inputs they lack ('' when none), the
    first few by name (the per-area lines and summary.json say which check lacks what)."""
    if not summary.skipped:
        return ""
    count = len(summary.skipped)
    missing = _missing(summary)
    files = _inputs([m for m in missing if not m.startswith("client.yaml")])
    shown = files[:_SHOWN_INPUTS]
    if len(files) > _SHOWN_INPUTS:
        shown.append(f"{len(files) - _SHOWN_INPUTS} more")
    settings = [m for m in missing if m.startswith("client.yaml")]
    return (
        f"{count} check{'' if count == 1 else 's'} not run: "
        + missing_words(shown + settings)
        + " (summary.json lists each under 'skipped' with what it lacks)"
    )


def coverage_table(summary: Summary) -> pd.DataFrame:
    """Per area that was not wholly checked: what was not checked and which inputs were missing."""
    rows = []
    for area in summary.by_area:
        lacking = [s for s in summary.skipped if s["area"] == area]
        if not lacking:
            continue
        ran = _ran(summary, area)
        rows.append(
            {
                "Area": AREA_TITLES.get(area, area),
                "Not checked": "the whole area"
                if ran == 0
                else f"{len(lacking)} of {len(lacking) + ran} checks",
                "Missing from the raw folder": ", ".join(_missing(summary, area)),
            }
        )
    return pd.DataFrame(rows, columns=["Area", "Not checked", "Missing from the raw folder"])
