"""CLI exit codes (DESIGN.md): 0 done, 1 --fail-on hit, 2 usage or input error (nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

from sfqb_diag.cli import main


def write_raw(root: Path, account_csv: str) -> Path:
    (root / "salesforce").mkdir(parents=True)
    (root / "salesforce" / "Account.csv").write_text(account_csv, encoding="utf-8")
    (root / "quickbooks").mkdir()
    (root / "quickbooks" / "Customer.json").write_text(
        json.dumps([{"Id": "1", "DisplayName": "Acme"}])
    )
    return root


def test_check_on_a_hand_written_folder_says_what_it_skipped(tmp_path, capsys):
    raw = write_raw(tmp_path / "raw", "\ufeffId,Name\n001000000000001,Acme Inc\n")
    assert main(["check", str(raw), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "skipped" in printed and "findings" in printed
    assert (tmp_path / "out" / "findings.csv").is_file()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["checks_skipped"], "missing inputs are listed, not faked"


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    raw = write_raw(tmp_path / "raw", "Name\nAcme\n")
    assert main(["check", str(raw), "--out", str(tmp_path / "out")]) == 2
    assert "Account.csv, line 1, column Id" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_usage_errors_exit_2(tmp_path):
    raw = write_raw(tmp_path / "raw", "Id,Name\n001000000000001,A\n")
    assert main(["check", str(raw), "--out", str(tmp_path / "o"), "--fail-on", "severe"]) == 2
    assert main(["check", str(raw), "--out", str(tmp_path / "o"), "--areas", "nope"]) == 2
    assert main(["check", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert main(["check"]) == 2
    assert main(["demo", "--variant", "odd", "--out", str(tmp_path / "d")]) == 2


def test_fail_on_exits_1_when_the_demo_has_critical_findings(demo_run, demo_dir, tmp_path, capsys):
    critical = (demo_run.result.findings["severity"] == "critical").any()
    code = main(
        ["check", str(demo_dir / "raw"), "--out", str(tmp_path / "o"), "--fail-on", "critical"]
    )
    assert critical, "the demo injects critical defects: this test must see exit 1"
    assert code == 1
    # It says why on stderr: how many crossed the line and the first few with area, check, money.
    err = capsys.readouterr().err
    over = demo_run.result.findings
    over = over[(over["severity"] == "critical") & ~over["waived"].astype(bool)]
    assert f"--fail-on critical: {len(over)} unwaived findings at critical or above" in err
    listed = [line for line in err.splitlines() if line.startswith("  critical  ")]
    assert 1 <= len(listed) <= 5
    assert all("/" in line and line.rstrip().endswith(")") for line in listed)
    # Without --fail-on a run with critical findings still exits 0: 1 means the threshold only.
    assert (
        main(
            ["check", str(demo_dir / "raw"), "--out", str(tmp_path / "o2"), "--areas", "customers"]
        )
        == 0
    )


def test_checks_lists_the_registry(capsys):
    assert main(["checks"]) == 0
    out = capsys.readouterr().out
    for area in ("auth_env", "customers", "products", "partial_sync", "sync_jobs"):
        assert f"== {area} ==" in out
