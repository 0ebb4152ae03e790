"""diff: new / fixed / still open by finding_id, money deltas, the digest, exit codes, not-checked.

The runs are hand-made report folders (summary.json + findings.csv, as `check` writes them), so
every difference is stated here: run A has findings w, x, y (customers, partial_sync, sync_jobs);
run B drops x (fixed), keeps w and y, adds z (critical).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.cli import main
from sfqb_diag.engine import apply_reviews
from sfqb_diag.findings import AREAS, SEVERITIES, finding_ids, new_findings
from sfqb_diag.outputs.summary import amount_at_risk
from sfqb_diag.outputs.tables import findings_csv_frame, write_csv
from sfqb_diag.scheduling.diff import diff_runs, write_diff
from sfqb_diag.scheduling.history import load_snapshot
from sfqb_diag.sources.reviewer_files import read_reviews

ACC1, ACC2, OPP1, OPP2 = (
    "001000000000001AAA",
    "001000000000002AAA",
    "006000000000001AAA",
    "006000000000002AAA",
)
ROWS = {  # name: (check, area, severity, sf_id, qb_entity, qb_id, cents, currency)
    "w": ("mislinked_account", "customers", "high", ACC1, "Customer", "7", 50_000, "USD"),
    "x": ("lost_writeback", "partial_sync", "high", OPP1, "Invoice", "100", 1_240_000, "USD"),
    "y": ("sync_log_error_class", "sync_jobs", "low", None, None, None, None, None),
    "z": ("won_not_invoiced", "partial_sync", "critical", OPP2, None, None, 90_000, "CAD"),
    "v": ("link_to_missing_customer", "customers", "medium", ACC2, "Customer", "9", None, None),
}


def findings_of(names: str) -> pd.DataFrame:
    rows = [ROWS[n] for n in names]
    frame = new_findings(
        check=pd.Series([r[0] for r in rows]),
        area=pd.Series([r[1] for r in rows]),
        severity=pd.Series([r[2] for r in rows]),
        sf_id=pd.Series([r[3] for r in rows]),
        qb_entity=pd.Series([r[4] for r in rows]),
        qb_id=pd.Series([r[5] for r in rows]),
        amount_cents=pd.Series([r[6] for r in rows], dtype="Int64"),
        currency=pd.Series([r[7] for r in rows]),
        title=pd.Series([f"problem {n}" for n in names]),
        sf_object=pd.Series(
            ["Account" if r[3] and r[3].startswith("001") else "Opportunity" for r in rows]
        ),
    )
    frame["finding_id"] = finding_ids(frame)
    return frame


def fid(name: str) -> str:
    return str(findings_of(name)["finding_id"].iloc[0])


def make_run(
    folder: Path,
    names: str,
    as_of: str = "2026-11-24T06:00:00+00:00",
    skipped: tuple[str, ...] = (),
    reviews: pd.DataFrame | None = None,
) -> Path:
    """A kept run as `report --history` writes it: findings.csv, summary.json, reviews.csv (no cache)."""
    stamp = pd.Timestamp(as_of)
    findings = apply_reviews(
        findings_of(names), reviews if reviews is not None else read_reviews(None), stamp
    )
    active = findings[~findings["waived"]]
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(findings_csv_frame(findings), folder / "findings.csv")
    summary = {
        "as_of": stamp.isoformat(),
        "as_of_source": "--as-of",
        "findings": len(active),
        "waived": int(findings["waived"].sum()),
        "by_severity": {s: int((active["severity"] == s).sum()) for s in SEVERITIES},
        "by_area": {
            a: {
                s: int(((active["area"] == a) & (active["severity"] == s)).sum())
                for s in SEVERITIES
            }
            for a in AREAS
        },
        "amount_at_risk": amount_at_risk(active),
        "amount_at_risk_by_area": {a: amount_at_risk(active[active["area"] == a]) for a in AREAS},
        "checks_skipped": [{"area": "?", "check": c, "missing": "sync_log.csv"} for c in skipped],
        "inputs": {},
        "input_warnings": [],
        "parameters": {"areas": list(AREAS)},
        "outputs": [],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    if reviews is not None:
        reviews.assign(until=reviews["until"].dt.strftime("%Y-%m-%d")).to_csv(
            folder / "reviews.csv", index=False
        )
    return folder


@pytest.fixture()
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a = make_run(tmp_path / "a", "wxy", "2026-11-15T06:00:00+00:00")
    b = make_run(tmp_path / "b", "wyz", "2026-11-24T06:00:00+00:00")
    return a, b


def test_sets_are_matched_by_finding_id(pair):
    result = diff_runs(*(load_snapshot(p) for p in pair))
    assert list(result.new["finding_id"]) == [fid("z")]
    assert list(result.fixed["finding_id"]) == [fid("x")]
    assert sorted(result.still_open["finding_id"]) == sorted([fid("w"), fid("y")])
    assert result.not_checked.empty
    assert set(result.still_open["days_open"]) == {9}  # open since run A, nine days earlier


def test_money_deltas_per_currency_and_area(pair):
    money = diff_runs(*(load_snapshot(p) for p in pair)).money().set_index(["area", "currency"])
    assert money.loc[("all", "USD"), "change_cents"] == -1_240_000
    assert money.loc[("all", "CAD"), "change_cents"] == 90_000
    assert money.loc[("partial_sync", "USD"), ["before_cents", "after_cents"]].tolist() == [
        1_240_000,
        0,
    ]
    assert ("customers", "USD") in money.index and money.loc[
        ("customers", "USD"), "change_cents"
    ] == 0


def test_digest_headline_reads_like_an_email_subject(pair):
    text = diff_runs(*(load_snapshot(p) for p in pair)).digest()
    headline = text.splitlines()[0]
    assert headline == (
        "1 new since 2026-11-15, 1 fixed, 1 high still open for 9 days, "
        "money at risk up 900.00 CAD; down 12,400.00 USD"
    )
    assert "Missing or partial syncs: 12,400.00 USD -> 0.00 USD (down 12,400.00 USD)" in text
    assert "critical | partial_sync | problem z | 900.00 CAD" in text


def test_a_check_that_did_not_run_proves_nothing(tmp_path):
    """B lacks sync_log.csv, so y (a sync-log finding) is 'not checked', not fixed."""
    a = make_run(tmp_path / "a", "wy")
    b = make_run(tmp_path / "b", "w", skipped=("sync_log_error_class",))
    result = diff_runs(load_snapshot(a), load_snapshot(b))
    assert result.fixed.empty and list(result.not_checked["finding_id"]) == [fid("y")]
    assert "Not checked in the later run" in result.digest()


def test_write_diff_files(pair, tmp_path):
    result = diff_runs(*(load_snapshot(p) for p in pair))
    write_diff(result, tmp_path / "d")
    names = {p.name for p in (tmp_path / "d").iterdir()}
    assert names == {
        "new.csv",
        "fixed.csv",
        "still_open.csv",
        "not_checked.csv",
        "by_area.csv",
        "money.csv",
        "diff.json",
        "digest.txt",
    }
    fixed = pd.read_csv(tmp_path / "d" / "fixed.csv", dtype=str, encoding="utf-8-sig")
    assert list(fixed["finding_id"]) == [fid("x")] and fixed["amount_at_risk"].tolist() == [
        "12400.00"
    ]
    summary = json.loads((tmp_path / "d" / "diff.json").read_text())
    assert (summary["new"], summary["fixed"], summary["still_open"]) == (1, 1, 2)
    assert str(tmp_path) not in (tmp_path / "d" / "diff.json").read_text()
    by_area = pd.read_csv(tmp_path / "d" / "by_area.csv", encoding="utf-8-sig")
    assert by_area[["new", "fixed", "still_open"]].sum().tolist() == [1, 1, 2]
    assert not (tmp_path / "d.partial").exists()


def test_cli_exit_codes(pair, tmp_path, capsys):
    a, b = (str(p) for p in pair)
    assert main(["diff", a, b]) == 0
    assert main(["diff", a, b, "--fail-on-new", "critical"]) == 1
    assert main(["diff", a, b, "--fail-on-new", "high", "--out", str(tmp_path / "d")]) == 1
    assert main(["diff", b, a, "--fail-on-new", "critical"]) == 0  # reversed: only x (high) is new
    assert main(["diff", a, b, "--fail-on-new", "severe"]) == 2
    assert main(["diff", a, str(tmp_path / "nowhere")]) == 2
    assert "1 new since" in capsys.readouterr().out


def test_a_waived_new_finding_does_not_fail_the_run(tmp_path):
    reviews = pd.DataFrame(
        {
            "finding_id": [fid("z")],
            "status": ["waived"],
            "owner": ["ana"],
            "note": ["known; credit note on the way"],
            "until": [pd.Timestamp("2026-12-31", tz="UTC")],
        }
    )
    a = make_run(tmp_path / "a", "w", "2026-11-15T06:00:00+00:00")
    b = make_run(tmp_path / "b", "wz", "2026-11-24T06:00:00+00:00", reviews=reviews)
    assert main(["diff", str(a), str(b), "--fail-on-new", "critical"]) == 0
    expired = make_run(tmp_path / "c", "wz", "2027-01-05T06:00:00+00:00", reviews=reviews)
    assert main(["diff", str(a), str(expired), "--fail-on-new", "critical"]) == 1
    result = diff_runs(load_snapshot(a), load_snapshot(b))
    assert result.new["waived"].tolist() == [True] and "1 of them waived" in result.digest()


# --- apply-fixes: a Data Loader import simulated on a raw folder -------------------------------

ACCOUNTS = (
    "\ufeffId,Name,BillingCity,QBO_Customer_Id__c\r\n"
    '001000000000001,"Acme, Inc",Paris,\r\n'
    "001000000000002,Beta,,\r\n"
    "001000000000003,Gamma,Lyon,55\r\n"
)
OPPORTUNITIES = "Id,Name,Amount\n006000000000001,Deal,10.00\n"


def fixture_report_and_raw(tmp_path: Path) -> tuple[Path, Path]:
    """Raw: three accounts (15-char Ids, BOM, CRLF, a quoted comma), one opportunity without the
    link column. Report: account links for accounts 1 and 3 plus an Id not in the raw folder, and
    a file whose name says nothing: its Ids' prefix 006 says Opportunity. The rollback is written as
    sfqb-diag writes it: no BOM, LF, a blank original value as #N/A."""
    raw = tmp_path / "raw"
    (raw / "salesforce").mkdir(parents=True)
    (raw / "salesforce" / "Account.csv").write_bytes(ACCOUNTS.encode("utf-8"))
    (raw / "salesforce" / "Opportunity.csv").write_text(OPPORTUNITIES, encoding="utf-8")
    remediation = tmp_path / "report" / "remediation"
    remediation.mkdir(parents=True)
    (remediation / "salesforce_account_links.csv").write_text(
        "\ufeffId,QBO_Customer_Id__c\r\n001000000000001AAA,12\r\n001000000000003AAA,77\r\n001000000000009AAA,5\r\n"
    )
    (remediation / "salesforce_account_links.rollback.csv").write_text(
        "Id,QBO_Customer_Id__c\n001000000000001AAA,#N/A\n001000000000003AAA,55\n001000000000009AAA,#N/A\n"
    )
    (remediation / "salesforce_links_batch2.csv").write_text(
        "Id,QBO_Invoice_Id__c\n006000000000001AAA,901\n"
    )
    (remediation / "unbilled_opportunities.csv").write_text("opportunity_id\n006000000000001AAA\n")
    return tmp_path / "report", raw


def read_sf(raw: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(
        raw / "salesforce" / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def test_apply_fixes_sets_exactly_the_named_fields(tmp_path):
    from sfqb_demo.apply_fixes import apply_fixes

    report, raw = fixture_report_and_raw(tmp_path)
    before = read_sf(raw, "Account")
    applied = {a.file: a for a in apply_fixes(report, raw)}
    assert set(applied) == {"salesforce_account_links.csv", "salesforce_links_batch2.csv"}
    links = applied["salesforce_account_links.csv"]
    assert (links.sf_object, links.updated, links.not_found) == (
        "Account",
        2,
        ("001000000000009AAA",),
    )
    after = read_sf(raw, "Account")
    assert after["QBO_Customer_Id__c"].tolist() == ["12", "", "77"]
    assert after.drop(columns="QBO_Customer_Id__c").equals(
        before.drop(columns="QBO_Customer_Id__c")
    )
    data = (raw / "salesforce" / "Account.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b'"Acme, Inc"' in data
    assert after["Id"].str.len().eq(15).all(), "the raw folder keeps its own Id form"
    assert read_sf(raw, "Opportunity")["QBO_Invoice_Id__c"].tolist() == ["901"]
    assert not list((raw / "salesforce").glob(".*tmp*"))


def test_apply_fixes_limit_only_and_rollback(tmp_path, capsys):
    report, raw = fixture_report_and_raw(tmp_path)
    assert (
        main(
            [
                "apply-fixes",
                str(report),
                str(raw),
                "--only",
                "salesforce_account_links.csv",
                "--limit",
                "1",
            ]
        )
        == 0
    )
    assert read_sf(raw, "Account")["QBO_Customer_Id__c"].tolist() == ["12", "", "55"]
    assert "set QBO_Customer_Id__c on 1 Account record(s)" in capsys.readouterr().out
    assert (
        main(
            [
                "apply-fixes",
                str(report),
                str(raw),
                "--only",
                "salesforce_account_links.csv",
                "--rollback",
            ]
        )
        == 0
    )
    assert read_sf(raw, "Account")["QBO_Customer_Id__c"].tolist() == ["", "", "55"]
    assert main(["apply-fixes", str(report), str(raw), "--only", "nope.csv"]) == 2
    assert (
        main(["apply-fixes", str(tmp_path), str(raw)]) == 2
    )  # no remediation folder: nothing to apply


def test_apply_fixes_refuses_a_bad_id(tmp_path):
    report, raw = fixture_report_and_raw(tmp_path)
    (report / "remediation" / "salesforce_account_links.csv").write_text(
        "Id,QBO_Customer_Id__c\nnot-an-id,1\n"
    )
    assert main(["apply-fixes", str(report), str(raw)]) == 2
    assert read_sf(raw, "Account")["QBO_Customer_Id__c"].tolist() == ["", "", "55"], (
        "nothing was changed"
    )


# --- Done-when: two demo reports with fixes in between -----------------------------------------


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Day 1: a small demo reported with --history. The team then imports the first three rows of
    the account and product link files (apply-fixes). Day 2: the same raw folder, fixed, reported
    with --history. Only the overview notebook runs (the area pages are not under test here)."""
    from sfqb_demo.generator import generate_demo
    from sfqb_diag.resources import notebook_paths

    root = tmp_path_factory.mktemp("two_days")
    raw = Path(generate_demo(root / "demo", size=300, seed=7))
    overview = [p for p in notebook_paths() if p.name == "00_overview.ipynb"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sfqb_diag.reporting.runner.notebook_paths", lambda: overview)
        history = ["--history", str(root / "history"), "--timeout", "600"]
        assert main(["report", str(raw), "--out", str(root / "day1"), *history]) == 0
        shutil.copytree(raw, root / "raw2")
        assert (
            main(
                [
                    "apply-fixes",
                    str(root / "day1"),
                    str(root / "raw2"),
                    "--limit",
                    "3",
                    "--only",
                    "salesforce_account_links.csv",
                    "--only",
                    "salesforce_product_links.csv",
                ]
            )
            == 0
        )
        assert main(["report", str(root / "raw2"), "--out", str(root / "day2"), *history]) == 0
    return {"root": root, "day1": root / "day1", "day2": root / "day2", "history": root / "history"}


def applied_rows(report: Path) -> pd.DataFrame:
    """The rows apply-fixes imported: Id, the link before (rollback) and after (update)."""
    rows = []
    for name, entity in (
        ("salesforce_account_links", "Customer"),
        ("salesforce_product_links", "Item"),
    ):
        update = pd.read_csv(
            report / "remediation" / f"{name}.csv", dtype=str, encoding="utf-8-sig"
        ).head(3)
        rollback = pd.read_csv(
            report / "remediation" / f"{name}.rollback.csv", dtype=str, encoding="utf-8-sig"
        ).head(3)
        rows.append(
            pd.DataFrame(
                {
                    "sf_id": update["Id"],
                    "qb_entity": entity,
                    "new": update.iloc[:, 1],
                    "old": rollback.iloc[:, 1],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_two_demo_runs_with_fixes_in_between(two_days, capsys):
    applied = applied_rows(two_days["day1"])
    assert len(applied) == 6, "the demo has account and product links to fix"
    result = diff_runs(load_snapshot(two_days["day1"]), load_snapshot(two_days["day2"]))
    assert result.new.empty and result.not_checked.empty, "nothing else changed"
    assert len(result.still_open) == len(result.a.findings) - len(result.fixed)
    fixed = result.fixed
    # Every fixed finding is about an imported record: its Id, or the customer/item it was linked to.
    touched = fixed["sf_id"].isin(applied["sf_id"]) | (
        fixed["qb_entity"].astype(str) + ":" + fixed["qb_id"].astype(str)
    ).isin(applied["qb_entity"] + ":" + applied["old"].fillna(""))
    assert touched.all(), fixed[~touched][["check", "sf_id", "qb_id"]]
    # ... and every imported row fixed something on its own record.
    assert set(applied["sf_id"]) <= set(fixed["sf_id"])
    # The same answer from the command line, against the history folder.
    assert (
        main(["diff", str(two_days["history"]), str(two_days["day2"]), "--fail-on-new", "info"])
        == 0
    )
    assert capsys.readouterr().out.startswith(
        f"0 new since 2026-11-20 06:00 UTC, {len(fixed)} fixed"
    )


def test_the_trend_chart_shows_both_runs(two_days):
    from test_notebooks import _figures

    kept = sorted(p.name for p in two_days["history"].iterdir() if not p.name.startswith("."))
    assert kept == [
        "2026-11-20T0600Z",
        "2026-11-20T0600Z-2",
    ]  # same as-of: the second is kept beside
    html = (two_days["day2"] / "report" / "00_overview.html").read_text(encoding="utf-8")
    assert "Findings by area over runs" in html and "Open findings by age" in html
    traces = [t for figure in _figures(html) for t in figure if t.get("mode") == "lines+markers"]
    runs = {x for t in traces for x in t["x"]}
    assert runs == {"2026-11-20 06:00", "2026-11-20 06:00 (this run)"}
    day1 = (two_days["day1"] / "report" / "00_overview.html").read_text(encoding="utf-8")
    assert "Only this run so far" in day1, "a first run reads well without history"
