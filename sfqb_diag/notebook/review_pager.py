"""A JupyterLab pager for review-band matches: accept or reject each pair into decisions.csv.

Two kinds of pair are paged: account<->customer (notebook 02, kind "customer") and
product<->item (notebook 03, kind "product", both records side by side).

The next `check` honours the file (DESIGN.md, reviewer files): an accepted pair is linked
whatever its score, a rejected pair is never proposed again. In a headless run (papermill,
nbconvert, the report command) there is no one to click: the pager is replaced by a short note.
"""

from __future__ import annotations

import getpass
import os
import sys
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from sfqb_diag.sources.reviewer_files import DECISION_COLUMNS

# kind -> (the view's Salesforce Id column, its QBO Id column, the two names, for the status line)
KINDS = {
    "customer": ("Account Id", "Customer Id", "Account", "Proposed customer"),
    "product": ("Product Id", "Item Id", "Product", "Item"),
}


def interactive_frontend() -> bool:
    """True in a live Jupyter front end (JupyterLab, Notebook, VS Code), False when headless.

    Jupyter servers name the notebook in the kernel's environment (JPY_SESSION_NAME) and VS
    Code sets VSCODE_PID; papermill and nbconvert start bare kernels. SFQB_INTERACTIVE=0/1
    overrides the guess.
    """
    forced = os.environ.get("SFQB_INTERACTIVE")
    if forced is not None:
        return forced.strip().lower() in ("1", "true", "yes")
    if "papermill" in sys.modules or os.environ.get("PAPERMILL_INPUT_PATH"):
        return False
    if "ipykernel" not in sys.modules:
        return False
    return bool(os.environ.get("JPY_SESSION_NAME") or os.environ.get("VSCODE_PID"))


def decisions_path(raw: str | Path) -> Path:
    """Where `check` looks for decisions.csv by default: beside the raw folder."""
    return Path(raw).resolve().parent / "decisions.csv"


def record_decision(
    path: Path,
    sf_id: str,
    qb_id: str,
    decision: str,
    note: str = "",
    decided_by: str | None = None,
    decided_at: pd.Timestamp | None = None,
    kind: str = "customer",
) -> pd.DataFrame:
    """Append one decision of `kind` (customer or product) to decisions.csv (created with its
    header when missing).

    The last decision on a pair wins when the file is read, so changing one's mind is another row.
    Returns the file's rows after writing.
    """
    if decision not in ("accept", "reject"):
        raise ValueError("decision must be accept or reject")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    row = {
        "kind": kind,
        "sf_id": sf_id,
        "qb_id": str(qb_id),
        "decision": decision,
        "note": note,
        "decided_by": decided_by or getpass.getuser(),
        # The moment a person decided: a record of their action, never used by any rule.
        "decided_at": (decided_at or pd.Timestamp.now(tz="UTC")).isoformat(timespec="seconds"),
    }
    if path.is_file():
        current = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        current = pd.DataFrame(columns=DECISION_COLUMNS)
    merged = pd.concat([current, pd.DataFrame([row])], ignore_index=True)
    merged = merged.reindex(columns=list(dict.fromkeys([*DECISION_COLUMNS, *current.columns])))
    path.parent.mkdir(parents=True, exist_ok=True)
    merged.to_csv(path, index=False, encoding="utf-8-sig")
    return merged


def review_pager(pairs: pd.DataFrame, raw: str | Path, kind: str = "customer") -> Any:
    """The pager widget in JupyterLab; a note when headless or when nothing waits for review.

    `pairs`: one row per candidate. Kind "customer": Account, Account Id, Proposed customer,
    Customer Id, Linked today to, Score, Why (view customers.review). Kind "product": Product,
    Product Id, Product code, Salesforce price, Item, Item Id, SKU, QuickBooks price, Score, Why
    (view products.review).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    from IPython.display import Markdown

    path = decisions_path(raw)
    if pairs.empty:
        return Markdown("No pair waits for a reviewer.")
    if not interactive_frontend():
        return Markdown(
            f"{len(pairs):,} pairs wait for a reviewer. Open this notebook in JupyterLab to "
            f"accept or reject them; decisions go to `{path.name}` beside the raw folder."
        )
    return _pager(pairs.reset_index(drop=True), path, kind)


def card_html(row: pd.Series, kind: str) -> str:
    """One pair as the pager shows it. A product pair is a two-column table (Salesforce |
    QuickBooks: name, code, price), so the reviewer reads both records side by side."""
    if kind == "customer":
        return (
            f"Account: <b>{escape(str(row['Account']))}</b> ({escape(str(row['Account Id']))})"
            f"<br>Customer: <b>{escape(str(row['Proposed customer']))}</b> (Id "
            f"{escape(str(row['Customer Id']))}), score {row['Score']:.2f}<br>Linked today to: "
            f"{escape(str(row['Linked today to'] or 'nothing'))}<br><i>{escape(str(row['Why']))}</i>"
        )
    sides = [
        ("Name", "Product", "Item"),
        ("Code / SKU", "Product code", "SKU"),
        ("Price", "Salesforce price", "QuickBooks price"),
        ("Id", "Product Id", "Item Id"),
    ]
    body = "".join(
        f"<tr><th>{label}</th><td>{_cell(row[sf])}</td><td>{_cell(row[qb])}</td></tr>"
        for label, sf, qb in sides
    )
    return (
        '<table class="sfqb-pair"><thead><tr><th></th><th>Salesforce</th><th>QuickBooks</th>'
        f"</tr></thead><tbody>{body}</tbody></table>score {row['Score']:.2f}<br>"
        f"<i>{escape(str(row['Why']))}</i>"
    )


def _cell(value: Any) -> str:
    return "" if pd.isna(value) else escape(str(value))


def _pager(pairs: pd.DataFrame, path: Path, kind: str) -> Any:
    import ipywidgets as widgets

    state = {"i": 0}
    card, status = widgets.HTML(), widgets.HTML()
    note = widgets.Text(placeholder="note (optional)", layout=widgets.Layout(width="50%"))
    buttons = {
        name: widgets.Button(description=label, button_style=style)
        for name, label, style in (
            ("prev", "Previous", ""),
            ("accept", "Accept", "success"),
            ("reject", "Reject", "danger"),
            ("next", "Skip", ""),
        )
    }

    def render() -> None:
        row = pairs.iloc[state["i"]]
        card.value = f"<b>{state['i'] + 1} of {len(pairs)}</b><br>" + card_html(row, kind)

    def move(step: int) -> None:
        state["i"] = min(max(state["i"] + step, 0), len(pairs) - 1)
        note.value = ""
        render()

    def decide(decision: str) -> None:
        row = pairs.iloc[state["i"]]
        sf_id, qb_id, sf_name, qb_name = KINDS[kind]
        record_decision(path, str(row[sf_id]), str(row[qb_id]), decision, note.value, kind=kind)
        status.value = f"{decision}ed {row[sf_name]} -> {row[qb_name]} (saved to {path.name})"
        move(1)

    buttons["prev"].on_click(lambda _: move(-1))
    buttons["next"].on_click(lambda _: move(1))
    buttons["accept"].on_click(lambda _: decide("accept"))
    buttons["reject"].on_click(lambda _: decide("reject"))
    render()
    return widgets.VBox([card, note, widgets.HBox(list(buttons.values())), status])
