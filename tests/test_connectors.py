"""`init --connector`: each preset writes a client.yaml that loads with that connector's fields."""

from __future__ import annotations

import pytest

from sfqb_diag.cli.app import main
from sfqb_diag.cli.init import init_client
from sfqb_diag.config import Links, load_config
from sfqb_diag.connectors import CONNECTORS

GENERIC = Links()


def test_qime_preset_fills_its_account_and_product_link_fields(tmp_path):
    folder = init_client("acme", tmp_path, "qime")
    config = load_config(folder / "client.yaml")
    assert config.links.account_customer_id == "Account.qime__QB_ID__c"
    assert config.links.product_item_id == "Product2.qime__QB_Id__c"
    # no source names its Opportunity field: the generic one stays, and the file says why
    assert config.links.opportunity_invoice_id == GENERIC.opportunity_invoice_id
    text = (folder / "client.yaml").read_text(encoding="utf-8")
    assert "namespace qime" in text and "docs/connectors.md" in text


def test_breadwinner_preset_keeps_generic_links_and_fills_rollups(tmp_path):
    config = load_config(init_client("acme", tmp_path, "BreadWinner") / "client.yaml")
    assert config.links == GENERIC  # it links through its own object, not an Account field
    assert config.rollups.account_amount_paid == "Account.Bread_Winner__Total_Amount_Paid__c"


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_every_preset_writes_a_client_yaml_that_loads_with_its_fields(tmp_path, name):
    config = load_config(init_client("c", tmp_path, name) / "client.yaml")
    for role, where in CONNECTORS[name].links.items():
        assert getattr(config.links, role) == where
    for role, where in CONNECTORS[name].rollups.items():
        assert getattr(config.rollups, role) == where
    if not CONNECTORS[name].links:
        assert config.links == GENERIC


def test_an_unknown_connector_exits_2_listing_the_known_ones(tmp_path, capsys):
    assert main(["init", "acme", "--dir", str(tmp_path), "--connector", "madeup"]) == 2
    err = capsys.readouterr().err
    assert "madeup" in err and all(name in err for name in CONNECTORS)
    assert not (tmp_path / "clients" / "acme").exists()
