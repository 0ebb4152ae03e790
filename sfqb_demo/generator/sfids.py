"""Salesforce and QBO identifiers for the demo, made in bulk.

A Salesforce Id is: a 3-character key prefix (001 Account, 006 Opportunity...), a 2-character
pod/instance code, a reserved '0', a 9-character base-62 counter, then the 3-character case-safe
suffix. Records of one org share the pod code, which is what makes Ids "org-specific".
"""

from __future__ import annotations

import numpy as np

from sfqb_diag.ids import checksum_suffix

_B62 = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8
)
_SUFFIX = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", dtype=np.uint8)
PREFIX = {
    "Account": "001",
    "Contact": "003",
    "Product2": "01t",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
    "Opportunity": "006",
    "OpportunityLineItem": "00k",
    "User": "005",
    "LoginHistory": "0Ya",
}
ORG_POD = "Dn"  # this org's pod code (chars 4-5 of every Id)
OTHER_POD = "8b"  # a sandbox created after a refresh numbers new records on another pod


def suffixed(mat15: np.ndarray) -> np.ndarray:
    """18-char Ids (as str array) from an (n, 15) uint8 matrix of the first 15 characters."""
    n = mat15.shape[0]
    upper = (mat15 >= 65) & (mat15 <= 90)
    codes = (upper.reshape(n, 3, 5) * (1 << np.arange(5))).sum(axis=2)
    full = np.concatenate([mat15, _SUFFIX[codes]], axis=1).astype(np.uint8)
    return np.ascontiguousarray(full).view("S18").ravel().astype(str).astype(object)


class IdFactory:
    """Hands out Salesforce Ids per object, continuing each object's counter between calls."""

    def __init__(self, rng: np.random.Generator, pod: str = ORG_POD) -> None:
        self._rng = rng
        self._pod = pod
        self._next: dict[str, int] = {}

    def make(self, obj: str, n: int) -> np.ndarray:
        """n new 18-char Ids of object `obj`, increasing like a real org's counter."""
        if obj not in self._next:  # three leading zeros, then a per-object starting point
            self._next[obj] = int(self._rng.integers(62**5, 62**6 // 3))
        steps = self._rng.integers(1, 29, n).astype(np.int64)
        values = self._next[obj] + np.cumsum(steps)
        self._next[obj] = int(values[-1]) if n else self._next[obj]
        digits = np.empty((n, 9), dtype=np.uint8)
        rest = values.copy()
        for pos in range(8, -1, -1):
            digits[:, pos] = _B62[rest % 62]
            rest //= 62
        head = np.empty((n, 6), dtype=np.uint8)
        head[:, :3] = np.frombuffer(PREFIX[obj].encode(), dtype=np.uint8)
        head[:, 3:5] = np.frombuffer(self._pod.encode(), dtype=np.uint8)
        head[:, 5] = ord("0")
        return suffixed(np.concatenate([head, digits], axis=1))


def flip_case(sf_id: str) -> str | None:
    """Another valid 18-char Id whose 15-char form differs from sf_id's only in letter case
    (two such Ids collide wherever case is lost: spreadsheets, case-insensitive SQL)."""
    head = sf_id[:15]
    for pos in range(14, 5, -1):
        if head[pos].isalpha():
            flipped = head[:pos] + head[pos].swapcase() + head[pos + 1 :]
            return flipped + checksum_suffix(flipped)
    return None
