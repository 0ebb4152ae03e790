"""Area `partial_sync`: Opportunity <-> Invoice link state: unbilled, missing, lost write-backs, orphans, stale."""

from sfqb_diag.checks.partial_sync.catalogue import CHECKS, OUTPUTS, READS, VIEWS

__all__ = ["CHECKS", "OUTPUTS", "READS", "VIEWS"]
