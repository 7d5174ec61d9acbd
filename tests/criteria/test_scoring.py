"""The scoring rules of a leaf: pure functions, tested directly and with hypothesis properties."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from criteria.scoring import (
    ScoringError,
    describe_rule,
    fmt,
    parse_decimal,
    parse_rule,
    score_compare_previous,
    score_first_year,
    score_manual,
    score_outcome,
    score_percent,
    score_survey,
    survey_average,
)

D = Decimal
LEVELS = {
    "kind": "levels",
    "levels": [
        {"label": "100% đơn thư được giải quyết kịp thời, đúng hạn", "points": "1"},
        {"label": "Có đơn thư quá hạn", "points": "0.5"},
        {"label": "Có đơn thư không được giải quyết", "points": "0"},
    ],
    "special": [{"label": "Trong năm không có đơn, thư khiếu nại, tố cáo", "points": "1"}],
}
PERCENT = {"kind": "percent", "threshold": "80", "measure": "Tỷ lệ % thực hiện kế hoạch", "factor": "5",
           "below_label": "Hoàn thành dưới 80% kế hoạch"}


# ------------------------------------------------------------------ parsing numbers


@pytest.mark.parametrize("raw, expected", [
    ("1,5", D("1.5")), ("1.5", D("1.5")), (" 0,25 ", D("0.25")), (1.5, D("1.5")), (0.1, D("0.1")),
    (3, D(3)), (D("2.00"), D("2.00")), ("1\u00a0,5".replace("\u00a0", ""), D("1.5")),
])
def test_parse_decimal_accepts_comma_and_dot(raw, expected):
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["", "  ", "abc", "1,2,3", "1.2.3", "1,2.3", "NaN", "inf", None, True])
def test_parse_decimal_rejects_with_vietnamese_message(raw):
    with pytest.raises(ScoringError) as exc:
        parse_decimal(raw, field_label="Điểm")
    assert "Điểm" in str(exc.value)


def test_fmt_uses_decimal_comma():
    assert fmt(D("1.5")) == "1,5"
    assert fmt(D("20.00")) == "20"
    assert fmt(D("0.25")) == "0,25"
    assert fmt(D("87.125"), 2) == "87,13"
    assert fmt(D("0")) == "0"


# ------------------------------------------------------------------ levels


def test_levels_scores_the_chosen_outcome_with_its_wording():
    rule = parse_rule(LEVELS, D(1))
    score = score_outcome(rule, 1)
    assert score.points == D("0.5")
    assert "Có đơn thư quá hạn" in score.reason and "0,5" in score.reason


def test_special_outcome_from_the_notes_is_selectable_after_the_levels():
    rule = parse_rule(LEVELS, D(1))
    score = score_outcome(rule, 3)
    assert score.points == D(1)
    assert score.reason.startswith("Trường hợp đặc biệt")


@pytest.mark.parametrize("index", [-1, 4, "1", None, True])
def test_levels_reject_an_unknown_outcome(index):
    with pytest.raises(ScoringError, match="không có trong danh sách"):
        score_outcome(parse_rule(LEVELS, D(1)), index)


def test_level_above_the_maximum_is_refused_when_parsing():
    with pytest.raises(ScoringError, match="vượt quá điểm tối đa"):
        parse_rule({"kind": "levels", "levels": [{"label": "Đạt", "points": "2"}]}, D(1))


# ------------------------------------------------------------------ percent above a threshold


def test_percent_below_threshold_is_zero_with_reason():
    score = score_percent(parse_rule(PERCENT, D(5)), D(5), "79,99")
    assert score.points == 0
    assert "dưới ngưỡng 80%" in score.reason


def test_percent_at_threshold_counts():
    assert score_percent(parse_rule(PERCENT, D(5)), D(5), "80").points == D(4)


def test_percent_is_exact():
    score = score_percent(parse_rule({**PERCENT, "factor": "1.5"}, D("1.5")), D("1.5"), "87,55")
    assert score.points == D("1.31325")
    assert "87,55 × 1,5 / 100 = 1,31325" in score.reason


@pytest.mark.parametrize("pct", ["-1", "100,01", "120", "1,23456", "abc"])
def test_percent_rejects_out_of_range_or_too_precise(pct):
    with pytest.raises(ScoringError):
        score_percent(parse_rule(PERCENT, D(5)), D(5), pct)


percentages = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
maxima = st.sampled_from([D("0.25"), D("0.5"), D(1), D("1.5"), D(2), D(3), D(5), D(12)])
thresholds = st.sampled_from([D(70), D(80), D(85), D(90), D(99)])


@given(pct=percentages, max_points=maxima, threshold=thresholds)
def test_percent_never_above_max_never_negative_and_exact(pct, max_points, threshold):
    rule = parse_rule({"kind": "percent", "threshold": str(threshold)}, max_points)
    points = score_percent(rule, max_points, pct).points
    assert D(0) <= points <= max_points
    expected = Fraction(pct) * Fraction(max_points) / 100 if pct >= threshold else Fraction(0)
    assert Fraction(points) == expected  # exact: no float anywhere


@given(a=percentages, b=percentages, max_points=maxima, threshold=thresholds)
def test_percent_is_monotone_above_the_threshold(a, b, max_points, threshold):
    rule = parse_rule({"kind": "percent", "threshold": str(threshold)}, max_points)
    low, high = sorted([a, b])
    assert score_percent(rule, max_points, low).points <= score_percent(rule, max_points, high).points


# ------------------------------------------------------------------ survey (XHH)


def test_survey_formula_follows_domain_interpretation():
    # 3 leaders: answers 5, 4, 4 → avg 13/3; worth 4 → 13/3 × 4/5 = 52/15 = 3.4666...
    rule = parse_rule({"kind": "survey", "scale": 5}, D(4))
    score = score_survey(rule, D(4), {5: 1, 4: 2})
    assert score.points == D("3.466667")
    assert "3 phiếu" in score.reason and "4,33" in score.reason


def test_survey_all_top_answers_gives_full_marks():
    rule = parse_rule({"kind": "survey"}, D(4))
    assert score_survey(rule, D(4), {5: 7}).points == D(4)


@pytest.mark.parametrize("counts", [{}, {1: 0, 5: 0}, {6: 1}, {0: 1}, {3: -1}, {3: 1.5}])
def test_survey_rejects_empty_or_bad_counts(counts):
    with pytest.raises(ScoringError):
        score_survey(parse_rule({"kind": "survey"}, D(4)), D(4), counts)


counts_strategy = st.dictionaries(st.integers(1, 5), st.integers(0, 40), min_size=1).filter(
    lambda c: sum(c.values()) > 0
)


@given(counts=counts_strategy, max_points=maxima)
def test_survey_within_bounds_and_matches_exact_formula(counts, max_points):
    rule = parse_rule({"kind": "survey"}, max_points)
    points = score_survey(rule, max_points, counts).points
    assert max_points / 5 <= points <= max_points
    exact = survey_average(counts) * Fraction(max_points) / 5
    assert abs(Fraction(points) - exact) <= Fraction(1, 2 * 10**6)


# ------------------------------------------------------------------ manual


@pytest.mark.parametrize("raw, expected", [("1,5", D("1.5")), ("0", D(0)), ("2", D(2)), ("1.25", D("1.25"))])
def test_manual_accepts_values_up_to_max(raw, expected):
    assert score_manual(D(2), raw).points == expected


@pytest.mark.parametrize("raw, message", [
    ("2,01", "vượt quá điểm tối đa"), ("-0,5", "không được âm"), ("1,255", "tối đa 2 chữ số"), ("", "để trống"),
])
def test_manual_refuses_with_clear_message(raw, message):
    with pytest.raises(ScoringError, match=message):
        score_manual(D(2), raw)


@given(value=st.decimals(min_value=-10, max_value=10, places=2), max_points=maxima)
def test_manual_never_returns_out_of_range(value, max_points):
    try:
        points = score_manual(max_points, value).points
    except ScoringError:
        assert value < 0 or value > max_points
    else:
        assert D(0) <= points <= max_points and points == value


# ------------------------------------------------------------------ special options


def test_first_year_full_marks():
    rule = parse_rule({"kind": "levels", "levels": [{"label": "Có báo cáo", "points": "1"},
                                                    {"label": "Không có", "points": "0"}],
                       "first_year_full_marks": True}, D(1))
    assert score_first_year(rule, D(1)).points == D(1)
    with pytest.raises(ScoringError):
        score_first_year(parse_rule(PERCENT, D(5)), D(5))


@pytest.mark.parametrize("kind, current, previous, expected", [
    ("rank", 3, 5, D(1)), ("rank", 5, 5, D("0.5")), ("rank", 7, 5, D(0)),
    ("score", D("85.5"), D("80"), D(1)), ("score", D(80), D(80), D("0.5")), ("score", D(79), D(80), D(0)),
])
def test_compare_with_previous_year(kind, current, previous, expected):
    rule = parse_rule({"kind": "levels", "compare_previous": kind, "compare_index": "rank_only", "levels": [
        {"label": "Cao hơn năm trước", "points": "1"}, {"label": "Bằng năm trước", "points": "0.5"},
        {"label": "Thấp hơn năm trước", "points": "0"}]}, D(1))
    assert score_compare_previous(rule, current=D(current), previous=D(previous)).points == expected


@pytest.mark.parametrize("rule, message", [
    (None, "phải có cách chấm"),
    ({"kind": "xhh"}, "không hợp lệ"),
    ({"kind": "levels"}, "ít nhất một mức"),
    ({"kind": "percent"}, "ngưỡng"),
    ({"kind": "percent", "threshold": "120"}, "0 đến 100"),
    ({"kind": "manual", "colour": "red"}, "không được hỗ trợ"),
    ({"kind": "survey", "scale": 1}, "Thang điểm"),
    ({"kind": "levels", "levels": [{"label": "", "points": "1"}]}, "không được để trống"),
])
def test_bad_rules_are_refused(rule, message):
    with pytest.raises(ScoringError, match=message):
        parse_rule(rule, D(1))


def test_seed_003_8_3_a_comparison_names_the_index_it_compares_with():
    levels = [{"label": "Cao hơn", "points": "1"}, {"label": "Bằng", "points": "0.5"},
              {"label": "Thấp hơn", "points": "0"}]
    with pytest.raises(ScoringError, match="compare_index"):
        parse_rule({"kind": "levels", "compare_previous": "rank", "levels": levels}, D(1))
    with pytest.raises(ScoringError, match="compare_index"):
        parse_rule({"kind": "levels", "compare_previous": "rank", "compare_index": "sipas", "levels": levels}, D(1))
    with pytest.raises(ScoringError, match="chỉ dùng cùng compare_previous"):
        parse_rule({"kind": "levels", "compare_index": "rank_only", "levels": levels}, D(1))
    rule = parse_rule({"kind": "levels", "compare_previous": "rank", "compare_index": "rank_only", "levels": levels},
                      D(1))
    assert rule.compare_index == "rank_only"
    assert "Tính từ thứ hạng Chỉ số CCHC (kỳ chỉ xếp hạng) so với năm trước." in describe_rule(rule, D(1))
