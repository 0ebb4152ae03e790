"""Helpers shared by the sync_jobs checks: which invoices the integration made, money in words,
and clustering of records that repeat within a time window.

Kept free of registrations so tests and notebooks can call them on any Dataset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.linkage import invoice_opportunity_refs

_MEMO = "_sync_jobs_invoice_opportunity"


def invoice_opportunity(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """One row per invoice: id, opp_id (the opportunity linking it or named in its note), linked.

    `linked` is true when an opportunity's link field holds this invoice's id (the sync's own
    record of the invoice); `opp_id` falls back to an Id written in the invoice (PrivateNote or a
    custom field) so orphaned copies still name their deal. Several checks need it: it is kept on
    the Dataset (which never changes once loaded) per link configuration, and a copy is returned.
    """
    memo = data.__dict__.setdefault(_MEMO, {})
    key = (config.links, id(data.tables.get("invoices")), id(data.tables.get("opportunities")))
    if key not in memo:
        memo.clear()
        memo[key] = _invoice_opportunity(data, config)
    return memo[key].copy()


def _invoice_opportunity(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    invoices = data["invoices"][["id"]].copy()
    opps = data.get("opportunities")
    linked = pd.DataFrame({"id": pd.Series(dtype="string"), "link_opp": pd.Series(dtype="string")})
    if opps is not None and "qb_invoice_id" in opps:
        have = opps[opps["qb_invoice_id"].notna()]
        linked = pd.DataFrame(
            {
                "id": have["qb_invoice_id"].astype("string").to_numpy(),
                "link_opp": have["id"].astype("string").to_numpy(),
            }
        )
        linked = linked.drop_duplicates("id")
    named = invoice_opportunity_refs(data, config).drop_duplicates("invoice_id")
    named = named.rename(columns={"invoice_id": "id", "sf_id": "note_opp"})[["id", "note_opp"]]
    out = invoices.merge(linked, on="id", how="left").merge(named, on="id", how="left")
    out["linked"] = out["link_opp"].notna()
    out["opp_id"] = out["link_opp"].fillna(out["note_opp"]).astype("string")
    return out[["id", "opp_id", "linked"]]


def integration_invoice_ids(data: Dataset, config: ClientConfig) -> pd.Series:
    """Invoices the sync made (linked from or naming an opportunity); every invoice when none do,
    so a client whose sync leaves no trace is still analysed on what exists."""
    refs = invoice_opportunity(data, config)
    made = refs.loc[refs["opp_id"].notna(), "id"]
    return made if len(made) else refs["id"]


def window_clusters(
    frame: pd.DataFrame, keys: list[str], time_col: str, window: pd.Timedelta
) -> pd.Series:
    """A cluster number per row: rows with equal `keys` whose creation times chain together with
    gaps of at most `window` (a retry lands minutes after the call that timed out).

    Rows with a missing time or a missing key are never clustered (they get their own number).
    """
    if frame.empty:
        return pd.Series([], index=frame.index, dtype="int64")
    key_frame = frame[keys]  # typed columns hash fast; rows with a missing key are set apart below
    group = pd.Series(
        pd.util.hash_pandas_object(key_frame, index=False).to_numpy(), index=frame.index
    )
    order = pd.DataFrame({"g": group, "t": frame[time_col]}).sort_values(["g", "t"], kind="stable")
    incomplete = frame.loc[order.index, keys].isna().any(axis=1) | order["t"].isna()
    new = (
        (order["g"] != order["g"].shift())
        | (order["t"].diff() > window)
        | incomplete
        | incomplete.shift(fill_value=False)
    )
    labels = pd.Series(np.cumsum(new.to_numpy()), index=order.index)
    return labels.reindex(frame.index)


def split_by_reference(cluster: pd.Series, ref: pd.Series) -> pd.Series:
    """Split clusters whose members name different references (two deals, two invoices paid).

    A member with no reference joins the cluster's only reference; when a cluster names several,
    members without one are set apart (they cannot be told to be copies of either).
    """
    frame = pd.DataFrame({"c": cluster, "r": ref.astype("string")})
    distinct = frame.groupby("c")["r"].transform("nunique")
    only = frame.groupby("c")["r"].transform("first")
    filled = frame["r"].where(frame["r"].notna(), only.where(distinct == 1))
    filled = filled.fillna(
        "\x00alone:" + pd.Series(frame.index, index=frame.index).astype("string")
    )
    return frame.assign(r=filled).groupby(["c", "r"], sort=False).ngroup()


def multiset_hash(keys: pd.Series, values: pd.DataFrame) -> pd.DataFrame:
    """An order-free hash of the rows of `values` per key (e.g. the lines of one invoice).

    Each row is hashed, then the hashes of a key are summed in two 32-bit halves (no overflow below
    2^31 rows), so the same lines in any order give the same hash. Returns key, hash (str), n.
    """
    if values.empty:
        return pd.DataFrame(
            {
                "key": pd.Series(dtype="string"),
                "hash": pd.Series(dtype="string"),
                "n": pd.Series(dtype="int64"),
            }
        )
    row_hash = pd.util.hash_pandas_object(values, index=False).to_numpy()
    halves = pd.DataFrame(
        {
            "key": keys.to_numpy(),
            "hi": (row_hash >> np.uint64(32)).astype(np.int64),
            "lo": (row_hash & np.uint64(0xFFFFFFFF)).astype(np.int64),
        }
    )
    summed = halves.groupby("key", sort=False).agg(
        hi=("hi", "sum"), lo=("lo", "sum"), n=("hi", "size")
    )
    text = (
        summed["hi"].astype("string")
        + ":"
        + summed["lo"].astype("string")
        + ":"
        + summed["n"].astype("string")
    )
    return pd.DataFrame(
        {"key": summed.index.astype("string"), "hash": text.to_numpy(), "n": summed["n"].to_numpy()}
    )
