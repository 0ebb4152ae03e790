"""A sandbox Salesforce compared with production QBO: the records production moved on without it.

A sandbox is a copy of production as of its last refresh. Wired to (or pulled beside) production
QuickBooks, it shows deals still open that production already won and invoiced, and accounts
whose customer link production only made later: running the sync from this copy would create
those invoices and customers a second time. Only judged when the environments mismatch that way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

from sfqb_diag import envrules
from sfqb_diag.checks.auth_env.facts import quickbooks_verdict, salesforce_verdict
from sfqb_diag.checks.auth_env.ids import qbo_sf_refs, sf_records, shared_refs
from sfqb_diag.checks.base import Context, check
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.ids import member
from sfqb_diag.linkage import won_deals
from sfqb_diag.record_words import invoice_number
from sfqb_diag.words import money

# Token-sort similarity (0-100) for "this customer is that account" when no invoice links them.
NAME_MATCH = 90.0


def sandbox_against_production(data: Dataset) -> bool:
    """True when Salesforce is a sandbox and QBO a production company."""
    return (
        salesforce_verdict(data).environment == envrules.SANDBOX
        and quickbooks_verdict(data).environment == envrules.PRODUCTION
    )


def copy_time(data: Dataset) -> pd.Timestamp | None:
    """When the sandbox copy was taken, at the latest: the newest Account or Opportunity CreatedDate
    (child records such as contacts and lines trail their parents by days, so they are left out)."""
    records = sf_records(data)
    created = records.loc[
        records["sf_table"].isin(["accounts", "opportunities"]), "created_date"
    ].dropna()
    return created.max() if len(created) else None


def _blank(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.isna() | (text == "")


def behind_opportunities(
    data: Dataset, config: ClientConfig, refs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Invoices in production naming an opportunity this copy holds as not won, or won but unlinked."""
    refs = qbo_sf_refs(data, config) if refs is None else refs
    opps = data.get("opportunities")
    if opps is None or refs.empty:
        return pd.DataFrame()
    refs = refs[(refs["qb_entity"] == "Invoice") & member(refs["sf_id"], opps["id"])]
    opp = opps.drop_duplicates("id").set_index("id")
    won = won_deals(opp)
    link = (
        opp["qb_invoice_id"].astype("string")
        if "qb_invoice_id" in opp
        else pd.Series(pd.NA, index=opp.index)
    )
    refs = refs.assign(
        won=refs["sf_id"].map(won).astype(bool),
        link=refs["sf_id"].map(link),
        stage=refs["sf_id"].map(opp["stage_name"]).astype("string") if "stage_name" in opp else "",
        sf_name=refs["sf_id"].map(opp["name"]).astype("string") if "name" in opp else "",
    )
    # Not won, or won with no link: the state before the sync ran. (Linked to another invoice is a
    # duplicate, reported by partial_sync / sync_jobs, not a stale copy.)
    lagging = ~refs["won"] | _blank(refs["link"])
    return refs[lagging].reset_index(drop=True)


def _structural_pairs(data: Dataset, refs: pd.DataFrame) -> pd.DataFrame:
    """(account, customer) pairs shown by production invoices: the invoice's customer, and the
    account of the opportunity it names."""
    invoices, opps = data.get("invoices"), data.get("opportunities")
    if refs.empty or invoices is None or opps is None or "account_id" not in opps:
        return pd.DataFrame(columns=["account", "customer"])
    refs = refs[refs["qb_entity"] == "Invoice"]
    customer = invoices.drop_duplicates("id").set_index("id")["customer_id"].astype("string")
    account = opps.drop_duplicates("id").set_index("id")["account_id"].astype("string")
    pairs = pd.DataFrame(
        {"account": refs["sf_id"].map(account), "customer": refs["qb_id"].map(customer)}
    )
    return pairs.dropna().drop_duplicates()


def _name_pairs(unlinked: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Mutual best name matches between unlinked accounts and unclaimed customers.

    Token-sort similarity (word order free, every word counts, so "Weber Hospitality" is not
    "Weber & O'Brien Hospitality"), and the currency must agree where both sides state one: a QBO
    customer's currency never changes.
    """
    if unlinked.empty or customers.empty:
        return pd.DataFrame(columns=["account", "customer"])
    scores = process.cdist(
        unlinked["name"].fillna("").astype(str).tolist(),
        customers["display_name"].fillna("").astype(str).tolist(),
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        workers=1,
    )
    if "currency" in unlinked and "currency" in customers:
        left = unlinked["currency"].astype("string").fillna("").to_numpy(dtype=object)[:, None]
        right = customers["currency"].astype("string").fillna("").to_numpy(dtype=object)[None, :]
        scores = np.where((left == right) | (left == "") | (right == ""), scores, 0)
    best_c, best_a = scores.argmax(axis=1), scores.argmax(axis=0)
    rows = np.flatnonzero(
        (scores.max(axis=1) >= NAME_MATCH) & (best_a[best_c] == np.arange(len(unlinked)))
    )
    return pd.DataFrame(
        {
            "account": unlinked["id"].to_numpy()[rows],
            "customer": customers["id"].to_numpy()[best_c[rows]],
        }
    )


def behind_accounts(
    data: Dataset, config: ClientConfig, refs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Accounts with no customer link while production holds their customer, created after the copy
    was taken and linked from no other account. Columns: account, customer, name, display_name,
    create_time, how ('invoice' or 'name')."""
    accounts, customers, since = data.get("accounts"), data.get("customers"), copy_time(data)
    if (
        accounts is None
        or customers is None
        or since is None
        or "qb_customer_id" not in accounts
        or "create_time" not in customers
    ):
        return pd.DataFrame()
    live = (
        accounts[~accounts["is_deleted"].fillna(False).astype(bool)]
        if "is_deleted" in accounts
        else accounts
    )
    unlinked = live[_blank(live["qb_customer_id"])]
    claimed = set(live["qb_customer_id"].dropna().astype(str))
    newer = customers[
        (pd.to_datetime(customers["create_time"], utc=True) > since)
        & ~customers["id"].isin(claimed)
    ]
    by_invoice = _structural_pairs(data, qbo_sf_refs(data, config) if refs is None else refs)
    by_invoice = by_invoice[
        by_invoice["account"].isin(set(unlinked["id"]))
        & by_invoice["customer"].isin(set(newer["id"]))
    ]
    rest_a = unlinked[~unlinked["id"].isin(set(by_invoice["account"]))]
    rest_c = newer[~newer["id"].isin(set(by_invoice["customer"]))]
    pairs = pd.concat(
        [by_invoice.assign(how="invoice"), _name_pairs(rest_a, rest_c).assign(how="name")],
        ignore_index=True,
    ).drop_duplicates("account")
    names = live.drop_duplicates("id").set_index("id")["name"]
    cust = customers.drop_duplicates("id").set_index("id")
    return pairs.assign(
        name=pairs["account"].map(names).astype("string"),
        display_name=pairs["customer"].map(cust["display_name"]).astype("string"),
        create_time=pairs["customer"].map(cust["create_time"]),
    )


@check(
    "sandbox_behind_production",
    area="auth_env",
    severity="high",
    needs=("opportunities|accounts", "invoices|customers"),
    what="A sandbox Salesforce shows deals and accounts that production QBO has already moved past",
    why="A sandbox is a copy as of its refresh. Run against production books, it sees won-and-invoiced deals "
    "as open and linked customers as missing, so the sync would bill and create them again.",
    fix="Do not run the sync from the sandbox; compare production Salesforce with production QBO.",
)
def sandbox_behind_production(ctx: Context) -> pd.DataFrame:
    if not sandbox_against_production(ctx.data):
        return empty_findings()
    frames = [
        _opportunity_findings(
            behind_opportunities(ctx.data, ctx.config, shared_refs(ctx)), ctx.data
        ),
        _account_findings(
            behind_accounts(ctx.data, ctx.config, shared_refs(ctx)), copy_time(ctx.data)
        ),
    ]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else empty_findings()


def _opportunity_findings(rows: pd.DataFrame, data: Dataset) -> pd.DataFrame:
    if rows.empty:
        return empty_findings()
    amounts = pd.Series(
        [money(c, cur) for c, cur in zip(rows["qb_amount_cents"], rows["qb_currency"], strict=True)]
    )
    state = rows["stage"].fillna("not won") + _blank(rows["link"]).map(
        {True: ", with no invoice link", False: ""}
    )
    return new_findings(
        sf_object="Opportunity",
        sf_id=rows["sf_id"],
        sf_name=rows["sf_name"],
        qb_entity="Invoice",
        qb_id=rows["qb_id"],
        title="Sandbox copy behind production: " + rows["sf_name"].fillna(rows["sf_id"]),
        detail="In production, "
        + invoice_number(data, rows["qb_id"])
        + " ("
        + amounts
        + ") names this opportunity, which this sandbox "
        "copy holds as " + state + ".",
        suggested_action="Do not sync from this sandbox: the sync would invoice this deal again.",
        amount_cents=rows["qb_amount_cents"],
        currency=rows["qb_currency"],
        confidence=0.9,
    )


def _account_findings(rows: pd.DataFrame, since: pd.Timestamp | None) -> pd.DataFrame:
    if rows.empty:
        return empty_findings()
    created = pd.to_datetime(rows["create_time"], utc=True).dt.strftime("%Y-%m-%d")
    how = rows["how"].map(
        {"invoice": "its invoices name this account's opportunities", "name": "its name matches"}
    )
    return new_findings(
        sf_object="Account",
        sf_id=rows["account"],
        sf_name=rows["name"],
        qb_entity="Customer",
        qb_id=rows["customer"],
        qb_name=rows["display_name"],
        title="Sandbox copy behind production: "
        + rows["name"].fillna(rows["account"])
        + " has no customer link",
        detail="Production created customer "
        + rows["customer"]
        + " ("
        + rows["display_name"].fillna("")
        + ") on "
        + created
        + ", after this copy's newest record ("
        + (since.strftime("%Y-%m-%d") if since is not None else "?")
        + "); "
        + how
        + ".",
        suggested_action="Do not sync from this sandbox: it would create this customer a second time.",
        confidence=rows["how"].map({"invoice": 0.9, "name": 0.7}),
    )
