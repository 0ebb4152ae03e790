"""Reading Salesforce through simple-salesforce: login, describe, REST and Bulk 2.0 queries.

Facts behind the rules (API_NOTES.md): password login posts SOAP to https://<domain>.salesforce.com
(`test` for sandboxes, `<mydomain>--<sbx>.sandbox.my` for enhanced sandbox domains); REST pages hold
at most 2,000 rows and follow nextRecordsUrl; Bulk 2.0 results are CSV pages linked by
Sforce-Locator; 403 REQUEST_LIMIT_EXCEEDED is the daily limit and must not be retried.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from sfqb_diag.config import SalesforceConfig
from sfqb_diag.errors import PullError
from sfqb_diag.sources.live.auth_words import login_refusal
from sfqb_diag.sources.live.retry import (
    Decision,
    HttpStats,
    Passthrough,
    PullSession,
    RetryPolicy,
    call,
    retry_after_of,
    transient,
)
from sfqb_diag.sources.live.sf_auth import domain_of, log_in

__all__ = ["CursorExpired", "SfClient", "csv_value", "domain_of"]


class CursorExpired(Passthrough):
    """A saved nextRecordsUrl or Bulk locator is no longer valid: restart that object."""


class SfClient:
    """A logged-in Salesforce reader with retries and re-login on an expired session."""

    def __init__(
        self,
        cfg: SalesforceConfig,
        env: Mapping[str, str],
        policy: RetryPolicy,
        stats: HttpStats | None = None,
        bulk_wait: float = 5.0,
        timeout: float = 120.0,
    ):
        self.cfg, self.env, self.policy, self.stats, self.bulk_wait = (
            cfg,
            env,
            policy,
            stats,
            bulk_wait,
        )
        self.session = PullSession(cfg.ca_bundle, timeout, stats)
        self.version = str(cfg.api_version).removeprefix("v")
        self.sf: Salesforce | None = None
        self.username: str | None = None
        self._sid: str | None = None  # the last session id, refused once it expires

    # -- login ----------------------------------------------------------------------------------
    def login(self) -> SfClient:
        def once() -> None:
            try:
                found = log_in(self.cfg, self.env, self.session, failed=self._sid)
            except SalesforceAuthenticationFailed as exc:
                raise PullError(login_refusal(self.cfg, exc.code, exc.auth_message)) from exc
            self.username, self._sid = found.username, found.session_id
            self.sf = Salesforce(
                session_id=found.session_id,
                instance_url=f"https://{found.instance}",
                session=self.session,
                version=self.version,
                parse_float=Decimal,
            )

        call(once, self._classify, self.policy, "Salesforce login", stats=self.stats)
        return self

    @property
    def instance_url(self) -> str:
        return f"https://{self.sf.sf_instance}" if self.sf else ""

    # -- calls ----------------------------------------------------------------------------------
    def _classify(self, exc: BaseException) -> Decision:
        if transient(exc):
            return Decision("retry", f"network: {type(exc).__name__}")
        if isinstance(exc, SalesforceExpiredSession):
            if self.cfg.auth == "session":
                return Decision(
                    "fatal",
                    "the session id expired; get a new one into "
                    f"{self.cfg.session_id_env} (or use auth: password or jwt)",
                )
            return Decision("reauth", "session expired (401)")
        if isinstance(exc, SalesforceRefusedRequest) and "REQUEST_LIMIT_EXCEEDED" in str(
            exc.content
        ):
            return Decision(
                "fatal",
                "the org's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED); "
                "retrying cannot help: wait for the 24-hour window to free calls or ask the admin to "
                "raise the limit, then run the pull again (it resumes)",
            )
        if isinstance(exc, SalesforceError) and (exc.status == 429 or exc.status >= 500):
            return Decision(
                "retry", f"HTTP {exc.status}", retry_after_of(self.session.last_response)
            )
        if isinstance(exc, SalesforceError):
            return Decision("fatal", f"Salesforce answered {exc.status}: {exc.content!r}")
        if "SSLError" in repr(exc):
            return Decision(
                "fatal", "TLS verification failed; set salesforce.ca_bundle to the CA file"
            )
        return Decision("fatal", f"{type(exc).__name__}: {exc}")

    def call(self, fn: Any, what: str) -> Any:
        return call(fn, self._classify, self.policy, what, reauth=self._relogin, stats=self.stats)

    def _relogin(self) -> None:
        self.login()

    @property
    def api(self) -> Salesforce:
        """The logged-in simple-salesforce client (login() first)."""
        if self.sf is None:
            raise PullError("Salesforce: not logged in")
        return self.sf

    def describe_fields(self, obj: str) -> list[str] | None:
        """Field names of an object, or None when the org has no such object."""

        def once() -> list[str] | None:
            assert self.sf is not None
            try:
                return [f["name"] for f in getattr(self.sf, obj).describe()["fields"]]
            except SalesforceResourceNotFound:
                return None

        found: list[str] | None = self.call(once, f"describe {obj}")
        return found

    def organization(self) -> dict[str, Any]:
        soql = "SELECT Id, Name, IsSandbox, InstanceName, OrganizationType FROM Organization"
        records = self.call(lambda: self.api.query(soql)["records"], "read Organization")
        return dict(records[0]) if records else {}

    def installed_packages(self) -> list[tuple[str, str]]:
        """(namespace, name) of each installed managed package, from the Tooling API."""
        soql = (
            "SELECT SubscriberPackage.NamespacePrefix, SubscriberPackage.Name "
            "FROM InstalledSubscriberPackage"
        )
        body = self.call(
            lambda: self.api.toolingexecute("query/?q=" + quote_plus(soql)), "read packages"
        )
        packages = [r.get("SubscriberPackage") or {} for r in body.get("records", [])]
        return [(p.get("NamespacePrefix") or "", p.get("Name") or "") for p in packages]

    def limits(self) -> dict[str, Any]:
        return dict(self.call(lambda: self.api.limits(), "read limits"))

    def count(self, obj: str, include_deleted: bool, where: str | None = None) -> int:
        soql = f"SELECT COUNT() FROM {obj}" + (f" WHERE {where}" if where else "")
        body = self.call(
            lambda: self.api.query(soql, include_deleted=include_deleted),
            f"count {obj}",
        )
        return int(body["totalSize"])

    # -- REST pages -----------------------------------------------------------------------------
    def rest_pages(
        self, soql: str, include_deleted: bool, resume: str | None
    ) -> Iterator[tuple[list[dict[str, Any]], str | None, int | None]]:
        """Yield (records, nextRecordsUrl or None, totalSize of the first page or None)."""

        def first() -> Any:
            return self.api.query(soql, include_deleted=include_deleted)

        def more(url: str) -> Any:
            try:
                return self.api.query_more(url, identifier_is_url=True)
            except SalesforceError as exc:
                if exc.status in (400, 404) and "INVALID_QUERY_LOCATOR" in str(exc.content):
                    raise CursorExpired() from exc
                raise

        body = (
            self.call(lambda: more(resume), "continue query")
            if resume
            else self.call(first, f"query {soql[:60]}")
        )
        total = None if resume else int(body["totalSize"])
        while True:
            following = None if body["done"] else body["nextRecordsUrl"]
            yield body["records"], following, total
            if following is None:
                return
            total = None
            body = self.call(lambda url=following: more(url), "query_more")

    # -- Bulk 2.0 pages -------------------------------------------------------------------------
    def bulk_job(self, obj: str, soql: str, include_deleted: bool) -> tuple[str, int]:
        """Create a Bulk 2.0 query job, wait for it (bulk_wait seconds first) and return (id, rows)."""
        from simple_salesforce.bulk2 import Operation

        def client() -> Any:
            return getattr(self.api.bulk2, obj)._client  # fresh after a re-login

        operation = Operation.query_all if include_deleted else Operation.query
        job = self.call(
            lambda: client().create_job(operation, soql), f"create Bulk 2.0 job for {obj}"
        )
        self.call(
            lambda: client().wait_for_job(job["id"], True, self.bulk_wait),
            f"wait for Bulk 2.0 job {obj}",
        )
        info = self.call(lambda: client().get_job(job["id"], True), "read Bulk 2.0 job")
        return job["id"], int(info.get("numberRecordsProcessed") or 0)

    def bulk_page(self, obj: str, job_id: str, locator: str, size: int) -> tuple[str, str, int]:
        """One CSV page: (text, next locator or '', rows in the page)."""

        def once() -> Any:
            client = getattr(self.api.bulk2, obj)._client  # fresh after a re-login
            try:
                return client.get_query_results(job_id, locator, size)
            except SalesforceResourceNotFound as exc:
                raise CursorExpired() from exc

        result = self.call(once, f"Bulk 2.0 results for {obj}")
        return result["records"], result["locator"], int(result["number_of_records"])


def csv_value(value: Any) -> str:
    """A REST JSON value as a Data Loader CSV cell: '' for null, true/false, exact decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
