"""Line reconciliation on a hand-made client: one opportunity/invoice pair per case.

Catalogue (all USD unless said): items 1 Router (100.00), 2 Consulting Hour (150.00),
3 Cable Pack (20.00), 9 "Services" (the connector's default item, linked to no product),
10 Starter Bundle (a Group item). Each case below names its opportunity, the invoice it links to,
and what differs:
  clean       two lines, identical                                  -> nothing
  qty         Router 2 on the opportunity, 3 on the invoice          -> quantity drift +100.00
  price       Consulting 150.00, invoiced at 140.00                  -> unit price drift -10.00
  dropped     Router 100.00 less 10%, invoiced at 100.00             -> discount dropped +10.00
  moved       Router less 10% + 2 x Consulting, lines gross + a 10.00 DiscountLine -> info only
  listprice   Router sold at 90.00 (list 100.00), invoiced at 100.00 -> list price pushed +10.00
  tax         two lines each 8.25% higher                           -> tax-inclusive +33.00
  currency    EUR opportunity, USD invoice with the same numbers     -> currency mismatch
  rounding    3 x 33.33 = 99.99 invoiced as 3 x 33.3333 = 100.00      -> rounding (info)
  missing     Router + Consulting, invoice has only the Router       -> missing line -150.00
  extra       Router, invoice has Router + Cable Pack                -> extra line +20.00
  generic     Consulting invoiced on item 9 "Services"               -> generic item
  bundle      Starter Bundle, invoiced as a group of Router + Cable  -> nothing
  netprice    3 x 150.00 less 10% = 405.00, invoiced 3 x 135.00       -> nothing (discount in price)
  taxadded    lines equal, QBO added 8.00 sales tax to TotalAmt       -> nothing
  voided      invoice zeroed out                                     -> not ours (partial_sync)
  swapped     Router + Consulting in the other order on the invoice   -> nothing
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.ids import to_18
from sfqb_diag.pipeline import CheckOptions, compute

AS_OF = "2026-11-20T06:00:00Z"


def sfid(prefix: str, n: int) -> str:
    return to_18(f"{prefix}Dn0000{n:06d}AAA"[:15])


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)


def write_json(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows), encoding="utf-8")


PRODUCTS = {  # key: (name, code, item id, standard price)
    "router": ("Acme X120 Router", "HW-X120-ACM", "1", 100.0),
    "consult": ("Consulting Hour", "SV-C10-ACM", "2", 150.0),
    "cable": ("Cable Pack (10)", "CN-C20-ACM", "3", 20.0),
    "bundle": ("Starter Bundle", "BN-S10-ACM", "10", 120.0),
}
ITEMS = [
    {
        "Id": "1",
        "Name": "Acme X120 Router",
        "Sku": "HW-X120-ACM",
        "Type": "Inventory",
        "Active": True,
        "UnitPrice": 100,
        "QtyOnHand": 5,
        "IncomeAccountRef": {"value": "79"},
    },
    {
        "Id": "2",
        "Name": "Consulting Hour",
        "Sku": "SV-C10-ACM",
        "Type": "Service",
        "Active": True,
        "UnitPrice": 150,
        "IncomeAccountRef": {"value": "80"},
    },
    {
        "Id": "3",
        "Name": "Cable Pack (10)",
        "Sku": "CN-C20-ACM",
        "Type": "Inventory",
        "Active": True,
        "UnitPrice": 20,
        "QtyOnHand": 50,
        "IncomeAccountRef": {"value": "79"},
    },
    {
        "Id": "9",
        "Name": "Services",
        "Type": "Service",
        "Active": True,
        "UnitPrice": 0,
        "IncomeAccountRef": {"value": "1"},
    },
    {"Id": "10", "Name": "Starter Bundle", "Sku": "BN-S10-ACM", "Type": "Group", "Active": True},
]


def sline(
    item: str, qty: float, unit: float, amount: float | None = None, line_id: str | None = None
) -> dict:
    amount = round(qty * unit, 2) if amount is None else amount
    return {
        "Id": line_id,
        "DetailType": "SalesItemLineDetail",
        "Amount": amount,
        "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": qty, "UnitPrice": unit},
    }


# case -> (opportunity lines [(product, qty, unit, list, discount%)], invoice lines, extra invoice fields, currency)
CASES: dict[str, tuple[list, list, dict, str]] = {
    "clean": (
        [("router", 1, 100, 100, 0), ("consult", 2, 150, 150, 0)],
        [sline("1", 1, 100), sline("2", 2, 150)],
        {},
        "USD",
    ),
    "qty": ([("router", 2, 100, 100, 0)], [sline("1", 3, 100)], {}, "USD"),
    "price": ([("consult", 1, 150, 150, 0)], [sline("2", 1, 140)], {}, "USD"),
    "dropped": ([("router", 1, 100, 100, 10)], [sline("1", 1, 100)], {}, "USD"),
    "moved": (
        [("router", 1, 100, 100, 10), ("consult", 2, 150, 150, 0)],
        [
            sline("1", 1, 100),
            sline("2", 2, 150),
            {
                "DetailType": "DiscountLineDetail",
                "Amount": 10.0,
                "DiscountLineDetail": {"PercentBased": False},
            },
        ],
        {},
        "USD",
    ),
    "listprice": ([("router", 1, 90, 100, 0)], [sline("1", 1, 100)], {}, "USD"),
    "tax": (
        [("router", 1, 100, 100, 0), ("consult", 2, 150, 150, 0)],
        [sline("1", 1, 108.25), sline("2", 2, 162.375, 324.75)],
        {},
        "USD",
    ),
    "currency": (
        [("router", 2, 100, 100, 0)],
        [sline("1", 2, 100)],
        {"CurrencyRef": {"value": "USD"}},
        "EUR",
    ),
    "rounding": ([("cable", 3, 33.33, 33.33, 0)], [sline("3", 3, 33.3333, 100.00)], {}, "USD"),
    "missing": (
        [("router", 1, 100, 100, 0), ("consult", 1, 150, 150, 0)],
        [sline("1", 1, 100)],
        {},
        "USD",
    ),
    "extra": ([("router", 1, 100, 100, 0)], [sline("1", 1, 100), sline("3", 1, 20)], {}, "USD"),
    "generic": ([("consult", 1, 150, 150, 0)], [sline("9", 1, 150)], {}, "USD"),
    "bundle": (
        [("bundle", 1, 120, 120, 0)],
        [
            {
                "Id": "1",
                "DetailType": "GroupLineDetail",
                "Amount": 120.0,
                "GroupLineDetail": {
                    "GroupItemRef": {"value": "10"},
                    "Quantity": 1,
                    "Line": [sline("1", 1, 100, line_id="2"), sline("3", 1, 20, line_id="3")],
                },
            }
        ],
        {},
        "USD",
    ),
    "netprice": ([("consult", 3, 150, 150, 10)], [sline("2", 3, 135)], {}, "USD"),
    "taxadded": (
        [("router", 1, 100, 100, 0)],
        [sline("1", 1, 100)],
        {"TxnTaxDetail": {"TotalTax": 8.0}, "TotalAmt": 108.0},
        "USD",
    ),
    "voided": (
        [("router", 1, 100, 100, 0)],
        [sline("1", 0, 100, 0.0)],
        {"PrivateNote": "Voided", "TotalAmt": 0},
        "USD",
    ),
    "swapped": (
        [("router", 1, 100, 100, 0), ("consult", 1, 150, 150, 0)],
        [sline("2", 1, 150), sline("1", 1, 100)],
        {},
        "USD",
    ),
}
CASE_IDS = {case: n for n, case in enumerate(CASES, start=1)}


def _salesforce(raw: Path) -> None:
    write_csv(
        raw / "salesforce/Product2.csv",
        [
            {
                "Id": sfid("01t", i),
                "Name": name,
                "ProductCode": code,
                "IsActive": "true",
                "QBO_Item_Id__c": item,
            }
            for i, (name, code, item, _) in enumerate(PRODUCTS.values(), start=1)
        ],
    )
    write_csv(
        raw / "salesforce/Pricebook2.csv",
        [{"Id": sfid("01s", 1), "Name": "Standard", "IsStandard": "true", "IsActive": "true"}],
    )
    write_csv(
        raw / "salesforce/PricebookEntry.csv",
        [
            {
                "Id": sfid("01u", i),
                "Pricebook2Id": sfid("01s", 1),
                "Product2Id": sfid("01t", i),
                "UnitPrice": price,
                "CurrencyIsoCode": "USD",
                "IsActive": "true",
            }
            for i, (_, _, _, price) in enumerate(PRODUCTS.values(), start=1)
        ],
    )
    keys = list(PRODUCTS)
    opps, lines = [], []
    for case, (olines, _, _, currency) in CASES.items():
        n = CASE_IDS[case]
        total = 0
        for k, (prod, qty, unit, listp, disc) in enumerate(olines):
            gross = round(qty * unit * 100)
            net = round(gross * (1 - disc / 100))
            total += net
            lines.append(
                {
                    "Id": sfid("00k", n * 10 + k),
                    "OpportunityId": sfid("006", n),
                    "Product2Id": sfid("01t", keys.index(prod) + 1),
                    "PricebookEntryId": sfid("01u", keys.index(prod) + 1),
                    "Quantity": qty,
                    "UnitPrice": unit,
                    "ListPrice": listp,
                    "Discount": disc or "",
                    "Subtotal": gross / 100,
                    "TotalPrice": net / 100,
                    "SortOrder": k + 1,
                    "CurrencyIsoCode": currency,
                }
            )
        opps.append(
            {
                "Id": sfid("006", n),
                "Name": f"Deal {case}",
                "StageName": "Closed Won",
                "IsWon": "true",
                "IsClosed": "true",
                "CloseDate": "2026-10-01",
                "Amount": total / 100,
                "CurrencyIsoCode": currency,
                "QBO_Invoice_Id__c": str(n),
            }
        )
    write_csv(raw / "salesforce/Opportunity.csv", opps)
    write_csv(raw / "salesforce/OpportunityLineItem.csv", lines)


def _quickbooks(raw: Path) -> None:
    invoices = []
    for case, (_, ilines, extra, currency) in CASES.items():
        n = CASE_IDS[case]
        numbered = []
        for k, line in enumerate(ilines, start=1):
            numbered.append({**line, "Id": line.get("Id") or str(k + 10), "LineNum": k})
        subtotal = sum(
            line["Amount"] for line in ilines if line["DetailType"] != "DiscountLineDetail"
        )
        numbered.append(
            {"DetailType": "SubTotalLineDetail", "Amount": subtotal, "SubTotalLineDetail": {}}
        )
        invoices.append(
            {
                "Id": str(n),
                "DocNumber": f"INV-{n}",
                "TxnDate": "2026-10-02",
                "CustomerRef": {"value": "1"},
                "CurrencyRef": {"value": currency},
                "TotalAmt": subtotal,
                "Line": numbered,
                "MetaData": {"CreateTime": "2026-10-02T10:00:00Z"},
                **extra,
            }
        )
    write_json(raw / "quickbooks/Invoice.json", invoices)
    write_json(raw / "quickbooks/Item.json", ITEMS)
    write_json(
        raw / "quickbooks/Preferences.json",
        [
            {
                "Id": "1",
                "CurrencyPrefs": {"HomeCurrency": {"value": "USD"}, "MultiCurrencyEnabled": True},
            }
        ],
    )


def build_raw(folder: Path) -> Path:
    raw = folder / "raw"
    _salesforce(raw)
    _quickbooks(raw)
    return raw


@pytest.fixture(scope="module")
def lines_run(tmp_path_factory: pytest.TempPathFactory):
    raw = build_raw(tmp_path_factory.mktemp("lines"))
    # Line pairing serves two areas: products (lines that differ) and partial_sync (lines that
    # never reached the invoice, line_missing_line); only those findings are read here.
    run = compute(
        CheckOptions(
            raw=raw, out=raw.parent / "out", areas=("products", "partial_sync"), as_of=AS_OF
        )
    )
    findings = run.result.findings
    keep = (findings["area"] == "products") | (findings["check"] == "line_missing_line")
    run.result.findings = findings[keep].reset_index(drop=True)
    return run


def _by_case(findings: pd.DataFrame) -> dict[str, set[tuple[str, str]]]:
    cases = {sfid("006", n): case for case, n in CASE_IDS.items()}
    out: dict[str, set[tuple[str, str]]] = {}
    for row in findings.itertuples():
        out.setdefault(cases.get(row.sf_id, "?"), set()).add((row.check, row.severity))
    return out


EXPECTED = {
    "qty": {("line_quantity_drift", "high")},
    "price": {("line_unit_price_drift", "high")},
    "dropped": {("line_discount_dropped", "high")},
    "moved": {("invoice_discount_moved", "info")},
    "listprice": {("line_list_price_pushed", "high")},
    "tax": {("invoice_tax_inclusive", "high")},
    "currency": {("invoice_currency_mismatch", "critical")},
    "rounding": {("line_rounding", "info")},
    "missing": {("line_missing_line", "high")},
    "extra": {("line_extra_line", "high")},
    "generic": {("line_generic_item", "medium")},
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_case_is_named_once(lines_run, case: str) -> None:
    """Each case gets exactly its class; clean cases and equivalent representations get nothing."""
    findings = lines_run.result.findings
    got = _by_case(findings[findings["check"].str.contains("line|invoice_")]).get(case, set())
    assert got == EXPECTED.get(case, set())


def test_amounts_and_actions(lines_run) -> None:
    f = lines_run.result.findings.set_index("check")
    assert f.loc["line_quantity_drift", "amount_at_risk_cents"] == 10000
    assert "credit memo for 100.00 USD" in f.loc["line_quantity_drift", "suggested_action"]
    assert f.loc["line_unit_price_drift", "amount_at_risk_cents"] == 1000
    assert "Bill the missing 10.00 USD" in f.loc["line_unit_price_drift", "suggested_action"]
    assert "Add the 10% discount (10.00 USD)" in f.loc["line_discount_dropped", "suggested_action"]
    assert f.loc["line_missing_line", "amount_at_risk_cents"] == 15000
    # A line that never reached the invoice is a partial sync; lines that differ are products'.
    assert f.loc["line_missing_line", "area"] == "partial_sync"
    assert f.loc["line_extra_line", "area"] == f.loc["line_quantity_drift", "area"] == "products"
    assert f.loc["invoice_tax_inclusive", "amount_at_risk_cents"] == 3300
    assert f.loc["invoice_currency_mismatch", "amount_at_risk_cents"] == 20000
    assert (
        "the sync copied the number and dropped the currency"
        in f.loc["invoice_currency_mismatch", "detail"]
    )
    assert f.loc["line_rounding", "amount_at_risk_cents"] == 1


def test_findings_name_both_records_and_lines(lines_run) -> None:
    f = lines_run.result.findings
    lines = f[f["check"].str.startswith("line_")]
    assert (lines["sf_object"] == "Opportunity").all() and (lines["qb_entity"] == "Invoice").all()
    assert lines["qb_id"].notna().all() and lines["sf_id"].str.len().eq(18).all()
    assert lines["line_id"].notna().all()
    missing = lines[lines["check"] == "line_missing_line"].iloc[0]
    # The line's Salesforce Id is its key (line_id), never its name in a text: the product is.
    sf_line = missing["line_id"].split("|")[0]
    assert missing["line_id"].endswith("|") and sf_line.startswith("00k")
    assert sf_line not in missing["detail"] and "Consulting Hour" in missing["title"]


def test_corrections_output(lines_run) -> None:
    out = lines_run.result.outputs["remediation/invoice_line_corrections.csv"]
    assert set(out["difference"]) == {
        "quantity drift",
        "unit price drift",
        "discount dropped",
        "list price pushed",
        "tax inclusive",
        "currency mismatch",
        "missing line",
        "extra line",
        "generic item",
    }
    assert out.iloc[0]["delta"] in ("200.00", "-200.00")  # the biggest first (the EUR deal)


def test_waterfall_reaches_invoiced_subtotals(lines_run) -> None:
    from sfqb_diag.checks.base import Context
    from sfqb_diag.checks.line_pairing.classes import waterfall

    ctx = Context(data=lines_run.data, config=lines_run.config, as_of=lines_run.result.as_of)
    from sfqb_diag.checks.products.line_checks import line_reconciliation

    steps = waterfall(line_reconciliation(ctx))
    usd = steps[steps["currency"] == "USD"].set_index("step")["cents"]
    assert (
        usd["Salesforce line totals"]
        + usd.drop(["Salesforce line totals", "Invoiced (pre-tax)"]).sum()
        == usd["Invoiced (pre-tax)"]
    )


def test_single_currency_export_without_product_ids(tmp_path) -> None:
    """A single-currency org exports no CurrencyIsoCode, and old exports carry PricebookEntryId but no
    Product2Id: lines still pair through the price book entry and amounts take the home currency."""
    raw = build_raw(tmp_path)
    for name, drop in (
        ("Opportunity", ["CurrencyIsoCode"]),
        ("OpportunityLineItem", ["CurrencyIsoCode", "Product2Id"]),
    ):
        path = raw / f"salesforce/{name}.csv"
        pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=drop).to_csv(
            path, index=False
        )
    run = compute(
        CheckOptions(raw=raw, out=tmp_path / "out", areas=("products", "partial_sync"), as_of=AS_OF)
    )
    findings = run.result.findings
    findings = findings[
        (findings["area"] == "products") | (findings["check"] == "line_missing_line")
    ]
    got = _by_case(findings[findings["check"].str.contains("line|invoice_")])
    expected = {case: checks for case, checks in EXPECTED.items() if case != "currency"}
    assert {case: got.get(case, set()) for case in expected} == expected
    assert "currency" not in got  # nothing says the deal was in EUR any more
    assert set(findings["currency"].dropna()) == {"USD"}


@pytest.mark.parametrize(
    ("country", "currency"),
    [("US", "USD"), ("USA", "USD"), ("GBR", "GBP"), ("United Kingdom", "GBP"), ("CAN", "CAD")],
)
def test_home_currency_from_the_company_country_in_any_spelling(
    country: str, currency: str
) -> None:
    """Without Preferences the home currency comes from CompanyInfo.Country, which QBO may send
    as ISO-3 ("USA") or a name: it is normalised before the lookup."""
    from sfqb_diag.checks.line_pairing.reconcile import home_currency
    from sfqb_diag.dataset import Dataset

    info = pd.DataFrame({"id": ["1"], "country": [country]}).astype("string")
    assert home_currency(Dataset(tables={"company_info": info})) == currency
