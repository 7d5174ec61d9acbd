"""Pure rules of the appraisal stage: proposals, the comment requirement, agencies, working days."""

from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.rules import (
    FIRST_YEAR,
    NO_EVIDENCE,
    SUFFIX_NUMBER,
    add_working_days,
    agency_keywords,
    agency_matches,
    comment_required,
    full_marks_on_scans_only,
    propose,
    working_days_between,
    working_days_left,
)
from criteria.scoring import parse_rule, score_survey, survey_average


def test_letter_suffixed_number_proposes_zero():
    proposal = propose(max_points=D(2), evidence_numbers=[("30/KH-SXD", False), ("30a/KH-SXD", True)],
                       explanation="Mục 1", first_year_full_marks=False, first_year=False)
    assert proposal.code == SUFFIX_NUMBER and proposal.points == 0 and "30a/KH-SXD" in proposal.reason


def test_no_evidence_and_no_explanation_is_not_appraisable():
    proposal = propose(max_points=D(2), evidence_numbers=[], explanation="  ", first_year_full_marks=False,
                       first_year=False)
    assert proposal.code == NO_EVIDENCE and proposal.points == 0
    assert "không đủ điều kiện thẩm định" in proposal.reason


def test_dieu_9_4_d_explanation_alone_needs_no_proposal_in_a_par_index_period():
    assert propose(max_points=D(2), evidence_numbers=[], explanation="Tại Mục 1", first_year_full_marks=False,
                   first_year=False, support_rule="either") is None


@pytest.mark.parametrize("numbers, explanation, lacks", [
    ([], "Tại Mục 1", "tài liệu kiểm chứng"), ([("5/BC-UBND", False)], " ", "giải trình"),
    ([], "", "tài liệu kiểm chứng và giải trình"),
])
def test_dieu_8_2_b_a_grading_period_needs_evidence_and_explanation(numbers, explanation, lacks):
    proposal = propose(max_points=D(2), evidence_numbers=numbers, explanation=explanation,
                       first_year_full_marks=False, first_year=False)
    assert proposal.code == NO_EVIDENCE and proposal.points == 0
    assert proposal.reason == f"Không có {lacks}: không đủ điều kiện thẩm định, chấm 0 điểm."
    assert propose(max_points=D(2), evidence_numbers=[("5/BC-UBND", False)], explanation="Tại Mục 1",
                   first_year_full_marks=False, first_year=False) is None


@pytest.mark.parametrize("appraised, statuses, needed", [
    (D(2), ["unsigned"], True), (D(2), ["unsigned", "modified"], True), (D(2), ["unsigned", "signed_valid"], False),
    (D("1.5"), ["unsigned"], False), (D(2), [], False), (D(2), ["pending"], False), (None, ["unsigned"], False),
    (D(2), ["signed_untrusted"], False),
])
def test_seed_001_full_marks_on_scans_only_needs_a_reason(appraised, statuses, needed):
    assert full_marks_on_scans_only(appraised=appraised, max_points=D(2), signature_statuses=statuses) is needed


def test_first_year_full_marks_wins_over_everything():
    proposal = propose(max_points=D(1), evidence_numbers=[], explanation="", first_year_full_marks=True,
                       first_year=True)
    assert proposal.code == FIRST_YEAR and proposal.points == 1


def test_first_year_rule_off_in_later_years():
    assert propose(max_points=D(1), evidence_numbers=[("5/BC-UBND", False)], explanation="Tại Mục 1",
                   first_year_full_marks=True, first_year=False) is None


@pytest.mark.parametrize("appraised, own, required", [
    (D(2), D(2), False), (D("1.5"), D(2), True), (D(0), None, True), (None, D(1), False), (D("2.00"), D(2), False),
])
def test_comment_is_required_when_appraised_differs(appraised, own, required):
    assert comment_required(appraised=appraised, self_score=own) is required


@pytest.mark.parametrize("member, cell, matches", [
    ("Sở Tài chính", "Sở Tài chính", True),
    ("Sở Tài chính", "Thanh tra tỉnh", False),
    ("Thanh tra tỉnh", "Thanh tra tỉnh", True),
    ("Sở Tư pháp", "Các sở, ngành: Nội vụ; Thông tin và Truyền thông; Tư pháp", True),
    ("Sở Thông tin và Truyền thông", "Các sở, ngành: Nội vụ; Thông tin và Truyền thông; Tư pháp", True),
    ("Sở Nội vụ", "Sở Nội vụ tổng hợp điểm đánh giá của Lãnh đạo UBND tỉnh", True),
    ("Văn phòng UBND tỉnh", "Văn phòng UBND tỉnh", True),
    ("Văn phòng HĐND và UBND huyện", "Văn phòng HDND và UBND huyện", True),
    ("Văn phòng HĐND và UBND huyện", "Phòng Văn hóa và Thông tin", False),
    ("Phòng Tài chính - Kế hoạch", "Phòng Tài chính - Kế hoạch", True),
    ("Sở Nội vụ", "", False),
])
def test_agency_matching(member, cell, matches):
    assert agency_matches(cell, agency_keywords(member)) is matches


def test_working_days_skip_weekends_and_holidays():
    friday = date(2024, 11, 22)
    assert add_working_days(friday, 1) == date(2024, 11, 25)  # Monday
    new_year = {date(2025, 1, 1)}
    assert add_working_days(date(2024, 12, 31), 1, new_year) == date(2025, 1, 2)
    assert working_days_between(friday, date(2024, 11, 29)) == 5
    assert working_days_between(friday, friday) == 0
    # 50 working days from 25/11/2024 with Tết 2025 (27/01 – 31/01) excluded.
    tet = {date(2025, 1, 27) + timedelta(days=i) for i in range(5)}
    assert add_working_days(date(2024, 11, 25), 50, tet) == date(2025, 2, 10)
    assert working_days_left(received=date(2024, 11, 25), today=date(2024, 11, 25), holidays=tet) == 50
    assert working_days_left(received=date(2024, 11, 25), today=date(2025, 2, 11), holidays=tet) == -1


@given(start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)), days=st.integers(0, 120),
       holidays=st.sets(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), max_size=20))
def test_add_and_count_are_inverse(start, days, holidays):
    end = add_working_days(start, days, holidays)
    assert working_days_between(start, end, holidays) == days
    assert end.weekday() < 5 and end not in holidays or days == 0


counts = st.dictionaries(st.integers(1, 5), st.integers(0, 30), min_size=1).filter(lambda c: sum(c.values()) > 0)


@given(counts=counts, max_points=st.sampled_from([D(4), D(2), D("2.5")]))
def test_survey_formula_counts_to_score(counts, max_points):
    score = score_survey(parse_rule({"kind": "survey"}, max_points), max_points, counts).points
    exact = survey_average(counts) * Fraction(max_points) / 5
    assert abs(Fraction(score) - exact) <= Fraction(1, 10**6)
    assert max_points / 5 <= score <= max_points
