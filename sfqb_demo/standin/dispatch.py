"""One request in, one response out: auth endpoints, faults, throttling, auth checks, writes."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from sfqb_demo.standin import qbo_routes, sf_auth_routes, sf_routes
from sfqb_demo.standin.faults import Fault
from sfqb_demo.standin.state import Request, Response, State

log = logging.getLogger("sfqb_demo.standin")
_ALLOWED_POST = re.compile(
    r"^(/services/Soap/u/[\d.]+|/services/oauth2/token|/services/data/v[\d.]+/jobs/query/?"
    r"|/v3/company/[^/]+/query|/oauth2/v1/tokens/bearer)$"
)
_WRITE_WORDS = re.compile(r"<(?:\w+:)?(create|update|upsert|delete|merge|undelete)\b", re.I)


def is_write(req: Request) -> bool:
    """Would this request change data on a real service? Logins, token grants and queries do not."""
    if req.method in ("GET", "HEAD"):
        return False
    if req.method != "POST" or not _ALLOWED_POST.match(req.path):
        return True
    return req.path.startswith("/services/Soap/") and bool(
        _WRITE_WORDS.search(req.body.decode("utf-8", "replace"))
    )


def _refuse(state: State, req: Request) -> Response:
    entry = {"method": req.method, "path": req.path, "time": state.now().isoformat()}
    with state.lock:
        state.writes.append(entry)
    log.warning("stand-in refused a write: %s %s", req.method, req.path)
    if req.path.startswith("/services"):
        return Response(
            403,
            json.dumps(
                [
                    {
                        "errorCode": "INSUFFICIENT_ACCESS_OR_READONLY",
                        "message": "sfqb-diag stand-in is read-only: this write was refused and logged",
                    }
                ]
            ).encode(),
        )
    return qbo_routes.fault(
        state,
        403,
        "5020",
        "Permission Denied Error",
        "sfqb-diag stand-in is read-only: this write was refused and logged",
    )


def _sf_fault(state: State, fault: Fault) -> Response | None:
    if fault.kind == "401":
        return Response(
            401, b'[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]'
        )
    if fault.kind == "403":
        return Response(
            403,
            b'[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]',
        )
    if fault.kind in ("500", "503"):
        return Response(
            int(fault.kind),
            b'[{"message":"An unexpected error occurred.","errorCode":"UNKNOWN_EXCEPTION"}]',
        )
    return None


def _qbo_fault(state: State, fault: Fault) -> Response | None:
    if fault.kind == "401":
        return qbo_routes.gateway_401(state)
    if fault.kind == "429":
        return qbo_routes.throttled(state, fault.seconds if fault.seconds is not None else 1.0)
    if fault.kind in ("500", "503"):
        return qbo_routes.fault(
            state,
            int(fault.kind),
            "10000",
            "An application error has occurred",
            "Internal Server Error",
            "SystemFault",
        )
    return None


def _with_fault(state: State, side: str) -> tuple[int, Fault | None, Response | None]:
    """Count this data request; apply a fault that changes state; return an early answer if any."""
    number, fault = state.faults.next(side)
    if fault is None:
        return number, None, None
    if fault.kind == "expire":
        state.expire_all()
        return number, fault, None
    if fault.kind == "drop":
        return number, fault, Response(drop=True)
    if fault.kind == "slow":
        return number, fault, None
    return number, fault, (_sf_fault if side == "sf" else _qbo_fault)(state, fault)


def _salesforce(state: State, req: Request) -> tuple[Response, dict[str, Any]]:
    if req.path.startswith("/services/Soap/u/"):
        return sf_auth_routes.login_soap(state, req), {}
    if req.path == "/services/oauth2/token":
        return sf_auth_routes.login_oauth(state, req), {}
    if req.path == "/services/oauth2/authorize" and req.method == "GET":
        return sf_auth_routes.authorize(state, req), {}
    if req.path.rstrip("/") == "/services/data":
        return sf_routes.data_api(state, req), {}
    number, fault, early = _with_fault(state, "sf")
    info = {"n": number, "fault": fault.kind if fault else None}
    resp = early
    if resp is None and req.bearer() not in state.sessions:
        resp = Response(
            401, b'[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]'
        )
    if resp is None:
        resp = sf_routes.data_api(state, req)
    resp.headers["Sforce-Limit-Info"] = f"api-usage={number}/{sf_routes.DAILY_LIMIT}"
    if fault and fault.kind == "slow":
        resp.delay = fault.seconds if fault.seconds is not None else 1.0
    return resp, info


def _quickbooks(state: State, req: Request) -> tuple[Response, dict[str, Any]]:
    if req.path.startswith("/.well-known/"):
        return qbo_routes.discovery(state, req), {}
    if req.path == "/oauth2/v1/tokens/bearer":
        return qbo_routes.token(state, req), {}
    if req.path == "/connect/oauth2" and req.method == "GET":
        return qbo_routes.authorize(state, req), {}
    if not req.path.startswith("/v3/"):
        return qbo_routes.fault(state, 404, "0", "Not found", req.path), {}
    number, fault, early = _with_fault(state, "qbo")
    info = {"n": number, "fault": fault.kind if fault else None}
    if early is not None:
        return early, info
    realm = req.path.split("/")[3] if req.path.count("/") >= 3 else ""
    wait = state.throttle.enter(realm)
    if wait is not None:
        info["throttled"] = True
        return qbo_routes.throttled(state, round(wait, 3)), info
    try:
        if (
            fault and fault.kind == "slow"
        ):  # slow while holding a concurrency slot, as a real slow call does
            time.sleep(fault.seconds if fault.seconds is not None else 1.0)
        if req.bearer() not in state.access_tokens:
            resp = qbo_routes.gateway_401(state)
        else:
            resp, _ = qbo_routes.company_api(state, req)
    finally:
        state.throttle.leave(realm)
    return resp, info


def _query_text(req: Request) -> str | None:
    """The SOQL or QBO query a request carries (for the request log; queries hold no secrets)."""
    if "q" in req.params:
        return req.params["q"]
    if req.method == "POST" and req.path.endswith("/jobs/query"):
        try:
            return str(json.loads(req.body or b"{}").get("query"))
        except (ValueError, AttributeError):
            return None
    if req.method == "POST" and req.path.endswith("/query"):
        return req.body.decode("utf-8", "replace")
    return None


def dispatch(state: State, req: Request) -> Response:
    """Answer one request and log it (method, path, status; never a header or a token)."""
    side = "sf" if req.path.startswith("/services") else "qbo"
    write = is_write(req)
    if write:
        resp, info = _refuse(state, req), dict[str, Any]()
    elif side == "sf":
        resp, info = _salesforce(state, req)
    else:
        resp, info = _quickbooks(state, req)
    state.record(
        {
            "side": side,
            "method": req.method,
            "path": req.path,
            "status": resp.status,
            "write": write,
            "dropped": resp.drop,
            "query": _query_text(req),
            **info,
        }
    )
    return resp
