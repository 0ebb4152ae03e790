"""client.yaml values, validated as strictly as the data: every problem names its key.

The config decides what counts as linked, matched or late, so a mistyped value would quietly
change every finding. Types follow the dataclass fields; a few keys also have allowed values or
ranges. A `*_env` key names an environment variable: a value that looks like the secret itself
is refused (and never repeated in the message, so neither `doctor` nor a log can echo it).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
# Long runs of mixed letters and digits without separators are keys and tokens, not names.
_TOKEN_LIKE = re.compile(r"^(?=.*\d)(?=.*[a-z])(?=.*[A-Z])[A-Za-z0-9]{20,}$")
_URL_KEYS = {"instance_url", "login_url", "base_url", "discovery_url", "redirect_uri"}
_CHOICES = {
    ("salesforce", "auth"): {"jwt", "client_credentials", "oauth", "session", "password"},
    ("quickbooks", "environment"): {"production", "sandbox"},
}
# (low, high, what the number means); None: unbounded on that side.
_RANGES: dict[str, tuple[float | None, float | None]] = {
    "match_auto": (0.0, 1.0),
    "match_review": (0.0, 1.0),
    "duplicate_review": (0.0, 1.0),
    "realm_mismatch_share": (0.0, 1.0),
    "price_tolerance_pct": (0.0, 100.0),
}
_LINK = re.compile(r"^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$")


# The stand-in serves http on loopback only; anything else must be https before it becomes a link.
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def is_safe_url(value: str) -> bool:
    """An https URL with a host (or http on this machine, as the loopback stand-in serves):
    anything else (`javascript:`, `file:`) must never become a link in a report."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)


def _type_problem(value: Any, annotation: str) -> str | None:
    optional = "None" in annotation
    if value is None:
        return None if optional else "must have a value"
    if "bool" in annotation:
        return None if isinstance(value, bool) else "must be true or false"
    if "int" in annotation:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "must be a whole number"
    if "float" in annotation:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else "must be a number"
    if "str" in annotation and not isinstance(value, str):
        hint = (
            ' (quote it, e.g. "62.0": YAML reads 62.10 as 62.1)' if isinstance(value, float) else ""
        )
        return f"must be text, not {type(value).__name__}{hint}"
    return None


def _value_problem(section: str, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if key.endswith("_env") and (not _ENV_NAME.match(value) or _TOKEN_LIKE.match(value)):
        return (
            "looks like a secret, not the name of an environment variable; put the secret "
            "in the environment (e.g. export SF_PASSWORD=...) and name the variable here"
        )
    if key in _URL_KEYS and not is_safe_url(value):
        return "must be an https:// URL with a host (it becomes a link in reports)"
    allowed = _CHOICES.get((section, key))
    if allowed and value not in allowed:
        return f"must be one of {', '.join(sorted(allowed))}"
    if section in ("links", "rollups") and key != "window_hours" and not _LINK.match(value):
        return "must be Object.Field (API names), e.g. Account.QBO_Customer_Id__c"
    if section == "thresholds" or key == "window_hours":
        low, high = _RANGES.get(key, (0.0, None))
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            return f"is {value}; must be {span}"
    return None


def section_problems(section: str, data: dict[str, Any], annotations: dict[str, str]) -> list[str]:
    """Every wrong type or value in one config section, as 'section.key ...' sentences."""
    found = []
    for key, value in data.items():
        annotation = annotations.get(key, "")
        why = _type_problem(value, annotation) or _value_problem(section, key, value)
        if why:
            found.append(f"{section}.{key} {why}")
    return found


def threshold_order_problems(thresholds: Any) -> list[str]:
    """Cross-key rules: a review band must lie below the automatic-link score."""
    if thresholds.match_review > thresholds.match_auto:
        return [
            f"thresholds.match_review ({thresholds.match_review}) must not exceed "
            f"thresholds.match_auto ({thresholds.match_auto})"
        ]
    return []


def rollup_level_problems(rollups: Any, levels: dict[str, tuple[str, ...]]) -> list[str]:
    """A rollup role names a field of its own level: account_* on Account, opportunity_* on
    Opportunity (the checks compare Account rollups per customer, Opportunity ones per invoice)."""
    found = []
    for obj, roles in levels.items():
        for role in roles:
            value = getattr(rollups, role)
            if value and value.partition(".")[0] != obj:
                found.append(
                    f"rollups.{role} must be a field of {obj} ({obj}.<Field>), not {value}"
                )
    return found
