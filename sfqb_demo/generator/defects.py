"""Inject every defect kind and its look-alikes, area by area (or a variant's problem).

The order is fixed (determinism depends on it): whole-window problems (the auth burst, the sync
outage) claim their records first, then record-level defects by area.
"""

from __future__ import annotations

from sfqb_demo.generator import (
    defects_auth_env,
    defects_customers,
    defects_partial_sync,
    defects_products,
    defects_sync_jobs,
    variants,
)
from sfqb_demo.generator.factory import apply_links
from sfqb_demo.generator.world import World


def inject(w: World) -> None:
    """The clean variant gets every defect kind; the others get only their aggregate problem."""
    if w.variant == "env_mismatch":
        variants.env_mismatch(w)
        return
    if w.variant == "realm_mismatch":
        variants.realm_mismatch(w)
        return
    for area in (
        defects_auth_env,
        defects_sync_jobs,
        defects_customers,
        defects_products,
        defects_partial_sync,
    ):
        area.inject(w)
        apply_links(w)  # write-backs of opportunities the area made, before the next area picks
