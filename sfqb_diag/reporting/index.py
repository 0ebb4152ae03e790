"""report/index.html: the first screen, answering "what do I fix first", readable with no network.

Top: the client and the as-of time (on every page, see `page_banner`), then the ten fixes with the
most money at stake in home currency (severity a column, not the order), money at risk per
currency and in home currency, what was checked and what was skipped, and the pages.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import SEVERITIES
from sfqb_diag.outputs.coverage import coverage_table, money_words
from sfqb_diag.outputs.first_screen import client_name, money_totals, top_fixes
from sfqb_diag.outputs.home_currency import home_currency
from sfqb_diag.outputs.html_table import table_html
from sfqb_diag.outputs.summary import Summary
from sfqb_diag.outputs.xlsx import AREA_TITLES

if TYPE_CHECKING:
    from sfqb_diag.pipeline import CheckRun

TABLES_JS = "sfqb-tables.js"

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
nav.sfqb { background: #1f4e78; padding: 8px 16px; } nav.sfqb a { color: #fff; margin-right: 18px; text-decoration: none; font-size: 14px; }
nav.sfqb a.here { font-weight: bold; text-decoration: underline; }
.sfqb-banner { font-family: system-ui, sans-serif; background: #eef3f8; padding: 6px 16px; font-size: 14px; }
main { padding: 16px 32px; max-width: 1300px; }
table.sfqb-table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
table.sfqb-table th { background: #eef3f8; text-align: left; padding: 4px 8px; vertical-align: bottom; }
table.sfqb-table td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e5e5; vertical-align: top;
  min-width: 6em; max-width: 34em; white-space: normal; overflow-wrap: anywhere; }
table.sfqb-table td.sfqb-num { white-space: nowrap; } table.sfqb-table th.sfqb-sortable { cursor: pointer; } table.sfqb-table th.sfqb-sortable:after { content: " \\2195"; color: #999; }
.sfqb-filters input { width: 7em; font-size: 12px; } .sfqb-bar { margin: 6px 0; font-size: 13px; }
.sfqb-bar input { width: 18em; margin-right: 12px; } .sfqb-bar button { margin: 0 6px; }
.big { font-size: 28px; font-weight: 600; } .card { display: inline-block; margin: 0 24px 12px 0; } .muted { color: #666; }
@media print {
  nav.sfqb, .sfqb-bar, .sfqb-filters, .modebar, .modebar-container { display: none !important; }
  table.sfqb-table tr { display: table-row !important; break-inside: avoid; }
  table.sfqb-table { width: 100%; } table.sfqb-table td { max-width: none; }
  thead { display: table-header-group; } .js-plotly-plot, .jp-OutputArea-output { break-inside: avoid; }
  a { color: inherit; text-decoration: none; } main { max-width: none; padding: 0; }
}
"""


def short_title(title: str) -> str:
    """'Customers: is every account linked ...?' -> 'Customers' (the navigation bar's label)."""
    return title.split(":")[0].strip() or title


def page_banner(data: Dataset | None, summary: Summary) -> dict[str, str]:
    """What heads every page: the client's name, its QuickBooks company (realm) and the as-of
    time of the data. QuickBooks links carry no company (docs/outputs.md): they open in the
    company the reader is signed in to, so every page says which company that must be."""
    qb = (data.manifest.get("quickbooks") or {}) if data is not None else {}
    realm = ", ".join(str(v) for v in (qb.get("realm_id"), qb.get("environment")) if v)
    return {
        "client": client_name(data),
        "realm": f"QuickBooks company {realm}" if qb.get("realm_id") else "",
        "as_of": summary.as_of[:16].replace("T", " ") + " UTC",
        "as_of_source": summary.as_of_source,
    }


def banner_html(banner: dict[str, str]) -> str:
    return (
        f'<div class="sfqb-banner"><b>{escape(banner["client"])}</b>'
        + (f" &middot; {escape(banner['realm'])}" if banner.get("realm") else "")
        + f" &middot; data as of <b>{escape(banner['as_of'])}</b></div>"
    )


def checked_table(summary: Summary) -> pd.DataFrame:
    """Per area: the checks that ran, the ones skipped (with what they lack), the findings."""
    from sfqb_diag.checks import CHECKS

    skipped = pd.DataFrame(summary.skipped, columns=["check", "area", "missing"])
    rows = []
    for area, counts in summary.by_area.items():
        names = [c.name for c in CHECKS if c.area == area]
        lacking = skipped[skipped["area"] == area]
        rows.append(
            {
                "Area": AREA_TITLES.get(area, area),
                "Checks run": len(names) - len(lacking),
                "Checks skipped": len(lacking),
                **{s.capitalize(): counts[s] for s in SEVERITIES},
                "Money at risk": money_words(summary, area),
            }
        )
    return pd.DataFrame(rows)


def skipped_table(summary: Summary) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Check": s["check"],
                "Area": AREA_TITLES.get(s["area"], s["area"]),
                "Needs": ", ".join(s["missing"]),
            }
            for s in summary.skipped
        ],
        columns=["Check", "Area", "Needs"],
    )


def write_index(path: Path, run: CheckRun, pages: list[tuple[str, str]]) -> None:
    summary, data = run.summary, run.data
    as_of = pd.Timestamp(summary.as_of)
    findings = run.result.findings
    nav = '<a href="index.html" class="here">Summary</a>' + "".join(
        f'<a href="{escape(href)}">{escape(short_title(title))}</a>' for title, href in pages
    )
    home = home_currency(data)
    fixes = top_fixes(findings, data, as_of, 10)
    totals = money_totals(findings, data, as_of)
    if home is None:  # no QBO Preferences: no home currency to rank or add in
        fixes = fixes.drop(columns=[c for c in fixes.columns if c.startswith("In ")])
        totals = totals.drop(columns=[c for c in totals.columns if c.startswith("In ")])
    basis = (
        ""
        if not summary.amount_at_risk
        else (
            f"Ordered by the amount in {escape(home)} (the QuickBooks company's home currency; each "
            "invoice converted with its own exchange rate where QuickBooks has one)"
            if home
            else "QuickBooks Preferences (the home currency) are not in the data, so amounts in "
            "different currencies could not be converted: ordered by the amount as it stands"
            if len(summary.amount_at_risk) > 1
            else "Ordered by the amount at risk"
        )
    )
    skipped = skipped_table(summary)
    unchecked = coverage_table(summary)
    nothing = money_words(summary).capitalize()
    inputs = pd.DataFrame(
        {"Table": list(summary.inputs), "Rows": list(summary.inputs.values())}, dtype=object
    )
    links = "".join(
        f'<li><a href="{escape(href)}">{escape(title)}</a></li>' for title, href in pages
    )
    banner = page_banner(data, summary)
    body = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{escape(banner["client"])}: sync health</title>
<style>{STYLE}</style><script src="{TABLES_JS}"></script></head><body><nav class="sfqb">{nav}</nav>
{banner_html(banner)}<main>
<h1>Salesforce &rarr; QuickBooks sync health: what to fix first</h1>
<p class="muted">Data as of {escape(banner["as_of"])} ({escape(summary.as_of_source)}).
Every row is also in fix_list.xlsx, with the full list per area.</p>
<div class="card"><div class="big">{summary.findings:,}</div>findings</div>
<div class="card"><div class="big">{summary.by_severity["critical"]:,}</div>critical</div>
<div class="card"><div class="big">{summary.by_severity["high"]:,}</div>high</div>
<h2>The ten fixes with the most money at stake</h2>
{f"<p>{basis}; severity is a column. Names link to the record in Salesforce or QuickBooks.</p>" if basis else ""}
{f"<p class='muted'>QuickBooks links open in the company you are signed in to: switch to {escape(banner['client'])} ({escape(banner['realm'])}) first if you work in several.</p>" if banner.get("realm") else ""}
{table_html(fixes, 10) if len(fixes) else f"<p><em>{escape(nothing)}.</em></p>"}
<h2>Money at risk</h2>
<p>Each record counted once, in its own currency; amounts in different currencies are never
added, only their home-currency values.</p>
{table_html(totals, 25) if len(totals) else f"<p><em>{escape(nothing)}.</em></p>"}
<h2>What was checked</h2>
{table_html(checked_table(summary), 25)}
{"" if unchecked.empty else "<h2>What was not checked</h2>" + table_html(unchecked, 25)}
<h2>Checks skipped</h2>
{table_html(skipped, 25) if len(skipped) else "<p>None: every check had the data it needs.</p>"}
<h2>Data read</h2>
{table_html(inputs, 40)}
<h2>Pages</h2><ul>{links}</ul>
<h2>Files to work from</h2><ul><li><b>fix_list.xlsx</b>: a Start here sheet, then one sheet per area, most money first.</li>
<li><b>findings.csv</b>: every finding, one row each.</li><li><b>remediation/</b>: files ready to act on.</li></ul>
</main></body></html>"""
    path.write_text(body, encoding="utf-8")
