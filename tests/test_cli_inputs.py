"""The CLI's side of bad input: exit codes, one message, nothing written, and no wall clock.

Fixture: the tiny raw folder of tests/bad_input_fixture.py (valid: `check` exits 0).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bad_input_fixture import DAMAGE, make_raw

from sfqb_diag import pipeline
from sfqb_diag.cli import main


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name not in ("raw", "outside.json"))


def _file(path: Path) -> Path:
    path.write_text("{}", encoding="utf-8")
    return path


def _check(raw: Path, out: Path, *extra: str) -> int:
    return main(["check", str(raw), "--out", str(out), *extra])


def test_an_input_error_is_exit_2_with_nothing_written(tmp_path: Path, capsys) -> None:
    raw = make_raw(tmp_path)
    DAMAGE["csv_short_row"][0](raw)
    assert _check(raw, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "salesforce/Account.csv, line 2: has 4 fields" in err and "Nothing was written" in err
    assert _leftovers(tmp_path) == []  # no out, no .partial, no .lock


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (lambda root: root / "raw" / "manifest.json", "is an existing file"),
        (lambda root: root / "raw", "is the raw folder"),
        (lambda root: root / "raw" / "out", "is the raw folder"),
        (lambda root: root / ("x" * 250), "too long"),
        (lambda root: _file(root / "outside.json") / "out", "is a file"),
    ],
)
def test_a_bad_out_path_is_refused_before_anything_is_created(
    tmp_path: Path, capsys, where, expected: str
) -> None:
    raw = make_raw(tmp_path)
    before = sorted(p.name for p in raw.rglob("*"))
    assert _check(raw, where(tmp_path)) == 2
    assert expected in capsys.readouterr().err
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in raw.rglob("*")) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_out_parent_is_refused(tmp_path: Path, capsys) -> None:
    raw = make_raw(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert _check(raw, locked / "out") == 2
    assert "not writable" in capsys.readouterr().err


@pytest.mark.parametrize("word", ["now", "today", "NOW"])
def test_as_of_never_means_the_wall_clock(tmp_path: Path, capsys, word: str) -> None:
    raw = make_raw(tmp_path)
    assert _check(raw, tmp_path / "out", "--as-of", word) == 2
    assert "'now' would make the same data give different outputs" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("thresholds: {match_auto: 1.5}", "thresholds.match_auto is 1.5; must be between 0 and 1"),
        ("thresholds: {grace_hours: -1}", "thresholds.grace_hours is -1; must be at least 0"),
        ("thresholds: {match_auto: 0.5, match_review: 0.8}", "must not exceed"),
        ("thresholds: {match_auto: high}", "thresholds.match_auto must be a number"),
        ("salesforce: {api_version: 62.0}", "salesforce.api_version must be text, not float"),
        ("salesforce: {auth: magic}", "salesforce.auth must be one of"),
        ("quickbooks: {environment: prod}", "quickbooks.environment must be one of"),
        ("salesforce: {instance_url: 'javascript:alert(1)'}", "must be an https:// URL"),
        ("quickbooks: {base_url: 'http://evil.example.com'}", "must be an https:// URL"),
        ("links: {account_customer_id: QBO_Customer_Id__c}", "must be Object.Field"),
        ("salesforce: {colour: blue}", "unknown key(s) colour"),
    ],
)
def test_client_yaml_is_validated_by_key(
    tmp_path: Path, capsys, yaml_text: str, expected: str
) -> None:
    raw = make_raw(tmp_path)
    config = tmp_path / "client.yaml"
    config.write_text(yaml_text + "\n", encoding="utf-8")
    assert _check(raw, tmp_path / "out", "--config", str(config)) == 2
    assert expected in capsys.readouterr().err
    config.unlink()
    assert _leftovers(tmp_path) == []


def test_a_secret_under_an_env_key_is_refused_and_never_echoed(tmp_path: Path, capsys) -> None:
    raw = make_raw(tmp_path)
    secret = "00Dxx0000001gPL!AR8AQJXg5oGk3k1uZkVm"
    config = tmp_path / "client.yaml"
    config.write_text(f"salesforce: {{password_env: '{secret}'}}\n", encoding="utf-8")
    assert _check(raw, tmp_path / "out", "--config", str(config)) == 2
    printed = capsys.readouterr()
    assert "salesforce.password_env looks like a secret" in printed.err
    assert secret not in printed.out + printed.err


def test_a_link_field_missing_from_the_csv_skips_the_checks_that_need_it(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    path = raw / "salesforce" / "Account.csv"
    text = path.read_text(encoding="utf-8").replace(",QBO_Customer_Id__c", "")
    path.write_text(
        text.replace(",Oslo,1,", ",Oslo,").replace(",Bonn,,", ",Bonn,"), encoding="utf-8"
    )
    assert _check(raw, tmp_path / "out") == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    skipped = {s["check"]: s["missing"] for s in summary["checks_skipped"]}
    assert "column QBO_Customer_Id__c of salesforce/Account.csv" in skipped["mislinked_account"]
    assert "unlinked_account_with_match" in skipped
    # no link file either: its rollback would blank links the export did not show
    assert not (tmp_path / "out" / "remediation" / "salesforce_account_links.csv").exists()
    assert (tmp_path / "out" / "matches" / "customers.csv").exists()


def test_reviewer_rows_naming_nothing_are_warnings_in_summary(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    (tmp_path / "reviews.csv").write_text(
        "finding_id,status,owner,note,until\nf-nope,waived,ana,,2027-01-01\nf-nope,open,ana,,\n",
        encoding="utf-8",
    )
    assert _check(raw, tmp_path / "out") == 0
    warnings = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))[
        "input_warnings"
    ]
    assert any(
        "line 2: a later review for f-nope (line 3) replaces this one" in w for w in warnings
    )
    assert any("finding f-nope is not among this run's findings" in w for w in warnings)


def test_input_and_reviewer_problems_come_in_one_message(tmp_path: Path, capsys) -> None:
    raw = make_raw(tmp_path)
    DAMAGE["json_ref_as_string"][0](raw)
    (tmp_path / "decisions.csv").write_text(
        "kind,sf_id,qb_id,decision\ncustomer,001000000000001AAA,1,maybe\n", encoding="utf-8"
    )
    assert _check(raw, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "2 problems" in err and "Invoice.jsonl" in err and "decisions.csv, line 2" in err


def test_a_bug_is_exit_4_with_one_sentence_and_a_log(tmp_path: Path, capsys, monkeypatch) -> None:
    raw = make_raw(tmp_path)

    def broken(options, *catalogue):
        raise KeyError("boom")

    monkeypatch.setattr(pipeline, "compute", broken)
    assert _check(raw, tmp_path / "out") == 4
    err = capsys.readouterr().err
    assert "internal error (a bug in sfqb-diag" in err and "Traceback" not in err
    log = Path(err.split("details in ")[1].split(". Nothing")[0])
    assert "KeyError: 'boom'" in log.read_text(encoding="utf-8")
    log.unlink()
    assert _leftovers(tmp_path) == []


def test_ctrl_c_is_exit_130_and_says_nothing_was_written(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    raw = make_raw(tmp_path)

    def interrupted(options, *catalogue):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "compute", interrupted)
    assert _check(raw, tmp_path / "out") == 130
    assert "interrupted: nothing was written" in capsys.readouterr().err
    assert _leftovers(tmp_path) == []
