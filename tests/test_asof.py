"""The one as-of time (sfqb_diag/asof.py): --as-of, else manifest.pulled_at, else the newest
`time` of the QBO query responses, else the newest timestamp in the data.

Tiny hand-made raw folders without a manifest: a QBO Customer file as the API returns it (one
response body, or a list of pages), each page stamped with the server `time` it ran at, and a
customer last updated weeks before the pull.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.asof import parse_as_of, resolve_as_of
from sfqb_diag.dataset import Dataset
from sfqb_diag.errors import UsageError
from sfqb_diag.pipeline import CheckOptions, compute
from sfqb_diag.sources.files import load_raw

PULL = "2026-11-30T10:22:31.123-08:00"  # QBO's clock, Pacific time
PULL_UTC = pd.Timestamp("2026-11-30T18:22:31.123Z")
EDITED = "2026-11-01T09:00:00-07:00"  # the newest timestamp in the data


def _customer(n: int, updated: str = EDITED) -> dict:
    return {
        "Id": str(n),
        "DisplayName": f"Customer {n}",
        "Active": True,
        "MetaData": {"CreateTime": "2026-01-01T00:00:00Z", "LastUpdatedTime": updated},
    }


def _page(customers: list[dict], time: str | None = PULL) -> dict:
    body: dict = {"QueryResponse": {"Customer": customers, "startPosition": 1}}
    if time is not None:
        body["time"] = time
    return body


def _raw(root: Path, content: object, name: str = "Customer.json") -> Path:
    (root / "quickbooks").mkdir(parents=True)
    path = root / "quickbooks" / name
    if name.endswith(".jsonl"):
        lines = content if isinstance(content, list) else [content]
        path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return root


def test_without_a_manifest_the_qbo_response_time_is_the_as_of(tmp_path: Path) -> None:
    raw = _raw(tmp_path / "raw", _page([_customer(1)]))
    assert resolve_as_of(load_raw(raw)) == (PULL_UTC, "QBO response time")
    run = compute(CheckOptions(raw=raw, out=tmp_path / "out"))
    assert (run.result.as_of, run.summary.as_of_source) == (PULL_UTC, "QBO response time")


def test_the_newest_page_time_wins(tmp_path: Path) -> None:
    pages = [
        _page([_customer(1)], "2026-11-30T10:22:31.123-08:00"),
        _page([_customer(2)], "2026-11-30T10:22:35.500-08:00"),
        _page([_customer(3)], "2026-11-30T18:20:00Z"),
    ]
    data = load_raw(_raw(tmp_path / "raw", pages))
    assert resolve_as_of(data)[0] == pd.Timestamp("2026-11-30T18:22:35.500Z")


def test_jsonl_pages_carry_their_time_too(tmp_path: Path) -> None:
    lines = [_page([_customer(1)], "2026-11-29T08:00:00Z"), _page([_customer(2)], PULL)]
    data = load_raw(_raw(tmp_path / "raw", lines, "Customer.jsonl"))
    assert resolve_as_of(data) == (PULL_UTC, "QBO response time")


def test_manifest_and_the_command_line_come_first(tmp_path: Path) -> None:
    raw = _raw(tmp_path / "raw", _page([_customer(1)]))
    (raw / "manifest.json").write_text(json.dumps({"pulled_at": "2026-12-01T00:00:00Z"}))
    data = load_raw(raw)
    assert resolve_as_of(data) == (pd.Timestamp("2026-12-01T00:00:00Z"), "manifest.pulled_at")
    assert resolve_as_of(data, "2026-12-02")[1] == "--as-of"


@pytest.mark.parametrize(
    ("content", "newest"),
    [
        # a bare entity array carries no response time: the newest timestamp in the data
        ([_customer(1)], pd.Timestamp(EDITED).tz_convert("UTC")),
        # data newer than the response time (another export taken later): never before the data
        (_page([_customer(1, "2026-11-30T19:00:00Z")]), pd.Timestamp("2026-11-30T19:00:00Z")),
    ],
)
def test_the_data_decides_when_the_response_time_cannot(
    tmp_path: Path, content: object, newest: pd.Timestamp
) -> None:
    data = load_raw(_raw(tmp_path / "raw", content))
    assert resolve_as_of(data) == (newest, "newest timestamp in the data")


def test_a_response_time_that_is_no_time_is_ignored_with_a_warning(tmp_path: Path) -> None:
    data = load_raw(_raw(tmp_path / "raw", _page([_customer(1)], "half past ten")))
    assert resolve_as_of(data)[1] == "newest timestamp in the data"
    assert any("'half past ten' is not an ISO 8601 time" in str(w) for w in data.warnings)


def test_the_response_time_survives_the_notebook_cache(tmp_path: Path) -> None:
    data = load_raw(_raw(tmp_path / "raw", _page([_customer(1)])))
    data.save(tmp_path / "cache")
    assert resolve_as_of(Dataset.load(tmp_path / "cache")) == (PULL_UTC, "QBO response time")


@pytest.mark.parametrize("given", ["14/11/2024", "03/04/2024", "20241114", "Nov 14 2024"])
def test_only_year_first_dates_are_taken(given: str) -> None:
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        parse_as_of(given)


def test_data_without_any_date_says_its_as_of_is_a_placeholder() -> None:
    as_of, source = resolve_as_of(Dataset(tables={"accounts": pd.DataFrame({"id": ["a"]})}))
    assert as_of.year == 1970 and "placeholder" in source and "--as-of" in source
