"""Contact-detail normalisation: email/web domains, phones (E.164), postal codes, places.

As in normalize.py, work is done once per DISTINCT value. Phones are the expensive case:
`phonenumbers` costs ~20 us per parse, so North American numbers (10 digits, or 11 starting
with 1) and numbers already written with "+" are turned into E.164 with vectorised string
operations, and `phonenumbers` sees only the distinct leftovers (national formats abroad).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from sfqb_diag.matching.normalize import extract, fold

# Mail providers whose domain says nothing about the company (a shared gmail.com is no evidence).
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.es",
        "yahoo.ca",
        "ymail.com",
        "rocketmail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.de",
        "hotmail.es",
        "live.com",
        "live.co.uk",
        "live.ca",
        "live.fr",
        "msn.com",
        "outlook.com",
        "outlook.fr",
        "outlook.de",
        "aol.com",
        "aim.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "web.de",
        "t-online.de",
        "freenet.de",
        "mail.com",
        "email.com",
        "zoho.com",
        "zohomail.com",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "126.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "bellsouth.net",
        "cox.net",
        "charter.net",
        "earthlink.net",
        "optonline.net",
        "shaw.ca",
        "rogers.com",
        "sympatico.ca",
        "telus.net",
        "videotron.ca",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "talktalk.net",
        "ntlworld.com",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "laposte.net",
        "sfr.fr",
        "libero.it",
        "tiscali.it",
        "eircom.net",
        "bigpond.com",
        "optusnet.com.au",
        "fastmail.com",
        "hushmail.com",
    ]
)
# Second-level labels under which a registrable domain has three labels (acme.co.uk).
_SECOND_LEVEL = r"(?:co|com|net|org|gov|ac|edu|ltd|plc|me|sch)\.[a-z]{2}"
COUNTRY_CODES = {
    "us": "US",
    "usa": "US",
    "united states": "US",
    "united states of america": "US",
    "u s": "US",
    "u s a": "US",
    "america": "US",
    "ca": "CA",
    "can": "CA",
    "canada": "CA",
    "gb": "GB",
    "uk": "GB",
    "u k": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "de": "DE",
    "deu": "DE",
    "germany": "DE",
    "deutschland": "DE",
    "fr": "FR",
    "fra": "FR",
    "france": "FR",
    "nl": "NL",
    "nld": "NL",
    "netherlands": "NL",
    "the netherlands": "NL",
    "holland": "NL",
    "nederland": "NL",
    "es": "ES",
    "esp": "ES",
    "spain": "ES",
    "espana": "ES",
    "ie": "IE",
    "irl": "IE",
    "ireland": "IE",
    "au": "AU",
    "aus": "AU",
    "australia": "AU",
    "nz": "NZ",
    "new zealand": "NZ",
    "mx": "MX",
    "mexico": "MX",
    "it": "IT",
    "italy": "IT",
    "ch": "CH",
    "switzerland": "CH",
    "be": "BE",
    "belgium": "BE",
    "at": "AT",
    "austria": "AT",
    "se": "SE",
    "sweden": "SE",
    "dk": "DK",
    "denmark": "DK",
    "no": "NO",
    "norway": "NO",
    "in": "IN",
    "india": "IN",
}
# ISO 3166 alpha-3 codes (QBO returns "USA", exports carry "AUS", "GBR") and a few more names.
_ALPHA3 = {
    "USA": "US",
    "CAN": "CA",
    "GBR": "GB",
    "DEU": "DE",
    "FRA": "FR",
    "NLD": "NL",
    "ESP": "ES",
    "IRL": "IE",
    "AUS": "AU",
    "NZL": "NZ",
    "MEX": "MX",
    "ITA": "IT",
    "CHE": "CH",
    "BEL": "BE",
    "AUT": "AT",
    "SWE": "SE",
    "DNK": "DK",
    "NOR": "NO",
    "IND": "IN",
    "JPN": "JP",
    "CHN": "CN",
    "BRA": "BR",
    "ZAF": "ZA",
    "SGP": "SG",
    "HKG": "HK",
    "PRT": "PT",
    "POL": "PL",
    "FIN": "FI",
    "ISR": "IL",
    "ARE": "AE",
    "PHL": "PH",
    "ARG": "AR",
    "CHL": "CL",
    "COL": "CO",
    "KOR": "KR",
    "LUX": "LU",
    "GRC": "GR",
    "CZE": "CZ",
    "HUN": "HU",
    "ROU": "RO",
    "TUR": "TR",
    "MYS": "MY",
}
_NAMES = {
    "japan": "JP",
    "china": "CN",
    "brazil": "BR",
    "south africa": "ZA",
    "singapore": "SG",
    "hong kong": "HK",
    "portugal": "PT",
    "poland": "PL",
    "finland": "FI",
    "israel": "IL",
    "united arab emirates": "AE",
    "philippines": "PH",
    "argentina": "AR",
    "chile": "CL",
    "colombia": "CO",
    "south korea": "KR",
    "korea": "KR",
    "luxembourg": "LU",
    "greece": "GR",
    "czech republic": "CZ",
    "czechia": "CZ",
    "hungary": "HU",
    "romania": "RO",
    "turkey": "TR",
    "malaysia": "MY",
    "schweiz": "CH",
    "suisse": "CH",
    "osterreich": "AT",
    "italia": "IT",
}
COUNTRY_CODES.update({k.lower(): v for k, v in _ALPHA3.items()} | _NAMES)
_NANP = {"US", "CA"}


def email_domain(emails: pd.Series) -> pd.Series:
    """Registrable domain of an email address ('Jo@Mail.Acme.co.uk' -> 'acme.co.uk'); NA if none."""
    return registrable(
        extract(emails.astype("string").str.lower(), r"@(?P<d>[a-z0-9.-]+\.[a-z]{2,})\s*$")
    )


def website_domain(urls: pd.Series) -> pd.Series:
    """Registrable domain of a web address ('https://www.Acme.com/about' -> 'acme.com')."""
    pattern = (
        r"^\s*(?:[a-z]+://)?(?:[^@/]*@)?(?P<h>[a-z0-9.-]+\.[a-z]{2,})(?::\d+)?(?:[/?#].*)?\s*$"
    )
    return registrable(extract(urls.astype("string").str.lower(), pattern))


def registrable(hosts: pd.Series) -> pd.Series:
    """The part of a host name a company registers: last two labels, three under co.uk-style SLDs."""
    three = extract(hosts, rf"(?P<d>[a-z0-9-]+\.{_SECOND_LEVEL})\.?$")
    two = extract(hosts, r"(?P<d>[a-z0-9-]+\.[a-z0-9-]+)\.?$")
    return three.fillna(two).astype("string")


def is_free_mail(domains: pd.Series) -> pd.Series:
    """True for consumer mail providers: their domain is not evidence of the company."""
    return domains.isin(FREE_MAIL).fillna(False).astype(bool)


def company_domain(domains: pd.Series) -> pd.Series:
    """Domains that can count as company evidence (free-mail providers blanked)."""
    return domains.mask(is_free_mail(domains)).astype("string")


def country_code(countries: pd.Series) -> pd.Series:
    """ISO 3166 alpha-2 from what people type ('United States', 'USA', 'U.S.') ; NA when unknown."""
    folded = fold(countries).str.replace(r"[^a-z ]", " ", regex=True).str.split().str.join(" ")
    code = folded.map(COUNTRY_CODES, na_action="ignore")
    two_letters = folded.str.fullmatch(r"[a-z]{2}").fillna(False)
    return code.fillna(folded.str.upper().where(two_letters)).astype("string")


def postal_code(codes: pd.Series) -> pd.Series:
    """Comparable postal code: upper case without spaces or dashes; US ZIP+4 cut to ZIP5."""
    text = codes.astype("string").str.upper().str.replace(r"[\s-]", "", regex=True)
    zip9 = text.str.fullmatch(r"\d{9}").fillna(False)
    return text.mask(zip9, text.str.slice(0, 5)).replace("", pd.NA).astype("string")


def street_number(streets: pd.Series) -> pd.Series:
    """The house number of a street line ('1200 Main St, Suite 4' -> '1200'); NA when none."""
    return extract(streets.astype("string").str.lower(), r"(?:^|[^\w-])(?P<n>\d+[a-z]?)\b")


def phone_e164(phones: pd.Series, regions: pd.Series | None = None) -> pd.Series:
    """Phones as E.164 ('+15551234567'); NA when the number cannot be read.

    `regions` (ISO alpha-2 per row, e.g. the billing country) tells how to read a national number;
    unknown regions are read as North American, the usual case for QBO US/CA companies.
    """
    text = pa.array(phones.astype("string").to_numpy(dtype=object, na_value=None), type=pa.string())
    text = pc.utf8_trim_whitespace(
        pc.replace_substring_regex(text, r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$", "")
    )
    intl = pc.fill_null(pc.match_substring_regex(text, r"^\s*(?:\+|00)"), False).to_numpy(
        zero_copy_only=False
    )
    zeros = pc.fill_null(pc.match_substring_regex(text, r"^\s*00"), False).to_numpy(
        zero_copy_only=False
    )
    digits = pc.replace_substring_regex(text, r"\D", "")
    digits = pc.if_else(pa.array(zeros), pc.utf8_slice_codeunits(digits, 2), digits)
    length = pc.fill_null(pc.utf8_length(digits), 0).to_numpy(zero_copy_only=False)
    d = pd.Series(digits.to_numpy(zero_copy_only=False), dtype=object)
    region = (
        regions.astype("string").fillna("US").to_numpy(dtype=object)
        if regions is not None
        else np.full(len(phones), "US", dtype=object)
    )
    nanp = np.isin(region, list(_NANP))
    first = pc.fill_null(pc.utf8_slice_codeunits(digits, 0, 1), "").to_numpy(zero_copy_only=False)
    out = np.full(len(phones), None, dtype=object)
    plus = intl & (length >= 8) & (length <= 15)
    ten = ~intl & nanp & (length == 10) & ~np.isin(first, ["0", "1"])
    eleven = ~intl & nanp & (length == 11) & (first == "1")
    out[plus | eleven] = "+" + d[plus | eleven]
    out[ten] = "+1" + d[ten]
    rest = (out == None) & (length >= 6)  # noqa: E711  (elementwise test on an object array)
    result = pd.Series(out, index=phones.index, dtype="string")
    if rest.any():
        result[rest] = _parse_distinct(
            phones[rest].astype("string"), pd.Series(region[rest], index=phones.index[rest])
        )
    return result


def _parse_distinct(text: pd.Series, region: pd.Series) -> pd.Series:
    """phonenumbers on each distinct (number, region) once."""
    pairs = pd.DataFrame({"t": text.astype(object), "r": region.astype(object)})
    distinct = pairs.drop_duplicates()
    parsed = [_parse_one(t, r) for t, r in zip(distinct["t"], distinct["r"], strict=True)]
    distinct = distinct.assign(e164=parsed)
    merged = pairs.merge(distinct, on=["t", "r"], how="left")
    return pd.Series(merged["e164"].to_numpy(), index=text.index, dtype="string")


def _parse_one(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def place(cities: pd.Series) -> pd.Series:
    """Comparable city: folded, punctuation-free, 'saint' spelt 'st' ('St. Paul' = 'Saint Paul')."""
    folded = fold(cities).str.replace(r"[^\w ]", " ", regex=True).str.split().str.join(" ")
    return (
        folded.str.replace(r"^(?:saint|ste?)\b", "st", regex=True)
        .replace("", pd.NA)
        .astype("string")
    )
