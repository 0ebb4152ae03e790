"""manifest.json, validated as strictly as the data (DESIGN.md "The raw folder").

Every key is optional, but a key that is present must have the right type: the realm, the
environment and the pull time decide findings (a sandbox wired to production, token ages), so a
mistyped value would turn into a false finding. Unknown keys are kept and named as a warning.
"""

from __future__ import annotations

from typing import Any

import orjson
import pandas as pd

from sfqb_diag.config_check import is_safe_url
from sfqb_diag.errors import Problem

NAME = "manifest.json"
_CLOCK_WORDS = {"now", "today", "tomorrow", "yesterday"}


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _whole(value: Any) -> str | None:
    ok = (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.strip().isdigit()
    )
    return None if ok else "a whole number"


def _id_text(value: Any) -> str | None:
    ok = isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    return None if ok else "a string"


def _url(value: Any) -> str | None:
    return None if isinstance(value, str) and is_safe_url(value) else "an https:// URL"


def _time(value: Any) -> str | None:
    if not isinstance(value, str) or value.strip().lower() in _CLOCK_WORDS:
        return "an ISO 8601 time such as 2026-03-31T18:00:00Z (never 'now': outputs must not depend on the day)"
    try:
        stamp = pd.Timestamp(value.strip())
    except (ValueError, OverflowError):
        return "an ISO 8601 time such as 2026-03-31T18:00:00Z"
    return None if not pd.isna(stamp) else "an ISO 8601 time"


def _environment(value: Any) -> str | None:
    return None if value in ("production", "sandbox") else "production or sandbox"


_SECTIONS = {
    "salesforce": {
        "instance_url": _url,
        "is_sandbox": _flag,
        "org_id": _text,
        "api_version": _id_text,
        "username": _text,
        "auth": _text,
    },
    "quickbooks": {
        "realm_id": _id_text,
        "environment": _environment,
        "base_url": _url,
        "minorversion": _whole,
        "refresh_token_issued_at": _time,
        "refresh_token_expires_at": _time,
        "refresh_token_hard_expires_at": _time,
        "access_token_expires_at": _time,
    },
}
_TOP = {"pulled_at": _time, "tool_version": _text}
_FREE = {"pull"}  # pull statistics: written by `pull`, read by nobody


def _check(value: Any, rule: Any, key: str) -> Problem | None:
    if value is None:
        return None
    expected = rule(value)
    if expected is None:
        return None
    return Problem(NAME, f"{key} is {str(value)[:60]!r}; expected {expected}", column=key)


def _section(manifest: dict, name: str, rules: dict, problems: list[Problem]) -> None:
    value = manifest.get(name)
    if value is None:
        return
    if not isinstance(value, dict):
        problems.append(Problem(NAME, f"{name} must be an object of keys", column=name))
        return
    for key, rule in rules.items():
        found = _check(value.get(key), rule, f"{name}.{key}")
        if found:
            problems.append(found)
    for key in sorted(set(value) - set(rules)):
        problems.append(Problem(NAME, f"unknown key {name}.{key}; kept, not used", fatal=False))


def _counts(value: Any, problems: list[Problem]) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        problems.append(Problem(NAME, "counts must map object names to numbers", column="counts"))
        return
    for key, count in value.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            problems.append(
                Problem(
                    NAME,
                    f"counts.{key} is {str(count)[:30]!r}; expected a whole number of records",
                    column=f"counts.{key}",
                )
            )


def read_manifest(content: bytes, problems: list[Problem]) -> dict[str, Any]:
    """The parsed manifest (an empty dict when unusable); its problems appended to `problems`."""
    try:
        manifest = orjson.loads(content.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        problems.append(
            Problem(NAME, f"bad JSON: {exc.msg}", line=exc.lineno, column=str(exc.colno))
        )
        return {}
    if not isinstance(manifest, dict):
        problems.append(Problem(NAME, "must be a JSON object (see DESIGN.md's manifest)", line=1))
        return {}
    before = len(problems)
    for name, rules in _SECTIONS.items():
        _section(manifest, name, rules, problems)
    for key, rule in _TOP.items():
        found = _check(manifest.get(key), rule, key)
        if found:
            problems.append(found)
    _counts(manifest.get("counts"), problems)
    known = set(_SECTIONS) | set(_TOP) | _FREE | {"counts"}
    for key in sorted(set(manifest) - known):
        problems.append(Problem(NAME, f"unknown key {key}; kept, not used", fatal=False))
    if any(p.fatal for p in problems[before:]):
        return {}
    return manifest
