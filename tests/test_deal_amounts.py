"""Area partial_sync, check deal_amount_mismatch: a linked deal whose Amount differs from what its
invoice bills, when no line comparison explains it. Tiny hand-made raw folders, all USD:

- deal 1 "Big deal": Amount 2,000.00, linked to invoice 101 (one sales line, TotalAmt 1,800.00):
  the invoice bills 200.00 less.
- deal 2 "Even deal": Amount 500.00, invoice 102 bills 500.00: clean.
- deal 3 "Cent deal": Amount 300.00, invoice 103 bills 300.01: within the one-cent
  amount_tolerance, clean.
- deal 4 "Typed deal": Amount 1,000.00, invoice 104 bills 900.00; it never has opportunity lines.
`lines` adds OpportunityLineItem.csv with one line for deals 1-3:
  "agree"  each line equals its invoice line: deal 1's lines agree while its Amount does not;
  "differ" deal 1's line is 2,000.00: the products line checks name the 200.00 and this check
           stays silent on deal 1 (each problem is reported once);
  "partly" deal 1's line is 1,900.00: products names 100.00, the other 100.00 is in no line.
Deal 4 is always deal-level: with no lines, its invoice lines are not "billed but not sold".
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from sfqb_diag.ids import to_18
from sfqb_diag.pipeline import CheckOptions, compute

AS_OF = "2026-11-20T12:00:00Z"
# deal -> (name, Amount cents, invoiced cents)
DEALS = {
    1: ("Big deal", 200000, 180000),
    2: ("Even deal", 50000, 50000),
    3: ("Cent deal", 30000, 30001),
    4: ("Typed deal", 100000, 90000),
}
LINE_OF_DEAL_1 = {"agree": 180000, "differ": 200000, "partly": 190000}


def _opp(n: int) -> str:
    return to_18(f"006Dn{n:010d}")


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _invoice(n: int, cents: int) -> dict:
    amount = cents / 100
    return {
        "Id": str(100 + n),
        "SyncToken": "0",
        "DocNumber": str(1100 + n),
        "TxnDate": "2026-09-30",
        "MetaData": {
            "CreateTime": "2026-10-01T10:00:00Z",
            "LastUpdatedTime": "2026-10-01T10:00:00Z",
        },
        "CustomerRef": {"value": "1"},
        "CurrencyRef": {"value": "USD"},
        "TotalAmt": amount,
        "Balance": amount,
        "Line": [
            {
                "Id": "1",
                "LineNum": 1,
                "DetailType": "SalesItemLineDetail",
                "Amount": amount,
                "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": amount},
            },
            {"DetailType": "SubTotalLineDetail", "Amount": amount},
        ],
    }


def _write(raw: Path, lines: str | None = None) -> Path:
    (raw / "salesforce").mkdir(parents=True)
    (raw / "quickbooks").mkdir()
    deals = [
        {
            "Id": _opp(n),
            "Name": name,
            "StageName": "Closed Won",
            "IsWon": "true",
            "CloseDate": "2026-09-30",
            "Amount": f"{amount / 100:.2f}",
            "CurrencyIsoCode": "USD",
            "LastModifiedDate": "2026-10-01T10:00:04Z",
            "QBO_Invoice_Id__c": str(100 + n),
            "QBO_Last_Sync__c": "2026-10-01T10:00:00Z",
        }
        for n, (name, amount, _) in DEALS.items()
    ]
    _write_csv(raw / "salesforce" / "Opportunity.csv", deals)
    if lines:
        cents = {1: LINE_OF_DEAL_1[lines], 2: DEALS[2][2], 3: DEALS[3][2]}
        rows = [
            {
                "Id": to_18(f"00kDn{n:010d}"),
                "OpportunityId": _opp(n),
                "Quantity": "1",
                "UnitPrice": f"{c / 100:.2f}",
                "TotalPrice": f"{c / 100:.2f}",
            }
            for n, c in cents.items()
        ]
        _write_csv(raw / "salesforce" / "OpportunityLineItem.csv", rows)
    invoices = [_invoice(n, billed) for n, (_, _, billed) in DEALS.items()]
    (raw / "quickbooks" / "Invoice.json").write_text(json.dumps(invoices), encoding="utf-8")
    return raw


def _run(raw: Path, out: Path, config: Path | None = None):
    return compute(CheckOptions(raw=raw, out=out, as_of=AS_OF, config=config))


def _flagged(findings: pd.DataFrame) -> dict[str, int]:
    """Opportunity number -> amount at risk (cents) of its deal_amount_mismatch finding."""
    rows = findings[findings["check"] == "deal_amount_mismatch"]
    number = {_opp(n): n for n in DEALS}
    return {
        number[s]: int(c) for s, c in zip(rows["sf_id"], rows["amount_at_risk_cents"], strict=True)
    }


def test_deal_total_differs_without_lines_to_compare(tmp_path: Path) -> None:
    f = _run(_write(tmp_path / "raw"), tmp_path / "out").result.findings
    assert _flagged(f) == {1: 20000, 4: 10000}
    row = f[(f["check"] == "deal_amount_mismatch") & (f["sf_id"] == _opp(1))].iloc[0]
    assert (row["area"], row["severity"], row["qb_entity"], row["qb_id"], row["currency"]) == (
        "partial_sync",
        "high",
        "Invoice",
        "101",
        "USD",
    )
    for words in (
        "2,000.00 USD",
        "1,800.00 USD",
        "200.00 USD",
        "invoice 1101",
        "lower than the deal",
    ):
        assert words in row["detail"], words
    assert "no opportunity lines" in row["detail"] and "200.00 USD" in row["suggested_action"]
    # One problem, one finding: no other check names deals 1 and 4; the clean deals stay clean.
    assert set(f.loc[f["sf_id"].isin([_opp(1), _opp(4)]), "check"]) == {"deal_amount_mismatch"}
    assert not set(f["sf_id"].dropna()) & {_opp(2), _opp(3)}


def test_control_totals_and_fix_list_count_the_deal_level_gap(tmp_path: Path) -> None:
    run = _run(_write(tmp_path / "raw"), tmp_path / "out")
    totals = run.result.outputs["remediation/control_totals.csv"]
    total = totals[totals["month"] == "total"].iloc[0]
    # 200.00 + 100.00 deal-level, -0.01 within tolerance (rounding on a billed deal).
    assert (total["gap"], total["deal_amount_differs"], total["billed"]) == (
        "299.99",
        "300.00",
        "-0.01",
    )
    assert total["line_differences"] == "0.00" and total["explained_by_findings"] == "300.00"
    unbilled = run.result.outputs["remediation/unbilled_opportunities.csv"]
    assert unbilled[["opportunity_id", "amount_unbilled", "reason"]].values.tolist() == [
        [_opp(1), "200.00", "invoice bills less than the deal"],
        [_opp(4), "100.00", "invoice bills less than the deal"],
    ]


def test_lines_that_agree_leave_the_deal_total_to_this_check(tmp_path: Path) -> None:
    f = _run(_write(tmp_path / "raw", lines="agree"), tmp_path / "out").result.findings
    assert _flagged(f) == {1: 20000, 4: 10000}
    detail = f.loc[(f["check"] == "deal_amount_mismatch"), "detail"].tolist()
    assert "lines agree" in detail[0] and "has no lines" in detail[1]
    # Deal 4 has no lines: its invoice line is not "billed but not sold" (products stays silent).
    assert set(f.loc[f["sf_id"] == _opp(4), "check"]) == {"deal_amount_mismatch"}


def test_a_line_difference_is_reported_once_by_products(tmp_path: Path) -> None:
    f = _run(_write(tmp_path / "raw", lines="differ"), tmp_path / "out").result.findings
    assert _flagged(f) == {4: 10000}
    named = f[f["sf_id"] == _opp(1)]
    assert set(named["area"]) == {"products"} and len(named) == 1
    assert named["amount_at_risk_cents"].tolist() == [20000]


def test_lines_that_explain_part_leave_the_rest_at_deal_level(tmp_path: Path) -> None:
    run = _run(_write(tmp_path / "raw", lines="partly"), tmp_path / "out")
    f = run.result.findings
    assert _flagged(f) == {1: 10000, 4: 10000}
    products = f[(f["sf_id"] == _opp(1)) & (f["area"] == "products")]
    assert products["amount_at_risk_cents"].tolist() == [10000]
    detail = f.loc[(f["check"] == "deal_amount_mismatch") & (f["sf_id"] == _opp(1)), "detail"]
    assert "account for 100.00 USD; 100.00 USD is in no line" in detail.iloc[0]
    # Finance bills only the part no line explains; the control totals split the 200.00 gap.
    unbilled = run.result.outputs["remediation/unbilled_opportunities.csv"]
    assert unbilled.set_index("opportunity_id").loc[_opp(1), "amount_unbilled"] == "100.00"
    totals = run.result.outputs["remediation/control_totals.csv"]
    total = totals[totals["month"] == "total"].iloc[0]
    assert (total["line_differences"], total["deal_amount_differs"]) == ("100.00", "200.00")


@pytest.mark.parametrize("tolerance, flagged", [(0.01, {1: 20000, 4: 10000}), (150.0, {1: 20000})])
def test_tolerance_comes_from_the_client_config(
    tmp_path: Path, tolerance: float, flagged: dict[int, int]
) -> None:
    config = tmp_path / "client.yaml"
    config.write_text(f"thresholds:\n  amount_tolerance: {tolerance}\n", encoding="utf-8")
    f = _run(_write(tmp_path / "raw"), tmp_path / "out", config).result.findings
    assert _flagged(f) == flagged
    assert f["finding_id"].is_unique
