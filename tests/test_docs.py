"""Every CLI command is documented with an example; every check appears in the area docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sfqb_diag.cli.app import app

DOCS = Path(__file__).resolve().parent.parent / "docs"
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_section_and_an_example(command):
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(command)}$", text, flags=re.M), (
        f"docs/cli.md lacks '## {command}'"
    )
    assert f"sfqb-diag {command}" in text


def test_every_registered_check_is_documented():
    from sfqb_diag.checks import CHECKS
    from sfqb_diag.checks.base import registry_table

    table = registry_table(CHECKS)
    for row in table.itertuples(index=False):
        page = DOCS / "areas" / f"{row.area}.md"
        assert page.is_file(), f"docs/areas/{row.area}.md is missing"
        assert row.check in page.read_text(encoding="utf-8"), (
            f"{row.check} is not documented in {page.name}"
        )


def test_raw_folder_lists_every_field_the_loader_reads():
    """A consultant assembling exports learns the columns from docs/raw-folder.md, not from code."""
    from sfqb_diag.sources.schema import QB_ENTITIES, SF_OBJECTS

    text = (DOCS / "raw-folder.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in text.splitlines() if "| `" in line}
    for obj, (_, fields) in SF_OBJECTS.items():
        assert all(f"`{f}`" in rows[f"salesforce/{obj}.csv"] for f in fields), obj
    for entity, (_, fields) in QB_ENTITIES.items():
        shown = [f for f in fields if f != "domain"]
        assert all(f"`{f}`" in rows[f"quickbooks/{entity}.json"] for f in shown), entity
