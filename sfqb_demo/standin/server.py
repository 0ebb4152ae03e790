"""The loopback stand-in: an HTTPS server on 127.0.0.1 serving a raw folder as Salesforce and QBO.

It is a test double, not a security boundary: it accepts any non-empty credentials, but it
rotates refresh tokens, throttles like QBO, and refuses (and logs) every write.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import socket
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from sfqb_demo.standin.dispatch import dispatch
from sfqb_demo.standin.faults import FaultPlan, Throttle, parse_faults
from sfqb_demo.standin.rawdata import read_raw
from sfqb_demo.standin.state import Request, State
from sfqb_demo.standin.tls import make_certificate

log = logging.getLogger("sfqb_demo.standin")

# Fake, non-secret credentials for the stand-in (it accepts any non-empty value).
STANDIN_ENV = {
    "SF_USERNAME": "consultant@standin.example",
    "SF_PASSWORD": "standin-password",
    "SF_SECURITY_TOKEN": "standin-token",
    "SF_CONSUMER_KEY": "standin-consumer-key",
    "SF_CONSUMER_SECRET": "standin-consumer-secret",
    "QBO_CLIENT_ID": "standin-client",
    "QBO_CLIENT_SECRET": "standin-secret",
    "QBO_REFRESH_TOKEN": "standin-seed-refresh-token",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one TLS handshake per client, as with the real APIs
    server_version = "sfqb-diag-standin/1"
    server: _Server

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(
            self.command,
            parts.path,
            {k: v[0] for k, v in parse_qs(parts.query).items()},
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        resp = dispatch(self.server.state, req)
        if resp.delay:
            time.sleep(resp.delay)
        if resp.drop:  # close without a byte: the client sees a dropped connection
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header in service time, as the real services report their own clock."""
        return email.utils.format_datetime(self.server.state.now(), usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, state: State, context: ssl.SSLContext):
        self.state, self.context = state, context
        super().__init__(("127.0.0.1", port), _Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        # Headers and body leave in two writes: without TCP_NODELAY, Nagle + delayed ACK add 40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The handshake happens in the handler thread, so one slow client cannot block accept().
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("stand-in connection error from %s", client_address, exc_info=True)


class StandIn:
    """Serve `raw` over HTTPS on 127.0.0.1. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        raw: Path,
        port: int = 0,
        faults: str | list[str] | None = None,
        workdir: Path | None = None,
        per_minute: int = 500,
        concurrent: int = 10,
        page_size: int = 2000,
        login_error: str | None = None,
        refused_objects: tuple[str, ...] = (),
        packages: list[tuple[str, str]] | None = None,
    ):
        self.raw = Path(raw)
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="sfqb-standin-")
        self.workdir = Path(workdir) if workdir else Path(self._tmp.name)  # type: ignore[union-attr]
        self.state = State(
            read_raw(self.raw),
            FaultPlan(parse_faults(faults)),
            Throttle(per_minute, concurrent),
            page_size=page_size,
        )
        self.state.login_error = login_error
        self.state.refused_objects = frozenset(refused_objects)
        self.state.packages = packages
        self.requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.ca_bundle, key = make_certificate(self.workdir)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(self.ca_bundle, key)

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the stand-in first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> StandIn:
        self._server = _Server(self.requested_port, self.state, self._context)
        self.state.base_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sfqb-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Fake credentials plus the realm this stand-in serves, as environment variables."""
        return {**STANDIN_ENV, "QBO_REALM_ID": self.state.realm_id}

    def config(self, token_store: Path) -> dict[str, Any]:
        """A client config (as a dict) pointing `pull` and `doctor` at this stand-in."""
        return {
            "name": "standin",
            "salesforce": {
                "domain": "login",
                "auth": "client_credentials",
                "api_version": "62.0",
                "login_url": self.url,
                "instance_url": self.url,
                "ca_bundle": str(self.ca_bundle),
            },
            "quickbooks": {
                "environment": self.state.qbo_environment,
                "minorversion": self._minorversion(),
                "base_url": f"{self.url}/v3",
                "discovery_url": f"{self.url}/.well-known/openid_configuration",
                "ca_bundle": str(self.ca_bundle),
                "token_store": str(token_store),
            },
        }

    def _minorversion(self) -> int:
        """The snapshot's minorversion (a client's connector may still send an old one), else 75."""
        value = str((self.state.data.manifest.get("quickbooks") or {}).get("minorversion"))
        return int(value) if value.isdigit() else 75

    def _client_rollups(self) -> dict[str, Any]:
        """The `rollups:` of the client.yaml beside the served raw folder (the demo client's),
        so a pull through the stand-in asks for the same write-back fields."""
        beside = self.raw.parent / "client.yaml"
        try:
            found = yaml.safe_load(beside.read_text(encoding="utf-8")) if beside.is_file() else None
        except (OSError, yaml.YAMLError):
            return {}
        rollups = found.get("rollups") if isinstance(found, dict) else None
        return {"rollups": rollups} if isinstance(rollups, dict) else {}

    def write_config(self, path: Path) -> Path:
        """Write client.yaml (endpoint keys, env var names) and standin.env (fake values) beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = (
            "# Written by `sfqb-diag fake-server`: points pull/doctor at the loopback stand-in.\n"
            "# Credentials come from the environment variables named by the *_env keys (defaults:\n"
            "# SF_CONSUMER_KEY, SF_CONSUMER_SECRET, QBO_CLIENT_ID, QBO_CLIENT_SECRET,\n"
            "# QBO_REFRESH_TOKEN, QBO_REALM_ID). The stand-in accepts any non-empty values;\n"
            f"# `source {path.parent / 'standin.env'}` sets fake ones.\n"
        )
        body = yaml.safe_dump(
            {**self.config(path.parent / "qbo_tokens.json"), **self._client_rollups()},
            sort_keys=False,
        )
        path.write_text(header + body, encoding="utf-8")
        env_lines = [f"export {k}='{v}'" for k, v in self.env().items()]
        (path.parent / "standin.env").write_text("\n".join(env_lines) + "\n", encoding="utf-8")
        return path
