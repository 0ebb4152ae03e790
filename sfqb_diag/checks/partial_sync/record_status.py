"""matches/record_status.csv: every synced pair and every one-sided record, with its state.

The list a finance reader asks for beside the findings, the way the better connectors show it:
accounts/customers, products/items, opportunities/invoices and payments, each `in_sync`,
`sf_only`, `qb_only`, `changed_in_qb`, `changed_in_sf`, `deleted_in_qb` or `conflict`, with
the ids of the findings that explain any other state than in_sync. The state comes from the
stored links and the billing categories first; a linked pair that looks in sync but carries a
finding (above info, any area) takes the state its finding names (a stale QBO edit is
changed_in_qb) or `conflict` (the two sides disagree).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.base import RunView, output
from sfqb_diag.checks.partial_sync.state import shared_state
from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import member

STATUSES = (
    "in_sync",
    "sf_only",
    "qb_only",
    "changed_in_qb",
    "changed_in_sf",
    "deleted_in_qb",
    "conflict",
)
COLUMNS = [
    "sf_object",
    "sf_id",
    "qb_entity",
    "qb_id",
    "status",
    "finding_ids",
    "sf_name",
    "qb_name",
]
# Findings that say which side moved; every other finding on an in-sync-looking pair = conflict.
CHECK_STATUS = {
    "stale_opportunity": "changed_in_sf",
    "stale_invoice_edit": "changed_in_qb",
    "link_to_missing_customer": "deleted_in_qb",
    "link_to_missing_item": "deleted_in_qb",
    "invoice_link_missing": "deleted_in_qb",
    "invoice_voided": "deleted_in_qb",
}
# Billing category of a won deal -> its state (state.CATEGORY_CHECK names the categories).
CATEGORY_STATUS = {
    "stale_salesforce": "changed_in_sf",
    "stale_quickbooks": "changed_in_qb",
    "conflict": "conflict",
    "voided": "deleted_in_qb",
    "link_missing": "deleted_in_qb",
    "lost_writeback": "conflict",
    "lines_missing": "conflict",
    "line_differences": "conflict",
    "unbilled": "sf_only",
    "stuck_unbilled": "sf_only",
    "in_flight": "sf_only",
    "not_yet_due": "sf_only",
    "unlinked_billed": "sf_only",
}


def _names(frame: pd.DataFrame | None, column: str) -> pd.Series:
    if frame is None or column not in frame:
        return pd.Series(dtype="string")
    return frame.drop_duplicates("id").set_index("id")[column].astype("string")


def _live(frame: pd.DataFrame) -> pd.DataFrame:
    if "is_deleted" not in frame:
        return frame
    return frame[~frame["is_deleted"].fillna(False).astype(bool)]


def _linked(
    data: Dataset, sf: str, qb: str, link: str, sf_object: str, qb_entity: str, qb_name: str
) -> pd.DataFrame:
    """Pairs by the stored link, Salesforce records without one (sf_only), links to nothing
    (deleted_in_qb), and QBO records no link points at (qb_only)."""
    left, right = data.get(sf), data.get(qb)
    if left is None or right is None or link not in left:
        return pd.DataFrame(columns=COLUMNS)
    left = _live(left)
    ids = left[link].astype("string").str.strip().replace("", pd.NA)
    known = member(ids, right["id"])
    status = np.select([ids.isna(), ~known], ["sf_only", "deleted_in_qb"], default="in_sync")
    pairs = pd.DataFrame(
        {
            "sf_object": sf_object,
            "sf_id": left["id"].astype("string"),
            "qb_entity": qb_entity,
            "qb_id": ids,
            "status": status,
            "sf_name": left["name"].astype("string") if "name" in left else pd.NA,
        }
    )
    alone = right[~member(right["id"], ids)]
    only = pd.DataFrame(
        {"sf_object": sf_object, "qb_entity": qb_entity, "qb_id": alone["id"], "status": "qb_only"}
    )
    out = pd.concat([pairs, only], ignore_index=True)
    out["qb_name"] = out["qb_id"].astype("string").map(_names(right, qb_name)).astype("string")
    return out


def _deals(run: RunView) -> pd.DataFrame:
    """Won or linked opportunities with their invoice, and invoices no deal is billed by."""
    if not run.data.has("opportunities") or not run.data.has("invoices"):
        return pd.DataFrame(columns=COLUMNS)
    opps, facts, _ = shared_state(run.ctx)
    opps = opps[opps["won"] | opps["link"].notna()]
    qb_id = opps["bill_invoice"].fillna(opps["link"])
    base = np.where(
        opps["link_resolves"], "in_sync", np.where(opps["link"].notna(), "deleted_in_qb", "sf_only")
    )
    status = opps["category"].map(CATEGORY_STATUS).fillna(pd.Series(base, index=opps.index))
    pairs = pd.DataFrame(
        {
            "sf_object": "Opportunity",
            "sf_id": opps["id"].astype("string"),
            "qb_entity": "Invoice",
            "qb_id": qb_id.astype("string"),
            "status": status.astype("string"),
            "sf_name": opps["name"].astype("string"),
        }
    )
    alone = facts[~member(facts["id"], qb_id)]
    only = pd.DataFrame({"qb_entity": "Invoice", "qb_id": alone["id"], "status": "qb_only"})
    out = pd.concat([pairs, only], ignore_index=True)
    numbers = out["qb_id"].astype("string").map(_names(facts, "doc_number")).astype("string")
    out["qb_name"] = "invoice " + numbers
    return out


def _payments(run: RunView) -> pd.DataFrame:
    """Each payment beside the deal its (first) invoice bills: in_sync when that invoice bills a
    deal, qb_only when it settles no synced invoice, deleted_in_qb when the invoice is gone."""
    data = run.data
    if not data.has("payments", "payment_links", "invoices"):
        return pd.DataFrame(columns=COLUMNS)
    links = data["payment_links"]
    links = links[links["txn_type"].astype("string").eq("Invoice").fillna(False)]
    first = links.drop_duplicates("payment_id").set_index("payment_id")["txn_id"].astype("string")
    pay = data["payments"]
    invoice = pay["id"].map(first).astype("string")
    billing = pd.Series(dtype="string")
    if data.has("opportunities"):
        opps, _, _ = shared_state(run.ctx)
        billed = opps[opps["bill_invoice"].notna()]
        billing = billed.drop_duplicates("bill_invoice").set_index("bill_invoice")["id"]
    sf_id = invoice.map(billing).astype("string")
    gone = invoice.notna() & ~member(invoice, data["invoices"]["id"])
    status = np.select(
        [gone.fillna(False), sf_id.notna()], ["deleted_in_qb", "in_sync"], default="qb_only"
    )
    return pd.DataFrame(
        {
            "sf_object": sf_id.where(sf_id.isna(), "Opportunity"),
            "sf_id": sf_id,
            "qb_entity": "Payment",
            "qb_id": pay["id"].astype("string"),
            "status": status,
            "qb_name": ("payment " + pay["payment_ref_num"].astype("string")).fillna("payment"),
        }
    )


def _explained(rows: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Attach the ids of the findings (above info) on either record of each row, and turn an
    in_sync row with findings into the state they name (else conflict)."""
    serious = findings[findings["severity"].ne("info")]
    rows = rows.reset_index(drop=True).rename_axis("row").reset_index()
    by_sf = rows.merge(
        serious[["sf_id", "finding_id", "check"]].dropna(subset=["sf_id"]), on="sf_id"
    )
    by_qb = rows.merge(
        serious[["qb_entity", "qb_id", "finding_id", "check"]].dropna(subset=["qb_id"]),
        on=["qb_entity", "qb_id"],
    )
    hits = pd.concat([by_sf, by_qb], ignore_index=True).drop_duplicates(["row", "finding_id"])
    hits = hits.sort_values(["row", "finding_id"])
    ids = hits.groupby("row")["finding_id"].agg(" ".join)
    named = hits.assign(said=hits["check"].map(CHECK_STATUS)).dropna(subset=["said"])
    said = named.groupby("row")["said"].first()
    rows["finding_ids"] = rows["row"].map(ids).astype("string").fillna("")
    moved = rows["status"].eq("in_sync") & rows["finding_ids"].ne("")
    rows.loc[moved, "status"] = rows.loc[moved, "row"].map(said).astype("string").fillna("conflict")
    return rows.drop(columns="row")


@output(
    "matches/record_status.csv",
    "partial_sync",
    (),
    "Every synced pair or one-sided record (accounts/customers, products/items, deals/invoices, payments) with its state and the findings behind it",
    reads_findings=True,
)
def record_status(run: RunView) -> pd.DataFrame:
    data = run.data
    parts = [
        _linked(
            data, "accounts", "customers", "qb_customer_id", "Account", "Customer", "display_name"
        ),
        _linked(data, "products", "items", "qb_item_id", "Product2", "Item", "name"),
        _deals(run),
        _payments(run),
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})
    rows = pd.concat(parts, ignore_index=True)
    for column in COLUMNS:
        if column not in rows:
            rows[column] = pd.NA
        rows[column] = rows[column].astype("string")
    return _explained(rows[[*COLUMNS[:-3], "sf_name", "qb_name"]], run.findings)[COLUMNS]
