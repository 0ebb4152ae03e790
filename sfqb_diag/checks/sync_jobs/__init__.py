"""Area `sync_jobs`: what jobs do under load: retry duplicates, DocNumbers, outages, lag, sync-log errors."""

from sfqb_diag.checks.sync_jobs.catalogue import CHECKS, OUTPUTS, READS, VIEWS

__all__ = ["CHECKS", "OUTPUTS", "READS", "VIEWS"]
