"""The QBO token store: the one place the live refresh token is kept.

Intuit rotates the refresh token: each refresh may return a new one and the old one then fails
with invalid_grant. So the store is saved atomically after every refresh (temp file + rename,
mode 0600), and refreshing happens under a file lock, re-reading the store inside the lock: a
second pull that waited finds a fresh access token and uses it instead of spending the refresh
token again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from sfqb_diag.errors import PullError
from sfqb_diag.sources.live.retry import Passthrough

# Refresh a little before expiry so a page never starts with a token about to die.
EARLY_SECONDS = 300


class InvalidGrant(Passthrough):
    """The token endpoint refused the refresh token (rotated out, revoked or expired)."""


@dataclass
class TokenRecord:
    refresh_token: str
    access_token: str | None = None
    access_token_expires_at: str | None = None
    refresh_token_issued_at: str | None = None
    refresh_token_expires_at: str | None = None
    # The end of the authorisation's five-year lifespan, when Intuit states it
    # (x_refresh_token_hard_expires_in): refreshing never moves it; only reconnecting does.
    refresh_token_hard_expires_at: str | None = None
    realm_id: str | None = None
    instance_url: str | None = None  # Salesforce: the org's https URL the token belongs to
    updated_at: str | None = None
    # The service's own clock at the last refresh (Date header), for the manifest: a snapshot
    # served by the stand-in keeps its own time, and real services report the real one.
    refreshed_at_service: str | None = None
    access_token_seconds: float | None = None

    def manifest_facts(self) -> dict[str, str]:
        """refresh_token_issued_at and access_token_expires_at in the service's clock (no token)."""
        facts: dict[str, str] = {}
        if self.refresh_token_issued_at:
            facts["refresh_token_issued_at"] = self.refresh_token_issued_at
        if self.refresh_token_expires_at:
            facts["refresh_token_expires_at"] = self.refresh_token_expires_at
        if self.refresh_token_hard_expires_at:
            facts["refresh_token_hard_expires_at"] = self.refresh_token_hard_expires_at
        if self.refreshed_at_service and self.access_token_seconds:
            start = dt.datetime.fromisoformat(self.refreshed_at_service.replace("Z", "+00:00"))
            facts["access_token_expires_at"] = _iso(
                start + dt.timedelta(seconds=self.access_token_seconds)
            )
        return facts


def _utc(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _iso(stamp: dt.datetime) -> str:
    return stamp.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# A refresher takes a refresh token and returns Intuit's token response (access_token,
# refresh_token, expires_in, x_refresh_token_expires_in) plus "server_time" when known.
Refresher = Callable[[str], dict[str, Any]]


class TokenStore:
    """A JSON file (0600) holding the current QBO tokens, guarded by `<file>.lock`."""

    def __init__(
        self,
        path: Path,
        lock_timeout: float = 120.0,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        service: str = "QBO",
    ):
        self.path = Path(path).expanduser()
        self.service = service
        self.lock = FileLock(str(self.path) + ".lock", timeout=lock_timeout)
        self.clock = clock

    def read(self) -> TokenRecord | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise PullError(
                f"token store {self.path} is unreadable ({exc}); delete it and put a fresh "
                "refresh token in the environment variable named by refresh_token_env"
            ) from exc
        known = TokenRecord.__dataclass_fields__
        return TokenRecord(**{k: v for k, v in data.items() if k in known})

    def write(self, record: TokenRecord) -> None:
        """Atomic replace: a crash leaves either the old store or the new one, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(record), handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _usable(self, record: TokenRecord, failed: str | None) -> bool:
        expires = _utc(record.access_token_expires_at)
        return bool(
            record.access_token
            and record.access_token != failed
            and expires
            and (expires - self.clock()).total_seconds() > EARLY_SECONDS
        )

    def access(
        self,
        refresher: Refresher,
        seed: str | None,
        realm_id: str | None = None,
        failed: str | None = None,
    ) -> TokenRecord:
        """A record with a usable access token, refreshing (under the lock) only when needed.

        `seed` is the refresh token from the environment, used when the store is empty or its
        own refresh token is refused. `failed` is an access token the API just rejected.
        """
        try:
            with self.lock:
                record = self.read()
                if record is not None and self._usable(record, failed):
                    return record
                return self._refresh(record, refresher, seed, realm_id)
        except Timeout as exc:
            raise PullError(
                f"another pull holds {self.lock.lock_file} for over {self.lock.timeout:.0f} s; "
                "wait for it to finish (or delete the .lock file if no pull is running)"
            ) from exc

    def store_grant(self, answer: dict[str, Any], realm_id: str | None = None) -> TokenRecord:
        """Keep the tokens a connect flow was just granted (under the lock, atomically)."""
        try:
            with self.lock:
                fresh = self._record(answer, "", None, realm_id)
                self.write(fresh)
                return fresh
        except Timeout as exc:
            raise PullError(f"another run holds {self.lock.lock_file}; try again") from exc

    def _refresh(
        self,
        record: TokenRecord | None,
        refresher: Refresher,
        seed: str | None,
        realm_id: str | None,
    ) -> TokenRecord:
        candidates = [t for t in (record.refresh_token if record else None, seed) if t]
        candidates = list(dict.fromkeys(candidates))
        if not candidates:
            raise PullError(
                f"no {self.service} refresh token: the token store {self.path} does not exist "
                "and no refresh token was given. Run `sfqb-diag connect "
                f"{'salesforce' if self.service == 'Salesforce' else 'quickbooks'} --config FILE`"
            )
        for token in candidates:
            try:
                answer = refresher(token)
            except InvalidGrant:
                continue
            fresh = self._record(answer, token, record, realm_id)
            self.write(fresh)
            return fresh
        if self.service == "Salesforce":
            raise PullError(
                "Salesforce refused the refresh token (invalid_grant): the app's refresh-token "
                "policy expired or revoked it (an admin may have changed it), or the user's "
                f"access was revoked. Run `sfqb-diag connect salesforce` again ({self.path})"
            )
        raise PullError(
            "QBO refused the refresh token (invalid_grant): it was rotated by another tool, "
            "revoked, or unused for 100 days. Run `sfqb-diag connect quickbooks` again (or "
            "export a new refresh token in the variable named by refresh_token_env and delete "
            f"{self.path})"
        )

    def _record(
        self, answer: dict[str, Any], used: str, old: TokenRecord | None, realm_id: str | None
    ) -> TokenRecord:
        local = self.clock()
        service = answer.get("server_time") or local
        seconds = float(answer.get("expires_in") or 3600)
        new_refresh = answer.get("refresh_token") or used
        rotated = new_refresh != used or old is None or old.refresh_token_issued_at is None
        refresh_expires = answer.get("x_refresh_token_expires_in")
        hard = answer.get("x_refresh_token_hard_expires_in")
        return TokenRecord(
            refresh_token=new_refresh,
            access_token=answer["access_token"],
            access_token_expires_at=_iso(
                local + dt.timedelta(seconds=seconds)
            ),  # validity: our clock
            refresh_token_issued_at=_iso(service)
            if rotated
            else (old.refresh_token_issued_at if old else None),
            refresh_token_expires_at=(
                _iso(service + dt.timedelta(seconds=float(refresh_expires)))
                if refresh_expires
                else None
            ),
            refresh_token_hard_expires_at=(
                _iso(service + dt.timedelta(seconds=float(hard)))
                if hard
                else (old.refresh_token_hard_expires_at if old else None)
            ),
            realm_id=realm_id or (old.realm_id if old else None),
            instance_url=answer.get("instance_url") or (old.instance_url if old else None),
            updated_at=_iso(local),
            refreshed_at_service=_iso(service),
            access_token_seconds=seconds,
        )
