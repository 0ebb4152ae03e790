"""Invoice-side checks of area partial_sync: invoices that look like the sync's work while no
deal links them (orphans), and sync-made invoices whose header total disagrees with their lines."""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, check
from sfqb_diag.checks.partial_sync.state import shared_state
from sfqb_diag.findings import new_findings
from sfqb_diag.ids import look_up, member
from sfqb_diag.record_words import invoice_label, invoice_number, sentence_start
from sfqb_diag.words import day, money_text, text


@check(
    "orphan_invoice",
    area="partial_sync",
    severity="high",
    needs=("invoices", "opportunities"),
    what="Invoices that look like the sync's work (bill a won deal exactly, name a missing opportunity, or "
    "carry the integration's note) while no opportunity links them",
    why="Either a deal is billed but Salesforce does not know (the next run bills it again) or the customer "
    "is billed for a deal that no longer exists. Invoices made by hand in QBO are not reported.",
    fix="Link the invoice to its opportunity, or void it if the deal is gone.",
)
def orphan_invoice(ctx: Context) -> pd.DataFrame:
    opps, facts, orphans = shared_state(ctx)
    inv = facts.loc[orphans["invoice_id"]].reset_index(drop=True)
    reason = orphans["reason"].reset_index(drop=True)
    name = look_up(orphans["sf_id"], opps.set_index("id")["name"]).reset_index(drop=True)
    amount = money_text(inv["lines_net_cents"], inv["currency"])
    what = reason.map(
        {
            "matches_opportunity": "bills exactly the unlinked won deal ",
            "names_missing_opportunity": "names opportunity ",
            "integration_mark": "carries the sync's note but no opportunity links it",
        }
    ).astype("string")
    who = text(name.fillna(orphans["sf_id"].reset_index(drop=True)))
    gone = reason.eq("names_missing_opportunity").map(
        {True: ", which does not exist in Salesforce", False: ""}
    )
    action = reason.map(
        {
            "matches_opportunity": "Link it: set the opportunity's invoice link to this invoice (check "
            "customer, amount and date first).",
            "names_missing_opportunity": "Find out why the deal was deleted; void the invoice (or credit "
            "it) if the sale is off, otherwise restore the deal and link it.",
            "integration_mark": "Find the deal this invoice bills and link it, or void it if it is a "
            "stray.",
        }
    ).astype("string")
    return new_findings(
        sf_object=orphans["sf_id"]
        .notna()
        .map({True: "Opportunity", False: None})
        .reset_index(drop=True),
        sf_id=orphans["sf_id"].reset_index(drop=True),
        sf_name=name,
        qb_entity="Invoice",
        qb_id=inv["id"],
        title="Invoice not linked to any deal: "
        + invoice_number(ctx.data, inv["id"])
        + " "
        + text(inv["customer_name"]),
        detail=sentence_start(invoice_number(ctx.data, inv["id"]))
        + " ("
        + amount
        + ", "
        + day(inv["txn_date"])
        + ") "
        + what
        + who
        + gone
        + ".",
        suggested_action=action,
        amount_cents=inv["lines_net_cents"],
        currency=inv["currency"],
        confidence=reason.map(
            {"matches_opportunity": 0.8, "names_missing_opportunity": 0.9, "integration_mark": 0.7}
        ),
        severity=reason.map(
            {
                "matches_opportunity": "high",
                "names_missing_opportunity": "high",
                "integration_mark": "medium",
            }
        ),
    )


@check(
    "invoice_total_mismatch",
    area="partial_sync",
    severity="high",
    needs=("invoices", "invoice_lines", "opportunities"),
    what="Sync-made invoices whose header total differs from the sum of their lines",
    why="A header written without (or before) its lines: the customer is billed an amount the lines do not show.",
    fix="Open the invoice in QBO and save it so QBO recomputes the total; check the amount with the deal.",
)
def invoice_total_mismatch(ctx: Context) -> pd.DataFrame:
    opps, facts, orphans = shared_state(ctx)
    tol = round(ctx.thresholds.amount_tolerance * 100)
    bills = (
        opps[opps["bill_invoice"].notna()].drop_duplicates("bill_invoice").set_index("bill_invoice")
    )
    ours = facts[member(facts["id"], pd.concat([bills.index.to_series(), orphans["invoice_id"]]))]
    # Tax-inclusive invoices carry tax inside the line amounts: compare with TotalAmt as well.
    off = ((ours["header_net_cents"] - ours["lines_net_cents"]).abs() > tol) & (
        (ours["total_cents"] - ours["lines_net_cents"]).abs() > tol
    )
    bad = ours[off.fillna(False) & ours["item_lines"].gt(0) & ~ours["voided"]].reset_index(
        drop=True
    )
    sf = bad["id"].map(bills["id"]).astype("string")
    return new_findings(
        sf_object=sf.notna().map({True: "Opportunity", False: None}),
        sf_id=sf,
        sf_name=look_up(sf, opps.set_index("id")["name"]),
        qb_entity="Invoice",
        qb_id=bad["id"],
        title="Invoice total differs from its lines: " + invoice_label(ctx.data, bad["id"]),
        detail="Header total before tax "
        + money_text(bad["header_net_cents"], bad["currency"])
        + ", lines add up to "
        + money_text(bad["lines_net_cents"], bad["currency"])
        + ".",
        suggested_action="Open the invoice in QBO, check the lines against the deal and save it so the total is "
        "recomputed.",
        amount_cents=(bad["header_net_cents"] - bad["lines_net_cents"]).abs(),
        currency=bad["currency"],
        confidence=0.9,
    )
