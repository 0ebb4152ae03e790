"""envrules: the environment, token and version rules shared by auth_env checks and `doctor`.

Table-driven cases; each row states the vendor fact it exercises.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfqb_diag import envrules as er

AS_OF = "2026-11-20T06:00:00Z"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://acme--uat.sandbox.my.salesforce.com", True),  # enhanced My Domain sandbox
        ("https://acme--uat.my.salesforce.com", True),  # legacy sandbox My Domain
        ("https://acme--dev.cs42.my.salesforce.com", True),  # legacy sandbox My Domain on a pod
        ("https://test.salesforce.com", True),  # sandbox login host
        ("test.salesforce.com", True),  # bare host
        ("https://cs87.salesforce.com", True),  # legacy sandbox pod
        ("https://acme.scratch.my.salesforce.com", True),  # scratch org
        ("https://acme--uat.sandbox.lightning.force.com", True),
        ("https://acme.my.salesforce.com", False),
        ("https://login.salesforce.com", False),
        ("https://na12.salesforce.com", False),
        ("https://127.0.0.1:8443", None),  # the loopback stand-in: no opinion
        ("", None),
        (None, None),
    ],
)
def test_is_sandbox_instance_url(url, expected):
    assert er.is_sandbox_instance_url(url) is expected


@pytest.mark.parametrize(
    ("url", "pod"),
    [
        ("https://na12.salesforce.com", "na12"),
        ("https://eu5.salesforce.com/", "eu5"),
        ("https://cs42.salesforce.com", "cs42"),
        ("https://ap4.salesforce.com/services/data/v62.0", "ap4"),
        ("https://acme.my.salesforce.com", None),
        ("https://login.salesforce.com", None),
        ("https://acme--uat.sandbox.my.salesforce.com", None),
        (None, None),
    ],
)
def test_hardcoded_pod(url, pod):
    assert er.hardcoded_pod(url) == pod


@pytest.mark.parametrize(
    ("username", "suffix"),
    [
        ("jane@acme.com.uat", "uat"),
        ("jane@acme.com.fullcopy", "fullcopy"),
        ("j@acme.org.dev", "dev"),
        ("jane@acme.com", None),
        ("jane@acme.co.uk", None),
        ("jane@acme.com.au", None),
        ("nobody", None),
        (None, None),
    ],
)
def test_sandbox_name_from_username(username, suffix):
    assert er.sandbox_name_from_username(username) == suffix


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sandbox Company_US_1", True),
        ("Sandbox Company_CA_2", True),
        ("sandbox company_us_12", True),
        ("Sandbox Company US 3", True),
        ("Sandbox Supplies Inc", False),
        ("Acme Corp", False),
        (None, False),
    ],
)
def test_is_sandbox_company_name(name, expected):
    assert er.is_sandbox_company_name(name) is expected


def test_salesforce_verdict_prefers_organization_flag():
    """IsSandbox (the org says so itself) beats a production-looking URL; the conflict stays visible."""
    verdict = er.salesforce_environment_of(
        is_sandbox="true", instance_url="https://acme.my.salesforce.com"
    )
    assert verdict.environment == er.SANDBOX
    assert verdict.conflicting


def test_salesforce_verdict_from_url_and_username():
    assert (
        er.salesforce_environment_of(
            instance_url="https://acme--uat.sandbox.my.salesforce.com"
        ).environment
        == "sandbox"
    )
    assert er.salesforce_environment_of(username="jane@acme.com.uat").environment == "sandbox"
    assert er.salesforce_environment_of(username="jane@acme.com").environment is None
    assert (
        er.salesforce_environment_of(instance_url="https://acme.my.salesforce.com").environment
        == "production"
    )
    assert er.salesforce_environment_of().environment is None


def test_username_is_masked_in_evidence():
    verdict = er.salesforce_environment_of(username="jane.doe@acme.com.uat")
    assert "jane.doe" not in verdict.evidence[0].value
    assert verdict.evidence[0].value.endswith("@acme.com.uat")


def test_qbo_verdict():
    assert (
        er.qbo_environment_of(base_url="https://sandbox-quickbooks.api.intuit.com").environment
        == "sandbox"
    )
    assert (
        er.qbo_environment_of(base_url="https://quickbooks.api.intuit.com/v3/company/1").environment
        == "production"
    )
    assert er.qbo_environment_of(company_name="Sandbox Company_US_1").environment == "sandbox"
    assert er.qbo_environment_of(environment="production").environment == "production"
    assert er.qbo_environment_of(company_name="Acme Corp").environment is None
    # The company that answered (a sandbox name) outweighs what the config intended.
    mixed = er.qbo_environment_of(company_name="Sandbox Company_US_1", environment="production")
    assert mixed.environment == "sandbox" and mixed.conflicting


def test_environments_mismatch():
    sbx = er.salesforce_environment_of(is_sandbox=True)
    prod_qb = er.qbo_environment_of(environment="production")
    assert er.environments_mismatch(sbx, prod_qb)
    assert not er.environments_mismatch(
        sbx, er.qbo_environment_of(company_name="Sandbox Company_US_1")
    )
    assert not er.environments_mismatch(sbx, er.qbo_environment_of())  # unknown side: no verdict


def test_refresh_token_rolling_limit():
    horizon = er.refresh_token_horizon("2026-08-20T06:00:00Z", AS_OF)
    assert horizon.limit == "100-day rolling limit"
    assert horizon.deadline == pd.Timestamp("2026-11-28T06:00:00Z")
    assert horizon.days_left == pytest.approx(8.0)
    assert horizon.age_days == pytest.approx(92.0)
    assert horizon.state(14) == "expiring" and horizon.state(7) == "ok"
    assert er.refresh_token_horizon("2026-01-01", AS_OF).state() == "expired"


def test_refresh_token_five_year_cap():
    """Authorised almost 5 years ago: the cap comes before the 100 days run out."""
    horizon = er.refresh_token_horizon("2026-11-19", AS_OF, authorized_at="2021-11-25")
    assert horizon.limit == "5-year cap"
    assert horizon.deadline == pd.Timestamp("2026-11-25", tz="UTC")
    stated = er.refresh_token_horizon("2026-11-19", AS_OF, expires_at="2026-11-21")
    assert stated.limit == "expiry Intuit stated" and stated.days_left < 1


def test_refresh_token_unknown():
    assert er.refresh_token_horizon(None, AS_OF) is None
    assert er.refresh_token_horizon("not a date", AS_OF) is None


@pytest.mark.parametrize(
    ("expires", "state"),
    [
        ("2026-11-20T05:00:00Z", "expired"),
        ("2026-11-20T06:00:00Z", "expired"),
        ("2026-11-20T06:40:00Z", "ok"),
        ("2026-11-21T06:00:00Z", "long"),
        (None, None),
    ],
)
def test_access_token_state(expires, state):
    assert er.access_token_state(expires, AS_OF) == state


@pytest.mark.parametrize(
    ("value", "below"),
    [(65, True), ("74", True), (75, False), ("75.0", False), (None, None), ("abc", None)],
)
def test_minorversion_below_floor(value, below):
    assert er.minorversion_below_floor(value) is below


@pytest.mark.parametrize(
    ("version", "as_of", "status"),
    [
        ("18.0", AS_OF, "retired"),  # 7.0-20.0 retired Summer '22
        ("v29.0", AS_OF, "retired"),  # 21.0-30.0 retired Summer '25
        (
            "30.0",
            "2025-01-01",
            "deprecated",
        ),  # before Summer '25 they were deprecated, not yet gone
        ("35.0", AS_OF, "retiring"),  # 31.0-40.0: announced for Summer '27/'28
        ("35.0", "2027-09-01", "deprecated"),
        ("40.0", "2028-07-01", "retired"),
        ("41.0", AS_OF, "supported"),
        ("62.0", AS_OF, "supported"),
    ],
)
def test_api_version_status(version, as_of, status):
    assert er.salesforce_api_version_status(version, as_of).status == status


def test_api_version_unknown():
    assert er.salesforce_api_version_status("latest", AS_OF) is None
    assert er.parse_api_version("v62.0") == 62.0


@given(st.text(max_size=80))
def test_rules_never_raise_on_junk(text):
    er.is_sandbox_instance_url(text)
    er.hardcoded_pod(text)
    er.sandbox_name_from_username(text)
    er.is_sandbox_company_name(text)
    er.minorversion_below_floor(text)
    er.salesforce_api_version_status(text, AS_OF)
    er.refresh_token_horizon(text, AS_OF)
    er.access_token_state(text, AS_OF)
