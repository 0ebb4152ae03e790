"""HTML tables a finance reader can work from: plain headers, no `<NA>`, whole numbers as
whole numbers, long text wrapped, and record names that link to the record's page.

Used by the notebooks' tables and the report's index page; the page's sfqb-tables.js makes every
`table.sfqb-table` sortable, filterable, searchable and paged.
"""

from __future__ import annotations

import re
from html import escape

import pandas as pd

from sfqb_diag.outputs.coverage import AREA_TITLES

LINK_SUFFIX = " link"
_WORDS = {"sf": "Salesforce", "qb": "QuickBooks", "qbo": "QuickBooks", "id": "Id", "ids": "Ids"}
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def plain_header(name: object) -> str:
    """'close_date' -> 'Close date', 'sf_id' -> 'Salesforce Id'; headers already in words stay."""
    text = str(name)
    if not _SNAKE.match(text):
        return text
    words = [_WORDS.get(w, w) for w in text.split("_")]
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:]


def _cell_text(column: pd.Series) -> pd.Series:
    """Each value as text a person reads: empty for missing, whole floats without '.0'."""
    if pd.api.types.is_bool_dtype(column):
        return column.map({True: "yes", False: "no"}).astype("string").fillna("")
    if pd.api.types.is_float_dtype(column):
        values = column.astype("Float64")
        whole = values.dropna()
        if len(whole) and (whole == whole.round()).all():
            return values.round().astype("Int64").map("{:,}".format, na_action="ignore").fillna("")
        # Fractions to at most two decimals, without trailing zeros: 2.3, 0, 1,234.57.
        text = values.astype("float64").map("{:,.2f}".format, na_action="ignore")
        return text.astype("string").str.rstrip("0").str.rstrip(".").fillna("")
    if pd.api.types.is_integer_dtype(column):
        return column.astype("Int64").map("{:,}".format, na_action="ignore").fillna("")
    if pd.api.types.is_datetime64_any_dtype(column):
        dated = column.dt.strftime("%Y-%m-%d %H:%M").astype("string")
        return dated.str.removesuffix(" 00:00").fillna("")
    text = column.astype("string").fillna("")
    text = text.mask(text.isin(["<NA>", "nan", "NaN", "None", "NaT"]), "")
    text = _codes_as_words(text)
    # Amounts some tables carry as text ("36588.00"): with thousands separators, like the rest.
    decimal = text.str.fullmatch(r"-?\d+\.\d{2}").fillna(False)
    if decimal.any() and (decimal | text.eq("")).all():
        grouped = text.str.extract(r"^(-?)(\d+)\.(\d{2})$")
        whole = grouped[1].astype("Int64").map("{:,}".format, na_action="ignore")
        return (grouped[0] + whole + "." + grouped[2]).where(decimal, text).fillna("")
    return text


_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|\+00:00)$")


def _codes_as_words(text: pd.Series) -> pd.Series:
    """Values a program wrote, as a person reads them: an area key as its title ('partial_sync'
    -> 'Missing or partial syncs'), a column of snake_case codes ('not_found', 'duplicate_name')
    in words, a UTC time stamp ('2025-11-02T20:40:00Z') as '2025-11-02 20:40 UTC'."""
    filled = text[text.ne("")]
    if filled.empty:
        return text
    if filled.isin(list(AREA_TITLES)).all():
        return text.map(lambda v: AREA_TITLES.get(v, v)).astype("string")
    if filled.str.match(_SNAKE).all() and filled.str.contains("_").any():
        return text.str.replace("_", " ", regex=False)
    if filled.str.match(_STAMP).all():
        return text.str.replace(_STAMP, r"\1 \2 UTC", regex=True)
    return text


def _linked(text: pd.Series, url: pd.Series) -> pd.Series:
    """Escaped cell text inside an <a> when the row has a link (opened in a new tab)."""
    url = url.astype("string").fillna("")
    label = text.mask(text.eq("") & url.ne(""), "open")
    anchor = (
        '<a href="'
        + url.map(lambda u: escape(u, quote=True))
        + '" target="_blank" rel="noopener">'
        + label.map(escape)
        + "</a>"
    )
    return anchor.where(url.ne(""), text.map(escape))


def table_html(frame: pd.DataFrame, page_size: int = 25) -> str:
    """An escaped HTML table: column 'X link' (a URL) makes column 'X' a link and is not shown;
    a column of bare URLs shows 'open' links; everything else is text."""
    links = {c.removesuffix(LINK_SUFFIX): c for c in frame.columns if str(c).endswith(LINK_SUFFIX)}
    shown = [c for c in frame.columns if c not in links.values()]
    cells = {}
    for column in shown:
        text = _cell_text(frame[column])
        if column in links and links[column] in frame:
            cells[column] = _linked(text, frame[links[column]])
        elif len(text) and text.str.match(r"^https?://").where(text.ne(""), True).all():
            cells[column] = _linked(pd.Series("", index=text.index, dtype="string"), text)
        else:
            cells[column] = text.map(escape)
    head = "".join(f"<th>{escape(plain_header(c))}</th>" for c in shown)
    # Amounts and counts stay on one line ("175,411.00 USD"), long text wraps.
    amount = r"^-?[\d,]+(\.\d+)?( [A-Z]{3})?$"
    body_rows = (
        pd.DataFrame(cells, index=frame.index)
        .apply(
            lambda col: (
                col.astype(str)
                .str.match(amount)
                .map({True: '<td class="sfqb-num">', False: "<td>"})
                + col.astype(str)
                + "</td>"
            )
        )
        .agg("".join, axis=1)
        if shown and len(frame)
        else pd.Series(dtype=str)
    )
    body = "".join("<tr>" + body_rows + "</tr>")
    return (
        f'<table class="sfqb-table" data-page-size="{int(page_size)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
