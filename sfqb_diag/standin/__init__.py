"""A loopback stand-in for Salesforce and QuickBooks Online that serves a raw folder."""

from sfqb_diag.standin.faults import FAULT_HELP, parse_faults
from sfqb_diag.standin.server import StandIn

__all__ = ["FAULT_HELP", "StandIn", "parse_faults"]
