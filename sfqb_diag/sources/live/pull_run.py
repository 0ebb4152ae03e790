"""The state of one pull: options, the partial folder, its state file, page files.

After every page the data file is flushed and `.pull_state.json` records the byte offset and
the cursor (nextRecordsUrl, Bulk locator or QBO position), so an interrupted pull restarts where
it stopped, per object and page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sfqb_diag.config import ClientConfig
from sfqb_diag.errors import PullError
from sfqb_diag.sources.live.retry import HttpStats, RetryPolicy

log = logging.getLogger("sfqb_diag.pull")
STATE_FILE = ".pull_state.json"
BULK_PAGE = 50_000


class PullInterrupted(PullError):
    """The pull stopped on purpose (a test's abort after page k, or Ctrl-C); run it again to resume."""


@dataclass
class PullOptions:
    """Knobs a user or a test turns; none of them is a credential."""

    quiet: bool = False
    sides: tuple[str, ...] = ("salesforce", "quickbooks")
    env: Mapping[str, str] | None = None  # default: os.environ
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    bulk_wait: float = 5.0  # Bulk 2.0 sleeps this long before its first poll
    bulk_page: int = BULK_PAGE
    abort_after_pages: int | None = None  # simulate a kill after page k (tests)
    timeout: float = 120.0  # seconds to wait for an answer before retrying
    log_path: Path | None = None  # default: <RAW>.pull.log beside the raw folder
    # Files no API serves, copied into the raw folder before it is completed: the connector's
    # sync_log.csv, typically (DESIGN.md "Sync log").
    include: tuple[Path, ...] = ()


class PullRun:
    """One pull: the partial folder, its state file, progress bars and the page counter."""

    def __init__(self, config: ClientConfig, out: Path, options: PullOptions):
        self.config, self.out, self.options = config, out, options
        self.partial = out.with_name(out.name + ".partial")
        self.state_path = self.partial / STATE_FILE
        self.state: dict[str, Any] = {"objects": {}, "facts": {}}
        if self.state_path.is_file():
            self.state = json.loads(self.state_path.read_text(encoding="utf-8"))
            self.state["resumed"] = True
        self.state.setdefault("started_at", _now())
        self.pages = 0
        self.stats = {"salesforce": HttpStats(), "quickbooks": HttpStats()}

    def checkpoint(self) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_path)

    def page_done(self) -> None:
        self.checkpoint()
        self.pages += 1
        if (
            self.options.abort_after_pages is not None
            and self.pages >= self.options.abort_after_pages
        ):
            raise PullInterrupted(
                f"stopped after {self.pages} page(s) as asked; run the pull again to resume"
            )

    def bar(self, label: str, total: int | None, initial: int) -> tqdm:
        return tqdm(
            total=total,
            initial=initial,
            desc=label,
            unit=" rows",
            disable=self.options.quiet,
            file=sys.stderr,
            leave=True,
            dynamic_ncols=True,
        )

    def obj(self, key: str, query: str) -> dict[str, Any]:
        """The state of one object; a changed query (new config) starts that object over."""
        found = self.state["objects"].get(key)
        if found is None or found.get("query") != query:
            found = {
                "query": query,
                "status": "partial",
                "rows": 0,
                "bytes": 0,
                "cursor": None,
                "mode": None,
                "total": None,
                "job": None,
            }
            self.state["objects"][key] = found
        return found


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@contextlib.contextmanager
def _part(path: Path, offset: int) -> Iterator[io.BufferedRandom]:
    """A data file opened at `offset` (anything after it is a page that was not recorded)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "r+b" if path.exists() else "w+b")  # noqa: SIM115 - closed below
    try:
        handle.truncate(offset)
        handle.seek(offset)
        yield handle
    finally:
        handle.close()


def _sync(handle: io.BufferedRandom, st: dict[str, Any], rows: int) -> None:
    """Record the page as written. flush() is enough against a killed process (the kernel
    keeps the bytes); a lost machine is caught by _fresh_if_lost on the next run."""
    handle.flush()
    st["bytes"], st["rows"] = handle.tell(), st["rows"] + rows


def _finish(run: PullRun, st: dict[str, Any], part: Path, label: str) -> None:
    if st["total"] is not None and st["rows"] != st["total"]:
        raise PullError(
            f"{label}: received {st['rows']} rows but the service counted {st['total']}; rows "
            "changed during the pull or a page was cut short. Run the pull again: it resumes"
        )
    os.replace(part, part.with_suffix(""))
    st["status"] = "done"
    run.checkpoint()
    log.info("%s: %d rows", label, st["rows"])


def _close_list(handle: io.BufferedRandom, st: dict[str, Any]) -> None:
    """'[\n' + 'page,\n' * n becomes valid JSON: the last comma goes, the list is closed."""
    handle.seek(st["bytes"] - 2)
    if handle.read(2) == b",\n":
        handle.seek(st["bytes"] - 2)
        handle.truncate()
        handle.write(b"\n]\n")
    else:
        handle.write(b"]\n")
    handle.flush()
    st["bytes"], st["cursor"] = handle.tell(), "closed"


def _fresh_if_lost(run: PullRun, key: str, query: str, part: Path) -> dict[str, Any]:
    """The object's state; started over when its data file is shorter than recorded (a file
    lost with the machine, not just the process)."""
    st = run.obj(key, query)
    if (
        st["status"] != "done"
        and st["bytes"]
        and (not part.exists() or part.stat().st_size < st["bytes"])
    ):
        log.warning("%s: the partial file is shorter than recorded; pulling the object again", key)
        run.state["objects"].pop(key)
        part.unlink(missing_ok=True)
        st = run.obj(key, query)
    return st
