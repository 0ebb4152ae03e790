"""The shapes a QBO entity file may take, checked before anything is flattened.

The API returns `{"QueryResponse": {"<Entity>": [...], "startPosition": ..}, "time": ..}` per
page; a failed page is `{"Fault": {"Error": [...]}}`; a read is `{"<Entity>": {...}}`. Inside an
entity, references (`CustomerRef`), `MetaData` and line details are objects and `Line` is a list
of objects. A value of another type means a hand-edited or damaged file: reading it anyway would
silently turn a reference into "no customer", so each one is an error naming its JSON path.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson

from sfqb_diag.errors import Problem

# QueryResponse keys that are paging metadata, not entities.
_PAGING = {"startPosition", "maxResults", "totalCount"}
_SHOWN = 20


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value), "null" if value is None else "a number"
    )


def _fault_text(fault: Any) -> str:
    errors = fault.get("Error") if isinstance(fault, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, dict):
        return "no detail"
    return f"{first.get('Message', '')} {first.get('Detail', '')} (code {first.get('code', '?')})"


def _page_entities(page: Any, entity: str, where: str) -> tuple[list[Any], str | None]:
    """Entities of one response body, or the reason the body is unusable."""
    if not isinstance(page, dict):
        return [], f"{where} is {_kind(page)}; expected a query response object"
    if "Fault" in page:
        return [], (
            f"{where} is a QBO Fault response, not data: {_fault_text(page['Fault'])}; "
            "the pull failed there, pull again"
        )
    body = page.get("QueryResponse")
    if not isinstance(body, dict):
        return [], f"{where}.QueryResponse is {_kind(body)}; expected an object"
    if entity not in body:
        others = sorted(set(body) - _PAGING)
        if others:
            return [], (
                f"{where}.QueryResponse holds {', '.join(others)}, not {entity}: "
                "the wrong file or the wrong query"
            )
        return [], None  # a query that matched nothing
    found = body[entity]
    if not isinstance(found, list):
        return [], f"{where}.QueryResponse.{entity} is {_kind(found)}; expected a list"
    return found, None


def entities_of(doc: Any, entity: str, where: str = "$") -> tuple[list[Any] | None, str | None]:
    """The entities in one parsed document, whichever accepted shape it has, or why not."""
    if isinstance(doc, dict) and ("QueryResponse" in doc or "Fault" in doc):
        return _page_entities(doc, entity, where)
    if isinstance(doc, dict) and isinstance(doc.get(entity), dict):
        return [doc[entity]], None  # a read response: {"Customer": {...}, "time": ...}
    if isinstance(doc, dict) and "Id" in doc:
        return [doc], None
    if isinstance(doc, list):
        if any(isinstance(d, dict) and ("QueryResponse" in d or "Fault" in d) for d in doc):
            found: list[Any] = []
            for number, page in enumerate(doc):
                part, why = _page_entities(page, entity, f"{where}[{number}]")
                if why:
                    return None, why
                found.extend(part)
            return found, None
        return doc, None
    return None, (
        f"the top level is {_kind(doc)}; expected a JSON array of {entity} entities, a query "
        "response body or a list of pages"
    )


def response_times(doc: Any) -> list[str]:
    """The `time` each response body in a document carries (QBO stamps every query and read
    response with the server time it ran at); none for a bare entity array."""
    pages = doc if isinstance(doc, list) else [doc]
    return [
        page["time"]
        for page in pages
        if isinstance(page, dict)
        and isinstance(page.get("time"), str)
        and ("QueryResponse" in page or "Id" not in page)
    ]


def _nested_problems(record: dict, paths: set[str], where: str) -> list[str]:
    found = []
    for key in paths:
        value = record.get(key)
        if value is not None and not isinstance(value, dict):
            found.append(f"{where}.{key} is {_kind(value)}; expected an object")
    identifier = record.get("Id")
    if isinstance(identifier, (dict, list, bool)):
        found.append(f"{where}.Id is {_kind(identifier)}; expected a string")
    for key in ("Line", "CustomField"):
        found += _list_of_objects(record.get(key), f"{where}.{key}")
    lines = record.get("Line")
    for number, line in enumerate(lines if isinstance(lines, list) else []):
        if isinstance(line, dict):
            found += _line_problems(line, f"{where}.Line[{number}]")
    return found


def _list_of_objects(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        return [f"{where} is {_kind(value)}; expected a list of objects"]
    return [
        f"{where}[{i}] is {_kind(item)}; expected an object"
        for i, item in enumerate(value)
        if not isinstance(item, dict)
    ][:3]


def _line_problems(line: dict, where: str) -> list[str]:
    found = []
    detail_type = line.get("DetailType")
    if detail_type is not None and not isinstance(detail_type, str):
        found.append(f"{where}.DetailType is {_kind(detail_type)}; expected a string")
        return found
    detail = line.get(detail_type) if detail_type else None
    if detail is not None and not isinstance(detail, dict):
        return [f"{where}.{detail_type} is {_kind(detail)}; expected an object"]
    for key, value in (detail or {}).items():
        if key.endswith("Ref") and value is not None and not isinstance(value, dict):
            found.append(f"{where}.{detail_type}.{key} is {_kind(value)}; expected an object")
    if detail_type == "GroupLineDetail":
        found += _list_of_objects((detail or {}).get("Line"), f"{where}.{detail_type}.Line")
    found += _list_of_objects(line.get("LinkedTxn"), f"{where}.LinkedTxn")
    return found


def check_entities(records: list[Any], fields: dict[str, Any], name: str) -> list[Problem]:
    """Every entity that is not an object, and every nested value of the wrong type."""
    objects = {dotted.split(".")[0] for dotted in fields if "." in dotted}
    messages: list[str] = []
    for number, record in enumerate(records):
        where = f"entity #{number + 1}"
        if not isinstance(record, dict):
            messages.append(f"{where} is {_kind(record)}; expected an object")
            continue
        messages += _nested_problems(record, objects, where)
        if len(messages) > _SHOWN:
            break
    problems = [Problem(name, f"{m} (re-pull, or repair the file)") for m in messages[:_SHOWN]]
    if len(messages) > _SHOWN:
        problems.append(Problem(name, "more entities have values of the wrong type"))
    return problems


def drop_duplicate_entities(records: list[dict], name: str, problems: list[Problem]) -> list[dict]:
    """Keep one of identical entities (overlapping pages); two different entities with one Id are
    an error naming both (QBO Ids are unique within an entity, so one of them is not real)."""
    keys = [str(r.get("Id")).strip() if r.get("Id") is not None else "" for r in records]
    twice = {key for key, count in Counter(keys).items() if key and count > 1}
    if not twice:  # the usual file: every Id once, nothing to compare
        return records
    first_of: dict[str, int] = {}
    body_of: dict[str, bytes] = {}
    kept: list[dict] = []
    repeats: list[str] = []
    for number, (record, key) in enumerate(zip(records, keys, strict=True), start=1):
        if key not in twice:
            kept.append(record)
            continue
        body = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
        if key not in first_of:
            first_of[key], body_of[key] = number, body
            kept.append(record)
        elif body == body_of[key]:
            repeats.append(f"#{number} = #{first_of[key]}")
        else:
            problems.append(
                Problem(
                    name,
                    f"entities #{first_of[key]} and #{number} both have Id {key!r} but differ; "
                    "QBO Ids are unique within an entity: re-pull, or remove the wrong one",
                    column="Id",
                )
            )
    if repeats:
        problems.append(
            Problem(
                name,
                f"{len(repeats)} entit(ies) repeat an earlier one exactly "
                f"({', '.join(repeats[:10])}); kept one of each",
                column="Id",
                fatal=False,
            )
        )
    return kept
