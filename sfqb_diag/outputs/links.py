"""Links to a record in Salesforce and in QuickBooks Online, for people working a fix list."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd

_QBO_PAGES = {
    "Invoice": "invoice?txnId=",
    "Payment": "recvpayment?txnId=",
    "CreditMemo": "creditmemo?txnId=",
    "SalesReceipt": "salesreceipt?txnId=",
    "Customer": "customerdetail?nameId=",
    "Vendor": "vendordetail?nameId=",
    "Employee": "employeedetail?nameId=",
    "Item": "items?itemId=",
}


def salesforce_links(manifest: dict, sf_object: pd.Series, sf_id: pd.Series) -> pd.Series:
    """Lightning record pages on the org's instance; login.salesforce.com redirects bare Ids."""
    base = str(
        (manifest.get("salesforce") or {}).get("instance_url") or "https://login.salesforce.com"
    ).rstrip("/")
    if base.startswith("https://127.0.0.1") or base.startswith("https://localhost"):
        base = "https://login.salesforce.com"  # a stand-in's address means nothing to a reader
    url = base + "/lightning/r/" + sf_object.fillna("") + "/" + _escaped(sf_id) + "/view"
    return url.where(sf_id.notna() & sf_object.notna(), "")


def quickbooks_links(manifest: dict, qb_entity: pd.Series, qb_id: pd.Series) -> pd.Series:
    sandbox = (manifest.get("quickbooks") or {}).get("environment") == "sandbox"
    base = (
        "https://app.sandbox.qbo.intuit.com/app/" if sandbox else "https://app.qbo.intuit.com/app/"
    )
    page = qb_entity.map(_QBO_PAGES).astype("string")
    url = base + page.fillna("") + _escaped(qb_id)
    return url.where(qb_id.notna() & page.notna(), "")


def _escaped(ids: pd.Series) -> pd.Series:
    """Ids percent-encoded for a URL: QBO Ids are text, and a damaged export can put anything in
    one (a NUL byte would make the xlsx hyperlink unwritable)."""
    return ids.fillna("").astype("string").map(lambda v: quote(str(v), safe=""), na_action="ignore")
