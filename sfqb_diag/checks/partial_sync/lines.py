"""Check of area `partial_sync`: Salesforce lines that never reached an invoice whose other lines
did (docs/areas/partial_sync.md).

DESIGN.md puts "missing invoices or lines" in partial_sync: the sync wrote the invoice and dropped
a line on the way, so part of the deal is unbilled. A line that reached the invoice but differs
(quantity, price, discount, tax, currency, rounding) is `products`'. Both read one shared line
pairing (checks/line_pairing), so a line is paired, classified and reported once.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.line_pairing.classes import SEVERITY
from sfqb_diag.checks.line_pairing.reconcile import NEEDS, line_reconciliation, side_words
from sfqb_diag.findings import new_findings
from sfqb_diag.record_words import number_words
from sfqb_diag.words import gap_text


@check(
    "line_missing_line",
    area="partial_sync",
    severity=SEVERITY["missing_line"],
    needs=NEEDS,
    what="Opportunity lines with no line on the linked invoice (its other lines reached it)",
    why="Sold but not billed: the sync dropped the line on its way to the invoice; revenue is lost "
    "unless the line is added.",
    fix="Add the line to the invoice (or bill it separately).",
)
def line_missing_line(ctx: Context) -> pd.DataFrame:
    rows = line_reconciliation(ctx)
    rows = rows[rows["diff_class"] == "missing_line"].reset_index(drop=True)
    if rows.empty:
        return pd.DataFrame()
    what = rows["product_name"].astype("string").fillna(rows["item_name"].astype("string"))
    what = what.fillna("line")
    invoice = number_words(rows["doc_number"], rows["invoice_id"], "invoice")
    side = side_words(rows["sf_qty"], rows["sf_unit"], rows["sf_cents"], rows["currency"])
    return new_findings(
        sf_object="Opportunity",
        sf_id=rows["opportunity_id"],
        sf_name=rows["opp_name"],
        qb_entity="Invoice",
        qb_id=rows["invoice_id"],
        line_id=rows["sf_line_id"].fillna("") + "|",
        title="Line missing from invoice: " + rows["opp_name"].fillna("") + " / " + what,
        detail="Salesforce line: "
        + side
        + "; no line on "
        + invoice
        + "; "
        + gap_text(rows["delta_cents"], rows["currency"]),
        suggested_action="Add the line '" + what + "' (" + side + ") to " + invoice,
        amount_cents=rows["delta_cents"].abs(),
        currency=rows["currency"],
        confidence=0.9,
        severity=SEVERITY["missing_line"],
    )
