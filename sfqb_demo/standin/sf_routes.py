"""Salesforce as the stand-in speaks it (logins: sf_auth_routes): REST query/queryAll, describe,
limits and Bulk API 2.0 query jobs, in the wire formats simple-salesforce expects."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from sfqb_demo.standin.query import Query, QueryError, matches, parse
from sfqb_demo.standin.rawdata import SfTable, typed
from sfqb_demo.standin.state import Request, Response, State

DAILY_LIMIT = 100_000
_DATA = re.compile(r"^/services/data/v(?P<ver>\d+\.\d)(?P<rest>/.*)?$")


def _json(body: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(body, separators=(",", ":")).encode())


def _error(status: int, code: str, message: str) -> Response:
    return _json([{"message": message, "errorCode": code}], status)


def _organization(state: State) -> SfTable:
    facts = state.data.manifest.get("salesforce") or {}
    header = ["Id", "Name", "IsSandbox", "InstanceName", "OrganizationType"]
    row = [
        state.org_id,
        str(facts.get("org_name") or "sfqb-diag stand-in org"),
        str(state.is_sandbox).lower(),
        str(facts.get("instance_name") or "STANDIN1"),
        "Enterprise Edition",
    ]
    return SfTable("Organization", header, [row], {"Id": "id", "IsSandbox": "boolean"})


def _table(state: State, name: str) -> SfTable | None:
    return _organization(state) if name == "Organization" else state.data.sf.get(name)


def _select(table: SfTable, query: Query, include_deleted: bool) -> list[list[str]]:
    """Rows matching the query, in file order (or ORDER BY), deleted rows only for queryAll."""
    index = {name: i for i, name in enumerate(table.header)}
    for cond in query.where:
        if cond.field not in index:
            raise QueryError(f"No such column '{cond.field}' on entity '{table.name}'")
    rows = [r for r in table.rows if include_deleted or not table.is_deleted(r)]
    for cond in query.where:
        i, kind = index[cond.field], table.types.get(cond.field, "string")
        rows = [r for r in rows if matches(typed(r[i] if i < len(r) else "", kind), cond)]
    if query.order_by in index:
        i = index[query.order_by]
        rows = sorted(rows, key=lambda r: r[i], reverse=query.descending)
    return rows[: query.limit] if query.limit is not None else rows


def _records(
    table: SfTable, rows: list[list[str]], fields: list[str], version: str
) -> list[dict[str, Any]]:
    """Rows as REST records: an attributes block, then the SELECTed fields only, typed."""
    index = {name: i for i, name in enumerate(table.header)}
    plan = [(name, index[name], table.types.get(name, "string")) for name in fields]
    url = f"/services/data/v{version}/sobjects/{table.name}/"
    out = []
    for row in rows:
        rec: dict[str, Any] = {
            "attributes": {"type": table.name, "url": url + (row[0] if row else "")}
        }
        for name, i, kind in plan:
            value = typed(row[i], kind) if i < len(row) else None
            if "." in name:  # a relationship column such as Account.Name
                parent, child = name.split(".", 1)
                rec.setdefault(parent, {"attributes": {"type": parent}})[child] = value
            else:
                rec[name] = value
        out.append(rec)
    return out


def _parse_for(state: State, text: str) -> tuple[SfTable, Query]:
    query = parse(text, "soql")
    table = _table(state, query.source)
    if table is None or query.source in state.refused_objects:
        raise QueryError(f"sObject type '{query.source}' is not supported.")
    unknown = [f for f in query.fields if f not in table.header]
    if unknown:
        raise QueryError(f"No such column '{unknown[0]}' on entity '{table.name}'.")
    return table, query


def _query(state: State, req: Request, version: str, include_deleted: bool) -> Response:
    try:
        table, query = _parse_for(state, req.params.get("q", ""))
        rows = _select(table, query, include_deleted)
    except QueryError as exc:
        # Salesforce names an object the user may not see INVALID_TYPE, anything else malformed.
        code = "INVALID_TYPE" if "is not supported" in str(exc) else "MALFORMED_QUERY"
        return _error(400, code, str(exc))
    if query.count:
        return _json({"totalSize": len(rows), "done": True, "records": []})
    records = _records(table, rows, query.fields, version)
    return _page(state, records, 0, version, f"01g{len(state.cursors) + 1:015d}")


def _page(
    state: State, records: list[dict[str, Any]], start: int, version: str, cursor: str
) -> Response:
    end = start + state.page_size
    body: dict[str, Any] = {
        "totalSize": len(records),
        "done": end >= len(records),
        "records": records[start:end],
    }
    if end < len(records):
        with state.lock:
            state.cursors[cursor] = (records, len(records))
        body["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor}-{end}"
    return _json(body)


def _query_more(state: State, locator: str, version: str) -> Response:
    cursor, _, start = locator.rpartition("-")
    found = state.cursors.get(cursor)
    if found is None or not start.isdigit():
        return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(state, found[0], int(start), version, cursor)


def _describe(state: State, name: str) -> Response:
    table = _table(state, name)
    if table is None:
        return _error(
            404, "NOT_FOUND", f"The requested resource does not exist: sObject type '{name}'"
        )
    fields = [
        {
            "name": f,
            "type": table.types.get(f, "string"),
            "nillable": f != "Id",
            "custom": f.endswith("__c"),
        }
        for f in table.header
        if "." not in f
    ]
    return _json({"name": name, "label": name, "queryable": True, "fields": fields})


def _bulk_create(state: State, req: Request) -> Response:
    try:
        payload = json.loads(req.body or b"{}")
        table, query = _parse_for(state, payload.get("query", ""))
        rows = _select(table, query, payload.get("operation") == "queryAll")
    except (QueryError, ValueError) as exc:
        return _error(400, "INVALIDJOB", str(exc))
    with state.lock:
        job_id = f"750{len(state.jobs) + 1:015d}"
        state.jobs[job_id] = {
            "table": table,
            "fields": query.fields,
            "rows": rows,
            "operation": payload.get("operation", "query"),
        }
    return _json(_job_info(state, job_id, "UploadComplete"))


def _job_info(state: State, job_id: str, status: str) -> dict[str, Any]:
    job = state.jobs[job_id]
    return {
        "id": job_id,
        "operation": job["operation"],
        "object": job["table"].name,
        "createdById": "005000000000001AAA",
        "state": status,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": 62.0,
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
        "numberRecordsProcessed": len(job["rows"]) if status == "JobComplete" else 0,
    }


def _bulk_results(state: State, req: Request, job_id: str) -> Response:
    """One page of CSV; Sforce-Locator names the next page or says 'null'."""
    job = state.jobs[job_id]
    start = int(req.params.get("locator") or 0)
    size = int(req.params.get("maxRecords") or 50_000)
    index = {name: i for i, name in enumerate(job["table"].header)}
    cols = [index[f] for f in job["fields"]]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(job["fields"])
    page = job["rows"][start : start + size]
    writer.writerows([[r[i] if i < len(r) else "" for i in cols] for r in page])
    following = start + size if start + size < len(job["rows"]) else None
    headers = {
        "Sforce-Locator": str(following) if following is not None else "null",
        "Sforce-NumberOfRecords": str(len(page)),
    }
    return Response(200, out.getvalue().encode(), "text/csv;charset=UTF-8", headers)


def _bulk(state: State, req: Request, rest: str) -> Response:
    parts = [p for p in rest.split("/") if p][2:]  # after jobs/query
    if req.method == "POST" and not parts:
        return _bulk_create(state, req)
    if req.method == "GET" and parts and parts[0] in state.jobs:
        if len(parts) == 1:
            return _json(_job_info(state, parts[0], "JobComplete"))
        if parts[1:] == ["results"]:
            return _bulk_results(state, req, parts[0])
    return _error(404, "NOT_FOUND", "The requested resource does not exist")


def is_write(req: Request, rest: str) -> bool:
    """Anything that would change data: every non-GET except a query job or a login."""
    if req.method in ("GET", "HEAD"):
        return False
    return not (req.method == "POST" and rest.rstrip("/") == "/jobs/query")


def _packages(state: State) -> list[tuple[str, str]]:
    """The installed packages: as configured, else one per namespace prefix the fields carry."""
    if state.packages is not None:
        return state.packages
    # A managed package's fields are ns__Field__c: two double underscores.
    names = (n for t in state.data.sf.values() for n in t.header if n.count("__") == 2)
    return sorted({(n.split("__")[0], n.split("__")[0]) for n in names})


def _tooling_query(state: State, req: Request) -> Response:
    """Tooling API query; only InstalledSubscriberPackage is known to the stand-in."""
    if "InstalledSubscriberPackage" not in req.params.get("q", ""):
        return _error(400, "INVALID_TYPE", "sObject type is not supported by the stand-in.")
    records = [
        {
            "attributes": {"type": "InstalledSubscriberPackage"},
            "SubscriberPackage": {
                "attributes": {"type": "SubscriberPackage"},
                "NamespacePrefix": ns,
                "Name": name,
            },
        }
        for ns, name in _packages(state)
    ]
    return _json(
        {"size": len(records), "totalSize": len(records), "done": True, "records": records}
    )


def data_api(state: State, req: Request) -> Response:
    """Route /services/data/vXX.X/...; the caller has already checked the session."""
    match = _DATA.match(req.path)
    if not match:
        return _json([{"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}])
    version, rest = match.group("ver"), match.group("rest") or "/"
    if rest.startswith("/query/") or rest.startswith("/queryAll/"):
        tail = rest.split("/", 2)[2]
        if tail:
            return _query_more(state, tail, version)
        return _query(state, req, version, include_deleted=rest.startswith("/queryAll/"))
    if rest.startswith("/tooling/query"):
        return _tooling_query(state, req)
    if rest.startswith("/jobs/query"):
        return _bulk(state, req, rest)
    if rest.rstrip("/") == "/limits":
        used = state.faults.counts["sf"]
        return _json({"DailyApiRequests": {"Max": DAILY_LIMIT, "Remaining": DAILY_LIMIT - used}})
    found = re.match(r"^/sobjects/(\w+)/describe/?$", rest)
    if found:
        return _describe(state, found.group(1))
    if rest.rstrip("/") == "/sobjects":
        return _json({"sobjects": [{"name": n, "queryable": True} for n in state.data.sf]})
    if rest == "/":
        return _json(
            {
                "query": f"/services/data/v{version}/query",
                "sobjects": f"/services/data/v{version}/sobjects",
            }
        )
    return _error(404, "NOT_FOUND", "The requested resource does not exist")
