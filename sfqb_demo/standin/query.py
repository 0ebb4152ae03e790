"""The subset of SOQL and of QBO's query language that the stand-in understands.

Enough for what clients send when pulling: a field list (or COUNT), one object, AND-ed
comparisons, ORDER BY, LIMIT / STARTPOSITION / MAXRESULTS. Anything else is a clear 400, as a
real service would answer a malformed query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:('(?:[^'\\]|\\.)*')|(<=|>=|!=|<>|=|<|>|\(|\)|,|\*)|([^\s,()=<>!']+))"""
)


class QueryError(ValueError):
    """A query the stand-in cannot parse; the message is what the service would say."""


@dataclass
class Condition:
    field: str
    op: str  # = != < > <= >= IN LIKE
    value: Any  # a python value, or a list for IN


@dataclass
class Query:
    fields: list[str]  # ["*"] for QBO SELECT *
    source: str
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order_by: str | None = None
    descending: bool = False
    limit: int | None = None
    start: int | None = None  # QBO STARTPOSITION (1-based)
    max_results: int | None = None  # QBO MAXRESULTS


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip().rstrip(";")
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"unexpected character at position {pos}: {text[pos : pos + 10]!r}")
        out.append(next(g for g in match.groups() if g is not None))
        pos = match.end()
    return [t for t in out if t.strip()]


def _literal(token: str) -> Any:
    if token.startswith("'"):
        return token[1:-1].replace("\\'", "'")
    low = token.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    try:
        return float(token) if any(c in token for c in ".eE") else int(token)
    except ValueError:
        return token  # a date literal such as 2024-01-01T00:00:00Z


class _Cursor:
    def __init__(self, tokens: list[str]):
        self.tokens, self.pos = tokens, 0

    def peek(self, upper: bool = True) -> str | None:
        if self.pos >= len(self.tokens):
            return None
        return self.tokens[self.pos].upper() if upper else self.tokens[self.pos]

    def take(self, expected: str | None = None) -> str:
        token = self.peek(upper=False)
        if token is None or (expected and token.upper() != expected):
            raise QueryError(f"expected {expected or 'a token'} but found {token!r}")
        self.pos += 1
        return token


def _select_list(cur: _Cursor) -> tuple[list[str], bool]:
    cur.take("SELECT")
    if cur.peek() == "COUNT":
        cur.take()
        cur.take("(")
        if cur.peek() == "*":
            cur.take()
        cur.take(")")
        return [], True
    fields = [cur.take()]
    while cur.peek() == ",":
        cur.take()
        fields.append(cur.take())
    return fields, False


def _conditions(cur: _Cursor, stop: set[str]) -> list[Condition]:
    found: list[Condition] = []
    while cur.peek() is not None and cur.peek() not in stop:
        name = cur.take()
        op = cur.take().upper()
        if op == "IN":
            cur.take("(")
            values = [_literal(cur.take())]
            while cur.peek() == ",":
                cur.take()
                values.append(_literal(cur.take()))
            cur.take(")")
            found.append(Condition(name, "IN", values))
        elif op in {"=", "!=", "<>", "<", ">", "<=", ">=", "LIKE"}:
            found.append(Condition(name, "!=" if op == "<>" else op, _literal(cur.take())))
        else:
            raise QueryError(f"unsupported operator {op!r}")
        if cur.peek() == "AND":
            cur.take()
        elif cur.peek() == "OR":
            raise QueryError("OR is not supported by the stand-in")
    return found


def parse(text: str, dialect: str) -> Query:
    """Parse a SOQL (`dialect='soql'`) or QBO (`dialect='qbo'`) query."""
    cur = _Cursor(_tokens(text))
    fields, count = _select_list(cur)
    cur.take("FROM")
    query = Query(fields=fields, source=cur.take(), count=count)
    while cur.peek() is not None:
        keyword = cur.take().upper()
        if keyword == "WHERE":
            query.where = _conditions(
                cur, {"ORDER", "ORDERBY", "LIMIT", "STARTPOSITION", "MAXRESULTS"}
            )
        elif keyword in ("ORDER", "ORDERBY"):
            if keyword == "ORDER":
                cur.take("BY")
            query.order_by = cur.take()
            if cur.peek() in ("ASC", "DESC"):
                query.descending = cur.take().upper() == "DESC"
        elif keyword == "LIMIT" and dialect == "soql":
            query.limit = int(cur.take())
        elif keyword == "STARTPOSITION" and dialect == "qbo":
            query.start = int(cur.take())
        elif keyword == "MAXRESULTS" and dialect == "qbo":
            query.max_results = int(cur.take())
        else:
            raise QueryError(f"unexpected {keyword!r}")
    return query


def matches(value: Any, cond: Condition) -> bool:
    """Whether one (already typed) value satisfies a condition; None never compares."""
    if cond.op == "IN":
        return value in cond.value
    if cond.op == "=":
        return value == cond.value
    if cond.op == "!=":
        return value != cond.value
    if value is None or cond.value is None:
        return False
    if cond.op == "LIKE":
        pattern = "^" + re.escape(str(cond.value)).replace("%", ".*").replace("_", ".") + "$"
        return re.match(pattern, str(value), re.IGNORECASE) is not None
    try:
        if isinstance(value, str):
            text, other = value, str(cond.value)
            return {"<": text < other, ">": text > other, "<=": text <= other, ">=": text >= other}[
                cond.op
            ]
        left, right = float(value), float(cond.value)
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[
            cond.op
        ]
    except (TypeError, ValueError):
        return False
