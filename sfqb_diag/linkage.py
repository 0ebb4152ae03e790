"""Cross-system references every area needs, computed one way: which Salesforce Id a QBO
transaction names, and whether a stored link resolves in the pulled realm."""

from __future__ import annotations

import pandas as pd

from sfqb_diag.config import ClientConfig, Links
from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import ID_IN_TEXT, series_to_18


def invoice_opportunity_refs(
    data: Dataset, config: ClientConfig, prefix: str = "006"
) -> pd.DataFrame:
    """Invoices that name a Salesforce record in the configured field (PrivateNote or a custom field).

    Returns columns invoice_id, sf_id (18 chars), sf_id_as_written (as found, 15 or 18 chars),
    restricted to Ids with the given key prefix (006 = Opportunity). Syncs often write the 15-char
    UI form; we compare on 18.
    """
    empty = pd.DataFrame(
        {
            "invoice_id": pd.Series(dtype="string"),
            "sf_id": pd.Series(dtype="string"),
            "sf_id_as_written": pd.Series(dtype="string"),
        }
    )
    where = config.links.field_of("invoice_opportunity_ref")
    invoices = data.get("invoices")
    if not where or invoices is None:
        return empty
    field = where[1]
    column = (
        "private_note"
        if field == "PrivateNote"
        else "custom_" + field.removeprefix("CustomField.").lower().replace(" ", "_")
    )
    if column not in invoices:
        return empty
    found = invoices[column].astype("string").str.extract(ID_IN_TEXT.pattern, expand=False)
    mask = found.notna() & found.str.startswith(prefix).fillna(False)
    written = found[mask]
    as_18, bad = series_to_18(written)
    return (
        pd.DataFrame(
            {
                "invoice_id": invoices.loc[mask, "id"].to_numpy(),
                "sf_id": as_18.to_numpy(),
                "sf_id_as_written": written.to_numpy(),
            }
        )
        .loc[~bad.to_numpy()]
        .reset_index(drop=True)
    )


def resolves(link_ids: pd.Series, target: pd.DataFrame | None) -> pd.Series:
    """True where a stored QBO id exists in the target entity table; NA where no link is stored."""
    known = set(target["id"].dropna()) if target is not None else set()
    result = link_ids.isin(known).astype("boolean")
    return result.mask(link_ids.isna())


def link_field(config: ClientConfig, role: str) -> str:
    """The API name of a link field in this org (config `links:`), for texts and Data Loader
    headers: e.g. link_field(config, "product_item_id") -> "QBO_Item_Id__c". An unset optional
    role falls back to the default name, so a text never names an empty field."""
    where = config.links.field_of(role) or Links().field_of(role)
    return where[1] if where else role


# Salesforce's standard stage for a won deal; IsWon is true exactly on stages of this kind, so
# an export without the IsWon column still tells a won deal by its StageName.
WON_STAGE = "closed won"
# The need of every check that works from won deals: either column tells a won deal; without
# both the check is skipped and the run names the two columns.
WON_NEEDS = "opportunities.is_won|opportunities.stage_name"


def won_deals(opps: pd.DataFrame) -> pd.Series:
    """True for each won opportunity, read one way by every area: IsWon where the export has it,
    else StageName 'Closed Won' (case and spaces ignored); False when neither says so."""
    is_won = (
        opps["is_won"].astype("boolean")
        if "is_won" in opps
        else pd.Series(pd.NA, index=opps.index, dtype="boolean")
    )
    stage_won = (
        opps["stage_name"].astype("string").str.strip().str.lower().eq(WON_STAGE)
        if "stage_name" in opps
        else pd.Series(pd.NA, index=opps.index, dtype="boolean")
    )
    return is_won.fillna(stage_won).fillna(False).astype(bool)
