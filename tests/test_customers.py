"""Area `customers`: checks, matches and fix lists on a hand-made client, then the quality bars on
the default demo (tests/scorer.py).

The hand-made client (`client()`), record by record:
  A0 Acme Plumbing Inc.      Denver  linked to 1 = "Acme Plumbing, Inc." (right)          -> linked_ok
  A1 Blue Ridge Logistics    Seattle linked to 7 (another company, holds its invoice)     -> relink to 3
  A2 Zenith Dental Group     Boston  no link; 5 "ZENITH DENTAL GROUP" matches             -> suggest_link
  A3 Acme Plumbing           Austin  no link; only Denver customers by that name          -> no_match (hard negative)
  A4 Nova Textiles           Omaha   linked to 99 (not in the realm)                      -> link_to_missing
  A5 Cedar Bakery            Denver  linked to 8 (inactive " (deleted)") + active copy 9  -> relink to 9
  A6 Harbor Supply           Miami   no link, no customer; a Vendor "Harbor Supply"       -> 6240 collision
  A7 Pine Outfitters         Tampa   linked to 10; QBO phone wiped                        -> drift
  A8 Maple Motors            Dallas  linked to 11 (USD), also deals in EUR                -> multi-currency
  A9 Granite Roofing         Denver  no link; 12 "Granit Roofing", same postal code only  -> review
  Customer 2 "Acme Plumbing (2)" Denver: a copy of 1 made to dodge 6240                   -> QBO duplicate
"""

from __future__ import annotations

import pandas as pd
import pytest
from scorer import score_clusters, score_findings, score_links

from sfqb_diag.config import ClientConfig, Links
from sfqb_diag.dataset import Dataset
from sfqb_diag.engine import RunResult
from sfqb_diag.ids import to_18
from sfqb_diag.pipeline import run_all
from sfqb_diag.sources.reviewer_files import DECISION_COLUMNS

AS_OF = pd.Timestamp("2026-11-20T06:00:00Z")


def sid(i: int) -> str:
    return str(to_18(f"001Dn00000Ab{i:03d}"))


def client() -> Dataset:
    accounts = pd.DataFrame(
        [
            (
                0,
                "Acme Plumbing Inc.",
                "(303) 555-0101",
                "www.acmeplumbing.com",
                "1 Main St",
                "Denver",
                "80202",
                "1",
            ),
            (
                1,
                "Blue Ridge Logistics LLC",
                "206.555.0110",
                "blueridge.com",
                "5 Lake Rd",
                "Seattle",
                "98101",
                "7",
            ),
            (
                2,
                "Zenith Dental Group",
                "+1 617 555 0123",
                None,
                "77 Park Ave",
                "Boston",
                "02110",
                None,
            ),
            (3, "Acme Plumbing", "(512) 555-0199", None, "9 Elm St", "Austin", "78701", None),
            (4, "Nova Textiles", "402-555-0100", None, "3 Oak St", "Omaha", "68102", "99"),
            (
                5,
                "Cedar Bakery",
                "303-555-0142",
                "cedarbakery.com",
                "8 Pine St",
                "Denver",
                "80203",
                "8",
            ),
            (6, "Harbor Supply", "305-555-0177", None, "4 Bay Rd", "Miami", "33101", None),
            (7, "Pine Outfitters", "813-555-0166", None, "6 Gulf Dr", "Tampa", "33602", "10"),
            (8, "Maple Motors", "214-555-0150", None, "2 Elm St", "Dallas", "75201", "11"),
            (9, "Granite Roofing", None, None, None, "Denver", "80210", None),
        ],
        columns=[
            "n",
            "name",
            "phone",
            "website",
            "billing_street",
            "billing_city",
            "billing_postal_code",
            "qb_customer_id",
        ],
    )
    accounts["id"] = accounts["n"].map(sid)
    accounts = accounts.drop(columns="n").assign(
        billing_country="US",
        billing_state=None,
        currency="USD",
        is_deleted=False,
        master_record_id=None,
        created_date=pd.Timestamp("2025-01-01", tz="UTC"),
    )
    customers = pd.DataFrame(
        [
            (
                "1",
                "Acme Plumbing, Inc.",
                True,
                "bob@acmeplumbing.com",
                "303-555-0101",
                "1 Main St",
                "Denver",
                "80202",
            ),
            ("2", "Acme Plumbing (2)", True, None, "303-555-0101", "1 Main St", "Denver", "80202"),
            (
                "3",
                "Blue Ridge Logistics",
                True,
                "ann@blueridge.com",
                "(206) 555-0110",
                "5 Lake Rd",
                "Seattle",
                "98101",
            ),
            (
                "5",
                "ZENITH DENTAL GROUP",
                True,
                None,
                "617-555-0123",
                "77 Park Ave",
                "Boston",
                "02110",
            ),
            (
                "7",
                "Orchid Florists",
                True,
                "x@orchid.com",
                "702-555-0000",
                "1 Strip Blvd",
                "Las Vegas",
                "89101",
            ),
            (
                "8",
                "Cedar Bakery (deleted)",
                False,
                "jo@cedarbakery.com",
                "303-555-0142",
                "8 Pine St",
                "Denver",
                "80203",
            ),
            (
                "9",
                "Cedar Bakery",
                True,
                "jo@cedarbakery.com",
                "303-555-0142",
                "8 Pine St",
                "Denver",
                "80203",
            ),
            ("10", "Pine Outfitters", True, None, None, "6 Gulf Dr", "Tampa", "33602"),
            ("11", "Maple Motors", True, None, "214-555-0150", "2 Elm St", "Dallas", "75201"),
            ("12", "Granit Roofing", True, None, None, None, None, "80210"),
        ],
        columns=[
            "id",
            "display_name",
            "active",
            "email",
            "phone",
            "bill_line1",
            "bill_city",
            "bill_postal_code",
        ],
    )
    customers = customers.assign(
        company_name=None,
        currency="USD",
        bill_state=None,
        bill_country="US",
        job=False,
        parent_id=None,
        balance_cents=pd.array([0] * len(customers), dtype="Int64"),
        create_time=pd.Timestamp("2025-02-01", tz="UTC"),
    )
    opportunities = pd.DataFrame(
        {
            "id": [str(to_18(f"006Dn00000Ab{i:03d}")) for i in range(4)],
            "account_id": [sid(1), sid(8), sid(8), sid(0)],
            "currency": ["USD", "USD", "EUR", "USD"],
            "is_deleted": False,
            "qb_invoice_id": ["500", None, None, None],
            "amount_cents": pd.array([120000, 5000, 7000, 1000], dtype="Int64"),
        }
    )
    invoices = pd.DataFrame(
        {
            "id": ["500"],
            "customer_id": ["7"],
            "total_cents": pd.array([120000], dtype="Int64"),
            "balance_cents": pd.array([120000], dtype="Int64"),
        }
    )
    vendors = pd.DataFrame({"id": ["40"], "display_name": ["HARBOR SUPPLY"]})
    return Dataset(
        tables={
            "accounts": accounts,
            "customers": customers,
            "opportunities": opportunities,
            "invoices": invoices,
            "vendors": vendors,
            "employees": vendors.iloc[0:0],
        }
    )


def run(decisions: pd.DataFrame | None = None, config: ClientConfig | None = None) -> RunResult:
    return run_all(
        client(), config or ClientConfig(), AS_OF, areas=("customers",), decisions=decisions
    )


@pytest.fixture(scope="module")
def result() -> RunResult:
    return run()


def status_of(result: RunResult) -> dict[str, tuple[str, str | None]]:
    m = result.outputs["matches/customers.csv"]
    primary = m.drop_duplicates("sf_id")
    return {
        s: (st, None if pd.isna(q) else str(q))
        for s, st, q in zip(primary["sf_id"], primary["status"], primary["qb_id"], strict=True)
    }


def test_matches_contract_and_statuses(result: RunResult) -> None:
    m = result.outputs["matches/customers.csv"]
    # The contract's columns first, then the names a person reads beside the Ids.
    assert list(m.columns) == [
        "sf_id",
        "current_qb_id",
        "qb_id",
        "score",
        "status",
        "reasons",
        "sf_name",
        "qb_name",
        "current_qb_name",
    ]
    named = m.set_index("sf_id")
    # A relink names the customer linked today and the one we believe in.
    assert named.loc[sid(1), ["sf_name", "qb_name", "current_qb_name"]].tolist() == [
        "Blue Ridge Logistics LLC",
        "Blue Ridge Logistics",
        "Orchid Florists",
    ]
    assert pd.isna(named.loc[sid(2), "current_qb_name"])  # unlinked: nothing linked today
    assert set(m["sf_id"]) == {sid(i) for i in range(10)}  # a row per account
    assert m["score"].between(0, 0.999).all()  # likely, never certain: no 1.000 beside reasons
    got = status_of(result)
    assert got[sid(0)] == ("linked_ok", "1")
    assert got[sid(1)] == ("relink", "3")
    assert got[sid(2)] == ("suggest_link", "5")
    assert got[sid(3)] == ("no_match", None)  # same name, other city
    assert got[sid(5)] == ("relink", "9")  # the active copy
    assert got[sid(9)] == ("review", "12")  # a typo and a postal code
    assert (m.loc[m["status"] == "no_match", "qb_id"].isna()).all()
    assert "same phone" in m.set_index("sf_id").loc[sid(1), "reasons"]


def findings_of(result: RunResult, check: str) -> pd.DataFrame:
    f = result.findings
    return f[f["check"] == check]


def test_findings_name_both_records_and_money(result: RunResult) -> None:
    wrong = findings_of(result, "mislinked_account")
    assert wrong["sf_id"].tolist() == [sid(1)] and wrong["qb_id"].tolist() == ["7"]
    assert wrong["severity"].tolist() == ["critical"]  # its invoice sits on customer 7
    assert wrong["amount_at_risk_cents"].tolist() == [120000]
    assert findings_of(result, "link_to_missing_customer")["sf_id"].tolist() == [sid(4)]
    inactive = findings_of(result, "link_to_inactive_customer")
    assert inactive["qb_id"].tolist() == ["8"] and "active copy" in inactive["detail"].iloc[0]
    unlinked = (
        findings_of(result, "unlinked_account_with_match").set_index("sf_id")["severity"].to_dict()
    )
    assert unlinked == {sid(2): "medium", sid(9): "low"}
    collision = findings_of(result, "name_collision_vendor_employee")
    assert collision[["sf_id", "qb_entity", "qb_id"]].values.tolist() == [[sid(6), "Vendor", "40"]]
    drift = findings_of(result, "linked_field_drift")
    assert (
        sid(7) in set(drift["sf_id"]) and "phone" in drift.set_index("sf_id").loc[sid(7), "detail"]
    )
    multi = findings_of(result, "account_multi_currency")
    assert multi["sf_id"].tolist() == [sid(8)] and multi["severity"].tolist() == ["medium"]
    assert findings_of(result, "mislinked_account").pipe(lambda f: sid(3) not in set(f["sf_id"]))
    assert (result.findings["qb_entity"].notna() | result.findings["qb_id"].isna()).all()


def test_qbo_duplicates_and_merge_list(result: RunResult) -> None:
    dup = result.outputs["matches/qb_customer_duplicates.csv"]
    assert list(dup.columns) == ["cluster_id", "id", "keep", "reasons", "name"]
    clusters = {tuple(sorted(g["id"])) for _, g in dup.groupby("cluster_id")}
    assert ("1", "2") in clusters and ("8", "9") in clusters
    assert dup.set_index("id").loc["1", "keep"] and not dup.set_index("id").loc["2", "keep"]
    assert dup.set_index("id").loc["9", "keep"]  # active copy survives the inactive
    merges = result.outputs["remediation/qbo_customer_merges.csv"]
    assert {("2", "1"), ("8", "9")} <= set(zip(merges["merge_id"], merges["into_id"], strict=True))
    assert findings_of(result, "qb_customer_duplicate")["qb_id"].tolist().count("2") == 1


def _sync_log(rows: list[tuple[str, str, str, str, str | None, int]]) -> pd.DataFrame:
    """Sync-log rows (minute offset, sf index, qb_id, status, error code, attempt) for Customers."""
    frame = pd.DataFrame(rows, columns=["at", "sf", "qb_id", "status", "error_code", "attempt"])
    return pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2026-10-05T09:00:00Z")
            + pd.to_timedelta(frame["at"].astype(int), unit="min"),
            "direction": "sf_to_qbo",
            "sf_object": "Account",
            "sf_id": frame["sf"].map(lambda i: sid(int(i))),
            "qb_entity": "Customer",
            "qb_id": frame["qb_id"].replace("", None),
            "operation": "create",
            "status": frame["status"],
            "error_code": frame["error_code"],
            "message": None,
            "attempt": frame["attempt"].astype("float64"),
        }
    )


def test_a_copy_made_by_a_retry_names_the_account_whose_sync_made_it() -> None:
    """Timeout (the create had committed), then 6240, then "Acme Plumbing (2)": the duplicate
    finding points at account A0 and tells the consultant to fix the connector's retry too."""
    data = client()
    data.tables["sync_log"] = _sync_log(
        [
            ("0", "0", "", "error", "504", 1),
            ("2", "0", "", "error", "6240", 2),
            ("3", "0", "2", "success", None, 3),
        ]
    )
    found = findings_of(
        run_all(data, ClientConfig(), AS_OF, areas=("customers",)), "qb_customer_duplicate"
    )
    copy = found[found["qb_id"] == "2"].iloc[0]
    assert copy["sf_id"] == sid(0) and copy["sf_object"] == "Account"
    assert "the sync created it for account Acme Plumbing Inc." in copy["detail"]
    assert (
        "after a timeout or server error and 6240 Duplicate Name Exists (attempt 3)"
        in copy["detail"]
    )
    assert "fix the connector" in copy["suggested_action"]
    # The other cluster's copy has no create in the log: nothing is claimed about it.
    other = found[found["qb_id"] == "8"].iloc[0]
    assert pd.isna(other["sf_id"]) and "connector" not in other["suggested_action"]


def test_a_copy_from_a_first_create_is_not_blamed_on_a_retry() -> None:
    """A customer the sync created once, without failures, names its account but no retry."""
    data = client()
    data.tables["sync_log"] = _sync_log([("0", "0", "2", "success", None, 1)])
    found = findings_of(
        run_all(data, ClientConfig(), AS_OF, areas=("customers",)), "qb_customer_duplicate"
    )
    copy = found[found["qb_id"] == "2"].iloc[0]
    assert copy["sf_id"] == sid(0)
    assert (
        "the sync created it for account" in copy["detail"]
        and "after" not in copy["detail"].split("the sync created it")[1]
    )
    assert "connector" not in copy["suggested_action"]


def test_link_file_holds_confident_links_with_rollback(result: RunResult) -> None:
    links = result.outputs["remediation/salesforce_account_links.csv"]
    assert list(links.update.columns) == ["Id", "QBO_Customer_Id__c"]
    update = dict(zip(links.update["Id"], links.update["QBO_Customer_Id__c"], strict=True))
    assert update == {sid(1): "3", sid(2): "5", sid(5): "9"}
    rollback = dict(zip(links.rollback["Id"], links.rollback["QBO_Customer_Id__c"], strict=True))
    assert rollback == {sid(1): "7", sid(2): "", sid(5): "8"}


def test_link_field_follows_config() -> None:
    config = ClientConfig(links=Links(account_customer_id="Account.QB_Customer_Ref__c"))
    assert list(
        run(config=config).outputs["remediation/salesforce_account_links.csv"].update.columns
    ) == ["Id", "QB_Customer_Ref__c"]


def decisions(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "kind": "customer",
                "sf_id": s,
                "qb_id": q,
                "decision": d,
                "note": "",
                "decided_by": "reviewer",
                "decided_at": "2026-11-21",
            }
            for s, q, d in rows
        ]
    )
    return frame[DECISION_COLUMNS].astype("string")


def test_decisions_are_honoured() -> None:
    """Accept a pair the engine would never propose; reject one it proposes confidently."""
    out = run(decisions([(sid(3), "2", "accept"), (sid(2), "5", "reject")]))
    got = status_of(out)
    assert got[sid(3)] == ("suggest_link", "2")
    assert got[sid(2)][1] != "5"
    update = dict(
        zip(
            out.outputs["remediation/salesforce_account_links.csv"].update["Id"],
            out.outputs["remediation/salesforce_account_links.csv"].update["QBO_Customer_Id__c"],
            strict=True,
        )
    )
    assert update.get(sid(3)) == "2" and sid(2) not in update
    assert (
        "accepted by reviewer"
        in out.outputs["matches/customers.csv"].set_index("sf_id").loc[sid(3), "reasons"]
    )


def test_review_pager_records_decisions(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Headless: a note, not a widget; record_decision appends rows `check` can read back."""
    from sfqb_diag.notebook.review_pager import (
        decisions_path,
        interactive_frontend,
        record_decision,
        review_pager,
    )
    from sfqb_diag.sources.reviewer_files import read_decisions

    monkeypatch.setenv("SFQB_INTERACTIVE", "0")
    assert not interactive_frontend()
    raw = tmp_path / "client" / "raw"
    pairs = pd.DataFrame(
        [
            {
                "Account": "Granite Roofing",
                "Account Id": sid(9),
                "Proposed customer": "Granit Roofing",
                "Customer Id": "12",
                "Linked today to": None,
                "Score": 0.9,
                "Why": "name 97",
            }
        ]
    )
    assert "JupyterLab" in review_pager(pairs, raw).data
    path = decisions_path(raw)
    record_decision(path, sid(9), "12", "reject", decided_by="ann", decided_at=AS_OF)
    record_decision(
        path, sid(9), "12", "accept", note="same owner", decided_by="ann", decided_at=AS_OF
    )
    read = read_decisions(path)
    assert read[["sf_id", "qb_id", "decision"]].values.tolist() == [
        [sid(9), "12", "accept"]
    ]  # last one wins
    assert status_of(run(read))[sid(9)] == ("suggest_link", "12")


def test_missing_inputs_skip_the_area() -> None:
    """Without Customer.json the linking checks are skipped (and say so); the Salesforce-only
    duplicate search still runs, as a consultant handed only Account.csv expects."""
    data = client()
    del data.tables["customers"]
    out = run_all(data, ClientConfig(), AS_OF, areas=("customers",))
    assert "matches/customers.csv" not in out.outputs
    assert set(out.outputs) == {"matches/sf_account_duplicates.csv"}
    assert any("Customer" in s["missing"] for s in out.skipped)
    assert not (out.findings["check"] != "sf_account_duplicate").any()


# ---- quality bars on the default demo (the same scorer as every area; this area alone, so
# another area's state cannot mask or break them) ----


@pytest.fixture(scope="module")
def demo_customers(demo_dir):  # type: ignore[no-untyped-def]
    from sfqb_diag.pipeline import CheckOptions, compute

    return compute(
        CheckOptions(raw=demo_dir / "raw", out=demo_dir / "out-customers", areas=("customers",))
    )


@pytest.mark.slow
def test_demo_link_quality(demo_customers, truth) -> None:  # type: ignore[no-untyped-def]
    matches = demo_customers.result.outputs["matches/customers.csv"]
    accounts = matches["sf_id"].nunique()
    score = score_links(matches, truth["match_pairs"]["customers"], accounts)
    assert score.precision >= 0.98, score
    assert score.action_recall >= 0.95, score
    assert score.review_share < 0.05, score
    assert score.hard_negatives_linked == 0, score


@pytest.mark.slow
def test_demo_duplicate_clusters(demo_customers, truth) -> None:  # type: ignore[no-untyped-def]
    outputs = demo_customers.result.outputs
    assert (
        score_clusters(
            outputs["matches/qb_customer_duplicates.csv"],
            truth["duplicate_clusters"]["qb_customers"],
        ).f1
        >= 0.95
    )
    assert (
        score_clusters(
            outputs["matches/sf_account_duplicates.csv"], truth["duplicate_clusters"]["sf_accounts"]
        ).f1
        >= 0.95
    )


@pytest.mark.slow
def test_demo_findings(demo_customers, truth) -> None:  # type: ignore[no-untyped-def]
    findings = demo_customers.result.findings
    score = score_findings(findings[findings["area"] == "customers"], truth, "customers")
    assert score.by_kind, "the demo injected no customers defects"
    low = {
        kind: score.kind_recall(kind) for kind in score.by_kind if score.kind_recall(kind) < 0.95
    }
    assert not low, f"recall below 0.95: {low}; missed e.g. {score.missed[:3]}"
    assert score.clean_flagged == 0
    assert not score.lookalikes_flagged, score.lookalikes_flagged[:5]


@pytest.mark.slow
def test_demo_scores_are_calibrated(demo_customers, truth) -> None:  # type: ignore[no-untyped-def]
    """A score reads as a probability: proposals at >= match_auto are right at least that often,
    and every true pair that needs action scores above match_review."""
    matches = demo_customers.result.outputs["matches/customers.csv"]
    pairs = {
        (p["sf_id"], str(p["qb_id"]))
        for p in truth["match_pairs"]["customers"]
        if p["truth"] == "match"
    }
    confident = matches[(matches["score"] >= 0.92) & matches["qb_id"].notna()]
    right = [
        (s, str(q)) in pairs for s, q in zip(confident["sf_id"], confident["qb_id"], strict=True)
    ]
    assert sum(right) / max(len(right), 1) >= 0.92


def test_pair_evidence_waterfall_ends_at_each_pairs_score(result: RunResult) -> None:
    """Notebook 02's waterfall: per proposed pair, the prior, one step per compared field and
    the rules, ending exactly at the score matches/customers.csv gives; the chart draws it."""
    from sfqb_diag import notebook as nb
    from sfqb_diag.matching.comparisons import PARTY_FIELDS

    evidence = result.views["customers.pair_evidence"]
    matches = result.outputs["matches/customers.csv"]
    proposed = matches[matches["status"].isin(["review", "relink", "suggest_link"])]
    pairs = evidence.drop_duplicates(["Account Id", "Customer Id"])
    assert set(zip(pairs["Account Id"], pairs["Customer Id"], strict=True)) == set(
        zip(proposed["sf_id"], proposed["qb_id"], strict=True)
    )
    steps = evidence.groupby(["Account Id", "Customer Id"]).size()
    assert (steps == len(PARTY_FIELDS) + 2).all()
    last = evidence.sort_values("Step").groupby(["Account Id", "Customer Id"]).tail(1)
    score = proposed.set_index(["sf_id", "qb_id"])["score"]
    got = last.set_index(["Account Id", "Customer Id"])["Probability after"]
    assert (got.reindex(score.index) - score).abs().max() < 0.001
    # The review pair (Granite Roofing) comes first, and its chart names both records.
    assert evidence.iloc[0]["Status"] == "Needs a person"
    figure = nb.evidence_waterfall(evidence)
    assert figure.data[0].type == "waterfall"
    assert "Granite Roofing" in figure.layout.title.text
    assert nb.evidence_waterfall(evidence, "no such account").data == ()
    by_name = nb.pick_pair(evidence, "zenith dental group")
    assert set(by_name["Customer"]) == {"ZENITH DENTAL GROUP"}


def test_an_account_is_pointed_at_the_customer_its_duplicates_keep() -> None:
    """ "Delta Supply (2)" agrees with the account's address a little better than "Delta Supply",
    but the same run says to merge the copy into the original: the account is told to link to
    the original (the survivor), never to the copy it is told to merge away."""
    data = client()
    account = (
        data.tables["accounts"]
        .iloc[[0]]
        .assign(
            id=sid(20),
            name="Delta Supply Co",
            phone="720-555-0190",
            website="deltasupply.com",
            billing_street="40 Market Street",
            billing_city="Boulder",
            billing_postal_code="80301",
            qb_customer_id=None,
        )
    )
    data.tables["accounts"] = pd.concat([data.tables["accounts"], account], ignore_index=True)
    pair = (
        data.tables["customers"]
        .iloc[[0, 0]]
        .assign(
            id=["20", "21"],
            display_name=["Delta Supply Co", "Delta Supply Co (2)"],
            email="ops@deltasupply.com",
            phone="720-555-0190",
            bill_line1=["40 Market St", "40 Market Street"],
            bill_city="Boulder",
            bill_postal_code="80301",
            create_time=[
                pd.Timestamp("2025-01-01", tz="UTC"),
                pd.Timestamp("2025-06-01", tz="UTC"),
            ],
        )
    )
    data.tables["customers"] = pd.concat([data.tables["customers"], pair], ignore_index=True)
    out = run_all(data, ClientConfig(), AS_OF, areas=("customers",))
    dup = out.outputs["matches/qb_customer_duplicates.csv"].set_index("id")
    assert dup.loc["20", "keep"] and not dup.loc["21", "keep"]
    row = out.outputs["matches/customers.csv"].set_index("sf_id").loc[sid(20)]
    assert row["qb_id"] == "20", row["reasons"]
    assert row["status"] == "suggest_link"


def _raw_folder(tmp_path, accounts: str, customers: list[dict] | None = None):  # type: ignore[no-untyped-def]
    """A hand-made raw folder: salesforce/Account.csv (text as given) and quickbooks/Customer.json."""
    import json

    raw = tmp_path / "raw"
    (raw / "salesforce").mkdir(parents=True)
    (raw / "salesforce" / "Account.csv").write_text(accounts, encoding="utf-8")
    if customers is not None:
        (raw / "quickbooks").mkdir()
        (raw / "quickbooks" / "Customer.json").write_text(json.dumps(customers), encoding="utf-8")
    return raw


def _check(raw):  # type: ignore[no-untyped-def]
    from sfqb_diag.pipeline import CheckOptions, compute

    options = CheckOptions(
        raw=raw, out=raw.parent / "out", as_of="2026-11-20", areas=("customers",)
    )
    return compute(options).result


PLANT = """Id,Name,ParentId,Phone,Website,BillingStreet,BillingCity,BillingPostalCode,CreatedDate
001Dn00000AbP01,Acme Inc.,,303-555-0101,acme.com,1 Main St,Denver,80202,2024-01-01T00:00:00Z
001Dn00000AbC02,Acme Inc. - Plant 2,001Dn00000AbP01,303-555-0101,acme.com,1 Main St,Denver,80202,2024-03-01T00:00:00Z
001Dn00000AbD03,"ACME, Inc",,303-555-0101,acme.com,1 Main St,Denver,80202,2024-06-01T00:00:00Z
001Dn00000AbO04,Other Co,,212-555-0000,other.com,5 Park Ave,New York,10001,2024-01-01T00:00:00Z
"""


def test_a_child_is_not_pulled_into_its_parents_duplicate_cluster(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Plant 2 (ParentId = Acme Inc.) bills from its parent's address and phone; "ACME, Inc" is
    a second record of the parent. The pair is found, the plant stays out, the original (older)
    parent is kept, not the copy."""
    dup = _check(_raw_folder(tmp_path, PLANT)).outputs["matches/sf_account_duplicates.csv"]
    keep = dup.set_index("id")["keep"]
    assert set(keep.index) == {str(to_18("001Dn00000AbP01")), str(to_18("001Dn00000AbD03"))}
    assert keep[str(to_18("001Dn00000AbP01"))] and not keep[str(to_18("001Dn00000AbD03"))]


def test_hierarchy_roots_follow_the_whole_parent_chain() -> None:
    from sfqb_diag.matching.customer_duplicates import hierarchy_roots

    parties = pd.DataFrame(
        {
            "id": ["A", "B", "C", "D", "E", "F"],
            # C is A's grandchild; E and F are children of an account not in the export.
            "parent_id": [None, "A", "B", None, "X", "X"],
        }
    )
    root = hierarchy_roots(parties)
    assert root[0] == root[1] == root[2]
    assert root[4] == root[5]
    assert len({root[0], root[3], root[4]}) == 3


def _customer(id_: str, name: str, street: str, city: str, postal: str, phone: str) -> dict:
    email = "ap@" + name.split()[0].lower() + ".com"
    return {
        "Id": id_,
        "DisplayName": name,
        "Active": True,
        "PrimaryPhone": {"FreeFormNumber": phone},
        "PrimaryEmailAddr": {"Address": email},
        "BillAddr": {"Line1": street, "City": city, "PostalCode": postal, "Country": "US"},
        "MetaData": {"CreateTime": f"2024-0{1 + int(id_) % 8}-02T00:00:00Z"},
    }


def _ordinary_companies() -> tuple[list[str], list[dict]]:
    """Five companies, each once in Salesforce and once in QBO: data for the model to learn on."""
    others = ["Birch Dental", "Cobalt Freight", "Dune Bakery", "Elm Roofing", "Fjord Media"]
    cities = [("Austin", "73301"), ("Boston", "02101"), ("Miami", "33101"), ("Tampa", "33601")]
    cities.append(("Omaha", "68101"))
    lines, customers = [], []
    for i, (name, (city, postal)) in enumerate(zip(others, cities, strict=True)):
        site = name.split()[0].lower() + ".com"
        phone = f"555-010-{i:04d}"
        lines.append(
            f"001Dn00000AbF{i:02d},{name},{phone},{site},{10 + i} Oak Rd,{city},{postal},2024-01-01,"
        )
        customers.append(_customer(str(10 + i), name, f"{10 + i} Oak Rd", city, postal, phone))
    return lines, customers


def test_links_point_at_survivors_on_both_sides(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """ "ACME, Inc" duplicates the Salesforce account "Acme Inc.", and "Acme (2)" the QBO customer
    "Acme": both copies are merged away, so the link file holds Acme Inc. -> Acme only, never
    "ACME, Inc" -> "Acme (2)" (six ordinary companies give the model data to learn from)."""
    header = "Id,Name,Phone,Website,BillingStreet,BillingCity,BillingPostalCode,CreatedDate,QBO_Customer_Id__c\n"
    lines = [
        "001Dn00000AbP01,Acme Inc.,303-555-0101,acme.com,1 Main St,Denver,80202,2024-01-01,",
        '001Dn00000AbD03,"ACME, Inc",303-555-0101,acme.com,1 Main St,Denver,80202,2024-06-01,',
    ]
    customers = [
        _customer("1", "Acme", "1 Main St", "Denver", "80202", "303-555-0101"),
        _customer("2", "Acme (2)", "1 Main St", "Denver", "80202", "303-555-0101"),
    ]
    more_lines, more_customers = _ordinary_companies()
    lines += more_lines
    customers += more_customers
    run_ = _check(_raw_folder(tmp_path, header + "\n".join(lines) + "\n", customers))
    out = run_.outputs
    merged = out["matches/qb_customer_duplicates.csv"].set_index("id")["keep"]
    assert merged["1"] and not merged["2"]
    sf_dup = out["matches/sf_account_duplicates.csv"].set_index("id")["keep"]
    assert not sf_dup[str(to_18("001Dn00000AbD03"))]
    links = out["remediation/salesforce_account_links.csv"]
    update = links.update.set_index("Id")["QBO_Customer_Id__c"]
    assert str(to_18("001Dn00000AbD03")) not in update.index
    assert update[str(to_18("001Dn00000AbP01"))] == "1"
    assert "2" not in set(update)
    assert len(update) == 6
    # The finding on the Salesforce copy tells to merge it, not to use a link file it is not in.
    found = run_.findings.set_index(["check", "sf_id"])
    action = found.loc[
        ("unlinked_account_with_match", str(to_18("001Dn00000AbD03"))), "suggested_action"
    ]
    assert action.startswith("Merge this account into its survivor"), action
    assert str(to_18("001Dn00000AbP01")) in action


def test_reasons_name_the_field_the_domain_came_from(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An account's domain from its Website reads "same website domain"; two QBO customers
    compared on their email addresses read "same email domain", and another email address
    is said to be weak evidence for a company."""
    header = "Id,Name,Phone,Website,BillingStreet,BillingCity,BillingPostalCode,CreatedDate,QBO_Customer_Id__c\n"
    line = "001Dn00000AbP01,Acme Inc.,303-555-0101,www.acme.com,1 Main St,Denver,80202,2024-01-01,"
    one = _customer("1", "Acme", "1 Main St", "Denver", "80202", "303-555-0101")
    two = _customer("2", "Acme (2)", "1 Main St", "Denver", "80202", "303-555-0101")
    two["PrimaryEmailAddr"] = {"Address": "billing@acme.com"}
    lines, customers = _ordinary_companies()
    accounts = header + "\n".join([line, *lines]) + "\n"
    out = _check(_raw_folder(tmp_path, accounts, [one, two, *customers])).outputs
    why = (
        out["matches/customers.csv"]
        .set_index("sf_id")
        .loc[str(to_18("001Dn00000AbP01")), "reasons"]
    )
    assert "same website domain" in why and "email domain" not in why
    dup = out["matches/qb_customer_duplicates.csv"].set_index("id").loc["2", "reasons"]
    assert "same email domain" in dup
    assert "different email address (weak: a company uses several)" in dup


def _qbo_only_raw(tmp_path, customers: list[dict]):  # type: ignore[no-untyped-def]
    """A QBO-only raw folder: quickbooks/Customer.json as a QueryResponse."""
    import json

    raw = tmp_path / "raw"
    (raw / "quickbooks").mkdir(parents=True)
    body = {"QueryResponse": {"Customer": customers}}
    (raw / "quickbooks" / "Customer.json").write_text(json.dumps(body), encoding="utf-8")
    return raw


def _qbo_customer(
    id_: str, name: str, created: str, balance: float, email: str, phone: str | None,
    address: tuple[str, str, str, str], currency: str = "USD", active: bool = True,
) -> dict:  # fmt: skip
    """One QBO Customer entity as the API returns it (address: line 1, city, postal, country)."""
    line1, city, postal, country = address
    record: dict = {
        "Id": id_,
        "DisplayName": name,
        "CompanyName": name.removesuffix(" (2)"),
        "PrimaryEmailAddr": {"Address": email},
        "BillAddr": {"Line1": line1, "City": city, "PostalCode": postal, "Country": country},
        "CurrencyRef": {"value": currency},
        "Active": active,
        "Balance": balance,
        "MetaData": {"CreateTime": created},
    }
    if phone is not None:
        record["PrimaryPhone"] = {"FreeFormNumber": phone}
    return record


SF = ("100 Market St", "San Francisco", "94105", "USA")
NY = ("1 Globex Way", "New York", "10001", "USA")
# The trial's QBO-only folder: three Acme records (the original, the sync's "(2)" copy, a third
# spelling), two Globex records, and two unrelated customers.
ACME_CHAIN = [
    _qbo_customer("58", "Acme Inc", "2025-01-14T09:12:44-08:00", 1250.0, "ap@acme.com",
                  "(415) 555-0100", SF),
    _qbo_customer("143", "ACME, Inc. (2)", "2026-06-03T14:01:02-07:00", 3400.5, "AP@acme.com",
                  "415-555-0100", ("100 Market Street", *SF[1:])),
    _qbo_customer("144", "Acme Incorporated", "2026-07-03T14:01:02-07:00", 0.0,
                  "billing@acme.com", None,
                  ("100 Market St Ste 200", "San Francisco", "94105-1234", "USA")),
    _qbo_customer("77", "Globex Corporation", "2024-03-01T10:00:00-08:00", 980.0,
                  "hank@globex.com", "(212) 555-0199", NY),
    _qbo_customer("78", "Globex Corp", "2025-03-01T10:00:00-08:00", 0.0, "hank@globex.com",
                  "212.555.0199", NY, active=False),
    _qbo_customer("90", "Initech LLC", "2023-05-05T10:00:00-07:00", 15000.0, "bill@initech.com",
                  "(512) 555-0142", ("4120 Freidrich Ln", "Austin", "78744", "USA")),
    _qbo_customer("91", "Umbrella Canada", "2024-05-05T10:00:00-07:00", 2200.0,
                  "ap@umbrella.ca", None, ("55 King St W", "Toronto", "M5K 1A1", "Canada"), "CAD"),
]  # fmt: skip


def test_a_tagged_copy_never_survives_its_untagged_original_in_a_chain(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """ "ACME, Inc. (2)" (the sync's copy, larger balance) matches both "Acme Inc" (the oldest)
    and "Acme Incorporated" best: the untagged oldest original is still kept, the reason names
    the rules that kept it (not the balance), and no merge says to rename to 'X (2)'."""
    out = _check(_qbo_only_raw(tmp_path, ACME_CHAIN)).outputs
    dup = out["matches/qb_customer_duplicates.csv"].set_index("id")
    assert (dup.loc[["58", "143", "144"], "cluster_id"] == "58").all()
    assert dup.loc["58", "keep"] and not dup.loc["143", "keep"] and not dup.loc["144", "keep"]
    kept = dup.loc["58", "reasons"]
    assert kept.startswith("kept: its name has no copy tag"), kept
    assert "balance" not in kept.split(". Holds: ")[0]  # the balance did not decide
    merges = out["remediation/qbo_customer_merges.csv"]
    assert set(merges.loc[merges["cluster_id"] == "58", "merge_id"]) == {"143", "144"}
    assert not merges["how"].str.contains(r"\(2\)'", regex=True).any(), merges["how"].tolist()


@pytest.mark.parametrize(
    "names",
    [
        ["Evil Co", "+Evil Co", "Evil Co."],
        ['=HYPERLINK("http://e.x","Evil Co")', "+Evil Co", "Evil Co\u202e"],
    ],
)
def test_formula_prefixed_names_stay_in_their_duplicate_cluster(tmp_path, names) -> None:  # type: ignore[no-untyped-def]
    """Three customers alike in every field but the DisplayName's spreadsheet residue (a
    leading '+', a pasted HYPERLINK cell, a hidden control character) are one cluster of three
    (a leading '+' read as "and" used to split them)."""
    customers = [
        _qbo_customer(str(i + 1), name, f"202{i}-01-14T09:12:44-08:00", 100.0, "ap@evil.com",
                      "(415) 555-0100", ("1 Evil St", "San Francisco", "94105", "USA"))
        for i, name in enumerate(names)
    ]  # fmt: skip
    out = _check(_qbo_only_raw(tmp_path, customers)).outputs
    dup = out["matches/qb_customer_duplicates.csv"]
    assert sorted(dup["id"]) == ["1", "2", "3"], dup
    assert dup["cluster_id"].nunique() == 1


@pytest.mark.parametrize(
    ("copy_name", "aside"),
    [("ACME, Inc. (2)", False), ("Acme Inc (2)", True)],
)
def test_merge_advice_never_renames_to_a_tagged_name(tmp_path, copy_name, aside) -> None:  # type: ignore[no-untyped-def]
    """The original "Acme Inc" is inactive, so the active " (2)" copy survives (QBO takes no new
    transactions on an inactive customer): the advice drops the survivor's tag first and merges
    into the clean name; when the original holds that clean name it steps aside first."""
    original = _qbo_customer("58", "Acme Inc", "2025-01-14T09:12:44-08:00", 1250.0,
                             "ap@acme.com", "(415) 555-0100", SF, active=False)  # fmt: skip
    copy = _qbo_customer("143", copy_name, "2026-06-03T14:01:02-07:00", 3400.5, "ap@acme.com",
                         "(415) 555-0100", SF)  # fmt: skip
    out = _check(_qbo_only_raw(tmp_path, [original, copy, *ACME_CHAIN[3:]])).outputs
    merges = out["remediation/qbo_customer_merges.csv"].set_index("merge_id")
    how = merges.loc["58", "how"]
    clean = copy_name.removesuffix(" (2)")
    assert merges.loc["58", "into_id"] == "143"
    assert f"rename the survivor '{copy_name}' (Id 143) to '{clean}'" in how, how
    assert how.endswith(f"make it active, then rename it to '{clean}' in QBO and confirm the merge")
    assert ("merging" in how) == aside
    assert f"to '{copy_name}'" not in how
    found = _check(_qbo_only_raw(tmp_path / "again", [original, copy, *ACME_CHAIN[3:]])).findings
    action = found.set_index(["check", "qb_id"]).loc[
        ("qb_customer_duplicate", "58"), "suggested_action"
    ]
    assert "first rename the survivor to its name without the copy tag" in action, action


GLOBEX_TWICE = """Id,Name,BillingStreet,BillingCity,BillingPostalCode,Phone,Website,CreatedDate
001Dn00000AbCdG,Globex Corporation,1 Globex Way,New York,10001,(212) 555-0199,https://globex.com,2023-05-01T10:00:00.000+0000
001Dn00000AbCdH,Globex Corporation,1 Globex Way,New York,10001,212-555-0199,globex.com,2025-08-01T10:00:00.000+0000
001Dn00000AbCdI,Initech LLC,4120 Freidrich Ln,Austin,78744,(512) 555-0142,initech.com,2023-05-05T10:00:00.000+0000
"""


def test_a_duplicate_of_the_same_name_says_which_record_is_the_copy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two accounts both named "Globex Corporation": the title says which is the copy (Id and
    created date) and which is kept, and the record column names the copy by its Id."""
    from sfqb_diag.outputs.tables import findings_csv_frame
    from sfqb_diag.sources.files import load_raw

    raw = _raw_folder(tmp_path, GLOBEX_TWICE)
    result = _check(raw)
    found = result.findings[result.findings["check"] == "sf_account_duplicate"]
    assert len(found) == 1
    copy, kept = str(to_18("001Dn00000AbCdH")), str(to_18("001Dn00000AbCdG"))
    assert found["title"].iloc[0] == (
        f"Duplicate Salesforce account: Globex Corporation (the copy: Id {copy}, created "
        f"2025-08-01) duplicates Globex Corporation (kept: Id {kept}, created 2023-05-01)"
    )
    row = findings_csv_frame(found, load_raw(raw)).iloc[0]
    assert row["sf_record"] == f"Account Globex Corporation (Id {copy})"
    initech = findings_csv_frame(
        found.assign(sf_id=str(to_18("001Dn00000AbCdI"))), load_raw(raw)
    ).iloc[0]
    assert initech["sf_record"] == "Account Initech LLC"  # a unique name needs no Id
