"""intuit-oauth's AuthClient as sfqb-diag uses it: our TLS, timeout and read-only guard, and the
opt-in header that makes Intuit state the refresh token's five-year hard expiry."""

from __future__ import annotations

from typing import Any

from intuitlib.client import AuthClient

from sfqb_diag.sources.live.retry import HttpStats, _Guarded

HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"
TOKEN_FIELDS = (
    "access_token",
    "refresh_token",
    "expires_in",
    "x_refresh_token_expires_in",
    "x_refresh_token_hard_expires_in",
)


class _AuthClient(_Guarded, AuthClient):
    """intuit-oauth's AuthClient (a requests.Session) with our CA bundle, timeout and guard.

    Its constructor fetches the discovery document, so the session settings go in first.
    """

    def __init__(
        self, ca_bundle: str | None, timeout: float, stats: HttpStats | None, **kwargs: Any
    ):
        self.setup(ca_bundle, timeout, stats)
        AuthClient.__init__(self, **kwargs)
        # Ask Intuit for the five-year hard expiry with every token answer (Intuit's opt-in header;
        # intuit-oauth keeps any answered field as an attribute).
        self.headers[HARD_EXPIRY_HEADER] = "true"
