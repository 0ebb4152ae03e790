"""Finding frames of area `customers`, built from the one CustomerMatching of the run.

Each function returns a findings frame (findings.new_findings); customers.py registers them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import new_findings
from sfqb_diag.ids import member
from sfqb_diag.matching.customers import CustomerMatching

CUSTOMER = "Customer"
ACCOUNT = "Account"


def _s(values: object) -> pd.Series:
    """Text for building titles and details, positionally aligned (index 0..n-1)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    return series.astype("string").fillna("").reset_index(drop=True)


def _current(m: CustomerMatching) -> pd.DataFrame:
    """Live accounts' stored links with what they point at (NA columns when the id is missing)."""
    rows = m.matches[m.matches["l"].notna() & ~m.matches["extra"]]
    linked = rows[rows["current_qb_id"].notna()]
    target = m.all_customers.set_index("id")
    out = linked[
        ["sf_id", "sf_name", "current_qb_id", "qb_id", "qb_name", "status", "score", "reasons"]
    ].copy()
    out["exists"] = member(out["current_qb_id"], target.index)
    found = target.reindex(out["current_qb_id"].to_numpy())
    out["current_name"] = found["name"].to_numpy()
    out["current_active"] = found["active"].fillna(True).to_numpy(dtype=bool)
    out["currency"] = m.accounts.set_index("id")["currency"].reindex(out["sf_id"]).to_numpy()
    return out.reset_index(drop=True)


def unlinked_with_match(
    m: CustomerMatching,
    field: str = "QBO_Customer_Id__c",
    in_link_file: pd.Series | None = None,
    merged_into: pd.Series | None = None,
) -> pd.DataFrame:
    """Accounts without a link for which a customer scores at or above the review threshold.

    `in_link_file`: ids of the accounts remediation/salesforce_account_links.csv sets (when
    given, only those are told to use it); `merged_into`: merge-away account id -> survivor id.
    """
    rows = m.matches[
        m.matches["current_qb_id"].isna()
        & m.matches["status"].isin(["suggest_link", "review"])
        & ~m.matches["extra"]
    ].reset_index(drop=True)
    confident = rows["status"].eq("suggest_link")
    filed = confident if in_link_file is None else confident & member(rows["sf_id"], in_link_file)
    survivor = (
        rows["sf_id"].map(merged_into).astype("string")
        if merged_into is not None
        else pd.Series(pd.NA, index=rows.index, dtype="string")
    )
    merge_first = confident & ~filed & survivor.notna()
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=rows["sf_id"],
        sf_name=rows["sf_name"],
        qb_entity=CUSTOMER,
        qb_id=rows["qb_id"],
        qb_name=rows["qb_name"],
        title="Account not linked to its QBO customer: " + _s(rows["sf_name"]),
        detail=(
            "Likely customer "
            + _s(rows["qb_name"])
            + " (Id "
            + _s(rows["qb_id"])
            + "), score "
            + (np.floor(rows["score"].astype("float64") * 100) / 100)
            .map("{:.2f}".format)
            .astype("string")
            + ": "
            + _s(rows["reasons"])
        ),
        suggested_action=pd.Series(
            np.select(
                [filed, merge_first],
                [
                    f"Set {field} from remediation/salesforce_account_links.csv so the next sync "
                    "reuses this customer instead of creating a copy.",
                    "Merge this account into its survivor (Id "
                    + _s(survivor)
                    + ") in Salesforce (matches/sf_account_duplicates.csv); the link file sets "
                    "the survivor's link, not this copy's.",
                ],
                "Confirm or reject this pair in decisions.csv (notebook 02 review pager); accepted "
                "pairs go to the link file on the next run.",
            ),
            dtype="string",
        ),
        severity=pd.Series(np.where(confident, "medium", "low"), dtype="string"),
        confidence=rows["score"],
    )


def _wrong_links(m: CustomerMatching, sf_clusters: pd.DataFrame) -> pd.DataFrame:
    """Resolving, active links we do not confirm, except links shared within one Salesforce
    duplicate cluster (the same company twice in Salesforce: several_accounts_one_customer)."""
    cur = _current(m)
    wrong = cur[
        cur["exists"] & cur["current_active"] & cur["qb_id"].ne(cur["current_qb_id"]).fillna(True)
    ]
    owner = m.matches[m.matches["status"].eq("linked_ok") & ~m.matches["extra"]].set_index("qb_id")[
        "sf_id"
    ]
    cluster = pd.Series(sf_clusters["cluster_id"].to_numpy(), index=sf_clusters["id"].to_numpy())
    holder = owner.reindex(wrong["current_qb_id"].to_numpy()).to_numpy()
    mine, theirs = (
        cluster.reindex(wrong["sf_id"].to_numpy()).to_numpy(),
        cluster.reindex(holder).to_numpy(),
    )
    same_company = pd.notna(mine) & (mine == theirs)
    return wrong[~same_company].reset_index(drop=True)


def _mislinked_action(has_better: pd.Series, invoiced: pd.Series) -> pd.Series:
    """Relink (or clear) the account; move invoices only where some sit on the wrong customer."""
    fix = pd.Series(
        np.where(
            has_better,
            "Relink with remediation/salesforce_account_links.csv",
            "Clear the link and let the sync create the customer, or link it by hand",
        ),
        dtype="string",
    )
    after = pd.Series(
        np.where(
            invoiced.to_numpy(),
            ", then move the invoices posted to the wrong customer (edit each invoice's "
            "customer in QBO).",
            "; no invoice of this account sits on that customer yet, so there is nothing to move.",
        ),
        dtype="string",
    )
    return fix + after


def mislinked(m: CustomerMatching, data: Dataset, sf_clusters: pd.DataFrame) -> pd.DataFrame:
    """Accounts whose stored link resolves but points at the wrong customer."""
    # One finding per stored link: an account accepted for several customers (one per currency)
    # has several match rows, but its one wrong link is one problem.
    wrong = _wrong_links(m, sf_clusters).drop_duplicates(["sf_id", "current_qb_id"])
    cents = _invoiced_on(data, wrong)
    has_better = wrong["qb_id"].notna()
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=wrong["sf_id"],
        sf_name=wrong["sf_name"],
        qb_entity=CUSTOMER,
        qb_id=wrong["current_qb_id"],
        qb_name=wrong["current_name"],
        title="Account linked to the wrong QBO customer: "
        + _s(wrong["sf_name"])
        + " -> "
        + _s(wrong["current_name"]),
        detail=(
            "Linked to "
            + _s(wrong["current_name"])
            + " (Id "
            + _s(wrong["current_qb_id"])
            + "); "
            + pd.Series(
                np.where(
                    has_better,
                    "the right customer is "
                    + _s(wrong["qb_name"])
                    + " (Id "
                    + _s(wrong["qb_id"])
                    + "): "
                    + _s(wrong["reasons"]),
                    "no customer in this realm matches the account",
                ),
                dtype="string",
            )
        ),
        suggested_action=_mislinked_action(has_better, pd.Series(cents > 0)),
        amount_cents=pd.Series(cents, dtype="Int64").where(cents > 0),
        currency=wrong["currency"].where(cents > 0),
        # Invoices already on the wrong customer: money is wrong now. No invoice there yet:
        # nothing is at stake today, and such a finding is never above low (docs/findings.md).
        severity=pd.Series(np.where(cents > 0, "critical", "low"), dtype="string"),
        confidence=wrong["score"].where(has_better, 0.8),
    )


def _invoiced_on(data: Dataset, wrong: pd.DataFrame) -> np.ndarray:
    """Cents invoiced to the wrongly linked customer for this account's opportunities."""
    opps, invoices = data.get("opportunities"), data.get("invoices")
    if opps is None or invoices is None or "qb_invoice_id" not in opps or wrong.empty:
        return np.zeros(len(wrong), dtype=np.int64)
    inv = (
        opps[["account_id", "qb_invoice_id"]]
        .dropna()
        .merge(
            invoices[["id", "customer_id", "total_cents"]], left_on="qb_invoice_id", right_on="id"
        )
    )
    hit = (
        wrong[["sf_id", "current_qb_id"]]
        .reset_index()
        .merge(inv, left_on=["sf_id", "current_qb_id"], right_on=["account_id", "customer_id"])
    )
    sums = hit.groupby("index")["total_cents"].sum()
    return sums.reindex(range(len(wrong)), fill_value=0).fillna(0).to_numpy(dtype=np.int64)


def link_to_missing(m: CustomerMatching, field: str = "QBO_Customer_Id__c") -> pd.DataFrame:
    """Stored links naming a customer Id that is not in the pulled realm."""
    cur = _current(m)
    gone = cur[~cur["exists"]].reset_index(drop=True)
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=gone["sf_id"],
        sf_name=gone["sf_name"],
        qb_entity=CUSTOMER,
        qb_id=gone["current_qb_id"],
        title="Account links to a QBO customer that does not exist: " + _s(gone["sf_name"]),
        detail=(
            f"{field} = "
            + _s(gone["current_qb_id"])
            + " is not a customer in this company"
            + pd.Series(
                np.where(
                    gone["qb_id"].notna(),
                    "; the matching customer is "
                    + _s(gone["qb_name"])
                    + " (Id "
                    + _s(gone["qb_id"])
                    + ")",
                    "",
                ),
                dtype="string",
            )
        ),
        suggested_action="Relink from remediation/salesforce_account_links.csv (or clear the field); the next "
        "invoice sync otherwise fails with 610 Object Not Found.",
        confidence=0.95,
    )


def link_to_inactive(m: CustomerMatching) -> pd.DataFrame:
    """Links to an inactive customer; worse when the sync created an active copy beside it."""
    cur = _current(m)
    dead = cur[cur["exists"] & ~cur["current_active"]].reset_index(drop=True)
    copy = dead["qb_id"].notna() & dead["qb_id"].ne(dead["current_qb_id"]).fillna(False)
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=dead["sf_id"],
        sf_name=dead["sf_name"],
        qb_entity=CUSTOMER,
        qb_id=dead["current_qb_id"],
        qb_name=dead["current_name"],
        title="Account linked to an inactive QBO customer: " + _s(dead["sf_name"]),
        detail=(
            "Linked customer "
            + _s(dead["current_name"])
            + " (Id "
            + _s(dead["current_qb_id"])
            + ") is inactive"
            + pd.Series(
                np.where(
                    copy,
                    "; an active copy exists: "
                    + _s(dead["qb_name"])
                    + " (Id "
                    + _s(dead["qb_id"])
                    + ")",
                    "",
                ),
                dtype="string",
            )
        ),
        suggested_action=pd.Series(
            np.where(
                copy,
                "Merge the copy into the original in QBO (remediation/qbo_customer_merges.csv) or relink to the "
                "active copy; syncs that search active customers only keep creating copies.",
                "Reactivate the customer in QBO, or relink the account to an active customer.",
            ),
            dtype="string",
        ),
        confidence=0.95,
    )


def several_accounts_one_customer(m: CustomerMatching, sf_clusters: pd.DataFrame) -> pd.DataFrame:
    """QBO customers that several live accounts link to, not explained by a mislink (reported
    by mislinked_account): typically one company entered twice in Salesforce."""
    cur = _current(m)
    wrong = set(_wrong_links(m, sf_clusters)["sf_id"])
    cur = cur[cur["exists"] & ~member(cur["sf_id"], wrong)]
    shared = cur[cur.groupby("current_qb_id")["sf_id"].transform("size") > 1].reset_index(drop=True)
    n = shared.groupby("current_qb_id")["sf_id"].transform("size").astype("string")
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=shared["sf_id"],
        sf_name=shared["sf_name"],
        qb_entity=CUSTOMER,
        qb_id=shared["current_qb_id"],
        qb_name=shared["current_name"],
        title="Several accounts share one QBO customer: " + _s(shared["current_name"]),
        detail=(
            _s(n)
            + " accounts link to "
            + _s(shared["current_name"])
            + " (Id "
            + _s(shared["current_qb_id"])
            + "); this one is "
            + _s(shared["sf_name"])
        ),
        suggested_action="Merge the duplicate accounts in Salesforce (matches/sf_account_duplicates.csv names the "
        "survivor); until then their invoices pile onto one customer.",
        confidence=0.9,
    )
