"""Auth facts from the client's own org: salesforce/LoginHistory.csv, loaded, checked, pulled.

The hand-made LoginHistory below holds, for the sync's integration user 005000000000001AAA,
three successful SOAP Partner logins at API 38.0 from the application "QBO Sync" and one failed
one; a second user logs in with OAuth ("Remote Access 2.0"), and a person logs in to the UI
("Application"). Only the three SOAP logins are a finding: one, for user, application and version.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from test_pull import _config, _options, assert_same_dataset
from test_standin import write_small_raw

from sfqb_demo.standin import StandIn
from sfqb_diag.config import ClientConfig
from sfqb_diag.ids import to_18
from sfqb_diag.pipeline import run_all
from sfqb_diag.sources.files import load_raw
from sfqb_diag.sources.live.pull import pull

SYNC_USER = to_18("005000000000001")
OAUTH_USER = to_18("005000000000002")
PERSON = to_18("005000000000003")
HEADER = [
    "Id",
    "UserId",
    "LoginTime",
    "LoginType",
    "ApiType",
    "ApiVersion",
    "Application",
    "Status",
]
ROWS = [
    [to_18("0Ya000000000001"), SYNC_USER, "2026-11-02T03:00:00.000+0000", "Other Apex API",
     "SOAP Partner", "38.0", "QBO Sync", "Success"],
    [to_18("0Ya000000000002"), SYNC_USER, "2026-11-09T03:00:00.000+0000", "Other Apex API",
     "SOAP Partner", "38.0", "QBO Sync", "Success"],
    [to_18("0Ya000000000003"), SYNC_USER, "2026-11-16T03:00:00.000+0000", "Other Apex API",
     "SOAP Partner", "38.0", "QBO Sync", "Success"],
    [to_18("0Ya000000000004"), SYNC_USER, "2026-11-17T03:00:00.000+0000", "Other Apex API",
     "SOAP Partner", "38.0", "QBO Sync", "Invalid Password"],
    [to_18("0Ya000000000005"), OAUTH_USER, "2026-11-18T03:00:00.000+0000", "Remote Access 2.0",
     "", "", "sfqb-diag", "Success"],
    [to_18("0Ya000000000006"), PERSON, "2026-11-18T09:00:00.000+0000", "Application",
     "", "", "Browser", "Success"],
]  # fmt: skip


def write_login_history(raw: Path) -> Path:
    with (raw / "salesforce" / "LoginHistory.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return raw


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    return write_login_history(write_small_raw(tmp_path / "source"))


def _soap(raw: Path, as_of: str) -> pd.DataFrame:
    result = run_all(load_raw(raw), ClientConfig(), pd.Timestamp(as_of), areas=("auth_env",))
    return result.findings[result.findings["check"] == "soap_login_in_use"]


def test_loader_types_login_history(raw: Path) -> None:
    table = load_raw(raw).tables["login_history"]
    assert list(table["user_id"].unique()) == [SYNC_USER, OAUTH_USER, PERSON]
    assert str(table["login_time"].dt.tz) == "UTC"
    assert table["api_version"].iloc[0] == "38.0"  # a version is text, never 38.0 the number


def test_soap_login_found_in_plain_words(raw: Path) -> None:
    found = _soap(raw, "2026-12-01T00:00:00Z")
    assert len(found) == 1
    row = found.iloc[0]
    assert row["title"] == "The integration (QBO Sync) still logs in with SOAP at API 38.0"
    assert row["severity"] == "medium"
    assert row["detail"] == (
        f"3 SOAP logins (Partner) by user {SYNC_USER} from 2026-11-02 to 2026-11-16. SOAP login() "
        "retires for all API versions on 2027-06-12 (Summer '27); API versions 31.0-40.0 themselves "
        "are deprecated from 2027-06-12 and retire on 2028-06-10."
    )


def test_after_summer_27_it_is_high(raw: Path) -> None:
    found = _soap(raw, "2027-07-01T00:00:00Z")
    assert found["severity"].tolist() == ["high"]
    assert "SOAP login() retired for all API versions" in found["detail"].iloc[0]


def test_oauth_and_ui_logins_are_not_findings(raw: Path) -> None:
    rows = [r for r in ROWS if r[1] != SYNC_USER]
    with (raw / "salesforce" / "LoginHistory.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    assert _soap(raw, "2026-12-01T00:00:00Z").empty


def test_without_the_file_the_check_is_listed_as_not_checked(tmp_path: Path) -> None:
    raw = write_small_raw(tmp_path / "source")
    result = run_all(load_raw(raw), ClientConfig(), pd.Timestamp("2026-12-01T00:00:00Z"))
    skipped = {s["check"]: s["missing"] for s in result.skipped}
    assert "salesforce/LoginHistory.csv" in skipped["soap_login_in_use"]


def test_pull_reads_login_history_without_ui_logins(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:
        out = pull(_config(server, tmp_path / "cfg"), tmp_path / "pulled", _options(server))
        queries = [str(e["query"]) for e in server.state.log if "LoginHistory" in str(e["query"])]
    assert_same_dataset(raw, out, ignore=("login_history",))
    pulled = load_raw(out).tables["login_history"]
    assert sorted(pulled["user_id"].unique()) == [SYNC_USER, OAUTH_USER]  # no UI login
    assert any("LoginType != 'Application'" in q for q in queries)
    assert len(_soap(out, "2026-12-01T00:00:00Z")) == 1


def test_pull_without_permission_skips_login_history(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw, refused_objects=("LoginHistory",)) as server:
        out = pull(_config(server, tmp_path / "cfg"), tmp_path / "pulled", _options(server))
    assert not (out / "salesforce" / "LoginHistory.csv").exists()
    assert_same_dataset(raw, out, ignore=("login_history",))
    skipped = json.loads((out / "manifest.json").read_text())["pull"]["salesforce_objects_skipped"]
    assert list(skipped) == ["LoginHistory"] and "is not supported" in skipped["LoginHistory"]
    log = (tmp_path / "pulled.pull.log").read_text()
    assert "salesforce/LoginHistory: not readable by this user" in log


def test_login_history_stays_on_rest_when_bulk_would_be_used(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:
        out = pull(
            _config(server, tmp_path / "cfg", bulk_threshold=1),
            tmp_path / "pulled",
            _options(server),
        )
    modes = json.loads((out / "manifest.json").read_text())["pull"]["salesforce_modes"]
    assert modes["LoginHistory"] == "rest" and modes["Account"] == "bulk"
    assert len(load_raw(out).tables["login_history"]) == 5
