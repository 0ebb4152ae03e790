"""The findings contract: columns and order, stable ids, formula neutralisation, whole outputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sfqb_diag.engine as engine
from sfqb_diag.checks import CHECKS, OUTPUTS
from sfqb_diag.checks.base import DataLoaderFile, check, output
from sfqb_diag.config import ClientConfig
from sfqb_diag.dataset import Dataset
from sfqb_diag.errors import SfqbError
from sfqb_diag.findings import CSV_COLUMNS, new_findings
from sfqb_diag.outputs.safe_cells import neutralise, validate_data_loader
from sfqb_diag.outputs.tables import RECORD_COLUMNS
from sfqb_diag.pipeline import CheckOptions, compute, run_check
from sfqb_diag.publish import publishing
from sfqb_diag.words import format_cents

AS_OF = pd.Timestamp("2026-11-20T06:00:00Z")
ACCOUNTS = pd.DataFrame(
    {
        "id": ["001000000000001AAA", "001000000000002AAA"],
        "name": ["=cmd|calc", "Beta"],
        "amount_cents": pd.array([12345, -50], dtype="Int64"),
    }
)


@pytest.fixture
def only_test_checks():
    """Two test checks and one output, given to the engine instead of the real catalogue."""

    @check(
        "test_money",
        area="partial_sync",
        severity="high",
        needs=("accounts",),
        what="w",
        why="y",
        fix="f",
    )
    def money(ctx):
        accounts = ctx.data["accounts"]
        return new_findings(
            sf_object="Account",
            sf_id=accounts["id"],
            title=accounts["name"],
            amount_cents=accounts.get("amount_cents", pd.Series(100, index=accounts.index)),
            currency="USD",
        )

    @check(
        "test_needs_customers",
        area="customers",
        severity="low",
        needs=("customers",),
        what="w",
        why="y",
        fix="f",
    )
    def needs_customers(ctx):  # pragma: no cover - skipped: no customers table
        raise AssertionError("must be skipped")

    @output(
        "remediation/salesforce_test_links.csv",
        area="partial_sync",
        needs=("accounts",),
        description="d",
        kind="data_loader",
    )
    def links(ctx):
        ids = ctx.data["accounts"]["id"]
        return DataLoaderFile(
            update=pd.DataFrame({"Id": ids, "QBO_Customer_Id__c": "1"}),
            rollback=pd.DataFrame({"Id": ids, "QBO_Customer_Id__c": ""}),
        )

    return (money, needs_customers), (links,)


def run(catalogue, accounts: pd.DataFrame = ACCOUNTS) -> engine.RunResult:
    return engine.run_checks(
        Dataset(tables={"accounts": accounts}), ClientConfig(), AS_OF, *catalogue
    )


def test_finding_ids_hash_only_check_and_record_keys(only_test_checks):
    first = run(only_test_checks)
    renamed = ACCOUNTS.assign(name=["Other", "Names"], amount_cents=pd.array([1, 2], dtype="Int64"))
    second = run(only_test_checks, renamed.iloc[::-1].reset_index(drop=True))
    assert set(first.findings["finding_id"]) == set(second.findings["finding_id"])
    assert first.findings["finding_id"].is_unique
    assert first.skipped == [
        {
            "area": "customers",
            "check": "test_needs_customers",
            "missing": "quickbooks/Customer.json",
        }
    ]


def test_a_check_reporting_a_record_twice_is_refused(only_test_checks):
    doubled = pd.concat([ACCOUNTS, ACCOUNTS], ignore_index=True)
    with pytest.raises(SfqbError, match="test_money reported the same record twice"):
        run(only_test_checks, doubled)


def test_findings_csv_columns_order_bom_and_neutralised_cells(only_test_checks, tmp_path):
    raw = tmp_path / "raw"
    (raw / "salesforce").mkdir(parents=True)
    (raw / "salesforce" / "Account.csv").write_text("Id,Name\n001000000000001,=cmd|calc\n")
    result = run_check(
        CheckOptions(raw=raw, out=tmp_path / "out", as_of="2026-11-20"), *only_test_checks
    )
    path = tmp_path / "out" / "findings.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    # The contract's columns in order, then the records as people see them.
    assert list(frame.columns) == [*CSV_COLUMNS, *RECORD_COLUMNS]
    assert frame.loc[0, "title"] == "'=cmd|calc"  # a formula in a name is shown, never run
    assert frame.loc[0, "sf_record"] == "Account =cmd|calc"  # named as people see it
    assert frame.loc[0, "qb_record"] == ""  # no QuickBooks record: left empty
    assert result.summary.as_of == "2026-11-20T00:00:00+00:00"
    # Data Loader files are not prefixed; they come with a rollback file.
    update = pd.read_csv(
        tmp_path / "out" / "remediation" / "salesforce_test_links.csv",
        dtype=str,
        encoding="utf-8-sig",
    )
    assert list(update.columns) == ["Id", "QBO_Customer_Id__c"]
    assert (tmp_path / "out" / "remediation" / "salesforce_test_links.rollback.csv").is_file()


def test_neutralise_prefixes_formulas_but_not_numbers():
    frame = pd.DataFrame({"a": ["=SUM(A1)", "+1+2", "@x", "-12.50", "plain", "-rm -rf", None]})
    assert list(neutralise(frame)["a"].fillna("<NA>")) == [
        "'=SUM(A1)",
        "'+1+2",
        "'@x",
        "-12.50",
        "plain",
        "'-rm -rf",
        "<NA>",
    ]


def test_data_loader_files_are_validated_not_prefixed():
    with pytest.raises(SfqbError, match="would run as a formula"):
        validate_data_loader(
            pd.DataFrame({"Id": ["001000000000001AAA"], "X__c": ["=HYPERLINK()"]}), "f.csv"
        )
    with pytest.raises(SfqbError, match="is not a Salesforce Id"):
        validate_data_loader(pd.DataFrame({"Id": ["nope"], "X__c": ["1"]}), "f.csv")


def test_amounts_are_exact_text():
    assert list(format_cents(pd.Series([12345, -5, 0, None], dtype="Int64"))) == [
        "123.45",
        "-0.05",
        "0.00",
        "",
    ]


def test_publish_is_whole_and_keeps_other_entries(tmp_path):
    out = tmp_path / "out"
    (out / "raw").mkdir(parents=True)
    (out / "findings.csv").write_text("old")
    with pytest.raises(RuntimeError), publishing(out) as folder:
        (folder / "findings.csv").write_text("half")
        raise RuntimeError("crash")
    assert (out / "findings.csv").read_text() == "old"  # a crash leaves the old outputs
    assert not (tmp_path / "out.partial").exists()
    with publishing(out) as folder:
        (folder / "findings.csv").write_text("new")
    assert (out / "findings.csv").read_text() == "new" and (out / "raw").is_dir()


def test_fail_on_exit_code(only_test_checks, tmp_path):
    raw = tmp_path / "raw"
    (raw / "salesforce").mkdir(parents=True)
    (raw / "salesforce" / "Account.csv").write_text("Id,Name\n001000000000001,A\n")
    run_ = compute(CheckOptions(raw=raw, out=tmp_path / "o"), *only_test_checks)
    assert (
        run_.exit_code("high") == 1
        and run_.exit_code("critical") == 0
        and run_.exit_code(None) == 0
    )


def _amount_check(name: str, cents: list[int]):
    @check(
        name, area="partial_sync", severity="high", needs=("accounts",), what="w", why="y", fix="f"
    )
    def find(ctx):
        accounts = ctx.data["accounts"]
        return new_findings(
            sf_object="Account",
            sf_id=accounts["id"],
            title=accounts["name"],
            amount_cents=pd.Series(cents, index=accounts.index, dtype="Int64"),
            currency="USD",
        )

    return find


def test_summary_counts_money_once_per_record(tmp_path):
    """Two checks flag account 1 (123.45 and 500.00 USD) and one flags account 2 (50.00 USD):
    each record counts once, at its largest amount, so the total is 550.00, not 673.45."""
    raw = tmp_path / "raw"
    (raw / "salesforce").mkdir(parents=True)
    (raw / "salesforce" / "Account.csv").write_text(
        "Id,Name\n001000000000001,A\n001000000000002,B\n"
    )
    checks = (_amount_check("first", [12345, 5000]), _amount_check("second", [50000, 0]))
    run = compute(CheckOptions(raw=raw, out=tmp_path / "o", as_of="2026-11-20"), checks, ())
    assert run.summary.findings == 4
    assert run.summary.amount_at_risk == {"USD": "550.00"}
    assert run.summary.amount_at_risk_by_area["partial_sync"] == {"USD": "550.00"}
    assert run.summary.by_area["partial_sync"]["high"] == 4
    text = json.dumps(run.summary.to_dict())  # serialisable, no paths
    assert str(tmp_path) not in text


def test_the_catalogue_lists_every_area_and_unique_names():
    names = [spec.name for spec in CHECKS]
    assert len(names) == len(set(names)) and "test_money" not in names
    assert len({spec.path for spec in OUTPUTS}) == len(OUTPUTS)
    assert {spec.area for spec in CHECKS} == {
        "auth_env",
        "customers",
        "products",
        "partial_sync",
        "sync_jobs",
    }


def test_every_declared_check_output_and_view_is_listed_in_its_catalogue():
    """A spec declared in an area module but missing from catalogue.py would silently never run."""
    import importlib
    import pkgutil

    import sfqb_diag.checks as checks_package
    from sfqb_diag.checks import VIEWS
    from sfqb_diag.checks.base import CheckSpec, OutputSpec, ViewSpec

    listed = {id(spec) for spec in (*CHECKS, *OUTPUTS, *VIEWS)}
    unlisted = []
    for area in pkgutil.iter_modules(checks_package.__path__):
        if not area.ispkg:
            continue
        package = importlib.import_module(f"sfqb_diag.checks.{area.name}")
        for module in pkgutil.iter_modules(package.__path__):
            found = importlib.import_module(f"{package.__name__}.{module.name}")
            for name, value in vars(found).items():
                if isinstance(value, CheckSpec | OutputSpec | ViewSpec) and id(value) not in listed:
                    unlisted.append(f"{found.__name__}.{name}")
    assert not unlisted, f"declared but not listed in a catalogue: {unlisted}"


def test_new_findings_with_nothing_is_no_finding():
    """A finder with nothing to report returns new_findings(): no row, not a blank finding."""
    assert new_findings().empty
    aggregate = new_findings(title="Realm mismatch", severity="critical")
    assert len(aggregate) == 1 and aggregate["sf_id"].isna().all()


def test_a_superseding_check_drops_the_contradicting_finding_on_the_same_record() -> None:
    """A retry's duplicate payment is voided, never applied: its payment_unapplied finding goes;
    the same check's finding on another payment, and other checks on the same payment, stay."""

    def frame(check_name: str, ids: list[str], entity: str = "Payment") -> pd.DataFrame:
        found = new_findings(qb_entity=entity, qb_id=pd.Series(ids, dtype="string"), title="t")
        found["check"] = check_name
        return found

    found = pd.concat(
        [
            frame("duplicate_payment_retry", ["2401"]),
            frame("payment_unapplied", ["2401", "2500"]),
            frame("payment_unapplied", ["2401"], entity="Invoice"),  # another record kind
            frame("payment_wrong_customer", ["2401"]),
        ],
        ignore_index=True,
    )
    specs = [spec for spec in CHECKS if spec.name == "duplicate_payment_retry"]
    kept = engine.superseded(found, specs)
    pairs = set(zip(kept["check"], kept["qb_entity"], kept["qb_id"], strict=True))
    assert ("payment_unapplied", "Payment", "2401") not in pairs
    assert {
        ("duplicate_payment_retry", "Payment", "2401"),
        ("payment_unapplied", "Payment", "2500"),
        ("payment_unapplied", "Invoice", "2401"),
        ("payment_wrong_customer", "Payment", "2401"),
    } <= pairs


def test_every_superseded_check_exists() -> None:
    names = {spec.name for spec in CHECKS}
    superseded = {name for spec in CHECKS for name in spec.supersedes}
    assert superseded and superseded <= names
