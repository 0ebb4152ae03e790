"""Shared fixtures: one default-size demo and one check run per test session."""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

from sfqb_diag.pipeline import CheckOptions, CheckRun, run_check

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=100)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Fixtures that generate a demo or run the notebooks: a test that uses one (directly or through
# another fixture) is slow, and so is one that calls the generator itself.
SLOW_FIXTURES = {"demo_dir", "small_report"}


def _builds_a_demo(function: object) -> bool:
    try:
        return "generate_demo(" in inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark demo-building tests slow automatically (splink's conftest does the same for its
    backends), so `make test-fast` stays fast: a test is slow when it, or any fixture it uses,
    generates a demo or runs the notebooks."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        fixtures = [
            d.func for defs in (info.name2fixturedefs.values() if info else ()) for d in defs
        ]
        uses = set(getattr(item, "fixturenames", ()))
        if uses & SLOW_FIXTURES or any(
            _builds_a_demo(f) for f in [getattr(item, "function", None), *fixtures]
        ):
            item.add_marker(pytest.mark.slow)


DEMO_SEED = 7
DEMO_SIZE = 2000  # the real default demo: quality bars are measured on what users see


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated demo client folder (raw/ and truth.json), made once per session."""
    from sfqb_demo.generator import generate_demo

    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, size=DEMO_SIZE, seed=DEMO_SEED)
    return folder


@pytest.fixture(scope="session")
def truth(demo_dir: Path) -> dict:
    return json.loads((demo_dir / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_run(demo_dir: Path) -> CheckRun:
    """`check` on the demo with its client.yaml (the connector's rollup fields), written to
    demo_dir/'out' once per session."""
    return run_check(
        CheckOptions(raw=demo_dir / "raw", out=demo_dir / "out", config=demo_dir / "client.yaml")
    )


@pytest.fixture(scope="session")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo (300 accounts) with the full report: notebooks executed, HTML written."""
    from sfqb_demo.generator import generate_demo
    from sfqb_diag.reporting.runner import run_report

    folder = tmp_path_factory.mktemp("small")
    raw = Path(generate_demo(folder, size=300, seed=DEMO_SEED))
    run_report(CheckOptions(raw=raw, out=folder, config=folder / "client.yaml"))
    return folder
