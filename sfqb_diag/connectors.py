"""Known Salesforce <-> QBO connectors: what `init --connector` fills in (docs/connectors.md).

Presets are data, one entry per connector. A preset holds only field API names a public source
names (cited in docs/connectors.md); a role no source names keeps the generic mapping."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sfqb_diag.config import ROLLUP_PRESETS
from sfqb_diag.errors import UsageError


@dataclass(frozen=True)
class Connector:
    """One connector: its label, managed-package namespace (when known) and verified fields."""

    label: str
    namespace: str | None
    links: dict[str, str] = field(default_factory=dict)
    rollups: dict[str, str] = field(default_factory=dict)
    note: str = ""


# The links: roles a preset may fill (config.Links fields holding Salesforce -> QBO ids).
LINK_ROLES = (
    "account_customer_id",
    "product_item_id",
    "opportunity_invoice_id",
    "opportunity_sync_status",
    "opportunity_sync_error",
    "opportunity_last_sync",
)

CONNECTORS: dict[str, Connector] = {
    # Breadwinner links a QBO customer through its own child object of Account (the "QuickBooks
    # Company", a Breadwinner Account Connection), not through a field on Account, so no links:
    # role has a Breadwinner field; its Account rollups are verified (config.ROLLUP_PRESETS).
    "breadwinner": Connector(
        label="Breadwinner for QuickBooks",
        namespace="Bread_Winner",
        rollups=ROLLUP_PRESETS["breadwinner"],
        note="links QBO customers through its own QuickBooks Company object under Account, "
        "not an Account field; the links: roles keep the generic mapping",
    ),
    # QIME (QuickBooks Integration Made Easy, 1Sync): the QBO Id is stored in qime__QB_Id__c on
    # Account (customer mapping table) and on Product2 (item mapping table).
    "qime": Connector(
        label="QIME (QuickBooks Integration Made Easy)",
        namespace="qime",
        links={
            "account_customer_id": "Account.qime__QB_ID__c",
            "product_item_id": "Product2.qime__QB_Id__c",
        },
        note="its Opportunity -> Invoice field is not named by a source we could read; "
        "opportunity roles keep the generic mapping",
    ),
    # Accord and DBSync: no public source read here names their Salesforce fields or namespace.
    "accord": Connector(
        label="Accord", namespace=None, note="no field names verified; generic mapping kept"
    ),
    "dbsync": Connector(
        label="DBSync",
        namespace=None,
        note="mappings are configured per project in DBSync's studio, no fixed field names; "
        "generic mapping kept",
    ),
}


def connector_named(name: str) -> Connector:
    """The preset for `--connector NAME`, or a UsageError (exit 2) listing the known ones."""
    found = CONNECTORS.get(name.lower())
    if found is None:
        known = ", ".join(sorted(CONNECTORS))
        raise UsageError(
            f"--connector {name!r}: no preset for it (known: {known}); leave --connector off "
            "and name the fields under links: in client.yaml by hand"
        )
    return found


def apply_links(template: str, connector: Connector) -> str:
    """The client.yaml text with the connector's verified links: fields in place of the generic ones."""
    for role, where in connector.links.items():
        template, count = re.subn(
            rf"^(  {role}: )\S+", rf"\g<1>{where}   # {connector.label}", template, flags=re.M
        )
        if count != 1:
            raise UsageError(f"the client.yaml template has no links: entry {role}; reinstall")
    return template


def rollups_block(connector: Connector, name: str) -> str:
    """The `rollups:` section of a connector that writes money back, as client.yaml text."""
    if not connector.rollups:
        return ""
    lines = [f"  {role}: {where}" for role, where in connector.rollups.items()]
    return (
        f"\nrollups:   # {name} preset: money it writes back from QBO into Salesforce\n"
        + "\n".join(lines)
        + "\n  window_hours: 24   # recalculated once a day\n"
    )


def preset_text(template: str, name: str) -> str:
    """client.yaml text for `init --connector NAME`: links: filled, rollups: appended, a note."""
    connector = connector_named(name)
    header = f"# Connector preset: {connector.label}"
    if connector.namespace:
        header += f" (managed package namespace {connector.namespace})"
    header += f". {connector.note}. Sources: docs/connectors.md\n"
    return header + apply_links(template, connector) + rollups_block(connector, name.lower())


def detected(packages: list[tuple[str, str]]) -> list[tuple[str, Connector, str]]:
    """(preset name, connector, installed package name) for each known connector installed."""
    by_ns = {c.namespace.lower(): (k, c) for k, c in CONNECTORS.items() if c.namespace}
    return [(*by_ns[ns.lower()], name) for ns, name in packages if ns and ns.lower() in by_ns]


def links_verdict(connector: Connector, links: dict[str, str | None]) -> str:
    """Whether the config's links: use the connector's fields, in words."""
    if not connector.links:
        return (
            f"it has no link fields of its own on Account/Product2/Opportunity ({connector.note})"
        )
    fields = ", ".join(connector.links.values())
    wrong = [
        f"links.{r} is {links.get(r)}" for r, w in connector.links.items() if links.get(r) != w
    ]
    if not wrong:
        return f"its link fields are {fields}; client.yaml's links: uses them"
    return f"its link fields are {fields}; client.yaml's links: does not match ({'; '.join(wrong)})"
