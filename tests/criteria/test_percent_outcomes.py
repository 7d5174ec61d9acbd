"""Special outcomes of a percentage rule and outcomes that exclude each other (issue 11, item 3), as pure
functions on the rules transcribed from seed 003 (``fixtures/criteria/dh2024-xa.yaml``)."""

import functools
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from criteria.scoring import (
    ScoringError,
    count_needed,
    derive_level,
    describe_rule,
    input_lines,
    input_text,
    parse_rule,
    score_typed,
)
from criteria.tree import TreeError, specs_from_nested, validate_tree

D = Decimal
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "criteria" / "dh2024-xa.yaml"


@functools.cache
def _fixture() -> dict:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def _node(code: str, nodes=None) -> dict:
    if nodes is None:
        nodes = _fixture()["nodes"]
    for node in nodes:
        if node["code"] == code:
            return node
        found = _node(code, node.get("children") or [])
        if found:
            return found
    return {}


def _rule(code: str):
    node = _node(code)
    return parse_rule(node["rule"], D(node["max_points"])), D(node["max_points"])


# ------------------------------------------------------------------ 7.3: a special outcome instead of the percentage


def test_seed003_7_3_no_recommendation_scores_half_point():
    rule, max_points = _rule("7.3")
    [(index, outcome)] = rule.special_choices
    assert outcome.points == D("0.5") and "không có kiến nghị thanh tra, kiểm toán" in outcome.label
    typed = score_typed(rule, max_points, value="", special=str(index))
    assert typed.points == D("0.5") and typed.percent is None and typed.choice == index
    assert typed.reason.startswith("Trường hợp đặc biệt") and "0,5 điểm" in typed.reason


def test_seed003_7_3_percentage_still_scores_by_the_formula():
    rule, max_points = _rule("7.3")
    assert score_typed(rule, max_points, value="85%", special="").points == D("1.7")
    assert score_typed(rule, max_points, value="79,99", special="").points == 0


def test_seed003_7_3_special_outcome_and_percentage_exclude_each_other():
    rule, max_points = _rule("7.3")
    with pytest.raises(ScoringError) as info:
        score_typed(rule, max_points, value="85", special="0")
    message = str(info.value)
    assert info.value.field == "value"
    assert "không có kiến nghị thanh tra" in message and "“85”" in message and "loại trừ nhau" in message


@pytest.mark.parametrize("special", ["1", "-1", "x", "0.5"])
def test_seed003_7_3_unknown_special_outcome_is_refused_on_its_field(special):
    rule, max_points = _rule("7.3")
    with pytest.raises(ScoringError, match="không có trong danh sách") as info:
        score_typed(rule, max_points, special=special)
    assert info.value.field == "special"


def test_seed003_7_3_the_sheet_lists_the_special_outcome_beside_the_percentage():
    rule, _ = _rule("7.3")
    lines = input_lines(rule, choice=None, percent=D("85.5"), count=None)
    assert [line.checked for line in lines] == [None, False]
    assert lines[0].text.endswith(": 85,5%")
    chosen = input_text(input_lines(rule, choice=0, percent=None, count=None))
    assert "☒ Trường hợp đặc biệt: Trong phạm vi 03 năm" in chosen and "= 0,5 điểm" in chosen
    assert any("thay cho tỷ lệ %" in line for line in describe_rule(rule, D(2)))


# ------------------------------------------------------------------ factor of the formula


def test_seed003_every_percent_formula_multiplies_by_the_leafs_maximum():
    """The seeds never write a factor other than the maximum: the import refuses one (transcription error)."""
    data = _fixture()
    found = []

    def walk(nodes):
        for node in nodes:
            rule = node.get("rule") or {}
            if rule.get("kind") == "percent":
                found.append(node["code"])
                assert D(rule["factor"]) == D(node["max_points"]), node["code"]
            walk(node.get("children") or [])

    walk(data["nodes"])
    assert found == ["5.5.1", "5.5.4.6", "6.2", "7.2", "7.3", "X"]


def test_seed003_6_2_factor_other_than_the_maximum_is_refused_at_import():
    with pytest.raises(ScoringError, match=r"Hệ số điểm trong công thức \(2\) khác điểm tối đa của tiêu chí \(5\)"):
        parse_rule({"kind": "percent", "threshold": "80", "factor": "2"}, D(5))
    specs = specs_from_nested([{"code": "ND1", "kind": "content", "title": "Nội dung", "max_points": "5", "children": [
        {"code": "VI", "kind": "section", "title": "Lĩnh vực", "max_points": "5", "children": [
            {"code": "6.2", "kind": "criterion", "title": "Kết quả thực hiện kế hoạch", "max_points": "5",
             "rule": {"kind": "percent", "threshold": "80", "factor": "2"}}]}]}])
    with pytest.raises(TreeError) as info:
        validate_tree(specs, D(5))
    assert any("6.2" in str(p) and "Hệ số điểm" in str(p) for p in info.value.problems)


# ------------------------------------------------------------------ 5.5.3.4: the count of overdue files decides


def test_seed003_5_5_3_4_is_transcribed_with_the_count_of_overdue_files():
    rule, _ = _rule("5.5.3.4")
    assert [o.points for o in rule.levels] == [D(0), D(1), D("0.5"), D(0)]
    assert rule.count.label == "Số hồ sơ quá hạn"
    assert [(b.at_least, b.level) for b in rule.count.bands] == [(2, 3), (1, 2)]
    assert [i for i, _ in rule.choices] == [0, 1]  # levels 3 and 4 follow from the count


@pytest.mark.parametrize("choice, count, points, level", [
    ("1", "0", D(1), 1),      # từ 99% trở lên, no overdue file: 1
    ("1", "1", D("0.5"), 2),  # one overdue file: "Có hồ sơ quá hạn" 0,5
    ("1", "2", D(0), 3),      # "từ 02 hồ sơ quá hạn trở lên không chấm điểm"
    ("1", "15", D(0), 3),
    ("0", "1", D(0), 0),      # below 99 %: 0 whatever the count
    ("0", "", D(0), 0),       # … so the count is not needed
])
def test_seed003_5_5_3_4_two_or_more_overdue_files_score_zero(choice, count, points, level):
    rule, max_points = _rule("5.5.3.4")
    typed = score_typed(rule, max_points, value=choice, count=count)
    assert typed.points == points and typed.choice == int(choice)
    assert typed.count == (int(count) if count else None)
    assert derive_level(rule, int(choice), typed.count) == level
    assert rule.levels[level].label in typed.reason


def test_seed003_5_5_3_4_from_99_percent_up_needs_the_count():
    rule, max_points = _rule("5.5.3.4")
    assert count_needed(rule, 1) and not count_needed(rule, 0)
    with pytest.raises(ScoringError, match="Hãy nhập số hồ sơ quá hạn") as info:
        score_typed(rule, max_points, value="1")
    assert info.value.field == "count"


@pytest.mark.parametrize("count, message", [("-1", "số nguyên không âm"), ("1,5", "số nguyên không âm"),
                                            ("hai", "số nguyên không âm"), ("9999999999", "quá lớn")])
def test_seed003_5_5_3_4_bad_count_is_refused_on_its_field(count, message):
    rule, max_points = _rule("5.5.3.4")
    with pytest.raises(ScoringError, match=message) as info:
        score_typed(rule, max_points, value="1", count=count)
    assert info.value.field == "count"


@pytest.mark.parametrize("choice", ["2", "3"])
def test_seed003_5_5_3_4_derived_levels_are_not_chosen_directly(choice):
    rule, max_points = _rule("5.5.3.4")
    with pytest.raises(ScoringError, match="được xác định từ số hồ sơ quá hạn") as info:
        score_typed(rule, max_points, value=choice, count="0")
    assert info.value.field == "value"


@given(choice=st.sampled_from([0, 1]), fewer=st.integers(0, 50), more=st.integers(0, 50))
def test_seed003_5_5_3_4_more_overdue_files_never_score_more(choice, fewer, more):
    rule, max_points = _rule("5.5.3.4")
    low, high = sorted([fewer, more])
    a = score_typed(rule, max_points, value=str(choice), count=str(low)).points
    b = score_typed(rule, max_points, value=str(choice), count=str(high)).points
    assert b <= a
    # and reaching 99 % never scores less than staying below it
    below = score_typed(rule, max_points, value="0", count=str(low)).points
    assert score_typed(rule, max_points, value="1", count=str(low)).points >= below


def test_count_and_precedence_are_refused_when_they_do_not_fit_the_levels():
    levels = [{"label": "Đạt", "points": "1"}, {"label": "Có hồ sơ quá hạn", "points": "0.5"}]
    count = {"label": "Số hồ sơ quá hạn", "outcomes": [{"at_least": 1, "level": 2}]}
    ok = parse_rule({"kind": "levels", "levels": levels, "count": count, "precedence": [2, 1]}, D(1))
    assert ok.precedence == (1, 0)
    for bad, message in [
        ({"count": count}, "thứ tự ưu tiên"),
        ({"count": count, "precedence": [1, 1]}, "đúng một lần"),
        ({"precedence": [1, 2]}, "chỉ dùng cùng với số lượng"),
        ({"count": {**count, "outcomes": [{"at_least": 1, "level": 3}]}, "precedence": [1, 2]}, "không có mức 3"),
        ({"count": {**count, "outcomes": [{"at_least": 0, "level": 2}]}, "precedence": [1, 2]}, "từ 1 trở lên"),
        ({"count": {"label": "", "outcomes": []}, "precedence": [1, 2]}, "nhãn"),
        ({"count": {**count, "outcomes": [{"at_least": 1, "level": 1}, {"at_least": 2, "level": 2}]},
          "precedence": [1, 2]}, "ít nhất một mức để chọn"),
    ]:
        with pytest.raises(ScoringError, match=message):
            parse_rule({"kind": "levels", "levels": levels, **bad}, D(1))
    with pytest.raises(ScoringError, match="Chỉ cách chấm theo mức"):
        parse_rule({"kind": "percent", "threshold": "80", "count": count, "precedence": [1]}, D(1))
