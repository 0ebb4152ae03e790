"""sync_jobs: Intuit's monthly read cap. The sync's app passed its month's CorePlus reads on
24 September: every run's first query failed (429) until the month turned, deals won meanwhile
reached QBO in a burst on 1 October. Look-alike: the five-day outage of early October also
fails every run's query, but it ends mid-month (a connector outage, not the cap)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import factory as fx
from sfqb_demo.generator import synclog
from sfqb_demo.generator.pools import invoiced_opps, sf_ids, take_opps
from sfqb_demo.generator.world import HOUR, World

AREA = "sync_jobs"
CAP_START = int(pd.Timestamp("2026-09-24T10:00:00Z").timestamp())
TURN = int(pd.Timestamp("2026-10-01T00:00:00Z").timestamp())
BACK = TURN + 2 * HOUR  # the first nightly run of the new month


def inject(w: World, outage: tuple[int, int]) -> None:
    _blocked(w)
    _failing_runs(w, CAP_START, TURN - HOUR)
    w.truth.defect(AREA, "qbo_read_cap_blocked", "high", n=1)
    _failing_runs(w, outage[0], outage[1] - HOUR)
    w.truth.lookalike(AREA, "outage_ending_mid_month", n=1)


def _blocked(w: World) -> None:
    """Nothing synced while blocked: customers and invoices of the window wait for the turn."""
    cust, inv, opp = w.qb["customers"], w.qb["invoices"], w.sf["opps"]
    ct = cust["create"].to_numpy()
    late_c = np.flatnonzero(
        (cust["_origin"].to_numpy() == "sync") & (ct >= CAP_START) & (ct < BACK)
    )
    cust.loc[late_c, "create"] = BACK + np.arange(len(late_c)) * 20
    cust.loc[late_c, "update"] = np.maximum(cust["update"].to_numpy()[late_c], BACK + 3 * HOUR)
    it = inv["create"].to_numpy()
    late = (inv["_origin"].to_numpy() == "sync") & ~inv["_deleted"].to_numpy()
    late &= (it >= CAP_START) & (it < BACK + HOUR)
    iids = inv["Id"].to_numpy()[late].astype(np.int64)
    when = BACK + HOUR + np.sort(w.rng.integers(60, 3 * HOUR, len(iids)))
    r = fx.inv_rows(iids)
    inv.loc[r, "create"] = when
    inv.loc[r, "update"] = np.maximum(inv["update"].to_numpy()[r], when)
    rows = np.flatnonzero(np.isin(opp["_inv"].to_numpy(), iids))
    moved = dict(zip(iids.tolist(), when.tolist(), strict=True))
    stamp = opp["_inv"].iloc[rows].map(moved).to_numpy(dtype=np.int64) + 4
    opp.loc[rows, ["last_sync", "modified"]] = np.column_stack([stamp, stamp])
    free = invoiced_opps(w) & np.isin(np.arange(len(opp)), rows)
    take_opps(w, int(free.sum()), free)
    w.truth.touch(sf=sf_ids(w, "opps", rows), qb_entity="Invoice", qb=iids)


def _failing_runs(w: World, start: int, end: int) -> None:
    """The connector's hourly run: its first read (a query) answered 429, and the run stopped."""
    runs = np.arange(start, end, HOUR)
    w.log.append(synclog.failed_invoice_queries(runs, "429"))
