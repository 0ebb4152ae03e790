"""What the data says about each side's environment, its tokens and its links, computed once.

Pure functions of a Dataset (and the as-of time): the `auth_env` checks turn them into findings,
notebook 01 shows them as they are. The rules themselves live in sfqb_diag/envrules.py, which
`sfqb-diag doctor` shares.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

from sfqb_diag import envrules
from sfqb_diag.dataset import Dataset
from sfqb_diag.envrules import EnvVerdict
from sfqb_diag.ids import member
from sfqb_diag.sources.schema import SF_OBJECT_OF_TABLE

# Below this token-set similarity (0-100) a linked pair's names have nothing to do with each other
# (FAILURE_CATALOGUE: wrong realm -> links resolve to customers whose names are unrelated, < ~60).
UNRELATED_BELOW = 60.0

# The links whose resolution tells whether the stored Ids belong to the pulled realm:
# (label, SF table, link column, QBO table, QBO entity, SF name column, QBO name columns)
LINKS = (
    (
        "Account -> Customer",
        "accounts",
        "qb_customer_id",
        "customers",
        "Customer",
        "name",
        ("display_name", "company_name", "fully_qualified_name"),
    ),
    (
        "Product2 -> Item",
        "products",
        "qb_item_id",
        "items",
        "Item",
        "name",
        ("name", "sku", "fully_qualified_name"),
    ),
    (
        "Opportunity -> Invoice",
        "opportunities",
        "qb_invoice_id",
        "invoices",
        "Invoice",
        "account_name",
        ("customer_name",),
    ),
)


def _section(manifest: dict[str, Any], key: str) -> dict[str, Any]:
    value = manifest.get(key)
    return value if isinstance(value, dict) else {}


def company_name(data: Dataset) -> str | None:
    """The QBO company's name from CompanyInfo (the first row), if pulled."""
    info = data.get("company_info")
    if info is None or info.empty or "company_name" not in info:
        return None
    names = info["company_name"].dropna()
    return str(names.iloc[0]) if len(names) else None


def salesforce_verdict(data: Dataset) -> EnvVerdict:
    """Salesforce's environment from manifest.salesforce (IsSandbox, instance URL, username)."""
    sf = _section(data.manifest, "salesforce")
    return envrules.salesforce_environment_of(
        is_sandbox=sf.get("is_sandbox"),
        instance_url=sf.get("instance_url"),
        username=sf.get("username"),
        login_url=sf.get("login_url"),
    )


def quickbooks_verdict(data: Dataset) -> EnvVerdict:
    """QBO's environment from manifest.quickbooks (base URL, environment) and CompanyInfo's name."""
    qb = _section(data.manifest, "quickbooks")
    return envrules.qbo_environment_of(
        base_url=qb.get("base_url"),
        company_name=company_name(data),
        environment=qb.get("environment"),
    )


def environment_cards(data: Dataset) -> pd.DataFrame:
    """One row per clue per side: what answered and what it looked like (notebook 01's cards)."""
    rows = []
    sf_info, qb_info = _section(data.manifest, "salesforce"), _section(data.manifest, "quickbooks")
    for verdict, ident in (
        (salesforce_verdict(data), ("org_id", sf_info.get("org_id"))),
        (quickbooks_verdict(data), ("realm_id", qb_info.get("realm_id"))),
    ):
        side = "Salesforce" if verdict.side == "salesforce" else "QuickBooks Online"
        decided = verdict.environment or "unknown"
        if ident[1]:
            rows.append(
                {
                    "side": side,
                    "verdict": decided,
                    "clue": ident[0],
                    "value": str(ident[1]),
                    "says": "",
                }
            )
        rows.extend(
            {
                "side": side,
                "verdict": decided,
                "clue": e.source,
                "value": e.value,
                "says": e.says or "",
            }
            for e in verdict.evidence
        )
        if not verdict.evidence:
            rows.append(
                {
                    "side": side,
                    "verdict": decided,
                    "clue": "(nothing in manifest.json or CompanyInfo)",
                    "value": "",
                    "says": "",
                }
            )
    return pd.DataFrame(rows, columns=["side", "verdict", "clue", "value", "says"])


# ---- links ------------------------------------------------------------------------------------


def _live(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop Salesforce rows deleted or merged away (queryAll exports keep them)."""
    if "is_deleted" in frame:
        return frame[~frame["is_deleted"].fillna(False).astype(bool)]
    return frame


def _sf_side(data: Dataset, table: str, link: str, name_col: str) -> pd.DataFrame | None:
    frame = data.get(table)
    if frame is None or link not in frame:
        return None
    frame = _live(frame)
    ids = frame[link].astype("string").str.strip()
    frame = frame.assign(link_id=ids.mask(ids == ""))
    frame = frame[frame["link_id"].notna()]
    if name_col == "account_name":  # an opportunity is named by its account
        accounts = data.get("accounts")
        names = (
            accounts.set_index("id")["name"] if accounts is not None else pd.Series(dtype="string")
        )
        names = names[~names.index.duplicated()]
        own = (
            frame["account_name"]
            if "account_name" in frame
            else pd.Series(pd.NA, index=frame.index)
        )
        frame = frame.assign(
            sf_name=own.astype("string").fillna(frame["account_id"].map(names).astype("string"))
        )
    else:
        frame = frame.assign(sf_name=frame[name_col].astype("string"))
    return frame[["id", "link_id", "sf_name"]]


def _qb_names(qb: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    present = [c for c in columns if c in qb]
    names = qb[["id", *present]].drop_duplicates("id").set_index("id")
    return names.astype("string")


def _similarity(left: pd.Series, right: pd.DataFrame) -> np.ndarray:
    """Best token-set similarity (0-100) of each left name with any of the right-hand name columns."""
    best = np.zeros(len(left))
    queries = left.fillna("").astype(str).tolist()
    for column in right.columns:
        choices = right[column].fillna("").astype(str).tolist()
        scores = process.cpdist(
            queries,
            choices,
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            workers=1,
        )
        best = np.maximum(best, np.asarray(scores, dtype=float))
    return best


def link_resolution(data: Dataset) -> pd.DataFrame:
    """Every stored QBO link on Account, Product2 and Opportunity, classified.

    Columns: link (label), sf_object, sf_id, sf_name, qb_entity, link_id, qb_name, similarity,
    status: 'resolves' (exists, names agree), 'unrelated' (exists, names share nothing: score below
    UNRELATED_BELOW) or 'unresolved' (no such Id in the pulled realm). Links whose QBO entity was
    not pulled are left out: nothing can be said about them.
    """
    frames = []
    for label, table, link, qb_table, entity, name_col, qb_cols in LINKS:
        sf = _sf_side(data, table, link, name_col)
        qb = data.get(qb_table)
        if sf is None or qb is None:
            continue
        names = _qb_names(qb, qb_cols)
        found = member(sf["link_id"], names.index)
        matched = names.reindex(sf["link_id"][found].to_numpy())
        score = pd.Series(np.nan, index=sf.index)
        if found.any():
            score[found] = _similarity(sf["sf_name"][found], matched.reset_index(drop=True))
        status = np.where(
            ~found, "unresolved", np.where(score < UNRELATED_BELOW, "unrelated", "resolves")
        )
        first = names.columns[0] if len(names.columns) else None
        qb_name = sf["link_id"].map(names[first]) if first else pd.Series(pd.NA, index=sf.index)
        frames.append(
            pd.DataFrame(
                {
                    "link": label,
                    "sf_object": SF_OBJECT_OF_TABLE[table],
                    "sf_id": sf["id"],
                    "sf_name": sf["sf_name"],
                    "qb_entity": entity,
                    "link_id": sf["link_id"],
                    "qb_name": qb_name.astype("string"),
                    "similarity": score.round(1),
                    "status": status,
                }
            )
        )
    columns = [
        "link",
        "sf_object",
        "sf_id",
        "sf_name",
        "qb_entity",
        "link_id",
        "qb_name",
        "similarity",
        "status",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def link_resolution_rates(resolution: pd.DataFrame) -> pd.DataFrame:
    """Per link kind: how many stored links resolve, point at unrelated names, or point nowhere."""
    counts = (
        pd.crosstab(resolution["link"], resolution["status"]) if len(resolution) else pd.DataFrame()
    )
    counts = counts.reindex(columns=["resolves", "unrelated", "unresolved"], fill_value=0)
    counts.columns.name = None
    counts["linked"] = counts.sum(axis=1)
    counts["bad_share"] = ((counts["unrelated"] + counts["unresolved"]) / counts["linked"]).round(4)
    order = [label for label, *_ in LINKS if label in counts.index]
    return counts.reindex(order).reset_index().rename(columns={"index": "link"})


# ---- tokens -----------------------------------------------------------------------------------


def token_timeline(data: Dataset, as_of: pd.Timestamp) -> pd.DataFrame:
    """The QBO token's life as dated events (issued, access expiry, 100-day and 5-year deadlines,
    the as-of time), for notebook 01's timeline. Empty when the manifest holds no token times."""
    qb = _section(data.manifest, "quickbooks")
    events: list[tuple[str, Any]] = [("data pulled / as-of", as_of)]
    horizon = envrules.refresh_token_horizon(
        qb.get("refresh_token_issued_at"),
        as_of,
        qb.get("refresh_token_authorized_at"),
        qb.get("refresh_token_expires_at"),
    )
    if horizon is not None:
        events += [
            ("refresh token issued", horizon.issued_at),
            ("refresh token dies if unused (100 days)", horizon.rolling_deadline),
            ("5-year cap on the authorisation", horizon.cap_deadline),
        ]
    access = envrules.to_utc(qb.get("access_token_expires_at"))
    if access is not None:
        events.append(("access token expires", access))
    if len(events) == 1:
        return pd.DataFrame(
            {
                "event": pd.Series(dtype="string"),
                "when": pd.Series(dtype="datetime64[us, UTC]"),
                "days_from_as_of": pd.Series(dtype="float64"),
            }
        )
    frame = pd.DataFrame(events, columns=["event", "when"])
    frame["when"] = pd.to_datetime(frame["when"], utc=True)
    frame["days_from_as_of"] = ((frame["when"] - as_of) / pd.Timedelta(days=1)).round(1)
    return frame.sort_values("when", kind="stable").reset_index(drop=True)
