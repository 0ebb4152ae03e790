"""The client config (client.yaml): endpoints, link fields and thresholds.

Credentials are never in the config: it names the environment variables that hold them.
Every key is optional so that `check` runs on a bare raw folder with the demo's defaults.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sfqb_diag.config_check import (
    rollup_level_problems,
    section_problems,
    threshold_order_problems,
)
from sfqb_diag.errors import UsageError


@dataclass(frozen=True)
class SalesforceConfig:
    domain: str = "login"
    # jwt | client_credentials (External Client App) | oauth (after `connect salesforce`) |
    # session | password (deprecated: SOAP login() retires for every API version in Summer '27)
    auth: str = "jwt"
    api_version: str = "62.0"
    username_env: str = "SF_USERNAME"
    password_env: str = "SF_PASSWORD"
    token_env: str = "SF_SECURITY_TOKEN"
    consumer_key_env: str = "SF_CONSUMER_KEY"
    consumer_secret_env: str = "SF_CONSUMER_SECRET"
    private_key_file_env: str = "SF_PRIVATE_KEY_FILE"
    session_id_env: str = "SF_SESSION_ID"
    # `connect salesforce` keeps the refresh token here (mode 0600), beside the QBO store.
    token_store: str = "sf_tokens.json"
    # The app's callback URL for `connect salesforce` (registered on the External Client App).
    redirect_uri: str = "http://localhost:1717/OauthRedirect"
    instance_url: str | None = None
    login_url: str | None = None
    ca_bundle: str | None = None
    bulk_threshold: int = 50_000


@dataclass(frozen=True)
class QuickBooksConfig:
    environment: str = "production"
    realm_id_env: str = "QBO_REALM_ID"
    client_id_env: str = "QBO_CLIENT_ID"
    client_secret_env: str = "QBO_CLIENT_SECRET"
    refresh_token_env: str = "QBO_REFRESH_TOKEN"
    # `connect quickbooks` listens here; the app's Redirect URIs must list it exactly.
    redirect_uri: str = "http://localhost:8085/callback"
    token_store: str = "qbo_tokens.json"
    # true when client_id/secret are the sync's own app: its reads then count against the same
    # monthly CorePlus read cap as the sync (Builder tier: 500,000 a month, then blocked).
    app_keys_are_the_syncs: bool = False
    monthly_read_cap: int = 500_000
    minorversion: int = 75
    base_url: str | None = None
    discovery_url: str | None = None
    ca_bundle: str | None = None


@dataclass(frozen=True)
class Links:
    """Where the sync keeps the other system's id, as `Object.Field` API names."""

    account_customer_id: str = "Account.QBO_Customer_Id__c"
    product_item_id: str = "Product2.QBO_Item_Id__c"
    opportunity_invoice_id: str = "Opportunity.QBO_Invoice_Id__c"
    opportunity_sync_status: str | None = "Opportunity.QBO_Sync_Status__c"
    opportunity_sync_error: str | None = "Opportunity.QBO_Sync_Error__c"
    opportunity_last_sync: str | None = "Opportunity.QBO_Last_Sync__c"
    invoice_opportunity_ref: str | None = "Invoice.PrivateNote"

    def field_of(self, role: str) -> tuple[str, str] | None:
        """('Account', 'QBO_Customer_Id__c') for a role name, or None when not configured."""
        value = getattr(self, role)
        if not value:
            return None
        obj, _, fld = value.partition(".")
        return obj, fld


# Rollup roles: money the connector writes back from QBO into Salesforce, per level.
ACCOUNT_ROLLUPS = (
    "account_amount_due",
    "account_amount_overdue",
    "account_amount_invoiced",
    "account_amount_paid",
    "account_amount_credited",
)
OPPORTUNITY_ROLLUPS = (
    "opportunity_amount_paid",
    "opportunity_balance",
    "opportunity_payment_status",
)
ROLLUP_LEVELS = {"Account": ACCOUNT_ROLLUPS, "Opportunity": OPPORTUNITY_ROLLUPS}


@dataclass(frozen=True)
class Rollups:
    """Salesforce fields holding money written back from QBO (`rollups:`), as `Object.Field`.

    Every field is optional; a level with none named has its rollup checks skipped and listed.
    `window_hours` is how often the connector recalculates them (Breadwinner: once a day): a
    rollup younger than that may lag QBO's latest payments without anything being wrong."""

    account_amount_due: str | None = None
    account_amount_overdue: str | None = None
    account_amount_invoiced: str | None = None
    account_amount_paid: str | None = None
    account_amount_credited: str | None = None
    opportunity_amount_paid: str | None = None
    opportunity_balance: str | None = None
    opportunity_payment_status: str | None = None
    window_hours: float = 24.0

    def field_of(self, role: str) -> tuple[str, str] | None:
        """('Account', 'Bread_Winner__Total_Amount_Due__c') for a role, or None when unset."""
        value = getattr(self, role)
        if not value:
            return None
        obj, _, fld = value.partition(".")
        return obj, fld

    def named(self, level: str) -> dict[str, str]:
        """The roles of one level ('Account' or 'Opportunity') this config names: role -> field."""
        found = {role: self.field_of(role) for role in ROLLUP_LEVELS[level]}
        return {role: where[1] for role, where in found.items() if where}


# Connector presets for `init --connector`: field API names as each connector installs them.
# Breadwinner for QuickBooks (managed package namespace Bread_Winner): the Account fields its
# page-layout guide names (Total Amount Due/Overdue/Invoiced/Paid/Credited,
# help-qbo.breadwinner.com "Configuring page layouts"), recalculated once a day. It names no
# Opportunity payment fields we could verify, so the preset leaves that level out.
ROLLUP_PRESETS: dict[str, dict[str, str]] = {
    "breadwinner": {
        "account_amount_due": "Account.Bread_Winner__Total_Amount_Due__c",
        "account_amount_overdue": "Account.Bread_Winner__Total_Amount_Overdue__c",
        "account_amount_invoiced": "Account.Bread_Winner__Total_Amount_Invoiced__c",
        "account_amount_paid": "Account.Bread_Winner__Total_Amount_Paid__c",
        "account_amount_credited": "Account.Bread_Winner__Total_Amount_Credit__c",
    },
}


@dataclass(frozen=True)
class Thresholds:
    match_auto: float = 0.92
    # The review band starts below even odds: a pair is scored alone, but it is shown only when
    # it is the best left after one-to-one assignment, which the pair score does not count (on
    # the public FEBRL 3 linking set every best candidate from 0.4 to 0.5 was one person). A
    # person decides these; an account left without its customer makes the sync create another.
    match_review: float = 0.4
    # Two records of one table (QBO customers, Salesforce accounts) at or above this form a
    # duplicate cluster. Lower than match_review: a cluster is only ever merged by a person,
    # and the copies of one party drift apart independently (each typo'd on its own), so a
    # copy often agrees with the survivor less than an account with its one customer.
    duplicate_review: float = 0.6
    # Product2 <-> Item: a pair whose probability of being the product's counterpart reaches
    # this is shown for review (a missed item link makes the sync create a duplicate item).
    product_review: float = 0.4
    amount_tolerance: float = 0.01
    grace_hours: float = 24.0
    price_tolerance_pct: float = 1.0
    stuck_error_days: float = 3.0
    stale_minutes: float = 5.0
    duplicate_window_minutes: float = 30.0
    refresh_token_warn_days: float = 14.0
    lag_outlier_days: float = 7.0
    gap_days: float = 3.0
    realm_mismatch_share: float = 0.5


@dataclass(frozen=True)
class ClientConfig:
    name: str = "client"
    salesforce: SalesforceConfig = field(default_factory=SalesforceConfig)
    quickbooks: QuickBooksConfig = field(default_factory=QuickBooksConfig)
    links: Links = field(default_factory=Links)
    thresholds: Thresholds = field(default_factory=Thresholds)
    path: str | None = None
    rollups: Rollups = field(default_factory=Rollups)

    def with_thresholds(self, **overrides: Any) -> ClientConfig:
        return dataclasses.replace(
            self, thresholds=dataclasses.replace(self.thresholds, **overrides)
        )


def _build(cls: type, data: Any, where: str, section: str, problems: list[str]) -> Any:
    """One section as its dataclass; every wrong key, type or value is added to `problems`."""
    if data is None:
        return cls()
    if not isinstance(data, dict):
        problems.append(f"{section} must be a mapping of keys to values")
        return cls()
    fields = {f.name: str(f.type) for f in dataclasses.fields(cls)}
    unknown = sorted(set(map(str, data)) - set(fields))
    if unknown:
        problems.append(
            f"{section}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}"
        )
    found = section_problems(section, {k: v for k, v in data.items() if k in fields}, fields)
    problems.extend(found)
    if unknown or found:
        return cls()
    return cls(**data)


def load_config(path: str | Path | None) -> ClientConfig:
    """Read client.yaml; None gives the defaults (those of the demo client)."""
    if path is None:
        return ClientConfig()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise UsageError(f"config file {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path} cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(
            f"{path} must hold a mapping (salesforce:, quickbooks:, links:, thresholds:, rollups:)"
        )
    sections = {
        "salesforce": SalesforceConfig,
        "quickbooks": QuickBooksConfig,
        "links": Links,
        "thresholds": Thresholds,
        "rollups": Rollups,
    }
    unknown = sorted(set(data) - set(sections) - {"name"})
    if unknown:
        raise UsageError(f"{path}: unknown section(s) {', '.join(unknown)}")
    problems: list[str] = []
    built = {
        key: _build(cls, data.get(key), f"{path}: {key}", key, problems)
        for key, cls in sections.items()
    }
    if not problems:
        problems += threshold_order_problems(built["thresholds"])
        problems += rollup_level_problems(built["rollups"], ROLLUP_LEVELS)
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems)
        raise UsageError(
            f"{path} has {len(problems)} problem{'' if len(problems) == 1 else 's'}:\n{shown}"
        )
    return ClientConfig(
        name=str(data.get("name", path.parent.name or "client")), path=str(path), **built
    )
