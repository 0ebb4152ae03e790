"""Area `auth_env`: environment, realm, token, API-version and Id-format problems."""

from sfqb_diag.checks.auth_env.catalogue import CHECKS, OUTPUTS, READS, VIEWS

__all__ = ["CHECKS", "OUTPUTS", "READS", "VIEWS"]
