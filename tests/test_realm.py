"""Realm diagnosis per kind of link, on a hand-made raw folder: a re-link job ran against another
QBO company and rewrote only the Account -> Customer links; products and opportunities are intact.
Pooled together most links still fit (12 of 36 broken), so only judging each kind alone finds it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.config import ClientConfig
from sfqb_diag.pipeline import run_all
from sfqb_diag.sources.files import load_raw

PULLED_REALM = "9341453129486012"
OTHER_REALM = "4620816014173395"
NAMES = [
    "Acme Corp", "Brightline Foods", "Cobalt Mining", "Dunmore Legal", "Evergreen Dental",
    "Fairway Golf", "Granite Labs", "Harbor Freight Co", "Ironwood Tools", "Juniper Hotels",
    "Keystone Media", "Lumen Optics",
]  # fmt: skip
N = len(NAMES)


def _sfid(prefix: str, n: int) -> str:
    return f"{prefix}{n:012d}AAA"  # digits only: the case-safe suffix is AAA


def _csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_relinked_raw(folder: Path, relinked: bool, evidence: bool = True) -> Path:
    sf, qb = folder / "salesforce", folder / "quickbooks"
    sf.mkdir(parents=True)
    qb.mkdir()
    customer_ref = [str(901 + i) if relinked else str(1 + i) for i in range(N)]
    _csv(
        sf / "Account.csv",
        [
            {"Id": _sfid("001", i + 1), "Name": name, "QBO_Customer_Id__c": customer_ref[i]}
            for i, name in enumerate(NAMES)
        ],
    )
    _csv(
        sf / "Product2.csv",
        [
            {"Id": _sfid("01t", i + 1), "Name": f"{name} service plan", "QBO_Item_Id__c": 40 + i}
            for i, name in enumerate(NAMES)
        ],
    )
    _csv(
        sf / "Opportunity.csv",
        [
            {
                "Id": _sfid("006", i + 1),
                "AccountId": _sfid("001", i + 1),
                "Name": f"{name} renewal",
                "StageName": "Closed Won",
                "IsWon": "true",
                "IsClosed": "true",
                "CloseDate": "2026-03-01",
                "Amount": "1200.00",
                "CurrencyIsoCode": "USD",
                "QBO_Invoice_Id__c": 700 + i,
            }
            for i, name in enumerate(NAMES)
        ],
    )
    customers = [
        {"Id": str(1 + i), "DisplayName": name, "Active": True} for i, name in enumerate(NAMES)
    ]
    items = [
        {"Id": str(40 + i), "Name": f"{name} service plan", "Active": True, "Type": "Service"}
        for i, name in enumerate(NAMES)
    ]
    note = f"https://app.qbo.intuit.com/app/customerdetail?nameId=901&companyId={OTHER_REALM}"
    invoices = [
        {
            "Id": str(700 + i),
            "DocNumber": str(4100 + i),
            "TxnDate": "2026-03-02",
            "CustomerRef": {"value": str(1 + i), "name": name},
            "TotalAmt": 1200.0,
            "CurrencyRef": {"value": "USD"},
            # The connector names the opportunity; one note also carries a link pasted from
            # the other company's QBO (its companyId).
            "PrivateNote": f"SF {_sfid('006', i + 1)}" + (f" see {note}" if evidence and i == 0 else ""),
        }
        for i, name in enumerate(NAMES)
    ]  # fmt: skip
    for name, rows in (("Customer", customers), ("Item", items), ("Invoice", invoices)):
        (qb / f"{name}.json").write_text(json.dumps(rows), encoding="utf-8")
    manifest = {
        "pulled_at": "2026-11-20T06:00:00Z",
        "salesforce": {"org_id": "00D000000000042EAA", "is_sandbox": False},
        "quickbooks": {"realm_id": PULLED_REALM, "environment": "production"},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if evidence:
        _csv(
            folder / "sync_log.csv",
            [
                {
                    "timestamp": f"2026-11-1{d}T02:00:00Z",
                    "direction": "sf_to_qbo",
                    "sf_object": "Account",
                    "sf_id": _sfid("001", d + 1),
                    "qb_entity": "Customer",
                    "qb_id": str(901 + d),
                    "operation": "update",
                    "status": "success",
                    "error_code": "",
                    "message": f"POST https://quickbooks.api.intuit.com/v3/company/{OTHER_REALM}/customer",
                    "attempt": 1,
                }
                for d in range(3)
            ],
        )
    return folder


def _realm_findings(raw: Path) -> pd.DataFrame:
    as_of = pd.Timestamp("2026-11-20T06:00:00Z")
    findings = run_all(load_raw(raw), ClientConfig(), as_of, areas=("auth_env",)).findings
    return findings[findings["check"] == "realm_mismatch"]


def test_only_relinked_accounts_are_a_realm_mismatch_naming_the_other_company(
    tmp_path: Path,
) -> None:
    found = _realm_findings(write_relinked_raw(tmp_path / "raw", relinked=True))
    assert len(found) == 1
    row = found.iloc[0]
    assert row["area"] == "auth_env" and row["severity"] == "critical"
    assert OTHER_REALM in row["title"] and "Account -> Customer" in row["title"]
    assert "Product2" not in row["title"] and "Opportunity" not in row["title"]
    assert "Account -> Customer: 12 of 12 broken" in row["detail"]
    assert (
        "Product2 -> Item: 0 of 12 broken (0 point nowhere, 0 at unrelated names), fine"
        in row["detail"]
    )
    # Both places the data names the other company are counted: 3 sync-log lines, 1 note.
    assert "named 4 time(s) in QBO invoice PrivateNote, sync-log messages" in row["detail"]
    assert PULLED_REALM in row["detail"] and "customers findings" in row["detail"]


def test_without_evidence_the_mismatch_is_still_found_but_no_company_is_named(
    tmp_path: Path,
) -> None:
    found = _realm_findings(write_relinked_raw(tmp_path / "raw", relinked=True, evidence=False))
    assert len(found) == 1 and "company id" not in found.iloc[0]["detail"]
    assert found.iloc[0]["title"].endswith("another QuickBooks company")


@pytest.mark.parametrize("evidence", [True, False])
def test_intact_links_are_no_realm_mismatch(tmp_path: Path, evidence: bool) -> None:
    """A URL naming another company is not enough: the links themselves must not fit."""
    assert _realm_findings(write_relinked_raw(tmp_path / "raw", False, evidence)).empty


def test_the_company_the_pull_reached_is_not_named_as_the_other(tmp_path: Path) -> None:
    from sfqb_diag.checks.auth_env.realm import REALM_PATTERN

    text = pd.Series([f"GET /v3/company/{PULLED_REALM}/query", "realmId=1234567 x", "Id 42"])
    found = text.str.extractall(REALM_PATTERN)["realm"].tolist()
    assert found == [PULLED_REALM, "1234567"]


def test_without_the_pulled_realm_no_company_is_called_the_other(tmp_path: Path) -> None:
    raw = write_relinked_raw(tmp_path / "raw", relinked=True)
    manifest = json.loads((raw / "manifest.json").read_text())
    del manifest["quickbooks"]["realm_id"]
    (raw / "manifest.json").write_text(json.dumps(manifest))
    found = _realm_findings(raw)
    assert len(found) == 1 and OTHER_REALM not in found.iloc[0]["title"]
