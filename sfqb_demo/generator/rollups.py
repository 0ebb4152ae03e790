"""Money the demo's connector writes back into Salesforce, and how it drifts from QBO.

The connector (Breadwinner-style) recalculates every linked account's amount due, overdue,
invoiced, paid and credited once a night from QBO, and each linked deal's amount paid, balance
and payment status. Computed here from the final QBO state, independently of the checks, so
every untouched account agrees with QBO. Then drift of each cause (a recalculation that stopped,
a validation rule refusing the update, an invoice on another customer, an unapplied payment),
deals whose payment state contradicts the invoice, and the fine look-alikes (a rollup from last
night older than today's payment; a one-cent currency rounding).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import synclog
from sfqb_demo.generator.factory import inv_rows
from sfqb_demo.generator.pools import invoiced_opps, sf_ids, take_opps
from sfqb_demo.generator.world import AS_OF_TS, DAY, HOUR, World, scaled

AREA = "partial_sync"
# The demo's client.yaml `rollups:` (the Breadwinner Account preset and the demo's own deal fields).
ACCOUNT_FIELDS = {
    "due": "Bread_Winner__Total_Amount_Due__c",
    "overdue": "Bread_Winner__Total_Amount_Overdue__c",
    "invoiced": "Bread_Winner__Total_Amount_Invoiced__c",
    "paid": "Bread_Winner__Total_Amount_Paid__c",
    "credited": "Bread_Winner__Total_Amount_Credit__c",
}
OPP_FIELDS = {
    "opp_paid": "QBO_Amount_Paid__c",
    "opp_balance": "QBO_Balance__c",
    "opp_status": "QBO_Payment_Status__c",
}
CONFIG = (
    "name: demo\nrollups:\n"
    + "".join(f"  account_amount_{k}: Account.{v}\n" for k, v in ACCOUNT_FIELDS.items())
    + "  opportunity_amount_paid: Opportunity.QBO_Amount_Paid__c\n"
    + "  opportunity_balance: Opportunity.QBO_Balance__c\n"
    + "  opportunity_payment_status: Opportunity.QBO_Payment_Status__c\n"
    + "  window_hours: 24\n"
)
NIGHTLY = AS_OF_TS - 5 * HOUR  # last night's recalculation, before the as-of time


def _live(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["_deleted"]] if "_deleted" in frame else frame


def _per_customer(w: World) -> pd.DataFrame:
    """QBO's figures per customer Id, the way the connector sums them."""
    inv = _live(w.qb["invoices"])
    inv = inv[~inv["PrivateNote"].astype(str).str.contains(r"(?i)\bvoid", regex=True)]
    late = (AS_OF_TS // DAY - inv["DueDate"].to_numpy()) >= 1
    owed = np.where(inv["balance"].to_numpy() > 0, inv["balance"].to_numpy(), 0)
    pay, cm = _live(w.qb["payments"]), _live(w.qb["credit_memos"])
    frame = pd.concat(
        {
            "due": pd.Series(owed).groupby(inv["cust"].to_numpy()).sum(),
            "overdue": pd.Series(np.where(late, owed, 0)).groupby(inv["cust"].to_numpy()).sum(),
            "invoiced": inv.groupby("cust")["total"].sum(),
            "paid": pay.groupby("cust")["total"].sum(),
            "credited": cm.groupby("cust")["total"].sum(),
        },
        axis=1,
    )
    return frame.fillna(0).astype(np.int64)


def write_back(w: World) -> None:
    """Every linked account and deal gets the connector's figures from QBO, as of last night."""
    acc, opp = w.sf["accounts"], w.sf["opps"]
    figures = _per_customer(w)
    link = pd.to_numeric(acc["QBO_Customer_Id__c"], errors="coerce")
    known = link.isin(_live(w.qb["customers"])["Id"]).to_numpy()
    for key in ACCOUNT_FIELDS:
        values = link.map(figures[key]).fillna(0).astype(np.int64).to_numpy()
        acc[key] = np.where(known, values, -1)  # -1: no rollup (the field is empty)
    acc["modified"] = np.where(known, np.maximum(acc["modified"], NIGHTLY), acc["modified"])
    inv = _live(w.qb["invoices"]).set_index("Id")
    ids = pd.to_numeric(opp["QBO_Invoice_Id__c"], errors="coerce")
    has = ids.isin(inv.index).to_numpy()
    total = ids.map(inv["total"]).fillna(0).astype(np.int64).to_numpy()
    balance = ids.map(inv["balance"]).fillna(0).astype(np.int64).to_numpy()
    opp["opp_balance"] = np.where(has, balance, -1)
    opp["opp_paid"] = np.where(has, total - balance, -1)
    status = np.where(balance <= 0, "Paid", np.where(balance < total, "Partially Paid", "Unpaid"))
    opp["opp_status"] = np.where(has, status, "")


def misplace(w: World) -> None:
    """Before finalize (so QBO balances follow): open invoices of some deals moved onto another
    QBO customer of the same currency. The connector still counts each under the deal's account
    (its Salesforce invoice record hangs off the deal), so the account shows more than its own
    customer owes in QBO. Read back by `inject` (w.extra['misplaced'])."""
    opp, inv, cust = w.sf["opps"], w.qb["invoices"], w.qb["customers"]
    rows, iids = take_opps(w, scaled(w.size, 4), invoiced_opps(w, unpaid=True))
    acc_rows = opp["_acc"].to_numpy()[rows]
    keep = w.free("accounts")[acc_rows]
    rows, iids, acc_rows = rows[keep], iids[keep], acc_rows[keep]
    w.mark("accounts", acc_rows)
    irows = inv_rows(iids)
    live = cust[~cust["_deleted"] & cust["Active"].astype(bool)]
    moved_to = []
    for currency, owner in zip(
        inv["currency"].to_numpy()[irows], inv["cust"].to_numpy()[irows], strict=True
    ):
        others = live[(live["currency"] == currency) & (live["Id"] != owner)]["Id"].to_numpy()
        moved_to.append(int(w.rng.choice(others)))
    inv.loc[irows, "cust"] = moved_to
    w.truth.touch(qb_entity="Customer", qb=moved_to)
    w.truth.touch(qb_entity="Invoice", qb=iids)
    w.extra["misplaced"] = (acc_rows, iids)


def inject(w: World) -> None:
    """Drift of each cause and the look-alikes; after write_back."""
    _unapplied(w)
    _other_customer(w)
    _stale(w)
    _validation_rule(w)
    _deal_states(w)
    _lookalikes(w)


def _accounts_with(w: World, need: np.ndarray, n: int) -> np.ndarray:
    """Free linked accounts (with a rollup) satisfying `need`."""
    acc = w.sf["accounts"]
    ok = need & (acc["due"].to_numpy() >= 0) & ~acc["IsDeleted"].to_numpy(dtype=bool)
    return w.pick("accounts", ok, n)


def _customer(w: World, rows: np.ndarray) -> np.ndarray:
    """The QBO customers the accounts link to (touched: their finding names them too)."""
    ids = pd.to_numeric(w.sf["accounts"]["QBO_Customer_Id__c"].iloc[rows]).to_numpy(np.int64)
    w.truth.touch(qb_entity="Customer", qb=ids)
    return ids


def _other_customer(w: World) -> None:
    """Salesforce counts the misplaced invoices under the deal's account (see misplace): its
    amount due, overdue and invoiced exceed what the account's own QBO customer shows. High
    when that customer owes nothing else (a paid-up customer shown as owing)."""
    acc, inv = w.sf["accounts"], w.qb["invoices"].set_index("Id")
    acc_rows, iids = w.extra.get("misplaced", (np.array([], dtype=np.int64), np.array([])))
    if not len(acc_rows):
        return
    _customer(w, acc_rows)
    balance, total = inv.loc[iids, "balance"].to_numpy(), inv.loc[iids, "total"].to_numpy()
    late = (AS_OF_TS // DAY - inv.loc[iids, "DueDate"].to_numpy()) >= 1
    severity = np.where(acc["due"].to_numpy()[acc_rows] == 0, "high", "medium")
    added = (
        pd.DataFrame({"due": balance, "overdue": np.where(late, balance, 0), "invoiced": total})
        .groupby(acc_rows)
        .sum()
    )
    for key in added:
        acc.loc[added.index, key] += added[key].to_numpy()
    for level in ("high", "medium"):
        pick = severity == level
        w.truth.defect(
            AREA,
            "rollup_other_customer",
            level,
            sf=sf_ids(w, "accounts", acc_rows[pick]),
            cents=balance[pick],
            currency=acc["CurrencyIsoCode"].to_numpy()[acc_rows[pick]],
        )


def _stale(w: World) -> None:
    """The nightly job stopped 4 days ago for these accounts; a payment arrived 2 days ago, so
    Salesforce still shows the paid invoice overdue while QBO has nothing overdue: high."""
    acc, pay = w.sf["accounts"], w.qb["payments"]
    paying = _live(pay)
    last = paying.sort_values("create").drop_duplicates("cust", keep="last").set_index("cust")
    link = pd.to_numeric(acc["QBO_Customer_Id__c"], errors="coerce")
    need = link.isin(last.index).to_numpy() & (acc["overdue"].to_numpy() == 0)
    rows = _accounts_with(w, need, scaled(w.size, 6))
    cust = _customer(w, rows)
    amount = last.loc[cust, "total"].to_numpy(np.int64)
    prow = pay.index[pay["Id"].isin(last.loc[cust, "Id"])].to_numpy()
    pay.loc[prow, "update"] = AS_OF_TS - 2 * DAY
    acc.loc[rows, "due"] += amount
    acc.loc[rows, "overdue"] += amount
    acc.loc[rows, "paid"] -= amount
    acc.loc[rows, "modified"] = AS_OF_TS - 4 * DAY
    w.truth.defect(
        AREA,
        "rollup_stale",
        "high",
        sf=sf_ids(w, "accounts", rows),
        cents=amount,
        currency=acc["CurrencyIsoCode"].to_numpy()[rows],
    )


def _validation_rule(w: World) -> None:
    """A validation rule refuses the connector's update: the amount due stays at its old value
    (500.00 more than QBO now says) and the sync log shows the rejection: medium."""
    acc = w.sf["accounts"]
    rows = _accounts_with(w, acc["due"].to_numpy() > 100_000, scaled(w.size, 4))
    acc.loc[rows, "due"] += 50_000
    acc.loc[rows, "modified"] = AS_OF_TS - 9 * DAY
    ids = sf_ids(w, "accounts", rows)
    block = synclog.rows(
        np.full(len(rows), NIGHTLY),
        "qbo_to_sf",
        "Account",
        ids,
        "Customer",
        _customer(w, rows),
        "update",
        "error",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    )
    w.log.append(block)
    w.truth.defect(
        AREA,
        "rollup_validation_rule",
        "medium",
        sf=ids,
        cents=np.full(len(rows), 50_000),
        currency=acc["CurrencyIsoCode"].to_numpy()[rows],
    )


def _unapplied(w: World) -> None:
    """The connector nets an unapplied payment off the amount due, while QBO's invoices stay
    open: Salesforce shows less owed than QBO (medium). Unapplied payments are few (the
    payment defects make them), so their accounts are taken even when another area's defect
    uses them (runs first: the other rollup drifts then avoid these accounts)."""
    acc, pay = w.sf["accounts"], _live(w.qb["payments"])
    left = pay[pay["unapplied"] > 0].groupby("cust")["unapplied"].sum()
    link = pd.to_numeric(acc["QBO_Customer_Id__c"], errors="coerce")
    due = acc["due"].to_numpy()
    need = link.isin(left.index).to_numpy() & (due >= link.map(left).fillna(np.inf).to_numpy())
    need &= (due >= 0) & ~acc["IsDeleted"].to_numpy(dtype=bool)
    rows = np.flatnonzero(need)[: scaled(w.size, 4)]
    w.mark("accounts", rows)
    amount = left.loc[_customer(w, rows)].to_numpy(np.int64)
    acc.loc[rows, "due"] -= amount
    w.truth.defect(
        AREA,
        "rollup_unapplied_payment",
        "medium",
        sf=sf_ids(w, "accounts", rows),
        cents=amount,
        currency=acc["CurrencyIsoCode"].to_numpy()[rows],
    )


def _invoices(w: World, rows: np.ndarray) -> None:
    """The deals' invoices are named by their findings too: touched."""
    ids = pd.to_numeric(w.sf["opps"]["QBO_Invoice_Id__c"].iloc[rows]).to_numpy(np.int64)
    w.truth.touch(qb_entity="Invoice", qb=ids)


def _deal_states(w: World) -> None:
    """Deals whose payment fields contradict the invoice: shown paid while the invoice is open
    (medium), shown unpaid while QBO has it paid (high: the customer is chased)."""
    opp = w.sf["opps"]
    cur = opp["CurrencyIsoCode"].to_numpy()
    open_ = (opp["opp_balance"].to_numpy() > 0) & (opp["opp_status"].to_numpy() == "Unpaid")
    rows = w.pick("opps", open_, scaled(w.size, 4))
    _invoices(w, rows)
    balance = opp["opp_balance"].to_numpy()[rows].copy()
    opp.loc[rows, ["opp_status"]] = "Paid"
    opp.loc[rows, "opp_paid"] += opp["opp_balance"].to_numpy()[rows]
    opp.loc[rows, "opp_balance"] = 0
    w.truth.defect(
        AREA,
        "opportunity_paid_but_open",
        "medium",
        sf=sf_ids(w, "opps", rows),
        cents=balance,
        currency=cur[rows],
    )
    paid = (opp["opp_balance"].to_numpy() == 0) & (opp["opp_status"].to_numpy() == "Paid")
    rows = w.pick("opps", paid, scaled(w.size, 4))
    _invoices(w, rows)
    owed = opp["opp_paid"].to_numpy()[rows].copy()
    opp.loc[rows, "opp_status"] = "Unpaid"
    opp.loc[rows, "opp_balance"] = owed
    opp.loc[rows, "opp_paid"] = 0
    _balance_drift(w)
    w.truth.defect(
        AREA,
        "opportunity_open_but_paid",
        "high",
        sf=sf_ids(w, "opps", rows),
        cents=owed,
        currency=cur[rows],
    )


def _balance_drift(w: World) -> None:
    """Deals still open on both sides whose balance the connector wrote 100.00 too high (a
    mapping that adds a fee): medium, Salesforce asks for the wrong amount."""
    opp = w.sf["opps"]
    open_ = (opp["opp_balance"].to_numpy() > 0) & (opp["opp_status"].to_numpy() != "")
    rows = w.pick("opps", open_, scaled(w.size, 4))
    _invoices(w, rows)
    opp.loc[rows, "opp_balance"] += 10_000
    w.truth.defect(
        AREA,
        "opportunity_balance_drift",
        "medium",
        sf=sf_ids(w, "opps", rows),
        cents=np.full(len(rows), 10_000),
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )


def _lookalikes(w: World) -> None:
    """Fine: a payment recorded this morning after last night's recalculation (inside the
    daily window), and a one-cent difference from currency rounding (within amount_tolerance)."""
    acc, pay = w.sf["accounts"], w.qb["payments"]
    paying = _live(pay).drop_duplicates("cust", keep="last").set_index("cust")
    link = pd.to_numeric(acc["QBO_Customer_Id__c"], errors="coerce")
    rows = _accounts_with(w, link.isin(paying.index).to_numpy(), scaled(w.size, 4))
    cust = _customer(w, rows)
    amount = paying.loc[cust, "total"].to_numpy(np.int64)
    prow = pay.index[pay["Id"].isin(paying.loc[cust, "Id"])].to_numpy()
    pay.loc[prow, "update"] = AS_OF_TS - 2 * HOUR
    acc.loc[rows, "due"] += amount
    acc.loc[rows, "paid"] -= amount
    w.truth.lookalike(AREA, "rollup_within_daily_window", sf=sf_ids(w, "accounts", rows))
    rows = _accounts_with(w, acc["due"].to_numpy() > 0, scaled(w.size, 4))
    acc.loc[rows, "due"] += 1
    w.truth.lookalike(AREA, "rollup_currency_rounding", sf=sf_ids(w, "accounts", rows))
