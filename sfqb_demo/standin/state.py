"""Shared state of one stand-in: served data, issued credentials, cursors, and the request log."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from sfqb_demo.standin.faults import FaultPlan, Throttle
from sfqb_demo.standin.rawdata import RawData

DEFAULT_ORG_ID = "00D5g000000StndAAA"
DEFAULT_REALM = "9130350000000000"


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value[7:].strip() if value.lower().startswith("bearer ") else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0


@dataclass
class State:
    """Mutable state behind one stand-in; every method is thread-safe."""

    data: RawData
    faults: FaultPlan
    throttle: Throttle
    base_url: str = ""
    page_size: int = 2000  # Salesforce REST query batch size
    sessions: set[str] = field(default_factory=set)
    access_tokens: set[str] = field(default_factory=set)
    live_refresh: set[str] = field(default_factory=set)
    rotated_refresh: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)  # every token or session handed out
    cursors: dict[str, tuple[list[dict[str, Any]], int]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    writes: list[dict[str, Any]] = field(default_factory=list)
    cache: dict[Any, Any] = field(default_factory=dict)  # query results and serialised entities
    # OAuth: codes handed out by the authorize endpoints (code -> what the token call must match),
    # and Salesforce refresh tokens from the web-server flow.
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    sf_refresh: set[str] = field(default_factory=set)
    # A canned login refusal (sf_routes.LOGIN_ERRORS) for testing how it is explained.
    login_error: str | None = None
    # Objects this user may describe but not query (LoginHistory without Monitor Login History).
    refused_objects: frozenset[str] = frozenset()
    # Installed managed packages as (namespace, name); None: those the data's field names imply.
    packages: list[tuple[str, str]] | None = None
    refreshes: int = 0
    invalid_grants: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def org_id(self) -> str:
        return str((self.data.manifest.get("salesforce") or {}).get("org_id") or DEFAULT_ORG_ID)

    @property
    def realm_id(self) -> str:
        return str((self.data.manifest.get("quickbooks") or {}).get("realm_id") or DEFAULT_REALM)

    @property
    def is_sandbox(self) -> bool:
        return bool((self.data.manifest.get("salesforce") or {}).get("is_sandbox", False))

    @property
    def qbo_environment(self) -> str:
        return str((self.data.manifest.get("quickbooks") or {}).get("environment") or "production")

    def now(self) -> dt.datetime:
        """Service time: the raw folder's pulled_at when it has one, else the wall clock.

        The served data is a snapshot and its clock stands still at the moment it was taken, so a
        pull from the stand-in records the same as-of time as the raw folder it serves.
        """
        pulled = self.data.manifest.get("pulled_at")
        if pulled:
            try:
                stamp = dt.datetime.fromisoformat(str(pulled).replace("Z", "+00:00"))
                return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
            except ValueError:
                pass
        return dt.datetime.now(dt.UTC)

    def new_token(self, prefix: str, pool: set[str]) -> str:
        token = prefix + secrets.token_urlsafe(24)
        with self.lock:
            pool.add(token)
            self.issued.append(token)
        return token

    def expire_all(self) -> None:
        """Every session and access token issued so far stops working (a mid-pull expiry)."""
        with self.lock:
            self.sessions.clear()
            self.access_tokens.clear()

    def rotate(self, refresh_token: str) -> bool:
        """Accept a refresh token once: a rotated-out one fails like Intuit's invalid_grant."""
        with self.lock:
            if not refresh_token or refresh_token in self.rotated_refresh:
                self.invalid_grants += 1
                return False
            self.live_refresh.discard(refresh_token)
            self.rotated_refresh.add(refresh_token)
            self.refreshes += 1
            return True

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.log.append(entry)
