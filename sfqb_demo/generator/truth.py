"""The demo's ground truth: injected defects, look-alikes, match pairs, duplicate clusters and
the records that carry nothing. Written as truth.json beside (never inside) the raw folder; the
checks never read it, the scorer in tests/ does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

SEVERITIES = ("critical", "high", "medium", "low", "info")
AREAS = ("auth_env", "customers", "products", "partial_sync", "sync_jobs")


def money(cents: int) -> str:
    """Integer cents as a 2-decimal string: -1234 -> '-12.34'."""
    sign = "-" if cents < 0 else ""
    c = abs(int(cents))
    return f"{sign}{c // 100}.{c % 100:02d}"


def _seq(values: Any, n: int) -> list[Any]:
    if values is None:
        return [None] * n
    if isinstance(values, (str, int, np.integer)):
        return [values] * n
    return list(values)


class Truth:
    """Collects what the generator did, record by record."""

    def __init__(self) -> None:
        self.defects: list[dict[str, Any]] = []
        self.lookalikes: list[dict[str, Any]] = []
        self.extra_pairs: dict[str, list[dict[str, Any]]] = {"customers": [], "products": []}
        self.clusters: dict[str, list[list[str]]] = {
            "qb_customers": [],
            "sf_accounts": [],
            "qb_invoices": [],
            "qb_payments": [],
        }
        self.touched_sf: set[str] = set()
        self.touched_qb: dict[str, set[str]] = {}
        self.log_counts: dict[str, int] = {}

    def touch(
        self,
        sf: Iterable[Any] | None = None,
        qb_entity: str | None = None,
        qb: Iterable[Any] | None = None,
    ) -> None:
        """Records involved in a defect or look-alike: kept out of the clean lists."""
        if sf is not None:
            self.touched_sf.update(str(s) for s in sf if s)
        if qb_entity and qb is not None:
            self.touched_qb.setdefault(qb_entity, set()).update(
                str(int(q)) for q in qb if q is not None
            )

    def defect(
        self,
        area: str,
        kind: str,
        severity: str,
        *,
        sf: Any = None,
        qb_entity: str | None = None,
        qb: Any = None,
        cents: Any = None,
        currency: Any = None,
        n: int | None = None,
    ) -> None:
        """One defect per row of the given arrays (scalars repeat; aggregates pass n=1)."""
        assert area in AREAS and severity in SEVERITIES
        count = (
            n
            if n is not None
            else len(next(v for v in (sf, qb, cents) if v is not None and not isinstance(v, str)))
        )
        sfs, qbs = _seq(sf, count), _seq(qb, count)
        amounts, curs = _seq(cents, count), _seq(currency, count)
        for s, q, a, c in zip(sfs, qbs, amounts, curs, strict=True):
            self.defects.append(
                {
                    "area": area,
                    "kind": kind,
                    "min_severity": severity,
                    "sf_id": s or None,
                    "qb_entity": qb_entity if q is not None else None,
                    "qb_id": str(int(q)) if q is not None else None,
                    "amount": money(a) if a is not None else None,
                    "currency": c if a is not None else None,
                }
            )
        self.touch(sfs, qb_entity, [q for q in qbs if q is not None])

    def lookalike(
        self,
        area: str,
        kind: str,
        *,
        sf: Any = None,
        qb_entity: str | None = None,
        qb: Any = None,
        n: int | None = None,
    ) -> None:
        """Records that resemble a defect of `area` but are fine."""
        count = (
            n
            if n is not None
            else len(next(v for v in (sf, qb) if v is not None and not isinstance(v, str)))
        )
        sfs, qbs = _seq(sf, count), _seq(qb, count)
        for s, q in zip(sfs, qbs, strict=True):
            self.lookalikes.append(
                {
                    "area": area,
                    "kind": kind,
                    "sf_id": s or None,
                    "qb_entity": qb_entity if q is not None else None,
                    "qb_id": str(int(q)) if q is not None else None,
                }
            )
        self.touch(sfs, qb_entity, [q for q in qbs if q is not None])

    def pair(self, what: str, sf_id: str, qb_id: int, truth: str, current: str) -> None:
        """An extra match pair (a second true counterpart, or a hard negative)."""
        self.extra_pairs[what].append(
            {"sf_id": sf_id, "qb_id": str(int(qb_id)), "truth": truth, "current": current}
        )

    def cluster(self, what: str, ids: Iterable[Any]) -> None:
        """A duplicate cluster; the first id is the survivor."""
        self.clusters[what].append([str(i) for i in ids])
