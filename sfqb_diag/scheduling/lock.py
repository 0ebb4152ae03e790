"""Unattended safety for scheduled reports: one run per report folder, and a time limit per notebook.

cron and CI happily start a run while yesterday's is still going (a slow pull, a stuck kernel).
Two runs writing the same `<out>.partial/` or the same history would trample each other, so a run
takes `<out>.lock` for its whole length. The lock is an OS file lock (filelock): it is released
when the process ends, however it ends, so a crashed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from sfqb_diag.errors import UsageError


class RunLocked(UsageError):
    """Another run holds the lock (exit 2: nothing was written)."""


@dataclass(frozen=True)
class ScheduleOptions:
    """What `report` adds for scheduled runs. All optional: a plain report uses none of them.

    history: keep this run under HISTORY/<as-of>/ and chart the trend; keep: retain the last N kept
    runs; notebook_timeout: seconds one notebook may take in all; lock_wait: seconds to wait for
    another run on the same report folder before giving up.
    """

    history: Path | None = None
    keep: int | None = None
    notebook_timeout: float | None = None
    lock_wait: float = 0.0

    def validated(self) -> ScheduleOptions:
        if self.keep is not None and self.keep < 1:
            raise UsageError(f"--keep {self.keep}: keep at least one run")
        if self.keep is not None and self.history is None:
            raise UsageError("--keep needs --history DIR: it says how many kept runs to retain")
        if self.notebook_timeout is not None and self.notebook_timeout <= 0:
            raise UsageError(
                f"--timeout {self.notebook_timeout}: give a number of seconds above zero"
            )
        return self


def lock_path(out: Path) -> Path:
    """`<out>.lock`, beside the report folder (inside it, publishing would swap it away)."""
    out = Path(out)
    return out.with_name(out.name + ".lock")


@contextlib.contextmanager
def _locked(path: Path, wait: float, message: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise RunLocked(message) from None
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def run_lock(out: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold `<out>.lock` for a whole run; fail at once (or after `wait` s) if another run has it."""
    path = lock_path(out)
    with _locked(
        path,
        wait,
        f"another sfqb-diag run is writing {out} (it holds {path}); this run wrote "
        "nothing. Let it finish, or schedule runs further apart.",
    ):
        yield


@contextlib.contextmanager
def history_lock(history: Path, wait: float = 60.0) -> Iterator[None]:
    """Serialise writers of one history folder (runs of different report folders may share it)."""
    with _locked(
        Path(history) / ".lock", wait, f"{history} is locked by another run for over {wait:.0f} s"
    ):
        yield


def notebook_deadline(
    limit_s: float | None, cell_limit_s: float | None
) -> Callable[[Any], float | None] | None:
    """A per-cell timeout function for nbclient that enforces a limit on the whole notebook.

    nbclient only knows per-cell timeouts; asking it, before each cell, for the time left until
    the notebook's deadline makes the sum of cells respect the limit. None: no limit beyond cells.
    """
    if limit_s is None:
        return None
    deadline = time.monotonic() + limit_s

    def remaining(_cell: Any) -> float:
        left = deadline - time.monotonic()
        if left <= 0:  # stop before starting another cell; nbclient shuts the kernel down
            raise TimeoutError(f"the notebook ran past its time limit of {limit_s:g} s")
        return min(left, cell_limit_s) if cell_limit_s else left

    return remaining
