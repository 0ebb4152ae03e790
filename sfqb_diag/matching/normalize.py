"""Company-name normalisation: the form two systems' spellings of one company share.

Every function takes a pandas Series and works on its DISTINCT values with pyarrow compute
kernels (RE2 regexes, Unicode folding in C), then maps back: 100k names cost well under a second
and no Python code runs per row. The steps, in order, and the domain fact behind each:

0. Spreadsheet residue is removed first: '=HYPERLINK("url","Evil Co")' is the text it shows,
   a leading '+', '=', '@' or '-' is dropped ('+Evil Co' = 'Evil Co').
1. fold: Unicode NFKD, drop combining marks, lower case, and the letters NFKD keeps whole
   (ø, ß, ł, æ, œ, đ, þ): "Müller" and "Muller" are one spelling typed on two keyboards.
2. DBA: "Legal Name dba Trade Name" (also d/b/a, t/a, "trading as") keeps the legal name as the
   core and the trade name as an alias; either may be what the other system holds.
3. Tags a sync or QBO appends: " (deleted)" (QBO renames inactive customers), " (2)", " - C",
   " (customer)" and a bare trailing " 2": integrations add them to dodge error 6240 (DisplayName
   must be unique across Customer, Vendor and Employee); " (CAD)"-style currency tags name the
   second customer of an account that buys in two currencies; people mark retired copies
   " (old)", " - Old", " (dup)". They are removed and reported.
4. "&" and "+" become "and" (A&W = A & W = A and W); periods and apostrophes vanish without a
   space (L.L.C. = LLC, O'Brien = OBrien); other punctuation becomes a space.
5. Abbreviations are expanded (Intl, Mfg, Svcs, Bros, Assoc, ...).
6. Legal forms at the end are dropped (Inc, LLC, Ltd, Corp, Co, GmbH, AG, S.A., B.V., N.V., Pty
   Ltd, PLC, ...: one company is "Acme Inc." in one system and "Acme" in the other), and so is a
   leading "The"; unambiguous ones (Inc, Ltd, Limited, Corporation, GmbH...) wherever they stand.
   A name made only of such words is kept as it is (the first word of it stays).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sfqb_diag.ids import arrow_text

# Letters NFKD does not decompose, with their usual ASCII spelling.
_LETTERS = {
    "ø": "o",
    "ß": "ss",
    "ł": "l",
    "æ": "ae",
    "œ": "oe",
    "đ": "d",
    "þ": "th",
    "ı": "i",
    "ð": "d",
    "ŀ": "l",
    "ĸ": "k",
}
_DBA = r"\s+(?:d\s*/\s*b\s*/\s*a|dba|d\.b\.a\.?|t\s*/\s*a|trading as|doing business as)\.?\s+"
# Tags on the folded text, before punctuation is touched: "(deleted)", "(2)", "- c", "(customer)".
_TAGS = (
    r"(?:\s*\((?:deleted|inactive|customer|cust|client|c|old|dup|duplicate|do not use|\d{1,3}|"
    + "|".join(
        ["usd", "cad", "eur", "gbp", "aud", "nzd", "chf", "mxn", "jpy", "sek", "nok", "dkk", "inr"]
    )
    + r")\)|\s+-\s*(?:c|cust|customer|client|old|dup|duplicate|do not use)\b)+\s*$"
)
ABBREVIATIONS = {
    "intl": "international",
    "int'l": "international",
    "mfg": "manufacturing",
    "mfrs": "manufacturers",
    "svcs": "services",
    "svc": "service",
    "srvcs": "services",
    "bros": "brothers",
    "assoc": "associates",
    "assocs": "associates",
    "assn": "association",
    "mgmt": "management",
    "natl": "national",
    "grp": "group",
    "hldgs": "holdings",
    "ctr": "center",
    "centre": "center",
    "dept": "department",
    "dist": "distribution",
    "distrib": "distribution",
    "eng": "engineering",
    "engg": "engineering",
    "sys": "systems",
    "tech": "technologies",
    "techs": "technologies",
    "univ": "university",
    "labs": "laboratories",
    "lab": "laboratory",
    "sol": "solutions",
    "mktg": "marketing",
}
LEGAL_FORMS = [
    "inc",
    "incorporated",
    "llc",
    "llp",
    "lp",
    "lllp",
    "pllc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "cos",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "ev",
    "sa",
    "sas",
    "sarl",
    "sasu",
    "sl",
    "slu",
    "srl",
    "spa",
    "sae",
    "bv",
    "nv",
    "vof",
    "pty",
    "plc",
    "dac",
    "ulc",
    "oy",
    "ab",
    "as",
    "asa",
    "aps",
    "kk",
    "pte",
    "pvt",
    "pc",
    "pa",
    "and",
]
# Unambiguous legal forms are dropped wherever they stand ("Hudson Furniture Limited Group");
# short ones (co, sa, ag, as...) are real words or initials mid-name, so only dropped at the end.
LEGAL_ANYWHERE = [
    "inc",
    "incorporated",
    "llc",
    "llp",
    "lllp",
    "pllc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "gmbh",
    "plc",
    "pty",
    "sarl",
    "sasu",
]
_ANYWHERE = r"\s+(?:" + "|".join(LEGAL_ANYWHERE) + r")\b"
# After punctuation is gone: any run of legal forms and leftover counters at the end.
_TRAILING = r"^(.+?)(?:\s+(?:" + "|".join(LEGAL_FORMS) + r"|[2-9]|deleted))+$"


def _unique(values: pd.Series) -> tuple[pa.Array, pd.Series]:
    """Distinct non-null values as a pyarrow string array, and the codes mapping rows to them."""
    codes, uniques = pd.factorize(values.astype("string[pyarrow]"), use_na_sentinel=True)
    return arrow_text(uniques), pd.Series(codes, index=values.index)


def _back(result: pa.Array, codes: pd.Series) -> pd.Series:
    """Spread per-distinct results back over the rows; nulls stay NA."""
    values = pd.Series(result.to_pandas(), dtype="string")
    out = values.reindex(codes.to_numpy()).reset_index(drop=True)
    out.index = codes.index
    return out.where(codes.to_numpy() >= 0)


def _squash(arr: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, r"\s+", " "))


def fold_array(arr: pa.Array) -> pa.Array:
    """Accent- and case-fold a pyarrow string array (see module docstring, step 1)."""
    out = pc.utf8_lower(arr)
    out = pc.replace_substring_regex(pc.utf8_normalize(out, "NFKD"), r"\p{M}", "")
    for letter, plain in _LETTERS.items():
        out = pc.replace_substring(out, letter, plain)
    return _squash(pc.utf8_normalize(out, "NFKC"))


def fold(values: pd.Series) -> pd.Series:
    """Case- and accent-folded text with single spaces: 'Café  MÜLLER' -> 'cafe muller'."""
    arr, codes = _unique(values)
    return _back(fold_array(arr), codes)


def _clean_punctuation(arr: pa.Array) -> pa.Array:
    out = pc.replace_substring_regex(arr, r"[&+]", " and ")
    out = pc.replace_substring_regex(out, r"[.'’`´]", "")
    out = pc.replace_substring_regex(out, r"[^\p{L}\p{N}]+", " ")
    return _squash(out)


_ANY_ABBREVIATION = r"\b(?:" + "|".join(k for k in ABBREVIATIONS if "'" not in k) + r")\b"


def _expand(arr: pa.Array) -> pa.Array:
    """Expand abbreviations; only the (few) values holding one are rewritten."""
    hit = pc.fill_null(pc.match_substring_regex(arr, _ANY_ABBREVIATION), False)
    if not pc.any(hit).as_py():
        return arr
    sub = pc.filter(arr, hit)
    for short, full in ABBREVIATIONS.items():
        if "'" not in short:  # apostrophes are already gone; "int'l" arrives as "intl"
            sub = pc.replace_substring_regex(sub, rf"\b{short}\b", full)
    positions = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
    values = arr.to_numpy(zero_copy_only=False).astype(object)
    values[positions] = sub.to_numpy(zero_copy_only=False)
    return pa.array(values, type=pa.string())


def _core(arr: pa.Array) -> pa.Array:
    """Steps 4-6 on folded, tag-free text."""
    out = _expand(_clean_punctuation(arr))
    out = _squash(pc.replace_substring_regex(out, _ANYWHERE, ""))
    for _ in range(2):  # a leading "The" may hide a legal form behind it and vice versa
        out = pc.replace_substring_regex(out, _TRAILING, r"\1")
        out = pc.replace_substring_regex(out, r"^(?:the\s+)+(\S)", r"\1")
    return out


# Spreadsheet residue at the start of a name: a cell pasted as a formula ('=HYPERLINK("url",
# "Evil Co")' shows the text "Evil Co") or a leading formula character a person or an export
# added ('+Evil Co', '@Evil Co', '=Evil Co'). Neither is part of the company's name; a leading
# "+" must not become "and" (step 4) either. Outputs neutralise formulas separately.
_HYPERLINK = r'^[\s=+@-]*hyperlink\s*\(\s*"[^"]*"\s*[,;]\s*"([^"]*)"\s*\)\s*$'
_LEADING_FORMULA = r"^[\s=+@-]+"


def _without_formula(folded: pa.Array) -> pa.Array:
    """Folded names without spreadsheet residue (see _HYPERLINK); a name made only of such
    characters is kept as it is."""
    shown = pc.replace_substring_regex(folded, _HYPERLINK, r"\1")
    bare = pc.utf8_trim_whitespace(pc.replace_substring_regex(shown, _LEADING_FORMULA, ""))
    return pc.if_else(pc.equal(bare, ""), folded, bare)


def company_names(values: pd.Series) -> pd.DataFrame:
    """Normalise company names; one row per input row.

    Returns columns:
      core     the comparable name ('acme' for 'The ACME, Inc. (2)')
      alias    the DBA/trade name's core when the name has one, else NA
      tag      what a sync or QBO appended and we removed ('(2)', '(deleted)', '- c'), else NA
      dropped  the words dropped on the way (legal form, 'the'), for reasons a person reads
    """
    arr, codes = _unique(values)
    parts = pc.split_pattern_regex(_without_formula(fold_array(arr)), _DBA, max_splits=1)
    legal = pc.list_element(parts, 0)
    has_trade = pc.greater(pc.list_value_length(parts), 1)
    trade = pc.list_element(
        pc.if_else(has_trade, parts, pa.array([[None, None]] * len(parts), type=parts.type)), 1
    )
    untagged = pc.utf8_trim_whitespace(pc.replace_substring_regex(legal, _TAGS, ""))
    untagged = pc.if_else(pc.equal(untagged, ""), legal, untagged)
    cleaned = _clean_punctuation(untagged)
    core = _core(untagged)
    core = pc.if_else(pc.equal(core, ""), cleaned, core)
    alias = _core(pc.utf8_trim_whitespace(pc.replace_substring_regex(trade, _TAGS, "")))
    uniq = pd.DataFrame({"core": core.to_pandas(), "alias": alias.to_pandas()}, dtype="string")
    uniq["alias"] = uniq["alias"].replace("", pd.NA)
    uniq["tag"] = _tags(legal)
    uniq["dropped"] = _dropped(_expand(cleaned))
    rows = (
        uniq[["core", "alias", "tag", "dropped"]].reindex(codes.to_numpy()).set_axis(values.index)
    )
    return rows.where(pd.Series(codes.to_numpy() >= 0, index=values.index), pd.NA, axis=0)


def untagged_names(values: pd.Series) -> pd.Series:
    """The names as written without a trailing sync tag ('ACME, Inc. (2)' -> 'ACME, Inc.'),
    case and punctuation kept; a name that is only a tag stays as it is."""
    arr, codes = _unique(values)
    bare = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, "(?i)" + _TAGS, ""))
    return _back(pc.if_else(pc.equal(bare, ""), arr, bare), codes)


def _tags(legal: pa.Array) -> pd.Series:
    """The suffix removed as a sync tag ('(2)', '(deleted)'), NA when none."""
    found = pc.struct_field(pc.extract_regex(legal, "(?P<tag>" + _TAGS.removesuffix("$") + ")$"), 0)
    return pd.Series(pc.utf8_trim_whitespace(found).to_pandas(), dtype="string").replace("", pd.NA)


_DROPPABLE = r"(?:" + "|".join(LEGAL_FORMS) + r"|[2-9]|deleted)"


def _dropped(expanded: pa.Array) -> pd.Series:
    """Words the normaliser drops (leading 'the', trailing legal forms), for the reasons column."""
    parts = pc.extract_regex(
        expanded, rf"^(?P<lead>(?:the\s+)*)(?P<body>.+?)(?P<trail>(?:\s+{_DROPPABLE})*)$"
    )
    lead = pc.struct_field(parts, "lead")
    trail = pc.struct_field(parts, "trail")
    words = _squash(pc.binary_join_element_wise(lead, trail, " "))
    return pd.Series(words.to_pandas(), dtype="string").replace("", pd.NA)


def per_distinct(func: Callable[[pd.Series], pd.Series], values: pd.Series) -> pd.Series:
    """Apply a Series -> Series normaliser to the distinct values only and spread the result back
    (countries, cities, states repeat a lot: 100k rows hold a few hundred values)."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    done = func(pd.Series(uniques, dtype="string")).reset_index(drop=True)
    out = done.reindex(codes).reset_index(drop=True)
    out.index = values.index
    return out.where(codes >= 0)


def digits_only(values: pd.Series) -> pd.Series:
    """The digit groups of each value, space-separated ('store 8 unit 12b' -> '8 12'); '' if none."""
    arr, codes = _unique(values)
    return _back(_squash(pc.replace_substring_regex(arr, r"[^0-9\s]+", "")), codes).fillna("")


def extract(values: pd.Series, pattern: str) -> pd.Series:
    """First capture group of an RE2 `pattern` (one named group), per distinct value; NA if none."""
    arr, codes = _unique(values)
    found = pc.struct_field(pc.extract_regex(arr, pattern), 0)
    return _back(found, codes)


def join_sorted_words(row: np.ndarray, word: np.ndarray, n: int) -> pa.Array:
    """For rows 0..n-1, the distinct words of each row sorted and joined by spaces (nulls where
    a row has none). `row`/`word` are a long table; all work is in numpy/pyarrow kernels."""
    flat = pd.DataFrame({"row": row, "word": word}).dropna().drop_duplicates()
    flat = flat.sort_values(["row", "word"], kind="stable")
    counts = np.bincount(flat["row"].to_numpy(dtype=np.int64), minlength=n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(
        pa.array(offsets), pa.array(flat["word"].to_numpy(dtype=object), type=pa.string())
    )
    joined = pc.binary_join(lists, " ")
    return pc.if_else(pc.greater(pa.array(counts), 0), joined, pa.nulls(n, pa.string()))


def token_key(core: pd.Series) -> pd.Series:
    """Order-free key: sorted distinct words ('summit blue' = 'blue summit')."""
    arr, codes = _unique(core)
    words = pc.split_pattern(arr, " ")
    row = pc.list_parent_indices(words).to_numpy()
    word = pc.list_flatten(words).to_numpy(zero_copy_only=False)
    return _back(join_sorted_words(row, word, len(arr)), codes)
