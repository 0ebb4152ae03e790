"""Product pairs in the review pager (notebook 03): the products.review view puts both records
side by side, and a reviewer's decision is written to decisions.csv with kind `product`, which
the next `check` reads back."""

from __future__ import annotations

import pandas as pd
import pytest

from sfqb_diag.checks.products.views import REVIEW_COLUMNS, review_pairs
from sfqb_diag.dataset import Dataset
from sfqb_diag.notebook.review_pager import (
    card_html,
    decisions_path,
    record_decision,
    review_pager,
)
from sfqb_diag.sources.reviewer_files import read_decisions

P1, P2, P3 = "01t000000000001AAA", "01t000000000002AAA", "01t000000000003AAA"


def _data() -> Dataset:
    return Dataset(
        tables={
            "products": pd.DataFrame(
                {
                    "id": [P1, P2, P3],
                    "name": ["Widget 100", "Gadget", "Cable"],
                    "product_code": ["WID-100", None, "CAB-1"],
                }
            ),
            "items": pd.DataFrame(
                {
                    "id": ["7", "8"],
                    "name": ["Widget-100 & stand", "Gadget Pro"],
                    "sku": ["WID100", None],
                    "unit_price": [120.5, 99.0],
                }
            ),
            "pricebook_entries": pd.DataFrame(
                {
                    "product_id": [P1, P2],
                    "pricebook_id": ["01s1", "01s1"],
                    "currency": ["USD", "USD"],
                    "unit_price": [120.0, 1250.0],
                }
            ),
            "preferences": pd.DataFrame({"home_currency": ["USD"]}),
        }
    )


def _matches() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sf_id": [P1, P2, P3],
            "current_qb_id": [None, None, None],
            "qb_id": ["7", "8", None],
            "score": [0.71, 0.83, 0.0],
            "status": ["review", "review", "no_match"],
            "reasons": ["model code WID-100", "name 88", ""],
            "sf_name": ["Widget 100", "Gadget", "Cable"],
            "qb_name": ["Widget-100 & stand", "Gadget Pro", None],
        }
    )


def test_the_view_lists_review_pairs_best_first_with_both_records():
    pairs = review_pairs(_matches(), _data())
    assert list(pairs.columns) == REVIEW_COLUMNS
    assert pairs["Product Id"].tolist() == [P2, P1]  # best score first; no_match left out
    first, second = pairs.iloc[0], pairs.iloc[1]
    assert (first["Product"], first["Item"], first["Item Id"]) == ("Gadget", "Gadget Pro", "8")
    assert (first["Salesforce price"], first["QuickBooks price"]) == ("1,250.00", "99.00")
    assert pd.isna(first["Product code"]) and pd.isna(first["SKU"])
    assert (second["Product code"], second["SKU"], second["Score"]) == ("WID-100", "WID100", 0.71)
    assert review_pairs(None, _data()).empty
    assert list(review_pairs(None, _data()).columns) == REVIEW_COLUMNS


def test_the_card_shows_salesforce_and_quickbooks_side_by_side():
    row = review_pairs(_matches(), _data()).iloc[1]
    html = card_html(row, "product")
    assert "<th>Salesforce</th><th>QuickBooks</th>" in html
    assert "<tr><th>Name</th><td>Widget 100</td><td>Widget-100 &amp; stand</td></tr>" in html
    assert "<tr><th>Code / SKU</th><td>WID-100</td><td>WID100</td></tr>" in html
    assert "<tr><th>Price</th><td>120.00</td><td>120.50</td></tr>" in html
    assert "score 0.71" in html and "model code WID-100" in html


def test_review_pager_records_product_decisions(tmp_path, monkeypatch):
    monkeypatch.setenv("SFQB_INTERACTIVE", "0")
    raw = tmp_path / "client" / "raw"
    pairs = review_pairs(_matches(), _data())
    note = review_pager(pairs, raw, kind="product").data
    assert "2 pairs wait for a reviewer" in note and "JupyterLab" in note
    path = decisions_path(raw)
    record_decision(path, P1, "7", "accept", decided_by="ann", kind="product")
    record_decision(path, "001000000000009AAA", "12", "reject", decided_by="ann")
    written = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert written[["kind", "sf_id", "qb_id", "decision"]].values.tolist() == [
        ["product", P1, "7", "accept"],
        ["customer", "001000000000009AAA", "12", "reject"],
    ]
    read = read_decisions(path)
    assert read.loc[read["kind"] == "product", ["sf_id", "qb_id"]].values.tolist() == [[P1, "7"]]
    with pytest.raises(ValueError, match="kind"):
        record_decision(path, P1, "7", "accept", kind="invoice")
    with pytest.raises(ValueError, match="kind"):
        review_pager(pairs, raw, kind="invoice")


def test_a_product_pair_decided_in_the_pager_is_honoured_by_the_next_check(tmp_path):
    """End to end on the line-reconciliation fixture: an unlinked product whose best item scores
    below match_auto is listed for review; accepting it (kind product) makes it a link to set."""
    import test_line_reconciliation as lines
    from test_views import _unlink_consulting

    from sfqb_diag.pipeline import CheckOptions, run_check

    raw = lines.build_raw(tmp_path)
    _unlink_consulting(raw)
    products = raw / "salesforce" / "Product2.csv"
    frame = pd.read_csv(products, dtype=str, keep_default_na=False)
    mine = frame["Id"] == lines.sfid("01t", 2)
    frame.loc[mine, ["Name", "ProductCode"]] = ["Consulting - hourly", ""]  # no code, a near name
    frame.to_csv(products, index=False)
    config = tmp_path / "client.yaml"
    config.write_text("thresholds:\n  match_auto: 0.999\n", encoding="utf-8")

    def check(out: str):  # type: ignore[no-untyped-def]
        options = CheckOptions(raw=raw, out=tmp_path / out, config=config, as_of=lines.AS_OF)
        return run_check(options).result

    before = check("before")
    review = before.views["products.review"]
    assert review[["Product", "Item", "Item Id"]].values.tolist() == [
        ["Consulting - hourly", "Consulting Hour", "2"]
    ]
    row = review.iloc[0]
    record_decision(
        decisions_path(raw), row["Product Id"], row["Item Id"], "accept", kind="product"
    )
    after = check("after")
    matches = after.outputs["matches/products.csv"].set_index("sf_id")
    assert matches.loc[lines.sfid("01t", 2), "status"] == "suggest_link"
    assert after.views["products.review"].empty
