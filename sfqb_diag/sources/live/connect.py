"""`connect`: get refresh tokens the way both services now want, into the token stores.

Salesforce: the OAuth 2.0 web-server flow with PKCE (S256) against the External Client App,
redirecting to a loopback callback; the refresh token goes into salesforce.token_store and
`auth: oauth` uses it. QuickBooks: Intuit's authorization-code flow through intuit-oauth's
AuthClient; Intuit's redirect names the company (realmId) the person chose, which is kept with
the tokens, as is the refresh token's hard expiry when Intuit states it
(x_refresh_token_expires_in). Both stores are written atomically, mode 0600, under their lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from sfqb_diag.config import ClientConfig, SalesforceConfig
from sfqb_diag.errors import PullError
from sfqb_diag.sources.live.auth_words import login_refusal
from sfqb_diag.sources.live.callback import (
    catch_redirect,
    is_loopback,
    pasted_redirect,
    pkce_pair,
)
from sfqb_diag.sources.live.intuit_auth import TOKEN_FIELDS, _AuthClient
from sfqb_diag.sources.live.retry import PullSession
from sfqb_diag.sources.live.sf_auth import TOKEN_PATH, env_values, login_base
from sfqb_diag.sources.live.tokens import TokenRecord, TokenStore


@dataclasses.dataclass(frozen=True)
class Browser:
    """How the person is sent to the consent page (tests follow the URL themselves)."""

    announce: Callable[[str], None] = print
    open_browser: bool = True
    timeout: float = 300.0
    paste: Callable[[], str] = input  # the landing address, for an https (non-local) redirect


def _refused(answer: Mapping[str, str], cfg: Any) -> None:
    if "error" in answer:
        raise PullError(login_refusal(cfg, answer["error"], answer.get("error_description")))
    if not answer.get("code"):
        raise PullError("the redirect carried no authorization code: run connect again")


def _redirect(
    browser: Browser, redirect_uri: str, key: str, url: str, state: str
) -> dict[str, str]:
    """The redirect's query: caught on a localhost callback, or pasted for an https one (Intuit's
    production keys accept https redirect URIs only)."""
    if is_loopback(redirect_uri):
        return catch_redirect(
            redirect_uri, key, url, state, browser.announce, browser.open_browser, browser.timeout
        )
    return pasted_redirect(url, state, browser.announce, browser.paste)


def _sf_authorize_url(cfg: SalesforceConfig, key: str, challenge: str, state: str) -> str:
    query = {
        "response_type": "code",
        "client_id": key,
        "redirect_uri": cfg.redirect_uri,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "api refresh_token",
        "state": state,
    }
    return f"{login_base(cfg)}/services/oauth2/authorize?{urlencode(query)}"


def connect_salesforce(
    config: ClientConfig, env: Mapping[str, str], browser: Browser | None = None
) -> TokenRecord:
    """Web-server flow with PKCE; returns the stored record (refresh token, instance URL)."""
    browser, cfg = browser or Browser(), config.salesforce
    (key,) = env_values(env, [cfg.consumer_key_env], "connect salesforce")
    secret = (env.get(cfg.consumer_secret_env) or "").strip()
    verifier, challenge = pkce_pair()
    state = pkce_pair()[0][:32]
    url = _sf_authorize_url(cfg, key, challenge, state)
    answer = _redirect(browser, cfg.redirect_uri, "salesforce.redirect_uri", url, state)
    _refused(answer, cfg)
    form = {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "client_id": key,
        "redirect_uri": cfg.redirect_uri,
        "code_verifier": verifier,
        **({"client_secret": secret} if secret else {}),
    }
    reply = PullSession(cfg.ca_bundle, 60.0).post(login_base(cfg) + TOKEN_PATH, data=form)
    body = reply.json() if reply.content else {}
    if reply.status_code != 200 or not body.get("refresh_token"):
        raise PullError(login_refusal(cfg, body.get("error"), body.get("error_description")))
    return TokenStore(Path(cfg.token_store), service="Salesforce").store_grant(body)


def _grant(auth: _AuthClient) -> dict[str, Any]:
    answer: dict[str, Any] = {k: getattr(auth, k, None) for k in TOKEN_FIELDS}
    response = auth.last_response
    date = response.headers.get("Date") if response is not None else None
    if date:
        answer["server_time"] = email.utils.parsedate_to_datetime(date).astimezone(dt.UTC)
    return answer


def connect_quickbooks(
    config: ClientConfig, env: Mapping[str, str], browser: Browser | None = None
) -> TokenRecord:
    """Authorization-code flow through intuit-oauth; returns the stored record with the realm."""
    browser, cfg = browser or Browser(), config.quickbooks
    client_id, client_secret = env_values(
        env, [cfg.client_id_env, cfg.client_secret_env], "connect quickbooks"
    )
    auth = _AuthClient(
        cfg.ca_bundle,
        60.0,
        None,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=cfg.redirect_uri,
        environment=cfg.discovery_url or cfg.environment,
    )
    url = auth.get_authorization_url([Scopes.ACCOUNTING])
    answer = _redirect(browser, cfg.redirect_uri, "quickbooks.redirect_uri", url, auth.state_token)
    if "error" in answer or not answer.get("code") or not answer.get("realmId"):
        raise PullError(
            f"Intuit did not grant access ({answer.get('error') or 'no code or realmId'}): "
            "run connect again and choose the client's company"
        )
    try:
        auth.get_bearer_token(answer["code"], realm_id=answer["realmId"])
    except AuthClientError as exc:
        raise PullError(
            f"Intuit refused the authorization code (HTTP {exc.status_code}): check "
            f"{cfg.client_id_env}/{cfg.client_secret_env} and that {cfg.redirect_uri} is one of "
            "the app's Redirect URIs"
        ) from exc
    return TokenStore(Path(cfg.token_store)).store_grant(_grant(auth), answer["realmId"])
