"""People's words for amounts, prices and dates, written once: every finding text, fix list and
notebook table formats through these (exact: from integer cents, never float formatting)."""

from __future__ import annotations

import pandas as pd


def money_text(cents: pd.Series, currency: pd.Series | str | None) -> pd.Series:
    """'1,234.56 USD' for each amount in integer cents; '' where the amount is missing."""
    value = cents.astype("Int64")
    whole = (value.abs() // 100).map(lambda v: f"{v:,}" if pd.notna(v) else "", na_action="ignore")
    code = (
        currency.astype("string").fillna("")
        if isinstance(currency, pd.Series)
        else pd.Series(currency or "", index=cents.index, dtype="string")
    )
    text = (
        value.lt(0).map({True: "-", False: ""}).astype("string").fillna("")
        + whole.astype("string")
        + "."
        + (value.abs() % 100).astype("string").str.zfill(2)
        + " "
        + code.reindex(cents.index)
    )
    return text.str.strip().where(value.notna(), "").fillna("").astype("string")


def money(cents: int | None, currency: str | None) -> str:
    """One amount as text: '12,400.00 USD' ('' when missing)."""
    if cents is None or pd.isna(cents):
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(int(cents)) // 100:,}.{abs(int(cents)) % 100:02d} {currency or ''}".strip()


def gap_text(
    delta_cents: pd.Series,
    currency: pd.Series | str | None,
    qb: str = "QuickBooks",
    sf: str = "Salesforce",
) -> pd.Series:
    """'QuickBooks is 500.00 USD lower than Salesforce' for a signed difference (QuickBooks minus
    Salesforce, in cents): the amount without a sign and the direction in words, so a reader
    never has to work out what a minus sign beside a positive amount means; `qb` and `sf` name
    the two sides. '' where the difference is missing."""
    value = pd.Series(delta_cents, dtype="Int64")
    amount = money_text(value.abs(), currency)
    way = value.gt(0).map({True: " higher than ", False: " lower than "}).astype("string")
    text = (qb + " is " + amount + way.fillna("") + sf).where(value.ne(0), "no difference")
    return text.where(value.notna(), "").fillna("").astype("string")


def count_text(counts: pd.Series, one: str, many: str | None = None) -> pd.Series:
    """'1 won deal', '3 won deals': a count with its noun in plain plural (`many` when the
    plural is not `one` + 's'); '' where the count is missing."""
    value = pd.Series(counts, dtype="Int64")
    noun = value.eq(1).map({True: one, False: many or one + "s"}).astype("string")
    return (value.astype("string") + " " + noun).where(value.notna(), "").fillna("")


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 finding', '3 findings', '1,200 records': one count with its noun in plain plural."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def short_title(values: pd.Series, limit: int = 60) -> pd.Series:
    """A title cut to about `limit` characters at a word boundary, ending in an ellipsis when
    cut (never mid-word; a single word longer than the limit is cut at the limit)."""
    text = values.astype("string").fillna("")
    long = text.str.len() > limit
    head = text.str.slice(0, limit + 1).str.replace(r"\s+\S*$", "", regex=True)
    head = head.where(head.str.len().between(1, limit), text.str.slice(0, limit))
    cut = head.str.rstrip(" ,;:-(") + "…"
    return cut.where(long, text).astype("string")


def format_cents(cents: pd.Series) -> pd.Series:
    """Integer cents -> '1234.56' (a machine-readable amount for CSV columns; no separators)."""
    value = cents.astype("Int64")
    sign = value.lt(0).map({True: "-", False: ""})
    magnitude = value.abs()
    text = (
        sign
        + (magnitude // 100).astype("string")
        + "."
        + (magnitude % 100).astype("string").str.zfill(2)
    )
    return text.where(value.notna(), "")


def price_text(values: pd.Series) -> pd.Series:
    """A unit price as people write it: two decimals, more only when QBO keeps more."""
    numbers = values.astype("float64")
    two = numbers.round(2)
    precise = (numbers - two).abs() > 1e-9
    text = two.map("{:,.2f}".format, na_action="ignore").astype("string")
    long = numbers.map(lambda v: f"{v:,.6f}".rstrip("0"), na_action="ignore").astype("string")
    return text.where(~precise, long).fillna("")


def day(values: pd.Series) -> pd.Series:
    """A date or timestamp as YYYY-MM-DD ('unknown' when missing)."""
    stamps = pd.to_datetime(values)
    return stamps.dt.strftime("%Y-%m-%d").astype("string").fillna("unknown")


def days_between(since: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Whole days from `since` (tz-aware or naive date) to the as-of time."""
    stamps = pd.to_datetime(since)
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("UTC")
    return ((as_of - stamps).dt.total_seconds() // 86400).astype("Int64")


def text(values: pd.Series, empty: str = "") -> pd.Series:
    """A column as text, `empty` where missing."""
    return values.astype("string").fillna(empty)
