"""The loopback stand-in: wire formats, paging, defaults, throttling, faults, refused writes."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.login import SalesforceLogin

from sfqb_demo.standin import StandIn, parse_faults
from sfqb_demo.standin.faults import Throttle
from sfqb_demo.standin.query import parse
from sfqb_diag.config import load_config
from sfqb_diag.errors import UsageError

ACCOUNTS = """Id,Name,Type,IsDeleted,MasterRecordId,QBO_Customer_Id__c,BillingCity,CreatedDate
001000000000001AAA,Acme Corp,Customer,false,,1,Paris,2024-01-02T10:00:00.000+0000
001000000000002AAA,"Beta, Inc",,TRUE,001000000000001AAA,2,,2024-01-03T10:00:00.000+0000
001000000000003AAA,Gamma “Ltd”,Prospect,false,,,Zürich,2024-01-04T10:00:00.000+0000
001000000000004AAA,Delta,,false,,42,,
"""
OPPORTUNITIES = """Id,AccountId,Name,StageName,IsWon,IsClosed,CloseDate,Amount,CurrencyIsoCode,QBO_Invoice_Id__c,QBO_Sync_Status__c
006000000000001AAA,001000000000001AAA,Acme renewal,Closed Won,true,true,2024-02-01,1500.50,USD,130,Synced
006000000000002AAA,001000000000003AAA,Gamma new,Prospecting,false,false,2024-03-01,99.99,EUR,,
006000000000003AAA,001000000000004AAA,Delta big,Closed Won,TRUE,TRUE,2024-03-05,1000000,USD,,Error
"""
PRODUCTS = """Id,Name,ProductCode,IsActive,QBO_Item_Id__c
01t000000000001AAA,Widget,W-1,true,7
01t000000000002AAA,Gadget,,false,
"""


def customers(n_extra: int = 0) -> list[dict]:
    """Two hand-written customers (one inactive, as QBO marks deleted ones) plus generated extras."""
    rows = [
        {
            "Id": "1",
            "DisplayName": "Acme Corp",
            "Active": True,
            "SyncToken": "3",
            "BillAddr": {"City": "Paris"},
            "CurrencyRef": {"value": "USD"},
            "Balance": 12.5,
            "MetaData": {"CreateTime": "2024-01-02T02:00:00-08:00"},
        },
        {"Id": "2", "DisplayName": "Beta, Inc (deleted)", "Active": False, "SyncToken": "0"},
    ]
    rows += [
        {"Id": str(100 + i), "DisplayName": f"Customer {i}", "Active": i % 7 != 0, "SyncToken": "0"}
        for i in range(n_extra)
    ]
    return rows


def write_small_raw(folder: Path, n_extra_customers: int = 0) -> Path:
    """A raw folder written by hand (not by the demo generator): deleted/merged accounts, mixed-case
    booleans, quoted commas, non-ASCII names, inactive customers, an invoice with lines."""
    (folder / "salesforce").mkdir(parents=True)
    (folder / "quickbooks").mkdir()
    (folder / "salesforce" / "Account.csv").write_text(ACCOUNTS, encoding="utf-8-sig")
    (folder / "salesforce" / "Opportunity.csv").write_text(OPPORTUNITIES, encoding="utf-8")
    (folder / "salesforce" / "Product2.csv").write_text(PRODUCTS, encoding="utf-8")
    (folder / "quickbooks" / "Customer.json").write_text(
        json.dumps(customers(n_extra_customers)), encoding="utf-8"
    )
    invoice = {
        "Id": "130",
        "DocNumber": "1001",
        "TxnDate": "2024-02-02",
        "CustomerRef": {"value": "1"},
        "TotalAmt": 1500.5,
        "PrivateNote": "SF 006000000000001AAA",
        "Line": [
            {
                "Id": "1",
                "LineNum": 1,
                "Amount": 1500.5,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "7"}, "Qty": 1, "UnitPrice": 1500.5},
            },
            {"Amount": 1500.5, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
        ],
    }
    page = {
        "QueryResponse": {"Invoice": [invoice], "startPosition": 1, "maxResults": 1},
        "time": "x",
    }
    (folder / "quickbooks" / "Invoice.json").write_text(json.dumps(page), encoding="utf-8")
    (folder / "quickbooks" / "Item.jsonl").write_text(
        json.dumps(
            {"Id": "7", "Name": "Widget", "Active": True, "UnitPrice": 1500.5, "Type": "Service"}
        )
        + "\n"
        + json.dumps({"Id": "8", "Name": "Old", "Active": False})
        + "\n",
        encoding="utf-8",
    )
    payment = {
        "Id": "501",
        "TxnDate": "2024-02-10",
        "CustomerRef": {"value": "1"},
        "TotalAmt": 1500.5,
        "UnappliedAmt": 0,
        "Line": [{"Amount": 1500.5, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}],
    }
    (folder / "quickbooks" / "Payment.json").write_text(json.dumps([payment]), encoding="utf-8")
    manifest = {
        "pulled_at": "2024-06-30T12:00:00Z",
        "salesforce": {"org_id": "00D000000000042EAA", "is_sandbox": False},
        "quickbooks": {"realm_id": "4620816365000000042", "environment": "production"},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture()
def standin(tmp_path: Path):
    with StandIn(write_small_raw(tmp_path / "raw"), page_size=2) as server:
        yield server


def _sf(server: StandIn) -> Salesforce:
    session = requests.Session()
    session.verify = str(server.ca_bundle)
    session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise win over session.verify
    sid, instance = SalesforceLogin(
        username="u",
        password="p",
        security_token="t",
        sf_version="62.0",
        session=session,
        scratch_url=server.url,
    )
    return Salesforce(
        session_id=sid, instance_url=f"https://{instance}", session=session, version="62.0"
    )


def _qbo(server: StandIn, sql: str, token: str | None = None) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    if token is None:
        token = session.post(
            f"{server.url}/oauth2/v1/tokens/bearer",
            auth=("id", "secret"),
            verify=server.ca_bundle,
            data={"grant_type": "refresh_token", "refresh_token": uuid.uuid4().hex},
        ).json()["access_token"]
    return session.post(
        f"{server.url}/v3/company/{server.state.realm_id}/query?minorversion=75",
        data=sql,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        verify=server.ca_bundle,
    )


@pytest.mark.parametrize(
    ("text", "dialect", "fields", "source", "count"),
    [
        (
            "SELECT Id, Name FROM Account WHERE IsDeleted = false LIMIT 5",
            "soql",
            ["Id", "Name"],
            "Account",
            False,
        ),
        ("SELECT COUNT() FROM Opportunity", "soql", [], "Opportunity", True),
        (
            "select * from Customer where Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000",
            "qbo",
            ["*"],
            "Customer",
            False,
        ),
        ("SELECT COUNT(*) FROM Invoice", "qbo", [], "Invoice", True),
    ],
)
def test_query_subset_parses(
    text: str, dialect: str, fields: list[str], source: str, count: bool
) -> None:
    query = parse(text, dialect)
    assert (query.fields, query.source, query.count) == (fields, source, count)


def test_tls_needs_the_stand_in_certificate(standin: StandIn) -> None:
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{standin.url}/services/data/", verify=True)
    assert session.get(f"{standin.url}/services/data/", verify=standin.ca_bundle).status_code == 200


def test_salesforce_select_query_queryall_and_paging(standin: StandIn) -> None:
    sf = _sf(standin)
    live = sf.query_all("SELECT Id, Name FROM Account")
    everything = sf.query_all("SELECT Id, Name, IsDeleted FROM Account", include_deleted=True)
    assert (
        live["totalSize"] == 3 and everything["totalSize"] == 4
    )  # the merged account only in queryAll
    assert set(live["records"][0]) == {"attributes", "Id", "Name"}  # SELECTed fields only
    assert (
        everything["records"][1]["IsDeleted"] is True
    )  # "TRUE" in the file, a JSON boolean on the wire
    first = sf.query("SELECT Id FROM Account", include_deleted=True)
    assert len(first["records"]) == 2 and first["nextRecordsUrl"].startswith(
        "/services/data/v62.0/query/"
    )
    assert sf.query("SELECT COUNT() FROM Opportunity")["totalSize"] == 3
    assert sf.api_usage["api-usage"].total == 100_000


def test_salesforce_bulk2_query_pages_with_locator(standin: StandIn) -> None:
    sf = _sf(standin)
    pages = list(sf.bulk2.Account.query_all("SELECT Id, Name FROM Account", max_records=3, wait=0))
    assert len(pages) == 2
    assert pages[0].splitlines()[0] == '"Id","Name"' and len(pages[1].splitlines()) == 2


def test_qbo_defaults_active_only_and_100_rows(tmp_path: Path) -> None:
    with StandIn(write_small_raw(tmp_path / "raw", n_extra_customers=250)) as server:
        default = _qbo(server, "SELECT * FROM Customer").json()["QueryResponse"]
        assert len(default["Customer"]) == 100 and all(
            c.get("Active", True) for c in default["Customer"]
        )
        count = _qbo(server, "SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)").json()
        assert count["QueryResponse"]["totalCount"] == 252
        page = _qbo(
            server,
            "SELECT * FROM Customer WHERE Active IN (true,false) STARTPOSITION 251 MAXRESULTS 1000",
        )
        assert [c["Id"] for c in page.json()["QueryResponse"]["Customer"]] == ["348", "349"]
        assert (
            _qbo(server, "SELECT * FROM Customer STARTPOSITION 900").json()["QueryResponse"] == {}
        )
        too_many = _qbo(server, "SELECT * FROM Customer MAXRESULTS 1001")
        assert (
            too_many.status_code == 400 and too_many.json()["Fault"]["Error"][0]["code"] == "4001"
        )


def test_refresh_token_rotates_and_the_old_one_is_refused(standin: StandIn) -> None:
    def post(token: str) -> requests.Response:
        return requests.post(
            f"{standin.url}/oauth2/v1/tokens/bearer",
            auth=("id", "secret"),
            verify=standin.ca_bundle,
            data={"grant_type": "refresh_token", "refresh_token": token},
        )

    first = post("seed").json()
    assert first["refresh_token"] != "seed"
    refused = post("seed")
    assert refused.status_code == 400 and refused.json() == {"error": "invalid_grant"}
    assert post(first["refresh_token"]).status_code == 200


def test_throttle_answers_xml_429_with_retry_after(tmp_path: Path) -> None:
    with StandIn(write_small_raw(tmp_path / "raw"), per_minute=3) as server:
        statuses = [_qbo(server, "SELECT COUNT(*) FROM Item") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[3].text.startswith("<?xml") and 'code="3001"' in statuses[3].text
    assert 0 < float(statuses[3].headers["Retry-After"]) <= 60


def test_concurrent_requests_are_capped(tmp_path: Path) -> None:
    """QBO allows 10 in flight per realm (the default); with a cap of 2, a third slow call gets a 429."""
    raw = write_small_raw(tmp_path / "raw")
    with StandIn(raw, concurrent=2, faults="qbo:slow@1x4=1.0") as server:
        token = requests.post(
            f"{server.url}/oauth2/v1/tokens/bearer",
            auth=("id", "s"),
            verify=server.ca_bundle,
            data={"grant_type": "refresh_token", "refresh_token": "x"},
        ).json()["access_token"]
        results: list[int] = []
        threads = [
            threading.Thread(
                target=lambda: results.append(
                    _qbo(server, "SELECT COUNT(*) FROM Item", token).status_code
                )
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results.count(429) >= 1 and results.count(200) >= 2
    assert Throttle().concurrent == 10 and Throttle().per_minute == 500  # QBO's limits by default


def test_faults_are_triggered_by_request_count(standin: StandIn) -> None:
    standin.state.faults = type(standin.state.faults)(
        parse_faults("qbo:401@2,qbo:500@3,qbo:drop@4")
    )
    token = requests.post(
        f"{standin.url}/oauth2/v1/tokens/bearer",
        auth=("id", "s"),
        verify=standin.ca_bundle,
        data={"grant_type": "refresh_token", "refresh_token": "x"},
    ).json()["access_token"]
    assert _qbo(standin, "SELECT COUNT(*) FROM Item", token).status_code == 200
    gateway = _qbo(standin, "SELECT COUNT(*) FROM Item", token)
    assert (
        gateway.status_code == 401 and "fault" in gateway.json()
    )  # lower-case, unlike other faults
    assert _qbo(standin, "SELECT COUNT(*) FROM Item", token).status_code == 500
    with pytest.raises(requests.exceptions.ConnectionError):
        _qbo(standin, "SELECT COUNT(*) FROM Item", token)
    with pytest.raises(UsageError):
        parse_faults("qbo:teapot@1")


def test_writes_are_refused_and_logged(standin: StandIn) -> None:
    sf = _sf(standin)
    with pytest.raises(Exception, match="read-only"):
        sf.Account.create({"Name": "Nope"})
    with pytest.raises(Exception, match="read-only"):
        sf.Account.update("001000000000001AAA", {"Name": "Nope"})
    token = requests.post(
        f"{standin.url}/oauth2/v1/tokens/bearer",
        auth=("id", "s"),
        verify=standin.ca_bundle,
        data={"grant_type": "refresh_token", "refresh_token": "x"},
    ).json()["access_token"]
    answer = requests.post(
        f"{standin.url}/v3/company/{standin.state.realm_id}/customer",
        json={"DisplayName": "x"},
        headers={"Authorization": f"Bearer {token}"},
        verify=standin.ca_bundle,
    )
    assert answer.status_code == 403
    assert [
        (w["method"], w["path"].rstrip("/").rsplit("/", 1)[-1]) for w in standin.state.writes
    ] == [("POST", "Account"), ("PATCH", "001000000000001AAA"), ("POST", "customer")]
    assert (
        _sf(standin).query("SELECT Name FROM Account WHERE Id = '001000000000001AAA'")["records"][
            0
        ]["Name"]
        == "Acme Corp"
    )


def test_write_config_loads_and_names_only_env_vars(standin: StandIn, tmp_path: Path) -> None:
    path = standin.write_config(tmp_path / "cfg" / "client.yaml")
    config = load_config(path)
    assert (
        config.quickbooks.base_url == f"{standin.url}/v3"
        and config.salesforce.login_url == standin.url
    )
    assert (
        "standin-password" not in path.read_text() and (tmp_path / "cfg" / "standin.env").is_file()
    )
