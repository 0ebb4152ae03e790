"""`report --self-contained`: every HTML page one file that still works when e-mailed.

A normal report folder ships plotly.min.js and sfqb-tables.js once and every page loads them by
name; a page sent on its own (an attachment, a file copied out of the folder) then has no charts
and no sortable tables. Here each page carries both scripts inline instead (about 5 MB a page,
the price of working alone), and the folder ships no script files.
"""

from __future__ import annotations

from pathlib import Path


def _inline(code: str) -> str:
    """`code` as an inline `<script>`: a literal `</script` inside would end the element early in
    the HTML parser, so it is written `<\\/script` (the same text to JavaScript, in a string, a
    regular expression or a comment)."""
    return "<script>" + code.replace("</script", "<\\/script") + "</script>"


def inline_scripts(folder: Path, names: tuple[str, ...]) -> None:
    """Replace every `<script src="NAME"></script>` in the folder's HTML pages by the script
    itself, for each NAME in `names` shipped in `folder`; then remove those files."""
    scripts = {name: _inline((folder / name).read_text(encoding="utf-8")) for name in names}
    for page in sorted(folder.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        for name, inline in scripts.items():
            html = html.replace(f'<script src="{name}"></script>', inline)
        page.write_text(html, encoding="utf-8")
    for name in names:
        (folder / name).unlink()
