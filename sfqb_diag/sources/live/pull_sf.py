"""The Salesforce side of a pull: which fields, REST pages or Bulk 2.0 pages, into CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simple_salesforce.exceptions import SalesforceError
from tqdm import tqdm

from sfqb_diag import connectors
from sfqb_diag.config import ClientConfig
from sfqb_diag.errors import PullError
from sfqb_diag.sources.live.pull_run import PullRun, _finish, _fresh_if_lost, _part, _sync, log
from sfqb_diag.sources.live.salesforce import CursorExpired, SfClient, csv_value
from sfqb_diag.sources.schema import LINK_ROLES, ROLLUP_ROLES, SF_OBJECTS, SF_OPTIONAL_OBJECTS

# How Salesforce refuses an object the user may not read: no permission, or the type is hidden.
_REFUSALS = ("INSUFFICIENT_ACCESS", "INVALID_TYPE", "is not supported")


def sf_fields(obj: str, available: list[str], config: ClientConfig) -> tuple[list[str], list[str]]:
    """The fields to SELECT (schema fields the org has, plus the configured link and rollup fields) and
    those the checks would like but the org lacks."""
    wanted = list(SF_OBJECTS[obj][1])
    for role in LINK_ROLES:  # the configured link fields (client.yaml `links:`)
        where = config.links.field_of(role)
        if where and where[0] == obj and where[1] not in wanted:
            wanted.append(where[1])
    for role in ROLLUP_ROLES:  # money the connector writes back (client.yaml `rollups:`)
        where = config.rollups.field_of(role)
        if where and where[0] == obj and where[1] not in wanted:
            wanted.append(where[1])
    have = set(available)
    return [f for f in wanted if f in have], [f for f in wanted if f not in have]


def _rows_csv(records: list[dict[str, Any]], fields: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[csv_value(rec.get(f)) for f in fields] for rec in records])
    return buffer.getvalue().encode("utf-8")


def _sf_rest(
    run: PullRun, sf: SfClient, st: dict[str, Any], fields: list[str], part: Path, bar: tqdm
) -> None:
    soql, include_deleted = st["query"], "IsDeleted" in fields
    if st["rows"] and st["cursor"] is None:
        return  # every page was written before the interruption
    with _part(part, st["bytes"]) as handle:
        if st["bytes"] == 0:
            handle.write(_rows_csv([{f: f for f in fields}], fields))
            _sync(handle, st, 0)
        for records, following, total in sf.rest_pages(soql, include_deleted, st["cursor"]):
            if total is not None:
                st["total"] = total
            handle.write(_rows_csv(records, fields))
            _sync(handle, st, len(records))
            st["cursor"] = following
            bar.update(len(records))
            run.page_done()


def _sf_bulk(
    run: PullRun,
    sf: SfClient,
    obj: str,
    st: dict[str, Any],
    fields: list[str],
    part: Path,
    bar: tqdm,
) -> None:
    if st["job"] is None:
        st["job"], st["total"] = sf.bulk_job(obj, st["query"], "IsDeleted" in fields)
        st["cursor"] = ""
        run.checkpoint()
    with _part(part, st["bytes"]) as handle:
        while st["cursor"] is not None:
            text, following, count = sf.bulk_page(
                obj, st["job"], st["cursor"], run.options.bulk_page
            )
            if st["bytes"]:  # every page repeats the header; keep the first one only
                text = text.split("\n", 1)[1] if "\n" in text else ""
            handle.write(text.encode("utf-8"))
            _sync(handle, st, count)
            st["cursor"] = following or None
            bar.update(count)
            run.page_done()


def _refused(exc: PullError) -> bool:
    cause = exc.__cause__
    return isinstance(cause, SalesforceError) and any(r in str(cause.content) for r in _REFUSALS)


def _sf_optional(run: PullRun, sf: SfClient, obj: str) -> None:
    """An object read only when permitted: a refusal skips it with a note, never stops the pull."""
    try:
        _sf_object(run, sf, obj)
    except PullError as exc:
        if not _refused(exc):
            raise
        log.warning(
            "salesforce/%s: not readable by this user (%s); skipped, its checks are listed as "
            "not checked. Grant Monitor Login History (or Manage Users) to include it",
            obj,
            exc,
        )
        run.state["objects"].pop(f"salesforce/{obj}", None)
        (run.partial / "salesforce" / f"{obj}.csv.part").unlink(missing_ok=True)
        run.state["facts"].setdefault("sf_refused", {})[obj] = str(exc)
        run.checkpoint()


def _sf_object(run: PullRun, sf: SfClient, obj: str) -> None:
    key = f"salesforce/{obj}"
    fields = run.state["facts"]["sf_fields"][obj]
    part = run.partial / "salesforce" / f"{obj}.csv.part"
    where = SF_OPTIONAL_OBJECTS.get(obj)
    query = f"SELECT {', '.join(fields)} FROM {obj}" + (f" WHERE {where}" if where else "")
    st = _fresh_if_lost(run, key, query, part)
    if st["status"] == "done":
        log.info("%s: already pulled (%d rows), skipped", key, st["rows"])
        return
    if st["mode"] is None:
        st["total"] = sf.count(obj, "IsDeleted" in fields, where)
        # Optional objects stay on REST: LoginHistory documents query(), not Bulk API 2.0 jobs.
        big = st["total"] >= run.config.salesforce.bulk_threshold and not where
        st["mode"] = "bulk" if big else "rest"
        run.checkpoint()
    with run.bar(f"salesforce {obj}", st["total"], st["rows"]) as bar:
        try:
            (
                _sf_bulk(run, sf, obj, st, fields, part, bar)
                if st["mode"] == "bulk"
                else _sf_rest(run, sf, st, fields, part, bar)
            )
        except CursorExpired:
            log.warning(
                "%s: the saved cursor expired; pulling the object again from the start", key
            )
            run.state["objects"].pop(key)
            part.unlink(missing_ok=True)
            return _sf_object(run, sf, obj)
    _finish(run, st, part, key)


def _connector(sf: SfClient) -> dict[str, Any]:
    """The installed managed packages and the known connector among them (manifest `connector`)."""
    try:
        packages = sf.installed_packages()
    except PullError as exc:  # the Tooling API needs View Setup; the pull goes on without it
        log.warning("salesforce: installed packages not readable (%s); connector not recorded", exc)
        return {"preset": None, "packages": None}
    found = connectors.detected(packages)
    return {
        "preset": found[0][0] if found else None,
        "packages": [{"namespace": ns, "name": name} for ns, name in packages],
    }


def pull_salesforce(run: PullRun, env: Mapping[str, str]) -> None:
    facts = run.state["facts"]
    pending = [
        o
        for o in SF_OBJECTS
        if run.state["objects"].get(f"salesforce/{o}", {}).get("status") != "done"
    ]
    if "sf_org" in facts and not pending:
        return
    sf = SfClient(
        run.config.salesforce,
        env,
        run.options.policy,
        run.stats["salesforce"],
        run.options.bulk_wait,
        run.options.timeout,
    ).login()
    org = sf.organization()
    facts["sf_org"] = {
        "instance_url": sf.instance_url,
        "is_sandbox": org.get("IsSandbox"),
        "org_id": org.get("Id"),
        "api_version": sf.version,
        "username": sf.username,
        "auth": run.config.salesforce.auth,
    }
    if "connector" not in facts:
        facts["connector"] = _connector(sf)
    if "sf_described" not in facts:  # describe once per pull, also across resumes
        facts["sf_described"] = {obj: sf.describe_fields(obj) for obj in SF_OBJECTS}
        run.checkpoint()
    # Fields follow the current config: a changed link field restarts only that object.
    facts["sf_fields"], facts["sf_missing"] = {}, {}
    for obj, available in facts["sf_described"].items():
        if available is None:
            log.warning("salesforce/%s: the org has no such object; not pulled", obj)
            continue
        facts["sf_fields"][obj], facts["sf_missing"][obj] = sf_fields(obj, available, run.config)
        if facts["sf_missing"][obj]:
            log.info(
                "salesforce/%s: fields not in this org: %s",
                obj,
                ", ".join(facts["sf_missing"][obj]),
            )
    for obj in facts["sf_fields"]:
        if obj in facts.get("sf_refused", {}):
            continue
        (_sf_optional if obj in SF_OPTIONAL_OBJECTS else _sf_object)(run, sf, obj)
