"""sync_log.csv (DESIGN.md "Sync log"): the connector's own record of what it did — creates,
write-backs, retries and errors with QBO's real codes and messages."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator.world import World

COLUMNS = [
    "timestamp",
    "seq",
    "direction",
    "sf_object",
    "sf_id",
    "qb_entity",
    "qb_id",
    "operation",
    "status",
    "error_code",
    "message",
    "attempt",
]
# code -> (class, message as the connector logs it)
ERRORS = {
    "3001": ("throttling", "message=ThrottleExceeded; errorCode=003001; statusCode=429"),
    "429": ("throttling", "HTTP 429 Too Many Requests: ThrottleExceeded"),
    "3200": ("auth", "message=AuthenticationFailed; errorCode=003200; statusCode=401"),
    "401": ("auth", "invalid_grant: refresh token is invalid or expired"),
    "6000": (
        "validation",
        "A business validation error has occurred while processing your request: "
        "Business Validation Error: Transaction date is prior to start date for inventory item",
    ),
    "6140": (
        "validation",
        "Duplicate Document Number Error : You must specify a different number. "
        "This number has already been used.",
    ),
    "6070": (
        "validation",
        "Invalid Line Amount: Amount is not equal to UnitPrice * Qty. Supplied value",
    ),
    "6240": (
        "duplicate_name",
        "Duplicate Name Exists Error: The name supplied already exists. : Another customer, "
        "vendor or employee is already using this name. Please use a different name.",
    ),
    "5010": (
        "stale_object",
        "Stale Object Error : You and root were working on this at the same time. "
        "root finished before you did, so your work was not saved.",
    ),
    # Salesforce refusing the connector's write-back (a validation rule on the record): a
    # validation error as sync_jobs classifies it, though not a QBO code.
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": (
        "validation",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION: Accounts on credit hold cannot be edited by "
        "integration users",
    ),
    "610": (
        "not_found",
        "Object Not Found : Something you're trying to use has been made inactive. Check the "
        "fields with accounts, customers, items, vendors or employees.",
    ),
}
CLASSES = ("throttling", "auth", "validation", "duplicate_name", "stale_object", "not_found")


def rows(
    ts: np.ndarray,
    direction: str,
    sf_object: str,
    sf_id: np.ndarray,
    qb_entity: str,
    qb_id: np.ndarray,
    operation: str,
    status: str,
    code: str = "",
    attempt: np.ndarray | int = 1,
    seq: int = 0,
) -> pd.DataFrame:
    """A block of log rows of one kind (qb_id 0 means none yet)."""
    n = len(ts)
    qb = pd.Series(np.asarray(qb_id, dtype=np.int64)).astype(str).to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "timestamp": np.asarray(ts, dtype=np.int64),
            "seq": seq,
            "direction": direction,
            "sf_object": sf_object,
            "sf_id": sf_id,
            "qb_entity": qb_entity,
            "qb_id": np.where(np.asarray(qb_id) == 0, "", qb),
            "operation": operation,
            "status": status,
            "error_code": code,
            "message": ERRORS[code][1] if code else "",
            "attempt": np.broadcast_to(np.asarray(attempt), (n,)).copy(),
        },
        columns=COLUMNS,
    )


def failed_invoice_queries(runs: np.ndarray, code: str) -> pd.DataFrame:
    """The connector's runs whose first read (an Invoice query) failed with `code`: one error row
    a run, no record named (the run stopped before touching one)."""
    empty = np.repeat("", len(runs))
    return rows(
        runs, "sf_to_qbo", "", empty, "Invoice", np.zeros(len(runs)), "query", "error", code, 1
    )


def base_log(w: World) -> None:
    """Successful creates and write-backs for every integration customer and invoice; about 4% of
    invoice creates were throttled once (429/3001) and succeeded on the retry."""
    acc, opp, rng = w.sf["accounts"], w.sf["opps"], w.rng
    cust = w.qb["customers"]
    sync_c = cust[(cust["_origin"] == "sync")]
    a_ids = acc["Id"].to_numpy()[sync_c["_acc"].to_numpy()]
    w.log.append(
        rows(
            sync_c["create"].to_numpy(),
            "sf_to_qbo",
            "Account",
            a_ids,
            "Customer",
            sync_c["Id"].to_numpy(),
            "create",
            "success",
        )
    )
    w.log.append(
        rows(
            sync_c["create"].to_numpy() + 3,
            "qbo_to_sf",
            "Account",
            a_ids,
            "Customer",
            sync_c["Id"].to_numpy(),
            "update",
            "success",
        )
    )
    inv = w.qb["invoices"]
    sync_i = inv[(inv["_origin"] == "sync") & ~inv["_deleted"]]
    o_ids = opp["Id"].to_numpy()[sync_i["_opp"].to_numpy()]
    throttled = rng.random(len(sync_i)) < 0.04
    t = sync_i["create"].to_numpy()
    # The XML fault's code (3001), or only the HTTP status (429), depending on the call.
    code_of = np.where(rng.random(len(t)) < 0.7, "3001", "429")
    for code in ("3001", "429"):
        sel = throttled & (code_of == code)
        w.log.append(
            rows(
                t[sel] - 7,
                "sf_to_qbo",
                "Opportunity",
                o_ids[sel],
                "Invoice",
                np.zeros(int(sel.sum())),
                "create",
                "error",
                code,
                1,
            )
        )
    w.log.append(
        rows(
            t,
            "sf_to_qbo",
            "Opportunity",
            o_ids,
            "Invoice",
            sync_i["Id"].to_numpy(),
            "create",
            "success",
            attempt=np.where(throttled, 2, 1),
        )
    )
    written = opp["_inv"].to_numpy()[sync_i["_opp"].to_numpy()] == sync_i["Id"].to_numpy()
    w.log.append(
        rows(
            t[written] + 4,
            "qbo_to_sf",
            "Opportunity",
            o_ids[written],
            "Invoice",
            sync_i["Id"].to_numpy()[written],
            "update",
            "success",
            seq=1,
        )
    )


def error_counts(w: World) -> dict[str, int]:
    """Error rows per class, exactly as written."""
    log = pd.concat(w.log, ignore_index=True)
    err = log[log["status"] == "error"]
    cls = err["error_code"].map({k: v[0] for k, v in ERRORS.items()})
    counts = cls.value_counts()
    return {c: int(counts.get(c, 0)) for c in CLASSES}
