"""Finding frames of area `customers` about duplicates, name collisions, drift and currencies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_diag.checks.customers.findings import ACCOUNT, CUSTOMER, _s
from sfqb_diag.checks.customers.holdings import (
    opportunities_text,
    transactions_counted,
    transactions_text,
)
from sfqb_diag.checks.customers.retry_copies import sync_creators
from sfqb_diag.dataset import Dataset
from sfqb_diag.findings import new_findings
from sfqb_diag.ids import member
from sfqb_diag.matching.customers import CustomerMatching
from sfqb_diag.matching.normalize import fold


def _created_by(m: CustomerMatching, log: pd.DataFrame | None, ids: pd.Series) -> pd.DataFrame:
    """Per copy (aligned with `ids`): the account whose sync created it, and the words."""
    made = sync_creators(log, ids).drop_duplicates("qb_id").set_index("qb_id")
    made = made.reindex(ids.astype("string").to_numpy()).reset_index(drop=True)
    made["attempt"] = pd.to_numeric(made["attempt"], errors="coerce").astype("Int64")
    every = pd.concat([m.accounts[["id", "name"]], m.deleted[["id", "name"]]])
    account = every.drop_duplicates("id").set_index("id")["name"]
    who = made["sf_id"].map(account).astype("string").fillna(made["sf_id"].astype("string"))
    failed = made["failed_before"].astype("string")
    made["words"] = (
        "; the sync created it for account "
        + who
        + " on "
        + pd.to_datetime(made["created_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")
        + pd.Series(np.where(failed.notna(), " after " + failed.fillna(""), ""), dtype="string")
        + pd.Series(
            np.where(
                made["attempt"].notna() & (made["attempt"].fillna(1) > 1),
                " (attempt " + made["attempt"].astype("string").fillna("") + ")",
                "",
            ),
            dtype="string",
        )
    ).fillna("")
    return made


# How QBO merges two customers: the copy takes the survivor's exact name.
EXACT_NAME_MERGE = "rename it to the survivor's exact DisplayName and confirm the merge"


def _duplicate_action(money: pd.Series, active: pd.Series, counted: pd.Series) -> pd.Series:
    """Advice that fits the copy: merge it when it holds money (an inactive one is made active
    first: QBO merges only active customers); an empty active copy can simply be made inactive;
    an empty inactive one is already out of the way (when its transactions were not checked,
    the advice says what to do if it has some)."""
    money = money.fillna(False).astype(bool)
    merge = (
        "merge it into the survivor in QBO (" + EXACT_NAME_MERGE + "; "
        "remediation/qbo_customer_merges.csv); its transactions and balance move with it."
    )
    choices = [
        money & active,
        money & ~active,
        ~money & active,
        ~counted.to_numpy(),
    ]
    words = [
        merge[0].upper() + merge[1:],
        "Make it active, then " + merge,
        "Make it inactive, or merge it into the survivor (remediation/qbo_customer_merges.csv).",
        "It is already inactive with no balance; its transactions were not checked (no "
        "transaction files): if it has some, make it active, then " + merge,
    ]
    idle = (
        "Nothing to do in QBO: it is already inactive and holds no transactions or balance. "
        "Make sure no Salesforce account links to it."
    )
    return pd.Series(
        np.select([np.asarray(c) for c in choices], words, default=idle), dtype="string"
    )


def _untagged_merge(action: pd.Series, tagged_survivor: pd.Series) -> pd.Series:
    """Where the survivor's name carries a copy tag ('Acme (2)'), the merge renames it to its
    clean name first and this copy to that name: the customer never ends up called 'X (2)'."""
    tagged = tagged_survivor.fillna(False).to_numpy(bool)
    clean = action.str.replace(
        EXACT_NAME_MERGE,
        "first rename the survivor to its name without the copy tag, then rename this one to "
        "that name and confirm the merge",
        regex=False,
    )
    return action.where(~tagged, clean)


def _which_is_the_copy(copy: pd.DataFrame, kept: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(copy label, kept label) for a title: the names, and where both records carry the same
    name (case and spaces aside) which one is the copy, by Id and created date:
    "Globex Corporation (the copy: Id 78, created 2025-03-01) duplicates Globex Corporation
    (kept: Id 77, created 2024-03-01)"."""
    same = (fold(_s(copy["name"])) == fold(_s(kept["name"]))).fillna(False).to_numpy(bool)

    def label(frame: pd.DataFrame, role: str) -> pd.Series:
        created = pd.to_datetime(
            frame["created"] if "created" in frame else pd.Series(pd.NA, index=frame.index),
            utc=True,
            errors="coerce",
        ).dt.strftime("%Y-%m-%d")
        when = (", created " + pd.Series(created.to_numpy(), dtype="string")).fillna("")
        which = " (" + role + ": Id " + _s(frame["id"]) + when + ")"
        return _s(frame["name"]) + pd.Series(np.where(same, which, ""), dtype="string")

    return label(copy, "the copy"), label(kept, "kept")


def qb_duplicates(m: CustomerMatching, log: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each non-surviving member of a QBO duplicate cluster (inactive ones included); a copy the
    sync log shows the connector creating names the Salesforce record whose retry made it."""
    found = m.qb_clusters
    dup = found[~found["keep"]].reset_index(drop=True)
    cust = m.customers.iloc[dup["pos"].to_numpy()].reset_index(drop=True)
    keep = m.customers.iloc[dup["cluster"].to_numpy()].reset_index(drop=True)
    txns, balance = cust["transactions"], cust["balance_cents"]
    money = (txns > 0) | (balance != 0)
    copy_label, kept_label = _which_is_the_copy(cust, keep)
    made = _created_by(m, log, cust["id"])
    by_sync = made["sf_id"].notna().to_numpy()
    # A retry made it: the create followed failures of the same record (a timeout that had in
    # fact committed, then 6240), or the log numbers the call beyond the first attempt.
    retry = by_sync & (made["failed_before"].notna() | (made["attempt"].fillna(1) > 1)).to_numpy()
    connector = pd.Series(
        np.where(
            retry,
            " Then fix the connector: its retry created this copy instead of finding the "
            "customer it had already made (look the customer up by name before creating, or "
            "keep an idempotency key).",
            "",
        ),
        dtype="string",
    )
    return new_findings(
        sf_object=pd.Series(np.where(by_sync, made["sf_object"].fillna(ACCOUNT), None)),
        sf_id=made["sf_id"],
        qb_entity=CUSTOMER,
        qb_id=cust["id"],
        qb_name=cust["name"],
        title="Duplicate QBO customer: " + copy_label + " duplicates " + kept_label,
        detail=(
            _s(cust["name"])
            + " (Id "
            + _s(cust["id"])
            + pd.Series(np.where(cust["active"], "", ", inactive"), dtype="string")
            + ", "
            + transactions_text(cust)
            + ") duplicates "
            + _s(keep["name"])
            + " (Id "
            + _s(keep["id"])
            + "): "
            + _s(dup["reasons"].reset_index(drop=True))
            + _s(made["words"])
        ),
        suggested_action=_untagged_merge(
            _duplicate_action(
                money, cust["active"].fillna(True).astype(bool), transactions_counted(cust)
            ),
            keep["tag"].notna() if "tag" in keep else pd.Series(False, index=keep.index),
        )
        + connector,
        amount_cents=balance.astype("Int64").where(balance != 0),
        currency=cust["currency"],
        severity=pd.Series(np.where(money, "medium", "low"), dtype="string"),
        confidence=dup["score"].reset_index(drop=True),
    )


def sf_duplicates(m: CustomerMatching, clusters: pd.DataFrame) -> pd.DataFrame:
    """Each non-surviving member of a Salesforce account duplicate cluster."""
    dup = clusters[~clusters["keep"]].reset_index(drop=True)
    acc = m.accounts.iloc[dup["pos"].to_numpy()].reset_index(drop=True)
    keep = m.accounts.iloc[dup["cluster"].to_numpy()].reset_index(drop=True)
    busy = (acc["opportunities"] > 0) | acc["current_qb_id"].notna()
    copy_label, kept_label = _which_is_the_copy(acc, keep)
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=acc["id"],
        sf_name=acc["name"],
        qb_entity=None,
        qb_id=None,
        title="Duplicate Salesforce account: " + copy_label + " duplicates " + kept_label,
        detail=(
            _s(acc["name"])
            + " ("
            + opportunities_text(acc)
            + ") duplicates "
            + _s(keep["name"])
            + " ("
            + _s(keep["id"])
            + "): "
            + _s(dup["reasons"].reset_index(drop=True))
        ),
        suggested_action="Merge it into the survivor in Salesforce (Accounts > Merge); each copy synced on its own "
        "becomes another QBO customer.",
        severity=pd.Series(np.where(busy, "medium", "low"), dtype="string"),
        confidence=dup["score"].reset_index(drop=True),
    )


def _display_key(names: pd.Series) -> pd.Series:
    """How QBO compares DisplayNames for error 6240: case-insensitive, trimmed, single spaces."""
    return fold(names)


def name_collisions(m: CustomerMatching, data: Dataset) -> pd.DataFrame:
    """Accounts the sync will create as customers whose name a Vendor or Employee already uses."""
    parts = []
    for table, entity in (("vendors", "Vendor"), ("employees", "Employee")):
        frame = data.get(table)
        if frame is not None and "display_name" in frame:
            parts.append(
                pd.DataFrame(
                    {
                        "key": _display_key(frame["display_name"]),
                        "other_id": frame["id"].astype("string"),
                        "entity": entity,
                        "other": frame["display_name"],
                    }
                )
            )
    if not parts:
        return new_findings()
    others = pd.concat(parts, ignore_index=True).dropna(subset=["key"]).drop_duplicates("key")
    rows = m.matches[
        m.matches["l"].notna()
        & m.matches["status"].isin(["no_match"])
        & m.matches["current_qb_id"].isna()
    ].drop_duplicates("sf_id")
    hit = (
        rows[["sf_id", "sf_name"]]
        .assign(key=_display_key(rows["sf_name"]).to_numpy())
        .merge(others, on="key")
    )
    hit = hit.rename(columns={"other_id": "qb_id"}).reset_index(drop=True)
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=hit["sf_id"],
        sf_name=hit["sf_name"],
        qb_entity=hit["entity"],
        qb_id=hit["qb_id"],
        title="Account name already used by a QBO " + _s(hit["entity"]) + ": " + _s(hit["sf_name"]),
        detail=(
            "QBO "
            + _s(hit["entity"])
            + " "
            + _s(hit["other"])
            + " (Id "
            + _s(hit["qb_id"])
            + ") has this "
            "DisplayName; DisplayNames are unique across customers, vendors and employees, so creating the "
            "customer fails with error 6240 (Duplicate Name Exists)."
        ),
        suggested_action="Rename the vendor/employee in QBO (e.g. add ' (Vendor)') or set the customer's "
        "DisplayName by hand before the first invoice sync.",
        confidence=0.95,
    )


def field_drift(m: CustomerMatching) -> pd.DataFrame:
    """Linked, confirmed pairs whose phone, domain, billing address or currency disagree."""
    ok = m.matches[
        m.matches["status"].eq("linked_ok") & m.matches["l"].notna() & ~m.matches["extra"]
    ]
    a = m.accounts.iloc[ok["l"].astype(int).to_numpy()].reset_index(drop=True)
    c = m.customers.iloc[ok["r"].astype(int).to_numpy()].reset_index(drop=True)
    # Compared normalised, shown as each record writes it ("Denver" vs "Boulder", not "denver").
    fields = {
        "phone": ("phone", "phone_as_given"),
        "postal": ("billing postal code", "postal_as_given"),
        "city": ("billing city", "city_as_given"),
        "street_no": ("billing street", "street_as_given"),
        "currency": ("currency", "currency"),
    }
    drift = pd.Series("", index=a.index, dtype="string")
    for column, (label, shown) in fields.items():
        differ = (a[column].notna() & (c[column].isna() | (a[column] != c[column]))).fillna(False)
        text = label + " " + _s(a[shown]) + " vs " + _s(c[shown]).replace("", "(empty)")
        drift = drift.str.cat(pd.Series(np.where(differ, text, ""), dtype="string"), sep="; ")
    # Email: accounts have none of their own; QBO's email should exist when contacts have one,
    # and a company-domain email should be the account's domain (a full update wipes it).
    wiped = (a["has_contact_email"] & c["email"].isna()).to_numpy()
    other = (
        (a["domain"].notna() & c["domain"].notna() & (a["domain"] != c["domain"]))
        .fillna(False)
        .to_numpy()
    )
    email = np.where(
        wiped,
        "email empty in QBO while the account's contacts have one",
        np.where(other, "email domain " + _s(a["domain"]) + " vs " + _s(c["domain"]), ""),
    )
    drift = drift.str.cat(pd.Series(email, dtype="string"), sep="; ")
    drift = drift.str.replace(r"^(?:; )+|(?:; )+$", "", regex=True).str.replace(
        r"(?:; ){2,}", "; ", regex=True
    )
    has = drift.ne("")
    currency = (
        a["currency"].notna() & c["currency"].notna() & (a["currency"] != c["currency"])
    ).fillna(False)
    keep = has.to_numpy()
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=a["id"][keep],
        sf_name=a["name"][keep],
        qb_entity=CUSTOMER,
        qb_id=c["id"][keep],
        qb_name=c["name"][keep],
        title="Linked account and customer disagree: " + _s(a["name"][keep]),
        detail=("Salesforce vs QBO: " + drift[keep]),
        suggested_action=pd.Series(
            np.where(
                currency[keep],
                "The customer's currency cannot change: create a customer "
                "in the account's currency and link it.",
                "Decide which side is right and update the other; a QBO field emptied by a "
                "full (non-sparse) update is refilled by the next sync only if it sends it.",
            ),
            dtype="string",
        ),
        severity=pd.Series(np.where(currency[keep], "medium", "low"), dtype="string"),
        confidence=0.9,
    )


def multi_currency(m: CustomerMatching, data: Dataset) -> pd.DataFrame:
    """Accounts whose deals use several currencies (a QBO customer has one currency forever)."""
    opps = data.get("opportunities")
    if opps is None or "currency" not in opps:
        return new_findings()
    live = opps[
        ~opps.get("is_deleted", pd.Series(False, index=opps.index)).fillna(False).astype(bool)
    ]
    pairs = live.dropna(subset=["currency"])[["account_id", "currency"]].drop_duplicates()
    count = pairs.groupby("account_id").size()
    # Lists are built only for the few accounts with several currencies, not for every account.
    many = (
        pairs[member(pairs["account_id"], count.index[count > 1])]
        .groupby("account_id")["currency"]
        .agg(lambda c: sorted(c.tolist()))
    )
    acc = m.accounts.set_index("id").reindex(many.index)
    linked = m.matches[m.matches["qb_id"].notna() & member(m.matches["sf_id"], many.index)]
    owned = linked.merge(m.customers[["id", "currency"]], left_on="qb_id", right_on="id")
    have = (
        owned.groupby("sf_id")["currency"]
        .agg(lambda c: sorted(set(c.dropna())))
        .reindex(many.index)
    )
    missing = [
        sorted(set(w) - set(h if isinstance(h, list) else []))
        for w, h in zip(many, have, strict=True)
    ]
    covered = np.array([not x for x in missing], dtype=bool)
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=pd.Series(many.index, dtype="string"),
        sf_name=acc["name"].reset_index(drop=True),
        title="Deals in several currencies on one account: "
        + _s(acc["name"].reset_index(drop=True)),
        detail=(
            "Opportunities in "
            + pd.Series([", ".join(x) for x in many], dtype="string")
            + pd.Series(
                np.where(
                    covered,
                    "; a QBO customer exists for each.",
                    "; no QBO customer for "
                    + pd.Series([", ".join(x) for x in missing], dtype="string")
                    + ".",
                ),
                dtype="string",
            )
        ),
        suggested_action=pd.Series(
            np.where(
                covered,
                "Nothing to do if the sync picks the customer by currency.",
                "Create one QBO customer per currency (e.g. 'Acme (EUR)') and make the sync "
                "pick it by the deal's currency.",
            ),
            dtype="string",
        ),
        severity=pd.Series(np.where(covered, "info", "medium"), dtype="string"),
        confidence=0.9,
    )


def merged_account_links(m: CustomerMatching) -> pd.DataFrame:
    """Deleted (merged) accounts that still hold the QBO link their surviving account lacks."""
    gone = m.deleted[m.deleted["current_qb_id"].notna()].reset_index(drop=True)
    master = m.accounts.set_index("id").reindex(gone["master_id"].to_numpy())
    master_link = master["current_qb_id"].reset_index(drop=True)
    return new_findings(
        sf_object=ACCOUNT,
        sf_id=gone["id"],
        sf_name=gone["name"],
        qb_entity=CUSTOMER,
        qb_id=gone["current_qb_id"],
        title="QBO customer linked from a deleted (merged) account: " + _s(gone["name"]),
        detail=(
            "Account "
            + _s(gone["name"])
            + " was deleted"
            + pd.Series(
                np.where(
                    gone["master_id"].notna().to_numpy(),
                    " (merged into "
                    + _s(master["name"].reset_index(drop=True))
                    + ", "
                    + _s(gone["master_id"].reset_index(drop=True))
                    + ")",
                    "",
                ),
                dtype="string",
            )
            + " but still holds link "
            + _s(gone["current_qb_id"])
            + pd.Series(
                np.where(master_link.isna(), "; the surviving account has no link", ""),
                dtype="string",
            )
        ),
        suggested_action="Copy the link to the surviving account (remediation/salesforce_account_links.csv) so its "
        "next invoice goes to the existing customer.",
        severity="medium",
        confidence=0.9,
    )
