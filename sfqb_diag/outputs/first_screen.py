"""What the report's first screen and its tables show: who the client is, what to fix first
(most money at stake in home currency, severity only a column), totals per currency and in home
currency, and links from each record into Salesforce and QuickBooks.

Shared by reporting/index.py and the notebooks (sfqb_diag.notebook), which may not import each
other; it reuses the fix list's own frame so the page and fix_list.xlsx rank the same way.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd

from sfqb_diag.dataset import Dataset
from sfqb_diag.outputs.home_currency import home_amounts, home_currency
from sfqb_diag.outputs.links import quickbooks_links, salesforce_links
from sfqb_diag.outputs.record_labels import qb_labels, sf_labels
from sfqb_diag.outputs.summary import record_key
from sfqb_diag.outputs.xlsx import AREA_TITLES, fix_list_frame
from sfqb_diag.words import money_text

SF_RECORD = "Salesforce record"
QB_RECORD = "QuickBooks record"


def client_name(data: Dataset | None) -> str:
    """QBO CompanyInfo.CompanyName, else the Salesforce instance's host, else the org Id."""
    info = data.get("company_info") if data is not None else None
    if info is not None and not info.empty:
        for column in ("company_name", "legal_name"):
            names = info[column].dropna() if column in info else pd.Series(dtype="string")
            if not names.empty:
                return str(names.iloc[0])
    sf = (data.manifest if data is not None else {}).get("salesforce") or {}
    host = urlparse(str(sf.get("instance_url") or "")).hostname
    if host and host not in ("127.0.0.1", "localhost"):
        return host.split(".")[0]
    return str(sf.get("org_id") or "client not named in the data")


def record_links(frame: pd.DataFrame, data: Dataset | None) -> pd.DataFrame:
    """`frame` with its sf_object/sf_id and qb_entity/qb_id columns replaced, in front, by the
    records' names linking to their pages ('Salesforce record' and 'QuickBooks record' with their
    ' link' columns, which the HTML tables render as <a>); other frames are returned as they are."""
    manifest = data.manifest if data is not None else {}
    front = pd.DataFrame(index=frame.index)
    rest = frame.copy()
    sides = (
        ("sf_object", "sf_id", "sf_name", SF_RECORD),
        ("qb_entity", "qb_id", "qb_name", QB_RECORD),
    )
    for kind, ident, name, header in sides:
        if not {kind, ident} <= set(frame.columns):
            continue
        keys = frame[[kind, ident]].astype("string")
        keys[name] = frame[name].astype("string") if name in frame else pd.NA
        if kind == "sf_object":
            label = sf_labels(data, keys)
            url = salesforce_links(manifest, keys[kind], keys[ident])
        else:
            label = qb_labels(data, keys)["qb_label"]
            url = quickbooks_links(manifest, keys[kind], keys[ident])
        front[header] = label.astype("string").where(keys[ident].notna())
        front[header + " link"] = url
        rest = rest.drop(columns=[c for c in (kind, ident, name) if c in rest])
    return pd.concat([front, rest], axis=1)


def top_fixes(
    findings: pd.DataFrame,
    data: Dataset | None,
    as_of: pd.Timestamp,
    limit: int = 10,
    money_only: bool = True,
) -> pd.DataFrame:
    """The fixes with the most money at stake (home currency where the data has the rate, else
    the amount itself; then severity), waived ones left out; severity is a column, not the
    order. `money_only` keeps only findings with an amount (the first screen)."""
    if "waived" in findings:
        findings = findings[~findings["waived"].fillna(False).astype(bool)]
    frame = fix_list_frame(findings, data, data.manifest if data is not None else {}, as_of)
    if money_only and frame["amount_at_risk_cents"].notna().any():
        # When no finding carries money (a customers-only diagnosis), the most severe come first.
        frame = frame[frame["amount_at_risk_cents"].notna()]
    frame = frame.head(limit)
    home = home_currency(data)
    return pd.DataFrame(
        {
            "Amount at risk": money_text(frame["amount_at_risk_cents"], frame["currency"]),
            f"In {home or 'home currency'}": money_text(frame["home_cents"], home),
            "Severity": frame["severity"],
            "Area": frame["area"].map(AREA_TITLES).fillna(frame["area"]),
            "Problem": frame["title"],
            "What to do": frame["suggested_action"],
            QB_RECORD: frame["qb_label"],
            QB_RECORD + " link": frame["qb_link"],
            SF_RECORD: frame["sf_label"],
            SF_RECORD + " link": frame["sf_link"],
        }
    ).reset_index(drop=True)


def money_totals(findings: pd.DataFrame, data: Dataset | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per currency: money at risk (each record once, its largest amount), the same in home
    currency, and a last row with the home-currency total; never a sum across currencies."""
    home = home_currency(data)
    money = findings[findings["amount_at_risk_cents"].notna() & findings["currency"].notna()]
    if "waived" in money:
        money = money[~money["waived"].fillna(False).astype(bool)]
    money = money.join(home_amounts(money, data, as_of))
    per_record = (
        money.assign(
            _key=record_key(money),
            _abs=money["amount_at_risk_cents"].abs(),
            _home=money["home_cents"].abs(),
        )
        .sort_values("_abs", ascending=False, kind="stable")
        .drop_duplicates(["currency", "_key"])
    )
    totals = per_record.groupby("currency").agg(
        cents=("_abs", "sum"), home=("_home", "sum"), unknown=("_home", lambda s: s.isna().sum())
    )
    home_label = f"In {home or 'home currency'}"
    rows = pd.DataFrame(
        {
            "Currency": totals.index,
            "Money at risk": money_text(totals["cents"].astype("Int64"), totals.index.to_series()),
            home_label: money_text(
                totals["home"].astype("Int64").where(totals["unknown"].eq(0)), home
            ).values,
        }
    ).reset_index(drop=True)
    if home is None or rows.empty:
        return rows
    known = int(totals["home"].sum())
    note = "" if totals["unknown"].sum() == 0 else " (currencies without a rate left out)"
    total = pd.DataFrame(
        {"Currency": [f"All, in {home}{note}"], "Money at risk": [""], home_label: [""]}
    )
    total[home_label] = money_text(pd.Series([known]), home)
    return pd.concat([rows, total], ignore_index=True)
