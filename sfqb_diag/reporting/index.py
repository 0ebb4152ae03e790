"""report/index.html: the summary numbers and a link to every page, readable with no network."""

from __future__ import annotations

from html import escape
from pathlib import Path

from sfqb_diag.findings import SEVERITIES
from sfqb_diag.outputs.summary import Summary
from sfqb_diag.outputs.xlsx import AREA_TITLES

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
nav { background: #1f4e78; padding: 8px 16px; } nav a { color: #fff; margin-right: 18px; text-decoration: none; }
main { padding: 16px 32px; max-width: 1100px; }
table { border-collapse: collapse; margin: 12px 0; } th, td { padding: 6px 12px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; } .big { font-size: 28px; font-weight: 600; }
.card { display: inline-block; margin: 0 24px 12px 0; } .muted { color: #666; }
"""


def _money(summary: Summary) -> str:
    money = summary.amount_at_risk or {}
    return ", ".join(f"{float(v):,.2f} {c}" for c, v in sorted(money.items())) or "none"


def write_index(path: Path, summary: Summary, pages: list[tuple[str, str]]) -> None:
    nav = '<a href="index.html"><b>Summary</b></a>' + "".join(
        f'<a href="{escape(href)}">{escape(title)}</a>' for title, href in pages
    )
    header = "".join(f"<th>{s}</th>" for s in SEVERITIES)
    rows = "".join(
        f"<tr><td>{escape(AREA_TITLES.get(area, area))}</td>"
        + "".join(f"<td>{counts[s]}</td>" for s in SEVERITIES)
        + f"<td>{escape(', '.join(f'{float(v):,.2f} {c}' for c, v in summary.amount_at_risk_by_area.get(area, {}).items()) or '-')}</td></tr>"
        for area, counts in summary.by_area.items()
    )
    skipped = "".join(
        f"<li>{escape(s['check'])} ({escape(s['area'])}): needs {escape(s['missing'])}</li>"
        for s in summary.checks_skipped
    )
    links = "".join(
        f'<li><a href="{escape(href)}">{escape(title)}</a></li>' for title, href in pages
    )
    body = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>sfqb-diag report</title>
<style>{_STYLE}</style></head><body><nav>{nav}</nav><main>
<h1>Salesforce &rarr; QuickBooks sync health</h1>
<p class="muted">Data as of {escape(summary.as_of[:16].replace("T", " "))} UTC ({escape(summary.as_of_source)}).</p>
<div class="card"><div class="big">{summary.findings:,}</div>findings</div>
<div class="card"><div class="big">{summary.by_severity["critical"]:,}</div>critical</div>
<div class="card"><div class="big">{escape(_money(summary))}</div>money at risk</div>
<h2>By area and severity</h2>
<table><tr><th>Area</th>{header}<th>Money at risk</th></tr>{rows}</table>
<h2>Pages</h2><ul>{links}</ul>
<h2>Files to work from</h2><ul><li><b>fix_list.xlsx</b>: one sheet per area, most money first.</li>
<li><b>findings.csv</b>: every finding, one row each.</li><li><b>remediation/</b>: files ready to act on.</li></ul>
{f"<h2>Checks skipped</h2><ul>{skipped}</ul>" if skipped else ""}
</main></body></html>"""
    path.write_text(body, encoding="utf-8")
