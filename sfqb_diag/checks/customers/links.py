"""Checks of area `customers`: Account <-> Customer links, duplicates, collisions, drift.

All checks read one matching per run (`customer_matching(ctx)`, memoised in ctx.shared); the
engine lives in sfqb_diag.matching and checks/customers_*.py. Outputs: matches/customers.csv,
matches/qb_customer_duplicates.csv, matches/sf_account_duplicates.csv,
remediation/salesforce_account_links.csv (+ rollback), remediation/qbo_customer_merges.csv and
remediation/qbo_customers_to_create.csv. Duplicates inside one system need only that system's
file: a QBO-only or Salesforce-only folder gets its clusters and findings.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, DataLoaderFile, check, output
from sfqb_diag.checks.customers import findings as cf
from sfqb_diag.checks.customers import hygiene as ch
from sfqb_diag.checks.customers import won as cw
from sfqb_diag.checks.customers.outputs import (
    account_link_file,
    duplicate_tables,
    link_field,
    merge_list,
    survivor_links,
)
from sfqb_diag.linkage import WON_NEEDS
from sfqb_diag.matching.customer_duplicates import account_duplicates
from sfqb_diag.matching.customers import MATCH_COLUMNS, CustomerMatching, match_customers

NEEDS = ("accounts", "customers")
# Duplicates inside one system need that system's records only (a QBO-only or Salesforce-only
# export, as a consultant often gets for a clean-up).
QB_NEEDS = ("customers",)
SF_NEEDS = ("accounts",)
# Checks that read the stored link: without the link column every account would look unlinked.
LINKED = (*NEEDS, "accounts.qb_customer_id")


def customer_matching(ctx: Context) -> CustomerMatching:
    """The run's one Account <-> Customer matching (computed on first use)."""
    return ctx.shared(
        "customer_matching", lambda: match_customers(ctx.data, ctx.thresholds, ctx.decisions)
    )


def account_clusters(ctx: Context) -> pd.DataFrame:
    """The run's Salesforce account duplicate clusters."""
    m = customer_matching(ctx)
    return ctx.shared(
        "sf_account_clusters", lambda: account_duplicates(m.comparison, m.blocks, ctx.thresholds)
    )


@check(
    "unlinked_account_with_match",
    area="customers",
    severity="medium",
    needs=LINKED,
    what="Accounts with no QBO link for which a QBO customer matches",
    why="The next sync creates a second customer instead of reusing this one.",
    fix="Set the link from remediation/salesforce_account_links.csv (confident) or review the pair.",
)
def unlinked_account_with_match(ctx: Context) -> pd.DataFrame:
    m, clusters = customer_matching(ctx), account_clusters(ctx)
    away = clusters[~clusters["keep"].astype(bool)]
    merged_into = pd.Series(away["cluster_id"].to_numpy(), index=away["id"].to_numpy())
    filed = survivor_links(m, clusters)["sf_id"]
    return cf.unlinked_with_match(m, link_field(ctx.config), filed, merged_into)


@check(
    "mislinked_account",
    area="customers",
    severity="critical",
    needs=LINKED,
    what="Accounts whose stored link points at another company's customer",
    why="Invoices for this account land on the wrong customer: wrong statements, wrong dunning.",
    fix="Relink from remediation/salesforce_account_links.csv and move the misposted invoices, if any.",
)
def mislinked_account(ctx: Context) -> pd.DataFrame:
    return cf.mislinked(customer_matching(ctx), ctx.data, account_clusters(ctx))


@check(
    "link_to_missing_customer",
    area="customers",
    severity="medium",
    needs=LINKED,
    what="Accounts whose stored customer Id does not exist in the QBO company",
    why="The next invoice sync fails (610 Object Not Found) or the link came from another realm.",
    fix="Relink to the matching customer or clear the field.",
)
def link_to_missing_customer(ctx: Context) -> pd.DataFrame:
    return cf.link_to_missing(customer_matching(ctx), link_field(ctx.config))


@check(
    "link_to_inactive_customer",
    area="customers",
    severity="medium",
    needs=LINKED,
    what="Accounts linked to an inactive QBO customer (often beside an active copy the sync created)",
    why="QBO rejects transactions on inactive customers; name searches skip them and create copies.",
    fix="Reactivate, or merge the copy into the original, or relink to the active one.",
)
def link_to_inactive_customer(ctx: Context) -> pd.DataFrame:
    return cf.link_to_inactive(customer_matching(ctx))


@check(
    "several_accounts_one_customer",
    area="customers",
    severity="medium",
    needs=LINKED,
    what="QBO customers that several Salesforce accounts link to",
    why="Invoices of different accounts (or of account duplicates) pile onto one customer.",
    fix="Merge duplicate accounts, or relink the accounts that are other companies.",
)
def several_accounts_one_customer(ctx: Context) -> pd.DataFrame:
    return cf.several_accounts_one_customer(customer_matching(ctx), account_clusters(ctx))


@check(
    "qb_customer_duplicate",
    area="customers",
    severity="low",
    needs=QB_NEEDS,
    what="Duplicate customers inside QBO (inactive ones included)",
    why="Balances and history split over copies; syncs pick the wrong copy.",
    fix="Merge each copy into the survivor (remediation/qbo_customer_merges.csv).",
)
def qb_customer_duplicate(ctx: Context) -> pd.DataFrame:
    return ch.qb_duplicates(customer_matching(ctx), ctx.data.get("sync_log"))


@check(
    "sf_account_duplicate",
    area="customers",
    severity="low",
    needs=SF_NEEDS,
    what="Duplicate accounts inside Salesforce",
    why="Each copy syncs on its own and becomes another QBO customer.",
    fix="Merge the accounts in Salesforce (matches/sf_account_duplicates.csv names the survivor).",
)
def sf_account_duplicate(ctx: Context) -> pd.DataFrame:
    return ch.sf_duplicates(customer_matching(ctx), account_clusters(ctx))


@check(
    "name_collision_vendor_employee",
    area="customers",
    severity="medium",
    needs=NEEDS,
    what="Accounts to be created in QBO whose name a Vendor or Employee already uses",
    why="DisplayName is unique across customers, vendors and employees: the create fails (6240).",
    fix="Rename the vendor/employee, or give the customer a distinct DisplayName first.",
)
def name_collision_vendor_employee(ctx: Context) -> pd.DataFrame:
    return ch.name_collisions(customer_matching(ctx), ctx.data)


@check(
    "linked_field_drift",
    area="customers",
    severity="low",
    needs=LINKED,
    what="Confirmed links whose phone, email domain, billing address or currency disagree",
    why="Statements go to old addresses; a different currency makes the next invoice fail.",
    fix="Update the stale side; for currency create a customer in the right currency.",
)
def linked_field_drift(ctx: Context) -> pd.DataFrame:
    return ch.field_drift(customer_matching(ctx))


@check(
    "account_multi_currency",
    area="customers",
    severity="medium",
    needs=(*NEEDS, "opportunities"),
    what="Accounts with deals in more than one currency",
    why="A QBO customer has one currency forever: deals in another currency need another customer.",
    fix="Create one customer per currency and make the sync choose by the deal's currency.",
)
def account_multi_currency(ctx: Context) -> pd.DataFrame:
    return ch.multi_currency(customer_matching(ctx), ctx.data)


@check(
    "link_on_merged_account",
    area="customers",
    severity="medium",
    needs=LINKED,
    what="QBO links held by deleted (merged) Salesforce accounts",
    why="The surviving account has no link, so its next deal creates another customer.",
    fix="Copy the link to the surviving account.",
)
def link_on_merged_account(ctx: Context) -> pd.DataFrame:
    return ch.merged_account_links(customer_matching(ctx))


@check(
    "won_account_without_customer",
    area="customers",
    severity="medium",
    needs=(*NEEDS, "opportunities", WON_NEEDS),
    what="Accounts with won deals, no QBO link and no matching QBO customer",
    why="Its deals cannot be invoiced until a customer exists; a failed create (6240) stays silent.",
    fix="Create or link a customer before its deals can be invoiced (remediation/qbo_customers_to_create.csv).",
)
def won_account_without_customer(ctx: Context) -> pd.DataFrame:
    return cw.won_without_customer(customer_matching(ctx), ctx.data)


@output(
    "remediation/qbo_customers_to_create.csv",
    area="customers",
    needs=(*NEEDS, "opportunities"),
    description="Accounts with won deals and no QBO customer: create or link one",
)
def qbo_customers_to_create(ctx: Context) -> pd.DataFrame:
    return cw.customers_to_create(customer_matching(ctx), ctx.data)


@output(
    "matches/customers.csv",
    area="customers",
    needs=NEEDS,
    description="Account <-> Customer: current link, best counterpart, score, status, reasons, names",
)
def matches_customers(ctx: Context) -> pd.DataFrame:
    """The contract's columns, then the names a person recognises (as matches/products.csv)."""
    m = customer_matching(ctx)
    names = pd.Series(
        m.all_customers["name"].to_numpy(), index=m.all_customers["id"].astype("string")
    )
    names = names[~names.index.duplicated()]
    out = m.matches[[*MATCH_COLUMNS, "sf_name", "qb_name"]].copy()
    out["current_qb_name"] = out["current_qb_id"].astype("string").map(names).astype("string")
    return out


@output(
    "matches/qb_customer_duplicates.csv",
    area="customers",
    needs=QB_NEEDS,
    description="Duplicate customer clusters inside QBO (cluster_id, id, keep, reasons)",
)
def matches_qb_duplicates(ctx: Context) -> pd.DataFrame:
    return duplicate_tables(customer_matching(ctx), account_clusters(ctx))[0]


@output(
    "matches/sf_account_duplicates.csv",
    area="customers",
    needs=SF_NEEDS,
    description="Duplicate account clusters inside Salesforce (cluster_id, id, keep, reasons)",
)
def matches_sf_duplicates(ctx: Context) -> pd.DataFrame:
    return duplicate_tables(customer_matching(ctx), account_clusters(ctx))[1]


@output(
    "remediation/salesforce_account_links.csv",
    area="customers",
    # Without the link column in the export the current values are unknown, and a rollback
    # built from blanks would erase links the org holds: no file rather than an unsafe one.
    needs=(*NEEDS, "accounts.qb_customer_id"),
    kind="data_loader",
    description="Data Loader update: Id + the account link field, confident and accepted links only",
)
def salesforce_account_links(ctx: Context) -> DataLoaderFile:
    return account_link_file(customer_matching(ctx), ctx.config, account_clusters(ctx))


@output(
    "remediation/qbo_customer_merges.csv",
    area="customers",
    needs=QB_NEEDS,
    description="QBO customers to merge: which copy into which survivor, and why",
)
def qbo_customer_merges(ctx: Context) -> pd.DataFrame:
    return merge_list(customer_matching(ctx))
