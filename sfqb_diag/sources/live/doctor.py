"""`doctor`: connection and environment diagnosis in plain words, one sentence per problem.

Each step says what it found or what to do; a failed step skips the steps that need it. Nothing
is written except the QBO token store when a refresh is due (Intuit rotates the refresh token,
so the new one must be kept), and no secret is ever printed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from sfqb_diag import connectors, envrules
from sfqb_diag.config import ClientConfig
from sfqb_diag.errors import SfqbError
from sfqb_diag.sources.live.doctor_connector import connector_step
from sfqb_diag.sources.live.doctor_tokens import token_store_step
from sfqb_diag.sources.live.metering import doctor_reads
from sfqb_diag.sources.live.pull import resolve_paths
from sfqb_diag.sources.live.quickbooks import QboClient
from sfqb_diag.sources.live.retry import PullSession, RetryPolicy
from sfqb_diag.sources.live.salesforce import SfClient, domain_of
from sfqb_diag.sources.live.sf_auth import PASSWORD_DEPRECATION

ROLES = connectors.LINK_ROLES


@dataclass(frozen=True)
class Finding:
    side: str  # salesforce | quickbooks | both
    step: str
    status: str  # ok | warn | fail | skip
    message: str

    def line(self) -> str:
        return f"[{self.status:4}] {self.side:10} {self.step}: {self.message}"


@dataclass
class Doctor:
    config: ClientConfig
    env: Mapping[str, str]
    policy: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=2, base=0.2))
    found: list[Finding] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, side: str, step: str, status: str, message: str) -> None:
        self.found.append(Finding(side, step, status, message))

    def attempt(self, side: str, step: str, fn: Callable[[], str | tuple[str, str]]) -> bool:
        """Run one step; an SfqbError or network error becomes a 'fail' with its sentence."""
        try:
            result = fn()
        except SfqbError as exc:
            self.add(side, step, "fail", str(exc))
            return False
        except requests.exceptions.SSLError:
            self.add(
                side,
                step,
                "fail",
                f"TLS verification failed; set {side}.ca_bundle to the CA file "
                "that signs the server's certificate (corporate proxies need their own CA)",
            )
            return False
        except requests.exceptions.RequestException as exc:
            self.add(
                side,
                step,
                "fail",
                f"cannot reach the server ({type(exc).__name__}); check the network, "
                f"proxy settings and the {side} endpoint keys in the config",
            )
            return False
        status, message = result if isinstance(result, tuple) else ("ok", result)
        self.add(side, step, status, message)
        return status != "fail"


def _sf_reach(doc: Doctor) -> str:
    cfg = doc.config.salesforce
    base = (
        cfg.login_url.rstrip("/") if cfg.login_url else f"https://{domain_of(cfg)}.salesforce.com"
    )
    session = PullSession(cfg.ca_bundle, 15.0)
    answer = session.get(f"{base}/services/data/")
    return f"{base} answered over verified TLS (HTTP {answer.status_code})"


def _sf_steps(doc: Doctor) -> None:
    side, cfg = "salesforce", doc.config.salesforce
    if not doc.attempt(side, "reachability and TLS", lambda: _sf_reach(doc)):
        return
    if cfg.auth == "password":
        doc.add(side, "login mode", "warn", PASSWORD_DEPRECATION.removeprefix("warning: "))
    sf = SfClient(cfg, doc.env, doc.policy)
    if not doc.attempt(
        side,
        "login",
        lambda: (
            sf.login(),
            f"logged in as {sf.username or 'session'} ({cfg.auth}) at {sf.instance_url}",
        )[1],
    ):
        return

    def org() -> tuple[str, str]:
        found = sf.organization()
        # The same rules the auth_env checks use: IsSandbox first, then URL and username clues.
        verdict = envrules.salesforce_environment_of(
            is_sandbox=found.get("IsSandbox"),
            instance_url=sf.instance_url,
            username=sf.username,
            login_url=cfg.login_url,
        )
        doc.facts["sf_env"] = verdict.environment
        doc.facts["sf_sandbox"] = verdict.environment == envrules.SANDBOX
        kind = "a sandbox" if doc.facts["sf_sandbox"] else "production"
        text = f"org {found.get('Id')} ({found.get('Name')}) is {kind}"
        says_sandbox = domain_of(cfg) == "test" or ".sandbox." in domain_of(cfg)
        if says_sandbox != doc.facts["sf_sandbox"]:
            return (
                "warn",
                text
                + f", but salesforce.domain {cfg.domain!r} suggests otherwise: check which org you meant",
            )
        return "ok", text

    doc.attempt(side, "which org", org)
    doc.attempt(side, "API version", lambda: _sf_api_version(doc, sf))
    doc.attempt(side, "API usage", lambda: _sf_usage(sf))
    doc.attempt(side, "link fields", lambda: _sf_links(doc, sf))
    doc.attempt(side, "connector", lambda: connector_step(doc.config, sf, doc.facts))


def _sf_api_version(doc: Doctor, sf: SfClient) -> tuple[str, str]:
    """Retired versions fail outright; a pod host (na12...) breaks when the org is migrated."""
    cfg = doc.config.salesforce
    notes, status = [], "ok"
    found = envrules.salesforce_api_version_status(cfg.api_version, dt.datetime.now(dt.UTC))
    if found is not None and found.status in ("retired", "deprecated"):
        status = "fail" if found.status == "retired" else "warn"
        notes.append(
            f'API version {cfg.api_version} is {found.status}: set salesforce.api_version: "62.0"'
        )
    else:
        notes.append(f"API version {cfg.api_version}")
    pod = envrules.hardcoded_pod(sf.instance_url)
    if pod:
        status = "warn" if status == "ok" else status
        notes.append(f"instance URL names the pod {pod}: use the org's My Domain URL instead")
    return status, "; ".join(notes)


def _sf_usage(sf: SfClient) -> tuple[str, str]:
    daily = sf.limits().get("DailyApiRequests") or {}
    total, left = int(daily.get("Max") or 0), int(daily.get("Remaining") or 0)
    if not total:
        return "warn", "the org did not report its daily API limit"
    used = total - left
    status = "warn" if left < total * 0.1 else "ok"
    advice = (
        "; a full pull may not fit: pull later or ask for a higher limit"
        if status == "warn"
        else ""
    )
    return status, f"{used:,} of {total:,} daily API requests used ({used / total:.0%}){advice}"


def _sf_links(doc: Doctor, sf: SfClient) -> tuple[str, str]:
    missing, checked, fields = [], [], {}
    for role in ROLES:
        where = doc.config.links.field_of(role)
        if not where:
            continue
        obj, name = where
        if obj not in fields:
            fields[obj] = sf.describe_fields(obj) or []
        checked.append(f"{obj}.{name}")
        if name not in fields[obj]:
            missing.append(f"{obj}.{name} (links.{role})")
    if missing:
        return "fail", (
            f"not found in this org: {', '.join(missing)}; ask the connector's admin which "
            "fields hold the QBO ids and set them under links: in the config"
        )
    return "ok", f"all {len(checked)} configured link fields exist"


def _qbo_steps(doc: Doctor) -> None:
    side, cfg = "quickbooks", doc.config.quickbooks
    box: dict[str, QboClient] = {}

    def discovery() -> str:
        box["qb"] = QboClient(cfg, doc.env, doc.policy)
        return f"discovery document read over verified TLS ({cfg.discovery_url or cfg.environment})"

    if not doc.attempt(side, "reachability and TLS", discovery):
        return
    qb = box["qb"]
    doc.attempt(side, "token store", lambda: token_store_step(qb.store, doc.config))
    if not doc.attempt(
        side,
        "tokens",
        lambda: (qb.connect(), f"access token valid (refresh token kept in {qb.store.path})")[1],
    ):
        return

    def company() -> str:
        info = qb.company_info()
        doc.facts["qbo_company"] = info.get("CompanyName")
        return f"realm {qb.realm} answered: {info.get('CompanyName')} ({info.get('Country') or 'country unknown'})"

    doc.attempt(side, "which company", company)
    doc.attempt(side, "metered reads", lambda: doctor_reads(qb, cfg))
    verdict = envrules.qbo_environment_of(
        base_url=qb.base_url, company_name=doc.facts.get("qbo_company"), environment=cfg.environment
    )
    doc.facts["qbo_sandbox"] = verdict.environment == envrules.SANDBOX
    clues = "; ".join(f"{e.source}: {e.value}" for e in verdict.evidence)
    if (
        verdict.environment
        and cfg.environment in (envrules.SANDBOX, envrules.PRODUCTION)
        and verdict.environment != cfg.environment
    ):
        doc.add(
            side,
            "environment",
            "warn",
            f"quickbooks.environment says {cfg.environment} but the company "
            f"looks like {verdict.environment} ({clues}); check the app keys and base URL",
        )
    else:
        doc.add(side, "environment", "ok", f"{verdict.environment or cfg.environment} ({clues})")
    if envrules.minorversion_below_floor(cfg.minorversion):
        doc.add(
            side,
            "minorversion",
            "warn",
            f"minorversion {cfg.minorversion} is served as 75 since 2025-08-01; "
            "set quickbooks.minorversion: 75",
        )
    else:
        doc.add(side, "minorversion", "ok", str(cfg.minorversion))


def diagnose(config: ClientConfig, env: Mapping[str, str] | None = None) -> list[Finding]:
    """Run every step on both sides and compare the environments."""
    doc = Doctor(resolve_paths(config), os.environ if env is None else env)
    _sf_steps(doc)
    _qbo_steps(doc)
    if "sf_sandbox" in doc.facts and "qbo_sandbox" in doc.facts:
        sf_kind = "sandbox" if doc.facts["sf_sandbox"] else "production"
        qb_kind = "sandbox" if doc.facts["qbo_sandbox"] else "production"
        if sf_kind == qb_kind:
            doc.add("both", "environments agree", "ok", f"both sides are {sf_kind}")
        else:
            doc.add(
                "both",
                "environments agree",
                "fail",
                f"Salesforce is {sf_kind} but QBO is {qb_kind}: a sync wired like this mixes test and real "
                "books; point both sides at the same kind of environment",
            )
    return doc.found


def failed(found: list[Finding]) -> bool:
    return any(f.status == "fail" for f in found)


__all__ = ["Finding", "diagnose", "failed"]
