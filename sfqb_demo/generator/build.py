"""Put the demo together: the clean business, then a variant or the defects and look-alikes,
then derived fields, then the files and truth.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from sfqb_demo.generator import (
    business,
    finalize,
    invoicing,
    ledger,
    rollups,
    settings,
    synclog,
    writer,
)
from sfqb_demo.generator.report import truth_document
from sfqb_demo.generator.sfids import IdFactory
from sfqb_demo.generator.truth import Truth
from sfqb_demo.generator.world import World

VARIANTS = ("clean", "env_mismatch", "realm_mismatch")


def build_world(size: int = 2000, seed: int = 7, variant: str = "clean") -> World:
    """The whole demo in memory (no files): business, defects or variant, derived fields, log."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown demo variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    if size < 50:
        raise ValueError("the demo needs at least 50 accounts to hold every defect kind")
    rng = np.random.default_rng([seed, size])
    w = World(rng=rng, size=size, seed=seed, variant=variant, ids=IdFactory(rng), truth=Truth())
    business.build_accounts(w)
    business.build_products(w)
    business.build_opportunities(w)
    ledger.build_items(w)
    invoiced = ledger.build_customers(w)
    invoicing.build_invoices(w, invoiced)
    invoicing.manual_lines(w)
    w.qb["inv_lines"]["is_group"] = False
    w.qb["inv_lines"]["gkey"] = 0
    invoicing.build_payments(w)
    invoicing.build_credit_memos(w)
    invoicing.build_people(w)
    settings.qbo_settings(w)
    w.manifest = settings.manifest(w, {})
    _inject(w)
    if variant == "clean":
        rollups.misplace(w)  # before finalize: QBO balances follow the moved invoices
    finalize.finalize(w)
    rollups.write_back(w)  # the connector's nightly recalculation, from the final QBO state
    if variant == "clean":
        rollups.inject(w)
    synclog.base_log(w)
    w.truth.log_counts = synclog.error_counts(w)
    w.manifest["counts"] = _counts(w)
    return w


def _inject(w: World) -> None:
    """Defects and look-alikes (clean variant), or the variant's one aggregate problem."""
    from sfqb_demo.generator import defects

    defects.inject(w)


def _counts(w: World) -> dict[str, int]:
    sf = {
        "Account": "accounts",
        "Contact": "contacts",
        "Product2": "products",
        "Pricebook2": "pricebooks",
        "PricebookEntry": "pbes",
        "Opportunity": "opps",
        "OpportunityLineItem": "lines",
    }
    qb = {
        "Customer": "customers",
        "Item": "items",
        "Invoice": "invoices",
        "Payment": "payments",
        "CreditMemo": "credit_memos",
        "Vendor": "vendors",
        "Employee": "employees",
    }
    out = {obj: len(w.sf[t]) for obj, t in sf.items()}
    for ent, t in qb.items():
        frame = w.qb[t]
        out[ent] = int((~frame["_deleted"]).sum()) if "_deleted" in frame else len(frame)
    return out


def truth_text(doc: dict) -> str:
    """truth.json text: one top-level key per line, one defect or look-alike per line (readable
    in a diff), the long Id lists compact (C-speed encoding even at 100k accounts)."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    parts = []
    for key, value in doc.items():
        if key in ("defects", "lookalikes"):
            body = ",\n  ".join(dump(v) for v in value)
            parts.append(f'"{key}": [\n  {body}\n ]')
        else:
            parts.append(f"{dump(key)}: {dump(value)}")
    return "{\n " + ",\n ".join(parts) + "\n}\n"


def generate_demo(
    out_dir: str | Path, size: int = 2000, seed: int = 7, variant: str = "clean"
) -> Path:
    """Write out_dir/raw/ (the raw folder) and out_dir/truth.json; return the raw folder's path.

    Same size, seed and variant give byte-identical files. The raw folder is written whole:
    built as raw.partial/ and renamed, replacing an earlier demo.
    """
    out = Path(out_dir)
    w = build_world(size, seed, variant)
    out.mkdir(parents=True, exist_ok=True)
    raw, partial = out / "raw", out / "raw.partial"
    shutil.rmtree(partial, ignore_errors=True)
    writer.write_raw(w, partial)
    shutil.rmtree(raw, ignore_errors=True)
    partial.rename(raw)
    (out / "truth.json").write_text(truth_text(truth_document(w)), encoding="utf-8")
    # The demo client's config: the connector's rollup fields (everything else is the default).
    (out / "client.yaml").write_text(rollups.CONFIG, encoding="utf-8")
    return raw
