"""The product catalogue: Product2 rows with codes, families and list prices, and what kind of
QBO item each becomes (hardware is stocked Inventory, software NonInventory, work a Service)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator.names import BASE

# family -> (code prefix, nouns, (min, max) whole-unit USD list price, QBO item type)
FAMILIES = {
    "Hardware": (
        "HW",
        [
            "Router",
            "Switch",
            "Access Point",
            "Sensor Hub",
            "Barcode Scanner",
            "Label Printer",
            "Thin Client",
            "Rack Server",
            "NAS Appliance",
            "Docking Station",
            "Gateway",
            "Controller",
        ],
        (80, 4200),
        "Inventory",
    ),
    "Software": (
        "SW",
        [
            "Analytics Suite - Annual License",
            "CRM Connector - Annual License",
            "Inventory Module - Subscription",
            "Reporting Add-on - Monthly",
            "Mobile App Seat",
            "API Access Tier",
            "Backup Vault - 1 TB",
            "Security Suite - Per User",
        ],
        (120, 12000),
        "NonInventory",
    ),
    "Services": (
        "SV",
        [
            "Implementation Services - Day Rate",
            "Consulting Hour",
            "Onsite Installation",
            "Data Migration Package",
            "Custom Integration Sprint",
            "Health Check Review",
        ],
        (95, 1800),
        "Service",
    ),
    "Training": (
        "TR",
        [
            "Admin Training Workshop (2 days)",
            "End-User Training Session",
            "Certification Exam Voucher",
            "Online Course Bundle",
        ],
        (250, 3500),
        "Service",
    ),
    "Support": (
        "SP",
        [
            "Premium Support - Monthly",
            "Standard Support - Annual",
            "Extended Warranty (3 yr)",
            "24/7 Support Add-on",
        ],
        (49, 2400),
        "Service",
    ),
    "Consumables": (
        "CN",
        [
            "Thermal Labels 4x6 (Roll of 500)",
            "Printer Ribbon",
            "Cleaning Kit",
            "Cable Pack (10)",
            "Replacement Battery",
            "Mounting Bracket",
        ],
        (9, 140),
        "Inventory",
    ),
}
_FAMILY_WEIGHT = np.array([0.28, 0.2, 0.18, 0.08, 0.12, 0.14])


def product_count(size: int) -> int:
    """About 300 products at 2,000 accounts; scales with size, capped at 5,000."""
    return int(min(5000, max(40, round(size * 0.15))))


def build_catalog(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """n distinct products: Name, ProductCode, Family, Description, list price (USD cents), item type."""
    fams = list(FAMILIES)
    m = n * 3 + 30
    fam_idx = rng.choice(len(fams), size=m, p=_FAMILY_WEIGHT / _FAMILY_WEIGHT.sum())
    brand = np.char.replace(BASE[rng.integers(0, len(BASE), m)].astype(str), "_", " ")
    model_letter = np.array(list("ABCDEFGHJKLMNPRSTVXZ"))[rng.integers(0, 20, m)]
    model_num = rng.integers(1, 99, m) * 10
    rows = []
    for k, fam in enumerate(fams):
        prefix, nouns, (lo, hi), itype = FAMILIES[fam]
        sel = np.flatnonzero(fam_idx == k)
        noun = np.array(nouns, dtype=object)[rng.integers(0, len(nouns), len(sel))]
        model = pd.Series(model_letter[sel]).astype(str) + pd.Series(model_num[sel]).astype(str)
        name = pd.Series(brand[sel], dtype=object) + " " + model + " " + noun
        code = prefix + "-" + model + "-" + pd.Series(brand[sel]).str.slice(0, 3).str.upper()
        price = np.exp(rng.uniform(np.log(lo), np.log(hi), len(sel))).round().astype(np.int64) * 100
        rows.append(
            pd.DataFrame(
                {
                    "_order": sel,
                    "Name": name,
                    "ProductCode": code,
                    "Family": fam,
                    "_list_usd": price,
                    "_item_type": itype,
                }
            )
        )
    cat = pd.concat(rows).sort_values("_order", kind="stable")
    cat = (
        cat[~cat["Name"].duplicated() & ~cat["ProductCode"].duplicated()]
        .head(n)
        .reset_index(drop=True)
    )
    cat["Description"] = cat["Family"] + ": " + cat["Name"]
    return cat.drop(columns="_order")
