"""The localhost end of an OAuth authorization-code flow: one redirect caught, then closed.

Both Salesforce (web-server flow) and Intuit redirect the browser to the app's registered
redirect URI with `code` and `state` (Intuit adds `realmId`). A loopback http URI is the one
kind a desktop tool can listen on; the state value must come back unchanged (CSRF).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sfqb_diag.errors import PullError, UsageError

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>sfqb-diag</title>"
    b"<p>sfqb-diag received the answer. You can close this window and return to the terminal.</p>"
)


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) as RFC 7636 defines them."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def loopback(redirect_uri: str, key: str) -> tuple[str, int, str]:
    """(host to bind, port, path) of a loopback http redirect URI, or a UsageError naming `key`."""
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK or not parts.port:
        raise UsageError(
            f"{key} is {redirect_uri!r}: `connect` needs a loopback address with a port, such as "
            "http://localhost:8085/callback, registered on the app exactly as written"
        )
    host = "::1" if parts.hostname == "::1" else "127.0.0.1"
    return host, parts.port, parts.path or "/"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self.send_error(404)
            return
        self.server.answer = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(_PAGE)))
        self.end_headers()
        self.wfile.write(_PAGE)
        self.server.done.set()

    def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: no log
        return


class _Server(HTTPServer):
    def __init__(self, host: str, port: int, path: str):
        self.path, self.answer, self.done = path, dict[str, str](), threading.Event()
        super().__init__((host, port), _Handler)


def is_loopback(redirect_uri: str) -> bool:
    parts = urlsplit(redirect_uri)
    return parts.scheme == "http" and parts.hostname in _LOOPBACK and bool(parts.port)


def pasted_redirect(
    url: str,
    expected_state: str,
    announce: Callable[[str], None],
    paste: Callable[[], str],
) -> dict[str, str]:
    """For an https redirect this machine cannot listen on (Intuit allows http://localhost only
    for development keys): the person pastes the address the browser landed on."""
    announce(
        "Open this URL in a browser and approve the access:\n"
        + url
        + "\nThen copy the full address of the page you land on and paste it here."
    )
    answer = {k: v[0] for k, v in parse_qs(urlsplit(paste().strip()).query).items()}
    if answer.get("state") != expected_state:
        raise PullError(
            "the pasted address carries another state value than was sent: run connect again"
        )
    return answer


def _listen(redirect_uri: str, key: str) -> _Server:
    """A started one-shot server on the redirect URI's loopback address."""
    host, port, path = loopback(redirect_uri, key)
    try:
        server = _Server(host, port, path)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {redirect_uri} ({exc.strerror}): free the port"
        ) from exc
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    return server


def catch_redirect(
    redirect_uri: str,
    key: str,
    url: str,
    expected_state: str,
    announce: Callable[[str], None],
    open_browser: bool,
    timeout: float,
) -> dict[str, str]:
    """Listen on the redirect URI, send the person to `url`, and return the redirect's query."""
    server = _listen(redirect_uri, key)
    try:
        opened = open_browser and _open(url)
        announce(
            (
                "Your browser was opened; if it did not, open this URL:\n"
                if opened
                else "Open this URL in a browser and approve the access:\n"
            )
            + url
        )
        if not server.done.wait(timeout):
            raise PullError(
                f"no answer reached {redirect_uri} within {timeout:.0f} s; run connect again"
            )
    finally:
        server.shutdown()
        server.server_close()
    answer = server.answer
    if answer.get("state") != expected_state:
        raise PullError("the redirect carried another state value than was sent: run connect again")
    return answer


def _open(url: str) -> bool:
    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        return False
