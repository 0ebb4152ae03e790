"""The evidence waterfall of one account-customer pair (notebook 02), from the pair_evidence view."""

from __future__ import annotations

from typing import Any

import pandas as pd


def pick_pair(evidence: pd.DataFrame, account: str | None = None) -> pd.DataFrame:
    """The steps of one pair: the account named (its name or Salesforce Id, either case), else
    the first pair of the view (the least certain pair waiting for a person)."""
    if evidence.empty:
        return evidence
    ids = evidence["Account Id"].astype(str)
    if account:
        wanted = account.strip().lower()
        hit = (ids.str.lower() == wanted) | (evidence["Account"].astype(str).str.lower() == wanted)
        if not hit.any():
            return evidence.iloc[0:0]
        first = evidence[hit].iloc[0]
    else:
        first = evidence.iloc[0]
    pair = (ids == str(first["Account Id"])) & (
        evidence["Customer Id"].astype(str) == str(first["Customer Id"])
    )
    return evidence[pair].sort_values("Step")


def evidence_waterfall(evidence: pd.DataFrame, account: str | None = None) -> Any:
    """A plotly waterfall: each field's evidence in bits, from the prior to the pair's score."""
    import plotly.graph_objects as go

    steps = pick_pair(evidence, account)
    if steps.empty:
        return go.Figure()
    shown = steps[(steps["Evidence (bits)"].abs() > 0.0005) | (steps["Step"] == 0)]
    text = shown["What the two records show"].fillna("").astype(str)
    first = steps.iloc[0]
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            y=(shown["Field"] + (": " + text).where(text != "", "")).tolist(),
            x=shown["Evidence (bits)"].tolist(),
            measure=["absolute", *["relative"] * (len(shown) - 1)],
            text=[f"{w:+.1f}" for w in shown["Evidence (bits)"]],
            customdata=shown["Probability after"].tolist(),
            hovertemplate="%{y}<br>%{x:+.2f}; probability after: %{customdata:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=(
            f"Why {first['Account']} and {first['Customer']} scored {float(first['Score']):.2f}"
            " (+1 doubles the odds that they are one party, -1 halves them)"
        ),
        xaxis_title="Evidence that they are one party (running total)",
        yaxis={"autorange": "reversed"},
        showlegend=False,
    )
    return fig


def pair_table(evidence: pd.DataFrame, account: str | None = None) -> pd.DataFrame:
    """The waterfall's pair as a table a person reads: one row per field, what the two records
    show, its evidence and the probability after it. The pair's names, Ids, status and score are
    in the chart's title, not repeated on every row; probabilities as 0.35, not 1 for 0.9996."""
    steps = pick_pair(evidence, account)
    if steps.empty:
        return pd.DataFrame(
            columns=["Field", "What the two records show", "Evidence", "Probability after"]
        )
    return pd.DataFrame(
        {
            "Field": steps["Field"].to_numpy(),
            "What the two records show": steps["What the two records show"].to_numpy(),
            "Evidence": steps["Evidence (bits)"].map(lambda w: f"{w:+.1f}").to_numpy(),
            "Probability after": steps["Probability after"].map(lambda p: f"{p:.2f}").to_numpy(),
        }
    )
