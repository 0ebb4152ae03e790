"""Checks of area `auth_env`: which environments and which realm the data came from, and whether
the Salesforce Ids written into QBO belong to this org (docs/areas/auth_env.md).

Whole-org problems (sandbox wired to production) are single aggregate findings with no record
ids; links made against another realm are judged per kind in realm.py. Token, API-version and endpoint
checks live in auth_env_tokens.py, the currency setup in auth_env_currency.py, and a sandbox
compared with production books in sandbox.py.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag import envrules
from sfqb_diag.checks.auth_env import sandbox
from sfqb_diag.checks.auth_env.facts import (
    quickbooks_verdict,
    salesforce_verdict,
)
from sfqb_diag.checks.auth_env.ids import (
    ambiguous_short_refs,
    foreign_refs,
    shared_refs,
    shared_short_refs,
)
from sfqb_diag.checks.base import Context, check
from sfqb_diag.findings import empty_findings, new_findings
from sfqb_diag.record_words import record_number, sentence_start
from sfqb_diag.words import money

SF_OBJECT = {
    "accounts": "Account",
    "opportunities": "Opportunity",
    "products": "Product2",
    "contacts": "Contact",
}


def _clues(verdict: envrules.EnvVerdict) -> str:
    return "; ".join(f"{e.source} = {e.value}" for e in verdict.evidence if e.says) or "no clue"


@check(
    "environment_mismatch",
    area="auth_env",
    severity="critical",
    needs=(),
    what="Salesforce and QuickBooks are different environments (a sandbox wired to production)",
    why="A sandbox org writing into the live books bills test deals; production deals written into a "
    "sandbox company never reach the books. Every synced record is suspect.",
    fix="Point the connector at the matching pair (production with production), then review what the "
    "wrong pairing created on the live side.",
)
def environment_mismatch(ctx: Context) -> pd.DataFrame:
    sf, qb = salesforce_verdict(ctx.data), quickbooks_verdict(ctx.data)
    if not envrules.environments_mismatch(sf, qb):
        return empty_findings()
    live = "QuickBooks Online" if qb.environment == envrules.PRODUCTION else "Salesforce"
    return new_findings(
        title=f"Environment mismatch: Salesforce {sf.environment} is wired to QuickBooks {qb.environment}",
        detail=f"Salesforce looks like {sf.environment} ({_clues(sf)}); QuickBooks Online looks like "
        f"{qb.environment} ({_clues(qb)}).",
        suggested_action=f"Stop the sync and wire like with like (production with production, a sandbox with a "
        f"QuickBooks sandbox company), then find and reverse what it wrote into {live} "
        f"(invoices, customers, payments).",
        confidence=0.95,
    )


@check(
    "environment_evidence_conflict",
    area="auth_env",
    severity="medium",
    needs=(),
    what="The clues about one side's environment contradict each other",
    why="A config that says production while the company answering is a sandbox (or the reverse) "
    "means the connector may not be talking to the system everyone thinks it is.",
    fix="Check the connector's login URL / base URL and the company it is connected to.",
)
def environment_evidence_conflict(ctx: Context) -> pd.DataFrame:
    verdicts = [
        v for v in (salesforce_verdict(ctx.data), quickbooks_verdict(ctx.data)) if v.conflicting
    ]
    if not verdicts:
        return empty_findings()
    sides = pd.Series(
        ["Salesforce" if v.side == "salesforce" else "QuickBooks Online" for v in verdicts]
    )
    details = pd.Series(
        [
            " vs ".join(f"{e.source} says {e.says} ({e.value})" for e in v.evidence if e.says)
            for v in verdicts
        ]
    )
    return new_findings(
        title="Contradicting environment clues on " + sides,
        detail=details,
        suggested_action="Confirm which environment answered (Organization.IsSandbox / the QBO company) "
        "and correct the config so it names it.",
        confidence=0.8,
        line_id=pd.Series([v.side for v in verdicts]),
    )


@check(
    "cross_environment_write",
    area="auth_env",
    severity="high",
    # Salesforce Ids named on QBO records, judged against the Salesforce records of this org
    needs=(
        "invoices|customers|payments|credit_memos|sales_receipts",
        "accounts|opportunities|contacts|products",
    ),
    what="QBO records that name a Salesforce record this org never had (written by another org)",
    why="A sandbox shares production's record Ids up to its refresh and numbers new records on its own "
    "pod: QBO records naming Ids this org lacks, or records created after the QBO record, were "
    "written by a sandbox or another org into these books.",
    fix="Confirm with the team who created them; reverse test transactions in QBO (void / credit memo) "
    "and disconnect the other org.",
    supersedes=("orphan_invoice",),
)
def cross_environment_write(ctx: Context) -> pd.DataFrame:
    refs = foreign_refs(ctx.data, ctx.config, shared_refs(ctx))
    if refs.empty:
        return empty_findings()
    other = refs["other_pod"].astype(bool)
    missing = refs["reason"] == "missing"
    why = pd.Series(
        "names "
        + refs["sf_id_as_written"]
        + ", which exists in this org but was created "
        + refs["sf_created"].astype(str).str.slice(0, 16)
        + " UTC, after the QBO record ("
        + pd.to_datetime(refs["qb_create_time"], utc=True).astype(str).str.slice(0, 16)
        + " UTC): the QBO record was made for another record carrying the same Id",
        index=refs.index,
    )
    why = why.mask(
        missing, "names " + refs["sf_id_as_written"] + ", which does not exist in this org"
    )
    why = why.mask(
        missing & other,
        why
        + " and was numbered on pod "
        + refs["sf_id"].str.slice(3, 5)
        + ", not this org's: it was created in another org (a sandbox)",
    )
    money_txn = refs["qb_amount_cents"].notna()
    amounts = [
        money(c, cur) for c, cur in zip(refs["qb_amount_cents"], refs["qb_currency"], strict=True)
    ]
    detail = (
        sentence_start(record_number(ctx.data, refs["qb_entity"], refs["qb_id"]))
        + " "
        + why
        + pd.Series([f" (amount {a})" if a else "" for a in amounts], index=refs.index)
    )
    # Money booked by another org into live books is wrong now; a sandbox pulled beside production
    # merely lacks production's newer records (reported, but not as money already wrong).
    lagging_copy = sandbox.sandbox_against_production(ctx.data)
    severity = pd.Series("high", index=refs.index).mask(
        money_txn & other & (not lagging_copy), "critical"
    )
    return new_findings(
        sf_object=refs["sf_table"].map(SF_OBJECT),
        sf_id=refs["sf_id"],
        qb_entity=refs["qb_entity"],
        qb_id=refs["qb_id"],
        qb_name=refs["qb_name"],
        sf_name=refs["sf_name"],
        title="Written by another Salesforce org: "
        + record_number(ctx.data, refs["qb_entity"], refs["qb_id"]),
        detail=detail,
        amount_cents=refs["qb_amount_cents"],
        currency=refs["qb_currency"],
        suggested_action="Check who created it; if it came from a sandbox, void it (or issue a credit memo) "
        "and disconnect that sandbox from these books.",
        confidence=other.map({True: 0.95, False: 0.75}),
        severity=severity,
    )


@check(
    "short_id_on_qbo",
    area="auth_env",
    severity="low",
    needs=(),
    what="Salesforce Ids stored on the QBO side in their 15-character, case-sensitive form",
    why="15-character Ids differ only by letter case; wherever case is lost (spreadsheets, SQL collations, "
    "lookups) two records can collide and a link lands on the wrong one.",
    fix="Have the connector write the 18-character Id (CASESAFEID) and rewrite the existing memos.",
)
def short_id_on_qbo(ctx: Context) -> pd.DataFrame:
    short = shared_short_refs(ctx)
    short = short[~short["collides"]]  # the colliding ones are id_case_collision's
    if short.empty:
        return empty_findings()
    mangled = short["case_lost"].astype(bool)
    note = mangled.map(
        {
            True: "; its letter case was already lost, so it names the record only "
            "case-insensitively",
            False: "",
        }
    )
    return new_findings(
        sf_object=short["sf_table"].map(SF_OBJECT),
        sf_id=short["target"],
        qb_entity=short["qb_entity"],
        qb_id=short["qb_id"],
        qb_name=short["qb_name"],
        title="15-character Salesforce Id on "
        + record_number(ctx.data, short["qb_entity"], short["qb_id"]),
        detail=sentence_start(record_number(ctx.data, short["qb_entity"], short["qb_id"]))
        + " stores "
        + short["sf_id_as_written"]
        + " (18-character form "
        + short["target"]
        + ")"
        + note,
        suggested_action="Rewrite the reference as the 18-character Id "
        + short["target"]
        + " and make the connector write 18-character Ids.",
        severity=mangled.map({True: "medium", False: "low"}),
        confidence=0.9,
    )


@check(
    "id_case_collision",
    area="auth_env",
    severity="medium",
    # two Salesforce records are needed for their Ids to collide
    needs=(
        "invoices|customers|payments|credit_memos|sales_receipts",
        "accounts|opportunities|contacts|products",
    ),
    what="15-character Ids on the QBO side that fit two Salesforce records once letter case is lost",
    why="Salesforce numbers records in base 62, so many Ids differ only by case in their 15-character form; "
    "spreadsheets, case-insensitive databases and lookups then take one record for the other.",
    fix="Rewrite the reference as the 18-character Id and key every join on 18-character Ids.",
)
def id_case_collision(ctx: Context) -> pd.DataFrame:
    refs = ambiguous_short_refs(ctx.data, ctx.config, shared_short_refs(ctx))
    if refs.empty:
        return empty_findings()
    return new_findings(
        sf_object=refs["sf_table"].map(SF_OBJECT),
        sf_id=refs["target"],
        qb_entity=refs["qb_entity"],
        qb_id=refs["qb_id"],
        qb_name=refs["qb_name"],
        title=sentence_start(record_number(ctx.data, refs["qb_entity"], refs["qb_id"]))
        + ": its 15-character Salesforce Id fits two records",
        detail=sentence_start(record_number(ctx.data, refs["qb_entity"], refs["qb_id"]))
        + " stores "
        + refs["sf_id_as_written"]
        + " (meant: "
        + refs["target"]
        + "); with case ignored it is also "
        + refs["twins"]
        + ".",
        suggested_action="Rewrite the reference as " + refs["target"] + " (18 characters).",
        confidence=0.9,
    )
