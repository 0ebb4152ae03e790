"""The demo's in-memory state: one DataFrame per object/entity, the as-of time, and a picker
that hands each defect or look-alike records nobody else has touched.

Internal columns start with '_' and are never written. Times are int64 seconds since the epoch
(UTC); money is int64 cents. Salesforce rows refer to each other by row position (`_acc`, `_opp`,
`_prod`, `_pbe`), so an Id can be changed in one place; QBO rows refer to each other by their QBO
Id (`cust`, `txn`, `item`), as the API does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sfqb_demo.generator.sfids import IdFactory
from sfqb_demo.generator.truth import Truth

AS_OF = "2026-11-20T06:00:00Z"
AS_OF_TS = int(pd.Timestamp(AS_OF).timestamp())
DAY = 86_400
HOUR = 3_600
HISTORY_DAYS = 540  # about 18 months


def cell(frame: pd.DataFrame, row: Any, col: str) -> Any:
    """One value by row position and column (typed Any: pandas-stubs types .at as a union)."""
    return frame[col].to_numpy()[row]


def scaled(size: int, per_2000: float) -> int:
    """How many records a defect kind gets: per_2000 at the default size, at least 1."""
    return max(1, round(per_2000 * size / 2000))


def objectify(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as plain Python objects: the generator edits cells one by one, which the
    Arrow-backed default string dtype makes slow."""
    text = [c for c, t in frame.dtypes.items() if t == "str" or isinstance(t, pd.StringDtype)]
    if text:
        frame = frame.astype({c: object for c in text})
    return frame


class Store(dict[str, Any]):
    """Tables by name. Appends are buffered and concatenated on the next read of that table, so
    a loop that only appends costs one concat, not one per row."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[str, list[pd.DataFrame]] = {}
        self.length: dict[str, int] = {}

    def __getitem__(self, key: str) -> pd.DataFrame:
        chunks = self.pending.pop(key, None)
        if chunks:
            super().__setitem__(
                key, pd.concat([super().__getitem__(key), *chunks], ignore_index=True)
            )
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: pd.DataFrame) -> None:
        self.pending.pop(key, None)
        self.length[key] = len(value)
        super().__setitem__(key, objectify(value) if isinstance(value, pd.DataFrame) else value)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default  # noqa: SIM401 (self.get would recurse)

    def add(self, key: str, rows: pd.DataFrame) -> np.ndarray:
        start = self.length[key]
        self.pending.setdefault(key, []).append(rows)  # concat with an object column stays object
        self.length[key] = start + len(rows)
        return np.arange(start, start + len(rows))


@dataclass
class World:
    """Everything the writer needs, plus the truth being collected."""

    rng: np.random.Generator
    size: int
    seed: int
    variant: str
    ids: IdFactory
    truth: Truth
    sf: Store = field(default_factory=Store)
    qb: Store = field(default_factory=Store)
    log: list[pd.DataFrame] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    used: dict[str, set[int]] = field(default_factory=dict)
    next_id: dict[str, int] = field(default_factory=dict)
    opp_lines: dict[int, Any] = field(default_factory=dict)
    pending_links: list[tuple[int, int, int]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # hand-offs between generator steps

    def pick(self, table: str, mask: np.ndarray | pd.Series, n: int) -> np.ndarray:
        """Up to n row positions of `table` satisfying mask that no defect/look-alike used yet;
        marks them used. Deterministic for a given rng state."""
        frame = self.sf[table] if table in self.sf else self.qb[table]
        used = self.used.setdefault(table, set())
        ok = np.asarray(mask, dtype=bool).copy()
        if used:
            idx = np.fromiter(used, dtype=np.int64)
            ok[idx[idx < len(ok)]] = False
        candidates = np.flatnonzero(ok)
        if len(candidates) == 0 or n <= 0:
            return np.array([], dtype=np.int64)
        chosen = np.sort(self.rng.choice(candidates, size=min(n, len(candidates)), replace=False))
        used.update(int(i) for i in chosen)
        assert len(frame) >= len(ok)
        return chosen

    def mark(self, table: str, rows: Any) -> None:
        """Mark rows used without picking them (records involved in a defect or look-alike)."""
        self.used.setdefault(table, set()).update(int(i) for i in np.atleast_1d(rows))

    def free(self, table: str) -> np.ndarray:
        """Boolean mask of rows not used yet."""
        store = self.sf if table in self.sf else self.qb
        ok = np.ones(store.length[table], dtype=bool)
        used = self.used.get(table)
        if used:
            idx = np.fromiter(used, dtype=np.int64)
            ok[idx[idx < len(ok)]] = False
        return ok

    def append(self, table: str, rows: pd.DataFrame) -> np.ndarray:
        """Append rows to a table; returns their positions."""
        store = self.sf if table in self.sf else self.qb
        return store.add(table, rows)

    def next_qb_id(self, entity_table: str, n: int) -> np.ndarray:
        """New QBO Ids for an entity: QBO numbers each entity's records 1, 2, 3..."""
        if entity_table not in self.next_id:
            frame = self.qb[entity_table]
            self.next_id[entity_table] = int(frame["Id"].max()) + 1 if len(frame) else 1
        start = self.next_id[entity_table]
        self.next_id[entity_table] = start + n
        return np.arange(start, start + n, dtype=np.int64)
