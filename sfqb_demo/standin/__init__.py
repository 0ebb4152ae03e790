"""A loopback stand-in for Salesforce and QuickBooks Online that serves a raw folder."""

from sfqb_demo.standin.faults import FAULT_HELP, parse_faults
from sfqb_demo.standin.server import StandIn

__all__ = ["FAULT_HELP", "StandIn", "parse_faults"]
