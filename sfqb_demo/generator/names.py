"""Realistic names for the demo business: companies, people, places, phones, products.

Everything is drawn with a numpy Generator in bulk (no per-row Python loops on the big paths) so
that 100k accounts cost a fraction of a second. The word lists are deliberately varied: legal
suffixes across countries, "&" vs "and", accents, abbreviations, a leading "The", so that the
matching engine meets the same mess it meets on client data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BASE = np.array(
    [
        "Acme",
        "Summit",
        "Northwind",
        "Blue_Ridge",
        "Granite",
        "Harbor",
        "Pioneer",
        "Cedar",
        "Evergreen",
        "Redwood",
        "Silverline",
        "Bright_Path",
        "Ironwood",
        "Lakeside",
        "Keystone",
        "Meridian",
        "Oakridge",
        "Pinnacle",
        "Riverbend",
        "Sterling",
        "Tidewater",
        "Vertex",
        "Westfield",
        "Zenith",
        "Atlas",
        "Beacon",
        "Cascade",
        "Compass",
        "Crescent",
        "Delta",
        "Eagle",
        "Falcon",
        "Frontier",
        "Golden_Gate",
        "Heritage",
        "Horizon",
        "Liberty",
        "Magnolia",
        "Maple",
        "Nova",
        "Orion",
        "Patriot",
        "Prairie",
        "Quantum",
        "Rainier",
        "Sequoia",
        "Sierra",
        "Stonebridge",
        "Sunrise",
        "Trident",
        "Unity",
        "Vanguard",
        "Willow",
        "Alder",
        "Apex",
        "Arrow",
        "Aspen",
        "Bayview",
        "Birch",
        "Bluebird",
        "Canyon",
        "Capstone",
        "Clearwater",
        "Cobalt",
        "Copper",
        "Coral",
        "Cypress",
        "Driftwood",
        "Elm",
        "Ember",
        "Emerald",
        "Fairway",
        "Fieldstone",
        "Foxglove",
        "Glacier",
        "Greenleaf",
        "Hawthorne",
        "Highland",
        "Hudson",
        "Indigo",
        "Juniper",
        "Kestrel",
        "Lighthouse",
        "Lincoln",
        "Maplewood",
        "Mesa",
        "Midway",
        "Monarch",
        "Mountainview",
        "Northstar",
        "Oakmont",
        "Olympic",
        "Osprey",
        "Pacific",
        "Parkside",
        "Pinecrest",
        "Polaris",
        "Redstone",
        "Ridgeline",
        "Rockport",
        "Saffron",
        "Sagebrush",
        "Seaside",
        "Shoreline",
        "Silverleaf",
        "Skyline",
        "Spruce",
        "Starlight",
        "Stillwater",
        "Sundance",
        "Timberline",
        "Trailhead",
        "Valley",
        "Wildflower",
        "Woodland",
        "Yellowstone",
        "Zephyr",
        "Bristol",
        "Camden",
        "Dover",
        "Hampton",
        "Kingston",
        "Lancaster",
        "Oxford",
        "Richmond",
        "Windsor",
        "Avalon",
        "Bellwether",
        "Brightwater",
        "Cornerstone",
        "Crossroads",
        "Everest",
        "Fjord",
        "Greystone",
        "Halcyon",
        "Ironclad",
        "Kodiak",
        "Lodestar",
        "Marigold",
        "Nimbus",
        "Obsidian",
        "Paragon",
        "Quarry",
        "Rosewood",
        "Sapphire",
        "Thornbury",
        "Umber",
        "Verdant",
        "Wavecrest",
        "Amberley",
        "Blackrock",
        "Coldwater",
        "Dunmore",
        "Elmhurst",
    ]
)
SURNAME = np.array(
    [
        "Miller",
        "Nguyen",
        "Schmidt",
        "Müller",
        "García",
        "O'Brien",
        "Johnson",
        "Patel",
        "Kowalski",
        "Rossi",
        "Dubois",
        "Andersen",
        "Tanaka",
        "Okafor",
        "Fernández",
        "Novak",
        "Larsen",
        "Byrne",
        "Walsh",
        "Weber",
        "Fischer",
        "Moreau",
        "Lefèvre",
        "Jensen",
        "Hughes",
        "Chen",
        "Morales",
        "Kim",
        "Singh",
        "Costa",
        "Silva",
        "Murphy",
        "Kelly",
        "Russo",
        "Bianchi",
        "Schneider",
        "Wagner",
        "Becker",
        "Hoffmann",
        "Kaya",
        "Yilmaz",
        "Nowak",
        "Svensson",
        "Lindqvist",
        "Sørensen",
        "Côté",
        "Gagnon",
        "Tremblay",
        "Roy",
        "Pelletier",
        "Brennan",
        "Doyle",
        "Quinn",
    ]
)
INDUSTRY = np.array(
    """Plumbing|Dental_Group|Logistics|Manufacturing|Mfg|Software|Consulting|Services|Svcs|Construction
|Bakery|Landscaping|Electric|Health|Labs|Analytics|Supply|Foods|Motors|Partners|Design|Media|Robotics
|Brewing|Industries|Systems|Solutions|Technologies|Holdings|Group|Associates|Assoc|Interiors|Roofing
|Veterinary_Clinic|Physical_Therapy|Accounting|Law_Group|Realty|Properties|Freight|Outfitters|Marine
|Aerospace|Biotech|Pharma|Energy|Solar|Water|Packaging|Printing|Textiles|Furniture|Hospitality
|Catering|Fitness|Studios|Architects|Engineering|Environmental|Security|Staffing|Imaging|Instruments
|Tooling|Fabrication|Distribution|Wholesale|Trading|Ventures|Capital|Insurance|Medical|Orthodontics
|International|Intl|Automotive|Coffee_Roasters|Creamery|Vineyards|Farms|Nurseries|Auto_Body""".replace(
        "\n", ""
    ).split("|")
)
SUFFIX_BY_COUNTRY = {
    "US": [
        "Inc",
        "Inc.",
        "LLC",
        "L.L.C.",
        "Corp",
        "Corp.",
        "Co.",
        "Corporation",
        "",
        "",
        "",
        "Incorporated",
    ],
    "CA": ["Ltd", "Ltd.", "Inc.", "Corp.", "", "Limited"],
    "GB": ["Ltd", "Limited", "PLC", "Ltd.", ""],
    "DE": ["GmbH", "AG", "GmbH & Co. KG", ""],
    "FR": ["S.A.", "SARL", "SAS", ""],
    "NL": ["B.V.", "N.V.", ""],
    "ES": ["S.A.", "S.L.", ""],
    "IE": ["Ltd", "Limited", "DAC", ""],
    "AU": ["Pty Ltd", "Pty. Ltd.", "Ltd"],
}
# (city, state/region code, postal prefix or template, country, currency, phone country code, area codes)
GEO = [
    ("Denver", "CO", "802", "US"),
    ("Austin", "TX", "787", "US"),
    ("Seattle", "WA", "981", "US"),
    ("Portland", "OR", "972", "US"),
    ("Boise", "ID", "837", "US"),
    ("Phoenix", "AZ", "850", "US"),
    ("Chicago", "IL", "606", "US"),
    ("Boston", "MA", "021", "US"),
    ("New York", "NY", "100", "US"),
    ("Atlanta", "GA", "303", "US"),
    ("Miami", "FL", "331", "US"),
    ("Tampa", "FL", "336", "US"),
    ("Dallas", "TX", "752", "US"),
    ("San Diego", "CA", "921", "US"),
    ("San Jose", "CA", "951", "US"),
    ("Los Angeles", "CA", "900", "US"),
    ("Minneapolis", "MN", "554", "US"),
    ("Nashville", "TN", "372", "US"),
    ("Charlotte", "NC", "282", "US"),
    ("Salt Lake City", "UT", "841", "US"),
    ("Columbus", "OH", "432", "US"),
    ("Pittsburgh", "PA", "152", "US"),
    ("Kansas City", "MO", "641", "US"),
    ("Raleigh", "NC", "276", "US"),
    ("Madison", "WI", "537", "US"),
    ("Albuquerque", "NM", "871", "US"),
    ("Omaha", "NE", "681", "US"),
    ("Richmond", "VA", "232", "US"),
    ("Toronto", "ON", "M5V", "CA"),
    ("Vancouver", "BC", "V6B", "CA"),
    ("Montréal", "QC", "H2Y", "CA"),
    ("Calgary", "AB", "T2P", "CA"),
    ("Ottawa", "ON", "K1P", "CA"),
    ("London", "", "EC1A", "GB"),
    ("Manchester", "", "M1", "GB"),
    ("Edinburgh", "", "EH1", "GB"),
    ("Bristol", "", "BS1", "GB"),
    ("Berlin", "BE", "10", "DE"),
    ("München", "BY", "80", "DE"),
    ("Paris", "", "75", "FR"),
    ("Lyon", "", "69", "FR"),
    ("Amsterdam", "NH", "10", "NL"),
    ("Rotterdam", "ZH", "30", "NL"),
    ("Madrid", "", "28", "ES"),
    ("Dublin", "", "D02", "IE"),
    ("Sydney", "NSW", "2000", "AU"),
]
CURRENCY_OF_COUNTRY = {
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "NL": "EUR",
    "ES": "EUR",
    "IE": "EUR",
    "AU": "USD",
}
DIAL = {
    "US": "1",
    "CA": "1",
    "GB": "44",
    "DE": "49",
    "FR": "33",
    "NL": "31",
    "ES": "34",
    "IE": "353",
    "AU": "61",
}
STREETS = np.array(
    [
        "Main",
        "Oak",
        "Pine",
        "Maple",
        "Cedar",
        "Elm",
        "Washington",
        "Lake",
        "Hill",
        "Park",
        "Market",
        "Broadway",
        "Mill",
        "Church",
        "High",
        "Station",
        "Front",
        "River",
        "Spring",
        "Union",
        "Water",
        "Bridge",
        "King",
        "Queen",
        "Victoria",
        "Harbour",
        "Grand",
        "Franklin",
        "Jefferson",
        "Madison",
        "Lincoln",
        "Sunset",
        "Airport",
        "Commerce",
        "Industrial",
        "Enterprise",
        "Technology",
        "Innovation",
    ]
)
STREET_TYPES = np.array(
    ["St", "Street", "Ave", "Avenue", "Blvd", "Rd", "Road", "Dr", "Way", "Pkwy", "Ln", "Ct"]
)
FIRST = np.array(
    [
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "John",
        "Jennifer",
        "Michael",
        "Linda",
        "David",
        "Elizabeth",
        "William",
        "Barbara",
        "Richard",
        "Susan",
        "Joseph",
        "Jessica",
        "Thomas",
        "Sarah",
        "Chris",
        "Karen",
        "Daniel",
        "Nancy",
        "Matthew",
        "Lisa",
        "Anthony",
        "Betty",
        "Mark",
        "Sandra",
        "Paul",
        "Ashley",
        "Steven",
        "Emily",
        "Andrew",
        "Michelle",
        "Joshua",
        "Amanda",
        "Kevin",
        "Melissa",
        "Brian",
        "Stephanie",
        "Zoë",
        "José",
        "Renée",
        "André",
        "Chloé",
        "Søren",
        "Björn",
        "François",
        "Léa",
        "Mateo",
        "Sofía",
        "Aisha",
        "Wei",
        "Hiroshi",
        "Priya",
        "Oluwaseun",
        "Siobhán",
        "Niamh",
        "Tomás",
        "Lukas",
        "Anna",
        "Jonas",
        "Emma",
        "Noah",
        "Olivia",
        "Liam",
        "Ava",
        "Ethan",
        "Mia",
        "Lucas",
        "Isabella",
    ]
)
FREE_MAIL = np.array(
    ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com"]
)
TLD = {
    "US": ".com",
    "CA": ".ca",
    "GB": ".co.uk",
    "DE": ".de",
    "FR": ".fr",
    "NL": ".nl",
    "ES": ".es",
    "IE": ".ie",
    "AU": ".com.au",
}
# Countries weighted: mostly US (USD), some CA/EUR/GB.
_COUNTRY_WEIGHT = {
    "US": 0.78,
    "CA": 0.08,
    "GB": 0.05,
    "DE": 0.025,
    "FR": 0.015,
    "NL": 0.015,
    "ES": 0.01,
    "IE": 0.01,
    "AU": 0.015,
}


def geo_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """n billing places: city, state, postal code, country, currency, street."""
    geo = pd.DataFrame(GEO, columns=["city", "state", "postal_prefix", "country"])
    weight = geo["country"].map(_COUNTRY_WEIGHT) / geo.groupby("country")["city"].transform("size")
    pick = rng.choice(len(geo), size=n, p=(weight / weight.sum()).to_numpy())
    out = geo.iloc[pick].reset_index(drop=True)
    out["currency"] = out["country"].map(CURRENCY_OF_COUNTRY)
    out["postal"] = _postal(rng, out)
    number = rng.integers(1, 9900, n).astype(str)
    street = STREETS[rng.integers(0, len(STREETS), n)]
    stype = STREET_TYPES[rng.integers(0, len(STREET_TYPES), n)]
    suite = np.where(rng.random(n) < 0.2, ", Suite " + rng.integers(100, 990, n).astype(str), "")
    out["street"] = pd.Series(number, dtype=object) + " " + street + " " + stype + suite
    return out.drop(columns="postal_prefix")


def _postal(rng: np.random.Generator, geo: pd.DataFrame) -> pd.Series:
    """Postal codes shaped like each country's: US ZIP5 (some ZIP+4), CA 'M5V 2T6', UK 'EC1A 1BB'."""
    n = len(geo)
    digits = pd.Series(rng.integers(0, 100, n), dtype=int).astype(str).str.zfill(2)
    tail3 = pd.Series(rng.integers(0, 1000, n), dtype=int).astype(str).str.zfill(3)
    letters = np.array(list("ABCEGHJKLMNPRSTVWXYZ"))
    l1, l2 = letters[rng.integers(0, 20, n)], letters[rng.integers(0, 20, n)]
    d1 = rng.integers(0, 10, n).astype(str)
    p = geo["postal_prefix"].reset_index(drop=True)
    zip4 = np.where(
        rng.random(n) < 0.15, "-" + pd.Series(rng.integers(1000, 9999, n)).astype(str), ""
    )
    by_country = {
        "US": p + digits + zip4,
        "CA": p
        + " "
        + pd.Series(d1, dtype=object)
        + l1
        + pd.Series(rng.integers(0, 10, n).astype(str), dtype=object),
        "GB": p + " " + pd.Series(d1, dtype=object) + l1 + l2,
        "DE": p + tail3,
        "FR": p + tail3,
        "NL": p + digits + " " + pd.Series(l1, dtype=object) + l2,
        "ES": p + tail3,
        "IE": p + " " + pd.Series(l1, dtype=object) + tail3.str.slice(0, 2) + l2,
        "AU": p,
    }
    out = pd.Series("", index=p.index, dtype=object)
    for country, values in by_country.items():
        mask = (geo["country"] == country).to_numpy()
        out[mask] = values[mask]
    return out


def _words(arr: np.ndarray) -> np.ndarray:
    return np.char.replace(arr.astype(str), "_", " ").astype(object)


def name_key(names: pd.Series) -> pd.Series:
    """A crude uniqueness key (lower case, letters only, suffix words dropped) used only to keep
    unrelated demo companies from sharing a name by accident."""
    key = names.str.lower().str.replace(
        r"\b(inc|llc|l\.l\.c|ltd|corp|co|gmbh|ag|plc|the|and|s\.a|b\.v|n\.v|pty|limited|corporation|incorporated|sarl|sas|s\.l|dac|kg)\b\.?",
        "",
        regex=True,
    )
    return key.str.replace(r"[^a-z]", "", regex=True)


def company_names(
    rng: np.random.Generator, country: pd.Series, avoid: set[str] | None = None
) -> pd.Series:
    """Distinct company names in several shapes, with legal suffixes suited to each country."""
    n = len(country)
    m = int(n * 1.6) + 50
    b1, b2 = (
        _words(BASE[rng.integers(0, len(BASE), m)]),
        _words(BASE[rng.integers(0, len(BASE), m)]),
    )
    ind = _words(INDUSTRY[rng.integers(0, len(INDUSTRY), m)])
    sur, sur2 = SURNAME[rng.integers(0, len(SURNAME), m)], SURNAME[rng.integers(0, len(SURNAME), m)]
    shape = rng.choice(7, size=m, p=[0.32, 0.22, 0.12, 0.1, 0.08, 0.08, 0.08])
    b1s, b2s, inds = pd.Series(b1), pd.Series(b2), pd.Series(ind)
    candidates = [
        b1s + " " + inds,
        b1s + " " + b2s + " " + inds,
        pd.Series(sur) + " & " + pd.Series(sur2) + " " + inds,
        "The " + b1s + " " + inds,
        pd.Series(sur) + " " + inds,
        pd.Series(sur) + " & Sons " + inds,
        b1s + " and " + b2s + " " + inds,
    ]
    names = candidates[0].copy()
    for k in range(1, 7):
        names[shape == k] = candidates[k][shape == k]
    keys = name_key(names)
    keep = ~keys.duplicated()
    if avoid:
        keep &= ~keys.isin(avoid)
    names = names[keep].reset_index(drop=True).iloc[:n]
    if len(names) < n:  # extremely large sizes: disambiguate with a number, as real registries do
        extra = (
            pd.Series(b1[: n - len(names)])
            + " "
            + pd.Series(np.arange(n - len(names)).astype(str))
            + " "
            + pd.Series(ind[: n - len(names)])
        )
        names = pd.concat([names, extra], ignore_index=True)
    return names + _suffixes(rng, country.reset_index(drop=True))


def _suffixes(rng: np.random.Generator, country: pd.Series) -> pd.Series:
    out = pd.Series("", index=country.index, dtype=object)
    for c, options in SUFFIX_BY_COUNTRY.items():
        mask = (country == c).to_numpy()
        opts = np.array([" " + o if o else "" for o in options], dtype=object)
        out[mask] = opts[rng.integers(0, len(opts), int(mask.sum()))]
    return out


def domains(names: pd.Series, country: pd.Series) -> pd.Series:
    """A company web domain from its name: 'Blue Ridge Logistics LLC' -> 'blueridgelogistics.com'."""
    core = name_key(names).str.slice(0, 24)
    return core + country.map(TLD)


def phones(rng: np.random.Generator, country: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(digits, formatted) phone numbers; formats vary the way people type them."""
    n = len(country)
    area = pd.Series(rng.integers(201, 990, n)).astype(str)
    mid = pd.Series(rng.integers(200, 999, n)).astype(str)
    last = pd.Series(rng.integers(0, 10000, n)).astype(str).str.zfill(4)
    digits = area + mid + last
    fmt = rng.integers(0, 5, n)
    shapes = [
        "(" + area + ") " + mid + "-" + last,
        area + "-" + mid + "-" + last,
        area + "." + mid + "." + last,
        "+1 " + area + " " + mid + " " + last,
        digits,
    ]
    out = shapes[0].copy()
    for k in range(1, 5):
        out[fmt == k] = shapes[k][fmt == k]
    intl = (~country.isin(["US", "CA"])).to_numpy()
    dial = country.reset_index(drop=True).map(DIAL)
    intl_fmt = "+" + dial + " " + area.str.slice(0, 2) + " " + mid + " " + last
    out[intl] = intl_fmt[intl]
    digits[intl] = (dial + area.str.slice(0, 2) + mid + last)[intl]
    return digits, out


def reformat_phone(rng: np.random.Generator, digits: pd.Series, country: pd.Series) -> pd.Series:
    """The same numbers written another way (QBO users type phones differently)."""
    d = digits.reset_index(drop=True)
    na = d.str.len() == 10
    a, m, l_ = d.str.slice(0, 3), d.str.slice(3, 6), d.str.slice(6, 10)
    out = pd.Series(
        np.where(rng.random(len(d)) < 0.5, a + "-" + m + "-" + l_, "(" + a + ") " + m + "-" + l_),
        dtype=object,
    )
    out[~na.to_numpy()] = ("+" + d)[~na.to_numpy()]
    return out


def people(rng: np.random.Generator, n: int) -> tuple[pd.Series, pd.Series]:
    """(first, last) names with accents and apostrophes."""
    return pd.Series(FIRST[rng.integers(0, len(FIRST), n)]), pd.Series(
        SURNAME[rng.integers(0, len(SURNAME), n)]
    )


def ascii_fold(s: pd.Series) -> pd.Series:
    """ASCII form used in email local parts ('Zoë' -> 'zoe')."""
    return (
        s.str.normalize("NFKD")
        .str.encode("ascii", errors="ignore")
        .str.decode("ascii")
        .str.lower()
        .str.replace(r"[^a-z]", "", regex=True)
    )
