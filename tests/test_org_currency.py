"""A single-currency Salesforce org exports no CurrencyIsoCode: its amounts take the QBO home
currency (else the one currency of the QBO records) and a warning says so, so that money at
risk is counted instead of dropping out of every total.

The files are written the way a Data Loader export of such an org and QBO's API write them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfqb_diag.pipeline import CheckOptions, compute
from sfqb_diag.sources.files import load_raw

ACCOUNTS = (
    "Id,Name,BillingCity,BillingCountry,QBO_Customer_Id__c,CreatedDate\n"
    "001Dn00000AbCdEIAV,Acme Inc,San Francisco,United States,58,2024-01-10T10:00:00.000+0000\n"
    "001Dn00000AbCdGIAV,Globex Corporation,New York,USA,77,2023-05-01T10:00:00.000+0000\n"
)
# no CurrencyIsoCode column: the org has one currency
OPPORTUNITIES = (
    "Id,AccountId,Name,StageName,IsWon,IsClosed,CloseDate,Amount,QBO_Invoice_Id__c,CreatedDate\n"
    "006Dn00000XyZaAIAV,001Dn00000AbCdEIAV,Acme - Licence,Closed Won,true,true,2026-09-15,"
    "12000.00,1001,2026-08-01T10:00:00.000+0000\n"
    "006Dn00000XyZaBIAV,001Dn00000AbCdGIAV,Globex - Onboarding,Closed Won,true,true,2026-10-20,"
    "45000.00,,2026-09-01T10:00:00.000+0000\n"
)


def _customer(qb_id: str, name: str, currency: str = "USD") -> dict:
    return {
        "Id": qb_id,
        "DisplayName": name,
        "CurrencyRef": {"value": currency},
        "Active": True,
        "MetaData": {"CreateTime": "2024-01-10T10:00:00-08:00"},
    }


INVOICE = {
    "Id": "1001",
    "DocNumber": "INV-1001",
    "TxnDate": "2026-09-16",
    "CustomerRef": {"value": "58", "name": "Acme Inc"},
    "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
    "TotalAmt": 12000.0,
    "Balance": 0,
    "Line": [
        {
            "Id": "1",
            "LineNum": 1,
            "Amount": 12000.0,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "5", "name": "Licence"}, "Qty": 1},
        }
    ],
    "MetaData": {"CreateTime": "2026-09-16T08:00:00-07:00"},
}


def _folder(
    root: Path,
    opportunities: str = OPPORTUNITIES,
    home: str | None = None,
    globex_currency: str = "USD",
) -> Path:
    raw = root / "raw"
    (raw / "salesforce").mkdir(parents=True)
    (raw / "quickbooks").mkdir()
    (raw / "salesforce" / "Account.csv").write_text(ACCOUNTS)
    (raw / "salesforce" / "Opportunity.csv").write_text(opportunities)
    customers = [
        _customer("58", "Acme Inc"),
        _customer("77", "Globex Corporation", globex_currency),
    ]
    (raw / "quickbooks" / "Customer.json").write_text(
        json.dumps({"QueryResponse": {"Customer": customers}})
    )
    (raw / "quickbooks" / "Invoice.json").write_text(
        json.dumps({"QueryResponse": {"Invoice": [INVOICE]}})
    )
    if home:
        prefs = {"Id": "1", "CurrencyPrefs": {"HomeCurrency": {"value": home}}}
        (raw / "quickbooks" / "Preferences.json").write_text(
            json.dumps({"QueryResponse": {"Preferences": [prefs]}})
        )
    return raw


def test_deals_without_a_currency_column_take_the_one_currency_of_the_qbo_records(tmp_path):
    data = load_raw(_folder(tmp_path))
    assert data["opportunities"]["currency"].tolist() == ["USD", "USD"]
    assert data.has_column("opportunities", "currency")
    said = [w for w in data.warnings if w.column == "CurrencyIsoCode"]
    assert len(said) == 1 and said[0].file == "salesforce/Opportunity.csv"
    assert "read as USD, the one currency of the QuickBooks records" in said[0].message


def test_the_one_currency_of_the_records_comes_before_the_home_currency(tmp_path):
    # every QBO record bills in USD: the business sells in USD, whatever Preferences names
    data = load_raw(_folder(tmp_path, home="CAD"))
    assert set(data["opportunities"]["currency"]) == {"USD"}


def test_the_home_currency_stands_in_when_the_records_use_several(tmp_path):
    data = load_raw(_folder(tmp_path, home="CAD", globex_currency="CAD"))
    assert set(data["opportunities"]["currency"]) == {"CAD"}
    assert any("read as CAD, the QuickBooks home currency" in w.message for w in data.warnings)


def test_without_either_the_amounts_stay_without_a_currency_and_the_warning_says_why(tmp_path):
    data = load_raw(_folder(tmp_path, globex_currency="CAD"))
    assert data["opportunities"]["currency"].isna().all()
    said = [w.message for w in data.warnings if w.column == "CurrencyIsoCode"]
    assert said and "add quickbooks/Preferences.json" in said[0]


def test_a_currency_column_with_blanks_is_left_as_exported(tmp_path):
    with_column = OPPORTUNITIES.replace("CreatedDate\n", "CreatedDate,CurrencyIsoCode\n", 1)
    with_column = with_column.replace("+0000\n", "+0000,\n")
    data = load_raw(_folder(tmp_path, with_column))
    assert data["opportunities"]["currency"].isna().all()
    assert not [w for w in data.warnings if w.column == "CurrencyIsoCode"]


@pytest.mark.parametrize("home", [None, "USD"])
def test_the_unbilled_won_deal_is_money_at_risk_in_that_currency(tmp_path, home):
    raw = _folder(tmp_path, home=home)
    run = compute(CheckOptions(raw=raw, out=tmp_path / "out", as_of="2026-11-30T00:00:00Z"))
    unbilled = run.result.findings[run.result.findings["check"] == "won_not_invoiced"]
    assert unbilled["sf_id"].tolist() == ["006Dn00000XyZaBIAV"]
    assert unbilled["amount_at_risk_cents"].tolist() == [4_500_000]
    assert unbilled["currency"].tolist() == ["USD"]
    assert run.summary.amount_at_risk_by_area["partial_sync"]["USD"] == "45000.00"
