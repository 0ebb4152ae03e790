"""HTTP plumbing shared by the Salesforce and QBO pulls: sessions, retries, rate limits.

- Sessions pin the configured CA bundle on every request (requests lets REQUESTS_CA_BUNDLE
  override a session's `verify`), set a timeout, keep the last response (for Retry-After and
  status codes the client libraries drop) and refuse to send anything that could write.
- Retries: exponential backoff with full jitter on 429, 5xx, timeouts and dropped connections,
  honouring Retry-After; the sleep and the random source are injectable for tests.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import requests
from requests_oauthlib import OAuth2Session

from sfqb_diag.errors import PullError, SfqbError

T = TypeVar("T")
log = logging.getLogger("sfqb_diag.pull")

# The only non-GET requests a pull may send: logins, token grants, query endpoints (QBO queries
# are POSTs with the SQL as body; a Bulk 2.0 query job is created by a POST).
_READ_POSTS = re.compile(
    r"/services/Soap/u/[\d.]+/?$|/services/oauth2/token/?$|/services/data/v[\d.]+/jobs/query/?$"
    r"|/v3/company/[^/]+/query/?$|/oauth2/v1/tokens/bearer/?$"
)


class Passthrough(Exception):
    """Exceptions that `call` passes to its caller untouched (the caller handles them)."""


class WriteRefused(PullError):
    """Raised before a request that could change data leaves the machine (a bug, never expected)."""


def check_read_only(method: str, url: str) -> None:
    """Refuse every request that is not a read: pull, check and report never write."""
    path = urlsplit(url).path
    if method.upper() in ("GET", "HEAD") or (method.upper() == "POST" and _READ_POSTS.search(path)):
        return
    raise WriteRefused(
        f"refused to send {method} {path}: sfqb-diag only reads from Salesforce and QBO"
    )


@dataclass
class HttpStats:
    """What the pull spent on the wire: request count and seconds waiting for answers."""

    requests: int = 0
    seconds: float = 0.0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, seconds: float) -> None:
        with self.lock:
            self.requests += 1
            self.seconds += seconds


class _Guarded:
    """Mixin for requests.Session subclasses: CA bundle, timeout, read-only guard, last response."""

    ca_bundle: str | None = None
    timeout: float = 120.0
    stats: HttpStats | None = None
    last_response: requests.Response | None = None

    def setup(self, ca_bundle: str | None, timeout: float, stats: HttpStats | None) -> None:
        self.ca_bundle, self.timeout, self.stats, self.last_response = (
            ca_bundle,
            timeout,
            stats,
            None,
        )

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        check_read_only(method, url)
        if self.ca_bundle:
            kwargs["verify"] = self.ca_bundle
        kwargs.setdefault("timeout", self.timeout)
        started = time.perf_counter()
        self.last_response = None
        response: requests.Response = super().request(method, url, *args, **kwargs)  # type: ignore[misc]
        if self.stats is not None:
            self.stats.add(time.perf_counter() - started)
        self.last_response = response
        return response


class PullSession(_Guarded, requests.Session):  # type: ignore[misc]  # request() takes **kwargs
    """The Salesforce side's session (simple-salesforce accepts a custom one)."""

    def __init__(
        self, ca_bundle: str | None = None, timeout: float = 120.0, stats: HttpStats | None = None
    ):
        requests.Session.__init__(self)
        self.setup(ca_bundle, timeout, stats)


class QboSession(_Guarded, OAuth2Session):
    """python-quickbooks' session, rebuilt with the current access token after every refresh."""

    def __init__(
        self,
        client_id: str,
        access_token: str,
        ca_bundle: str | None = None,
        timeout: float = 120.0,
        stats: HttpStats | None = None,
    ):
        OAuth2Session.__init__(
            self, client_id, token={"access_token": access_token, "token_type": "Bearer"}
        )
        self.setup(ca_bundle, timeout, stats)


@dataclass
class Decision:
    kind: Literal["retry", "reauth", "fatal"]
    message: str
    retry_after: float | None = None


@dataclass
class RetryPolicy:
    """Backoff with full jitter: attempt n waits U(0, min(cap, base * 2**n)), or Retry-After."""

    attempts: int = 8
    base: float = 0.5
    cap: float = 60.0
    max_retry_after: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return self.rng.uniform(0.0, min(self.cap, self.base * 2**attempt))


def retry_after_of(response: requests.Response | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form), or None."""
    if response is None:
        return None
    value = response.headers.get("Retry-After", "")
    try:
        return float(value)
    except ValueError:
        return None


def transient(exc: BaseException) -> bool:
    """Network trouble worth another try: timeouts, resets, dropped or truncated answers."""
    return isinstance(
        exc,
        requests.exceptions.ConnectionError
        | requests.exceptions.Timeout
        | requests.exceptions.ChunkedEncodingError,
    )


def call(
    fn: Callable[[], T],
    classify: Callable[[BaseException], Decision],
    policy: RetryPolicy,
    what: str,
    reauth: Callable[[], None] | None = None,
    stats: HttpStats | None = None,
) -> T:
    """Run `fn`, retrying what `classify` calls transient and re-authenticating on 'reauth'."""
    for attempt in range(policy.attempts):
        try:
            return fn()
        except (SfqbError, Passthrough):
            raise
        except Exception as exc:  # classified below; anything unknown is fatal
            decision = classify(exc)
            if decision.kind == "fatal":
                raise PullError(f"{what}: {decision.message}") from exc
            if attempt == policy.attempts - 1:
                raise PullError(
                    f"{what} still failing after {policy.attempts} attempts ({decision.message}); "
                    "run the same pull again later: it resumes where it stopped"
                ) from exc
            if stats is not None:
                stats.retries += 1
            if decision.kind == "reauth" and reauth is not None:
                log.info("%s: %s; authenticating again", what, decision.message)
                reauth()
            else:
                pause = policy.delay(attempt, decision.retry_after)
                log.warning(
                    "%s: %s; retry %d in %.2f s", what, decision.message, attempt + 1, pause
                )
                policy.sleep(pause)
    raise AssertionError("unreachable")


class RateLimiter:
    """At most `per_minute` calls in any 60 s window (QBO: 500 per realm); sleeps when needed."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.per_minute, self.clock, self.sleep = per_minute, clock, sleep
        self._recent: deque[float] = deque()

    def wait(self) -> None:
        now = self.clock()
        while self._recent and now - self._recent[0] >= 60.0:
            self._recent.popleft()
        if len(self._recent) >= self.per_minute:
            self.sleep(60.0 - (now - self._recent[0]))
            self._recent.popleft()
        self._recent.append(self.clock())
