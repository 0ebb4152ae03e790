"""Product2 <-> QBO Item matching: codes first, then names, with price as evidence.

Why codes first: Product2.ProductCode and Item.Sku are the identifiers people type on purpose;
connectors often copy the code into Item.Name instead (QBO names are unique, codes are not), and
model codes ("WID-100") live inside names and descriptions on both sides (compared without case,
dashes or spaces). Two different codes of one's own (ProductCode vs Sku) contradict a name
match, and so do model codes in both names none of which agree. Names decide when no code agrees (product_names.py: rarity-weighted words, TF-IDF cosine
with token-set ratio), and the standard price is weak evidence either way. Each product and
each item is used once (one-to-one, best first); below match_review a product has no match. The result is matches/products.csv (DESIGN.md columns:
sf_id, current_qb_id, qb_id, score, status, reasons), one row per Product2.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sfqb_diag.config import Thresholds
from sfqb_diag.matching.assign import assign_one_to_one
from sfqb_diag.matching.fellegi_sunter import Model
from sfqb_diag.matching.normalize import fold
from sfqb_diag.matching.product_model import (
    fit_products,
    product_levels,
    sample_pairs,
)
from sfqb_diag.matching.product_names import TitleIndex

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
    "model code in description": 0.88,
}
# What each kind of shared code reads as in a pair's reasons.
_CODE_WORDS = {
    "code=sku": "product code is the item's SKU",
    "code=item name": "product code is the item's name",
    "code in item name": "product code in the item's name",
    "model code": "same model number in both names",
    "model code in description": "same model number in a description",
}
_MIN_CODE = 4  # codes in free text shorter than this ("v11", "3d") are too common to count


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
    p_desc = _description_codes(products).rename(columns={"pos": "p"}).assign(own=False)
    p_desc = p_desc[~p_desc["code"].isin(p_name["code"])].assign(desc=True)
    p_codes = pd.concat([p_own, p_name, p_desc], ignore_index=True)
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
    described = _description_codes(items).rename(columns={"pos": "i"}).assign(kind="desc")
    i_codes = pd.concat([sku, whole, inside, described], ignore_index=True).dropna(subset=["code"])
    pairs = p_codes.merge(i_codes, on="code")
    if "desc" not in pairs:
        pairs["desc"] = False
    in_desc = pairs["desc"].fillna(False).astype(bool) | (pairs["kind"] == "desc")
    reason = np.select(
        [
            pairs["own"] & (pairs["kind"] == "sku"),
            pairs["own"] & (pairs["kind"] == "name"),
            pairs["own"] & ~in_desc,
            ~in_desc,
        ],
        ["code=sku", "code=item name", "code in item name", "model code"],
        "model code in description",
    )
    pairs["code_reason"] = reason
    pairs["code_score"] = pairs["code_reason"].map(_CODE_SCORES)
    best = pairs.sort_values("code_score", ascending=False).drop_duplicates(["p", "i"])
    return best[["p", "i", "code_score", "code_reason"]]


def _description_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Model codes in descriptions (pos, code): only codes of `_MIN_CODE`+ characters that one
    record alone carries (a description names many versions and platforms)."""
    if "description" not in frame:
        return pd.DataFrame({"pos": pd.Series(dtype="int64"), "code": pd.Series(dtype="string")})
    found = codes_in(frame["description"])
    found = found[found["code"].str.len() >= _MIN_CODE]
    return found[~found["code"].duplicated(keep=False)]


def _all_codes(frame: pd.DataFrame, own: str) -> pd.DataFrame:
    """Every model code of each record (pos, code): its own code field and the codes in its name."""
    mine = pd.DataFrame(
        {"pos": np.arange(len(frame)), "code": normalise_code(frame[own]).to_numpy()}
    ).dropna()
    return pd.concat([mine, codes_in(frame["name"].reset_index(drop=True))]).drop_duplicates()


def _code_clash(
    products: pd.DataFrame, items: pd.DataFrame, p: np.ndarray, i: np.ndarray
) -> np.ndarray:
    """True where both records carry model codes (ProductCode / Sku / codes in the name) and no
    code of one is a code of the other: "ELPLP12" against "V13H010L12" is another product."""
    pc_, ic = _all_codes(products, "product_code"), _all_codes(items, "sku")
    pairs = pd.DataFrame({"p": p, "i": i, "k": np.arange(len(p))})
    agree = pairs.merge(pc_.rename(columns={"pos": "p"}), on="p").merge(
        ic.rename(columns={"pos": "i"}), on=["i", "code"]
    )
    both = np.isin(p, pc_["pos"].to_numpy()) & np.isin(i, ic["pos"].to_numpy())
    return both & ~np.isin(np.arange(len(p)), agree["k"].to_numpy())


# Colour words: two listings of one model in another colour are two items (two SKUs in QBO,
# two stock counts), however alike the rest of the title. Plain colour names only, so that a
# word like "orange" in a brand or "rose gold" as a finish is still read (as rose, gold).
COLOURS = frozenset(
    [
        "black",
        "white",
        "grey",
        "gray",
        "silver",
        "gold",
        "rose",
        "red",
        "pink",
        "purple",
        "violet",
        "blue",
        "navy",
        "teal",
        "turquoise",
        "cyan",
        "green",
        "lime",
        "olive",
        "yellow",
        "orange",
        "brown",
        "beige",
        "tan",
        "bronze",
        "copper",
        "ivory",
        "cream",
        "charcoal",
        "graphite",
        "maroon",
        "burgundy",
        "magenta",
    ]
)
# A pack or count: "5 count", "2 pack", "12pk", "24 ct", "10 pcs", "3x". Not a dimension
# ("60 x 36") nor a model code's tail ("05X": no leading zero).
_QUANTITY = re.compile(r"\b(\d+)\s*(?:count|pack|pk|ct|pcs|pc)\b|\b([1-9]\d*)\s?x\b(?!\s*\d)")


def _colour_words(names: pd.Series) -> pd.DataFrame:
    """(pos, word): the colour words of each normalised name."""
    words = names.reset_index(drop=True).fillna("").str.split().explode()
    words = words[words.isin(COLOURS)].replace({"gray": "grey"})
    return pd.DataFrame({"pos": words.index.to_numpy(), "word": words.to_numpy(dtype=object)})


def _quantities(names: pd.Series) -> pd.DataFrame:
    """(pos, word): the pack or count quantities of each normalised name ("2 pack" -> "2")."""
    found = names.reset_index(drop=True).fillna("").str.extractall(_QUANTITY)
    if found.empty:
        return pd.DataFrame({"pos": pd.Series(dtype="int64"), "word": pd.Series(dtype=object)})
    number = found[0].fillna(found[1]).astype(int).astype(str)
    pos = found.index.get_level_values(0).to_numpy()
    return pd.DataFrame({"pos": pos, "word": number.to_numpy(dtype=object)})


def _words_clash(
    left: pd.DataFrame, right: pd.DataFrame, p: np.ndarray, i: np.ndarray
) -> np.ndarray:
    """True where both records carry words of a kind (pos, word) and none of them agree."""
    pairs = pd.DataFrame({"p": p, "i": i, "k": np.arange(len(p))})
    agree = pairs.merge(left.rename(columns={"pos": "p"}), on="p").merge(
        right.rename(columns={"pos": "i"}), on=["i", "word"]
    )
    both = np.isin(p, left["pos"].to_numpy()) & np.isin(i, right["pos"].to_numpy())
    return both & ~np.isin(np.arange(len(p)), agree["k"].to_numpy())


def variant_clash(
    products: pd.DataFrame, items: pd.DataFrame, p: np.ndarray, i: np.ndarray
) -> pd.DataFrame:
    """Per pair: another colour ("Navy bag" / "Green bag") or another pack or count ("5 count" /
    "2 pack"): another variant of the product, never the same item (columns colour, quantity)."""
    pn, iname = normalise_name(products["name"]), normalise_name(items["name"])
    return pd.DataFrame(
        {
            "colour": _words_clash(_colour_words(pn), _colour_words(iname), p, i),
            "quantity": _words_clash(_quantities(pn), _quantities(iname), p, i),
        }
    )


def _one_counterpart(model: Model, out: pd.DataFrame, n_products: int) -> np.ndarray:
    """P(this item is the product's counterpart), knowing a product has at most one.

    The model gives each pair a Bayes factor m/u; a product has a counterpart with probability
    pi (EM's expected matches / products), equally likely any of its k candidates a priori, so
    P(i) = (pi/k) BF_i / ((1 - pi) + (pi/k) sum_j BF_j). A strong lone candidate scores high; two
    equally good ones share the probability (an ambiguity the reviewer should see).
    """
    lam = model.prior
    bf_log = model.logit(product_levels(out)) - np.log(lam / (1 - lam))
    pi = float(np.clip(lam * len(out) / max(n_products, 1), 1e-6, 0.99))
    p = out["p"].to_numpy()
    k = np.bincount(p, minlength=n_products)[p].astype("float64")
    top = pd.Series(bf_log).groupby(p).transform("max").to_numpy()  # for numeric stability
    bf = np.exp(bf_log - top)
    total = np.bincount(p, weights=bf, minlength=n_products)[p]
    rest = (1 - pi) * np.exp(-top)
    return (pi / k) * bf / (rest + (pi / k) * total)


def _learn(
    products: pd.DataFrame,
    items: pd.DataFrame,
    prices: pd.Series,
    titles: TitleIndex,
    candidates: pd.DataFrame,
) -> Model:
    """Fit the product model: candidates as scored, u from random product x item pairs."""
    rnd = sample_pairs(len(products), len(items))
    p, i = rnd["p"].to_numpy(), rnd["i"].to_numpy()
    sim = titles.similarity(p, i)
    sf_price = products["id"].iloc[p].map(prices).to_numpy(dtype=float)
    qb_price = items["unit_price"].iloc[i].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(sf_price - qb_price) / np.maximum(np.abs(sf_price), 0.01)
    random_ev = pd.DataFrame(
        {
            "code_agrees": False,
            "code_clash": _code_clash(products, items, p, i),
            "name_sim": sim["name_sim"].to_numpy(),
            "price_rel": rel,
        }
    )
    return fit_products(candidates, random_ev, min(len(products), len(items)))


def pair_evidence(
    products: pd.DataFrame,
    items: pd.DataFrame,
    prices: pd.Series,
    pairs: pd.DataFrame,
    titles: TitleIndex | None = None,
    model: Model | None = None,
) -> pd.DataFrame:
    """Score given (p, i) pairs (positional indexes) from code, name and price evidence, with a
    product model learned on these pairs (product_model.py) unless one is given."""
    if titles is None:
        titles = TitleIndex(normalise_name(products["name"]), normalise_name(items["name"]))
    out = pairs.reset_index(drop=True).copy()
    p, i = out["p"].to_numpy(dtype=np.int64), out["i"].to_numpy(dtype=np.int64)
    sim = titles.similarity(p, i)
    out["name_sim"], out["cos"] = sim["name_sim"].to_numpy(), sim["cos"].to_numpy()
    sf_price = products["id"].iloc[p].map(prices).to_numpy(dtype=float)
    qb_price = items["unit_price"].iloc[i].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(sf_price - qb_price) / np.maximum(np.abs(sf_price), 0.01)
    out["price_rel"] = rel
    out["code_clash"] = _code_clash(products, items, p, i)
    code_score = out["code_score"] if "code_score" in out else pd.Series(np.nan, index=out.index)
    out["code_agrees"] = code_score.notna().to_numpy()
    if model is None:
        model = _learn(products, items, prices, titles, out)
    out["score"] = np.round(_one_counterpart(model, out, len(products)), 3)
    clash = variant_clash(products, items, p, i)
    out["colour_clash"] = clash["colour"].to_numpy()
    out["quantity_clash"] = clash["quantity"].to_numpy()
    out["reasons"] = _reasons(out, code_score)
    return out


def _reasons(out: pd.DataFrame, code_score: pd.Series) -> pd.Series:
    """'product code is the item's SKU; same name; same price' for each pair (vectorised)."""
    code = (
        out["code_reason"].map(_CODE_WORDS).fillna("").astype(str)
        if "code_reason" in out
        else pd.Series("", index=out.index)
    )
    similar = out["name_sim"].round().astype(int)
    name = pd.Series(
        np.where(similar >= 100, "same name", "names " + similar.astype(str) + "% alike"),
        index=out.index,
    )
    price = pd.Series(
        np.select(
            [out["price_rel"] <= 0.005, out["price_rel"] > 0.5],
            ["; same price", "; price differs"],
            "",
        ),
        index=out.index,
    )
    variant = pd.Series(
        np.where(out["colour_clash"], "; another colour", ""), index=out.index
    ) + np.where(out["quantity_clash"], "; another pack or count", "")
    text = code.where(code == "", code + "; ") + name + price + variant
    return text.astype("string")


def candidates(
    products: pd.DataFrame,
    items: pd.DataFrame,
    prices: pd.Series,
    extra: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Scored candidate pairs (p, i, score, reasons, ...) from codes and names, plus `extra` (p, i)
    pairs that must be scored whatever their evidence (the current links)."""
    titles = TitleIndex(normalise_name(products["name"]), normalise_name(items["name"]))
    by_code = _code_candidates(products, items)
    by_name = titles.candidates()
    pairs = by_code.merge(by_name[["p", "i"]], on=["p", "i"], how="outer")
    if extra is not None and not extra.empty:
        pairs = pairs.merge(extra[["p", "i"]], on=["p", "i"], how="outer")
    if pairs.empty:
        return pd.DataFrame(columns=["p", "i", "score", "reasons", "name_sim", "price_rel"])
    pairs[["p", "i"]] = pairs[["p", "i"]].astype(int)
    return pair_evidence(products, items, prices, pairs, titles)


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


def _cap_variants(cands: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Another colour or pack size is at most a pair for review, never a link to set: the score
    is capped just under match_auto (a reviewer may still accept it in decisions.csv)."""
    if cands.empty or "colour_clash" not in cands:
        return cands
    clash = (cands["colour_clash"] | cands["quantity_clash"]).to_numpy(bool)
    cap = round(float(thresholds.match_auto) - 0.001, 3)
    out = cands.copy()
    out.loc[clash, "score"] = np.minimum(out.loc[clash, "score"].to_numpy(float), cap)
    return out


def _assign(cands: pd.DataFrame, taken_items: set[int]) -> pd.DataFrame:
    """One-to-one, best score first: each product and each item used once (matching.assign)."""
    pool = cands[~cands["i"].isin(list(taken_items))]
    chosen = assign_one_to_one(pool.rename(columns={"p": "l", "i": "r"}))
    return chosen.rename(columns={"l": "p", "r": "i"})


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
    cands = _cap_variants(candidates(products, items, prices, extra), thresholds)
    cands = _apply_decisions(cands, decisions, products, items)
    cur = extra.merge(cands, on=["p", "i"], how="left").set_index("p")
    confirmed = cur[
        (cur["score"] >= thresholds.product_review) | cur["accepted"].fillna(False).astype(bool)
    ]
    others = cands[
        ~cands["p"].isin(confirmed.index) & (cands["score"] >= thresholds.product_review)
    ]
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
            b_score >= t.product_review,
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
