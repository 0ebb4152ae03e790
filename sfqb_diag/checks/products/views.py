"""Tables notebook 03 plots: link status in words, Salesforce vs QBO prices, the waterfall from
won deals to invoiced amounts, and the invoice lines to fix first. Pure functions of a run's
outputs and cached Dataset; the same code the checks use, so the page never disagrees with them."""

from __future__ import annotations

import pandas as pd

from sfqb_diag.checks.base import Context, RunView, view
from sfqb_diag.checks.line_pairing.classes import waterfall
from sfqb_diag.checks.line_pairing.reconcile import product_prices
from sfqb_diag.checks.products.line_checks import line_reconciliation
from sfqb_diag.checks.products.prices import price_pairs
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.ids import look_up
from sfqb_diag.linkage import won_deals
from sfqb_diag.words import gap_text, money_text, price_text

STATUS_WORDS = {
    "linked_ok": "Linked to the right item",
    "relink": "Linked to the wrong (or a missing) item: relink",
    "suggest_link": "Not linked; the item is clear: link it",
    "review": "Not sure: a person should confirm",
    "no_match": "No matching item in QBO",
}


def link_status(matches: pd.DataFrame | None) -> pd.DataFrame:
    """Products per match status, in words, most actionable first."""
    if matches is None or matches.empty:
        return pd.DataFrame(columns=["Status", "Products"])
    counts = matches["status"].value_counts().reindex(list(STATUS_WORDS)).fillna(0).astype(int)
    return pd.DataFrame(
        {
            "Status": [STATUS_WORDS[s] for s in counts.index],
            "Products": counts.to_numpy(),
            "status": counts.index,
        }
    )


def price_points(data: Dataset, config: ClientConfig) -> pd.DataFrame:
    """One point per linked product: standard price in Salesforce vs the QBO item price."""
    pairs = price_pairs(
        data, config.thresholds.amount_tolerance, config.thresholds.price_tolerance_pct
    )
    label = (
        pairs["drift"].map({True: "Differs beyond tolerance", False: "Agrees"})
        if len(pairs)
        else pairs["drift"]
    )
    return pairs.assign(agreement=label)


def line_waterfall(ctx: Context) -> pd.DataFrame:
    """Waterfall steps per currency (currency, step, cents, kind) from Salesforce line totals of
    linked opportunities to the invoiced pre-tax amounts, one step per difference class. Uses the
    run's own Context, so reviewer decisions shape it exactly as they shape the findings."""
    data = ctx.data
    needed = ("opportunities", "opportunity_lines", "invoices", "invoice_lines")
    if not data.has(*needed) or "qb_invoice_id" not in data["opportunities"]:
        return pd.DataFrame(columns=["currency", "step", "cents", "kind"])
    classified = line_reconciliation(ctx)
    opps = data["opportunities"].drop_duplicates("id")
    won = pd.Series(won_deals(opps).to_numpy(), index=opps["id"].to_numpy())
    keep = look_up(classified["opportunity_id"], won).fillna(True).astype(bool)
    classified = classified[keep]
    return waterfall(classified)


def lines_to_fix(corrections: pd.DataFrame | None, limit: int = 25) -> pd.DataFrame:
    """The biggest invoice-line differences, in words for finance: each side's amount with its
    own currency (a line billed in another currency shows the same number twice otherwise) and
    the difference as 'QuickBooks is 10.00 USD higher than Salesforce'."""
    columns = [
        "Invoice",
        "Opportunity",
        "Difference",
        "Line",
        "Salesforce",
        "QBO",
        "QuickBooks vs Salesforce",
    ]
    if corrections is None or corrections.empty:
        return pd.DataFrame(columns=columns)
    top = corrections.head(limit)
    currency = top["currency"].astype("string")
    billed_in = top["invoice_currency"].astype("string").fillna(currency)
    delta = (pd.to_numeric(top["delta"], errors="coerce") * 100).round().astype("Int64")
    frame = pd.DataFrame(
        {
            "Invoice": top["doc_number"].fillna(top["invoice_id"]),
            "Opportunity": top["opportunity_name"],
            "Difference": top["difference"],
            "Line": top["product"].fillna(top["qb_item"]),
            "Salesforce": _with_code(top["sf_amount"], currency),
            "QBO": _with_code(top["qb_amount"], billed_in),
            "QuickBooks vs Salesforce": gap_text(delta, currency),
        }
    )
    # A line in another currency is not a smaller amount: the whole line is billed wrong.
    other = billed_in.ne(currency).fillna(False).to_numpy()
    frame.loc[other, "QuickBooks vs Salesforce"] = (
        "billed in " + billed_in[other] + " instead of " + currency[other]
    ).to_numpy()
    return frame.fillna("").reset_index(drop=True)


def _with_code(amounts: pd.Series, currency: pd.Series) -> pd.Series:
    """'1234.50' (exact decimal text) -> '1,234.50 CAD'; '' where the side has no line."""
    cents = (pd.to_numeric(amounts, errors="coerce") * 100).round().astype("Int64")
    return money_text(cents, currency)


REVIEW_COLUMNS = [
    "Product",
    "Product Id",
    "Product code",
    "Salesforce price",
    "Item",
    "Item Id",
    "SKU",
    "QuickBooks price",
    "Score",
    "Why",
]


def review_pairs(matches: pd.DataFrame | None, data: Dataset) -> pd.DataFrame:
    """The product<->item pairs waiting for a person (status review), best score first, with
    what a reviewer compares: name, code and price on each side (the Salesforce price is the
    home-currency standard price, the one a QBO item price can equal)."""
    if matches is None or matches.empty:
        return pd.DataFrame(columns=REVIEW_COLUMNS)
    rows = matches[matches["status"] == "review"].sort_values("score", ascending=False)
    products, items = data.get("products"), data.get("items")
    codes = (
        products.set_index("id")["product_code"]
        if products is not None and "product_code" in products
        else pd.Series(dtype="string")
    )
    keyed = (
        items.assign(id=items["id"].astype("string")).set_index("id") if items is not None else None
    )
    skus = keyed["sku"] if keyed is not None and "sku" in keyed else pd.Series(dtype="string")
    prices = (
        keyed["unit_price"]
        if keyed is not None and "unit_price" in keyed
        else pd.Series(dtype="float64")
    )
    qb_id = rows["qb_id"].astype("string")
    return pd.DataFrame(
        {
            "Product": rows["sf_name"].to_numpy(),
            "Product Id": rows["sf_id"].to_numpy(),
            "Product code": rows["sf_id"].map(codes).to_numpy(),
            "Salesforce price": price_text(rows["sf_id"].map(product_prices(data))).to_numpy(),
            "Item": rows["qb_name"].to_numpy(),
            "Item Id": qb_id.to_numpy(),
            "SKU": qb_id.map(skus).to_numpy(),
            "QuickBooks price": price_text(qb_id.map(prices)).to_numpy(),
            "Score": rows["score"].round(2).to_numpy(),
            "Why": rows["reasons"].to_numpy(),
        },
        columns=REVIEW_COLUMNS,
    )


# ---- the views notebook 03 reads (computed during `check`) ------------------------------------


@view("link_status", "products", "Salesforce products by link status, in words")
def link_status_view(run: RunView) -> pd.DataFrame:
    return link_status(run.output("matches/products.csv"))


@view("prices", "products", "Standard price in Salesforce vs item price in QBO")
def price_points_view(run: RunView) -> pd.DataFrame:
    if not run.data.has("products"):  # a partial export: the page shows an empty chart
        columns = ["product_name", "item_name", "currency", "sf_price", "qb_price", "agreement"]
        return pd.DataFrame(columns=columns)
    return price_points(run.data, run.config)


@view("waterfall", "products", "Won deals to invoiced amounts, by kind of difference")
def waterfall_view(run: RunView) -> pd.DataFrame:
    return line_waterfall(run.ctx)


@view("lines_to_fix", "products", "The biggest invoice-line differences, in words")
def lines_to_fix_view(run: RunView) -> pd.DataFrame:
    return lines_to_fix(run.output("remediation/invoice_line_corrections.csv"))


@view("line_records", "products", "The biggest invoice-line differences, keyed by record")
def line_records_view(run: RunView) -> pd.DataFrame:
    """lines_to_fix with the deal's and the invoice's Ids, for the page to link both."""
    corrections = run.output("remediation/invoice_line_corrections.csv")
    words = lines_to_fix(corrections)
    if corrections is None or corrections.empty:
        return pd.DataFrame(columns=["sf_object", "sf_id", "qb_entity", "qb_id", *words.columns])
    top = corrections.head(len(words)).reset_index(drop=True)
    keys = pd.DataFrame(
        {
            "sf_object": "Opportunity",
            "sf_id": top["opportunity_id"],
            "qb_entity": "Invoice",
            "qb_id": top["invoice_id"],
        }
    )
    return pd.concat([keys, words.drop(columns=["Invoice", "Opportunity"])], axis=1)


@view("review", "products", "The product-item pairs waiting for a person", ("products", "items"))
def review_view(run: RunView) -> pd.DataFrame:
    return review_pairs(run.output("matches/products.csv"), run.data)


VIEWS = (
    link_status_view,
    review_view,
    price_points_view,
    waterfall_view,
    lines_to_fix_view,
    line_records_view,
)
