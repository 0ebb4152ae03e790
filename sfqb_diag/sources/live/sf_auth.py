"""Salesforce logins: which OAuth grant each `salesforce.auth` mode sends, and the dated warning.

Facts behind the modes (docs/live.md cites them): the SOAP `login()` call behind username +
password + security token is unavailable from API version 65.0 and retires for every version in
Summer '27; the OAuth username-password flow for connected apps is enforced off on 20 February 2027; new connected
apps cannot be created from Spring '26 (External Client Apps replace them). So the defaults are
the server-to-server grants an External Client App offers: JWT bearer (a certificate) and client
credentials (a run-as user set on the app, which needs a My Domain), plus `oauth`: the refresh
token that `sfqb-diag connect salesforce` got through the web-server flow with PKCE.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import requests
from simple_salesforce.login import SalesforceLogin, token_login

from sfqb_diag.config import SalesforceConfig
from sfqb_diag.errors import PullError, UsageError
from sfqb_diag.sources.live.tokens import InvalidGrant, TokenStore

PASSWORD_DEPRECATION = (
    "warning: salesforce.auth: password uses the SOAP login() call, which is unavailable from API "
    "version 65.0 and retires for every API version in Summer '27 (around 1 June 2027); the OAuth "
    "username-password flow stops working on 20 February 2027. Switch to auth: jwt or "
    "auth: client_credentials with an External Client App (docs/live.md)."
)
TOKEN_PATH = "/services/oauth2/token"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Login:
    session_id: str
    instance: str  # host[:port], as simple-salesforce keeps it
    username: str | None


def env_values(env: Mapping[str, str], names: list[str], why: str) -> list[str]:
    missing = [n for n in names if not (env.get(n) or "").strip()]
    if missing:
        raise UsageError(
            f"set the environment variable(s) {', '.join(missing)} for {why} (named in "
            "client.yaml under salesforce:); credentials never go in the config file"
        )
    return [env[n].strip() for n in names]


def domain_of(cfg: SalesforceConfig) -> str:
    """simple-salesforce's domain: 'login', 'test', 'acme.my' or 'acme--uat.sandbox.my'."""
    domain = cfg.domain.strip().removeprefix("https://").rstrip("/")
    return domain.removesuffix(".salesforce.com")


def login_base(cfg: SalesforceConfig) -> str:
    """Where the token and authorize endpoints are: login_url, else https://<domain>.salesforce.com."""
    if cfg.login_url:
        return cfg.login_url.rstrip("/")
    return f"https://{domain_of(cfg)}.salesforce.com"


def warn_password(stream: Callable[[str], Any] | None = None) -> None:
    """Printed on every password login, to stderr and into the pull log."""
    (stream or (lambda text: print(text, file=sys.stderr)))(PASSWORD_DEPRECATION)
    log.warning("%s", PASSWORD_DEPRECATION)


def _password(cfg: SalesforceConfig, env: Mapping[str, str], session: Any) -> Login:
    warn_password()
    user, password, token = env_values(
        env, [cfg.username_env, cfg.password_env, cfg.token_env], "password login"
    )
    sid, instance = SalesforceLogin(
        username=user,
        password=password,
        security_token=token,
        sf_version=str(cfg.api_version).removeprefix("v"),
        session=session,
        domain=domain_of(cfg),
        scratch_url=cfg.login_url.rstrip("/") if cfg.login_url else None,
    )
    return Login(sid, instance, user)


def _jwt(cfg: SalesforceConfig, env: Mapping[str, str], session: Any) -> Login:
    user, key, key_file = env_values(
        env, [cfg.username_env, cfg.consumer_key_env, cfg.private_key_file_env], "JWT bearer login"
    )
    # The audience is the login host, never the My Domain (test for sandboxes).
    audience = (
        "https://test.salesforce.com"
        if domain_of(cfg) == "test"
        else "https://login.salesforce.com"
    )
    claims = {
        "iss": key,
        "sub": user,
        "aud": audience,
        "exp": int((dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)).timestamp()),
    }
    try:
        pem = Path(key_file).expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(
            f"the private key file named by {cfg.private_key_file_env} cannot be read ({exc.strerror})"
        ) from exc
    grant = {
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": jwt.encode(claims, pem, algorithm="RS256"),
    }
    sid, instance = token_login(
        login_base(cfg) + TOKEN_PATH, grant, domain_of(cfg), key, None, None, session
    )
    return Login(sid, instance, user)


def _client_credentials(cfg: SalesforceConfig, env: Mapping[str, str], session: Any) -> Login:
    # The grant only works against the org's My Domain: login/test do not know which org.
    if not cfg.login_url and domain_of(cfg) in ("login", "test"):
        raise UsageError(
            "salesforce.auth: client_credentials needs the org's My Domain in salesforce.domain "
            "(acme.my, or acme--uat.sandbox.my for a sandbox), not login or test"
        )
    key, secret = env_values(
        env, [cfg.consumer_key_env, cfg.consumer_secret_env], "client-credentials login"
    )
    basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
    sid, instance = token_login(
        login_base(cfg) + TOKEN_PATH,
        {"grant_type": "client_credentials"},
        domain_of(cfg),
        key,
        {"Authorization": f"Basic {basic}"},
        None,
        session,
    )
    return Login(sid, instance, None)


def refresher(cfg: SalesforceConfig, env: Mapping[str, str], session: Any) -> Any:
    """A TokenStore refresher for the refresh token `connect salesforce` stored."""
    (key,) = env_values(env, [cfg.consumer_key_env], "the refresh-token login")
    secret = (env.get(cfg.consumer_secret_env) or "").strip()

    def refresh(token: str) -> dict[str, Any]:
        form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": key}
        if secret:
            form["client_secret"] = secret
        answer: requests.Response = session.post(login_base(cfg) + TOKEN_PATH, data=form)
        if answer.status_code == 400 and "invalid_grant" in answer.text:
            raise InvalidGrant()
        if answer.status_code != 200:
            raise PullError(f"Salesforce refused the refresh ({answer.status_code}): {answer.text}")
        return dict(answer.json())

    return refresh


def _oauth(
    cfg: SalesforceConfig, env: Mapping[str, str], session: Any, failed: str | None = None
) -> Login:
    store = TokenStore(Path(cfg.token_store), service="Salesforce")
    record = store.access(refresher(cfg, env, session), None, failed=failed)
    if not record.access_token or not record.instance_url:
        raise PullError(f"the Salesforce token store {store.path} has no instance URL: reconnect")
    return Login(record.access_token, record.instance_url.removeprefix("https://"), None)


def _session(cfg: SalesforceConfig, env: Mapping[str, str], session: Any) -> Login:
    (sid,) = env_values(env, [cfg.session_id_env], "session-id access")
    if not cfg.instance_url:
        raise UsageError(
            "salesforce.auth: session needs salesforce.instance_url (https://<org>.my.salesforce.com)"
        )
    return Login(sid, cfg.instance_url.removeprefix("https://").rstrip("/"), None)


MODES: dict[str, Callable[..., Login]] = {
    "jwt": _jwt,
    "client_credentials": _client_credentials,
    "oauth": _oauth,
    "session": _session,
    "password": _password,
}


def log_in(
    cfg: SalesforceConfig, env: Mapping[str, str], session: Any, failed: str | None = None
) -> Login:
    """Log in with the configured mode; `failed` is a session the API just refused (oauth mode
    then refreshes instead of handing it back). The caller turns refusals into plain words."""
    mode = MODES.get(cfg.auth)
    if mode is None:
        raise UsageError(f"salesforce.auth must be one of {', '.join(MODES)} (not {cfg.auth!r})")
    if cfg.auth == "oauth":
        return _oauth(cfg, env, session, failed)
    return mode(cfg, env, session)
