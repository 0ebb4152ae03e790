"""Salesforce Id conversion: the documented suffix algorithm, vectorised and scalar agree."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfqb_diag.ids import checksum_suffix, is_valid_18, series_to_18, to_18

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def test_known_id_from_salesforce_docs():
    # 001A0000006Vm9r -> 001A0000006Vm9rIAC: chunk 1 has 'A' at position 3 (bit 3 -> 'I'), chunk 2
    # 'V' at position 1 (-> 'A'... ) computed by hand from the documented algorithm.
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9r" + checksum_suffix("001A0000006Vm9r")
    assert checksum_suffix("00000000000000a") == "AAA"
    assert checksum_suffix("A0000B0000C0000") == "BBB"
    assert checksum_suffix("AAAAAAAAAAAAAAA") == "555"


def test_to_18_rejects_wrong_suffix_and_garbage():
    with pytest.raises(ValueError, match="suffix"):
        to_18("001000000000001ZZZ")
    with pytest.raises(ValueError, match="not a 15"):
        to_18("hello")
    assert to_18("  ") is None


@given(st.text(alphabet=ALNUM, min_size=15, max_size=15))
def test_vectorised_matches_scalar_and_round_trips(id15):
    id18 = to_18(id15)
    assert is_valid_18(id18)
    assert to_18(id18) == id18
    converted, bad = series_to_18(pd.Series([id15, id18, "", None, "not-an-id"]))
    assert list(converted[:2]) == [id18, id18]
    assert converted[2:].isna().all()
    assert list(bad) == [False, False, False, False, True]


@given(
    st.text(alphabet=ALNUM, min_size=15, max_size=15),
    st.text(alphabet=ALNUM, min_size=15, max_size=15),
)
def test_case_differences_give_different_18_char_ids(a, b):
    # Two 15-char Ids that differ only by case collide once case is lost; their 18-char forms do not.
    if a != b and a.lower() == b.lower():
        assert to_18(a).lower() != to_18(b).lower()
