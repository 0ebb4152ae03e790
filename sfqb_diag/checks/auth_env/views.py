"""Tables notebook 01 shows, computed during `check` with the run's Context (see checks.base.view)."""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.auth_env.facts import (
    environment_cards,
    link_resolution,
    link_resolution_rates,
    token_timeline,
)
from sfqb_diag.checks.base import RunView, view


@view("environment_cards", "auth_env", "What answered on each side, and what it looked like")
def environment_cards_view(run: RunView) -> pd.DataFrame:
    return environment_cards(run.data)


@view("link_rates", "auth_env", "Stored QuickBooks links per kind: fit, unrelated, not found")
def link_rates_view(run: RunView) -> pd.DataFrame:
    return link_resolution_rates(link_resolution(run.data))


@view("token_timeline", "auth_env", "The QBO token's life as dated events around the as-of time")
def token_timeline_view(run: RunView) -> pd.DataFrame:
    return token_timeline(run.data, run.as_of)


VIEWS = (environment_cards_view, link_rates_view, token_timeline_view)
