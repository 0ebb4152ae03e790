"""Salesforce login as the stand-in speaks it: SOAP login(), the OAuth token endpoint (JWT bearer,
client credentials, username-password, refresh token, authorization code with PKCE) and the
authorize endpoint of the web-server flow, in the wire formats simple-salesforce expects.

Like Salesforce: SOAP login() answers INVALID_OPERATION from API version 65.0 and
UNSUPPORTED_API_VERSION below 31.0; the authorize endpoint (a consenting, logged-in user)
redirects to the callback with a one-time code bound to the PKCE challenge and redirect URI.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlencode
from xml.sax.saxutils import escape

import jwt

from sfqb_demo.standin.state import Request, Response, State

AUDIENCES = {"https://login.salesforce.com", "https://test.salesforce.com"}
USER_ID = "005000000000001AAA"
# Canned refusals (State.login_error) as the token endpoint sends them.
LOGIN_ERRORS = {
    "uninstalled_app": ("invalid_client", "Access to uninstalled connected app is denied"),
    "refresh_policy": ("invalid_grant", "expired access/refresh token"),
    "not_approved": ("invalid_grant", "user hasn't approved this consumer"),
}


def _json(body: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(body, separators=(",", ":")).encode())


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return _json({"error": error, "error_description": description}, status)


def _soap_fault(code: str, message: str) -> Response:
    fault = (
        "<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv="
        "'http://schemas.xmlsoap.org/soap/envelope/' xmlns:sf='urn:fault.partner.soap.sforce.com'>"
        f"<soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: "
        f"{escape(message)}</faultstring><detail><sf:LoginFault><sf:exceptionCode>{code}"
        f"</sf:exceptionCode><sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(500, fault.encode(), "text/xml;charset=UTF-8")


def _soap_refusal(text: str, version: str) -> Response | None:
    try:
        number = float(version)
    except ValueError:
        number = 0.0
    if number >= 65.0:
        return _soap_fault(
            "INVALID_OPERATION",
            "The SOAP Login operation is not available in the API version specified "
            f"({version}). Refer to the documentation for supported versions.",
        )
    if number < 31.0:
        return _soap_fault("UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL")
    user = re.search(r"<(?:\w+:)?username>(.*?)</", text, re.S)
    password = re.search(r"<(?:\w+:)?password>(.*?)</", text, re.S)
    if not (user and user.group(1).strip() and password and password.group(1).strip()):
        return _soap_fault(
            "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
        )
    return None


def login_soap(state: State, req: Request) -> Response:
    """SOAP partner login: any non-empty username and password (+ token), API 31.0 to 64.0."""
    text = req.body.decode("utf-8", "replace")
    version = req.path.rsplit("/", 1)[-1]
    refused = _soap_refusal(text, version)
    if refused is not None:
        return refused
    user = re.search(r"<(?:\w+:)?username>(.*?)</", text, re.S)
    session = state.new_token(state.org_id[:15] + "!", state.sessions)
    server = f"{state.base_url}/services/Soap/u/{version}/{state.org_id[:15]}"
    body = (
        "<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org"
        "/soap/envelope/' xmlns='urn:partner.soap.sforce.com'><soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{server}</metadataServerUrl><passwordExpired>false</passwordExpired>"
        f"<sandbox>{str(state.is_sandbox).lower()}</sandbox><serverUrl>{server}</serverUrl>"
        f"<sessionId>{session}</sessionId><userId>{USER_ID}</userId><userInfo>"
        f"<organizationId>{state.org_id}</organizationId><userName>"
        f"{escape(user.group(1) if user else '')}</userName>"
        "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(200, body.encode(), "text/xml;charset=UTF-8")


def _jwt_ok(assertion: str) -> str | None:
    """None when the assertion is well formed and current, else why not (the stand-in trusts
    any signing key: it checks the claims Salesforce checks, not a certificate it never saw)."""
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        return f"invalid assertion: {exc}"
    if not claims.get("iss") or not claims.get("sub"):
        return "invalid assertion: iss and sub are required"
    if claims.get("aud") not in AUDIENCES:
        return "audience is invalid"
    if float(claims.get("exp") or 0) < time.time():
        return "expired authorization code"
    return None


def _client(req: Request, form: dict[str, str]) -> tuple[str, str]:
    basic = req.headers.get("authorization", "")
    if basic.startswith("Basic "):
        try:
            key, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            return key, secret
        except ValueError:
            return "", ""
    return form.get("client_id", ""), form.get("client_secret", "")


def _code_grant(state: State, form: dict[str, str]) -> str | None:
    """An authorization code is spent once, with the verifier and redirect URI it was issued for."""
    with state.lock:
        issued = state.codes.pop(form.get("code", ""), None)
    if issued is None or issued.get("side") != "sf":
        return "invalid authorization code"
    if issued["redirect_uri"] != form.get("redirect_uri"):
        return "redirect_uri must match configuration"
    verifier = form.get("code_verifier", "")
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    if issued.get("code_challenge") and digest.decode() != issued["code_challenge"]:
        return "invalid code verifier"
    return None


def _refusal(state: State, req: Request, form: dict[str, str]) -> tuple[str, str] | None:
    """(error, description) when the grant is refused, as Salesforce words it."""
    grant = form.get("grant_type", "")
    if state.login_error in LOGIN_ERRORS:
        error = LOGIN_ERRORS[state.login_error]
        if state.login_error != "refresh_policy" or grant == "refresh_token":
            return error
    if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
        why = _jwt_ok(form.get("assertion", ""))
        return ("invalid_grant", why) if why else None
    if grant == "client_credentials":
        key, secret = _client(req, form)
        return None if key and secret else ("invalid_client", "invalid client credentials")
    if grant == "password":
        ok = form.get("username") and form.get("password") and form.get("client_id")
        return None if ok else ("invalid_grant", "authentication failure")
    if grant == "refresh_token":
        known = form.get("refresh_token") in state.sf_refresh
        return None if known else ("invalid_grant", "expired access/refresh token")
    if grant == "authorization_code":
        why = _code_grant(state, form)
        return ("invalid_grant", why) if why else None
    return ("unsupported_grant_type", "grant type not supported")


def login_oauth(state: State, req: Request) -> Response:
    """The token endpoint: an access token (and, for the code grant, a refresh token)."""
    form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
    refused = _refusal(state, req, form)
    if refused is not None:
        return _oauth_error(*refused)
    session = state.new_token(state.org_id[:15] + "!", state.sessions)
    body = {
        "access_token": session,
        "instance_url": state.base_url,
        "token_type": "Bearer",
        "id": f"{state.base_url}/id/{state.org_id}/{USER_ID}",
        "issued_at": str(int(state.now().timestamp() * 1000)),
        "signature": "standin",
        "scope": "api refresh_token",
    }
    if form.get("grant_type") == "authorization_code":
        body["refresh_token"] = state.new_token("5Aep861standin", state.sf_refresh)
    return _json(body)


def authorize(state: State, req: Request) -> Response:
    """GET /services/oauth2/authorize: a logged-in user consents; redirect with a code."""
    params = req.params
    target = params.get("redirect_uri", "")
    if params.get("response_type") != "code" or not params.get("client_id") or not target:
        return _oauth_error("invalid_request", "response_type=code, client_id and redirect_uri")
    back = {"state": params["state"]} if "state" in params else {}
    if state.login_error == "uninstalled_app":
        answer = {"error": "invalid_client", "error_description": "app must be installed into org"}
        return Response(302, b"", headers={"Location": f"{target}?{urlencode({**answer, **back})}"})
    code = "aPrx" + secrets.token_urlsafe(24)
    with state.lock:
        state.codes[code] = {
            "side": "sf",
            "redirect_uri": target,
            "code_challenge": params.get("code_challenge", ""),
        }
    query = {"code": code, **back}
    return Response(302, b"", headers={"Location": f"{target}?{urlencode(query)}"})
