"""The two whole-environment variants (issue 8). Each starts from the clean business with no
other injected defect, adds one aggregate problem and records its per-record consequences.

env_mismatch   Salesforce is a sandbox (refreshed from production 30 days before the pull)
               while QBO is production: records created in production since the refresh are
               missing here, records closed since then still look open and unlinked.
realm_mismatch Salesforce links were made against another QBO company (a sandbox company):
               most stored Customer/Item/Invoice Ids resolve to nothing in the pulled realm or
               to unrelated records. The pulled company was keyed by hand (no Salesforce notes).
"""

from __future__ import annotations

import numpy as np

from sfqb_demo.generator.business import OPEN_STAGES
from sfqb_demo.generator.factory import invoice_totals
from sfqb_demo.generator.settings import ORG
from sfqb_demo.generator.world import AS_OF_TS, DAY, World

REFRESH_TS = AS_OF_TS - 30 * DAY


def env_mismatch(w: World) -> None:
    """Sandbox Salesforce (a copy as of the refresh) against production QBO."""
    sfm = w.manifest["salesforce"]
    sfm.update(
        {
            "instance_url": f"https://{ORG['my_domain']}--uat.sandbox.my.salesforce.com",
            "is_sandbox": True,
            "org_id": ORG["sandbox_org_id"],
            "username": ORG["username"] + ".uat",
        }
    )
    acc, opp, inv, cust = w.sf["accounts"], w.sf["opps"], w.qb["invoices"], w.qb["customers"]
    w.truth.defect("auth_env", "env_mismatch", "critical", n=1)
    acc["_absent"] = acc["created"].to_numpy() >= REFRESH_TS
    opp["_absent"] = (opp["created"].to_numpy() >= REFRESH_TS) | acc["_absent"].to_numpy()[
        opp["_acc"].to_numpy()
    ]
    w.sf["contacts"]["_absent"] = acc["_absent"].to_numpy()[w.sf["contacts"]["_acc"].to_numpy()]
    w.sf["lines"]["_absent"] = opp["_absent"].to_numpy()[w.sf["lines"]["_opp"].to_numpy()]
    # Invoices naming opportunities this org never had.
    sync = (inv["_origin"] == "sync").to_numpy()
    gone = sync & opp["_absent"].to_numpy()[np.maximum(inv["_opp"].to_numpy(), 0)]
    w.truth.defect(
        "auth_env",
        "cross_environment_write",
        "high",
        qb_entity="Invoice",
        qb=inv["Id"].to_numpy()[gone],
        cents=invoice_totals(w, inv["Id"].to_numpy()[gone]),
        currency=inv["currency"].to_numpy()[gone],
    )
    # Deals won in production after the refresh are still open in the sandbox copy.
    behind = (
        (opp["won_ts"].to_numpy() >= REFRESH_TS)
        & ~opp["_absent"].to_numpy()
        & (opp["_inv"].to_numpy() > 0)
    )
    rows = np.flatnonzero(behind)
    iids = opp["_inv"].to_numpy()[rows]
    opp.loc[rows, ["IsWon", "IsClosed", "QBO_Invoice_Id__c", "QBO_Sync_Status__c"]] = [
        False,
        False,
        "",
        "",
    ]
    opp.loc[rows, "StageName"] = OPEN_STAGES[4]
    opp.loc[rows, ["last_sync", "_inv"]] = 0
    opp.loc[rows, "modified"] = np.minimum(opp["modified"].to_numpy()[rows], REFRESH_TS - 3600)
    w.truth.defect(
        "auth_env",
        "sandbox_behind_production",
        "high",
        sf=opp["Id"].to_numpy()[rows],
        qb_entity="Invoice",
        qb=iids,
        cents=invoice_totals(w, iids),
        currency=opp["CurrencyIsoCode"].to_numpy()[rows],
    )
    # Accounts first invoiced after the refresh: their customer link is not in the sandbox copy.
    c_new = cust["create"].to_numpy() >= REFRESH_TS
    arows = np.flatnonzero(
        (acc["_cust"].to_numpy() > 0)
        & ~acc["_absent"].to_numpy()
        & c_new[np.maximum(acc["_cust"].to_numpy() - 1, 0)]
    )
    acc.loc[arows, "QBO_Customer_Id__c"] = ""
    w.truth.defect(
        "auth_env",
        "sandbox_behind_production",
        "high",
        sf=acc["Id"].to_numpy()[arows],
        qb_entity="Customer",
        qb=acc["_cust"].to_numpy()[arows],
        n=len(arows),
    )
    acc.loc[acc["_absent"].to_numpy(), "_cust"] = 0


def realm_mismatch(w: World) -> None:
    """Links made in another QBO company: renumber what Salesforce holds."""
    w.truth.defect("auth_env", "realm_mismatch", "critical", n=1)
    rng = np.random.default_rng(w.seed + 202)
    specs = [
        (
            "accounts",
            "QBO_Customer_Id__c",
            "_cust",
            "customers",
            "customers",
            "Customer",
            "mislinked_account",
            "low",  # no invoice sits on the other company's customer: nothing at stake yet
            "link_to_missing_customer",
            "medium",
        ),
        (
            "products",
            "QBO_Item_Id__c",
            "_item",
            "items",
            "products",
            "Item",
            "mislinked_product",
            "medium",
            "link_to_missing_item",
            "medium",
        ),
        (
            "opps",
            "QBO_Invoice_Id__c",
            "_inv",
            "invoices",
            "partial_sync",
            "Invoice",
            "mislinked_invoice",
            "high",
            "link_to_missing_invoice",
            "high",
        ),
    ]
    for (
        table,
        field,
        true_col,
        qb_table,
        area,
        entity,
        wrong_kind,
        wrong_sev,
        missing_kind,
        missing_sev,
    ) in specs:
        frame = w.sf[table]
        n_qb = int(w.qb[qb_table]["Id"].max())
        other = rng.permutation(int(n_qb * 1.6)) + 1  # the other company's Id for each of ours
        linked = np.flatnonzero(frame[field].to_numpy() != "")
        true_id = frame[true_col].to_numpy()[linked]
        their = other[np.clip(true_id - 1, 0, len(other) - 1)]
        their = np.where(their == true_id, their + n_qb, their)  # never the right record by chance
        frame.loc[linked, field] = their.astype(str)
        resolves = their <= n_qb
        ids = frame["Id"].to_numpy()[linked]
        w.truth.defect(
            area,
            wrong_kind,
            wrong_sev,
            sf=ids[resolves],
            qb_entity=entity,
            qb=their[resolves],
            n=int(resolves.sum()),
        )
        w.truth.defect(area, missing_kind, missing_sev, sf=ids[~resolves], n=int((~resolves).sum()))
    inv = w.qb["invoices"]
    inv.loc[inv["_origin"] == "sync", "PrivateNote"] = ""
