"""Reading QBO through python-quickbooks + intuit-oauth: tokens, paging, throttling, faults.

Facts behind the rules (API_NOTES.md): `Customer.all()` returns 100 rows and does not page, so we
page with STARTPOSITION/MAXRESULTS 1000 and check against COUNT(*); name lists answer active rows
only unless the query says `Active IN (true, false)`; 429 comes as XML and python-quickbooks
raises QuickbooksException(10000) without retrying; after a refresh the client's session still
holds the old access token, so it is rebuilt.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException

from sfqb_diag.config import QuickBooksConfig
from sfqb_diag.errors import PullError, UsageError
from sfqb_diag.sources.live.intuit_auth import TOKEN_FIELDS, _AuthClient
from sfqb_diag.sources.live.retry import (
    Decision,
    HttpStats,
    QboSession,
    RateLimiter,
    RetryPolicy,
    call,
    retry_after_of,
    transient,
)
from sfqb_diag.sources.live.tokens import InvalidGrant, TokenRecord, TokenStore

# Pulled in this order; the two singletons first (realm facts for the manifest).
ENTITIES = (
    "CompanyInfo",
    "Preferences",
    "Customer",
    "Vendor",
    "Employee",
    "Item",
    "TaxCode",
    "Invoice",
    "CreditMemo",
    "SalesReceipt",
    "Payment",
)
SINGLETONS = {"CompanyInfo", "Preferences"}
NAME_LISTS = {"Customer", "Vendor", "Employee", "Item", "TaxCode"}  # active-only unless asked
PAGE_SIZE = 1000  # QBO's MAXRESULTS ceiling
REQUESTS_PER_MINUTE = 500  # per realm (docs); also at most 10 in flight: we send one at a time
DEFAULT_HOSTS = {
    "production": "https://quickbooks.api.intuit.com/v3",
    "sandbox": "https://sandbox-quickbooks.api.intuit.com/v3",
}


def _need(env: Mapping[str, str], names: list[str]) -> None:
    missing = [n for n in names if not (env.get(n) or "").strip()]
    if missing:
        raise UsageError(
            f"set the environment variable(s) {', '.join(missing)} (named in client.yaml "
            "under quickbooks:) before pulling; credentials never go in the config file"
        )


def _realm(cfg: QuickBooksConfig, env: Mapping[str, str], store: TokenStore) -> str:
    """The realm the environment names, else the one `connect quickbooks` recorded."""
    kept = store.read()
    realm = (env.get(cfg.realm_id_env) or "").strip() or (kept.realm_id if kept else "") or ""
    if not realm:
        _need(env, [cfg.realm_id_env])
    return realm


class QboClient:
    """One realm, one sequential reader: queries with retries, refreshes through the token store."""

    def __init__(
        self,
        cfg: QuickBooksConfig,
        env: Mapping[str, str],
        policy: RetryPolicy,
        stats: HttpStats | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = 120.0,
    ):
        _need(env, [cfg.client_id_env, cfg.client_secret_env])
        self.cfg, self.policy, self.stats, self.timeout = cfg, policy, stats, timeout
        self.store = TokenStore(Path(cfg.token_store))
        self.realm = _realm(cfg, env, self.store)
        self.seed = (env.get(cfg.refresh_token_env) or "").strip() or None
        self.limiter = limiter or RateLimiter(REQUESTS_PER_MINUTE, sleep=policy.sleep)
        self.base_url = (
            cfg.base_url or DEFAULT_HOSTS.get(cfg.environment, DEFAULT_HOSTS["production"])
        ).rstrip("/")
        self.service_time: str | None = None
        self.last_body = b"{}"  # the raw body of the last successful query, as QBO sent it
        self.record: TokenRecord | None = None
        self.qb: QuickBooks | None = None
        self.reads = 0  # read calls sent (retries too): Intuit meters each one (metering.py)
        self.auth: _AuthClient = call(
            lambda: _AuthClient(
                cfg.ca_bundle,
                timeout,
                stats,
                client_id=env[cfg.client_id_env].strip(),
                client_secret=env[cfg.client_secret_env].strip(),
                redirect_uri=cfg.redirect_uri,
                environment=cfg.discovery_url or cfg.environment,
            ),
            self._classify_auth,
            policy,
            "QBO discovery document",
            stats=stats,
        )

    # -- tokens ---------------------------------------------------------------------------------
    def _classify_auth(self, exc: BaseException) -> Decision:
        if transient(exc):
            return Decision("retry", f"network: {type(exc).__name__}")
        if isinstance(exc, AuthClientError):
            if exc.status_code == 429 or exc.status_code >= 500:
                return Decision("retry", f"HTTP {exc.status_code}", retry_after_of(exc.response))
            if exc.status_code == 401:
                return Decision(
                    "fatal",
                    "Intuit rejected the app's client id/secret (invalid_client); check "
                    f"{self.cfg.client_id_env}/{self.cfg.client_secret_env}: sandbox and production "
                    "apps have different keys",
                )
            return Decision("fatal", f"Intuit answered HTTP {exc.status_code}")
        if "SSL" in type(exc).__name__ or "SSLError" in repr(exc):
            return Decision(
                "fatal", "TLS verification failed; set quickbooks.ca_bundle to the CA file"
            )
        return Decision("fatal", f"{type(exc).__name__}: {exc}")

    def _refresh(self, refresh_token: str) -> dict[str, Any]:
        def once() -> None:
            try:
                self.auth.refresh(refresh_token=refresh_token)
            except AuthClientError as exc:
                if exc.status_code == 400 and b"invalid_grant" in (exc.content or b""):
                    raise InvalidGrant() from None
                raise

        call(once, self._classify_auth, self.policy, "QBO token refresh", stats=self.stats)
        answer = {k: getattr(self.auth, k, None) for k in TOKEN_FIELDS}
        date = (
            self.auth.last_response.headers.get("Date")
            if self.auth.last_response is not None
            else None
        )
        if date:
            answer["server_time"] = email.utils.parsedate_to_datetime(date).astimezone(dt.UTC)
        return answer

    def connect(self, failed: str | None = None) -> QboClient:
        """Get a usable access token (refreshing under the store's lock) and rebuild the session."""
        self.record = self.store.access(self._refresh, self.seed, self.realm, failed)
        qb = QuickBooks(company_id=self.realm, minorversion=self.cfg.minorversion)
        qb.auth_client = self.auth
        qb.sandbox = self.cfg.environment == "sandbox"
        qb.api_url_v3 = qb.sandbox_api_url_v3 = self.base_url
        qb.session = QboSession(
            self.auth.client_id,
            self.record.access_token or "",
            self.cfg.ca_bundle,
            self.timeout,
            self.stats,
        )
        self.qb = qb
        return self

    # -- queries --------------------------------------------------------------------------------
    def _classify(self, exc: BaseException) -> Decision:
        if transient(exc):
            return Decision("retry", f"network: {type(exc).__name__}")
        response = self.qb.session.last_response if self.qb and self.qb.session else None
        status = response.status_code if response is not None else None
        code = getattr(exc, "error_code", None)
        if status == 401:
            return Decision("reauth", "access token rejected (401)")
        if status == 429 or code == 3001:
            return Decision("retry", "throttled (429)", retry_after_of(response))
        if status is not None and status >= 500:
            return Decision("retry", f"HTTP {status}", retry_after_of(response))
        if code == 3100 or status == 403:
            return Decision(
                "fatal",
                f"QBO refused realm {self.realm} for this connection "
                "(ApplicationAuthorizationFailed): the realm id names a company this app was "
                "not connected to, or sandbox keys meet production (check quickbooks.environment)",
            )
        if isinstance(exc, QuickbooksException):
            return Decision("fatal", f"QBO answered {status}: {exc.message} {exc.detail}".strip())
        return Decision("fatal", f"{type(exc).__name__}: {exc}")

    def _reauth(self) -> None:
        self.connect(failed=self.record.access_token if self.record else None)

    def query(self, sql: str) -> dict[str, Any]:
        """One query, within 500 requests/min, retried on 429/5xx/network, re-authenticated on 401."""
        if self.qb is None:
            self.connect()

        def once() -> dict[str, Any]:
            self.limiter.wait()
            assert self.qb is not None
            self.reads += 1
            return dict(self.qb.query(sql))

        body = call(
            once,
            self._classify,
            self.policy,
            f"QBO query '{sql}'",
            reauth=self._reauth,
            stats=self.stats,
        )
        self.service_time = body.get("time") or self.service_time
        response = self.qb.session.last_response if self.qb and self.qb.session else None
        self.last_body = response.content if response is not None else json.dumps(body).encode()
        return body

    def count(self, entity: str) -> int:
        where = " WHERE Active IN (true, false)" if entity in NAME_LISTS else ""
        body = self.query(f"SELECT COUNT(*) FROM {entity}{where}")
        return int(body.get("QueryResponse", {}).get("totalCount", 0))

    def page(self, entity: str, start: int, size: int = PAGE_SIZE) -> list[dict[str, Any]]:
        """Entities from 1-based position `start`; inactive ones included for name lists."""
        where = " WHERE Active IN (true, false)" if entity in NAME_LISTS else ""
        body = self.query(f"SELECT * FROM {entity}{where} STARTPOSITION {start} MAXRESULTS {size}")
        return list(body.get("QueryResponse", {}).get(entity, []))

    def company_info(self) -> dict[str, Any]:
        """The CompanyInfo read endpoint (tells which company answered)."""
        if self.qb is None:
            self.connect()

        def once() -> dict[str, Any]:
            assert self.qb is not None
            self.reads += 1
            return dict(self.qb.get_single_object("CompanyInfo", self.realm))

        body = call(
            once,
            self._classify,
            self.policy,
            "QBO companyinfo",
            reauth=self._reauth,
            stats=self.stats,
        )
        return dict(body.get("CompanyInfo") or {})


def service_time_utc(text: str | None) -> str | None:
    """QBO's response 'time' (local offset) as ISO UTC with Z, or None."""
    if not text:
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


__all__ = [
    "ENTITIES",
    "NAME_LISTS",
    "PAGE_SIZE",
    "SINGLETONS",
    "PullError",
    "QboClient",
    "service_time_utc",
]
