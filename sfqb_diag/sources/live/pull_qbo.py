"""The QBO side of a pull: COUNT(*), then pages of 1000 kept exactly as QBO sent them."""

from __future__ import annotations

import sys
from collections.abc import Mapping

from sfqb_diag.sources.live.metering import estimate_reads, reads_verdict
from sfqb_diag.sources.live.pull_run import (
    PullRun,
    _close_list,
    _finish,
    _fresh_if_lost,
    _part,
    _sync,
    log,
)
from sfqb_diag.sources.live.quickbooks import (
    ENTITIES,
    PAGE_SIZE,
    SINGLETONS,
    QboClient,
    service_time_utc,
)


def _qbo_entity(run: PullRun, qb: QboClient, entity: str) -> None:
    """Pages are kept as QBO sent them, as a JSON list of query-response bodies (DESIGN.md's
    third .json shape): byte for byte what the API returned, and no re-serialisation cost."""
    key = f"quickbooks/{entity}"
    st = _fresh_if_lost(
        run, key, f"SELECT * FROM {entity}", run.partial / "quickbooks" / f"{entity}.json.part"
    )
    if st["status"] == "done":
        log.info("%s: already pulled (%d rows), skipped", key, st["rows"])
        return
    part = run.partial / "quickbooks" / f"{entity}.json.part"
    if st["total"] is None and entity not in SINGLETONS:
        st["total"] = qb.count(entity)
        run.checkpoint()
    with (
        run.bar(f"quickbooks {entity}", st["total"], st["rows"]) as bar,
        _part(part, st["bytes"]) as handle,
    ):
        if st["bytes"] == 0:
            handle.write(b"[\n")
            _sync(handle, st, 0)
        while st["cursor"] not in ("end", "closed"):
            page = qb.page(entity, st["rows"] + 1, 1 if entity in SINGLETONS else PAGE_SIZE)
            handle.write(qb.last_body)
            handle.write(b",\n")
            _sync(handle, st, len(page))
            if len(page) < PAGE_SIZE or entity in SINGLETONS:
                st["cursor"] = "end"
            bar.update(len(page))
            run.page_done()
        if st["cursor"] == "end":
            _close_list(handle, st)
            run.checkpoint()
    if st["total"] is not None and st["rows"] != st["total"]:
        st["total"] = qb.count(
            entity
        )  # rows may have been added or deleted meanwhile: ask once more
    _finish(run, st, part, key)


def _warn(text: str) -> None:
    log.warning("%s", text)
    print(f"warning: {text}", file=sys.stderr)


def _estimate(run: PullRun, qb: QboClient, pending: list[str]) -> None:
    """Count every pending list first (the counts the pages need anyway) and warn before the
    first page when the pull would spend the sync's reads or a large share of the month."""
    totals = {}
    for entity in (e for e in pending if e not in SINGLETONS):
        key = f"quickbooks/{entity}"
        part = run.partial / "quickbooks" / f"{entity}.json.part"
        st = _fresh_if_lost(run, key, f"SELECT * FROM {entity}", part)
        if st["total"] is None:
            st["total"] = qb.count(entity)
            run.checkpoint()
        totals[entity] = max(0, st["total"] - st["rows"])
    # The counts were just sent (qb.reads so far), so only the pages are still to come.
    pages = estimate_reads(totals, sum(e in SINGLETONS for e in pending)) - len(totals)
    status, text = reads_verdict(run.config.quickbooks, pages + qb.reads, estimated=True)
    (_warn if status == "warn" else log.info)(text)


def pull_quickbooks(run: PullRun, env: Mapping[str, str]) -> None:
    facts = run.state["facts"]
    pending = [
        e
        for e in ENTITIES
        if run.state["objects"].get(f"quickbooks/{e}", {}).get("status") != "done"
    ]
    if "qbo" in facts and not pending:
        return
    cfg = run.config.quickbooks
    qb = QboClient(
        cfg, env, run.options.policy, run.stats["quickbooks"], timeout=run.options.timeout
    ).connect()
    try:
        _estimate(run, qb, pending)
        for entity in ENTITIES:
            _qbo_entity(run, qb, entity)
    finally:  # reads are spent even when the pull stops: a resumed pull adds its own
        facts["qbo_reads"] = int(facts.get("qbo_reads") or 0) + qb.reads
        run.checkpoint()
    status, text = reads_verdict(cfg, facts["qbo_reads"], estimated=False)
    (_warn if status == "warn" else log.info)(text)
    record = qb.record
    facts["qbo"] = {
        "realm_id": qb.realm,
        "environment": cfg.environment,
        "base_url": qb.base_url,
        "minorversion": cfg.minorversion,
        **(record.manifest_facts() if record else {}),
    }
    facts["service_time"] = service_time_utc(qb.service_time)
    run.checkpoint()
