"""doctor's `connector` step: which known connector is installed, and does links: use its fields."""

from __future__ import annotations

from typing import Any

from sfqb_diag import connectors
from sfqb_diag.config import ClientConfig
from sfqb_diag.sources.live.salesforce import SfClient


def connector_step(config: ClientConfig, sf: SfClient, facts: dict[str, Any]) -> tuple[str, str]:
    """Which known connector's managed package is installed, and whether links: uses its fields."""
    packages = sf.installed_packages()
    found = connectors.detected(packages)
    facts["connector"] = found[0][0] if found else None
    if not found:
        names = ", ".join(f"{n} ({ns})" for ns, n in packages if ns) or "none"
        return "ok", f"no known connector's package detected (managed packages: {names})"
    links = {role: getattr(config.links, role) for role in connectors.LINK_ROLES}
    parts = [
        f"{c.label} (namespace {c.namespace}, package {name!r}) is installed; "
        + connectors.links_verdict(c, links)
        for _, c, name in found
    ]
    mismatch = any("does not match" in p for p in parts)
    hint = f"; start from `sfqb-diag init NAME --connector {found[0][0]}`" if mismatch else ""
    return ("warn" if mismatch else "ok"), "; ".join(parts) + hint
