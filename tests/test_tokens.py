"""The QBO token store: atomic 0600 writes, rotation kept, one refresh for two pulls."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import stat
from pathlib import Path

import pytest
from test_standin import write_small_raw

from sfqb_demo.standin import StandIn
from sfqb_diag.config import QuickBooksConfig
from sfqb_diag.errors import PullError
from sfqb_diag.sources.live.quickbooks import QboClient
from sfqb_diag.sources.live.retry import RetryPolicy
from sfqb_diag.sources.live.tokens import InvalidGrant, TokenRecord, TokenStore


class FakeIntuit:
    """A token endpoint in memory: rotates on every refresh, refuses a spent token."""

    def __init__(self) -> None:
        self.live, self.spent, self.calls = {"seed"}, set(), 0

    def __call__(self, token: str) -> dict:
        if token not in self.live:
            raise InvalidGrant()
        self.calls += 1
        self.live.discard(token)
        self.spent.add(token)
        new = f"rt{self.calls}"
        self.live.add(new)
        return {
            "access_token": f"at{self.calls}",
            "refresh_token": new,
            "expires_in": 3600,
            "x_refresh_token_expires_in": 8_726_400,
        }


def test_write_is_atomic_and_private(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.write(TokenRecord(refresh_token="r1"))
    store.write(TokenRecord(refresh_token="r2"))
    assert stat.S_IMODE((tmp_path / "tokens.json").stat().st_mode) == 0o600
    assert store.read() == TokenRecord(refresh_token="r2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]  # no temp file left behind


def test_rotation_is_saved_and_a_valid_token_is_reused(tmp_path: Path) -> None:
    intuit, store = FakeIntuit(), TokenStore(tmp_path / "t.json")
    first = store.access(intuit, seed="seed")
    assert (first.access_token, first.refresh_token, intuit.calls) == ("at1", "rt1", 1)
    assert (
        store.access(intuit, seed="seed").access_token == "at1" and intuit.calls == 1
    )  # still valid: no refresh
    third = store.access(
        intuit, seed="seed", failed="at1"
    )  # the API rejected at1: refresh with rt1
    assert (third.refresh_token, store.read().refresh_token) == ("rt2", "rt2") and intuit.live == {
        "rt2"
    }


def test_a_stale_store_falls_back_to_a_fresh_seed(tmp_path: Path) -> None:
    intuit, store = FakeIntuit(), TokenStore(tmp_path / "t.json")
    store.write(TokenRecord(refresh_token="spent-elsewhere"))
    assert store.access(intuit, seed="seed").refresh_token == "rt1"
    intuit.live.clear()
    with pytest.raises(PullError, match="invalid_grant"):
        store.access(intuit, seed="seed", failed="at1")


def test_expiry_is_judged_with_margin(tmp_path: Path) -> None:
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    store = TokenStore(tmp_path / "t.json", clock=lambda: now)
    intuit = FakeIntuit()
    store.access(intuit, seed="seed")
    store.clock = lambda: (
        now + dt.timedelta(minutes=56)
    )  # 4 minutes left: refresh before it dies mid-page
    assert store.access(intuit, seed=None).access_token == "at2"


def _contender(cfg: QuickBooksConfig, env: dict, barrier, results) -> None:
    client = QboClient(cfg, env, RetryPolicy(attempts=2))
    barrier.wait()
    client.connect()
    results.put((client.record.access_token, client.record.refresh_token))


def test_two_pulls_refreshing_at_once_spend_the_token_once(tmp_path: Path) -> None:
    with StandIn(write_small_raw(tmp_path / "raw")) as server:
        cfg = QuickBooksConfig(
            base_url=f"{server.url}/v3",
            discovery_url=f"{server.url}/.well-known/openid_configuration",
            ca_bundle=str(server.ca_bundle),
            token_store=str(tmp_path / "tokens.json"),
        )
        ctx = multiprocessing.get_context("fork")
        barrier, results = ctx.Barrier(2), ctx.Queue()
        workers = [
            ctx.Process(target=_contender, args=(cfg, server.env(), barrier, results))
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
        got = [results.get(timeout=5) for _ in workers]
        assert server.state.refreshes == 1 and server.state.invalid_grants == 0
        assert got[0] == got[1]  # the second pull waited for the lock and used the fresh token
        stored = TokenStore(tmp_path / "tokens.json").read()
        assert stored is not None and stored.refresh_token in server.state.live_refresh


def test_the_store_always_holds_the_live_refresh_token(tmp_path: Path) -> None:
    with StandIn(
        write_small_raw(tmp_path / "raw"), faults="qbo:expire@2,qbo:expire@4,qbo:401@6"
    ) as server:
        cfg = QuickBooksConfig(
            base_url=f"{server.url}/v3",
            discovery_url=f"{server.url}/.well-known/openid_configuration",
            ca_bundle=str(server.ca_bundle),
            token_store=str(tmp_path / "tokens.json"),
        )
        client = QboClient(cfg, server.env(), RetryPolicy(sleep=lambda s: None)).connect()
        for _ in range(5):
            client.count("Customer")
            assert client.store.read().refresh_token in server.state.live_refresh
        assert server.state.refreshes == 4 and server.state.invalid_grants == 0
