"""`report --self-contained`: every page one file that works e-mailed (no local script file)."""

from __future__ import annotations

import re
from pathlib import Path

from sfqb_diag.reporting.index import TABLES_JS
from sfqb_diag.reporting.self_contained import inline_scripts

LOCAL_SRC = re.compile(r'<script[^>]*\bsrc="(?!https?:)[^"]*"', flags=re.IGNORECASE)


def test_inline_scripts_puts_each_script_in_every_page_and_drops_the_files(tmp_path: Path):
    (tmp_path / "a.js").write_text('var s = "</script>"; window.A = 1;', encoding="utf-8")
    (tmp_path / "b.js").write_text("window.B = 2;", encoding="utf-8")
    page = '<html><head><script src="a.js"></script><script src="b.js"></script></head></html>'
    for name in ("one.html", "two.html"):
        (tmp_path / name).write_text(page, encoding="utf-8")
    inline_scripts(tmp_path, ("a.js", "b.js"))
    for name in ("one.html", "two.html"):
        html = (tmp_path / name).read_text(encoding="utf-8")
        assert not LOCAL_SRC.search(html)
        # the literal </script inside the code would close the element early: written <\/script
        assert '<script>var s = "<\\/script>"; window.A = 1;</script>' in html
        assert "<script>window.B = 2;</script>" in html
    assert not (tmp_path / "a.js").exists() and not (tmp_path / "b.js").exists()


def test_self_contained_report_pages_carry_plotly_and_the_table_script(tmp_path: Path):
    from sfqb_demo.generator import generate_demo
    from sfqb_diag.pipeline import CheckOptions
    from sfqb_diag.reporting.runner import PLOTLY_JS, run_report

    raw = Path(generate_demo(tmp_path, size=300, seed=7))
    run_report(CheckOptions(raw=raw, out=tmp_path / "out"), self_contained=True)
    report = tmp_path / "out" / "report"
    pages = sorted(report.glob("*.html"))
    assert len(pages) >= 6 and report / "index.html" in pages
    assert not (report / PLOTLY_JS).exists() and not (report / TABLES_JS).exists()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not LOCAL_SRC.search(html), f"{page.name} loads a local script"
        assert "window.sfqbTables" in html, f"{page.name}: no table script inline"
        if page.name != "index.html":  # the first screen has tables only, no chart
            assert "Plotly.newPlot" in html and "plotly.js v" in html.lower(), page.name


def test_the_report_verb_takes_the_option_and_cli_md_documents_it():
    import typer.main

    from sfqb_diag.cli.app import app

    report = typer.main.get_command(app).commands["report"]  # type: ignore[attr-defined]
    assert any("--self-contained" in p.opts for p in report.params)
    docs = (Path(__file__).parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = docs.split("## report", 1)[1].split("\n## ", 1)[0]
    assert "`--self-contained`" in section
