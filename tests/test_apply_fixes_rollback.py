"""Data Loader files undo exactly: apply-fixes on the demo applies every update file, then its
rollback, and every Salesforce value is back as it was, blank originals included.

apply-fixes reads cells the way Data Loader with "Use Bulk API" does on update: an empty cell
leaves the field alone and `#N/A` empties it. So a rollback that wrote a blank original as an
empty cell would leave the new value in place; the demo's account links (accounts that had no
link) and lost write-backs (deals with no invoice link and no sync error) have such blanks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from sfqb_demo.apply_fixes import apply_fixes, loader_files


def snapshot(raw: Path) -> dict[str, pd.DataFrame]:
    return {
        path.name: pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for path in sorted((raw / "salesforce").glob("*.csv"))
    }


def test_machine_files_have_no_bom_and_blank_originals_as_na(demo_run, demo_dir):
    files = loader_files(demo_dir / "out") + loader_files(demo_dir / "out", rollback=True)
    assert len(files) >= 6, "the demo writes account, product and opportunity links + rollbacks"
    for path in files:
        data = path.read_bytes()
        assert data.startswith(b"Id,"), f"{path.name}: no byte-order mark before the Id header"
        assert b"\r\n" not in data, f"{path.name}: LF line ends (Bulk API 2.0's default)"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert not frame.eq("").any().any(), f"{path.name}: an empty cell is ignored on update"
    rollbacks = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in files if "rollback" in p.name]
    )
    assert rollbacks.eq("#N/A").any().any(), "the demo has blank originals to restore"


def test_update_then_rollback_restores_every_value(demo_run, demo_dir, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(demo_dir / "raw", raw)
    before = snapshot(raw)
    applied = apply_fixes(demo_dir / "out", raw)
    assert sum(a.updated for a in applied) > 0
    changed = snapshot(raw)
    account_links = pd.read_csv(
        demo_dir / "out" / "remediation" / "salesforce_account_links.rollback.csv",
        dtype=str,
        keep_default_na=False,
    )
    blank_before = account_links.loc[account_links["QBO_Customer_Id__c"].eq("#N/A"), "Id"]
    accounts = changed["Account.csv"].set_index("Id")
    assert accounts.loc[blank_before, "QBO_Customer_Id__c"].ne("").all(), "the update set them"

    apply_fixes(demo_dir / "out", raw, rollback=True)
    after = snapshot(raw)
    assert after.keys() == before.keys()
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)


def test_an_empty_cell_leaves_the_field_and_na_empties_it(tmp_path):
    """Account 1 has link 7 and account 2 has 8; the file leaves 1 alone and empties 2."""
    raw = tmp_path / "raw"
    (raw / "salesforce").mkdir(parents=True)
    (raw / "salesforce" / "Account.csv").write_text(
        "Id,Name,QBO_Customer_Id__c\n001000000000001AAA,A,7\n001000000000002AAA,B,8\n"
    )
    remediation = tmp_path / "report" / "remediation"
    remediation.mkdir(parents=True)
    (remediation / "salesforce_account_links.csv").write_text(
        "Id,QBO_Customer_Id__c\n001000000000001AAA,\n001000000000002AAA,#N/A\n"
    )
    (applied,) = apply_fixes(tmp_path / "report", raw)
    assert applied.updated == 2
    assert snapshot(raw)["Account.csv"]["QBO_Customer_Id__c"].tolist() == ["7", ""]
