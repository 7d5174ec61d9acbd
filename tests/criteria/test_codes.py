"""The natural order of node codes (criteria.codes), over every code of the five frameworks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from criteria.codes import code_key, roman_value
from criteria.models import Framework, Node

FRAMEWORKS = ["tn2024-so", "tn2024-huyen", "tn2024-dvsn", "tn2024-hoi", "dh2024-xa"]


@pytest.mark.django_db
@pytest.mark.parametrize("code", FRAMEWORKS)
def test_code_order_is_document_order(code):
    """Sections (Roman), criteria and sub-criteria (Arabic) sorted by code_key come out in the order the
    document lists them; the content groups sort among themselves."""
    nodes = list(Node.objects.filter(framework=Framework.objects.get(code=code)).order_by("ordering"))
    assert len(nodes) > 40
    numbered = [n.code for n in nodes if n.kind != "content"]
    assert sorted(numbered, key=code_key) == numbered
    groups = [n.code for n in nodes if n.kind == "content"]
    assert sorted(groups, key=code_key) == groups
    every = [n.code for n in nodes]
    assert len({code_key(c) for c in every}) == len(every)  # no two codes collide
    sorted(every, key=code_key)  # mixing every kind of code never compares str with int


def test_mixed_leaves_of_a_council_member():
    """The Sở Nội vụ member's leaves mix criteria and sections without sub-criteria (HTTP 500 before)."""
    assert sorted(["X", "IX", "2.4", "1.1", "3.10", "3.2", "2.4.1"], key=code_key) == [
        "1.1", "2.4", "2.4.1", "3.2", "3.10", "IX", "X"]


def test_roman_values():
    assert [roman_value(s) for s in ["I", "IV", "IX", "X", "XIV", "XL"]] == [1, 4, 9, 10, 14, 40]
    assert roman_value("ND1") is None and roman_value("") is None and roman_value("IIII") is None


@given(st.lists(st.text(alphabet="0123456789.IVXNDabc", max_size=8), max_size=20))
def test_any_codes_sort_without_error(codes):
    first = sorted(codes, key=code_key)
    assert sorted(first, key=code_key) == first
