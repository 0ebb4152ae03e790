"""Timestamps and money the way each system writes them, vectorised."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def sf_ts(ts: Any) -> np.ndarray:
    """Salesforce style: '2026-03-04T10:15:00.000+0000'; 0 means null (empty string)."""
    t = np.asarray(ts, dtype=np.int64)
    text = np.datetime_as_string(t.astype("datetime64[s]"), unit="s").astype(object) + ".000+0000"
    return np.where(t > 0, text, "")


def iso_utc(ts: Any) -> np.ndarray:
    """'2026-03-04T10:15:07Z' (the sync log's format)."""
    t = np.asarray(ts, dtype=np.int64)
    return np.datetime_as_string(t.astype("datetime64[s]"), unit="s").astype(object) + "Z"


def qb_ts(ts: Any) -> np.ndarray:
    """QBO style: company-local (Pacific) time with its offset, '2026-03-04T02:15:00-08:00'."""
    t = np.asarray(ts, dtype=np.int64)
    utc = pd.DatetimeIndex(t.astype("datetime64[s]")).tz_localize("UTC")
    wall = (
        utc.tz_convert("America/Los_Angeles").tz_localize(None).to_numpy().astype("datetime64[s]")
    )
    offset = (wall.astype(np.int64) - t) // 3600
    text = np.datetime_as_string(wall, unit="s").astype(object)
    return text + np.where(offset == -7, "-07:00", "-08:00")


def day(days: Any) -> np.ndarray:
    """'2026-03-04' from days since the epoch; negative or 0 gives ''."""
    d = np.asarray(days, dtype=np.int64)
    return np.where(d > 0, np.datetime_as_string(d.astype("datetime64[D]")).astype(object), "")


def cents(c: Any) -> np.ndarray:
    """Integer cents as '1234.50' strings."""
    c = np.asarray(c, dtype=np.int64)
    a = np.abs(c)
    whole = pd.Series(a // 100).astype(str).to_numpy(dtype=object)
    frac = pd.Series(a % 100).astype(str).str.zfill(2).to_numpy(dtype=object)
    return np.where(c < 0, "-", "") + whole + "." + frac


def qty(q: Any) -> np.ndarray:
    """Quantities as JSON numbers: '3' for whole numbers, '1.5' otherwise."""
    q = np.asarray(q, dtype=float)
    whole = q == np.floor(q)
    return np.where(
        whole,
        pd.Series(q.astype(np.int64)).astype(str).to_numpy(dtype=object),
        pd.Series(q).astype(str).to_numpy(dtype=object),
    )
