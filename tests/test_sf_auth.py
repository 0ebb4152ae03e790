"""Salesforce login modes through simple-salesforce against the stand-in: JWT bearer, client
credentials and the deprecated password login give the same raw folder; refusals in plain words."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from test_pull import _config, _options, assert_same_dataset
from test_standin import write_small_raw

from sfqb_demo.standin import StandIn
from sfqb_diag.errors import PullError
from sfqb_diag.sources.live.pull import pull
from sfqb_diag.sources.live.sf_auth import PASSWORD_DEPRECATION


def private_key_file(folder: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / "server.key"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def same_folder(first: Path, second: Path) -> None:
    """Byte-equal data files; manifests equal but for how the login went and pull statistics."""
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in names:
        if name.name != "manifest.json":
            assert (first / name).read_bytes() == (second / name).read_bytes(), name

    def facts(folder: Path) -> dict:
        manifest = json.loads((folder / "manifest.json").read_text())
        for key in ("pull", "tool_version"):
            manifest.pop(key)
        for key in ("username", "auth"):
            manifest["salesforce"].pop(key)
        return manifest

    assert facts(first) == facts(second)


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    return write_small_raw(tmp_path / "source")


def test_jwt_client_credentials_and_password_pull_the_same_folder(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = private_key_file(tmp_path / "keys")
    out: dict[str, Path] = {}
    with StandIn(raw, page_size=2) as server:
        env = {**server.env(), "SF_PRIVATE_KEY_FILE": str(key_file)}
        for auth in ("password", "jwt", "client_credentials"):
            config = _config(server, tmp_path / "cfg", auth=auth)  # one QBO token store
            options = dataclasses.replace(_options(server), env=env)
            out[auth] = pull(config, tmp_path / f"pulled-{auth}", options)
            if auth == "password":
                err = capsys.readouterr().err
        grants = [e["path"] for e in server.state.log if "/services/oauth2/" in e["path"]]
        soap = [e for e in server.state.log if e["path"].startswith("/services/Soap/")]
    assert len(grants) == 2 and len(soap) == 1  # one token call each for jwt and client creds
    assert_same_dataset(raw, out["jwt"])
    same_folder(out["password"], out["jwt"])
    same_folder(out["password"], out["client_credentials"])
    manifest = json.loads((out["jwt"] / "manifest.json").read_text())
    assert manifest["salesforce"]["auth"] == "jwt"
    # The deprecated mode says when it stops working, on screen and in the pull log, every time.
    assert PASSWORD_DEPRECATION in err and "Summer '27" in err and "65.0" in err
    assert "Summer '27" in (tmp_path / "pulled-password.pull.log").read_text()
    assert "Summer '27" not in (tmp_path / "pulled-jwt.pull.log").read_text()
    assert "Summer '27" not in capsys.readouterr().err


def test_password_login_at_api_65_is_explained(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:
        config = _config(server, tmp_path / "cfg", auth="password", api_version="65.0")
        with pytest.raises(PullError) as caught:
            pull(config, tmp_path / "pulled", _options(server))
    text = str(caught.value)
    assert "INVALID_OPERATION" in text and "no longer offers the SOAP login()" in text
    assert "jwt or client_credentials" in text


def test_client_credentials_need_a_my_domain(tmp_path: Path) -> None:
    from sfqb_diag.config import SalesforceConfig
    from sfqb_diag.errors import UsageError
    from sfqb_diag.sources.live.sf_auth import log_in

    with pytest.raises(UsageError, match="My Domain"):
        log_in(SalesforceConfig(auth="client_credentials", domain="login"), {}, None)


def test_a_stale_jwt_assertion_is_refused(raw: Path, tmp_path: Path) -> None:
    import jwt as pyjwt
    import requests

    with StandIn(raw) as server:
        stale = pyjwt.encode(
            {"iss": "k", "sub": "u", "aud": "https://login.salesforce.com", "exp": 1},
            private_key_file(tmp_path).read_bytes(),
            algorithm="RS256",
        )
        answer = requests.post(
            f"{server.url}/services/oauth2/token",
            data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": stale},
            verify=str(server.ca_bundle),
            timeout=10,
        )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
