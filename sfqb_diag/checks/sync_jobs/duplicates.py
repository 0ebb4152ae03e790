"""Duplicate invoices and payments created by retried creates.

A create that times out after QBO committed it, retried blindly, makes a second copy: same
customer, same date, same total, same lines, created minutes later. The sync keeps the id of one
copy (the linked one); the others are orphans the customer is billed for. A monthly subscription
repeats the same lines too, but on another TxnDate: the date is part of the key, so it never
clusters.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.sync_jobs.state import (
    invoice_opportunity,
    multiset_hash,
    split_by_reference,
    window_clusters,
)
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.record_words import customer_name
from sfqb_diag.words import count_text, money_text

CLUSTER_COLUMNS = ["cluster_id", "id", "keep", "reasons"]
# What the kept copy is, by the rule that kept it (the keep order of each kind).
INVOICE_KEPT_ROLES = [
    ("linked", "the copy the Salesforce deal links to"),
    ("has_payment", "the copy with a payment applied"),
]
PAYMENT_KEPT_ROLES = [("applied", "the copy applied to invoices")]
# Line fields a retried payload repeats exactly; SubTotal lines are computed by QBO, so left out.
LINE_KEY = [
    "detail_type",
    "item_id",
    "qty",
    "unit_price",
    "amount_cents",
    "description",
    "discount_pct",
]


def invoice_line_hashes(lines: pd.DataFrame) -> pd.DataFrame:
    """txn_id -> an order-free hash of its lines and the line count."""
    use = lines[lines["detail_type"].fillna("") != "SubTotalLineDetail"]
    use = use[use["group_line_id"].isna()] if "group_line_id" in use else use
    hashed = multiset_hash(use["txn_id"].astype("string"), use[LINE_KEY])
    return hashed.rename(columns={"key": "id", "hash": "line_hash", "n": "line_count"})


def _window(config: ClientConfig) -> pd.Timedelta:
    return pd.Timedelta(minutes=float(config.thresholds.duplicate_window_minutes))


def _finish(
    members: pd.DataFrame, cluster: pd.Series, priority: list[str], prefix: str
) -> pd.DataFrame:
    """Keep clusters of two or more; mark the survivor (first by `priority`) and time offsets."""
    members = members.assign(_c=cluster.to_numpy())
    members = members[members.groupby("_c")["_c"].transform("size") >= 2]
    if members.empty:
        return members.assign(cluster_id=pd.Series(dtype="string"), keep=pd.Series(dtype=bool))
    ascending = [False] * (len(priority) - 2) + [True, True]
    ranked = members.sort_values(["_c", *priority], ascending=[True, *ascending], kind="stable")
    ranked["keep"] = ~ranked["_c"].duplicated()
    keeper = ranked.loc[ranked["keep"], ["_c", "id", "create_time"]].rename(
        columns={"id": "keep_id", "create_time": "keep_time"}
    )
    ranked = ranked.merge(keeper, on="_c", how="left")
    ranked["cluster_id"] = (prefix + ranked["keep_id"].astype("string")).astype("string")
    first = ranked.groupby("_c")["create_time"].transform("min")
    ranked["minutes_after_first"] = ((ranked["create_time"] - first).dt.total_seconds() / 60).round(
        1
    )
    ranked["minutes_from_kept"] = (
        (ranked["create_time"] - ranked["keep_time"]).dt.total_seconds() / 60
    ).round(1)
    ranked["cluster_size"] = ranked.groupby("_c")["_c"].transform("size")
    return ranked.drop(columns=["_c"]).reset_index(drop=True)


def kept_role(found: pd.DataFrame, rules: list[tuple[str, str]]) -> pd.Series:
    """Per row: what the kept copy of its cluster is, in words, from the first of `rules`
    (column, words) true for the kept row ("the copy the Salesforce deal links to"); else "the
    first copy" (the earliest created is kept when nothing else tells them apart)."""
    kept = found[found["keep"].to_numpy(bool)].set_index("cluster_id")
    role = pd.Series("the first copy", index=kept.index, dtype="string")
    for column, words in reversed(rules):
        role = role.mask(kept[column].fillna(False).astype(bool), words)
    return pd.Series(role.reindex(found["cluster_id"]).to_numpy(), index=found.index)


def timing_words(found: pd.DataFrame, role: pd.Series) -> pd.Series:
    """'created 2.4 min before the copy the Salesforce deal links to', '... 1.5 min after the
    first copy', '... in the same minute as ...': each copy's creation against the kept one."""
    minutes = found["minutes_from_kept"]
    amount = minutes.abs().astype("string")
    side = pd.Series("after", index=found.index, dtype="string").mask(minutes < 0, "before")
    words = "created " + amount + " min " + side + " " + role
    return words.mask(minutes.abs() < 0.05, "created within seconds of " + role)


def void_which(found: pd.DataFrame) -> pd.Series:
    """'the later copy' / 'the earlier copy' / 'the copy': the one to void, by when it was
    created against the kept one (a retry's copy is not always the later one: the sync may have
    linked the last attempt)."""
    minutes = found["minutes_from_kept"]
    which = pd.Series("the copy", index=found.index, dtype="string")
    return which.mask(minutes >= 0.05, "the later copy").mask(minutes <= -0.05, "the earlier copy")


def invoice_duplicates(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """Every member of a retry-duplicate invoice cluster, with keep, reasons and context columns."""
    inv = data["invoices"].copy()
    lines = data.get("invoice_lines")
    hashes = (
        invoice_line_hashes(lines)
        if lines is not None
        else pd.DataFrame(columns=["id", "line_hash", "line_count"])
    )
    inv = inv.merge(hashes, on="id", how="left")
    inv["line_hash"] = inv["line_hash"].astype("string").fillna("no lines")
    inv["line_count"] = inv["line_count"].fillna(0).astype("int64")
    refs = invoice_opportunity(data, config)
    inv = inv.merge(refs, on="id", how="left")
    keys = ["customer_id", "currency", "txn_date", "total_cents", "line_hash"]
    inv["currency"] = inv["currency"].fillna("")
    cluster = window_clusters(inv, keys, "create_time", _window(config))
    # Two opportunities linking two identical invoices are two real deals; a note naming a deal is
    # weaker evidence (copied, edited, or stale), so only the sync's own links split a cluster.
    cluster = split_by_reference(cluster, inv["opp_id"].where(inv["linked"]))
    paid = _paid_invoices(data)
    inv["has_payment"] = inv["id"].isin(paid) | (
        inv.get("balance_cents", inv["total_cents"]) < inv["total_cents"]
    ).fillna(False)
    inv["_id_num"] = pd.to_numeric(inv["id"], errors="coerce")
    found = _finish(inv, cluster, ["linked", "has_payment", "create_time", "_id_num"], "INV-")
    if found.empty:
        return pd.DataFrame(columns=[*CLUSTER_COLUMNS, "opp_id"])
    # The deal the cluster was billed for: the one linking a copy, else the one a note names.
    linked_opp = (
        found["opp_id"].where(found["linked"]).groupby(found["cluster_id"]).transform("first")
    )
    found["opp_id"] = linked_opp.fillna(found["opp_id"]).astype("string")
    found["reasons"] = _invoice_reasons(found, customer_name(data, found["customer_id"]))
    return found


def _paid_invoices(data: Dataset) -> set[str]:
    links = data.get("payment_links")
    if links is None:
        return set()
    return set(links.loc[links["txn_type"].fillna("Invoice") == "Invoice", "txn_id"].dropna())


def _invoice_reasons(found: pd.DataFrame, who: pd.Series) -> pd.Series:
    total = money_text(found["total_cents"], found["currency"])
    same = (
        "same customer "
        + who
        + ", date "
        + found["txn_date"].dt.strftime("%Y-%m-%d").astype("string")
        + ", total "
        + total
        + ", "
        + count_text(found["line_count"], "identical line")
    )
    why_keep = pd.Series("earliest copy", index=found.index, dtype="string")
    why_keep = why_keep.mask(found["has_payment"], "has a payment applied")
    why_keep = why_keep.mask(found["linked"].fillna(False).astype(bool), "linked from Salesforce")
    keep_text = "kept: " + why_keep
    copy_text = (
        timing_words(found, kept_role(found, INVOICE_KEPT_ROLES))
        + "; "
        + found["linked"].fillna(False).map({True: "linked", False: "not linked"}).astype("string")
        + " from Salesforce; keep the copy with QBO Id "
        + found["keep_id"].astype("string")
    )
    return (same + "; " + keep_text.where(found["keep"], copy_text)).astype("string")


def payment_duplicates(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """Every member of a retry-duplicate payment cluster.

    Key: customer, currency, date, amount and reference number. The invoices a payment is applied
    to are its reference: a retried copy is often left unapplied (the invoice was already paid),
    so a copy without links joins the cluster, while two payments applied to different invoices
    are two real payments.
    """
    pay = data["payments"].copy()
    links = data.get("payment_links")
    if links is not None and len(links):
        applied = multiset_hash(
            links["payment_id"].astype("string"), links[["txn_id", "txn_type", "amount_cents"]]
        )
        pay = pay.merge(
            applied.rename(columns={"key": "id", "hash": "applied_hash", "n": "applied_count"}),
            on="id",
            how="left",
        )
    else:
        pay["applied_hash"], pay["applied_count"] = pd.NA, 0
    pay["applied_count"] = pay["applied_count"].fillna(0).astype("int64")
    pay["currency"] = pay["currency"].fillna("")
    pay["payment_ref_num"] = pay["payment_ref_num"].astype("string").fillna("")
    keys = ["customer_id", "currency", "txn_date", "total_cents", "payment_ref_num"]
    cluster = window_clusters(pay, keys, "create_time", _window(config))
    cluster = split_by_reference(cluster, pay["applied_hash"])
    pay["applied"] = pay["applied_count"] > 0
    pay["_id_num"] = pd.to_numeric(pay["id"], errors="coerce")
    found = _finish(pay, cluster, ["applied", "create_time", "_id_num"], "PAY-")
    if found.empty:
        return pd.DataFrame(columns=CLUSTER_COLUMNS)
    total = money_text(found["total_cents"], found["currency"])
    same = (
        "same customer "
        + customer_name(data, found["customer_id"])
        + ", date "
        + found["txn_date"].dt.strftime("%Y-%m-%d").astype("string")
        + ", amount "
        + total
    )
    keep_text = "kept: " + found["applied"].map(
        {True: "applied to invoices", False: "earliest copy"}
    ).astype("string")
    copy_text = (
        timing_words(found, kept_role(found, PAYMENT_KEPT_ROLES))
        + "; "
        + found["applied"].map({True: "applied", False: "unapplied"}).astype("string")
        + "; keep the copy with QBO Id "
        + found["keep_id"].astype("string")
    )
    found["reasons"] = (same + "; " + keep_text.where(found["keep"], copy_text)).astype("string")
    return found


def cluster_table(found: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    """matches/qb_*_duplicates.csv: the contract columns, then context for a person."""
    if found.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in [*CLUSTER_COLUMNS, *extra]})
    out = found.copy()
    out["amount"] = money_text(out["total_cents"], out["currency"])
    out["txn_date"] = out["txn_date"].dt.strftime("%Y-%m-%d")
    out["create_time"] = out["create_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    cols = [*CLUSTER_COLUMNS, *[c for c in extra if c in out]]
    return (
        out[cols]
        .sort_values(["cluster_id", "keep", "id"], ascending=[True, False, True])
        .reset_index(drop=True)
    )
