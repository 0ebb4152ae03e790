"""Accounts and QBO customers as party tables for the matcher, with what is at stake on each.

Salesforce accounts carry no email; their company domain is the Website's, else the most common
company (non-free-mail) domain of their contacts' emails. QBO sub-customers (jobs: `Job` true or
a ParentRef) belong to their parent and are neither link candidates nor duplicates.
Persons as well as companies: a Person Account (IsPersonAccount) is named by FirstName +
LastName when Name is empty and brings its PersonEmail; a QBO customer without a DisplayName is
named by its CompanyName, else GivenName + FamilyName.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import member
from sfqb_diag.matching.contact import company_domain, email_domain, website_domain
from sfqb_diag.matching.parties import prepare_parties, prepare_party_tables
from sfqb_diag.sources.convert import person_name

TXN_TABLES = ("invoices", "payments", "credit_memos", "sales_receipts")


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(pd.NA, index=frame.index, dtype="string")


def _flag(frame: pd.DataFrame, name: str, default: bool) -> pd.Series:
    """A true/false column, `default` where the file leaves it empty or lacks it."""
    if name not in frame:
        return pd.Series(default, index=frame.index, dtype=bool)
    return frame[name].astype("boolean").fillna(default).astype(bool)


def _contact_domains(data: Dataset) -> pd.Series:
    """account id -> most common company email domain among its contacts."""
    contacts = data.get("contacts")
    if contacts is None or "email" not in contacts or "account_id" not in contacts:
        return pd.Series(dtype="string")
    live = contacts[~_flag(contacts, "is_deleted", False)]
    domains = pd.DataFrame(
        {"acc": live["account_id"], "d": company_domain(email_domain(live["email"]))}
    ).dropna()
    if domains.empty:
        return pd.Series(dtype="string")
    counted = (
        domains.value_counts(["acc", "d"])
        .reset_index()
        .sort_values(["acc", "count", "d"], ascending=[True, False, True])
    )
    return counted.drop_duplicates("acc").set_index("acc")["d"].astype("string")


def _contact_emails(data: Dataset) -> pd.Series:
    """Ids of accounts with at least one contact email (distinct)."""
    contacts = data.get("contacts")
    if contacts is None or "email" not in contacts or "account_id" not in contacts:
        return pd.Series(dtype="string")
    return contacts.loc[contacts["email"].notna(), "account_id"].drop_duplicates()


def opportunities_counted(data: Dataset) -> bool:
    """True when the folder has Opportunity.csv with AccountId: only then is a count of 0 a fact."""
    opps = data.get("opportunities")
    return opps is not None and "account_id" in opps


def transactions_counted(data: Dataset) -> bool:
    """True when at least one transaction file (Invoice, Payment, CreditMemo, SalesReceipt) names
    its customer: without one, a count of 0 says nothing about the customer."""
    return any(frame is not None and "customer_id" in frame for frame in map(data.get, TXN_TABLES))


def opportunity_counts(data: Dataset) -> pd.Series:
    """account id -> number of (non-deleted) opportunities."""
    opps = data.get("opportunities")
    if opps is None or "account_id" not in opps:
        return pd.Series(dtype="int64")
    live = opps[~_flag(opps, "is_deleted", False)]
    return live.groupby("account_id").size()


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def account_parties(data: Dataset) -> pd.DataFrame:
    """Every account (deleted ones flagged `deleted`), prepared for matching; an empty table
    when the folder has no Account.csv (a QBO-only folder still gets its duplicates)."""
    return prepare_parties(_account_inputs(data))


def customer_parties(data: Dataset) -> pd.DataFrame:
    """Every QBO customer, prepared for matching, with `active`, `job`, `transactions`,
    `transactions_counted` (False: no transaction file, the 0s are unknown), `balance_cents`;
    an empty table when the folder has no Customer.json."""
    return prepare_parties(_customer_inputs(data))


def link_parties(data: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`account_parties` and `customer_parties` normalised in one pass (one normalisation of
    each name, city and postcode the two systems share)."""
    accounts, customers = prepare_party_tables(_account_inputs(data), _customer_inputs(data))
    return accounts, customers


def _account_inputs(data: Dataset) -> pd.DataFrame:
    acc = data.get("accounts")
    if acc is None:
        acc = _empty({"id": "string", "name": "string"})
    site = website_domain(_col(acc, "website"))
    domain = (
        company_domain(site)
        .fillna(acc["id"].map(_contact_domains(data)).astype("string"))
        .fillna(company_domain(email_domain(_col(acc, "person_email"))))
    )
    frame = pd.DataFrame(
        {
            "id": acc["id"],
            "name": _col(acc, "name")
            .astype("string")
            .fillna(person_name(_col(acc, "first_name"), _col(acc, "last_name"))),
            "domain": domain,
            "domain_from": pd.Series(
                pd.array(["website"] * len(acc), dtype="string"), index=acc.index
            ).where(company_domain(site).notna(), "email"),
            "email": _col(acc, "person_email"),
            "parent_id": _col(acc, "parent_id"),
            "phone": _col(acc, "phone"),
            "street": _col(acc, "billing_street"),
            "city": _col(acc, "billing_city"),
            "state": _col(acc, "billing_state"),
            "postal": _col(acc, "billing_postal_code"),
            "country": _col(acc, "billing_country"),
            "currency": _col(acc, "currency"),
            "current_qb_id": _col(acc, "qb_customer_id")
            .astype("string")
            .str.strip()
            .replace("", pd.NA),
            "deleted": _flag(acc, "is_deleted", False),
            "master_id": _col(acc, "master_record_id"),
            "created": _col(acc, "created_date"),
        }
    )
    frame["opportunities"] = frame["id"].map(opportunity_counts(data)).fillna(0).astype("int64")
    frame["opportunities_counted"] = opportunities_counted(data)
    frame["has_contact_email"] = member(frame["id"], _contact_emails(data)).to_numpy()
    return frame


def transaction_stats(data: Dataset) -> pd.DataFrame:
    """customer id -> transactions (invoices, payments, credit memos, sales receipts) and open
    balance in cents (the customer's Balance, else the sum of open invoice balances)."""
    counts = []
    for table in TXN_TABLES:
        frame = data.get(table)
        if frame is not None and "customer_id" in frame:
            counts.append(frame.groupby("customer_id").size().rename(table))
    stats = pd.concat(counts, axis=1).fillna(0).astype("int64") if counts else pd.DataFrame()
    stats["transactions"] = stats.sum(axis=1) if len(stats.columns) else pd.Series(dtype="int64")
    invoices = data.get("invoices")
    if invoices is not None and "balance_cents" in invoices and "customer_id" in invoices:
        stats["invoice_balance_cents"] = invoices.groupby("customer_id")["balance_cents"].sum()
    return stats


def _customer_inputs(data: Dataset) -> pd.DataFrame:
    cust = data.get("customers")
    if cust is None:
        cust = _empty({"id": "string", "display_name": "string"})
    frame = pd.DataFrame(
        {
            "id": cust["id"].astype("string"),
            "name": _col(cust, "display_name")
            .astype("string")
            .fillna(_col(cust, "company_name").astype("string"))
            .fillna(person_name(_col(cust, "given_name"), _col(cust, "family_name"))),
            "domain": email_domain(_col(cust, "email")),
            "phone": _col(cust, "phone"),
            "street": _col(cust, "bill_line1"),
            "street2": _col(cust, "bill_line2"),
            "city": _col(cust, "bill_city"),
            "state": _col(cust, "bill_state"),
            "postal": _col(cust, "bill_postal_code"),
            "country": _col(cust, "bill_country"),
            "currency": _col(cust, "currency"),
            "active": _flag(cust, "active", True),
            "job": _flag(cust, "job", False) | _col(cust, "parent_id").notna(),
            "created": _col(cust, "create_time"),
            "email": _col(cust, "email").astype("string").str.strip().str.lower(),
        }
    )
    stats = transaction_stats(data)
    frame["transactions"] = (
        frame["id"]
        .map(stats.get("transactions", pd.Series(dtype="int64")))
        .fillna(0)
        .astype("int64")
    )
    frame["transactions_counted"] = transactions_counted(data)
    balance = _col(cust, "balance_cents").astype("Int64")
    if "invoice_balance_cents" in stats:
        balance = balance.fillna(frame["id"].map(stats["invoice_balance_cents"]).astype("Int64"))
    frame["balance_cents"] = balance.fillna(0).astype("int64")
    return frame
