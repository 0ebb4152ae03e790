"""Metered QBO reads: `pull` counts its read calls into the manifest, and `pull` and `doctor` warn
when the keys are the sync's own or a pull is a large share of the month's cap."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from test_pull import _config, _options
from test_standin import write_small_raw

from sfqb_demo.standin import StandIn
from sfqb_diag.config import ClientConfig, QuickBooksConfig
from sfqb_diag.sources.live.doctor import diagnose
from sfqb_diag.sources.live.metering import estimate_reads, reads_verdict
from sfqb_diag.sources.live.pull import pull


def _with_qbo(config: ClientConfig, **quickbooks: object) -> ClientConfig:
    return dataclasses.replace(
        config, quickbooks=dataclasses.replace(config.quickbooks, **quickbooks)
    )


def _reads_seen(server: StandIn) -> int:
    return sum(1 for e in server.state.log if e["side"] == "qbo" and e["path"].startswith("/v3/"))


@pytest.mark.parametrize("faults", [None, "qbo:429@3x2=0,qbo:500@7,qbo:drop@9"])
def test_the_manifest_counts_every_read_the_service_saw(
    tmp_path: Path, faults: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = write_small_raw(tmp_path / "source", n_extra_customers=1_050)
    with StandIn(raw, faults=faults) as server:
        out = pull(_config(server, tmp_path / "cfg"), tmp_path / "pulled", _options(server))
        seen = _reads_seen(server)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["pull"]["quickbooks_reads"] == seen > 0
    log = (tmp_path / "pulled.pull.log").read_text()
    if faults is None:  # the estimate made before the first page is exact on a calm service
        assert f"this pull would make about {seen:,} QBO read calls" in log
    assert f"this pull made {seen:,} QBO read calls" in log
    assert "warning:" not in capsys.readouterr().err  # own keys, a tiny share: nothing to warn


def test_the_syncs_own_keys_and_a_large_share_are_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = write_small_raw(tmp_path / "source")
    with StandIn(raw) as server:
        config = _with_qbo(
            _config(server, tmp_path / "cfg"), app_keys_are_the_syncs=True, monthly_read_cap=100
        )
        pull(config, tmp_path / "pulled", _options(server))
        err = capsys.readouterr().err
        found = {f"{f.side}/{f.step}": f for f in diagnose(config, server.env())}
    assert "app_keys_are_the_syncs is true" in err and "'Offline'" in err
    assert "large share of the month" in err
    step = found["quickbooks/metered reads"]
    assert step.status == "warn" and "sync's own monthly CorePlus cap" in step.message


def test_doctor_is_quiet_about_reads_with_separate_keys(tmp_path: Path) -> None:
    with StandIn(write_small_raw(tmp_path / "source")) as server:
        found = {
            f"{f.side}/{f.step}": f
            for f in diagnose(_config(server, tmp_path / "cfg"), server.env())
        }
    assert found["quickbooks/metered reads"].status == "ok"


def test_estimate_and_verdict() -> None:
    # 0 rows: count + one empty page; 1,000 rows: two pages (the second one empty).
    assert estimate_reads({"Customer": 0, "Invoice": 1_000, "Item": 1_052}, 2) == 2 + 3 + 3 + 2
    status, text = reads_verdict(QuickBooksConfig(), 30_000, estimated=True)
    assert status == "warn" and "6.0% of a 500,000-call month" in text
    assert reads_verdict(QuickBooksConfig(), 2_000, estimated=False)[0] == "ok"
