"""The learned Fellegi-Sunter model on tiny hand-made frames: EM, persons, franchises, one-sided
duplicate search, hierarchies, country codes, the per-field waterfall."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.matching.blocking import candidate_pairs
from sfqb_diag.matching.comparisons import FieldSpec
from sfqb_diag.matching.contact import country_code
from sfqb_diag.matching.fellegi_sunter import Model, fit, random_pairs
from sfqb_diag.matching.parties import prepare_parties
from sfqb_diag.matching.scoring import (
    Comparison,
    compare,
    contributions,
    evidence,
    fit_model,
    score,
)
from sfqb_diag.pipeline import run_all
from sfqb_diag.sources.files import load_raw

AS_OF = pd.Timestamp("2026-11-20T06:00:00Z")
GIVEN = ["anna", "ben", "carla", "dev", "erin", "farid", "gus", "hana", "ivan", "jo", "kai", "lena"]
FAMILY = ["smith", "nguyen", "okafor", "rossi", "weber", "tanaka", "silva", "kowalski", "haddad"]
STREETS = ["forbes street", "giblin place", "hansen circuit", "kater place", "leslie road"]
SUBURBS = [("casula", "2170"), ("bulimba", "4171"), ("mentone", "3194"), ("dalby", "4405")]


def people(n: int, seed: int) -> pd.DataFrame:
    """n distinct persons with an address each (Australian style, like FEBRL)."""
    rng = np.random.default_rng(seed)
    suburb = rng.integers(0, len(SUBURBS), n)
    return pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(n)],
            "name": [
                f"{GIVEN[i % len(GIVEN)]} {FAMILY[(i // len(GIVEN)) % len(FAMILY)]}".title()
                for i in range(n)
            ],
            "street": [
                f"{rng.integers(1, 200)} {STREETS[rng.integers(0, len(STREETS))]}" for _ in range(n)
            ],
            "city": [SUBURBS[s][0] for s in suburb],
            "postal": [SUBURBS[s][1] for s in suburb],
            "state": "nsw",
            "country": rng.choice(["Australia", "AUS", "AU"], n),
        }
    )


def linked_model(left: pd.DataFrame, right: pd.DataFrame) -> tuple[Comparison, Model]:
    cmp = compare(left, right)
    pairs = candidate_pairs(left, right)
    return cmp, fit_model(cmp, evidence(cmp, pairs), same=False)


def test_em_learns_m_above_u_for_agreeing_fields() -> None:
    """Synthetic levels: matches agree on both fields 90% of the time, non-matches 5%."""
    rng = np.random.default_rng(0)
    fields = (
        FieldSpec("a", ("same", "different"), (0.5, 0.5)),
        FieldSpec("b", ("same", "different"), (0.5, 0.5)),
    )
    match = rng.random((300, 2)) < 0.9
    other = rng.random((2700, 2)) < 0.05
    candidates = np.where(np.vstack([match, other]), 0, 1).astype(np.int8)
    random = np.where(rng.random((5000, 2)) < 0.02, 0, 1).astype(np.int8)
    model = fit(fields, candidates, random)
    for m, u in zip(model.m, model.u, strict=True):
        assert m[0] > 0.6 > 0.1 > u[0]  # agreeing: m > u, and by far
        assert m[1] < u[1]
    assert 0.05 < model.prior < 0.3  # the share of matches (0.1), found without labels


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("USA", "US"),
        ("United States", "US"),
        ("AUS", "AU"),
        ("Australia", "AU"),
        ("au", "AU"),
        ("GBR", "GB"),
        ("Deutschland", "DE"),
        (None, None),
    ],
)
def test_country_codes_are_normalised(typed: str | None, expected: str | None) -> None:
    got = country_code(pd.Series([typed], dtype="string")).iloc[0]
    assert (None if pd.isna(got) else got) == expected


def test_typo_in_the_name_with_the_same_address_matches() -> None:
    """A person whose name is typo'd but whose street, postal code and city agree is one party;
    the address is not a gate for the name, nor the name for the address."""
    base = people(60, seed=1)
    left = prepare_parties(base)
    typo = base.copy()
    typo["id"] = [f"q{i}" for i in range(len(typo))]
    typo.loc[0, "name"] = "Anna Smiht"  # a typo in 'Anna Smith'
    right = prepare_parties(typo)
    cmp, model = linked_model(left, right)
    ev = evidence(cmp, pd.DataFrame({"l": [0, 0], "r": [0, 1]}))
    ev["score"] = score(model, ev)
    assert ev["score"].iloc[0] > 0.75  # the typo'd record, same address: proposed
    assert ev["score"].iloc[1] < 0.5  # another person


def test_franchise_in_another_city_with_another_phone_does_not_match() -> None:
    rows = [
        {"id": f"a{i}", "name": f"Shop {w}", "city": c, "phone": f"303555{i:04d}", "postal": z}
        for i, (w, c, z) in enumerate(
            [
                ("alpha", "denver", "80202"),
                ("bravo", "austin", "78701"),
                ("delta", "boise", "83702"),
            ]
        )
    ]
    acme = {
        "id": "f",
        "name": "Acme Plumbing",
        "city": "Denver",
        "phone": "303-555-0101",
        "postal": "80202",
        "street": "1 Main St",
    }
    left = prepare_parties(pd.DataFrame([*rows, acme]))
    right = prepare_parties(
        pd.DataFrame(
            [{**r, "id": r["id"].replace("a", "c")} for r in rows]
            + [
                {
                    "id": "g",
                    "name": "Acme Plumbing",
                    "city": "Austin",
                    "phone": "512-555-0199",
                    "postal": "78701",
                    "street": "9 Elm St",
                },
                {
                    "id": "h",
                    "name": "Acme Plumbing Inc",
                    "city": "Denver",
                    "phone": "(303) 555-0101",
                    "postal": "80202",
                    "street": "1 Main Street",
                },
            ]
        )
    )
    cmp, model = linked_model(left, right)
    ev = evidence(cmp, pd.DataFrame({"l": [3, 3], "r": [3, 4]}))
    franchise, same = score(model, ev)
    assert franchise < 0.5 < same
    levels = contributions(model, cmp, 3, 3).set_index("field")["level"]
    assert levels["place"] == "different" and levels["phone"] == "different"
    assert levels["name"] == "exact"  # the name agrees fully: the place and phone separate them


def test_waterfall_lists_every_field_and_adds_up() -> None:
    left = prepare_parties(people(40, seed=2))
    right = prepare_parties(people(40, seed=2).assign(id=lambda f: "r" + f["id"]))
    cmp, model = linked_model(left, right)
    table = contributions(model, cmp, 0, 0)
    assert list(table.columns[:6]) == ["field", "level", "m", "u", "bayes_factor", "match_weight"]
    assert table["field"].iloc[0] == "prior" and "name" in set(table["field"])
    final = table["probability"].iloc[-1]
    ev = evidence(cmp, pd.DataFrame({"l": [0], "r": [0]}))
    assert final == pytest.approx(score(model, ev)[0], rel=1e-6)


def test_random_pairs_are_distinct_and_seeded() -> None:
    li, r = random_pairs(1000, 1000, 5000, same=True)
    assert (li < r).all() and len(set(zip(li, r, strict=True))) == len(li)
    again = random_pairs(1000, 1000, 5000, same=True)
    assert np.array_equal(li, again[0]) and np.array_equal(r, again[1])
    small = random_pairs(3, 4, 100, same=False)
    assert len(small[0]) == 12  # every pair when there are fewer than asked


def _qb_only(customers: list[dict]) -> Dataset:
    frame = pd.DataFrame(customers)
    frame = frame.assign(
        active=True,
        job=frame.get("job", False),
        currency="AUD",
        bill_country="AU",
        create_time=pd.Timestamp("2025-02-01", tz="UTC"),
    )
    return Dataset(tables={"customers": frame})


def test_qbo_only_folder_gets_its_duplicates() -> None:
    """A folder with only Customer.json: duplicate clusters and findings, no linking."""
    base = people(30, seed=3)
    rows = [
        {
            "id": str(100 + i),
            "display_name": n,
            "bill_line1": s,
            "bill_city": c,
            "bill_postal_code": z,
        }
        for i, (n, s, c, z) in enumerate(
            zip(base["name"], base["street"], base["city"], base["postal"], strict=True)
        )
    ]
    rows.append({**rows[4], "id": "900", "display_name": rows[4]["display_name"] + " (2)"})
    out = run_all(_qb_only(rows), ClientConfig(), AS_OF, areas=("customers",))
    dup = out.outputs["matches/qb_customer_duplicates.csv"]
    assert set(dup["id"]) == {"104", "900"}
    assert dup.set_index("id").loc["104", "keep"]  # the untagged original survives
    assert "matches/customers.csv" not in out.outputs
    assert set(out.findings["check"]) == {"qb_customer_duplicate"}


def test_parent_and_child_accounts_are_not_duplicates() -> None:
    accounts = pd.DataFrame(
        {
            "id": ["001A", "001B", "001C", "001D", "001E"],
            "name": [
                "Acme Inc.",
                "Acme Inc. - Plant 2",
                "Acme Inc. - Plant 3",
                "Acme Inc",
                "Other Co",
            ],
            "phone": ["303-555-0101"] * 4 + ["212-555-0000"],
            "website": ["acme.com"] * 4 + ["other.com"],
            "billing_city": ["Denver"] * 4 + ["New York"],
            "billing_street": ["1 Main St"] * 4 + ["5 Park Ave"],
            "billing_postal_code": ["80202"] * 4 + ["10001"],
            "parent_id": [None, "001A", "001A", None, None],
        }
    )
    out = run_all(
        Dataset(tables={"accounts": accounts}), ClientConfig(), AS_OF, areas=("customers",)
    )
    dup = out.outputs["matches/sf_account_duplicates.csv"]
    pairs = set(dup["id"])
    assert {"001A", "001D"} <= pairs  # the same company twice
    assert not {"001B", "001C"} & pairs  # its plants are children, not copies


def test_unlike_names_at_one_address_go_to_a_person() -> None:
    """Olivia and Connor Shepherd at one address may be one record with a replaced given name
    (FEBRL's truth says so) or two relatives (a B2C client's books): the evidence cannot tell, so
    the link waits for a person; a typo'd name at the same address is still suggested."""
    base = people(40, seed=5)
    accounts = pd.DataFrame(
        {
            "id": [f"001{i:015d}" for i in range(len(base))],
            "name": base["name"],
            "billing_street": base["street"],
            "billing_city": base["city"],
            "billing_postal_code": base["postal"],
            "billing_country": "Australia",
        }
    )
    renamed = base["name"].copy()
    renamed.iloc[0] = "Maximilian " + renamed.iloc[0].split()[1]  # another given name
    renamed.iloc[1] = renamed.iloc[1][:-2] + renamed.iloc[1][-1] + renamed.iloc[1][-2]  # a typo
    rows = [
        {"id": str(100 + i), "display_name": n, "bill_line1": s, "bill_city": c}
        | {"bill_postal_code": z}
        for i, (n, s, c, z) in enumerate(
            zip(renamed, base["street"], base["city"], base["postal"], strict=True)
        )
    ]
    data = _qb_only(rows)
    data.tables["accounts"] = accounts
    out = run_all(data, ClientConfig(), AS_OF, areas=("customers",))
    matches = out.outputs["matches/customers.csv"].set_index("sf_id")
    relative, typo = matches.loc[accounts["id"].iloc[0]], matches.loc[accounts["id"].iloc[1]]
    assert (relative["qb_id"], relative["status"]) == ("100", "review")
    assert relative["reasons"].startswith("the names differ (a relative or another company")
    assert (typo["qb_id"], typo["status"]) == ("101", "suggest_link")


def test_two_people_of_one_household_are_not_duplicates(tmp_path: Path) -> None:
    """Jane and John Doe at one address, each with her or his own email: two customers (a merge
    in QBO cannot be undone); Jane entered twice ('Doe, Jane', same email) is a duplicate. The
    folder is a QBO query response as Intuit documents it, companies and persons mixed."""

    def customer(id_: str, name: str, line1: str, city: str, postal: str, email: str = "") -> dict:
        row = {"Id": id_, "DisplayName": name, "Active": True, "CurrencyRef": {"value": "USD"}}
        row["BillAddr"] = {"Line1": line1, "City": city, "PostalCode": postal, "Country": "USA"}
        return row | ({"PrimaryEmailAddr": {"Address": email}} if email else {})

    rows = [
        customer("1", "Acme Inc", "100 Main St", "Denver", "80202", "ap@acme.com"),
        customer("2", "ACME, Inc.", "100 Main Street", "Denver", "80202"),
        customer("3", "Acme Inc (2)", "100 Main St", "Denver", "80202"),
        customer("4", "Jane Doe", "5 Elm Rd", "Austin", "78701", "jane.doe@gmail.com"),
        customer("5", "Doe, Jane", "5 Elm Road", "Austin", "78701", "jane.doe@gmail.com"),
        customer("6", "John Doe", "5 Elm Rd", "Austin", "78701", "john.doe@gmail.com"),
        customer("8", "Globex Corporation", "", "Springfield", ""),
    ]
    raw = tmp_path / "raw" / "quickbooks"
    raw.mkdir(parents=True)
    (raw / "Customer.json").write_text(
        json.dumps({"QueryResponse": {"Customer": rows}, "time": "2026-11-30T10:00:00-08:00"})
    )
    out = run_all(load_raw(raw.parent), ClientConfig(), AS_OF, areas=("customers",))
    dup = out.outputs["matches/qb_customer_duplicates.csv"]
    assert set(dup.loc[dup["cluster_id"] == "4", "id"]) == {"4", "5"}
    assert dup.set_index("id").loc["5", "name"] == "Doe, Jane"  # named, not only an Id
    # Both drop 'Inc': the same name, not "the same name once 'Inc' is left out".
    assert "left out" not in dup.set_index("id").loc["2", "reasons"]
    assert "6" not in set(dup["id"])
