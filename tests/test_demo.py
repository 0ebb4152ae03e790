"""The demo generator: determinism, valid Ids, consistent money, a truth file that matches the
raw files, every defect kind present with look-alikes, and the two environment variants."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from sfqb_demo.generator import generate_demo
from sfqb_diag.ids import is_valid_18

SMALL = 300
AREAS = {"auth_env", "customers", "products", "partial_sync", "sync_jobs"}
# Every kind the clean demo injects (docs/demo.md lists them with their meaning).
CLEAN_KINDS = {
    "auth_env": {
        "short_id_case_collision",
        "short_id_on_qbo",
        "cross_environment_write",
        "minorversion_below_75",
        "refresh_token_near_expiry",
        "auth_failure_burst",
        "soap_login_in_use",
    },
    "customers": {
        "unlinked_account_with_match",
        "mislinked_account",
        "link_to_missing_customer",
        "link_to_inactive_with_active_copy",
        "qb_duplicate_customer",
        "sf_duplicate_account",
        "merged_account_orphan_link",
        "name_collision_vendor",
        "name_collision_employee",
        "field_drift",
        "multi_currency_account",
    },
    "products": {
        "unlinked_product_with_match",
        "mislinked_product",
        "link_to_missing_item",
        "link_to_inactive_item",
        "inventory_below_zero",
        "item_missing_income_account",
        "duplicate_item",
        "price_drift",
        "invalid_item_name",
        "currency_mismatch",
        "quantity_drift",
        "unit_price_drift",
        "generic_item_used",
        "discount_dropped",
        "list_price_pushed",
        "tax_inclusive_mismatch",
        "extra_line",
    },
    "partial_sync": {
        "missing_line",
        "won_not_invoiced",
        "link_to_missing_invoice",
        "link_to_voided_invoice",
        "invoice_header_without_lines",
        "header_total_mismatch",
        "lost_writeback",
        "orphan_invoice",
        "stale_sf_changed",
        "stale_qbo_edited",
        "stuck_sync_error",
        "unapplied_payment",
        "payment_customer_mismatch",
        "payment_link_missing_invoice",
        "rollup_stale",
        "rollup_validation_rule",
        "rollup_unapplied_payment",
        "rollup_other_customer",
        "opportunity_paid_but_open",
        "opportunity_open_but_paid",
        "opportunity_balance_drift",
    },
    "sync_jobs": {
        "sync_outage",
        "duplicate_invoice_retry",
        "duplicate_payment_retry",
        "duplicate_doc_number",
        "missing_doc_number",
        "lag_outlier",
        "lost_update_conflict",
        "sync_token_loop",
        "qbo_read_cap_blocked",
    },
}
AGGREGATE = {
    "minorversion_below_75",
    "refresh_token_near_expiry",
    "auth_failure_burst",
    "sync_outage",
    "soap_login_in_use",
    "qbo_read_cap_blocked",
    "env_mismatch",
    "realm_mismatch",
}
SF_ID_COLUMNS = {
    "Id",
    "AccountId",
    "OpportunityId",
    "Product2Id",
    "PricebookEntryId",
    "Pricebook2Id",
    "MasterRecordId",
    "UserId",
}


def _entities(path: Path) -> list[dict[str, Any]]:
    """QBO entities from any of the accepted forms (array, query body, list of bodies, JSONL)."""
    if path.suffix == ".jsonl":
        return [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    data = json.loads(path.read_text(encoding="utf-8"))
    bodies = data if isinstance(data, list) and data and "QueryResponse" in data[0] else [data]
    out: list[dict[str, Any]] = []
    for body in bodies:
        if isinstance(body, dict) and "QueryResponse" in body:
            out.extend(
                v
                for key, val in body["QueryResponse"].items()
                if isinstance(val, list)
                for v in val
            )
        else:
            out.extend(body if isinstance(body, list) else [body])
    return out


class Demo:
    """One generated demo, parsed once."""

    def __init__(self, out: Path, size: int, variant: str = "clean") -> None:
        self.raw = generate_demo(out, size=size, seed=7, variant=variant)
        self.truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
        self.sf = {
            p.stem: list(csv.DictReader(p.open(encoding="utf-8", newline="")))
            for p in (self.raw / "salesforce").glob("*.csv")
        }
        self.qb = {p.stem: _entities(p) for p in (self.raw / "quickbooks").iterdir()}
        self.manifest = json.loads((self.raw / "manifest.json").read_text(encoding="utf-8"))
        self.sf_ids = {r["Id"] for rows in self.sf.values() for r in rows}
        self.qb_ids = {(ent, e["Id"]) for ent, rows in self.qb.items() for e in rows}

    def kinds(self, key: str = "defects") -> set[tuple[str, str]]:
        return {(d["area"], d["kind"]) for d in self.truth[key]}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return Demo(tmp_path_factory.mktemp("small"), SMALL)


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return Demo(tmp_path_factory.mktemp("default"), 2000)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(small: Demo, tmp_path: Path) -> None:
    generate_demo(tmp_path, size=SMALL, seed=7)
    assert _digest(tmp_path) == _digest(small.raw.parent)


def test_another_seed_gives_another_business(small: Demo, tmp_path: Path) -> None:
    generate_demo(tmp_path, size=SMALL, seed=8)
    assert (tmp_path / "raw/salesforce/Account.csv").read_bytes() != (
        small.raw / "salesforce/Account.csv"
    ).read_bytes()


def test_truth_sits_beside_the_raw_folder(small: Demo) -> None:
    assert (small.raw.parent / "truth.json").is_file()
    assert not list(small.raw.rglob("truth*"))
    assert small.truth["as_of"] == small.manifest["pulled_at"] == "2026-11-20T06:00:00Z"


def test_every_salesforce_id_is_a_valid_18_char_id(small: Demo) -> None:
    prefixes = {
        "Account": "001",
        "Contact": "003",
        "Product2": "01t",
        "Pricebook2": "01s",
        "PricebookEntry": "01u",
        "Opportunity": "006",
        "OpportunityLineItem": "00k",
        "LoginHistory": "0Ya",
    }
    for obj, rows in small.sf.items():
        assert rows, obj
        for row in rows:
            assert row["Id"].startswith(prefixes[obj])
            for col in SF_ID_COLUMNS & row.keys():
                assert row[col] == "" or is_valid_18(row[col]), (obj, col, row[col])


def test_timestamps_look_like_each_system_writes_them(small: Demo) -> None:
    acc = small.sf["Account"][0]
    assert acc["CreatedDate"].endswith(".000+0000") and len(acc["CreatedDate"]) == 28
    meta = small.qb["Invoice"][0]["MetaData"]["CreateTime"]
    assert meta[-6:] in {"-08:00", "-07:00"}


def _cents(value: Any) -> int:
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), ROUND_HALF_UP))


def _sales_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        if line["DetailType"] == "SalesItemLineDetail":
            out.append(line)
        elif line["DetailType"] == "GroupLineDetail":
            out.extend(_sales_lines(line["GroupLineDetail"]["Line"]))
    return out


def test_invoice_amounts_follow_the_lines_except_where_truth_says(
    small: Demo, default: Demo
) -> None:
    for demo in (small, default):
        excused = {
            d["qb_id"] for d in demo.truth["defects"] if d["kind"] == "header_total_mismatch"
        }
        for inv in demo.qb["Invoice"]:
            sales = _sales_lines(inv["Line"])
            for line in sales:
                detail = line["SalesItemLineDetail"]
                exact = Decimal(str(detail["Qty"])) * Decimal(str(detail["UnitPrice"]))
                assert _cents(exact) == _cents(line["Amount"]), (inv["Id"], line)
            by_type = Counter(line["DetailType"] for line in inv["Line"])
            assert by_type["SubTotalLineDetail"] == 1 and by_type["DiscountLineDetail"] <= 1
            subtotal = next(
                _cents(x["Amount"]) for x in inv["Line"] if x["DetailType"] == "SubTotalLineDetail"
            )
            assert subtotal == sum(_cents(x["Amount"]) for x in sales)
            discount = sum(
                _cents(x["Amount"]) for x in inv["Line"] if x["DetailType"] == "DiscountLineDetail"
            )
            expected = subtotal - discount + _cents(inv["TxnTaxDetail"]["TotalTax"])
            assert (expected == _cents(inv["TotalAmt"])) != (inv["Id"] in excused), inv["Id"]


def test_opportunity_amount_is_the_sum_of_its_lines(small: Demo) -> None:
    totals: Counter[str] = Counter()
    for line in small.sf["OpportunityLineItem"]:
        totals[line["OpportunityId"]] += _cents(line["TotalPrice"])
        assert _cents(line["Subtotal"]) == _cents(
            Decimal(line["Quantity"]) * Decimal(line["UnitPrice"])
        )
    for opp in small.sf["Opportunity"]:
        assert _cents(opp["Amount"]) == totals[opp["Id"]], opp["Id"]


def _all_refs(truth: dict[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
    sf: set[str] = set()
    qb: set[tuple[str, str]] = set()
    for rec in truth["defects"] + truth["lookalikes"]:
        if rec["sf_id"]:
            sf.add(rec["sf_id"])
        if rec["qb_id"]:
            qb.add((rec["qb_entity"], rec["qb_id"]))
    for what, entity in (("customers", "Customer"), ("products", "Item")):
        for pair in truth["match_pairs"][what]:
            sf.add(pair["sf_id"])
            qb.add((entity, pair["qb_id"]))
    entity_of = {"qb_customers": "Customer", "qb_invoices": "Invoice", "qb_payments": "Payment"}
    for what, clusters in truth["duplicate_clusters"].items():
        for cluster in clusters:
            for member in cluster:
                if what == "sf_accounts":
                    sf.add(member)
                else:
                    qb.add((entity_of[what], member))
    sf.update(truth["clean"]["sf"])
    qb.update((ent, i) for ent, ids in truth["clean"]["qb"].items() for i in ids)
    return sf, qb


@pytest.mark.parametrize("which", ["small", "default"])
def test_every_id_in_truth_exists_in_the_raw_files(
    which: str, request: pytest.FixtureRequest
) -> None:
    demo = request.getfixturevalue(which)
    sf, qb = _all_refs(demo.truth)
    assert sf - demo.sf_ids == set()
    assert qb - demo.qb_ids == set()


def test_truth_records_are_well_formed(small: Demo) -> None:
    for d in small.truth["defects"]:
        assert d["area"] in AREAS and d["min_severity"] in {
            "critical",
            "high",
            "medium",
            "low",
            "info",
        }
        assert (d["qb_id"] is None) == (d["qb_entity"] is None)
        assert (d["amount"] is None) == (d["currency"] is None)
        if d["kind"] in AGGREGATE:
            assert d["sf_id"] is None and d["qb_id"] is None
        else:
            assert d["sf_id"] or d["qb_id"], d
    assert set(small.truth["counts"]["sync_log_error_classes"]) == {
        "throttling",
        "auth",
        "validation",
        "duplicate_name",
        "stale_object",
        "not_found",
    }


def test_every_defect_kind_is_present_at_the_default_size(default: Demo) -> None:
    expected = {(area, kind) for area, kinds in CLEAN_KINDS.items() for kind in kinds}
    assert default.kinds() == expected
    per_kind = Counter((d["area"], d["kind"]) for d in default.truth["defects"])
    for key, n in per_kind.items():
        if key[1] not in AGGREGATE:
            assert 1 <= n <= 80, (key, n)


def test_every_defect_kind_is_present_at_a_small_size(small: Demo) -> None:
    assert small.kinds() == {(area, kind) for area, kinds in CLEAN_KINDS.items() for kind in kinds}


def test_each_area_has_lookalikes(small: Demo, default: Demo) -> None:
    for demo in (small, default):
        assert {area for area, _ in demo.kinds("lookalikes")} == AREAS


def _keys(recs: list[dict[str, Any]]) -> set[Any]:
    keys: set[Any] = set()
    for r in recs:
        if r["sf_id"]:
            keys.add(r["sf_id"])
        if r["qb_id"]:
            keys.add((r["qb_entity"], r["qb_id"]))
    return keys


def test_clean_lookalike_and_defect_records_are_disjoint(default: Demo) -> None:
    t = default.truth
    clean = set(t["clean"]["sf"]) | {(ent, i) for ent, ids in t["clean"]["qb"].items() for i in ids}
    defects, looks = _keys(t["defects"]), _keys(t["lookalikes"])
    assert clean & defects == set()
    assert clean & looks == set()
    assert looks & defects == set()
    assert len(t["clean"]["sf"]) > 0.7 * len(default.sf_ids)


def test_a_record_carries_one_defect_per_area(default: Demo) -> None:
    """Within an area a QBO record has at most one defect, and a Salesforce record named alone
    (no QBO record) appears in no other defect of that area. (Retry duplicates share their
    opportunity: each orphaned copy is its own record.)"""
    for area in AREAS:
        recs = [d for d in default.truth["defects"] if d["area"] == area]
        qb = Counter((d["qb_entity"], d["qb_id"]) for d in recs if d["qb_id"])
        assert not qb or max(qb.values()) == 1, (area, qb.most_common(2))
        alone = Counter(d["sf_id"] for d in recs if d["sf_id"] and not d["qb_id"])
        assert not alone or max(alone.values()) == 1, (area, alone.most_common(2))
        paired = {d["sf_id"] for d in recs if d["sf_id"] and d["qb_id"]}
        assert set(alone) & paired == set(), area


def test_match_pairs_cover_every_account_with_a_counterpart(default: Demo) -> None:
    pairs = default.truth["match_pairs"]["customers"]
    states = Counter((p["truth"], p["current"]) for p in pairs)
    assert states[("match", "linked_ok")] > 1000
    assert states[("match", "unlinked")] >= 10 and states[("match", "mislinked")] >= 5
    assert states[("hard_negative", "unlinked")] >= 8
    live = {a["Id"] for a in default.sf["Account"] if a["IsDeleted"] == "false"}
    assert {p["sf_id"] for p in pairs} <= live
    assert {p["truth"] for p in default.truth["match_pairs"]["products"]} == {
        "match",
        "hard_negative",
    }


def test_duplicate_clusters_have_two_or_more_members(default: Demo) -> None:
    for what, clusters in default.truth["duplicate_clusters"].items():
        assert clusters, what
        assert all(len(c) >= 2 and len(set(c)) == len(c) for c in clusters)


def test_sync_log_error_counts_match_the_file(default: Demo) -> None:
    classes = {
        "3001": "throttling",
        "429": "throttling",
        "3200": "auth",
        "401": "auth",
        "6240": "duplicate_name",
        "5010": "stale_object",
        "610": "not_found",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION": "validation",  # a Salesforce validation rule
    }
    counts: Counter[str] = Counter()
    with (default.raw / "sync_log.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "timestamp",
        "direction",
        "sf_object",
        "sf_id",
        "qb_entity",
        "qb_id",
        "operation",
        "status",
        "error_code",
        "message",
        "attempt",
    ]
    for row in rows:
        code = row["error_code"]
        if row["status"] == "error" and code:
            if code in classes:
                counts[classes[code]] += 1
            elif code.isdigit() and 6000 <= int(code) < 7000:
                counts["validation"] += 1
    expected = default.truth["counts"]["sync_log_error_classes"]
    assert {k: v for k, v in expected.items() if v} == dict(counts)
    assert all(v > 0 for v in expected.values())


def test_every_qbo_input_form_is_used(small: Demo) -> None:
    qb = small.raw / "quickbooks"
    assert (qb / "Invoice.jsonl").exists() and (qb / "Payment.jsonl").exists()
    assert isinstance(json.loads((qb / "Vendor.json").read_text()), list)
    assert "QueryResponse" in json.loads((qb / "Customer.json").read_text())
    pages = json.loads((qb / "Item.json").read_text())
    assert isinstance(pages, list) and all("QueryResponse" in p for p in pages)
    assert any(
        not c["Active"] and c["DisplayName"].endswith(" (deleted)") for c in small.qb["Customer"]
    )


def test_manifest_of_the_default_demo(small: Demo) -> None:
    m = small.manifest
    assert m["salesforce"]["is_sandbox"] is False and m["quickbooks"]["environment"] == "production"
    assert m["quickbooks"]["minorversion"] < 75
    assert m["counts"]["Account"] == len(small.sf["Account"])
    assert m["counts"]["Invoice"] == len(small.qb["Invoice"])


def test_env_mismatch_variant(small: Demo, tmp_path: Path) -> None:
    demo = Demo(tmp_path, SMALL, "env_mismatch")
    sf = demo.manifest["salesforce"]
    assert (
        sf["is_sandbox"] is True
        and "--" in sf["instance_url"]
        and ".sandbox.my.salesforce.com" in sf["instance_url"]
    )
    assert (
        sf["username"].endswith(".uat")
        and demo.manifest["quickbooks"]["environment"] == "production"
    )
    agg = [d for d in demo.truth["defects"] if d["kind"] == "env_mismatch"]
    assert len(agg) == 1 and agg[0]["min_severity"] == "critical" and agg[0]["sf_id"] is None
    assert ("auth_env", "cross_environment_write") in demo.kinds()
    assert ("auth_env", "env_mismatch") not in small.kinds()
    assert len(demo.sf["Account"]) < len(small.sf["Account"])
    sf_refs, qb_refs = _all_refs(demo.truth)
    assert sf_refs <= demo.sf_ids and qb_refs <= demo.qb_ids


def test_realm_mismatch_variant(tmp_path: Path) -> None:
    demo = Demo(tmp_path, SMALL, "realm_mismatch")
    assert [d["min_severity"] for d in demo.truth["defects"] if d["kind"] == "realm_mismatch"] == [
        "critical"
    ]
    customers = {c["Id"] for c in demo.qb["Customer"]}
    links = [a["QBO_Customer_Id__c"] for a in demo.sf["Account"] if a["QBO_Customer_Id__c"]]
    pairs = demo.truth["match_pairs"]["customers"]
    assert sum(p["current"] == "mislinked" for p in pairs) > 0.9 * len(pairs)
    assert 0.2 < sum(link not in customers for link in links) / len(links) < 0.6
    assert not any(
        i["PrivateNote"].startswith("SF Opportunity")
        for i in demo.qb["Invoice"]
        if i.get("PrivateNote")
    )
    sf_refs, qb_refs = _all_refs(demo.truth)
    assert sf_refs <= demo.sf_ids and qb_refs <= demo.qb_ids


def test_the_loader_reads_the_demo_without_complaint(small: Demo) -> None:
    """Integration: the project's loader accepts every file the demo writes."""
    files = pytest.importorskip("sfqb_diag.sources.files")
    data = files.load_raw(small.raw)
    assert data.warnings == []
    assert len(data.tables["opportunity_lines"]) == len(small.sf["OpportunityLineItem"])
    assert len(data.tables["invoices"]) == len(small.qb["Invoice"])
