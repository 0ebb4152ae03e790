"""Company-level facts: QBO TaxCode, CompanyInfo and Preferences entities, and manifest.json."""

from __future__ import annotations

from typing import Any

import numpy as np

from sfqb_demo.generator import timefmt as tf
from sfqb_demo.generator.world import AS_OF, AS_OF_TS, DAY, HOUR, World

ORG = {
    "name": "Northwind Outfitters",
    "my_domain": "northwind-outfitters",
    "org_id": "00DDn000000bN7xMAE",
    "sandbox_org_id": "00D8b000002kQ4cEAE",
    "realm_id": "9341453129486012",
    "other_realm_id": "4620816014173395",
    "username": "integration@northwind-outfitters.com",
}


def _meta(ts: int) -> dict[str, str]:
    t = tf.qb_ts(np.array([ts]))[0]
    return {"CreateTime": t, "LastUpdatedTime": t}


def qbo_settings(w: World) -> None:
    """TaxCode, CompanyInfo and Preferences; multicurrency on with USD home (Salesforce sells in
    USD, CAD, EUR and GBP)."""
    start = AS_OF_TS - 1500 * DAY
    tax = [
        {
            "Id": i,
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "MetaData": _meta(start),
            "Name": n,
            "Description": d,
            "Active": True,
            "Taxable": t,
            "TaxGroup": g,
        }
        for i, n, d, t, g in [
            ("TAX", "TAX", "TAX", True, False),
            ("NON", "NON", "NON", False, False),
            ("2", "California", "California state + local", True, True),
            ("3", "Texas", "Texas state + local", True, True),
        ]
    ]
    company = {
        "Id": "1",
        "SyncToken": "4",
        "domain": "QBO",
        "sparse": False,
        "MetaData": _meta(start),
        "CompanyName": ORG["name"] + " LLC",
        "LegalName": ORG["name"] + " LLC",
        "Country": "US",
        "CompanyStartDate": tf.day(np.array([start // DAY]))[0],
        "CompanyAddr": {
            "Line1": "1200 Harbor Blvd",
            "City": "Portland",
            "CountrySubDivisionCode": "OR",
            "PostalCode": "97204",
            "Country": "US",
        },
        "Email": {"Address": "books@northwind-outfitters.com"},
        "SupportedLanguages": "en",
        "FiscalYearStartMonth": "January",
    }
    prefs = {
        "Id": "1",
        "SyncToken": "7",
        "domain": "QBO",
        "sparse": False,
        "MetaData": _meta(start),
        "CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}},
        "SalesFormsPrefs": {
            "CustomTxnNumbers": True,
            "AllowDiscount": True,
            "AllowShipping": False,
            "DefaultTerms": {"value": "3"},
        },
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": True},
    }
    w.qb["_settings"] = {"TaxCode": tax, "CompanyInfo": [company], "Preferences": [prefs]}


def manifest(w: World, counts: dict[str, int]) -> dict[str, Any]:
    """What a pull would record about where the data came from (no secrets)."""

    def t(ts: int) -> str:
        return tf.iso_utc(np.array([ts]))[0]

    return {
        "salesforce": {
            "instance_url": f"https://{ORG['my_domain']}.my.salesforce.com",
            "is_sandbox": False,
            "org_id": ORG["org_id"],
            "api_version": "62.0",
            "username": ORG["username"],
        },
        "quickbooks": {
            "realm_id": ORG["realm_id"],
            "environment": "production",
            "base_url": "https://quickbooks.api.intuit.com",
            "minorversion": 75,
            "refresh_token_issued_at": t(AS_OF_TS - 9 * DAY - 5 * HOUR),
            "access_token_expires_at": t(AS_OF_TS + 40 * 60),
        },
        "pulled_at": AS_OF,
        "tool_version": "demo",
        "counts": counts,
    }
