"""`pull` through the real clients against the stand-in: round trips, faults, resume, read-only."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from test_standin import write_small_raw

from sfqb_demo.standin import StandIn
from sfqb_diag.config import ClientConfig, load_config
from sfqb_diag.errors import PullError, UsageError
from sfqb_diag.sources.files import load_raw
from sfqb_diag.sources.live.pull import PullInterrupted, PullOptions, pull
from sfqb_diag.sources.live.retry import RetryPolicy, WriteRefused, check_read_only

PULL_SOURCES = [
    "pull.py",
    "pull_run.py",
    "pull_sf.py",
    "pull_qbo.py",
    "salesforce.py",
    "quickbooks.py",
    "tokens.py",
    "retry.py",
    "sf_auth.py",
    "intuit_auth.py",
    "metering.py",
    "connect.py",
    "callback.py",
]


def assert_same_dataset(direct_raw: Path, pulled_raw: Path, ignore: tuple[str, ...] = ()) -> None:
    """Every table and row of the directly loaded folder comes back from the pull; tables the
    pull adds (QBO entities the folder had no file for) are empty."""
    direct, pulled = load_raw(direct_raw), load_raw(pulled_raw)
    for name, frame in direct.tables.items():
        if name in ignore:
            continue
        assert name in pulled.tables, name
        if name == "login_history":  # the pull asks only for what the check reads
            frame = frame[frame["login_type"].ne("Application").to_numpy()].reset_index(drop=True)
        pd.testing.assert_frame_equal(frame, pulled.tables[name][frame.columns], obj=name)
    for name in set(pulled.tables) - set(direct.tables):
        assert pulled.tables[name].empty, name


def _config(server: StandIn, folder: Path, **salesforce: object) -> ClientConfig:
    config = load_config(server.write_config(folder / "client.yaml"))
    return dataclasses.replace(
        config, salesforce=dataclasses.replace(config.salesforce, **salesforce)
    )


def _options(server: StandIn, sleeps: list[float] | None = None, **kw: object) -> PullOptions:
    policy = RetryPolicy(sleep=(sleeps.append if sleeps is not None else (lambda s: None)))
    return PullOptions(quiet=True, env=server.env(), policy=policy, bulk_wait=0.0, **kw)  # type: ignore[arg-type]


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    return write_small_raw(tmp_path / "source")


@pytest.fixture()
def big_raw(tmp_path: Path) -> Path:
    """1,052 customers: QBO paging in two pages of 1000."""
    return write_small_raw(tmp_path / "source", n_extra_customers=1_050)


def test_round_trip_of_a_hand_written_folder(big_raw: Path, tmp_path: Path) -> None:
    with StandIn(big_raw, page_size=2) as server:  # 2-row REST pages: nextRecordsUrl paging
        out = pull(_config(server, tmp_path / "cfg"), tmp_path / "pulled", _options(server))
    assert_same_dataset(big_raw, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["pulled_at"] == "2024-06-30T12:00:00Z"  # the service's clock, not ours
    assert manifest["salesforce"]["org_id"] == "00D000000000042EAA"
    assert manifest["quickbooks"]["realm_id"] == "4620816365000000042"
    assert manifest["counts"]["Customer"] == 1_052 and manifest["counts"]["Account"] == 4
    assert not (tmp_path / "pulled.partial").exists()


def test_round_trip_holds_with_faults(big_raw: Path, tmp_path: Path) -> None:
    raw = big_raw
    faults = (
        "sf:500@3,sf:drop@5,sf:expire@7,sf:503@9,qbo:429@3x3=0.25,qbo:500@6,qbo:expire@8,"
        "qbo:drop@10,qbo:401@12,qbo:slow@13=0.05"
    )
    sleeps: list[float] = []
    with StandIn(raw, page_size=2, faults=faults) as server:
        out = pull(_config(server, tmp_path / "cfg"), tmp_path / "pulled", _options(server, sleeps))
        hit = [e["fault"] for e in server.state.log if e.get("fault")]
    assert_same_dataset(raw, out)
    assert sleeps.count(0.25) == 3  # Retry-After honoured on each 429 of the burst
    assert {"500", "drop", "expire", "503", "429", "401", "slow"} <= set(hit)
    retries = json.loads((out / "manifest.json").read_text())["pull"]["retries"]
    assert retries["salesforce"] >= 4 and retries["quickbooks"] >= 7


# Lines with numbers in every shape and blanks where numbers and text would be: Bulk API 2.0
# sends all of them as CSV text ("" for a blank, "2.50" as written), REST as JSON null and numbers.
LINES = """Id,OpportunityId,Product2Id,Quantity,UnitPrice,ListPrice,Discount,TotalPrice,Description,SortOrder
00k000000000001AAA,006000000000001AAA,01t000000000001AAA,2,750.25,800,,1500.50,Annual plan,1
00k000000000002AAA,006000000000001AAA,01t000000000002AAA,0.5,0.125,,12.5,,,
00k000000000003AAA,006000000000003AAA,,,,,,,"Blank numbers, and a comma",2
"""


def _pull_both_ways(raw: Path, tmp_path: Path) -> tuple[Path, Path, int]:
    with StandIn(raw) as server:
        rest = pull(_config(server, tmp_path / "cfg"), tmp_path / "rest", _options(server))
        bulk = pull(
            _config(server, tmp_path / "cfg", bulk_threshold=1),
            tmp_path / "bulk",
            _options(server, bulk_page=2),
        )
        jobs = [e for e in server.state.log if e["path"].endswith("/results")]
    return rest, bulk, len(jobs)


def test_bulk_api_path_gives_the_same_folder(raw: Path, tmp_path: Path) -> None:
    (raw / "salesforce" / "OpportunityLineItem.csv").write_text(LINES, encoding="utf-8")
    with (raw / "salesforce" / "Opportunity.csv").open("a", encoding="utf-8") as handle:
        handle.write("006000000000004AAA,001000000000001AAA,No amount yet,Prospecting,,,,,,,\n")
    rest, bulk, jobs = _pull_both_ways(raw, tmp_path)
    assert_same_dataset(raw, rest)
    assert_same_dataset(raw, bulk)
    assert_same_dataset(rest, bulk)  # the two paths agree with each other, blank for blank
    assert json.loads((bulk / "manifest.json").read_text())["pull"]["salesforce_modes"] == {
        "Account": "bulk",
        "Product2": "bulk",
        "Opportunity": "bulk",
        "OpportunityLineItem": "bulk",
    }
    assert jobs == 2 + 1 + 2 + 2  # 2-row pages followed by Sforce-Locator
    lines = load_raw(bulk).tables["opportunity_lines"]
    assert lines["quantity"].tolist()[:2] == [2.0, 0.5] and pd.isna(lines["quantity"].iloc[2])
    assert lines["unit_price"].tolist()[:2] == [750.25, 0.125]
    assert lines["total_price_cents"].tolist()[:1] == [150050]
    assert lines["total_price_cents"].isna().tolist() == [False, True, True]
    assert lines["description"].isna().tolist() == [False, True, False]
    assert pd.isna(load_raw(bulk).tables["opportunities"]["amount_cents"].iloc[-1])


@pytest.mark.parametrize(
    ("bulk_threshold", "abort_after"), [(50_000, 3), (50_000, 5), (1, 3), (1, 6)]
)
def test_killed_midway_resumes_without_pulling_finished_objects(
    big_raw: Path, tmp_path: Path, bulk_threshold: int, abort_after: int
) -> None:
    raw = big_raw
    target = tmp_path / "pulled"
    with StandIn(raw, page_size=2) as server:
        config = _config(server, tmp_path / "cfg", bulk_threshold=bulk_threshold)
        with pytest.raises(PullInterrupted):
            pull(config, target, _options(server, abort_after_pages=abort_after, bulk_page=2))
        assert not target.exists() and (tmp_path / "pulled.partial" / ".pull_state.json").is_file()
        state = json.loads((tmp_path / "pulled.partial" / ".pull_state.json").read_text())
        done = {k.split("/")[1] for k, v in state["objects"].items() if v["status"] == "done"}
        first_run = len(server.state.log)
        pull(config, target, _options(server, bulk_page=2))
        second = [e["query"] or "" for e in server.state.log[first_run:]]
    assert_same_dataset(raw, target)
    assert done, "the abort should come after at least one finished object"
    for obj in done:
        assert not any(re.search(rf"FROM {obj}\b", q) for q in second), f"{obj} was pulled again"


def test_the_pull_sends_no_write(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw, page_size=2) as server:
        pull(
            _config(server, tmp_path / "cfg", bulk_threshold=2),
            tmp_path / "pulled",
            _options(server),
        )
        log, writes = server.state.log, server.state.writes
    assert writes == [] and log and not any(e["write"] for e in log)
    reads = re.compile(
        r"/services/Soap/u/|/services/oauth2/token$|/jobs/query$|/query$|/tokens/bearer$"
    )
    assert all(e["method"] == "GET" or reads.search(e["path"]) for e in log)


def test_no_write_call_exists_in_the_pull_source() -> None:
    # tqdm's progress bar has an update(n) method; it is the one allowed name.
    calls = re.compile(
        r"(?<!\bbar)\.(create|update|delete|upsert|merge|save|insert|hard_delete|undelete|update_object|"
        r"create_object|delete_object|batch_operation|delete_job|abort_job|close_job|"
        r"upload_job_data|send_email|set_password|revoke)\s*\("
    )
    folder = Path(__file__).resolve().parents[1] / "sfqb_diag" / "sources" / "live"
    found = {name: calls.findall((folder / name).read_text()) for name in PULL_SOURCES}
    assert found == {name: [] for name in PULL_SOURCES}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("DELETE", "https://x.my.salesforce.com/services/data/v62.0/sobjects/Account/001"),
        ("PATCH", "https://x.my.salesforce.com/services/data/v62.0/sobjects/Account/001"),
        ("POST", "https://x.my.salesforce.com/services/data/v62.0/sobjects/Account/"),
        ("POST", "https://quickbooks.api.intuit.com/v3/company/1/customer"),
        ("POST", "https://quickbooks.api.intuit.com/v3/company/1/batch"),
        ("POST", "https://oauth.platform.intuit.com/oauth2/v1/tokens/revoke"),
    ],
)
def test_the_session_refuses_writes_before_sending(method: str, url: str) -> None:
    with pytest.raises(WriteRefused):
        check_read_only(method, url)
    check_read_only("POST", "https://quickbooks.api.intuit.com/v3/company/1/query")


def test_daily_limit_is_not_retried(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw, faults="sf:403@4") as server:
        with pytest.raises(PullError, match="daily API request limit"):
            pull(_config(server, tmp_path / "cfg"), tmp_path / "pulled", _options(server))
        assert max(e.get("n") or 0 for e in server.state.log if e["side"] == "sf") == 4


def test_a_rotated_out_refresh_token_is_a_clear_error(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:
        server.state.rotated_refresh.add(server.env()["QBO_REFRESH_TOKEN"])
        with pytest.raises(PullError, match=r"invalid_grant.*connect quickbooks"):
            pull(
                _config(server, tmp_path / "cfg"),
                tmp_path / "pulled",
                _options(server, sides=("quickbooks",)),
            )


def test_an_existing_folder_is_never_overwritten(raw: Path, tmp_path: Path) -> None:
    (tmp_path / "pulled").mkdir()
    with pytest.raises(UsageError, match="already exists"):
        pull(ClientConfig(), tmp_path / "pulled", PullOptions(quiet=True, env={}))


SECRETS = {
    "SF_USERNAME": "zq-user@example.test",
    "SF_PASSWORD": "ZqPassw0rd-7f3a9c",
    "SF_SECURITY_TOKEN": "ZqSecTok-41d2e8",
    "QBO_CLIENT_ID": "ZqClientId-88b1",
    "QBO_CLIENT_SECRET": "ZqClientSecret-0c7e55",
    "QBO_REFRESH_TOKEN": "ZqRefresh-5a6b7c8d",
}


def _pull_with_secrets(raw: Path, work: Path, faults: str) -> tuple[Path, Path, list[str]]:
    """Pull with distinctive fake secrets; return (raw folder, token store, every token issued)."""
    with StandIn(raw, faults=faults) as server:
        config = _config(server, work / "client")
        options = _options(server)
        options.env = {**server.env(), **SECRETS}
        out = pull(config, work / "pulled", options)
        return out, Path(config.quickbooks.token_store), list(server.state.issued)


def _assert_nothing_leaked(work: Path, store: Path, issued: list[str]) -> None:
    needles = [v for k, v in SECRETS.items() if k != "SF_USERNAME"] + issued
    scanned = [p for p in work.rglob("*") if p.is_file() and p != store]
    assert len(issued) >= 4 and any(p.suffix == ".log" for p in scanned)
    for path in scanned:
        text = path.read_bytes().decode("utf-8", "replace")
        assert not [n for n in needles if n in text], f"{path} holds a secret or token"
    assert any(t in store.read_text() for t in issued)  # the store, and only the store, keeps them


def test_no_secret_or_issued_token_reaches_a_pulled_file(raw: Path, tmp_path: Path) -> None:
    _, store, issued = _pull_with_secrets(raw, tmp_path / "work", "qbo:expire@4,sf:expire@3")
    _assert_nothing_leaked(tmp_path / "work", store, issued)


@pytest.mark.slow
def test_demo_pull_and_report_leak_nothing_and_round_trip(demo_dir: Path, tmp_path: Path) -> None:
    """The default demo served, pulled through the real clients, reported on (notebooks included)."""
    from sfqb_diag.pipeline import CheckOptions
    from sfqb_diag.reporting.runner import run_report

    work = tmp_path / "work"
    out, store, issued = _pull_with_secrets(
        demo_dir / "raw", work, "qbo:429@5x2=0.01,qbo:expire@9,sf:500@4,sf:drop@8"
    )
    assert_same_dataset(demo_dir / "raw", out, ignore=("sync_log",))
    _assert_nothing_leaked(work, store, issued)  # the pull's own files, before the report adds more
    run_report(CheckOptions(raw=out, out=work / "report"))
    _assert_nothing_leaked(work, store, issued)


@pytest.mark.slow
def test_live_demo_equals_the_offline_demo(tmp_path: Path) -> None:
    from sfqb_demo.generator import generate_demo
    from sfqb_demo.live import run_live_demo

    raw = Path(generate_demo(tmp_path / "demo", size=60, seed=3))
    pulled = run_live_demo(raw, tmp_path / "live")
    assert_same_dataset(raw, pulled)  # sync_log.csv included: the connector's log is carried over


@pytest.mark.parametrize("bulk_threshold", [50_000, 1])
def test_an_expired_cursor_restarts_only_that_object(
    raw: Path, tmp_path: Path, bulk_threshold: int
) -> None:
    """Salesforce forgets query cursors (15 minutes) and Bulk jobs: the object starts over."""
    target = tmp_path / "pulled"
    with StandIn(raw, page_size=2) as server:
        config = _config(server, tmp_path / "cfg", bulk_threshold=bulk_threshold)
        with pytest.raises(PullInterrupted):
            pull(config, target, _options(server, abort_after_pages=1, bulk_page=2))
        server.state.cursors.clear()
        server.state.jobs.clear()
        pull(config, target, _options(server, bulk_page=2))
    assert_same_dataset(raw, target)
    assert "cursor expired" in (tmp_path / "pulled.pull.log").read_text()


def test_a_slow_answer_times_out_and_is_retried(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw, faults="qbo:slow@3=0.6,sf:slow@2=0.6") as server:
        options = _options(server, timeout=0.2)
        out = pull(_config(server, tmp_path / "cfg"), tmp_path / "pulled", options)
    assert_same_dataset(raw, out)
    assert "Timeout" in (tmp_path / "pulled.pull.log").read_text()


def test_jwt_and_session_logins(raw: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from sfqb_diag.sources.live.salesforce import SfClient

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "server.key"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with StandIn(raw) as server:
        config = _config(server, tmp_path / "cfg", auth="jwt")
        env = {
            "SF_USERNAME": "u@x.test",
            "SF_CONSUMER_KEY": "3MVG9",
            "SF_PRIVATE_KEY_FILE": str(key_file),
        }
        jwt_client = SfClient(config.salesforce, env, RetryPolicy()).login()
        assert jwt_client.organization()["Id"] == "00D000000000042EAA"
        session_cfg = dataclasses.replace(config.salesforce, auth="session")
        session = SfClient(
            session_cfg, {"SF_SESSION_ID": jwt_client.api.session_id}, RetryPolicy()
        ).login()
        assert session.count("Account", include_deleted=True) == 4
        server.state.expire_all()
        with pytest.raises(PullError, match="session id expired"):
            session.count("Account", include_deleted=True)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("login", "login"),
        ("test", "test"),
        ("acme--uat.sandbox.my", "acme--uat.sandbox.my"),
        ("https://acme--uat.sandbox.my.salesforce.com/", "acme--uat.sandbox.my"),
        ("acme.my.salesforce.com", "acme.my"),
    ],
)
def test_domains_as_simple_salesforce_wants_them(domain: str, expected: str) -> None:
    from sfqb_diag.config import SalesforceConfig
    from sfqb_diag.sources.live.salesforce import domain_of

    assert domain_of(SalesforceConfig(domain=domain)) == expected


def test_the_client_keeps_within_500_requests_a_minute() -> None:
    from sfqb_diag.sources.live.retry import RateLimiter

    now, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(500, clock=lambda: now[0], sleep=sleep)
    for _ in range(1_200):
        limiter.wait()
        now[0] += 0.01  # a fast server: 100 answers a second
    assert 110 < now[0] < 130 and len(slept) >= 2  # 1,200 requests need over two minutes' budget


def test_requests_ca_bundle_alone_is_enough(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ca_bundle in the config, clients trust the stand-in through REQUESTS_CA_BUNDLE."""
    with StandIn(raw) as server:
        config = _config(server, tmp_path / "cfg", ca_bundle=None)
        config = dataclasses.replace(
            config, quickbooks=dataclasses.replace(config.quickbooks, ca_bundle=None)
        )
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        out = pull(config, tmp_path / "pulled", _options(server))
    assert_same_dataset(raw, out)


def test_pull_records_the_detected_connector_in_the_manifest(raw: Path, tmp_path: Path) -> None:
    packages = [("qime", "QuickBooks Integration Made Easy"), ("other", "Something Else")]
    with StandIn(raw, packages=packages) as server:
        out = pull(_config(server, tmp_path / "cfg"), tmp_path / "pulled", _options(server))
    assert json.loads((out / "manifest.json").read_text())["connector"] == {
        "preset": "qime",
        "packages": [
            {"namespace": "qime", "name": "QuickBooks Integration Made Easy"},
            {"namespace": "other", "name": "Something Else"},
        ],
    }
    with StandIn(raw) as server:  # no namespaced fields in the small folder: none installed
        out = pull(_config(server, tmp_path / "cfg2"), tmp_path / "pulled2", _options(server))
    assert json.loads((out / "manifest.json").read_text())["connector"] == {
        "preset": None,
        "packages": [],
    }
