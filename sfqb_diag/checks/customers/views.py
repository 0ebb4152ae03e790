"""Tables for notebook 02 (customers), built during `check` from the run's outputs and data.

Pure functions of a RunView; the notebook reads the cached tables and plots them.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import RunView, view
from sfqb_diag.checks.customers.links import customer_matching
from sfqb_diag.matching.pair_evidence import pair_waterfalls
from sfqb_diag.words import plural

STATUS_WORDS = {
    "linked_ok": "Linked, confirmed",
    "relink": "Linked to the wrong customer",
    "suggest_link": "Not linked, match found",
    "review": "Needs a person",
    "no_match": "No customer found",
}
DRIFT_FIELDS = {
    "phone": "Phone",
    "email": "Email",
    "billing postal code": "Billing postal code",
    "billing city": "Billing city",
    "billing street": "Billing street",
    "currency": "Currency",
}


def _names(run: RunView) -> tuple[pd.Series, pd.Series]:
    accounts, customers = run.data.get("accounts"), run.data.get("customers")
    acc = accounts.set_index("id")["name"] if accounts is not None else pd.Series(dtype="string")
    cust = (
        customers.assign(id=customers["id"].astype("string")).set_index("id")["display_name"]
        if customers is not None
        else pd.Series(dtype="string")
    )
    return acc, cust


def _matches(run: RunView) -> pd.DataFrame:
    frame = run.output("matches/customers.csv")
    if frame is None:
        return pd.DataFrame(
            columns=["sf_id", "current_qb_id", "qb_id", "score", "status", "reasons"]
        )
    return frame


def status_summary(run: RunView) -> pd.DataFrame:
    """Accounts per match status, in words, with the meaning of each status."""
    matches = _matches(run).drop_duplicates("sf_id")
    counts = matches["status"].value_counts().reindex(list(STATUS_WORDS), fill_value=0)
    return pd.DataFrame(
        {
            "Status": [STATUS_WORDS[s] for s in counts.index],
            "Accounts": counts.to_numpy(),
            "Code": counts.index,
        }
    )


def score_distribution(run: RunView) -> pd.DataFrame:
    """One row per account with a proposed customer: score and status in words (for a histogram)."""
    matches = _matches(run)
    shown = matches[matches["qb_id"].notna()]
    return pd.DataFrame(
        {
            "Score": shown["score"].astype(float).to_numpy(),
            "Status": shown["status"].map(STATUS_WORDS).to_numpy(),
        }
    )


def review_table(run: RunView, statuses: tuple[str, ...] = ("review",)) -> pd.DataFrame:
    """The pairs waiting for a person: account, customer, score and why."""
    matches = _matches(run)
    acc, cust = _names(run)
    rows = matches[matches["status"].isin(statuses)].sort_values("score", ascending=False)
    return pd.DataFrame(
        {
            "Account": rows["sf_id"].map(acc).to_numpy(),
            "Account Id": rows["sf_id"].to_numpy(),
            "Proposed customer": rows["qb_id"].map(cust).to_numpy(),
            "Customer Id": rows["qb_id"].to_numpy(),
            "Linked today to": rows["current_qb_id"]
            .map(cust)
            .fillna(rows["current_qb_id"])
            .to_numpy(),
            "Score": rows["score"].round(2).to_numpy(),
            "Why": rows["reasons"].to_numpy(),
        }
    )


def cluster_view(run: RunView, side: str) -> pd.DataFrame:
    """Duplicate clusters with names: side "qb" (QBO customers) or "sf" (Salesforce accounts)."""
    path = (
        "matches/qb_customer_duplicates.csv"
        if side == "qb"
        else "matches/sf_account_duplicates.csv"
    )
    frame = run.output(path)
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["Cluster", "Record", "Id", "Keep", "Why"])
    acc, cust = _names(run)
    names = cust if side == "qb" else acc
    clusters = frame.sort_values(["cluster_id", "keep"], ascending=[True, False])
    return pd.DataFrame(
        {
            "Cluster": clusters["cluster_id"].map(names).to_numpy(),
            "Record": clusters["id"].map(names).to_numpy(),
            "Id": clusters["id"].to_numpy(),
            "Keep": clusters["keep"].map({True: "keep", False: "merge away"}).to_numpy(),
            "Why": clusters["reasons"].to_numpy(),
        }
    )


def drift_summary(run: RunView) -> pd.DataFrame:
    """How many confirmed links disagree on each field (from the linked_field_drift findings)."""
    findings = run.area("customers")
    detail = findings.loc[findings["check"] == "linked_field_drift", "detail"].fillna("")
    counts = {
        label: int(detail.str.contains(rf"(?:^|: |; ){key}", regex=True).sum())
        for key, label in DRIFT_FIELDS.items()
    }
    return pd.DataFrame({"Field": list(counts), "Linked pairs": list(counts.values())})


def headline(run: RunView) -> str:
    """One sentence for the top of the page."""
    matches = _matches(run).drop_duplicates("sf_id")
    counts = matches["status"].value_counts()
    findings = run.area("customers")
    acting = int((findings["severity"] != "info").sum())
    to_act = f"**{plural(acting, 'finding')} to act on.**"
    if matches.empty:  # one side only: nothing to match, the duplicates below are the story
        return (
            "No Account to Customer matching: the raw folder holds only one side "
            "(Salesforce accounts or QBO customers). Duplicates on that side are below. " + to_act
        )
    return (
        f"**{plural(len(matches), 'account')}**: {counts.get('linked_ok', 0):,} linked and "
        f"confirmed, {counts.get('relink', 0):,} linked to the wrong customer, "
        f"{counts.get('suggest_link', 0):,} unlinked with a match, {counts.get('review', 0):,} "
        f"for a person to decide, {counts.get('no_match', 0):,} with no customer yet. " + to_act
    )


# ---- the views notebook 02 reads -------------------------------------------------------------


@view("headline", "customers", "One sentence for the top of the page (column `text`)")
def headline_view(run: RunView) -> pd.DataFrame:
    return pd.DataFrame({"text": [headline(run)]})


@view("status", "customers", "Accounts per match status, in words")
def status_view(run: RunView) -> pd.DataFrame:
    return status_summary(run)


@view("scores", "customers", "Match score of each account's best QBO customer")
def scores_view(run: RunView) -> pd.DataFrame:
    return score_distribution(run)


@view("qb_clusters", "customers", "Duplicate QBO customers, with names")
def qb_clusters_view(run: RunView) -> pd.DataFrame:
    return cluster_view(run, "qb")


@view("sf_clusters", "customers", "Duplicate Salesforce accounts, with names")
def sf_clusters_view(run: RunView) -> pd.DataFrame:
    return cluster_view(run, "sf")


@view("review", "customers", "The account-customer pairs waiting for a person")
def review_view(run: RunView) -> pd.DataFrame:
    return review_table(run)


@view("drift", "customers", "Confirmed links whose two records disagree, by field")
def drift_view(run: RunView) -> pd.DataFrame:
    return drift_summary(run)


@view(
    "pair_evidence",
    "customers",
    "Why each proposed pair scored what it did: the evidence of each field (a waterfall)",
)
def pair_evidence_view(run: RunView) -> pd.DataFrame:
    """One row per proposed pair and step (the prior, each field, the rules), in words."""
    columns = list(EVIDENCE_COLUMNS.values())
    if run.output("matches/customers.csv") is None:
        return pd.DataFrame(
            {c: pd.Series(dtype="object") for c in ["Account", "Customer", *columns]}
        )
    steps = pair_waterfalls(customer_matching(run.ctx))
    acc, cust = _names(run)
    words = steps.rename(columns=EVIDENCE_COLUMNS)
    words["Status"] = words["Status"].map(STATUS_WORDS)
    # A compared field without a level is one the two records do not both carry.
    missing = words["What the two records show"].eq("") & ~steps["field"].isin(["prior", "rules"])
    words.loc[missing.to_numpy(), "What the two records show"] = "not on both records"
    words.insert(0, "Customer", steps["qb_id"].map(cust).to_numpy())
    words.insert(0, "Account", steps["sf_id"].map(acc).to_numpy())
    return words[["Account", "Customer", *columns]]


EVIDENCE_COLUMNS = {
    "sf_id": "Account Id",
    "qb_id": "Customer Id",
    "status": "Status",
    "score": "Score",
    "step": "Step",
    "label": "Field",
    "level": "What the two records show",
    "match_weight": "Evidence (bits)",
    "probability": "Probability after",
}


@view("qb_cluster_records", "customers", "Duplicate QBO customers, keyed by record")
def qb_cluster_records_view(run: RunView) -> pd.DataFrame:
    """qb_clusters with each customer keyed as a QBO Customer, for the page to link."""
    return _keyed(cluster_view(run, "qb"), "qb_entity", "Customer", "qb_id")


@view("sf_cluster_records", "customers", "Duplicate Salesforce accounts, keyed by record")
def sf_cluster_records_view(run: RunView) -> pd.DataFrame:
    """sf_clusters with each account keyed as a Salesforce Account, for the page to link."""
    return _keyed(cluster_view(run, "sf"), "sf_object", "Account", "sf_id")


def _keyed(clusters: pd.DataFrame, kind: str, value: str, ident: str) -> pd.DataFrame:
    keyed = clusters.assign(**{kind: value}).rename(columns={"Id": ident})
    return keyed[[kind, ident, *[c for c in keyed.columns if c not in (kind, ident, "Record")]]]


VIEWS = (
    headline_view,
    status_view,
    scores_view,
    qb_clusters_view,
    sf_clusters_view,
    review_view,
    drift_view,
    pair_evidence_view,
    qb_cluster_records_view,
    sf_cluster_records_view,
)
