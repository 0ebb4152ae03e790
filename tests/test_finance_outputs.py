"""What finance reads, checked on a tiny hand-made raw folder (`small_raw`), record by record:

  Account 1 Acme Corp   no link, no QBO customer; won deal "Acme - big deal" 12,000.00 USD, never
                        invoiced  -> won_not_invoiced (partial sync, 12,000.00) AND
                                     won_account_without_customer (customers): one deal, counted once
  Account 2 Globex Ltd  won deal 23,700.00 USD, never invoiced -> won_not_invoiced
  Customer 2 Globex Ltd, Customer 3 Initech (inactive)
  No Product2, Item, Invoice, Payment or sync_log files: products and sync jobs are not checked.

Money at risk is therefore 35,700.00 USD (not 47,700.00). The customers fixture of
tests/test_customers.py (`client()`) serves the duplicate and wrong-link advice.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_customers import AS_OF, client, sid
from typer.testing import CliRunner

from sfqb_diag.checks import CHECKS
from sfqb_diag.cli.app import app
from sfqb_diag.config import ClientConfig
from sfqb_diag.outputs.coverage import money_words, not_checked
from sfqb_diag.outputs.summary import Summary
from sfqb_diag.pipeline import CheckOptions, compute, run_all
from sfqb_diag.words import count_text, short_title

ACME, GLOBEX = "001Dn0000000001", "001Dn0000000002"


def _csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def small_raw(folder: Path) -> Path:
    """The raw folder of the module docstring."""
    raw = folder / "raw"
    (raw / "salesforce").mkdir(parents=True)
    (raw / "quickbooks").mkdir()
    _csv(
        raw / "salesforce" / "Account.csv",
        [
            {"Id": ACME, "Name": "Acme Corp", "BillingCity": "Boston", "QBO_Customer_Id__c": ""},
            {"Id": GLOBEX, "Name": "Globex Ltd", "BillingCity": "Paris", "QBO_Customer_Id__c": "2"},
        ],
    )
    deal = {
        "StageName": "Closed Won",
        "IsWon": "true",
        "IsClosed": "true",
        "CloseDate": "2026-09-01",
    }
    _csv(
        raw / "salesforce" / "Opportunity.csv",
        [
            {"Id": "006Dn0000000001", "Name": "Acme - big deal", "AccountId": ACME, **deal,
             "Amount": "12000", "CurrencyIsoCode": "USD", "QBO_Invoice_Id__c": ""},
            {"Id": "006Dn0000000002", "Name": "Globex - deal", "AccountId": GLOBEX, **deal,
             "Amount": "23700", "CurrencyIsoCode": "USD", "QBO_Invoice_Id__c": ""},
        ],
    )  # fmt: skip
    customers = [
        {"Id": "2", "DisplayName": "Globex Ltd", "Active": True, "BillAddr": {"City": "Paris"}},
        {"Id": "3", "DisplayName": "Initech", "Active": False},
    ]
    (raw / "quickbooks" / "Customer.json").write_text(json.dumps(customers), encoding="utf-8")
    return raw


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("small")
    raw = small_raw(folder)
    out = folder / "out"
    result = CliRunner().invoke(
        app, ["check", str(raw), "--out", str(out), "--as-of", "2026-11-20T06:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    return out, result.output


def test_one_unbilled_deal_is_money_at_risk_once(small_run) -> None:  # type: ignore[no-untyped-def]
    out, printed = small_run
    findings = pd.read_csv(out / "findings.csv", dtype=str, encoding="utf-8-sig")
    by_check = findings.set_index("check")
    # Both problems are reported (the deal unbilled, the account without a customer)...
    assert {"won_not_invoiced", "won_account_without_customer"} <= set(findings["check"])
    account = by_check.loc["won_account_without_customer"]
    assert pd.isna(account["amount_at_risk"]) and "12,000.00 USD" in account["detail"]
    # ...but the deal's 12,000.00 counts once in every total.
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["amount_at_risk"] == {"USD": "35700.00"}
    assert summary["amount_at_risk_by_area"]["customers"] == {}
    assert "money at risk: 35,700.00 USD" in printed and "47,700" not in printed
    start = load_workbook(out / "fix_list.xlsx")["Start here"]
    cells = [str(c) for row in start.iter_rows(values_only=True) for c in row if c is not None]
    assert any("35,700.00 USD" in c for c in cells) and not any("47,700" in c for c in cells)


def test_areas_without_their_files_say_not_checked(small_run) -> None:  # type: ignore[no-untyped-def]
    out, printed = small_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["checks_run"]["products"] == [] and summary["checks_run"]["sync_jobs"] == []
    assert "won_not_invoiced" in summary["checks_run"]["partial_sync"]
    lines = printed.splitlines()
    products = next(line for line in lines if line.startswith("products"))
    assert (
        "Not checked (no salesforce/Product2.csv" in products and "in the raw folder)" in products
    )
    # One line for all skipped checks, not one per check; customers has a finding but no money
    # (the account without a customer: its deal carries the amount, under partial sync).
    assert sum("not run" in line or line.startswith("skipped ") for line in lines) == 1
    assert "1 finding, none with an amount of money" in next(
        line for line in lines if line.startswith("customers")
    )
    book = load_workbook(out / "fix_list.xlsx")
    sheet = book["Products & lines"]
    assert str(sheet.cell(row=2, column=2).value).startswith("Not checked (no salesforce/Product2")
    start = [
        str(c)
        for row in book["Start here"].iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert "What was not checked" in start and "the whole area" in start
    assert any("quickbooks/Item.json" in c for c in start)
    headers = [c.value for c in book["Customers"][1]]
    assert "In home currency" in headers and "In home currency (home)" not in headers
    # A quiet area says how much of it ran, not a bare dash that reads as a clean bill of health.
    quiet = next(line for line in lines if line.startswith("auth_env"))
    ran = len(summary["checks_run"]["auth_env"])
    total = sum(1 for c in CHECKS if c.area == "auth_env")
    assert 0 < ran < total and f"nothing found ({ran} of {total} checks ran)" in quiet
    sheet = book["Connections & environments"]
    assert sheet.cell(row=2, column=2).value == f"Nothing found ({ran} of {total} checks ran)"


def test_money_words_tell_no_money_from_no_amounts() -> None:
    summary = Summary(
        as_of="2026-11-20T06:00:00+00:00",
        findings=3,
        by_area={"customers": {"critical": 0, "high": 0, "medium": 3, "low": 0, "info": 0}},
        amount_at_risk_by_area={"customers": {}},
        checks_run={"customers": ["qb_customer_duplicate"]},
    )
    assert money_words(summary) == "3 findings, none with an amount of money"
    assert money_words(summary, "customers") == "3 findings, none with an amount of money"
    empty = Summary(
        as_of=summary.as_of, by_area={"customers": dict.fromkeys(summary.by_area["customers"], 0)}
    )
    assert money_words(empty) == "no money at risk"
    # A summary written before checks_run existed: areas are judged from the catalogue.
    assert (
        not_checked(Summary.from_dict({"as_of": summary.as_of, "by_area": summary.by_area})) == {}
    )


def test_counts_and_titles_read_as_plain_words() -> None:
    assert count_text(pd.Series([1, 2, 0]), "won deal").tolist() == [
        "1 won deal",
        "2 won deals",
        "0 won deals",
    ]
    assert count_text(pd.Series([3]), "opportunity", "opportunities").tolist() == [
        "3 opportunities"
    ]
    long = "Enterprise support subscription for the northern region warehouse network, year two"
    cut = short_title(pd.Series([long, "Short name"])).tolist()
    assert cut[1] == "Short name"
    assert cut[0].endswith("…") and len(cut[0]) <= 61 and long.startswith(cut[0][:-1])
    assert long[len(cut[0]) - 1] == " "  # cut at a word boundary, never mid-word


def test_duplicate_advice_fits_the_copys_state() -> None:
    result = run_all(client(), ClientConfig(), AS_OF, areas=("customers",))
    dup = result.findings[result.findings["check"] == "qb_customer_duplicate"].set_index("qb_id")
    # Customer 8 is inactive and holds nothing: no "make it inactive" advice.
    assert "inactive" in dup.loc["8", "detail"]
    assert "Make it inactive" not in dup.loc["8", "suggested_action"]
    assert dup.loc["8", "suggested_action"].startswith("Nothing to do in QBO")
    assert dup.loc["2", "suggested_action"].startswith("Make it inactive, or merge")
    merges = result.outputs["remediation/qbo_customer_merges.csv"].set_index("merge_id")
    assert not merges.loc["8", "how"].startswith("Make it active")
    assert merges.loc["2", "how"].startswith("Rename it to 'Acme Plumbing, Inc.'")
    kept = result.outputs["matches/qb_customer_duplicates.csv"]
    reasons = kept.loc[kept["keep"].astype(bool), "reasons"].tolist()
    assert any(r.endswith(". Holds: no transactions") for r in reasons) and not any(
        "survivor:" in r for r in reasons
    )


def test_a_wrong_link_with_nothing_on_it_is_low_and_names_no_invoices() -> None:
    data = client()
    data.tables["invoices"] = data.tables["invoices"].iloc[0:0]  # the misposted invoice is gone
    result = run_all(data, ClientConfig(), AS_OF, areas=("customers",))
    wrong = result.findings[result.findings["check"] == "mislinked_account"].set_index("sf_id")
    row = wrong.loc[sid(1)]
    assert row["severity"] == "low"
    assert pd.isna(row["amount_at_risk_cents"]) and pd.isna(row["currency"])
    assert "move the invoices" not in row["suggested_action"]
    with_invoice = run_all(client(), ClientConfig(), AS_OF, areas=("customers",)).findings
    posted = (
        with_invoice[with_invoice["check"] == "mislinked_account"].set_index("sf_id").loc[sid(1)]
    )
    assert posted["severity"] == "critical" and "move the invoices" in posted["suggested_action"]


def test_compute_lists_checks_run_per_area(tmp_path: Path) -> None:
    raw = small_raw(tmp_path)
    run = compute(CheckOptions(raw=raw, out=tmp_path / "out", as_of="2026-11-20T06:00:00Z"))
    assert set(run.summary.checks_run) == set(run.summary.by_area)
    assert run.summary.checks_run["products"] == []
    assert Summary.from_dict(run.summary.to_dict()).checks_run == run.summary.checks_run


def test_area_pages_say_what_was_not_checked(small_run) -> None:  # type: ignore[no-untyped-def]
    from sfqb_diag import notebook as nb

    out, _ = small_run
    run = nb.open_run(out, out.parent / "raw", None)
    products = nb.checked(run, "products").data
    assert products.startswith("**Not checked (no salesforce/Product2.csv")
    assert "not because nothing is wrong" in products
    partial = nb.checked(run, "partial_sync").data
    assert re.search(r"\d+ of \d+ checks on this page did not run", partial)
    assert "quickbooks/Invoice.json" in partial
    assert nb.checked(run, "customers").data == ""


def test_a_link_to_the_same_name_in_the_same_city_is_confirmed_on_a_tiny_folder(small_run) -> None:  # type: ignore[no-untyped-def]
    """Two accounts, two customers: the random pairs that train u are half true pairs and every
    value is "as common as one in three". Neither may turn Globex Ltd (Paris) -> Globex Ltd
    (Paris) into a wrong link (it did: score 0.00, mislinked_account)."""
    out, _ = small_run
    findings = pd.read_csv(out / "findings.csv", dtype=str, encoding="utf-8-sig")
    assert "mislinked_account" not in set(findings["check"])
    matches = pd.read_csv(out / "matches" / "customers.csv", dtype=str, encoding="utf-8-sig")
    globex = matches.set_index("sf_id").loc[GLOBEX + "IAA"]
    assert globex["status"] == "linked_ok" and globex["qb_id"] == "2"
