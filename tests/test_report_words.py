"""What a finance reader trips over, pinned: differences in words, reasons without jargon, whole
numbers on count axes, findings.csv in order of money at stake."""

from __future__ import annotations

import pandas as pd
import plotly.express as px

from sfqb_diag.findings import conform
from sfqb_diag.matching.parties import prepare_parties
from sfqb_diag.notebook.display import count_axes, money_axes
from sfqb_diag.outputs.home_currency import money_first
from sfqb_diag.words import gap_text


def test_a_difference_says_which_side_is_lower_without_a_sign() -> None:
    text = gap_text(pd.Series([-50000, 1234, 0, None], dtype="Int64"), "USD")
    assert text.tolist() == [
        "QuickBooks is 500.00 USD lower than Salesforce",
        "QuickBooks is 12.34 USD higher than Salesforce",
        "no difference",
        "",
    ]
    assert gap_text(pd.Series([-700]), "EUR", "the invoice", "the deal").iloc[0] == (
        "the invoice is 7.00 EUR lower than the deal"
    )


def test_name_reasons_are_words_with_the_records_own_spelling() -> None:
    import pyarrow as pa

    from sfqb_diag.matching.scoring import _left_out

    phrases = _left_out(pa.array(["llc", "the incorporated", "", "gmbh 2"])).to_pylist()
    assert phrases == [
        " once 'LLC' is left out",
        " once 'The' and 'Incorporated' are left out",
        "",
        " once 'GmbH' and '2' are left out",
    ]
    parties = prepare_parties(
        pd.DataFrame({"id": ["1"], "name": ["Acme LLC"], "city": [" Denver "], "phone": ["555"]})
    )
    assert parties["city_as_given"].iloc[0] == "Denver" and parties["city"].iloc[0] != "Denver"


def test_count_axes_tick_in_whole_numbers_and_leave_money_alone() -> None:
    few = px.bar(pd.DataFrame({"field": ["phone", "city"], "pairs": [3, 1]}), x="field", y="pairs")
    count_axes(few)
    assert few.layout.yaxis.tickformat == ",d" and few.layout.yaxis.dtick == 1
    many = px.histogram(pd.DataFrame({"score": [0.5] * 40}), x="score")
    count_axes(many)
    assert many.layout.yaxis.tickformat == ",d" and many.layout.yaxis.dtick is None
    money = px.bar(pd.DataFrame({"area": ["a"], "amount": [1200.0]}), x="area", y="amount")
    money_axes(money, "y", "Amount", "USD")
    count_axes(money)
    assert money.layout.yaxis.tickformat == ",.0f" and money.layout.yaxis.title.text == (
        "Amount (USD)"
    )


def test_findings_csv_order_is_money_at_stake_then_severity() -> None:
    findings = conform(
        pd.DataFrame(
            {
                "finding_id": ["a", "b", "c", "d"],
                "area": ["products"] * 4,
                "check": ["x"] * 4,
                "severity": ["critical", "low", "high", "critical"],
                "amount_at_risk_cents": pd.array([100, 90000, None, 5000], dtype="Int64"),
                "currency": ["USD", "USD", None, "USD"],
            }
        )
    )
    # Without QBO Preferences the home currency is unknown: the own amounts rank.
    assert money_first(findings, None, pd.Timestamp("2026-11-20", tz="UTC"))[
        "finding_id"
    ].tolist() == ["b", "d", "a", "c"]


def test_the_pair_table_names_fields_not_ids_on_every_row() -> None:
    from sfqb_diag.notebook.evidence import pair_table

    evidence = pd.DataFrame(
        {
            "Account": ["Acme", "Acme"],
            "Customer": ["Acme Inc", "Acme Inc"],
            "Account Id": ["001A", "001A"],
            "Customer Id": ["7", "7"],
            "Status": ["Linked, confirmed"] * 2,
            "Score": [0.9996, 0.9996],
            "Step": [0, 1],
            "Field": ["before any evidence", "name"],
            "What the two records show": ["", "exact"],
            "Evidence (bits)": [-0.87, 9.24],
            "Probability after": [0.353, 0.9996],
        }
    )
    table = pair_table(evidence)
    assert list(table.columns) == [
        "Field",
        "What the two records show",
        "Evidence",
        "Probability after",
    ]
    assert table["Probability after"].tolist() == ["0.35", "1.00"]
    assert table["Evidence"].tolist() == ["-0.9", "+9.2"]


def test_a_voided_invoice_is_labelled_voided_not_zero() -> None:
    from sfqb_diag.dataset import Dataset
    from sfqb_diag.outputs.record_labels import qb_labels
    from sfqb_diag.record_words import invoice_label

    invoices = pd.DataFrame(
        {
            "id": ["287", "76"],
            "doc_number": ["1287", "4076"],
            "customer_id": ["1", "1"],
            "customer_name": ["Lodestar Brewing", "Lodestar Brewing"],
            "total_cents": pd.array([0, 0], dtype="Int64"),
            "currency": ["USD", "USD"],
            "private_note": ["Voided - SF Opportunity 006x", "SF Opportunity 006y"],
            "txn_date": pd.to_datetime(["2026-01-02", "2026-01-03"]),
        }
    )
    data = Dataset(tables={"invoices": invoices})
    assert invoice_label(data, pd.Series(["287", "76"])).tolist() == [
        "invoice 1287 (Lodestar Brewing, voided)",
        "invoice 4076 (Lodestar Brewing, 0.00 USD)",
    ]
    keys = pd.DataFrame({"qb_entity": ["Invoice"], "qb_id": ["287"], "qb_name": [None]})
    assert qb_labels(data, keys)["qb_label"].iloc[0] == "Invoice 1287 (Lodestar Brewing, voided)"


def test_tables_write_program_codes_as_words() -> None:
    from sfqb_diag.outputs.html_table import table_html

    frame = pd.DataFrame(
        {
            "area": ["sync_jobs", "partial_sync"],
            "error_class": ["not_found", "other"],
            "last_attempt": ["2025-11-02T20:40:00Z", ""],
            "last_error_code": ["UNABLE_TO_LOCK_ROW", "610"],
        }
    )
    html = table_html(frame)
    assert "Sync jobs &amp; duplicates" in html and "Missing or partial syncs" in html
    assert "not found" in html and "not_found" not in html
    assert "2025-11-02 20:40 UTC" in html
    assert "UNABLE_TO_LOCK_ROW" in html  # a system's own error code is shown as it is
