"""`doctor` against the stand-in, and `init`: plain sentences, the right verdicts, no secrets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from test_standin import write_small_raw

from sfqb_demo.standin import StandIn
from sfqb_diag.cli import main
from sfqb_diag.cli.init import init_client
from sfqb_diag.config import ClientConfig, load_config
from sfqb_diag.errors import UsageError
from sfqb_diag.sources.live.doctor import diagnose, failed
from sfqb_diag.sources.live.tokens import TokenRecord, TokenStore


def _config(server: StandIn, folder: Path, **links: object) -> ClientConfig:
    config = load_config(server.write_config(folder / "client.yaml"))
    defaults = {
        "opportunity_sync_error": None,
        "opportunity_last_sync": None,
    }  # not in the small raw folder
    return dataclasses.replace(
        config, links=dataclasses.replace(config.links, **{**defaults, **links})
    )


def _by_step(found: list) -> dict[str, tuple[str, str]]:
    return {f"{f.side}/{f.step}": (f.status, f.message) for f in found}


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    return write_small_raw(tmp_path / "raw")


def test_a_healthy_setup_passes_and_names_org_and_realm(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:
        found = diagnose(_config(server, tmp_path / "cfg"), server.env())
    steps = _by_step(found)
    assert not failed(found), [f.line() for f in found]
    assert "00D000000000042EAA" in steps["salesforce/which org"][1]
    assert "4620816365000000042" in steps["quickbooks/which company"][1]
    assert steps["both/environments agree"] == ("ok", "both sides are production")


def test_each_problem_is_one_sentence_with_its_fix(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:
        env = {**server.env(), "QBO_REALM_ID": "123"}
        env.pop("SF_CONSUMER_SECRET")
        found = diagnose(
            _config(server, tmp_path / "cfg", opportunity_sync_error="Opportunity.Sync_Err__c"), env
        )
    steps = _by_step(found)
    assert (
        steps["salesforce/login"][0] == "fail"
        and "SF_CONSUMER_SECRET" in steps["salesforce/login"][1]
    )
    assert (
        steps["quickbooks/which company"][0] == "fail"
        and "realm 123" in steps["quickbooks/which company"][1]
    )
    with StandIn(raw) as server:
        found = diagnose(
            _config(server, tmp_path / "cfg2", opportunity_sync_error="Opportunity.Sync_Err__c"),
            server.env(),
        )
    status, message = _by_step(found)["salesforce/link fields"]
    assert status == "fail" and "Opportunity.Sync_Err__c (links.opportunity_sync_error)" in message


def test_sandbox_on_one_side_and_production_on_the_other_fails(raw: Path, tmp_path: Path) -> None:
    manifest = json.loads((raw / "manifest.json").read_text())
    manifest["salesforce"]["is_sandbox"] = True
    (raw / "manifest.json").write_text(json.dumps(manifest))
    with StandIn(raw) as server:
        found = diagnose(_config(server, tmp_path / "cfg"), server.env())
    status, message = _by_step(found)["both/environments agree"]
    assert status == "fail" and "Salesforce is sandbox but QBO is production" in message


def test_untrusted_tls_is_explained(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:
        config = _config(server, tmp_path / "cfg")
        config = dataclasses.replace(
            config, salesforce=dataclasses.replace(config.salesforce, ca_bundle=None)
        )
        found = diagnose(config, server.env())
    status, message = _by_step(found)["salesforce/reachability and TLS"]
    assert status == "fail" and "ca_bundle" in message


def test_an_expiring_refresh_token_is_warned(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:
        config = _config(server, tmp_path / "cfg")
        soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
        TokenStore(Path(config.quickbooks.token_store)).write(
            TokenRecord(
                refresh_token=server.env()["QBO_REFRESH_TOKEN"], refresh_token_expires_at=soon
            )
        )
        status, message = _by_step(diagnose(config, server.env()))["quickbooks/token store"]
    assert status == "warn" and "expires in 3 days" in message


def test_the_doctor_command_prints_no_secret(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = {
        "SF_PASSWORD": "ZqDocPass-91ab",
        "SF_SECURITY_TOKEN": "ZqDocTok-22cd",
        "QBO_CLIENT_SECRET": "ZqDocSecret-33ef",
        "QBO_REFRESH_TOKEN": "ZqDocRefresh-44aa",
    }
    with StandIn(raw) as server:
        for key, value in {**server.env(), **secrets}.items():
            monkeypatch.setenv(key, value)
        path = server.write_config(tmp_path / "cfg" / "client.yaml")
        code = main(["doctor", "--config", str(path)])
        issued = list(server.state.issued)
    printed = capsys.readouterr()
    assert code == 3  # the small raw folder lacks two of the default link fields
    assert "[fail] salesforce link fields" in printed.out
    for needle in [*secrets.values(), *issued]:
        assert needle not in printed.out + printed.err


def test_init_writes_a_loadable_commented_client_folder(tmp_path: Path) -> None:
    folder = init_client("acme", tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "client.yaml",
        "decisions.csv",
        "history",
        "out",
        "raw",
        "reviews.csv",
    ]
    text = (folder / "client.yaml").read_text()
    assert "CREDENTIALS NEVER GO IN THIS FILE" in text and "__NAME__" not in text
    assert load_config(folder / "client.yaml").name == "acme"
    assert (
        (folder / "decisions.csv")
        .read_text(encoding="utf-8-sig")
        .startswith("kind,sf_id,qb_id,decision")
    )
    assert (tmp_path / "clients" / ".gitignore").is_file()
    with pytest.raises(UsageError, match="already exists"):
        init_client("acme", tmp_path)
    with pytest.raises(UsageError, match="client name"):
        init_client("../evil", tmp_path)


# The refusals people now hit, each produced by the stand-in and explained by doctor.
REFUSALS = [
    ("password", "65.0", None, "no longer offers the SOAP login() call at API version 65.0"),
    ("password", "30.0", None, "refused API version 30.0: it is retired"),
    ("client_credentials", "62.0", "uninstalled_app", "blocks apps an admin has not installed"),
    ("oauth", "62.0", "refresh_policy", "refresh-token policy"),
    ("jwt", "62.0", "not_approved", "pre-authorised"),
]


@pytest.mark.parametrize(("auth", "version", "login_error", "words"), REFUSALS)
def test_doctor_explains_todays_login_refusals(
    raw: Path, tmp_path: Path, auth: str, version: str, login_error: str | None, words: str
) -> None:
    from test_sf_auth import private_key_file

    with StandIn(raw, login_error=login_error) as server:
        config = _config(server, tmp_path / "cfg")
        sf = dataclasses.replace(
            config.salesforce,
            auth=auth,
            api_version=version,
            token_store=str(tmp_path / "sf_tokens.json"),
        )
        TokenStore(Path(sf.token_store)).write(TokenRecord(refresh_token="5Aep861old"))
        env = {**server.env(), "SF_PRIVATE_KEY_FILE": str(private_key_file(tmp_path / "k"))}
        found = diagnose(dataclasses.replace(config, salesforce=sf), env)
    status, message = _by_step(found)["salesforce/login"]
    assert status == "fail" and words in message, message


def test_the_hard_expiry_is_warned_ahead_even_when_refreshing_works(
    raw: Path, tmp_path: Path
) -> None:
    with StandIn(raw) as server:
        config = _config(server, tmp_path / "cfg")
        now = dt.datetime.now(dt.UTC)
        TokenStore(Path(config.quickbooks.token_store)).write(
            TokenRecord(
                refresh_token=server.env()["QBO_REFRESH_TOKEN"],
                refresh_token_expires_at=(now + dt.timedelta(days=90)).isoformat(),
                refresh_token_hard_expires_at=(now + dt.timedelta(days=5, hours=1)).isoformat(),
            )
        )
        status, message = _by_step(diagnose(config, server.env()))["quickbooks/token store"]
    assert status == "warn" and "ends for good on" in message and "in 5 days" in message
    assert "connect quickbooks" in message


def test_doctor_names_an_installed_connector_and_flags_a_links_mismatch(
    raw: Path, tmp_path: Path
) -> None:
    with StandIn(raw, packages=[("qime", "QuickBooks Integration Made Easy")]) as server:
        found = diagnose(_config(server, tmp_path / "cfg"), server.env())
    status, message = _by_step(found)["salesforce/connector"]
    assert status == "warn"
    assert "QIME" in message and "namespace qime" in message
    assert "does not match" in message and "Account.qime__QB_ID__c" in message
    assert "--connector qime" in message


def test_doctor_with_no_managed_packages_says_none_detected(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:  # the small raw folder's fields carry no namespace
        found = diagnose(_config(server, tmp_path / "cfg"), server.env())
    assert _by_step(found)["salesforce/connector"] == (
        "ok",
        "no known connector's package detected (managed packages: none)",
    )


def test_doctor_says_links_use_the_detected_connectors_fields(raw: Path, tmp_path: Path) -> None:
    links = {
        "account_customer_id": "Account.qime__QB_ID__c",
        "product_item_id": "Product2.qime__QB_Id__c",
    }
    with StandIn(raw, packages=[("qime", "QIME")]) as server:
        found = diagnose(_config(server, tmp_path / "cfg", **links), server.env())
    steps = _by_step(found)
    assert steps["salesforce/connector"][0] == "ok"
    assert "client.yaml's links: uses them" in steps["salesforce/connector"][1]
    # the small raw folder has no qime fields: describe says so on the link-fields line
    assert "qime__QB_ID__c" in steps["salesforce/link fields"][1]
