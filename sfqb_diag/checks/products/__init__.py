"""Area `products`: Product2 <-> Item links, item hygiene, price drift, invoice-line differences."""

from sfqb_diag.checks.products.catalogue import CHECKS, OUTPUTS, READS, VIEWS

__all__ = ["CHECKS", "OUTPUTS", "READS", "VIEWS"]
