"""Area auth_env: environment and realm mismatch, Ids written by other orgs, 15-char Ids, tokens,
API versions, endpoints, currency setup.

Unit tests build a tiny Dataset by hand (`_world`): 20 accounts linked to 20 matching customers,
5 products linked to 5 items, 10 opportunities linked to 10 invoices that name them in
PrivateNote, all in one production org and one production QBO company, token and versions
healthy. Each test changes one thing and states it. The demo tests at the end run the real
generator in its three variants.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.checks.base import Context
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import to_18
from sfqb_diag.pipeline import run_all

AS_OF = pd.Timestamp("2026-11-20T06:00:00Z")
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def sfid(prefix: str, n: int, pod: str = "Dn") -> str:
    """A valid 18-char Id: key prefix, pod, '0', a 9-char base-62 counter."""
    digits = ""
    for _ in range(9):
        digits = B62[n % 62] + digits
        n //= 62
    return to_18(prefix + pod + "0" + digits)


def _ts(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True)


def _world(n_acc: int = 20) -> Dataset:
    names = [f"Company {chr(65 + i)}{chr(75 + i % 10)} Holdings" for i in range(n_acc)]
    acc_ids = [sfid("001", 1000 + i) for i in range(n_acc)]
    accounts = pd.DataFrame(
        {
            "id": acc_ids,
            "name": names,
            "qb_customer_id": [str(i + 1) for i in range(n_acc)],
            "is_deleted": False,
            "currency": "USD",
            "created_date": _ts(["2025-01-01T00:00:00Z"] * n_acc),
        }
    ).astype({"name": "string"})
    customers = pd.DataFrame(
        {
            "id": [str(i + 1) for i in range(n_acc)],
            "display_name": names,
            "company_name": names,
            "currency": "USD",
        }
    ).astype("string")
    products = pd.DataFrame(
        {
            "id": [sfid("01t", 50 + i) for i in range(5)],
            "name": [f"Widget model {w}" for w in "ABCDE"],
            "qb_item_id": ["1", "2", "3", "4", "5"],
            "is_deleted": False,
            "created_date": _ts(["2025-01-01"] * 5),
        }
    )
    items = pd.DataFrame(
        {"id": ["1", "2", "3", "4", "5"], "name": [f"Widget model {w}" for w in "ABCDE"]}
    )
    opp_ids = [sfid("006", 500 + i) for i in range(10)]
    opps = pd.DataFrame(
        {
            "id": opp_ids,
            "account_id": acc_ids[:10],
            "name": [f"Deal {i}" for i in range(10)],
            "qb_invoice_id": [str(100 + i) for i in range(10)],
            "is_deleted": False,
            "currency": "USD",
            "amount_cents": pd.array([100_00] * 10, dtype="Int64"),
            "created_date": _ts(["2026-01-01T00:00:00Z"] * 10),
        }
    )
    invoices = pd.DataFrame(
        {
            "id": [str(100 + i) for i in range(10)],
            "customer_id": [str(i + 1) for i in range(10)],
            "customer_name": names[:10],
            "private_note": [f"SF Opportunity {o}" for o in opp_ids],
            "create_time": _ts(["2026-02-01T00:00:00Z"] * 10),
            "total_cents": pd.array([100_00] * 10, dtype="Int64"),
            "currency": "USD",
        }
    )
    company = pd.DataFrame({"id": ["1"], "company_name": ["Northwind Outfitters LLC"]})
    prefs = pd.DataFrame(
        {
            "id": ["1"],
            "multicurrency_enabled": pd.array([True], dtype="boolean"),
            "home_currency": ["USD"],
        }
    )
    manifest = {
        "salesforce": {
            "instance_url": "https://northwind.my.salesforce.com",
            "is_sandbox": False,
            "org_id": "00DDn000000bN7xMAE",
            "api_version": "62.0",
            "username": "integration@northwind.com",
        },
        "quickbooks": {
            "realm_id": "9341453129486012",
            "environment": "production",
            "base_url": "https://quickbooks.api.intuit.com",
            "minorversion": 75,
            "refresh_token_issued_at": "2026-11-11T01:00:00Z",
            "access_token_expires_at": "2026-11-20T06:40:00Z",
        },
        "pulled_at": "2026-11-20T06:00:00Z",
    }
    tables = {
        "accounts": accounts,
        "customers": customers,
        "products": products,
        "items": items,
        "opportunities": opps,
        "invoices": invoices,
        "company_info": company,
        "preferences": prefs,
    }
    return Dataset(tables=tables, manifest=manifest, files={t: t for t in tables})


def _run(data: Dataset) -> pd.DataFrame:
    return run_all(data, ClientConfig(), AS_OF, areas=("auth_env",)).findings


def _of(findings: pd.DataFrame, check: str) -> pd.DataFrame:
    return findings[findings["check"] == check]


def test_clean_world_has_no_findings():
    findings = _run(_world())
    assert findings.empty, findings[["check", "title"]].to_string()


# ---- environment -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {
            "salesforce": {
                "is_sandbox": True,
                "instance_url": "https://northwind--uat.sandbox.my.salesforce.com",
            }
        },
        {"salesforce": {"is_sandbox": None, "instance_url": "https://test.salesforce.com"}},
        {
            "quickbooks": {
                "environment": "sandbox",
                "base_url": "https://sandbox-quickbooks.api.intuit.com",
            }
        },
    ],
)
def test_environment_mismatch_is_one_critical_aggregate(change):
    """A sandbox on either side, production on the other."""
    data = _world()
    for side, values in change.items():
        data.manifest[side].update(values)
    found = _of(_run(data), "environment_mismatch")
    assert len(found) == 1
    row = found.iloc[0]
    assert row["severity"] == "critical" and pd.isna(row["sf_id"]) and pd.isna(row["qb_id"])
    assert "sandbox" in row["title"] and "production" in row["title"]


def test_sandbox_company_name_reveals_a_sandbox_realm():
    """The config says production, but the company that answered is Intuit's sandbox company."""
    data = _world()
    data.tables["company_info"]["company_name"] = ["Sandbox Company_US_1"]
    findings = _run(data)
    assert len(_of(findings, "environment_mismatch")) == 1
    conflict = _of(findings, "environment_evidence_conflict")
    assert len(conflict) == 1 and conflict.iloc[0]["severity"] == "medium"


def test_both_sandboxes_is_not_a_mismatch():
    data = _world()
    data.manifest["salesforce"]["is_sandbox"] = True
    data.manifest["salesforce"]["instance_url"] = "https://northwind--uat.sandbox.my.salesforce.com"
    data.manifest["quickbooks"].update(
        environment="sandbox", base_url="https://sandbox-quickbooks.api.intuit.com"
    )
    assert _of(_run(data), "environment_mismatch").empty


def test_no_manifest_no_environment_verdict():
    data = _world()
    data.manifest = {}
    assert _of(_run(data), "environment_mismatch").empty


# ---- realm -------------------------------------------------------------------------------------


def test_realm_mismatch_when_links_point_nowhere():
    """Every stored customer and item link is an Id this company does not have."""
    data = _world()
    data.tables["accounts"]["qb_customer_id"] = [str(900 + i) for i in range(20)]
    data.tables["products"]["qb_item_id"] = [str(900 + i) for i in range(5)]
    found = _of(_run(data), "realm_mismatch")
    assert len(found) == 1
    row = found.iloc[0]
    assert row["severity"] == "critical" and pd.isna(row["sf_id"]) and pd.isna(row["qb_id"])
    assert "Account -> Customer: 20 of 20 broken" in row["detail"] and "customers" in row["detail"]
    assert "Product2 -> Item: 5 of 5 broken" in row["detail"]  # 5 links: too few to judge alone
    assert "too few to judge" in row["detail"]
    assert "do not exist" in row["detail"]


def test_realm_mismatch_when_links_land_on_unrelated_names():
    """Same Ids, but the company holding them has other customers: the links were made elsewhere."""
    data = _world()
    data.tables["customers"]["display_name"] = [f"Zeta Quarry {i} Bakery" for i in range(20)]
    data.tables["customers"]["company_name"] = pd.NA
    data.tables["invoices"]["customer_name"] = [f"Zeta Quarry {i} Bakery" for i in range(10)]
    found = _of(_run(data), "realm_mismatch")
    assert len(found) == 1 and "another QuickBooks company" in found.iloc[0]["detail"]


def test_a_few_broken_links_are_not_a_realm_mismatch():
    data = _world()
    data.tables["accounts"].loc[:2, "qb_customer_id"] = ["901", "902", "903"]
    assert _of(_run(data), "realm_mismatch").empty


def test_link_resolution_classifies_each_link():
    from sfqb_diag.checks.auth_env.facts import link_resolution, link_resolution_rates

    data = _world()
    data.tables["accounts"].loc[0, "qb_customer_id"] = "999"
    data.tables["customers"].loc[1, ["display_name", "company_name"]] = [
        "Totally Different Bakery",
        pd.NA,
    ]
    resolution = link_resolution(data)
    by_id = resolution.set_index("sf_id")["status"]
    acc = data["accounts"]["id"]
    assert (
        by_id[acc[0]] == "unresolved"
        and by_id[acc[1]] == "unrelated"
        and by_id[acc[2]] == "resolves"
    )
    rates = link_resolution_rates(resolution).set_index("link")
    assert rates.loc["Account -> Customer", "linked"] == 20
    assert rates.loc["Account -> Customer", "bad_share"] == pytest.approx(0.1)
    assert rates.loc["Opportunity -> Invoice", "resolves"] == 10


# ---- Ids written on the QBO side ---------------------------------------------------------------


def test_invoice_naming_an_opportunity_from_another_org():
    """Invoice 100 names an opportunity numbered on pod 8b, which this org never had."""
    data = _world()
    foreign = sfid("006", 77, pod="8b")
    data.tables["invoices"].loc[0, "private_note"] = f"SF Opportunity {foreign}"
    found = _of(_run(data), "cross_environment_write")
    assert len(found) == 1
    row = found.iloc[0]
    assert (row["qb_entity"], row["qb_id"], row["sf_id"]) == ("Invoice", "100", foreign)
    assert row["severity"] == "critical"
    assert row["amount_at_risk_cents"] == 100_00 and row["currency"] == "USD"
    assert "pod 8b" in row["detail"]


def test_opportunity_created_after_its_invoice():
    """The named opportunity exists, but was created a month after the invoice naming it."""
    data = _world()
    data.tables["opportunities"].loc[3, "created_date"] = pd.Timestamp("2026-03-01", tz="UTC")
    found = _of(_run(data), "cross_environment_write")
    assert list(found["qb_id"]) == ["103"] and "after the QBO record" in found.iloc[0]["detail"]


def test_customer_note_naming_a_missing_account():
    data = _world()
    data.tables["customers"]["notes"] = pd.Series([pd.NA] * 20, dtype="string")
    data.tables["customers"].loc[4, "notes"] = "Salesforce Account " + sfid("001", 4242, pod="8b")
    found = _of(_run(data), "cross_environment_write")
    assert list(zip(found["qb_entity"], found["qb_id"], strict=True)) == [("Customer", "5")]
    assert found.iloc[0]["severity"] == "high"  # a name record: no money booked by it


def test_short_ids_on_the_qbo_side():
    """Invoice 101 stores its opportunity's 15-char Id; invoice 102 one whose case was lost."""
    data = _world()
    opp = data["opportunities"]["id"]
    data.tables["invoices"].loc[1, "private_note"] = f"SF Opportunity {opp[1][:15]}"
    data.tables["invoices"].loc[2, "private_note"] = f"SF Opportunity {opp[2][:15].lower()}"
    findings = _run(data)
    short = _of(findings, "short_id_on_qbo").set_index("qb_id")
    assert short.loc["101", "severity"] == "low" and short.loc["101", "sf_id"] == opp[1]
    assert short.loc["102", "severity"] == "medium" and short.loc["102", "sf_id"] == opp[2]
    assert _of(findings, "cross_environment_write").empty  # a mangled form is not a foreign Id


def test_ids_colliding_when_case_is_lost():
    """Accounts 0 and 19 have 15-char Ids that differ only in case: harmless until a 15-char copy
    is stored where case is lost (customer 1's notes)."""
    data = _world()
    first = data["accounts"]["id"][0]
    base = first[:15]
    pos = max(i for i, c in enumerate(base) if c.isalpha())
    twin = to_18(base[:pos] + base[pos].swapcase() + base[pos + 1 :])
    data.tables["accounts"].loc[19, "id"] = twin
    assert _of(_run(data), "id_case_collision").empty
    data.tables["customers"]["notes"] = pd.Series([pd.NA] * 20, dtype="string")
    data.tables["customers"].loc[0, "notes"] = "SF " + base
    findings = _run(data)
    collision = _of(findings, "id_case_collision")
    assert list(
        zip(collision["sf_id"], collision["qb_id"], collision["severity"], strict=True)
    ) == [(first, "1", "medium")]
    assert twin in collision.iloc[0]["detail"]
    assert _of(findings, "short_id_on_qbo").empty  # one problem, reported once


# ---- tokens, versions, endpoints ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued", "severity"),
    [
        ("2026-08-01T00:00:00Z", "high"),
        ("2026-08-20T00:00:00Z", "medium"),
        ("2026-11-11T00:00:00Z", None),
    ],
)
def test_refresh_token_expiry(issued, severity):
    data = _world()
    data.manifest["quickbooks"]["refresh_token_issued_at"] = issued
    found = _of(_run(data), "refresh_token_expiry")
    assert list(found["severity"]) == ([severity] if severity else [])


def test_access_token_expired():
    data = _world()
    data.manifest["quickbooks"]["access_token_expires_at"] = "2026-11-20T04:00:00Z"
    found = _of(_run(data), "access_token_expired")
    assert len(found) == 1 and found.iloc[0]["severity"] == "low"


def test_versions_and_endpoints_from_manifest():
    data = _world()
    data.manifest["quickbooks"]["minorversion"] = 65
    data.manifest["salesforce"].update(
        api_version="29.0", instance_url="https://na12.salesforce.com"
    )
    findings = _run(data)
    assert _of(findings, "minorversion_below_floor")["title"].str.contains("65").all()
    retired = _of(findings, "retired_api_version")
    assert list(retired["severity"]) == ["high"] and "29.0" in retired.iloc[0]["title"]
    assert len(_of(findings, "hardcoded_pod_url")) == 1


def test_versions_and_endpoints_from_sync_log():
    data = _world()
    data.tables["sync_log"] = pd.DataFrame(
        {
            "timestamp": _ts(["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"]),
            "error_code": ["", ""],
            "status": ["ok", "ok"],
            "message": [
                "POST https://eu5.salesforce.com/services/data/v18.0/sobjects/Opportunity",
                "POST https://quickbooks.api.intuit.com/v3/company/1/invoice?minorversion=40",
            ],
        }
    )
    findings = _run(data)
    assert list(_of(findings, "retired_api_version")["title"]) == [
        "Salesforce API version 18.0 retired"
    ]
    assert len(_of(findings, "minorversion_below_floor")) == 1
    assert list(_of(findings, "hardcoded_pod_url")["line_id"]) == ["eu5"]


def test_auth_failure_burst():
    """Five 3200 faults within an hour, then a lone 401 days later (a blip, not an outage)."""
    stamps = [f"2026-10-05T10:{m:02d}:00Z" for m in (0, 10, 20, 30, 40)] + ["2026-10-09T00:00:00Z"]
    data = _world()
    data.tables["sync_log"] = pd.DataFrame(
        {
            "timestamp": _ts(stamps),
            "error_code": ["3200"] * 5 + ["401"],
            "status": "error",
            "message": "AuthenticationFailed",
        }
    )
    found = _of(_run(data), "auth_failure_burst")
    assert len(found) == 1 and found.iloc[0]["detail"].startswith("5 calls")


def test_multicurrency_off_with_foreign_deals():
    data = _world()
    data.tables["preferences"]["multicurrency_enabled"] = pd.array([False], dtype="boolean")
    data.tables["opportunities"].loc[:2, "currency"] = "EUR"
    found = _of(_run(data), "multicurrency_mismatch")
    assert len(found) == 1
    row = found.iloc[0]
    assert (
        row["currency"] == "EUR"
        and row["amount_at_risk_cents"] == 300_00
        and row["severity"] == "high"
    )


def test_bare_inputs_give_no_findings_and_no_errors():
    """A lone Customer file and no manifest: nothing to judge, nothing invented."""
    customers = pd.DataFrame({"id": ["1"], "display_name": ["Acme"]}).astype("string")
    findings = _run(
        Dataset(tables={"customers": customers}, files={"customers": "quickbooks/Customer.json"})
    )
    assert findings.empty


def test_notebook_helpers_on_bare_inputs():
    from sfqb_diag.checks.auth_env.facts import (
        environment_cards,
        link_resolution,
        link_resolution_rates,
        token_timeline,
    )

    data = Dataset(tables={"customers": pd.DataFrame({"id": ["1"], "display_name": ["Acme"]})})
    assert set(environment_cards(data)["verdict"]) == {"unknown"}
    assert link_resolution_rates(link_resolution(data)).empty
    assert token_timeline(data, AS_OF).empty
    full = token_timeline(_world(), AS_OF)
    assert "refresh token dies if unused (100 days)" in set(full["event"])


def test_sandbox_copy_behind_production():
    """Salesforce is a sandbox copied before production won deal 0 (invoice 100 names it) and before
    production created customer 21 for account 19, whose link the copy lacks."""
    data = _world()
    data.manifest["salesforce"].update(
        is_sandbox=True, instance_url="https://northwind--uat.sandbox.my.salesforce.com"
    )
    data.tables["opportunities"]["is_won"] = pd.array([True] * 10, dtype="boolean")
    data.tables["opportunities"].loc[0, ["is_won", "qb_invoice_id"]] = [False, pd.NA]
    data.tables["opportunities"]["stage_name"] = "Closed Won"
    data.tables["opportunities"].loc[0, "stage_name"] = "Negotiation/Review"
    data.tables["customers"]["create_time"] = _ts(["2025-01-02T00:00:00Z"] * 20)
    accounts = data.tables["accounts"]
    accounts.loc[19, "qb_customer_id"] = pd.NA
    data.tables["customers"].loc[19, "create_time"] = pd.Timestamp("2026-06-01", tz="UTC")
    findings = _run(data)
    behind = _of(findings, "sandbox_behind_production")
    pairs = set(zip(behind["sf_id"], behind["qb_entity"], behind["qb_id"], strict=True))
    assert pairs == {
        (data["opportunities"]["id"][0], "Invoice", "100"),
        (accounts["id"][19], "Customer", "20"),
    }
    assert set(behind["severity"]) == {"high"}
    assert len(_of(findings, "environment_mismatch")) == 1
    data.manifest["salesforce"].update(
        is_sandbox=False, instance_url="https://northwind.my.salesforce.com"
    )
    assert _of(
        _run(data), "sandbox_behind_production"
    ).empty  # same data, production: partial_sync's business


def test_context_used_directly():
    """Checks are plain functions of a Context (what notebooks and the engine call)."""
    from sfqb_diag.checks.auth_env.environment import environment_mismatch

    data = _world()
    data.manifest["salesforce"]["is_sandbox"] = True
    assert len(environment_mismatch(Context(data=data, config=ClientConfig(), as_of=AS_OF))) == 1


# ---- the demo, in its three variants -----------------------------------------------------------

VARIANT_SIZE = 400


@pytest.fixture(scope="module")
def variant_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[pd.DataFrame, dict]]:
    """Each variant generated at a small size and checked (auth_env only), once per module."""
    from sfqb_demo.generator import generate_demo
    from sfqb_diag.pipeline import CheckOptions, compute

    runs = {}
    for variant in ("clean", "env_mismatch", "realm_mismatch"):
        folder = tmp_path_factory.mktemp(variant)
        generate_demo(folder, size=VARIANT_SIZE, seed=7, variant=variant)
        run = compute(CheckOptions(raw=folder / "raw", out=folder / "out", areas=("auth_env",)))
        runs[variant] = (
            run.result.findings,
            json.loads((folder / "truth.json").read_text(encoding="utf-8")),
        )
    return runs


def _critical_aggregates(findings: pd.DataFrame, check: str) -> pd.DataFrame:
    rows = findings[(findings["area"] == "auth_env") & (findings["check"] == check)]
    return rows[(rows["severity"] == "critical") & rows["sf_id"].isna() & rows["qb_id"].isna()]


@pytest.mark.parametrize(
    ("variant", "check"),
    [("env_mismatch", "environment_mismatch"), ("realm_mismatch", "realm_mismatch")],
)
def test_variant_mismatch_is_a_critical_aggregate(variant_runs, variant, check):
    findings, _ = variant_runs[variant]
    assert len(_critical_aggregates(findings, check)) == 1


def test_clean_variant_has_no_mismatch(variant_runs):
    findings, _ = variant_runs["clean"]
    for check in ("environment_mismatch", "realm_mismatch"):
        assert _critical_aggregates(findings, check).empty


@pytest.mark.parametrize("variant", ["clean", "env_mismatch", "realm_mismatch"])
def test_every_auth_env_defect_found(variant_runs, variant):
    from scorer import score_findings

    findings, truth = variant_runs[variant]
    score = score_findings(findings, truth, "auth_env")
    assert score.recall >= 0.95, (score.by_kind, score.missed[:5])
    assert score.clean_flag_rate <= 0.01
    assert not score.lookalikes_flagged, score.lookalikes_flagged[:5]


def test_default_demo_auth_env(demo_run, truth):
    """The default-size clean demo: every auth_env defect kind found, no whole-org mismatch."""
    from scorer import score_findings

    findings = demo_run.result.findings
    score = score_findings(findings, truth, "auth_env")
    assert score.recall >= 0.95, (score.by_kind, score.missed[:5])
    for kind in score.by_kind:
        assert score.kind_recall(kind) >= 0.95, kind
    assert _critical_aggregates(findings, "environment_mismatch").empty
    assert _critical_aggregates(findings, "realm_mismatch").empty


def test_checks_never_read_the_truth_file():
    """The checks see the raw folder only; truth.json is for the scorer."""
    folder = Path(__file__).resolve().parents[1] / "sfqb_diag" / "checks"
    source = "\n".join(p.read_text(encoding="utf-8") for p in folder.glob("auth_env*.py"))
    assert "truth" not in source and "sources.demo" not in source


def test_default_demo_soap_login_and_lookalikes(demo_run, demo_dir, truth):
    """The demo's LoginHistory: the integration user's nightly SOAP login at API 38.0 is one
    medium finding (before Summer '27); its OAuth logins, a person's browser logins and a
    person's failed SOAP login (Data Loader, API 59.0) name nothing."""
    assert {"soap_login_in_use"} <= {d["kind"] for d in truth["defects"]}
    looks = {la["kind"] for la in truth["lookalikes"] if la["area"] == "auth_env"}
    assert {"oauth_login_of_integration", "browser_login", "failed_soap_login"} <= looks
    history = pd.read_csv(demo_dir / "raw" / "salesforce" / "LoginHistory.csv", dtype=str)
    soap = history[history["ApiType"] == "SOAP Partner"]
    integration = soap.loc[soap["Status"] == "Success", "UserId"].unique()
    person = history.loc[history["LoginType"] == "Application", "UserId"].unique()
    assert len(integration) == 1 and len(person) == 1
    f = demo_run.result.findings
    rows = f[f["check"] == "soap_login_in_use"]
    assert len(rows) == 1 and rows["severity"].iloc[0] == "medium"
    assert "API 38.0" in rows["title"].iloc[0]
    assert integration[0] in rows["detail"].iloc[0]
    assert "31.0-40.0" in rows["detail"].iloc[0]  # the version's own retirement is named
    text = " ".join(f["title"].fillna("") + " " + f["detail"].fillna(""))
    assert person[0] not in text
    assert "API 59.0" not in text and "DataLoader" not in text
