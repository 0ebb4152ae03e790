"""Normalisers: table-driven cases and hypothesis properties (idempotence, case/accent/suffix
invariance). Each case states the real-world spelling difference it covers."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfqb_diag.matching.contact import (
    company_domain,
    country_code,
    email_domain,
    is_free_mail,
    phone_e164,
    place,
    postal_code,
    street_number,
    website_domain,
)
from sfqb_diag.matching.normalize import LEGAL_FORMS, company_names, fold, token_key
from sfqb_diag.matching.parties import _street_lines, prepare_parties, prepare_party_tables


def core(name: str | None) -> str | None:
    """The core of one name (tests of single cases)."""
    value = company_names(pd.Series([name], dtype="string"))["core"].iloc[0]
    return None if pd.isna(value) else str(value)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("A&W Restaurants", "A & W Restaurants"),  # spacing around &
        ("A&W Restaurants", "A and W Restaurants"),  # & spelt out
        ("The Acme Company", "Acme"),  # leading The, trailing Company
        ("Acme, Inc.", "ACME INC"),  # punctuation and case
        ("Acme Incorporated", "Acme LLC"),  # legal forms across styles
        ("Acme L.L.C.", "Acme"),  # dotted legal form
        ("Müller GmbH & Co. KG", "Muller"),  # accents, German compound legal form
        ("Nordic Pty Ltd", "Nordic Pty. Ltd."),  # Australian form
        ("Société Générale S.A.", "Societe Generale"),  # French accents and S.A.
        ("Van Dijk B.V.", "Van Dijk N.V."),  # Dutch forms
        ("Acme Intl Mfg", "Acme International Manufacturing"),  # abbreviations
        ("Smith Bros Svcs", "Smith Brothers Services"),
        ("Acme Inc (deleted)", "Acme Inc"),  # QBO's inactive rename
        ("Acme Inc (2)", "Acme Inc"),  # 6240 dodge by counter
        ("Acme Inc - C", "Acme Inc"),  # 6240 dodge by tag
        ("Acme Inc (Customer)", "Acme"),
        ("Acme Inc 2", "Acme"),  # bare counter
        ("O'Brien & Sons", "OBrien and Sons"),  # apostrophe
        ("Ørsted Straße", "Orsted Strasse"),  # letters NFKD keeps whole
    ],
)
def test_same_company_same_core(a: str, b: str) -> None:
    assert core(a) == core(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Plumbing - Denver", "Acme Plumbing - Austin"),  # franchise locations stay apart
        ("Acme Plumbing", "Acme Roofing"),
        ("Co.", "Inc."),  # a name made only of legal words is kept
    ],
)
def test_different_companies_differ(a: str, b: str) -> None:
    assert core(a) != core(b)


def test_dba_alias_tag_and_dropped_words() -> None:
    out = company_names(
        pd.Series(["Smith Mfg dba Smithy Tools", "The Acme, Inc. (2)", None], dtype="string")
    )
    assert out["core"].tolist()[:2] == ["smith manufacturing", "acme"]
    assert out["alias"].iloc[0] == "smithy tools"
    assert out["tag"].iloc[1] == "(2)"
    assert set(str(out["dropped"].iloc[1]).split()) == {"the", "inc"}
    assert out.iloc[2].isna().all()


def test_token_key_ignores_order() -> None:
    keys = token_key(pd.Series(["blue summit", "summit blue", None, "a a b"], dtype="string"))
    assert keys.iloc[0] == keys.iloc[1] == "blue summit"
    assert pd.isna(keys.iloc[2])
    assert keys.iloc[3] == "a b"


LETTERS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzéèüöäñçåøABCDEFGHIJKLMNOPQRSTUVWXYZ"))
WORD = st.text(LETTERS, min_size=1, max_size=8).filter(lambda w: w.lower() not in LEGAL_FORMS)
NAME = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
MESSY = st.text(st.sampled_from(list("abcxyzÉéü &.,'-()0123456789 ")), max_size=30)
# Each example is a batch: the normalisers are vectorised, so one call checks many names.
BATCH = {"min_size": 1, "max_size": 40}
FEW = settings(max_examples=25)


def cores(names: list[str]) -> list[str | None]:
    out = company_names(pd.Series(names, dtype="string"))["core"]
    return [None if pd.isna(v) else str(v) for v in out]


@FEW
@given(st.lists(MESSY, **BATCH))
def test_core_is_idempotent(texts: list[str]) -> None:
    once = cores(texts)
    kept = [v for v in once if v is not None]
    assert cores(kept) == kept


@FEW
@given(st.lists(NAME, **BATCH))
def test_case_does_not_matter(names: list[str]) -> None:
    assert cores([n.upper() for n in names]) == cores([n.lower() for n in names]) == cores(names)


@FEW
@given(
    st.lists(NAME, **BATCH),
    st.sampled_from(
        [
            "Inc",
            "Inc.",
            ", Inc.",
            "LLC",
            "L.L.C.",
            "Ltd",
            "Limited",
            "Corp",
            "Co.",
            "GmbH",
            "AG",
            "S.A.",
            "B.V.",
            "N.V.",
            "Pty Ltd",
            "PLC",
            "Corporation",
        ]
    ),
)
def test_legal_suffix_does_not_matter(names: list[str], suffix: str) -> None:
    sep = "" if suffix.startswith(",") else " "
    assert cores([f"{n}{sep}{suffix}" for n in names]) == cores(names)


@FEW
@given(st.lists(NAME, **BATCH))
def test_accents_do_not_matter(names: list[str]) -> None:
    table = str.maketrans(
        {"é": "e", "è": "e", "ü": "u", "ö": "o", "ä": "a", "ñ": "n", "ç": "c", "å": "a", "ø": "o"}
    )
    assert cores(names) == cores([n.translate(table) for n in names])


@FEW
@given(st.lists(NAME, **BATCH), st.sampled_from([" (2)", " (deleted)", " - C", " (customer)"]))
def test_sync_tags_do_not_matter(names: list[str], tag: str) -> None:
    assert cores([n + tag for n in names]) == cores(names)


@FEW
@given(st.lists(st.text(st.sampled_from(list("ab cd")), max_size=6), max_size=20))
def test_fold_preserves_length_and_nulls(values: list[str]) -> None:
    series = pd.Series([*values, None], dtype="string")
    out = fold(series)
    assert len(out) == len(series) and pd.isna(out.iloc[-1])


def test_domains_and_free_mail() -> None:
    assert email_domain(pd.Series(["Jo@Mail.Acme.co.uk", "x@gmail.com", "bad", None])).tolist()[
        :2
    ] == ["acme.co.uk", "gmail.com"]
    assert website_domain(pd.Series(["https://www.Acme.com/about?x=1", "acme.de"])).tolist() == [
        "acme.com",
        "acme.de",
    ]
    domains = pd.Series(["gmail.com", "acme.com", None], dtype="string")
    assert is_free_mail(domains).tolist() == [True, False, False]
    assert company_domain(domains).isna().tolist() == [True, False, True]


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(303) 555-1234", "US", "+13035551234"),
        ("303.555.1234 x12", "US", "+13035551234"),  # extension dropped
        ("1-303-555-1234", "CA", "+13035551234"),
        ("+44 20 7946 0958", "GB", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),  # national format needs phonenumbers
        ("0044 20 7946 0958", "GB", "+442079460958"),  # 00 international prefix
        ("030 1234567", "DE", "+49301234567"),
        ("12", "US", None),
    ],
)
def test_phone_e164(raw: str, region: str, e164: str | None) -> None:
    out = phone_e164(pd.Series([raw]), pd.Series([region]))
    assert (None if pd.isna(out.iloc[0]) else out.iloc[0]) == e164


@FEW
@given(
    st.lists(
        st.tuples(
            st.integers(200, 999),
            st.integers(200, 999),
            st.integers(0, 9999),
            st.sampled_from(
                [
                    "({a}) {m}-{l}",
                    "{a}-{m}-{l}",
                    "{a}.{m}.{l}",
                    "+1 {a} {m} {l}",
                    "{a}{m}{l}",
                    "1-{a}-{m}-{l} ext. 12",
                ]
            ),
        ),
        **BATCH,
    )
)
def test_nanp_formats_agree(numbers: list[tuple[int, int, int, str]]) -> None:
    texts = [shape.format(a=a, m=m, l=f"{last:04d}") for a, m, last, shape in numbers]
    expected = [f"+1{a}{m}{last:04d}" for a, m, last, _ in numbers]
    assert phone_e164(pd.Series(texts)).tolist() == expected


def test_places_and_codes() -> None:
    assert country_code(
        pd.Series(["United States", "U.S.A.", "uk", "Deutschland", "Narnia"])
    ).tolist()[:4] == ["US", "US", "GB", "DE"]
    assert postal_code(pd.Series(["80202-1234", "m5v 2t6"])).tolist() == ["80202", "M5V2T6"]
    assert street_number(pd.Series(["1200 Main St, Suite 4", "Main St"])).fillna("").tolist() == [
        "1200",
        "",
    ]
    assert place(pd.Series(["St. Paul", "Saint Paul", "Montréal"])).tolist() == [
        "st paul",
        "st paul",
        "montreal",
    ]


# QBO addresses carry ISO 3166 alpha-3 codes ("USA"); Salesforce billing countries are names or
# alpha-2 codes (the State and Country picklists store "US"). Every spelling of one country
# must come out as one alpha-2 code before anything compares them.
COUNTRIES = [
    ("USA", "US"),  # QBO
    ("US", "US"),  # Salesforce picklist code
    ("United States", "US"),  # typed by a person
    ("united states of america", "US"),
    ("GBR", "GB"),
    ("GB", "GB"),
    ("United Kingdom", "GB"),
    ("UK", "GB"),  # not an ISO code, but what people type
    ("CAN", "CA"),
    ("Canada", "CA"),
    ("DEU", "DE"),
    ("Germany", "DE"),
    ("  usa ", "US"),  # stray spaces and case
]


@pytest.mark.parametrize(("spelled", "code"), COUNTRIES)
def test_country_code_of_every_spelling(spelled: str, code: str) -> None:
    assert country_code(pd.Series([spelled], dtype="string")).tolist() == [code]


def test_unknown_or_missing_country_is_na() -> None:
    values = country_code(pd.Series(["Narnia", None, ""], dtype="string"))
    assert values.isna().all()


def test_accounts_and_customers_compare_countries_as_codes() -> None:
    """Both sides of customer matching go through prepare_parties: a Salesforce name or ISO-2
    and QBO's ISO-3 end as the same code (and phones are read as that country's numbers)."""
    from sfqb_diag.dataset import Dataset
    from sfqb_diag.matching.customer_parties import account_parties, customer_parties

    spellings = [s for s, _ in COUNTRIES]
    data = Dataset(
        tables={
            "accounts": pd.DataFrame(
                {
                    "id": [f"001{i:012d}AAA" for i in range(len(spellings))],
                    "name": [f"Firm {i}" for i in range(len(spellings))],
                    "billing_country": spellings,
                }
            ).astype("string"),
            "customers": pd.DataFrame(
                {
                    "id": [str(i + 1) for i in range(len(spellings))],
                    "display_name": [f"Firm {i}" for i in range(len(spellings))],
                    "bill_country": [
                        {"US": "USA", "GB": "GBR", "CA": "CAN", "DE": "DEU"}[c]
                        for _, c in COUNTRIES
                    ],
                }
            ).astype("string"),
        }
    )
    accounts, customers = account_parties(data), customer_parties(data)
    assert accounts["country"].tolist() == [c for _, c in COUNTRIES]
    assert customers["country"].tolist() == accounts["country"].tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab 1\n\r\t.", max_size=12)), max_size=12))
def test_street_lines_split_as_the_first_line_and_the_rest(streets: list[str | None]) -> None:
    # One-string addresses (Salesforce BillingStreet): line 1, then whatever follows its newline.
    first, rest = _street_lines(pd.Series(streets, dtype="string"))
    split = pd.Series(streets, dtype=object).str.split(r"\s*[\r\n]+\s*", n=1, regex=True)
    assert [None if pd.isna(v) else v for v in first] == [
        None if p is None else p[0] for p in split.where(split.notna(), None)
    ]
    assert [None if pd.isna(v) else v for v in rest] == [
        None if p is None or len(p) < 2 else p[1] for p in split.where(split.notna(), None)
    ]


def test_both_sides_normalised_in_one_pass_as_each_alone() -> None:
    accounts = pd.DataFrame(
        {
            "id": ["001A", "001B"],
            "name": ["The ACME, Inc.", "Müller GmbH"],
            "street": ["6 Tullaroop Street\nWillaroo", None],
            "city": ["Denver", "Köln"],
            "opportunities": [3, 0],
        }
    )
    customers = pd.DataFrame(
        {
            "id": ["7"],
            "name": ["Acme (2)"],
            "street": ["6 Tullaroop St"],
            "street2": ["Willaroo"],
            "country": ["USA"],
            "active": [True],
        }
    )
    together = prepare_party_tables(accounts, customers)
    for frame, alone in zip(together, (accounts, customers), strict=True):
        pd.testing.assert_frame_equal(frame, prepare_parties(alone), check_dtype=False)
    assert together[1]["country"].tolist() == ["US"]
    assert together[0]["opportunities"].tolist() == [3, 0]


def test_spreadsheet_residue_is_not_part_of_the_name() -> None:
    """A leading formula character or a pasted =HYPERLINK(...) cell is not the company's name:
    '+Evil Co' must not read 'and evil' (step 4 turns an inner '+' into 'and'), and a
    HYPERLINK cell is the text it shows; a name of formula characters only stays as it is."""
    names = pd.Series(
        [
            "Evil Co",
            "+Evil Co",
            "=Evil Co",
            "@Evil Co",
            '=HYPERLINK("http://e.x","Evil Co")',
            "Evil Co\u202e",
            "A+ Plumbing",
            "+",
        ]
    )
    core = company_names(names)["core"].tolist()
    assert core[:6] == ["evil"] * 6
    assert core[6] == "a and plumbing"  # an inner '+' still means "and"
    assert core[7] == "and"
