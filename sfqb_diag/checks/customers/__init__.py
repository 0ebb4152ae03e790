"""Area `customers`: Account <-> Customer links, duplicates on either side, collisions, field drift."""

from sfqb_diag.checks.customers.catalogue import CHECKS, OUTPUTS, READS, VIEWS

__all__ = ["CHECKS", "OUTPUTS", "READS", "VIEWS"]
