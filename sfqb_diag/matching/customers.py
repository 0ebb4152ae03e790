"""Account <-> Customer matching: candidates, scores, reviewer decisions, assignment, statuses.

The stored link (Account.QBO_Customer_Id__c) is evidence, not truth: the linked pair is scored
like any other (with a small bonus), so a wrong link loses to the right customer. Reviewer
decisions (decisions.csv, kind=customer) override: an accepted pair is linked whatever its
score; a rejected pair is never proposed again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sfqb_diag.config import Thresholds
from sfqb_diag.dataset import Dataset
from sfqb_diag.matching.assign import assign_one_to_one, runner_up
from sfqb_diag.matching.blocking import Blocks, build_blocks, join_blocks
from sfqb_diag.matching.customer_duplicates import customer_duplicates
from sfqb_diag.matching.fellegi_sunter import LN2, Model
from sfqb_diag.matching.scoring import Comparison, compare, evidence, fit_model, reasons, score
from sfqb_diag.matching.similarity import UNLIKE_NAMES

LINK_BONUS = 1.0  # the sync's own link: mild evidence
INACTIVE_PENALTY = (
    1.6  # the active copy beats an inactive linked original (QBO rejects new txns on it)
)
TAG_PENALTY = 0.3  # prefer "Acme" to "Acme (2)"...
TXN_BONUS = 0.3  # ...unless the copy is the one carrying the transactions
NUMBER_PENALTY = 3.0  # different numbers in the names: store 8 vs store 9 (a rule, not learned)
AMBIGUOUS_MARGIN = 0.05  # a runner-up this close (and not a duplicate of the winner) -> review
MATCH_COLUMNS = ["sf_id", "current_qb_id", "qb_id", "score", "status", "reasons"]


@dataclass
class CustomerMatching:
    """Everything the customer checks, outputs and notebook read (computed once per run)."""

    accounts: pd.DataFrame  # prepared live accounts (position = li)
    customers: pd.DataFrame  # prepared non-job customers (position = r)
    all_customers: pd.DataFrame  # every customer, jobs included
    deleted: pd.DataFrame  # deleted (merged) accounts
    scored: pd.DataFrame  # candidate pairs: li, r, score, reasons, evidence
    matches: pd.DataFrame  # matches/customers.csv plus sf_name, qb_name, current_name, li, r
    qb_clusters: pd.DataFrame
    comparison: Comparison  # encoded accounts x customers, reused for duplicates
    blocks: Blocks
    model: Model  # the Fellegi-Sunter model learned on accounts x customers


def _decision_pairs(
    decisions: pd.DataFrame, accounts: pd.DataFrame, customers: pd.DataFrame, kind: str
) -> pd.DataFrame:
    chosen = decisions[(decisions["kind"] == "customer") & (decisions["decision"] == kind)]
    l_of = pd.Series(np.arange(len(accounts)), index=accounts["id"].to_numpy())
    r_of = pd.Series(np.arange(len(customers)), index=customers["id"].to_numpy())
    frame = pd.DataFrame(
        {
            "l": chosen["sf_id"].map(l_of),
            "r": chosen["qb_id"].map(r_of),
            "note": chosen["note"],
            "by": chosen["decided_by"],
        }
    ).dropna(subset=["l", "r"])
    return frame.astype({"l": "int64", "r": "int64"}).drop_duplicates(["l", "r"])


def _current_pairs(accounts: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    r_of = pd.Series(np.arange(len(customers)), index=customers["id"].to_numpy())
    r = accounts["current_qb_id"].map(r_of)
    keep = r.notna().to_numpy()
    return pd.DataFrame({"l": np.flatnonzero(keep), "r": r[keep].astype("int64").to_numpy()})


def score_pairs(cmp: Comparison, model: Model, pairs: pd.DataFrame) -> pd.DataFrame:
    """Evidence and score for (l, r) position pairs (reasons: `with_reasons`, for the few kept).

    Rules on top of the learned evidence: the sync's own link is mild evidence; an inactive
    customer loses to an active copy (QBO rejects new transactions on it); "Acme" is preferred
    to "Acme (2)" unless the link or the transactions say otherwise.
    """
    accounts, customers = cmp.left, cmp.right
    ev = pairs if "lv_name" in pairs else evidence(cmp, pairs)
    li, r = ev["l"].to_numpy(), ev["r"].to_numpy()
    current = (
        accounts["current_qb_id"].to_numpy(dtype=object, na_value=None)[li]
        == customers["id"].to_numpy(dtype=object)[r]
    )
    tagged = customers["tag"].notna().to_numpy()[r]
    busy = customers["transactions"].to_numpy()[r] > 0
    extra = (
        LINK_BONUS * current
        - INACTIVE_PENALTY * ~customers["active"].to_numpy()[r]
        - TAG_PENALTY * (tagged & ~busy & ~current)
        + TXN_BONUS * busy
        - NUMBER_PENALTY * ev["numbers_diff"].to_numpy(bool)
    )
    ev["score"] = score(model, ev, extra)
    ev["rules_logit"] = extra  # what the rules added (natural-log odds): the waterfall's last step
    ev["is_current"] = current
    return ev


def with_reasons(scored: pd.DataFrame, cmp: Comparison) -> pd.DataFrame:
    """The scored rows with a `reasons` column (costly text: only for rows that are shown)."""
    out = scored.reset_index(drop=True)
    out["reasons"] = reasons(out, cmp).to_numpy()
    return out.set_axis(scored.index)


def shown_score(score: pd.Series) -> pd.Series:
    """A probability as people read it: rounded down to 3 decimals and never 1.000 (evidence makes
    a link likely, not certain: 0.9996 beside "names 88% alike" read as "identical")."""
    return np.minimum(np.floor(score.astype("float64") * 1000) / 1000, 0.999)


def _status(frame: pd.DataFrame, auto: float) -> pd.Series:
    has_qb, current = frame["qb_id"].notna(), frame["current_qb_id"].notna()
    same = (frame["qb_id"] == frame["current_qb_id"]).fillna(False)
    sure = (frame["score"] >= auto) & ~frame["ambiguous"] & ~frame["unlike"]
    confident = sure | frame["accepted"]
    status = np.select(
        [~has_qb, same, confident & current, confident],
        ["no_match", "linked_ok", "relink", "suggest_link"],
        "review",
    )
    return pd.Series(status, index=frame.index)


def match_customers(
    data: Dataset, thresholds: Thresholds, decisions: pd.DataFrame
) -> CustomerMatching:
    """Run the whole matching for one Dataset (see module docstring)."""
    from sfqb_diag.matching.customer_parties import link_parties

    auto, review = float(thresholds.match_auto), float(thresholds.match_review)
    every_account, every_customer = link_parties(data)
    accounts = every_account[~every_account["deleted"]].reset_index(drop=True)
    customers = every_customer[~every_customer["job"]].reset_index(drop=True)
    accepted = _decision_pairs(decisions, accounts, customers, "accept")
    rejected = _decision_pairs(decisions, accounts, customers, "reject")
    blocks = build_blocks(accounts, customers)
    pairs = pd.concat(
        [
            join_blocks(blocks, "lr")[["l", "r", "keys"]],
            _current_pairs(accounts, customers).assign(keys=0),
            accepted[["l", "r"]].assign(keys=0),
        ],
        ignore_index=True,
    ).drop_duplicates(["l", "r"], ignore_index=True)
    cmp = compare(accounts, customers)
    ev = evidence(cmp, pairs)
    model = fit_model(cmp, ev, same=False)
    scored = score_pairs(cmp, model, ev)
    banned = scored.set_index(["l", "r"]).index.isin(rejected.set_index(["l", "r"]).index)
    pool = scored[~banned & ~scored["l"].isin(accepted["l"]) & ~scored["r"].isin(accepted["r"])]
    chosen = assign_one_to_one(pool, min_score=review)
    clusters = customer_duplicates(cmp, blocks, thresholds)
    group = pd.Series(clusters["cluster"].to_numpy(), index=clusters["pos"].to_numpy())
    chosen, moved = _to_survivors(chosen, pool, group, review)
    margin = chosen["score"] - runner_up(pool[pool["score"] >= review], chosen, group)
    chosen = with_reasons(chosen, cmp)
    chosen.loc[moved, "reasons"] = (
        "the customer kept among its QBO duplicates (merge the copies into it); "
        + chosen.loc[moved, "reasons"].astype(str)
    )
    forced = with_reasons(scored.merge(accepted, on=["l", "r"]), cmp)
    picked = pd.concat(
        [
            chosen.assign(
                accepted=False,
                ambiguous=(margin < AMBIGUOUS_MARGIN).to_numpy()
                & (chosen["score"] < 0.99).to_numpy(),
                unlike=(chosen["sim"] < UNLIKE_NAMES).to_numpy()
                & ~chosen["via_alias"].to_numpy(dtype=bool),
            ),
            forced.assign(accepted=True, ambiguous=False, unlike=False),
        ],
        ignore_index=True,
    )
    picked.loc[picked["accepted"], "reasons"] = (
        "accepted by "
        + forced["by"].fillna("a reviewer").astype(str)
        + "; "
        + forced["reasons"].astype(str)
    ).to_numpy()
    extras = _currency_extras(pool, picked, accounts, customers, deal_currencies(data), auto, model)
    picked = pd.concat(
        [
            picked.assign(extra=False),
            with_reasons(extras, cmp).assign(
                accepted=False, ambiguous=False, unlike=False, extra=True
            ),
        ],
        ignore_index=True,
    )
    picked.loc[picked["extra"], "reasons"] = (
        "another customer for the account's "
        + customers["currency"].iloc[picked.loc[picked["extra"], "r"]].fillna("").to_numpy()
        + " deals (a QBO customer has one currency); "
        + picked.loc[picked["extra"], "reasons"].astype(str)
    )
    matches = _match_table(
        accounts,
        customers,
        every_account,
        picked,
        auto,
        _best_rejected(scored[~banned], picked, cmp, review),
    )
    return CustomerMatching(
        accounts,
        customers,
        every_customer,
        every_account[every_account["deleted"]],
        scored,
        matches,
        clusters,
        cmp,
        blocks,
        model,
    )


def _to_survivors(
    chosen: pd.DataFrame, pool: pd.DataFrame, survivor: pd.Series, review: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """Point an account at the customer its QBO duplicate cluster keeps, not at a copy the same
    run says to merge away ("link to Acme (2)" beside "merge Acme (2) into Acme"), when that
    survivor is free and itself scores at least `review` with the account. Returns the chosen
    pairs and a mask of the moved ones."""
    keep = chosen["r"].map(survivor)
    move = keep.notna() & (keep != chosen["r"]) & ~keep.isin(chosen["r"])
    wanted = pd.DataFrame({"l": chosen.loc[move, "l"], "r": keep[move].astype("int64")})
    found = pool.reset_index().merge(wanted, on=["l", "r"])
    found = found[found["score"] >= review].sort_values("score", ascending=False)
    found = found.drop_duplicates("r").set_index("index")
    if found.empty:
        return chosen, np.zeros(len(chosen), dtype=bool)
    out = chosen[~chosen["l"].isin(found["l"])]
    merged = pd.concat([out, found[chosen.columns]]).sort_values(["l", "r"], kind="stable")
    return merged, merged["l"].isin(found["l"]).to_numpy()


def deal_currencies(data: Dataset) -> pd.DataFrame:
    """(account_id, currency) of every live opportunity, distinct."""
    opps = data.get("opportunities")
    if opps is None or "currency" not in opps or "account_id" not in opps:
        return pd.DataFrame(
            {"account_id": pd.Series(dtype="string"), "currency": pd.Series(dtype="string")}
        )
    live = opps[
        ~opps.get("is_deleted", pd.Series(False, index=opps.index)).fillna(False).astype(bool)
    ]
    return live[["account_id", "currency"]].dropna().drop_duplicates().reset_index(drop=True)


def _currency_extras(
    pool: pd.DataFrame,
    picked: pd.DataFrame,
    accounts: pd.DataFrame,
    customers: pd.DataFrame,
    deals: pd.DataFrame,
    auto: float,
    model: Model,
) -> pd.DataFrame:
    """Second customers of accounts that deal in several currencies (QBO: one currency per customer).

    A customer left unassigned whose currency differs from the account's assigned customer's, is
    one of the account's deal currencies, and scores confidently once the currency difference is
    discounted, is the account's customer for that currency.
    """
    cur = customers["currency"].to_numpy(dtype=object, na_value=None)
    free = pool[~pool["r"].isin(picked["r"]) & pool["l"].isin(picked["l"])]
    if free.empty:
        return free
    primary = picked.drop_duplicates("l").set_index("l")["r"]
    currency = cur[free["r"].to_numpy()]
    primary_currency = cur[primary.reindex(free["l"].to_numpy()).to_numpy().astype(int)]
    sf_id = accounts["id"].to_numpy(dtype=object)[free["l"].to_numpy()]
    traded = pd.MultiIndex.from_arrays([sf_id, currency]).isin(
        pd.MultiIndex.from_arrays(
            [deals["account_id"].to_numpy(dtype=object), deals["currency"].to_numpy(dtype=object)]
        )
    )
    # Discount the learned weight of "different currency" (in natural-log odds).
    discount = LN2 * model.weight_of("currency", "different")
    logit = np.log(free["score"] / (1 - free["score"]).clip(lower=1e-12)) - discount
    ok = traded & (currency != primary_currency) & (logit >= np.log(auto / (1 - auto))).to_numpy()
    cand = free[ok].assign(currency=currency[ok])
    cand = cand.sort_values(["r", "score"], ascending=[True, False]).drop_duplicates("r")
    cand = cand.sort_values(
        ["l", "currency", "score"], ascending=[True, True, False]
    ).drop_duplicates(["l", "currency"])
    return cand.drop(columns="currency")


def _best_rejected(
    scored: pd.DataFrame, picked: pd.DataFrame, cmp: Comparison, review: float
) -> pd.Series:
    """l -> why the best candidate of an account left without a customer was not proposed."""
    left = scored[~scored["l"].isin(picked["l"])].sort_values(
        ["l", "score"], ascending=[True, False]
    )
    best = with_reasons(left.drop_duplicates("l"), cmp)
    taken = best["r"].isin(picked["r"]).to_numpy()
    names = cmp.right["name"].to_numpy(dtype=object)[best["r"].to_numpy()]
    ids = cmp.right["id"].to_numpy(dtype=object)[best["r"].to_numpy()]
    text = (
        "best candidate "
        + pd.Series(names, dtype="string").fillna("")
        + " (Id "
        + pd.Series(ids, dtype="string")
        + ") scored "
        + best["score"].map("{:.2f}".format).astype("string").reset_index(drop=True)
        + pd.Series(
            ["; it belongs to another account" if t else f"; below {review:.2f}" for t in taken],
            dtype="string",
        )
        + ": "
        + best["reasons"].astype("string").reset_index(drop=True)
    )
    return pd.Series(text.to_numpy(), index=best["l"].to_numpy())


def _match_table(
    accounts: pd.DataFrame,
    customers: pd.DataFrame,
    every_account: pd.DataFrame,
    picked: pd.DataFrame,
    auto: float,
    why_not: pd.Series,
) -> pd.DataFrame:
    """One row per account (deleted ones too), plus any accepted second customer."""
    base = pd.DataFrame(
        {
            "l": np.arange(len(accounts)),
            "sf_id": accounts["id"].to_numpy(),
            "sf_name": accounts["name"].to_numpy(),
            "current_qb_id": accounts["current_qb_id"].to_numpy(),
        }
    )
    first = picked.sort_values(
        ["l", "extra", "accepted", "score"], ascending=[True, True, False, False]
    ).drop_duplicates("l")
    rows = base.merge(pd.concat([first, picked.drop(first.index)]), on="l", how="left")
    # One trailing NA so unmatched rows (r missing) index a blank, even with no customers at all.
    picked_at = rows["r"].fillna(len(customers)).astype(int).to_numpy()
    for column, source in (("qb_id", "id"), ("qb_name", "name")):
        values = np.append(customers[source].to_numpy(dtype=object), [None])
        rows[column] = pd.Series(values[picked_at], dtype="string")
    rows["accepted"] = rows["accepted"].fillna(False).astype(bool)
    rows["extra"] = rows["extra"].fillna(False).astype(bool)
    rows["ambiguous"] = rows["ambiguous"].fillna(False).astype(bool)
    rows["unlike"] = rows["unlike"].fillna(False).astype(bool)
    rows["score"] = shown_score(rows["score"].fillna(0.0))
    rows["reasons"] = (
        rows["reasons"]
        .astype("string")
        .fillna(pd.Series(rows["l"].map(why_not).to_numpy(), index=rows.index, dtype="string"))
        .fillna("no customer shares a name, phone, email domain or address with this account")
    )
    rows.loc[rows["ambiguous"], "reasons"] = (
        "another customer scores nearly as well; " + rows.loc[rows["ambiguous"], "reasons"]
    )
    rows.loc[rows["unlike"], "reasons"] = (
        "the names differ (a relative or another company at the same place?): confirm; "
        + rows.loc[rows["unlike"], "reasons"]
    )
    rows["status"] = _status(rows, auto)
    rows.loc[rows["extra"], "status"] = (
        "suggest_link"  # an additional counterpart, not the link field's
    )
    gone = every_account[every_account["deleted"]]
    deleted = pd.DataFrame(
        {
            "sf_id": gone["id"].to_numpy(),
            "sf_name": gone["name"].to_numpy(),
            "current_qb_id": gone["current_qb_id"].to_numpy(),
            "score": 0.0,
            "status": "no_match",
            "reasons": (
                "account deleted in Salesforce"
                + np.where(
                    gone["master_id"].notna(),
                    " (merged into " + gone["master_id"].fillna("") + ")",
                    "",
                )
            ),
        }
    )
    out = pd.concat([rows, deleted], ignore_index=True)
    out["qb_id"] = out["qb_id"].astype("string")
    out["extra"] = out["extra"].fillna(False).astype(bool)
    out["accepted"] = out["accepted"].fillna(False).astype(bool)
    return out[[*MATCH_COLUMNS, "sf_name", "qb_name", "l", "r", "accepted", "extra"]].reset_index(
        drop=True
    )
