"""`connect salesforce` and `connect quickbooks` completed headlessly against the stand-in: a test
client follows the printed URL to the stand-in's authorize endpoint, which redirects to the
localhost callback; then `pull` works from the stored tokens alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import stat
import threading
from pathlib import Path

import pytest
import requests
from test_pull import _config, _options
from test_sf_auth import same_folder
from test_standin import write_small_raw

from sfqb_demo.standin import StandIn
from sfqb_diag.cli import main
from sfqb_diag.config import ClientConfig
from sfqb_diag.errors import PullError
from sfqb_diag.sources.live.connect import Browser, connect_quickbooks, connect_salesforce
from sfqb_diag.sources.live.pull import pull
from sfqb_diag.sources.live.tokens import TokenStore


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Follower:
    """Plays the person: opens the printed URL (the stand-in consents and redirects)."""

    def __init__(self, ca_bundle: Path):
        self.ca_bundle, self.urls, self.threads = (
            str(ca_bundle),
            list[str](),
            list[threading.Thread](),
        )

    def __call__(self, text: str) -> None:
        url = text.rsplit("\n", 1)[-1]
        self.urls.append(url)
        thread = threading.Thread(
            target=lambda: requests.get(url, verify=self.ca_bundle, timeout=10), daemon=True
        )
        thread.start()
        self.threads.append(thread)


def _connect_config(server: StandIn, folder: Path, **salesforce: object) -> ClientConfig:
    config = _config(server, folder, **salesforce)
    sf = dataclasses.replace(
        config.salesforce,
        redirect_uri=f"http://localhost:{_free_port()}/OauthRedirect",
        token_store=str(folder / "sf_tokens.json"),
    )
    qb = dataclasses.replace(
        config.quickbooks, redirect_uri=f"http://localhost:{_free_port()}/callback"
    )
    return dataclasses.replace(config, salesforce=sf, quickbooks=qb)


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    return write_small_raw(tmp_path / "source")


def test_connect_salesforce_then_pull_with_the_stored_refresh_token(
    raw: Path, tmp_path: Path
) -> None:
    with StandIn(raw, page_size=2) as server:
        config = _connect_config(server, tmp_path / "cfg")
        person = Follower(server.ca_bundle)
        record = connect_salesforce(config, server.env(), Browser(person, open_browser=False))
        assert "code_challenge_method=S256" in person.urls[0]
        store = Path(config.salesforce.token_store)
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
        assert record.refresh_token in server.state.sf_refresh and record.instance_url == server.url
        baseline = pull(config, tmp_path / "pulled-cc", _options(server))
        oauth = dataclasses.replace(
            config, salesforce=dataclasses.replace(config.salesforce, auth="oauth")
        )
        env = {k: v for k, v in server.env().items() if not k.startswith("SF_") or "KEY" in k}
        server.state.expire_all()  # the stored access token dies: the refresh token renews it
        out = pull(oauth, tmp_path / "pulled-oauth", dataclasses.replace(_options(server), env=env))
        refreshed = [e for e in server.state.log if e["path"] == "/services/oauth2/token"]
    same_folder(baseline, out)
    # The code exchange, the client-credentials pull, then one refresh for the oauth pull.
    assert len(refreshed) == 3


def test_connect_quickbooks_records_the_realm_and_the_hard_expiry(
    raw: Path, tmp_path: Path
) -> None:
    from sfqb_diag.sources.live.doctor import diagnose

    with StandIn(raw) as server:
        config = _connect_config(server, tmp_path / "cfg")
        env = {
            k: v for k, v in server.env().items() if k not in ("QBO_REALM_ID", "QBO_REFRESH_TOKEN")
        }
        record = connect_quickbooks(
            config, env, Browser(Follower(server.ca_bundle), open_browser=False)
        )
        assert record.realm_id == server.state.realm_id == "4620816365000000042"
        stored = TokenStore(Path(config.quickbooks.token_store)).read()
        assert stored is not None and stored.refresh_token in server.state.live_refresh
        issued = dt.datetime.fromisoformat(str(stored.refreshed_at_service).replace("Z", "+00:00"))
        expires = dt.datetime.fromisoformat(
            str(stored.refresh_token_expires_at).replace("Z", "+00:00")
        )
        assert (expires - issued).days == 101  # x_refresh_token_expires_in as Intuit sent it
        hard = dt.datetime.fromisoformat(
            str(stored.refresh_token_hard_expires_at).replace("Z", "+00:00")
        )
        assert (hard - issued).total_seconds() == 150_000_000  # asked for with Intuit's header
        out = pull(config, tmp_path / "pulled", dataclasses.replace(_options(server), env=env))
        found = {f"{f.side}/{f.step}": f for f in diagnose(config, env)}
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["quickbooks"]["realm_id"] == "4620816365000000042"
    assert "refresh_token_expires_at" in manifest["quickbooks"]
    assert "refresh_token_hard_expires_at" in manifest["quickbooks"]
    assert "refresh token expires in" in found["quickbooks/token store"].message


def test_the_cli_completes_both_through_the_browser(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    with StandIn(raw) as server:
        path = server.write_config(tmp_path / "cfg" / "client.yaml")
        data = yaml.safe_load(path.read_text())
        data["salesforce"]["redirect_uri"] = f"http://localhost:{_free_port()}/OauthRedirect"
        data["quickbooks"]["redirect_uri"] = f"http://127.0.0.1:{_free_port()}/callback"
        path.write_text(yaml.safe_dump(data))
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        person = Follower(server.ca_bundle)
        monkeypatch.setattr("webbrowser.open", lambda url: person(url) or True)
        assert main(["connect", "salesforce", "--config", str(path)]) == 0
        assert main(["connect", "quickbooks", "--config", str(path)]) == 0
        issued = list(server.state.issued)
    printed = capsys.readouterr().out
    assert "Your browser was opened" in printed and "realm) 4620816365000000042" in printed
    assert (tmp_path / "cfg" / "sf_tokens.json").is_file()
    assert not any(token in printed for token in issued)  # no token reaches the screen


def test_without_a_browser_the_url_is_printed(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw) as server:
        base = server.url
        config = _connect_config(server, tmp_path / "cfg")
        said: list[str] = []
        person = Follower(server.ca_bundle)
        connect_salesforce(
            config, server.env(), Browser(lambda t: (said.append(t), person(t)), open_browser=False)
        )
    assert (
        said[0].startswith("Open this URL in a browser")
        and f"{base}/services/oauth2/authorize?" in said[0]
    )


def test_an_uninstalled_app_is_explained(raw: Path, tmp_path: Path) -> None:
    with StandIn(raw, login_error="uninstalled_app") as server:
        config = _connect_config(server, tmp_path / "cfg")
        with pytest.raises(PullError, match="blocks apps an admin has not installed"):
            connect_salesforce(
                config, server.env(), Browser(Follower(server.ca_bundle), open_browser=False)
            )


def test_a_wrong_pkce_verifier_is_refused(raw: Path) -> None:
    with StandIn(raw) as server:
        verify = str(server.ca_bundle)
        redirect = f"{server.url}/nowhere"
        answer = requests.get(
            f"{server.url}/services/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": "k",
                "redirect_uri": redirect,
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "code_challenge_method": "S256",
            },
            verify=verify,
            allow_redirects=False,
            timeout=10,
        )
        code = answer.headers["Location"].split("code=")[1].split("&")[0]
        form = {"grant_type": "authorization_code", "code": code, "client_id": "k"}
        token = requests.post(
            f"{server.url}/services/oauth2/token",
            data={**form, "redirect_uri": redirect, "code_verifier": "not-the-one"},
            verify=verify,
            timeout=10,
        )
    assert token.status_code == 400 and token.json()["error_description"] == "invalid code verifier"


def test_production_keys_with_an_https_redirect_take_the_pasted_address(
    raw: Path, tmp_path: Path
) -> None:
    """Intuit accepts http://localhost only for development keys: with the Playground's https
    redirect the person pastes the address the browser landed on."""
    with StandIn(raw) as server:
        config = _connect_config(server, tmp_path / "cfg")
        playground = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl"
        config = dataclasses.replace(
            config, quickbooks=dataclasses.replace(config.quickbooks, redirect_uri=playground)
        )
        landed: list[str] = []

        def person(text: str) -> None:
            answer = requests.get(
                text.split("\n")[1], verify=str(server.ca_bundle), allow_redirects=False, timeout=10
            )
            landed.append(answer.headers["Location"])

        record = connect_quickbooks(
            config, server.env(), Browser(person, open_browser=False, paste=lambda: landed[0])
        )
    assert landed[0].startswith(playground + "?code=") and record.realm_id == server.state.realm_id
