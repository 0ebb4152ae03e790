"""Amounts at risk in the QBO company's home currency, where the data carries the rate.

QBO keeps the home currency in Preferences (CurrencyPrefs.HomeCurrency) and, on each foreign
transaction, `ExchangeRate`: home-currency units for one unit of the transaction's currency
(with `HomeTotalAmt`, the total QBO booked in home currency). A finding on such a transaction is
converted with that transaction's own rate; any other amount in a foreign currency with the
latest rate QBO recorded for that currency on or before the as-of time (an estimate, said so in
`home_basis`); an amount in a currency QBO never recorded a rate for stays empty. The amounts
are for ranking and overview: the exact amount is always the one in the row's own currency.
"""

from __future__ import annotations

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import SEVERITY_RANK
from sfqb_diag.sources.org_currency import preferences_currency

RATE_TABLES = {
    "Invoice": "invoices",
    "CreditMemo": "credit_memos",
    "SalesReceipt": "sales_receipts",
}


def home_currency(data: Dataset | None) -> str | None:
    """The QBO company's home currency (Preferences), or None when the data does not say."""
    return preferences_currency(data)


def _transactions(data: Dataset) -> pd.DataFrame:
    parts = []
    for entity, table in RATE_TABLES.items():
        frame = data.get(table)
        if frame is None or frame.empty or "exchange_rate" not in frame:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "qb_entity": entity,
                    "qb_id": frame["id"].astype("string"),
                    "txn_currency": frame["currency"].astype("string"),
                    "rate": frame["exchange_rate"].astype("float64"),
                    "total_cents": frame["total_cents"].astype("Int64"),
                    "home_total_cents": frame["home_total_cents"].astype("Int64")
                    if "home_total_cents" in frame
                    else pd.array([pd.NA] * len(frame), dtype="Int64"),
                    "txn_date": pd.to_datetime(frame["txn_date"]),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                **{c: pd.Series(dtype="string") for c in ("qb_entity", "qb_id", "txn_currency")},
                "rate": pd.Series(dtype="float64"),
                "total_cents": pd.Series(dtype="Int64"),
                "home_total_cents": pd.Series(dtype="Int64"),
                "txn_date": pd.Series(dtype="datetime64[ns]"),
            }
        )
    return pd.concat(parts, ignore_index=True).drop_duplicates(["qb_entity", "qb_id"])


def latest_rates(data: Dataset | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per foreign currency: the rate of its latest QBO transaction on or before as-of, and its date."""
    txns = _transactions(data) if data is not None else _transactions(Dataset())
    home = home_currency(data)
    cutoff = as_of.tz_convert(None) if as_of.tzinfo else as_of
    usable = txns[
        txns["rate"].notna()
        & txns["txn_currency"].ne(home or "")
        & (txns["txn_date"].isna() | (txns["txn_date"] <= cutoff))
    ]
    latest = usable.sort_values(["txn_date", "qb_id"], kind="stable").drop_duplicates(
        "txn_currency", keep="last"
    )
    return latest.set_index("txn_currency")[["rate", "txn_date"]]


def home_amounts(findings: pd.DataFrame, data: Dataset | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per finding: `home_cents` (Int64) and `home_basis` (how it was converted, or why not)."""
    home = home_currency(data)
    cents = findings["amount_at_risk_cents"].astype("Int64")
    currency = findings["currency"].astype("string")
    empty = pd.DataFrame(
        {
            "home_cents": pd.array([pd.NA] * len(findings), dtype="Int64"),
            "home_basis": pd.Series(pd.NA, index=findings.index, dtype="string"),
        },
        index=findings.index,
    )
    if home is None:
        return empty
    txns = _transactions(data) if data is not None else _transactions(Dataset())
    own = (
        findings[["qb_entity", "qb_id"]]
        .astype("string")
        .merge(txns, on=["qb_entity", "qb_id"], how="left")
        .set_index(findings.index)
    )
    own_ok = own["rate"].notna() & own["txn_currency"].eq(currency).fillna(False)
    # The invoice's own amount: QBO's HomeTotalAmt is what it booked, to the cent.
    whole = own_ok & cents.eq(own["total_cents"]).fillna(False) & own["home_total_cents"].notna()
    latest = latest_rates(data, as_of)
    fallback_rate = currency.map(latest["rate"]).astype("float64")
    fallback_date = currency.map(latest["txn_date"].dt.strftime("%Y-%m-%d")).astype("string")
    rate = own["rate"].where(own_ok, fallback_rate).astype("float64")
    converted = (cents.astype("float64") * rate).round().astype("Int64")
    result = converted.mask(whole, own["home_total_cents"])
    same = currency.eq(home).fillna(False)
    result = result.mask(same, cents).where(cents.notna())
    basis = pd.Series("no exchange rate for " + currency + " in the QBO data", dtype="string")
    basis.index = findings.index
    basis = basis.mask(
        fallback_rate.notna(),
        "estimated: latest QBO rate for "
        + currency
        + " ("
        + fallback_rate.astype("string")
        + ", "
        + fallback_date
        + ")",
    )
    basis = basis.mask(
        own_ok, "the transaction's exchange rate (" + own["rate"].astype("string") + ")"
    )
    basis = basis.mask(whole, "the transaction's home-currency total (HomeTotalAmt)")
    basis = basis.mask(same, "already in " + home)
    return pd.DataFrame(
        {"home_cents": result, "home_basis": basis.where(cents.notna() & currency.notna())},
        index=findings.index,
    )


def money_first(findings: pd.DataFrame, data: Dataset | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Findings in the order a finance reader works them (findings.csv): the most money at stake
    first, in the home currency where it is known (so currencies compare) and in the finding's
    own currency otherwise, then severity; findings without an amount last, by severity. The
    columns are untouched; DESIGN.md fixes the columns, not the row order."""
    home = home_amounts(findings, data, as_of)["home_cents"]
    money = home.fillna(findings["amount_at_risk_cents"].astype("Int64")).abs()
    order = findings.assign(
        _money=money.astype("float64").fillna(-1.0),
        _rank=findings["severity"].map(SEVERITY_RANK),
    ).sort_values(["_money", "_rank"], ascending=[False, True], kind="stable")
    return order.drop(columns=["_money", "_rank"]).reset_index(drop=True)
