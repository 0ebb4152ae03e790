"""The `sfqb-diag` command line: one module per verb, one catch site (app.py)."""

from sfqb_diag.cli.app import main

__all__ = ["main"]
