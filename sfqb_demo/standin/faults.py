"""Reproducible faults and QBO-like throttling for the stand-in.

Faults are triggered by request count, never by time, so a failing test replays exactly:
`qbo:429@5x3` answers the 5th, 6th and 7th QBO API requests with an XML 429. Only data API
requests count (Salesforce /services/data/..., QBO /v3/...), not logins or token refreshes.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sfqb_diag.errors import UsageError

FAULT_KINDS = {
    "sf": {"401", "403", "500", "503", "drop", "slow", "expire"},
    "qbo": {"401", "429", "500", "503", "drop", "slow", "expire"},
}
FAULT_HELP = (
    "SIDE:KIND@N[xR][=SECONDS], comma separated. SIDE is sf or qbo; the fault hits the N-th data "
    "request of that side and the R-1 after it. KIND: 401 (sf INVALID_SESSION_ID, qbo lower-case "
    "gateway fault), 403 (sf REQUEST_LIMIT_EXCEEDED), 429 (qbo XML ThrottleExceeded, Retry-After "
    "SECONDS, default 1), 500, 503, drop (connection closed without an answer), slow (answer after "
    "SECONDS), expire (every access token / session issued so far stops working). "
    "Example: qbo:429@3x2=0.01,qbo:expire@6,sf:500@2,sf:drop@4"
)
_SPEC = re.compile(r"^(sf|qbo):(\w+)@(\d+)(?:x(\d+))?(?:=([0-9.]+))?$")


@dataclass(frozen=True)
class Fault:
    side: str
    kind: str
    at: int
    repeat: int = 1
    seconds: float | None = None

    def hits(self, number: int) -> bool:
        return self.at <= number < self.at + self.repeat


def parse_faults(spec: str | list[str] | None) -> list[Fault]:
    """Parse a fault spec (see FAULT_HELP); raise UsageError naming the bad entry."""
    items: list[str] = []
    for part in [spec] if isinstance(spec, str) else (spec or []):
        items.extend(p.strip() for p in part.split(",") if p.strip())
    faults = []
    for item in items:
        match = _SPEC.match(item)
        if not match or match.group(2) not in FAULT_KINDS[match.group(1)]:
            raise UsageError(f"fault {item!r} not understood; expected {FAULT_HELP}")
        side, kind, at, repeat, seconds = match.groups()
        faults.append(
            Fault(side, kind, int(at), int(repeat or 1), float(seconds) if seconds else None)
        )
    return faults


class FaultPlan:
    """Counts data requests per side and says which fault (if any) the current one meets."""

    def __init__(self, faults: list[Fault]):
        self.faults = faults
        self.counts = {"sf": 0, "qbo": 0}
        self._lock = threading.Lock()

    def next(self, side: str) -> tuple[int, Fault | None]:
        with self._lock:
            self.counts[side] += 1
            number = self.counts[side]
        for fault in self.faults:
            if fault.side == side and fault.hits(number):
                return number, fault
        return number, None


class Throttle:
    """QBO's limits per realm: `per_minute` requests in any 60 s window and `concurrent` in flight."""

    def __init__(
        self,
        per_minute: int = 500,
        concurrent: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_minute, self.concurrent, self.clock = per_minute, concurrent, clock
        self._recent: dict[str, deque[float]] = {}
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()

    def enter(self, realm: str) -> float | None:
        """Admit a request (return None) or say how many seconds to wait (and do not admit it)."""
        with self._lock:
            now = self.clock()
            recent = self._recent.setdefault(realm, deque())
            while recent and now - recent[0] >= 60.0:
                recent.popleft()
            if len(recent) >= self.per_minute:
                return max(0.0, 60.0 - (now - recent[0]))
            if self._in_flight.get(realm, 0) >= self.concurrent:
                return 1.0
            recent.append(now)
            self._in_flight[realm] = self._in_flight.get(realm, 0) + 1
            return None

    def leave(self, realm: str) -> None:
        with self._lock:
            self._in_flight[realm] = max(0, self._in_flight.get(realm, 0) - 1)
