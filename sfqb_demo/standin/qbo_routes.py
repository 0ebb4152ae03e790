"""QuickBooks Online as the stand-in speaks it: Intuit's discovery document, the token endpoint
with refresh-token rotation, and the v3 query / companyinfo / preferences endpoints."""

from __future__ import annotations

import base64
import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode

from sfqb_demo.standin.query import Condition, QueryError, matches, parse
from sfqb_demo.standin.rawdata import NAME_LISTS
from sfqb_demo.standin.state import Request, Response, State

ACCESS_SECONDS = 3600
REFRESH_SECONDS = 8_726_400  # about 101 days, as Intuit reports it
# What is left of the five-year lifespan, sent when asked for with Intuit's opt-in header.
HARD_SECONDS = 150_000_000
_COMPANY = re.compile(r"^/v3/company/(?P<realm>[^/]+)/(?P<what>[^/?]+)(?:/(?P<rest>.*))?$")


def _json(body: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(body, separators=(",", ":")).encode())


def _time(state: State) -> str:
    return state.now().isoformat(timespec="milliseconds")


def fault(
    state: State, status: int, code: str, message: str, detail: str, kind: str = "ValidationFault"
) -> Response:
    return _json(
        {
            "Fault": {
                "Error": [{"Message": message, "Detail": detail, "code": code}],
                "type": kind,
            },
            "time": _time(state),
        },
        status,
    )


def gateway_401(state: State) -> Response:
    """The API gateway's 401 is lower-case JSON, unlike every other QBO fault."""
    return _json(
        {
            "fault": {
                "error": [
                    {
                        "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                        "detail": "Token expired or invalid",
                        "code": "3200",
                    }
                ],
                "type": "SERVICE",
            },
            "requestId": "standin",
        },
        401,
    )


def throttled(state: State, retry_after: float) -> Response:
    """QBO's 429 comes as XML even when JSON was asked for."""
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse xmlns='
        f'"http://schema.intuit.com/finance/v3" time="{_time(state)}"><Fault type="SERVICE">'
        '<Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>'
        "<Detail>The request limit was reached.</Detail></Error></Fault></IntuitResponse>"
    )
    return Response(429, body.encode(), "application/xml", {"Retry-After": f"{retry_after:g}"})


def discovery(state: State, req: Request) -> Response:
    base = state.base_url
    return _json(
        {
            "issuer": f"{base}/oauth2",
            "authorization_endpoint": f"{base}/connect/oauth2",
            "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
            "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
            "revocation_endpoint": f"{base}/oauth2/v1/tokens/revoke",
            "jwks_uri": f"{base}/oauth2/v1/keys",
        }
    )


def token(state: State, req: Request) -> Response:
    """refresh_token grant: the presented token is spent and a new one issued (rotation)."""
    basic = req.headers.get("authorization", "")
    try:
        client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
    except ValueError:
        client_id, secret = "", ""
    if not basic.startswith("Basic ") or not client_id or not secret:
        return _json({"error": "invalid_client"}, 401)
    form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
    grant = form.get("grant_type")
    if grant == "refresh_token" and not state.rotate(form.get("refresh_token", "")):
        return _json({"error": "invalid_grant"}, 400)
    if grant == "authorization_code" and not _code_ok(state, form):
        return _json({"error": "invalid_grant"}, 400)
    if grant not in ("refresh_token", "authorization_code"):
        return _json({"error": "unsupported_grant_type"}, 400)
    access = state.new_token("eyJstandin.", state.access_tokens)
    refresh = state.new_token("RT1-standin-", state.live_refresh)
    body: dict[str, Any] = {
        "token_type": "bearer",
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": ACCESS_SECONDS,
        "x_refresh_token_expires_in": REFRESH_SECONDS,
    }
    if req.headers.get("x-include-refresh-token-hard-expires-in", "").lower() == "true":
        body["x_refresh_token_hard_expires_in"] = HARD_SECONDS
    return _json(body)


def _code_ok(state: State, form: dict[str, str]) -> bool:
    """A code from the authorize endpoint, spent once, with the redirect URI it was issued for."""
    with state.lock:
        issued = state.codes.pop(form.get("code", ""), None)
    return bool(
        issued and issued["side"] == "qbo" and issued["redirect_uri"] == form.get("redirect_uri")
    )


def authorize(state: State, req: Request) -> Response:
    """GET /connect/oauth2: the company admin consents; redirect with code, state and realmId."""
    params = req.params
    target = params.get("redirect_uri", "")
    scopes = params.get("scope", "").split()
    if params.get("response_type") != "code" or not params.get("client_id") or not target:
        return _json({"error": "invalid_request"}, 400)
    if "com.intuit.quickbooks.accounting" not in scopes:
        return _json({"error": "invalid_scope"}, 400)
    code = "AB11" + secrets.token_urlsafe(24)
    with state.lock:
        state.codes[code] = {"side": "qbo", "redirect_uri": target}
    query = {"code": code, "state": params.get("state", ""), "realmId": state.realm_id}
    return Response(302, b"", headers={"Location": f"{target}?{urlencode(query)}"})


def _value(entity: dict[str, Any], dotted: str) -> Any:
    value: Any = entity
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _filter(state: State, text: str) -> tuple[str, list[int], Any]:
    """Indices of the entities a query selects (before paging), cached per query shape."""
    query = parse(text, "qbo")
    entity = next((e for e in state.data.qbo if e.lower() == query.source.lower()), query.source)
    key = (entity, repr(query.where), query.order_by, query.descending)
    if key in state.cache:
        return entity, state.cache[key], query
    rows = state.data.qbo.get(entity, [])
    conds = list(query.where)
    if entity in NAME_LISTS and not any(c.field == "Active" for c in conds):
        conds.append(
            Condition("Active", "=", True)
        )  # name lists answer active rows only by default
    chosen = [
        i for i, e in enumerate(rows) if all(matches(_active_value(e, c.field), c) for c in conds)
    ]
    order = query.order_by
    if order:
        chosen.sort(key=lambda i: str(_value(rows[i], order) or ""), reverse=query.descending)
    state.cache[key] = chosen
    return entity, chosen, query


def _active_value(entity: dict[str, Any], field: str) -> Any:
    value = _value(entity, field)
    return True if field == "Active" and value is None else value


def query(state: State, req: Request) -> Response:
    text = (
        req.body.decode("utf-8", "replace") if req.method == "POST" else req.params.get("query", "")
    )
    try:
        entity, chosen, parsed = _filter(state, text)
    except QueryError as exc:
        return fault(state, 400, "4000", "Error parsing query", f"QueryParserError: {exc}")
    if parsed.count:
        return _json({"QueryResponse": {"totalCount": len(chosen)}, "time": _time(state)})
    size = parsed.max_results if parsed.max_results is not None else 100  # QBO's default page
    if size > 1000:
        return fault(
            state,
            400,
            "4001",
            "Invalid query",
            f"QueryValidationError: value {size} is too large. Max allowed value is 1000",
        )
    start = max(parsed.start or 1, 1)
    page = chosen[start - 1 : start - 1 + size]
    if not page:
        return _json({"QueryResponse": {}, "time": _time(state)})
    rows = state.data.qbo[entity]
    if parsed.fields == ["*"]:  # entities are served exactly as the raw folder holds them
        texts = state.cache.get(("text", entity))
        if texts is None:
            texts = state.cache[("text", entity)] = [
                json.dumps(e, separators=(",", ":")) for e in rows
            ]
        body = (
            f'{{"QueryResponse":{{"{entity}":[{",".join(texts[i] for i in page)}],'
            f'"startPosition":{start},"maxResults":{len(page)}}},"time":"{_time(state)}"}}'
        )
        return Response(200, body.encode())
    keep = set(parsed.fields) | {"Id", "SyncToken", "domain", "MetaData"}
    items = [{k: v for k, v in rows[i].items() if k in keep} | {"sparse": True} for i in page]
    return _json(
        {
            "QueryResponse": {entity: items, "startPosition": start, "maxResults": len(items)},
            "time": _time(state),
        }
    )


def _single(state: State, entity: str) -> Response:
    rows = state.data.qbo.get(entity) or []
    if entity == "CompanyInfo" and not rows:
        rows = [{"Id": "1", "CompanyName": "sfqb-diag stand-in company", "Country": "US"}]
    if not rows:
        return fault(
            state, 400, "610", "Object Not Found", f"Object Not Found : {entity} not found"
        )
    return _json({entity: rows[0], "time": _time(state)})


def company_api(state: State, req: Request) -> tuple[Response, bool]:
    """Route /v3/company/{realm}/...; returns (response, was_a_write)."""
    match = _COMPANY.match(req.path)
    if not match:
        return fault(state, 404, "0", "Not found", req.path), False
    if match.group("realm") != state.realm_id:
        return fault(
            state,
            403,
            "3100",
            "ApplicationAuthorizationFailed",
            "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403: the token "
            "does not belong to this realm",
            "SERVICE",
        ), False
    what = match.group("what").lower()
    if what == "query":
        return query(state, req), False
    if req.method == "GET" and what == "companyinfo":
        return _single(state, "CompanyInfo"), False
    if req.method == "GET" and what == "preferences":
        return _single(state, "Preferences"), False
    if req.method != "GET":
        return fault(
            state,
            403,
            "5020",
            "Permission Denied Error",
            "sfqb-diag stand-in is read-only: this write was refused and logged",
        ), True
    return fault(
        state, 400, "610", "Object Not Found", f"{what} is not served by the stand-in"
    ), False
