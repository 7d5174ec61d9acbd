"""Percentages as people type them (issue 11, item 4): ``parse_percent`` and the precision kept by a percent
rule. Pure functions, with hypothesis properties."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from criteria.scoring import (
    PERCENT_PLACES,
    ScoringError,
    fmt,
    parse_percent,
    parse_rule,
    percent_places,
    score_percent,
    score_typed,
)

D = Decimal
# Seed 003, 6.2: "Hoàn thành dưới 80% kế hoạch = 0 điểm; … (Tỷ lệ % thực hiện kế hoạch x 5 điểm)/100".
RULE_6_2 = {"kind": "percent", "threshold": "80", "measure": "Tỷ lệ % thực hiện kế hoạch", "factor": "5",
            "below_label": "Hoàn thành dưới 80% kế hoạch"}


@pytest.mark.parametrize("raw, expected", [
    ("100%", D(100)), ("85 %", D(85)), ("85,5%", D("85.5")), ("85.5", D("85.5")), (" 85,5 % ", D("85.5")),
    ("85\u00a0%", D(85)), ("85\u202f%", D(85)), ("0%", D(0)), ("79,996", D("79.996")), ("99,9999 %", D("99.9999")),
    ("85,50", D("85.5")), (D("85.5"), D("85.5")), (85, D(85)), ("-0", D(0)),
])
def test_seed000_typed_percentages_with_a_percent_sign_spaces_and_a_comma_are_read(raw, expected):
    assert parse_percent(raw, field_label="Tỷ lệ %") == expected


@pytest.mark.parametrize("raw, message", [
    ("", "không được để trống"), ("  %", "không được để trống"), (None, "không được để trống"),
    ("8 5", "không phải là một tỷ lệ phần trăm hợp lệ"), ("85%%", "không phải là một tỷ lệ phần trăm hợp lệ"),
    ("%85", "không phải là một tỷ lệ phần trăm hợp lệ"), ("85,5,1", "không phải là một tỷ lệ phần trăm hợp lệ"),
    ("abc", "không phải là một tỷ lệ phần trăm hợp lệ"), ("NaN", "không phải là một tỷ lệ phần trăm hợp lệ"),
    ("1e2", "không phải là một tỷ lệ phần trăm hợp lệ"), ("1_0", "không phải là một tỷ lệ phần trăm hợp lệ"),
    ("85 ,5", "không phải là một tỷ lệ phần trăm hợp lệ"), ("85‰", "không phải là một tỷ lệ phần trăm hợp lệ"),
    ("100,01", "phải nằm trong khoảng 0 đến 100%"), ("-1%", "phải nằm trong khoảng 0 đến 100%"),
    ("79,99961", "có 5 chữ số thập phân; chỉ ghi được tối đa 4"),
])
def test_seed000_bad_percentages_are_refused_with_a_vietnamese_message(raw, message):
    with pytest.raises(ScoringError, match=message) as info:
        parse_percent(raw, field_label="Tỷ lệ thực hiện")
    assert str(info.value).startswith("Tỷ lệ thực hiện")


def test_seed003_6_2_percentage_79_996_does_not_cross_the_80_threshold():
    rule = parse_rule(RULE_6_2, D(5))
    score = score_percent(rule, D(5), "79,996")
    assert score.points == 0 and "79,996%" in score.reason and "dưới ngưỡng 80%" in score.reason
    assert score_percent(rule, D(5), "80%").points == D(4)


def test_seed003_6_2_typed_percent_sign_scores_like_the_number():
    rule = parse_rule(RULE_6_2, D(5))
    assert score_percent(rule, D(5), "100%").points == D(5)
    assert score_percent(rule, D(5), "85 %").points == D("4.25")
    assert score_percent(rule, D(5), "85,5%").points == D("4.275")


def test_seed003_5_5_4_6_more_places_than_an_exact_score_allows_are_refused_not_rounded():
    # 5.5.4.6 is worth 1,5: pct × 1,5 / 100 is exact at 6 places for a percentage of at most 3 places.
    rule = parse_rule({"kind": "percent", "threshold": "90", "factor": "1.5"}, D("1.5"))
    assert percent_places(D("1.5")) == 3 and percent_places(D(5)) == 4 and percent_places(D("0.25")) == 2
    assert score_percent(rule, D("1.5"), "90,125").points == D("1.351875")
    with pytest.raises(ScoringError, match="chỉ ghi được tối đa 3 chữ số thập phân"):
        score_percent(rule, D("1.5"), "90,1255")


percentages = st.decimals(min_value=0, max_value=100, places=PERCENT_PLACES, allow_nan=False, allow_infinity=False)


@given(pct=percentages, comma=st.booleans(), sign=st.sampled_from(["", "%", " %", "\u00a0%"]),
       pad=st.sampled_from(["", " ", "  "]))
def test_parse_percent_round_trips_what_fmt_writes(pct, comma, sign, pad):
    text = fmt(pct) if comma else fmt(pct).replace(",", ".")
    assert parse_percent(f"{pad}{text}{sign}{pad}", field_label="Tỷ lệ %") == pct


@given(threshold=st.sampled_from([D(70), D(80), D(90), D(99)]),
       below=st.decimals(min_value=D("0.0001"), max_value=D(70), places=PERCENT_PLACES),
       max_points=st.sampled_from([D(1), D(2), D(5)]))
def test_seed003_a_percentage_below_the_threshold_by_any_amount_scores_zero(threshold, below, max_points):
    rule = parse_rule({"kind": "percent", "threshold": str(threshold)}, max_points)
    pct = threshold - below
    if pct < 0:
        return
    assert score_percent(rule, max_points, f"{fmt(pct)}%").points == 0


@given(pct=percentages, max_points=st.sampled_from([D(1), D(2), D(5)]))
def test_seed003_percent_score_is_exact_for_every_precision_kept(pct, max_points):
    rule = parse_rule({"kind": "percent", "threshold": "80"}, max_points)
    typed = score_typed(rule, max_points, value=fmt(pct))
    assert typed.percent == pct
    assert typed.points == (pct * max_points / 100 if pct >= 80 else 0)
