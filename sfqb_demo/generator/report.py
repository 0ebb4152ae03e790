"""Assemble truth.json from the World (format in docs/demo.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sfqb_demo.generator.world import AS_OF, World

SF_TABLES = ("accounts", "contacts", "products", "pricebooks", "pbes", "opps", "lines")
QB_TABLES = {
    "Customer": "customers",
    "Item": "items",
    "Invoice": "invoices",
    "Payment": "payments",
    "CreditMemo": "credit_memos",
    "Vendor": "vendors",
    "Employee": "employees",
}


def _pairs(
    sf_ids: pd.Series, link: pd.Series, true_id: pd.Series, keep: np.ndarray
) -> list[dict[str, Any]]:
    """One 'match' row per record with a true counterpart, with how the sync holds it today."""
    sel = keep & (true_id.to_numpy() > 0)
    t = true_id.to_numpy()[sel].astype(str)
    cur = link.to_numpy()[sel].astype(str)
    current = np.where(cur == "", "unlinked", np.where(cur == t, "linked_ok", "mislinked"))
    return [
        {"sf_id": s, "qb_id": q, "truth": "match", "current": c}
        for s, q, c in zip(sf_ids.to_numpy()[sel], t, current, strict=True)
    ]


def _absent(frame: pd.DataFrame) -> np.ndarray:
    """Rows not written (records a sandbox copy does not have)."""
    if "_absent" in frame:
        return frame["_absent"].to_numpy(dtype=bool)
    return np.zeros(len(frame), dtype=bool)


def match_pairs(w: World) -> dict[str, list[dict[str, Any]]]:
    acc, prod = w.sf["accounts"], w.sf["products"]
    present = ~acc["IsDeleted"].to_numpy(dtype=bool) & ~_absent(acc)
    customers = _pairs(acc["Id"], acc["QBO_Customer_Id__c"], acc["_cust"], present)
    products = _pairs(
        prod["Id"], prod["QBO_Item_Id__c"], prod["_item"], ~prod["IsDeleted"].to_numpy(dtype=bool)
    )
    return {
        "customers": customers + w.truth.extra_pairs["customers"],
        "products": products + w.truth.extra_pairs["products"],
    }


def clean_ids(w: World) -> dict[str, Any]:
    """Records carrying no defect and no look-alike."""
    t = w.truth
    sf = [
        i
        for table in SF_TABLES
        for i in w.sf[table]["Id"].to_numpy()[~_absent(w.sf[table])].tolist()
        if i not in t.touched_sf
    ]
    qb: dict[str, list[str]] = {}
    for entity, table in QB_TABLES.items():
        frame = w.qb[table]
        if "_deleted" in frame:
            frame = frame[~frame["_deleted"]]
        touched = t.touched_qb.get(entity, set())
        qb[entity] = [i for i in frame["Id"].astype(str).tolist() if i not in touched]
    return {"sf": sf, "qb": qb}


# Defect kind -> the state matches/record_status.csv gives its pair (docs/outputs.md).
KIND_STATUS = {
    "stale_sf_changed": "changed_in_sf",
    "stale_qbo_edited": "changed_in_qb",
    "link_to_missing_invoice": "deleted_in_qb",
    "link_to_voided_invoice": "deleted_in_qb",
    "link_to_missing_customer": "deleted_in_qb",
    "link_to_missing_item": "deleted_in_qb",
    "rollup_stale": "conflict",
    "rollup_validation_rule": "conflict",
    "rollup_unapplied_payment": "conflict",
    "rollup_other_customer": "conflict",
    "opportunity_paid_but_open": "conflict",
    "opportunity_open_but_paid": "conflict",
    "opportunity_balance_drift": "conflict",
}


def record_status(w: World, clean: dict[str, Any]) -> dict[str, str]:
    """sf_id -> the state of its linked pair: in_sync for every pair whose two records carry
    nothing, the kind's state for the defects KIND_STATUS names."""
    clean_sf = set(clean["sf"])
    out: dict[str, str] = {}
    for table, link, entity in (
        ("accounts", "QBO_Customer_Id__c", "Customer"),
        ("products", "QBO_Item_Id__c", "Item"),
        ("opps", "QBO_Invoice_Id__c", "Invoice"),
    ):
        frame = w.sf[table]
        ok = set(clean["qb"][entity])
        for sf_id, qb_id in zip(frame["Id"], frame[link].astype(str), strict=True):
            if qb_id and sf_id in clean_sf and qb_id in ok:
                out[sf_id] = "in_sync"
    for d in w.truth.defects:
        if d["kind"] in KIND_STATUS and d["sf_id"]:
            out[d["sf_id"]] = KIND_STATUS[d["kind"]]
    return out


def truth_document(w: World) -> dict[str, Any]:
    t = w.truth
    clean = clean_ids(w)
    return {
        "seed": w.seed,
        "size": w.size,
        "variant": w.variant,
        "as_of": AS_OF,
        "defects": t.defects,
        "lookalikes": t.lookalikes,
        "match_pairs": match_pairs(w),
        "duplicate_clusters": t.clusters,
        "clean": clean,
        "record_status": record_status(w, clean),
        "counts": {"sync_log_error_classes": t.log_counts},
    }
