"""`pull`: a read-only copy of both systems into the raw folder of DESIGN.md, resumable.

The folder is built as `<RAW>.partial/` and renamed to `<RAW>` only when complete, so a folder
named like the target is always whole. After every page the data file is flushed and
`.pull_state.json` records the byte offset and the cursor (nextRecordsUrl, Bulk locator or
QBO start position), so an interrupted pull restarts where it stopped, per object and page,
and never pulls a finished object again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sfqb_diag.config import ClientConfig
from sfqb_diag.errors import PullError, UsageError
from sfqb_diag.publish import swap_in
from sfqb_diag.sources.live.pull_qbo import pull_quickbooks
from sfqb_diag.sources.live.pull_run import PullInterrupted, PullOptions, PullRun, _now, log
from sfqb_diag.sources.live.pull_sf import pull_salesforce, sf_fields

__all__ = ["PullInterrupted", "PullOptions", "pull", "resolve_paths", "sf_fields"]


class _Redact(logging.Filter):
    """Blank out any known secret that reaches a log line (defence in depth: we never log one)."""

    def __init__(self, secrets: set[str]):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self.secrets:
            if secret and len(secret) >= 4:
                message = message.replace(secret, "[redacted]")
        record.msg, record.args = message, None
        return True


@contextlib.contextmanager
def _logging(path: Path, secrets: set[str]) -> Iterator[_Redact]:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    redact = _Redact(secrets)
    handler.addFilter(redact)
    logger = logging.getLogger("sfqb_diag")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield redact
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        handler.close()


def _tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sfqb-diag")
    except PackageNotFoundError:
        return "0+unknown"


def _manifest(run: PullRun) -> dict[str, Any]:
    """What is known about where the data came from; never a token or a password."""
    facts, counts = run.state["facts"], {}
    for key, st in run.state["objects"].items():
        counts[key.split("/", 1)[1]] = st["rows"]
    manifest: dict[str, Any] = {
        "pulled_at": facts.get("service_time") or _now(),
        "tool_version": _tool_version(),
        "counts": counts,
    }
    if "sf_org" in facts:
        manifest["salesforce"] = facts["sf_org"]
    if "qbo" in facts:
        manifest["quickbooks"] = facts["qbo"]
    if "connector" in facts:
        manifest["connector"] = facts["connector"]
    manifest["pull"] = {
        "started_at": run.state["started_at"],
        "finished_at": _now(),
        "resumed": bool(run.state.get("resumed")),
        "salesforce_fields_missing": {k: v for k, v in facts.get("sf_missing", {}).items() if v},
        # Optional objects the org would not let this user read (LoginHistory without permission).
        "salesforce_objects_skipped": dict(facts.get("sf_refused", {})),
        "salesforce_modes": {
            k.split("/", 1)[1]: v["mode"]
            for k, v in run.state["objects"].items()
            if k.startswith("salesforce/")
        },
        "requests": {side: s.requests for side, s in run.stats.items()},
        # Metered by Intuit per app and month (metering.py): every query sent, resumes included.
        "quickbooks_reads": int(facts.get("qbo_reads") or 0),
        "retries": {side: s.retries for side, s in run.stats.items()},
        "wait_seconds": {side: round(s.seconds, 3) for side, s in run.stats.items()},
    }
    return manifest


def resolve_paths(config: ClientConfig) -> ClientConfig:
    """Relative token_store and ca_bundle paths are relative to the config file, not the cwd."""
    if not config.path:
        return config
    base = Path(config.path).parent

    def fix(value: str | None) -> str | None:
        return (
            str(base / Path(value).expanduser())
            if value and not Path(value).expanduser().is_absolute()
            else value
        )

    sf = dataclasses.replace(
        config.salesforce,
        ca_bundle=fix(config.salesforce.ca_bundle),
        token_store=fix(config.salesforce.token_store) or config.salesforce.token_store,
    )
    qb = dataclasses.replace(
        config.quickbooks,
        ca_bundle=fix(config.quickbooks.ca_bundle),
        token_store=fix(config.quickbooks.token_store) or config.quickbooks.token_store,
    )
    return dataclasses.replace(config, salesforce=sf, quickbooks=qb)


def _secrets(config: ClientConfig, env: Mapping[str, str]) -> set[str]:
    sf, qb = config.salesforce, config.quickbooks
    names = [
        sf.password_env,
        sf.token_env,
        sf.session_id_env,
        sf.consumer_secret_env,
        qb.client_secret_env,
        qb.refresh_token_env,
    ]
    return {env[n] for n in names if env.get(n)}


def pull(config: ClientConfig, out: Path, options: PullOptions | None = None) -> Path:
    """Pull both systems (read-only) into `out`; resume a `<out>.partial/` left by an earlier run."""
    options = options or PullOptions()
    config = resolve_paths(config)
    env = options.env if options.env is not None else os.environ
    out = Path(out)
    if out.exists():
        raise UsageError(
            f"{out} already exists; pull never overwrites a raw folder: choose a new --out or "
            "move the old one away"
        )
    missing = [str(p) for p in options.include if not Path(p).is_file()]
    if missing:
        raise UsageError(f"--include: no such file: {', '.join(missing)}")
    unknown = set(options.sides) - {"salesforce", "quickbooks"}
    if unknown:
        raise UsageError(
            f"unknown side(s) {', '.join(sorted(unknown))}: use salesforce and/or quickbooks"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_name(out.name + ".partial").mkdir(exist_ok=True)
    run = PullRun(config, out, options)
    log_path = options.log_path or out.with_name(out.name + ".pull.log")
    with _logging(log_path, _secrets(config, env)):
        log.info("pull into %s (%s)", out, "resuming" if run.state.get("resumed") else "new")
        try:
            if "salesforce" in options.sides:
                pull_salesforce(run, env)
            if "quickbooks" in options.sides:
                pull_quickbooks(run, env)
        except KeyboardInterrupt as exc:
            run.checkpoint()
            raise PullInterrupted(
                f"interrupted; {run.partial} keeps what was pulled: run the same command "
                "again to resume"
            ) from exc
        except PullError as exc:
            log.error("%s", exc)
            raise
        for extra in options.include:
            shutil.copyfile(extra, run.partial / Path(extra).name)
        manifest = _manifest(run)
        (run.partial / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        run.state_path.unlink()
        swap_in(run.partial, out)  # whole: the previous pull until the new one is complete
        log.info("pull complete: %s", ", ".join(f"{k} {v}" for k, v in manifest["counts"].items()))
    return out
