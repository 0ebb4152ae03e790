"""Product titles compared by rarity-weighted words: TF-IDF cosine plus token-set ratio.

Why not one fuzzy ratio over the whole catalogue: titles of one product differ in word order,
edition and platform words ("Adobe Photoshop CS3 [Mac]" vs "photoshop cs3 mac upgrade"), and a
catalogue shares many words ("software", "edition", "pc"). Each word is weighted by its inverse
document frequency over both catalogues, so sharing "photoshop cs3" counts and sharing "pc"
hardly does. Candidates come from the rarer words only (a word on more than `WORD_CAP` items
makes no pairs by itself), as sparse dot products done with joins; each product keeps its
`TOP` best items. The name similarity of a pair is the mean of that cosine and rapidfuzz's
token_set_ratio (a title that is another's subset plus edition words still scores high).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

TOP = 10  # items kept per product by cosine
WORD_CAP = 300  # a word on more items than this makes no candidate pair on its own


def title_words(names: pd.Series) -> pd.DataFrame:
    """One row per (pos, distinct word of 2+ characters) of normalised titles."""
    lists = names.fillna("").astype(str).str.split()
    lengths = lists.str.len().to_numpy()
    words = np.concatenate(lists.to_numpy()) if lengths.sum() else np.array([], dtype=object)
    frame = pd.DataFrame({"pos": np.repeat(np.arange(len(lists)), lengths), "word": words})
    return frame[frame["word"].str.len() >= 2].drop_duplicates().reset_index(drop=True)


def _weighted(words: pd.DataFrame, idf: pd.Series) -> pd.DataFrame:
    """TF-IDF weights (binary term frequency), L2-normalised per title."""
    w = words["word"].map(idf).to_numpy(dtype="float64")
    norm = np.sqrt(np.bincount(words["pos"], weights=w**2)[words["pos"]])
    return words.assign(w=w / np.where(norm > 0, norm, 1.0))


class TitleIndex:
    """Weighted words of both catalogues (products = left, items = right), built once."""

    def __init__(self, left: pd.Series, right: pd.Series) -> None:
        self.left_names = left.fillna("").astype(str).reset_index(drop=True)
        self.right_names = right.fillna("").astype(str).reset_index(drop=True)
        lw, rw = title_words(self.left_names), title_words(self.right_names)
        n = len(left) + len(right)
        df = pd.concat([lw["word"], rw["word"]]).value_counts()
        idf = np.log((n + 1) / (df + 1)) + 1.0
        self.left, self.right = _weighted(lw, idf), _weighted(rw, idf)
        self.right_df = rw["word"].value_counts()

    def candidates(self, top: int = TOP, cap: int = WORD_CAP) -> pd.DataFrame:
        """(p, i, cos): each product's `top` items by cosine over words on at most `cap` items."""
        usable = self.right_df.index[self.right_df <= cap]
        lw = self.left[self.left["word"].isin(usable)]
        rw = self.right[self.right["word"].isin(usable)]
        joined = lw.merge(rw, on="word", suffixes=("_p", "_i"))
        if joined.empty:
            return pd.DataFrame({"p": [], "i": [], "cos": []}).astype({"p": int, "i": int})
        joined["c"] = joined["w_p"] * joined["w_i"]
        cos = joined.groupby(["pos_p", "pos_i"], sort=False)["c"].sum().reset_index()
        cos = cos.sort_values(["pos_p", "c", "pos_i"], ascending=[True, False, True])
        best = cos.groupby("pos_p", sort=False).head(top)
        return pd.DataFrame(
            {
                "p": best["pos_p"].to_numpy(),
                "i": best["pos_i"].to_numpy(),
                "cos": best["c"].to_numpy(),
            }
        )

    def cosine(self, p: np.ndarray, i: np.ndarray) -> np.ndarray:
        """Cosine over all words for given (p, i) position pairs."""
        pairs = pd.DataFrame({"p": p, "i": i, "k": np.arange(len(p))})
        a = pairs.merge(self.left.rename(columns={"pos": "p"}), on="p")
        b = a.merge(self.right.rename(columns={"pos": "i"}), on=["i", "word"])
        sums = np.bincount(b["k"], weights=b["w_x"] * b["w_y"], minlength=len(p))
        return sums[: len(p)]

    def similarity(self, p: np.ndarray, i: np.ndarray) -> pd.DataFrame:
        """cos, token_set (0-100) and name_sim (0-100, their mean) for (p, i) pairs."""
        cos = self.cosine(p, i)
        if len(p) == 0:
            return pd.DataFrame({"cos": cos, "token_set": cos, "name_sim": cos})
        tset = process.cpdist(
            self.left_names.iloc[p].tolist(),
            self.right_names.iloc[i].tolist(),
            scorer=fuzz.token_set_ratio,
            workers=-1,
        ).astype("float64")
        return pd.DataFrame({"cos": cos, "token_set": tset, "name_sim": 50 * cos + tset / 2})
