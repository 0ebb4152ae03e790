"""Product2 <-> QBO Item matching: codes first, then names, with price as evidence.

Why codes first: Product2.ProductCode and Item.Sku are the identifiers people type on purpose;
connectors often copy the code into Item.Name instead (QBO names are unique, codes are not), and
model codes ("WID-100") live inside names on both sides. Names decide when no code agrees, and
the standard price tips a close call. The result is matches/products.csv (DESIGN.md columns:
sf_id, current_qb_id, qb_id, score, status, reasons), one row per Product2.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from sfqb_diag.config import Thresholds
from sfqb_diag.matching.normalize import fold

MATCH_COLUMNS = ["sf_id", "current_qb_id", "qb_id", "score", "status", "reasons"]
# A model code: letters and digits together, optionally split by '-', '_', '/' or '.' (WID-100, X200, 4471-B).
_CODE = re.compile(
    r"\b(?=[A-Za-z0-9\-_/.]*\d)(?=[A-Za-z0-9\-_/.]*[A-Za-z])[A-Za-z0-9]+(?:[\-_/.][A-Za-z0-9]+)*\b"
)
# Counters and tags a sync appends to dodge QBO's unique Item.Name (error 6240): "Widget (2)", "Widget - copy".
_COUNTER = re.compile(
    r"(?:\s*(?:\(\d+\)|\[\d+\]|-\s*copy|\(copy\)|\bcopy\b|\(deleted\)|#\d+))+\s*$", re.IGNORECASE
)
_CODE_SCORES = {
    "code=sku": 0.98,
    "code=item name": 0.96,
    "code in item name": 0.94,
    "model code": 0.93,
}


def normalise_name(names: pd.Series) -> pd.Series:
    """Lower case, accents and punctuation gone, '&' as 'and', counters like ' (2)' stripped."""
    text = fold(
        names.astype("string").fillna("")
    )  # the customers matcher's accent and case folding
    text = text.fillna("").str.replace(_COUNTER, "", regex=True)
    text = text.str.replace("&", " and ", regex=False).str.replace(r"[^a-z0-9]+", " ", regex=True)
    return text.str.strip().astype("string")


def normalise_code(codes: pd.Series) -> pd.Series:
    """'wid-100 ' -> 'WID100': codes compare without case, spaces or separators."""
    text = codes.astype("string").str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    return text.mask(text == "")


def codes_in(names: pd.Series) -> pd.DataFrame:
    """Every model code inside each name, one row per (position, code)."""
    found = names.astype("string").fillna("").str.findall(_CODE.pattern).explode().dropna()
    codes = normalise_code(found.astype("string"))
    frame = pd.DataFrame({"pos": found.index, "code": codes.to_numpy()}).dropna()
    return frame[frame["code"].str.len() >= 3].drop_duplicates()


def standard_prices(
    data_pbe: pd.DataFrame | None, pricebooks: pd.DataFrame | None, currency: str | None
) -> pd.Series:
    """Product Id -> the standard price book's UnitPrice in `currency` (the QBO home currency).

    QBO items carry one price in the home currency; Salesforce keeps one standard price per
    currency. Without a Pricebook2 file, entries marked UseStandardPrice=false are taken as standard.
    """
    if data_pbe is None or data_pbe.empty:
        return pd.Series(dtype="float64")
    entries = data_pbe
    if pricebooks is not None and "is_standard" in pricebooks:
        standard = set(pricebooks.loc[pricebooks["is_standard"].fillna(False).astype(bool), "id"])
        entries = entries[entries["pricebook_id"].isin(standard)] if standard else entries
    if currency and entries["currency"].notna().any():
        entries = entries[entries["currency"].fillna(currency) == currency]
    entries = entries.dropna(subset=["product_id", "unit_price"])
    return entries.groupby("product_id")["unit_price"].first()


def _code_candidates(products: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """(p, i, code_score, code_reason) for every product/item sharing a code."""
    p_own = pd.DataFrame(
        {
            "p": products.index,
            "code": normalise_code(products["product_code"]).to_numpy(),
            "own": True,
        }
    ).dropna(subset=["code"])
    p_name = codes_in(products["name"]).rename(columns={"pos": "p"}).assign(own=False)
    # A model number in a name ("X120") is often shared by several brands' products: it is
    # evidence only when exactly one product carries it.
    p_name = p_name[~p_name["code"].duplicated(keep=False)]
    p_codes = pd.concat([p_own, p_name], ignore_index=True)
    sku = pd.DataFrame(
        {"i": items.index, "code": normalise_code(items["sku"]).to_numpy(), "kind": "sku"}
    )
    whole = pd.DataFrame(
        {
            "i": items.index,
            "code": normalise_code(
                items["name"].where(~items["name"].fillna("").str.contains(" "))
            ).to_numpy(),
            "kind": "name",
        }
    )
    inside = codes_in(items["name"]).rename(columns={"pos": "i"}).assign(kind="inside")
    inside = inside[~inside["code"].duplicated(keep=False)]
    i_codes = pd.concat([sku, whole, inside], ignore_index=True).dropna(subset=["code"])
    pairs = p_codes.merge(i_codes, on="code")
    reason = np.select(
        [
            pairs["own"] & (pairs["kind"] == "sku"),
            pairs["own"] & (pairs["kind"] == "name"),
            pairs["own"],
        ],
        ["code=sku", "code=item name", "code in item name"],
        "model code",
    )
    pairs["code_reason"] = reason
    pairs["code_score"] = pairs["code_reason"].map(_CODE_SCORES)
    best = pairs.sort_values("code_score", ascending=False).drop_duplicates(["p", "i"])
    return best[["p", "i", "code_score", "code_reason"]]


def _name_candidates(
    p_names: pd.Series, i_names: pd.Series, top: int = 3, chunk: int = 2000
) -> pd.DataFrame:
    """(p, i, name_sim 0-100): the `top` most similar item names for each product, in chunks."""
    choices = i_names.fillna("").tolist()
    rows = []
    if not choices or p_names.empty:
        return pd.DataFrame({"p": [], "i": [], "name_sim": []})
    k = min(top, len(choices))
    for start in range(
        0, len(p_names), chunk
    ):  # chunked so memory stays flat at 100k-account sizes
        block = p_names.iloc[start : start + chunk].fillna("").tolist()
        sims = process.cdist(
            block, choices, scorer=fuzz.token_sort_ratio, dtype=np.uint8, workers=1
        )
        best = np.argpartition(-sims.astype(np.int16), k - 1, axis=1)[:, :k]
        for offset in range(k):
            cols = best[:, offset]
            rows.append(
                pd.DataFrame(
                    {
                        "p": p_names.index[start : start + len(block)],
                        "i": i_names.index[cols],
                        "name_sim": sims[np.arange(len(block)), cols],
                    }
                )
            )
    frame = pd.concat(rows, ignore_index=True)
    return frame[frame["name_sim"] >= 50]


def pair_evidence(
    products: pd.DataFrame, items: pd.DataFrame, prices: pd.Series, pairs: pd.DataFrame
) -> pd.DataFrame:
    """Score given (p, i) pairs (positional indexes) from code, name and price evidence."""
    p_norm, i_norm = normalise_name(products["name"]), normalise_name(items["name"])
    out = pairs.copy()
    sims = [
        fuzz.token_sort_ratio(a, b)
        for a, b in zip(
            p_norm.iloc[out["p"]].fillna(""), i_norm.iloc[out["i"]].fillna(""), strict=True
        )
    ]
    out["name_sim"] = np.asarray(sims, dtype=float)
    sf_price = products["id"].iloc[out["p"]].map(prices).to_numpy(dtype=float)
    qb_price = items["unit_price"].iloc[out["i"]].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(sf_price - qb_price) / np.maximum(np.abs(sf_price), 0.01)
    out["price_rel"] = rel
    name_score = out["name_sim"] / 100 * 0.92
    price_adj = np.select([rel <= 0.005, rel > 0.5], [0.04, -0.05], 0.0)  # NaN (unknown) -> 0
    code_score = out["code_score"] if "code_score" in out else pd.Series(np.nan, index=out.index)
    # A model code inside a name with a name that says something else is likely a reused code: demote
    # it. Not for a code equal to the SKU or to the whole item name: those are identifiers on purpose.
    loose = (
        out["code_reason"].isin(["model code", "code in item name"])
        if "code_reason" in out
        else False
    )
    code_adj = np.where(loose & (out["name_sim"] < 45), -0.10, 0.0)
    out["score"] = (
        np.fmax(
            code_score.to_numpy(dtype=float) + code_adj + np.where(rel <= 0.005, 0.01, 0.0),
            name_score.to_numpy() + price_adj,
        )
        .clip(0, 1)
        .round(3)
    )
    out["reasons"] = _reasons(out, code_score)
    return out


def _reasons(out: pd.DataFrame, code_score: pd.Series) -> pd.Series:
    """'code=sku; name 100%; same price' for each pair (vectorised string building)."""
    code = (
        out["code_reason"].fillna("").astype(str)
        if "code_reason" in out
        else pd.Series("", index=out.index)
    )
    name = "name " + out["name_sim"].round().astype(int).astype(str) + "%"
    price = pd.Series(
        np.select(
            [out["price_rel"] <= 0.005, out["price_rel"] > 0.5],
            ["; same price", "; price differs"],
            "",
        ),
        index=out.index,
    )
    return (code.where(code == "", code + "; ") + name + price).astype("string")


def candidates(
    products: pd.DataFrame,
    items: pd.DataFrame,
    prices: pd.Series,
    extra: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Scored candidate pairs (p, i, score, reasons, ...) from codes and names, plus `extra` (p, i)
    pairs that must be scored whatever their evidence (the current links)."""
    by_code = _code_candidates(products, items)
    by_name = _name_candidates(normalise_name(products["name"]), normalise_name(items["name"]))
    pairs = by_code.merge(by_name[["p", "i"]], on=["p", "i"], how="outer")
    if extra is not None and not extra.empty:
        pairs = pairs.merge(extra[["p", "i"]], on=["p", "i"], how="outer")
    if pairs.empty:
        return pd.DataFrame(columns=["p", "i", "score", "reasons", "name_sim", "price_rel"])
    pairs[["p", "i"]] = pairs[["p", "i"]].astype(int)
    return pair_evidence(products, items, prices, pairs)


def _apply_decisions(
    cands: pd.DataFrame, decisions: pd.DataFrame | None, products: pd.DataFrame, items: pd.DataFrame
) -> pd.DataFrame:
    """Rejected pairs are never proposed again; accepted pairs win whatever their score."""
    if decisions is None or decisions.empty:
        return cands.assign(accepted=False)
    mine = decisions[decisions["kind"] == "product"]
    pos_p = pd.Series(range(len(products)), index=products["id"].to_numpy())
    pos_i = pd.Series(range(len(items)), index=items["id"].astype(str).to_numpy())
    keyed = mine.assign(p=mine["sf_id"].map(pos_p), i=mine["qb_id"].map(pos_i)).dropna(
        subset=["p", "i"]
    )
    keyed = keyed.astype({"p": int, "i": int})
    rejected = keyed[keyed["decision"] == "reject"][["p", "i"]].assign(_rej=True)
    out = cands.merge(rejected, on=["p", "i"], how="left")
    out = out[out["_rej"].isna()].drop(columns="_rej")
    accepted = keyed[keyed["decision"] == "accept"][["p", "i"]].assign(accepted=True)
    out = out.merge(accepted, on=["p", "i"], how="outer")
    out["accepted"] = out["accepted"].fillna(False).astype(bool)
    out.loc[out["accepted"], "score"] = 1.0
    out.loc[out["accepted"], "reasons"] = "accepted by reviewer"
    return out


def _assign(cands: pd.DataFrame, taken_items: set[int]) -> pd.DataFrame:
    """Greedy one-to-one: best score first, each product and each item used once.

    A loop over candidate pairs (a few per product), not over data rows: thousands of steps.
    """
    order = cands.sort_values(["score", "p", "i"], ascending=[False, True, True], kind="stable")
    used_p: set[int] = set()
    used_i = set(taken_items)
    keep = []
    for idx, p, i in zip(order.index, order["p"].to_numpy(), order["i"].to_numpy(), strict=True):
        if p in used_p or i in used_i:
            continue
        used_p.add(p)
        used_i.add(i)
        keep.append(idx)
    return order.loc[keep]


def match_products(
    products: pd.DataFrame,
    items: pd.DataFrame,
    prices: pd.Series,
    thresholds: Thresholds,
    decisions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """matches/products.csv: one row per Product2 with its current link, best item and status."""
    products = products.reset_index(drop=True)
    items = items.reset_index(drop=True)
    pos_i = pd.Series(range(len(items)), index=items["id"].astype(str).to_numpy())
    current = (
        products["qb_item_id"].astype("string")
        if "qb_item_id" in products
        else pd.Series(pd.NA, index=products.index, dtype="string")
    )
    cur_i = current.map(pos_i)
    extra = pd.DataFrame({"p": products.index, "i": cur_i}).dropna().astype(int)
    cands = _apply_decisions(candidates(products, items, prices, extra), decisions, products, items)
    cur = extra.merge(cands, on=["p", "i"], how="left").set_index("p")
    confirmed = cur[
        (cur["score"] >= thresholds.match_review) | cur["accepted"].fillna(False).astype(bool)
    ]
    others = cands[~cands["p"].isin(confirmed.index) & (cands["score"] >= thresholds.match_review)]
    best = _assign(others, set(confirmed["i"])).set_index("p")
    return _statuses(products, items, current, cur, confirmed, best, thresholds)


def _statuses(
    products: pd.DataFrame,
    items: pd.DataFrame,
    current: pd.Series,
    cur: pd.DataFrame,
    confirmed: pd.DataFrame,
    best: pd.DataFrame,
    t: Thresholds,
) -> pd.DataFrame:
    idx = products.index
    is_ok = idx.isin(confirmed.index)
    b_score = best["score"].reindex(idx)
    b_item = best["i"].reindex(idx)
    weak_current = idx.isin(cur.index) & ~is_ok
    linked = current.notna().to_numpy()
    status = np.select(
        [
            is_ok,
            linked & (b_score >= t.match_auto),
            b_score >= t.match_auto,
            b_score >= t.match_review,
            weak_current,
        ],
        ["linked_ok", "relink", "suggest_link", "review", "review"],
        "no_match",
    )
    # A trailing blank so "no candidate" indexes safely even when there are no items at all.
    item_ids = np.append(items["id"].astype("string").to_numpy(dtype=object), [None])
    qb = np.where(
        is_ok,
        current.to_numpy(dtype=object),
        np.where(
            b_item.notna(),
            item_ids[b_item.fillna(0).astype(int)],
            np.where(weak_current, current.to_numpy(dtype=object), None),
        ),
    )
    score = np.where(
        is_ok,
        cur["score"].reindex(idx),
        np.where(b_item.notna(), b_score, cur["score"].reindex(idx)),
    )
    reasons = pd.Series(
        np.where(
            is_ok,
            cur["reasons"].reindex(idx),
            np.where(b_item.notna(), best["reasons"].reindex(idx), cur["reasons"].reindex(idx)),
        ),
        index=idx,
    ).astype("string")
    missing_item = linked & ~idx.isin(cur.index)
    reasons = reasons.mask(missing_item & reasons.isna(), "current item not found")
    reasons = reasons.mask(missing_item & reasons.notna(), "current item not found; " + reasons)
    reasons = reasons.mask(
        weak_current & (b_item.isna()).to_numpy(),
        "current link weakly supported: " + reasons.fillna(""),
    )
    names = items.set_index(items["id"].astype(str))["name"]
    out = pd.DataFrame(
        {
            "sf_id": products["id"].astype("string"),
            "current_qb_id": current,
            "qb_id": pd.Series(qb, index=idx, dtype="string"),
            "score": pd.Series(score, index=idx, dtype="float64").fillna(0.0).round(3),
            "status": status,
            "reasons": reasons.fillna(""),
        }
    )
    out["sf_name"] = products["name"].astype("string")
    out["qb_name"] = out["qb_id"].map(names).astype("string")
    out["current_qb_name"] = out["current_qb_id"].map(names).astype("string")
    return out
