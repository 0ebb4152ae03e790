"""Product2 <-> Item matching and the catalogue checks on a hand-made client.

Products (standard USD prices) and what is wrong with each:
  ok        Acme X120 Router, linked to item 1, prices equal         -> linked_ok, nothing
  unlinked  Summit B200 Switch, no link, item 2 has its SKU         -> suggest_link, unlinked finding
  missing   Cedar Label Printer, link to item 999 (gone)            -> link broken; item 3 proposed
  inactive  Delta Thin Client, linked to inactive item 4            -> link broken (inactive)
  mislinked Orion Gateway (OR-G500), linked to item 1 (the Router)  -> relink to item 5
  longname  121-character name                                      -> name rejected
  colon     "Widget: Blue"                                          -> name rejected
  category  Bundle Category, linked to Category item 6              -> item type problem
  negative  Nova Cable Pack, item 7 Inventory with -3 on hand       -> item type problem
  noincome  Onsite Installation, item 8 Service without account     -> item type problem
  drift     Pinnacle Docking Station 100.00 vs item 9 at 110.00      -> price drift
  subcent   Quantum Sensor Hub 100.00 vs item 10 at 99.995           -> nothing (within a cent)
  dupcode   two active products coded DUP-1                         -> product code duplicate (both)
Items 11 "Acme X120 Router (2)" is a sync-made copy of item 1     -> item duplicate
An open opportunity has a line on an inactive price book entry   -> open line inactive
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_line_reconciliation import sfid, write_csv, write_json

from sfqb_diag.config import Thresholds
from sfqb_diag.matching.products import match_products, normalise_code, normalise_name
from sfqb_diag.pipeline import CheckOptions, compute

AS_OF = "2026-11-20T06:00:00Z"
LONG = "Enterprise Analytics Suite with Premium Connectors, Unlimited Dashboards, Priority Support and Onboarding Pack 2026"
# key: (name, code, link, standard price)
PRODUCTS = {
    "ok": ("Acme X120 Router", "HW-X120-ACM", "1", 100.0),
    "unlinked": ("Summit B200 Switch", "HW-B200-SUM", "", 250.0),
    "missing": ("Cedar Label Printer", "HW-L300-CED", "999", 300.0),
    "inactive": ("Delta Thin Client", "HW-T400-DEL", "4", 400.0),
    "mislinked": ("Orion Gateway", "OR-G500", "1", 500.0),
    "longname": (LONG, "SW-LONG", "", 900.0),
    "colon": ("Widget: Blue", "WB-1", "", 15.0),
    "category": ("Bundle Category", "CAT-1", "6", 60.0),
    "negative": ("Nova Cable Pack", "CN-C70-NOV", "7", 70.0),
    "noincome": ("Onsite Installation", "SV-I80-ONS", "8", 80.0),
    "drift": ("Pinnacle Docking Station", "HW-D90-PIN", "9", 100.0),
    "subcent": ("Quantum Sensor Hub", "HW-S10-QUA", "10", 100.0),
    "dup_a": ("Falcon Scanner", "DUP-1", "", 40.0),
    "dup_b": ("Heritage Ribbon", "DUP-1", "", 41.0),
}
KEY = {k: sfid("01t", i) for i, k in enumerate(PRODUCTS, start=1)}


def item(
    id_: str, name: str, sku: str | None, type_: str = "NonInventory", price: float = 0.0, **extra
) -> dict:
    row = {
        "Id": id_,
        "Name": name,
        "Type": type_,
        "Active": True,
        "UnitPrice": price,
        "IncomeAccountRef": {"value": "79"},
        "MetaData": {"CreateTime": f"2025-01-{int(id_):02d}T00:00:00Z"},
    }
    if sku:
        row["Sku"] = sku
    return {**row, **extra}


ITEMS = [
    item("1", "Acme X120 Router", "HW-X120-ACM", price=100.0),
    item("2", "Summit B200 Switch", "HW-B200-SUM", price=250.0),
    item("3", "Cedar Label Printer", "HW-L300-CED", price=300.0),
    item("4", "Delta Thin Client", "HW-T400-DEL", price=400.0, Active=False),
    item("5", "Orion Gateway", "OR-G500", price=500.0),
    item("6", "Bundle Category", None, "Category"),
    item("7", "Nova Cable Pack", "CN-C70-NOV", "Inventory", 70.0, QtyOnHand=-3),
    {**item("8", "Onsite Installation", "SV-I80-ONS", "Service", 80.0), "IncomeAccountRef": None},
    item("9", "Pinnacle Docking Station", "HW-D90-PIN", price=110.0),
    item("10", "Quantum Sensor Hub", "HW-S10-QUA", price=99.995),
    item("11", "Acme X120 Router (2)", None, price=100.0),
    item("12", "Falcon Scanner", "DUP-1", price=40.0),
]


def build_catalogue(folder) -> object:
    raw = folder / "raw"
    write_csv(
        raw / "salesforce/Product2.csv",
        [
            {"Id": KEY[k], "Name": n, "ProductCode": c, "IsActive": "true", "QBO_Item_Id__c": link}
            for k, (n, c, link, _) in PRODUCTS.items()
        ],
    )
    write_csv(
        raw / "salesforce/Pricebook2.csv",
        [{"Id": sfid("01s", 1), "Name": "Standard", "IsStandard": "true"}],
    )
    write_csv(
        raw / "salesforce/PricebookEntry.csv",
        [
            {
                "Id": sfid("01u", i),
                "Pricebook2Id": sfid("01s", 1),
                "Product2Id": KEY[k],
                "UnitPrice": p,
                "CurrencyIsoCode": "USD",
                "IsActive": "false" if k == "ok" else "true",
            }
            for i, (k, (_, _, _, p)) in enumerate(PRODUCTS.items(), start=1)
        ],
    )
    write_csv(
        raw / "salesforce/Opportunity.csv",
        [
            {
                "Id": sfid("006", 1),
                "Name": "Open deal",
                "StageName": "Proposal",
                "IsWon": "false",
                "IsClosed": "false",
                "CloseDate": "2026-12-01",
                "Amount": 100,
                "CurrencyIsoCode": "USD",
                "QBO_Invoice_Id__c": "",
            }
        ],
    )
    write_csv(
        raw / "salesforce/OpportunityLineItem.csv",
        [
            {
                "Id": sfid("00k", 1),
                "OpportunityId": sfid("006", 1),
                "Product2Id": KEY["ok"],
                "PricebookEntryId": sfid("01u", 1),
                "Quantity": 1,
                "UnitPrice": 100,
                "ListPrice": 100,
                "TotalPrice": 100,
                "SortOrder": 1,
            }
        ],
    )
    write_json(raw / "quickbooks/Item.json", ITEMS)
    write_json(raw / "quickbooks/Invoice.json", [])
    return raw


@pytest.fixture(scope="module")
def catalogue_run(tmp_path_factory: pytest.TempPathFactory):
    raw = build_catalogue(tmp_path_factory.mktemp("catalogue"))
    return compute(CheckOptions(raw=raw, out=raw.parent / "out", areas=("products",), as_of=AS_OF))


def _checks_for(findings: pd.DataFrame, sf: str | None = None, qb: str | None = None) -> set[str]:
    rows = findings[
        (findings["sf_id"] == sf)
        if sf
        else (findings["qb_id"] == qb) & (findings["qb_entity"] == "Item")
    ]
    return set(rows["check"])


def test_matches_statuses(catalogue_run) -> None:
    m = catalogue_run.result.outputs["matches/products.csv"].set_index("sf_id")
    assert list(m.columns[:5]) == ["current_qb_id", "qb_id", "score", "status", "reasons"]
    expect = {
        "ok": ("linked_ok", "1"),
        "unlinked": ("suggest_link", "2"),
        "missing": ("relink", "3"),
        "mislinked": ("relink", "5"),
        "longname": ("no_match", None),
    }
    for key, (status, qb_id) in expect.items():
        row = m.loc[KEY[key]]
        assert row["status"] == status, key
        assert (row["qb_id"] if pd.notna(row["qb_id"]) else None) == qb_id, key
    assert m["score"].between(0, 1).all() and len(m) == len(PRODUCTS)


@pytest.mark.parametrize(
    ("key", "check"),
    [
        ("unlinked", "product_unlinked_likely_item"),
        ("missing", "product_link_broken"),
        ("inactive", "product_link_broken"),
        ("mislinked", "product_mislinked"),
        ("longname", "product_name_rejected"),
        ("colon", "product_name_rejected"),
        ("drift", "price_drift"),
        ("dup_a", "product_code_duplicate"),
        ("dup_b", "product_code_duplicate"),
    ],
)
def test_product_findings(catalogue_run, key: str, check: str) -> None:
    assert check in _checks_for(catalogue_run.result.findings, sf=KEY[key])


@pytest.mark.parametrize(
    ("qb", "check", "line_id"),
    [
        ("6", "item_type_problem", "category"),
        ("7", "item_type_problem", "negative_stock"),
        ("8", "item_no_income_account", "no_income_account"),
    ],
)
def test_item_type_problems(catalogue_run, qb: str, check: str, line_id: str) -> None:
    f = catalogue_run.result.findings
    rows = f[(f["check"] == check) & (f["qb_id"] == qb)]
    assert list(rows["line_id"]) == [line_id] and (rows["severity"] == "medium").all()


def test_clean_records_stay_clean(catalogue_run) -> None:
    f = catalogue_run.result.findings
    assert _checks_for(f, sf=KEY["subcent"]) == set()  # 0.5 cent apart: not drift
    assert _checks_for(f, sf=KEY["ok"]) == set()
    assert "item_duplicate" in _checks_for(f, qb="11")
    assert _checks_for(f, qb="1") == {
        "product_mislinked"
    }  # the survivor is no duplicate; no drift from a wrong link


def test_open_line_on_inactive_entry(catalogue_run) -> None:
    f = catalogue_run.result.findings
    rows = f[f["check"] == "open_line_inactive"]
    assert (
        list(rows["sf_id"]) == [sfid("006", 1)]
        and "price book entry inactive" in rows.iloc[0]["detail"]
    )


def test_fix_lists(catalogue_run) -> None:
    links = catalogue_run.result.outputs["remediation/salesforce_product_links.csv"]
    update = links.update.set_index("Id")["QBO_Item_Id__c"]
    assert update[KEY["unlinked"]] == "2" and update[KEY["mislinked"]] == "5"
    assert links.rollback.set_index("Id")["QBO_Item_Id__c"][KEY["mislinked"]] == "1"
    prices = catalogue_run.result.outputs["remediation/qbo_item_price_updates.csv"]
    assert list(prices["item_id"]) == ["9"] and prices.iloc[0]["new_unit_price"] == 100.0
    dupes = catalogue_run.result.outputs["matches/qb_item_duplicates.csv"]
    assert set(dupes["id"]) == {"1", "11"} and dupes.set_index("id").loc["1", "keep"]


def test_decisions_accept_and_reject() -> None:
    products = pd.DataFrame(
        {
            "id": [KEY["unlinked"], KEY["longname"]],
            "name": ["Summit B200 Switch", LONG],
            "product_code": ["HW-B200-SUM", None],
            "qb_item_id": [None, None],
        }
    ).astype("string")
    items = pd.DataFrame(
        {
            "id": ["2", "5"],
            "name": ["Summit B200 Switch", "Orion Gateway"],
            "sku": ["HW-B200-SUM", None],
            "unit_price": [250.0, 500.0],
        }
    ).astype({"id": "string", "name": "string", "sku": "string"})
    decisions = pd.DataFrame(
        {
            "kind": ["product", "product"],
            "sf_id": [KEY["unlinked"], KEY["longname"]],
            "qb_id": ["2", "5"],
            "decision": ["reject", "accept"],
        }
    ).astype("string")
    m = match_products(products, items, pd.Series(dtype=float), Thresholds(), decisions).set_index(
        "sf_id"
    )
    assert m.loc[KEY["unlinked"], "qb_id"] is pd.NA or pd.isna(m.loc[KEY["unlinked"], "qb_id"])
    assert (
        m.loc[KEY["longname"], "qb_id"] == "5"
        and m.loc[KEY["longname"], "status"] == "suggest_link"
    )


@given(st.text(max_size=40))
def test_normalisers_are_idempotent(text: str) -> None:
    once = normalise_name(pd.Series([text], dtype="string"))
    assert normalise_name(once).equals(once)
    code = normalise_code(pd.Series([text], dtype="string"))
    assert normalise_code(code.fillna("")).fillna("").equals(code.fillna(""))


# --- Quality bars on the demo (tests/scorer.py; the products area alone, so other areas' state
# cannot mask or break them) ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_products(demo_dir):
    return compute(
        CheckOptions(raw=demo_dir / "raw", out=demo_dir / "out-products", areas=("products",))
    )


@pytest.mark.slow
def test_demo_recall_per_kind(demo_products, truth) -> None:
    from scorer import score_findings

    score = score_findings(demo_products.result.findings, truth, "products")
    assert score.by_kind, "the demo injected no products defects"
    low = {
        kind: score.kind_recall(kind) for kind in score.by_kind if score.kind_recall(kind) < 0.95
    }
    assert not low, f"recall below 0.95: {low}; missed e.g. {score.missed[:3]}"


@pytest.mark.slow
def test_demo_lookalikes_never_above_info(demo_products, truth) -> None:
    from scorer import score_findings

    score = score_findings(demo_products.result.findings, truth, "products")
    assert score.lookalikes_flagged == []
    assert score.clean_flagged == 0


@pytest.mark.slow
def test_demo_product_links(demo_products, truth) -> None:
    from scorer import score_links

    matches = demo_products.result.outputs["matches/products.csv"]
    links = score_links(matches, truth["match_pairs"]["products"], len(matches))
    assert (
        links.precision >= 0.95 and links.action_recall >= 0.95 and links.hard_negatives_linked == 0
    )


@pytest.mark.parametrize(
    ("product", "item", "why"),
    [
        ("Navy bag BG4410", "Green bag BG4410", "another colour"),
        ("Blue headset HS2200", "Pink headset HS2200", "another colour"),
        ("Red 5 count markers MK7731", "Black 2 pack markers MK7731", "another pack or count"),
        ("Black camera CX9000", "Silver camera CX9000", "another colour"),
    ],
)
def test_another_colour_or_pack_is_never_linked(product: str, item: str, why: str) -> None:
    """One model code, another colour or pack size: two variants, two items. The pair is at most
    for review (never a link to set); the same title with the same code still links."""
    products = pd.DataFrame(
        {
            "id": ["01tDn00000AbV01IAB", "01tDn00000AbV02IAB"],
            "name": [product, "Walnut desk organiser WD5120"],
            "product_code": None,
            "qb_item_id": None,
        }
    ).astype("string")
    items = pd.DataFrame(
        {
            "id": ["1", "2"],
            "name": [item, "Walnut desk organiser WD5120"],
            "sku": None,
            "unit_price": 20.0,
        }
    ).astype({"id": "string", "name": "string", "sku": "string"})
    m = match_products(products, items, pd.Series(dtype=float), Thresholds()).set_index("sf_id")
    assert m.loc["01tDn00000AbV01IAB", "status"] in ("review", "no_match")
    assert why in m.loc["01tDn00000AbV01IAB", "reasons"]
    assert m.loc["01tDn00000AbV02IAB", "status"] == "suggest_link"


def _income_raw(folder, items: list[dict]) -> object:
    """Item.json with the given Service items and one product linked to item 1."""
    raw = folder / "raw"
    write_csv(
        raw / "salesforce/Product2.csv",
        [{"Id": sfid("01t", 1), "Name": "Consulting", "IsActive": "true", "QBO_Item_Id__c": "1"}],
    )
    write_json(raw / "quickbooks/Item.json", items)
    return raw


SERVICE = [
    {"Id": "1", "Name": "Consulting", "Type": "Service", "Active": True},
    {"Id": "2", "Name": "Support", "Type": "Service", "Active": True},
]


def test_income_account_check_skipped_when_no_item_carries_the_key(tmp_path) -> None:
    raw = _income_raw(tmp_path, SERVICE)  # an export that leaves IncomeAccountRef out
    run = compute(CheckOptions(raw=raw, out=tmp_path / "out", areas=("products",), as_of=AS_OF))
    f = run.result.findings
    assert not f["title"].str.contains("income account").any()
    skipped = {s["check"]: s["missing"] for s in run.summary.checks_skipped}
    assert "quickbooks/Item.json" in skipped["item_no_income_account"]
    assert "item_type_problem" not in skipped  # categories and stock are still checked


def test_an_item_without_the_key_beside_items_with_it_is_a_finding(tmp_path) -> None:
    items = [{**SERVICE[0], "IncomeAccountRef": {"value": "79"}}, SERVICE[1]]
    run = compute(CheckOptions(raw=_income_raw(tmp_path, items), out=tmp_path / "out", as_of=AS_OF))
    f = run.result.findings
    rows = f[f["check"] == "item_no_income_account"]
    assert list(rows["qb_id"]) == ["2"]
    assert rows["detail"].tolist() == ["IncomeAccountRef empty on a Service item"]
    # The id item_type_problem gave this finding before the split: waivers still match.
    old = hashlib.sha1(b"item_type_problem||Item|2|no_income_account").hexdigest()[:16]
    assert rows["finding_id"].tolist() == [old]


def test_items_sharing_a_family_sku_at_other_prices_are_not_duplicates() -> None:
    # walmart_amazon's catalogue: eight Da-Lite screens of different sizes share the Sku
    # "High Power"; a real copy shares the SKU and the price.
    from sfqb_diag.checks.products.items import item_duplicate_clusters

    items = pd.DataFrame(
        {
            "id": ["1809", "1810", "1811", "1812"],
            "name": ["Da-Lite Model B 72 in", "Da-Lite Model B 84 in", "Widget", "Widget copy"],
            "sku": ["High Power", "High Power", "WID-100", "wid 100"],
            "unit_price": [174.95, 436.95, 12.5, 12.5],
        }
    )
    found = item_duplicate_clusters(items, pd.Series([0, 0, 1, 0]))
    assert found["id"].tolist() == ["1811", "1812"]
    assert found["reasons"].tolist() == ["same SKU WID-100 and price", "same SKU wid 100 and price"]
