"""Salesforce Ids written on the QBO side: which org they come from, and in which form.

A sync that names the Salesforce record in a QBO memo (Invoice.PrivateNote, Customer.Notes...)
leaves a trail: an Id that does not exist in this org was written by another org (typically a
sandbox, whose new records are numbered on another pod), and a 15-character Id is only safe where
case is kept. Pure functions of the Dataset; the checks in auth_env.py report them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import ID_IN_TEXT, look_up, member, series_to_18
from sfqb_diag.sources.schema import SF_OBJECT_OF_TABLE

if TYPE_CHECKING:
    from sfqb_diag.checks.base import Context

# Key prefixes (first 3 characters of an Id) of the objects we load: 001 Account, 003 Contact,
# 006 Opportunity, 01t Product2.
PREFIX_TABLE = {"001": "accounts", "003": "contacts", "006": "opportunities", "01t": "products"}
# QBO free-text fields a sync uses to name the Salesforce record: (table, column, entity).
MEMO_FIELDS = (
    ("customers", "notes", "Customer"),
    ("payments", "private_note", "Payment"),
    ("credit_memos", "private_note", "CreditMemo"),
    ("sales_receipts", "private_note", "SalesReceipt"),
)
REF_COLUMNS = [
    "qb_entity",
    "qb_id",
    "qb_create_time",
    "qb_updated_time",
    "qb_amount_cents",
    "qb_currency",
    "qb_name",
    "sf_id",
    "sf_id_as_written",
    "sf_table",
]


def shared_refs(ctx: Context) -> pd.DataFrame:
    """qbo_sf_refs once per run (several checks read it)."""
    return ctx.shared("auth_env.qbo_sf_refs", lambda: qbo_sf_refs(ctx.data, ctx.config))


def shared_short_refs(ctx: Context) -> pd.DataFrame:
    """short_refs once per run."""
    return ctx.shared(
        "auth_env.short_refs", lambda: short_refs(ctx.data, ctx.config, shared_refs(ctx))
    )


def _invoice_field(config: ClientConfig) -> str:
    """The Invoice column holding the opportunity reference (config links.invoice_opportunity_ref)."""
    where = config.links.field_of("invoice_opportunity_ref")
    if not where or where[0] != "Invoice":
        return "private_note"
    name = where[1]
    return (
        "private_note"
        if name == "PrivateNote"
        else "custom_" + name.removeprefix("CustomField.").lower().replace(" ", "_")
    )


def _refs_in(frame: pd.DataFrame, column: str, entity: str) -> pd.DataFrame:
    """Every 15/18-char token with a known key prefix in frame[column], one row per (record, Id)."""
    if column not in frame or frame.empty:
        return pd.DataFrame(columns=REF_COLUMNS)
    found = frame[column].astype("string").str.extractall(ID_IN_TEXT.pattern)[0]
    if found.empty:
        return pd.DataFrame(columns=REF_COLUMNS)
    rows = found.index.get_level_values(0)
    table = found.str.slice(0, 3).map(PREFIX_TABLE)
    keep = table.notna().to_numpy()
    found, rows, table = found[keep], rows[keep], table[keep]
    as_18, bad = series_to_18(found.reset_index(drop=True))
    source = frame.loc[rows]
    name = source["display_name"] if "display_name" in source else source.get("customer_name")
    out = pd.DataFrame(
        {
            "qb_entity": entity,
            "qb_id": source["id"].astype("string").to_numpy(),
            "qb_create_time": source["create_time"].to_numpy()
            if "create_time" in source
            else pd.NaT,
            "qb_updated_time": source["last_updated_time"].to_numpy()
            if "last_updated_time" in source
            else pd.NaT,
            "qb_amount_cents": (
                source["total_cents"].astype("Int64").to_numpy()
                if "total_cents" in source
                else pd.array([pd.NA] * len(source), dtype="Int64")
            ),
            "qb_currency": source["currency"].astype("string").to_numpy()
            if "currency" in source
            else pd.NA,
            "qb_name": name.astype("string").to_numpy() if name is not None else pd.NA,
            "sf_id": as_18.to_numpy(),
            "sf_id_as_written": found.to_numpy(),
            "sf_table": table.to_numpy(),
        }
    )
    return (
        out.loc[~bad.to_numpy()]
        .drop_duplicates(["qb_entity", "qb_id", "sf_id"])
        .reset_index(drop=True)
    )


def qbo_sf_refs(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """Every Salesforce Id named on the QBO side, with the QBO record that names it.

    Columns: qb_entity, qb_id, qb_create_time, qb_amount_cents, qb_currency, qb_name, sf_id (18),
    sf_id_as_written (15 or 18 chars, as stored), sf_table (the SF table its key prefix belongs to).
    """
    sources = [("invoices", _invoice_field(config), "Invoice"), *MEMO_FIELDS]
    frames = [_refs_in(data[t], c, e) for t, c, e in sources if data.get(t) is not None]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=REF_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def org_pods(data: Dataset) -> set[str]:
    """The pod codes (Id characters 4-5) this org numbers its records on.

    Every record an org creates carries its instance's pod code; a code used by at least 5% of the
    loaded Ids counts, so a few migrated records do not define the org.
    """
    ids = (
        pd.concat(
            [
                data[t]["id"]
                for t in SF_OBJECT_OF_TABLE
                if data.get(t) is not None and "id" in data[t]
            ],
            ignore_index=True,
        )
        .dropna()
        .astype(str)
    )
    if ids.empty:
        return set()
    shares = ids.str.slice(3, 5).value_counts(normalize=True)
    return set(shares[shares >= 0.05].index)


def sf_records(data: Dataset) -> pd.DataFrame:
    """Every loaded Salesforce record: sf_table, sf_id, created_date, name (deleted rows included:
    they still exist in this org)."""
    frames = []
    for table in PREFIX_TABLE.values():
        frame = data.get(table)
        if frame is None:
            continue
        name = frame["name"] if "name" in frame else pd.Series(pd.NA, index=frame.index)
        created = (
            frame["created_date"]
            if "created_date" in frame
            else pd.Series(pd.NaT, index=frame.index)
        )
        frames.append(
            pd.DataFrame(
                {
                    "sf_table": table,
                    "sf_id": frame["id"].astype("string"),
                    "created_date": pd.to_datetime(created, utc=True),
                    "sf_name": name.astype("string"),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["sf_table", "sf_id", "created_date", "sf_name"])
    return pd.concat(frames, ignore_index=True).drop_duplicates("sf_id")


def foreign_refs(
    data: Dataset, config: ClientConfig, refs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """QBO records naming a Salesforce record that this org cannot have written.

    Two signals (FAILURE_CATALOGUE: a sandbox refresh copies production Ids but gives the org a new
    Id): the Id does not exist in this org (`reason` 'missing'; `other_pod` when its pod code is not
    this org's), or it exists but was created after the QBO record ('newer'), so the QBO record was
    made for another record that happened to carry the same Id. Only Ids whose object was loaded.
    """
    refs = qbo_sf_refs(data, config) if refs is None else refs
    records = sf_records(data)
    refs = refs[refs["sf_table"].isin(set(records["sf_table"]))]
    if refs.empty:
        empty = pd.Series(pd.NA, index=refs.index, dtype="string")
        return refs.assign(
            sf_created=pd.Series(pd.NaT, index=refs.index, dtype="datetime64[us, UTC]"),
            sf_name=empty,
            reason=empty,
            other_pod=False,
        )
    known = records.set_index("sf_id")
    refs = refs.assign(
        sf_created=pd.to_datetime(refs["sf_id"].map(known["created_date"]), utc=True),
        sf_name=refs["sf_id"].map(known["sf_name"]).astype("string"),
    )
    exists = member(refs["sf_id"], known.index)
    # A 15-char Id whose case was lost (lower-cased by a spreadsheet) computes to another 18-char
    # Id; when it fits one of our records case-insensitively it is a form problem, not a foreign Id.
    lowered = refs["sf_id"].str.slice(0, 15).str.lower()
    case_lost = (
        ~exists
        & (refs["sf_id_as_written"].str.len() == 15)
        & member(lowered, records["sf_id"].str.slice(0, 15).str.lower())
    )
    # The memo can only have been written by the QBO record's last update: a Salesforce record
    # created after that cannot be the one it names. An hour absorbs clock differences.
    qb_time = pd.to_datetime(refs["qb_updated_time"], utc=True).fillna(
        pd.to_datetime(refs["qb_create_time"], utc=True)
    )
    newer = exists & (refs["sf_created"] > qb_time + pd.Timedelta(hours=1)).fillna(False).astype(
        bool
    )
    pods = org_pods(data)
    refs = refs.assign(
        reason=pd.Series(pd.NA, index=refs.index, dtype="string"),
        other_pod=~refs["sf_id"].str.slice(3, 5).isin(pods) if pods else False,
    )
    refs.loc[~exists & ~case_lost, "reason"] = "missing"
    refs.loc[newer, "reason"] = "newer"
    return refs[refs["reason"].notna()].reset_index(drop=True)


def ambiguous_short_refs(
    data: Dataset, config: ClientConfig, short: pd.DataFrame | None = None
) -> pd.DataFrame:
    """15-char references on the QBO side that, case ignored, also fit another record: one row per
    QBO reference with the record meant (`target`) and the others it can be taken for (`twins`,
    comma-separated Ids)."""
    short = short_refs(data, config) if short is None else short
    short = short[short["collides"]]
    groups = case_collisions(data)[["group", "sf_id"]].rename(columns={"sf_id": "twin"})
    pairs = short.assign(group=short["target"].str.slice(0, 15).str.lower()).merge(
        groups, on="group"
    )
    pairs = pairs[pairs["twin"] != pairs["target"]]
    twins = (
        pairs.groupby(["qb_entity", "qb_id", "target"], sort=False)["twin"]
        .agg(", ".join)
        .rename("twins")
    )
    return short.merge(twins.reset_index(), on=["qb_entity", "qb_id", "target"]).reset_index(
        drop=True
    )


def case_collisions(data: Dataset) -> pd.DataFrame:
    """Salesforce records whose 15-char Ids are equal once case is lost (spreadsheets, SQL
    collations, some middleware keys): sf_table, sf_id, sf_name, group (the lower-cased 15 chars),
    members (how many records share it)."""
    records = sf_records(data)
    key = records["sf_id"].str.slice(0, 15).str.lower()
    size = key.map(key.value_counts())
    hits = records.assign(group=key, members=size)[size > 1]
    return hits.sort_values(["group", "sf_id"], kind="stable").reset_index(drop=True)


def short_refs(
    data: Dataset, config: ClientConfig, refs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """QBO-side references stored as 15-char Ids.

    `collides`: the 15 chars, case ignored, fit two or more records of this org (ambiguous wherever
    case is lost). `case_lost`: the Id as stored matches no record exactly but one case-insensitively
    (its case was already mangled). `target`: the record it names (exact, else case-insensitive).
    """
    refs = qbo_sf_refs(data, config) if refs is None else refs
    short = refs[refs["sf_id_as_written"].str.len() == 15].copy()
    records = sf_records(data)
    lowered = short["sf_id"].str.slice(0, 15).str.lower()
    by_lower = records.assign(low=records["sf_id"].str.slice(0, 15).str.lower()).drop_duplicates(
        "low"
    )
    short["collides"] = member(lowered, case_collisions(data)["group"])
    exact = member(short["sf_id"], records["sf_id"])
    short["case_lost"] = ~exact & member(lowered, by_lower["low"])
    target = short["sf_id"].where(exact, look_up(lowered, by_lower.set_index("low")["sf_id"]))
    short["target"] = target.fillna(short["sf_id"]).astype("string")
    return short.reset_index(drop=True)
