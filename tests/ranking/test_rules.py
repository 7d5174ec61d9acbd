"""Điều 6–7 rules (ranking/rules.py): pure functions, tested directly and with hypothesis properties."""

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from criteria.dieu7 import (
    GRADES,
    HTNV,
    HTTNV,
    HTXSNV,
    KEM,
    KHTNV,
    LEVELS,
    TOT,
    TRUNG_BINH,
    XUAT_SAC,
    Criterion,
    Qualification,
    RankingError,
    RankingSettings,
    Unit,
    excellent_cap,
    missed_conditions,
    qualify,
    quality_level,
    rank_units,
    ranking_key,
    round_half_up,
)
from tests.hypothesis_profiles import examples

D = Decimal
XS_PREFIX = "Chưa đạt Hoàn thành xuất sắc nhiệm vụ: "
TT_PREFIX = "Chưa đạt Hoàn thành tốt nhiệm vụ: "
HT_PREFIX = "Chưa đạt Hoàn thành nhiệm vụ: "

CRITERIA = (
    Criterion("1.1", "ND1", XUAT_SAC),
    Criterion("3.2", "ND1", XUAT_SAC),
    Criterion("7.1", "ND2", XUAT_SAC),
    Criterion("7.2", "ND2", XUAT_SAC),
    Criterion("9", "ND3", XUAT_SAC),
)


def unit(uid="A", total="95", block="hoi", *, levels=None, **kwargs) -> Unit:
    """A unit meeting every HTXSNV condition unless told otherwise; ``levels`` overrides criteria levels."""
    levels = levels or {}
    criteria = tuple(Criterion(c.code, c.group, levels.get(c.code, c.level)) for c in CRITERIA)
    kwargs.setdefault("outstanding", True)
    return Unit(id=uid, block=block, total=D(total), criteria=criteria, **kwargs)


def by_id(ranking):
    return {r.id: r for r in ranking.units}


# ------------------------------------------------------------------ numbers and quality level


@pytest.mark.parametrize("value, places, expected", [
    ("87.125", 2, "87.13"), ("87.124", 2, "87.12"), ("90.1245", 3, "90.125"), ("2.5", 0, "3"),
    ("0.005", 2, "0.01"), ("89.995", 2, "90.00"),
])
def test_round_half_up_never_rounds_to_even(value, places, expected):
    assert round_half_up(D(value), places) == D(expected)
    assert str(round_half_up(D(value), places)) == expected


@pytest.mark.parametrize("appraised, maximum, level", [
    ("3", "3", XUAT_SAC), ("2.7", "3", XUAT_SAC), ("0.9", "1", XUAT_SAC), ("0.89", "1", TOT),
    ("0.7", "1", TOT), ("1.05", "1.5", TOT), ("0.69", "1", TRUNG_BINH), ("0.5", "1", TRUNG_BINH),
    ("0.49", "1", KEM), ("0", "4", KEM),
])
def test_quality_level_thresholds(appraised, maximum, level):
    assert quality_level(D(appraised), D(maximum)) == level


def test_quality_level_accepts_other_thresholds_and_int_points():
    assert quality_level(D("0.85"), D(1), (D("0.85"), D("0.6"), D("0.4"))) == XUAT_SAC
    assert quality_level(D("0.45"), D(1), (0.85, 0.6, 0.4)) == TRUNG_BINH  # ratios may be floats
    assert quality_level(4, 4) == XUAT_SAC


@pytest.mark.parametrize("appraised, maximum, thresholds, message", [
    (D("1"), D("0"), (D("0.9"), D("0.7"), D("0.5")), "lớn hơn 0"),
    (D("5"), D("4"), (D("0.9"), D("0.7"), D("0.5")), "0 đến 4"),
    (D("-1"), D("4"), (D("0.9"), D("0.7"), D("0.5")), "0 đến 4"),
    (1.5, D("4"), (D("0.9"), D("0.7"), D("0.5")), "không dùng số thực"),
    (D("1"), D("4"), (D("0.5"), D("0.7"), D("0.9")), "giảm dần"),
    (D("1"), D("4"), (D("0.9"), D("0.7")), "ba số"),
])
def test_quality_level_refuses_bad_input(appraised, maximum, thresholds, message):
    with pytest.raises(RankingError, match=message):
        quality_level(appraised, maximum, thresholds)


# ------------------------------------------------------------------ grade conditions


def test_a_unit_meeting_everything_qualifies_excellent_without_reasons():
    assert qualify(unit()) == Qualification(HTXSNV, ())


def test_total_below_90_with_the_published_two_decimals():
    result = qualify(unit(total="89.994"))
    assert result.grade == HTTNV
    assert result.reasons == (XS_PREFIX + "tổng điểm 89,99 dưới 90.",)


def test_thresholds_compare_the_published_rounded_total():
    assert qualify(unit(total="89.995")).grade == HTXSNV  # published 90,00
    exact = RankingSettings(thresholds_on_rounded_total=False)
    result = qualify(unit(total="89.995"), exact)
    assert result.grade == HTTNV
    assert result.reasons == (XS_PREFIX + "tổng điểm 89,995 dưới 90.",)


def test_upper_bound_of_a_band_never_excludes_a_higher_score():
    assert qualify(unit(total="99", outstanding=False)).grade == HTTNV
    assert qualify(unit(total="95", levels={"7.2": TRUNG_BINH})).grade == HTNV


@pytest.mark.parametrize("total, grade", [
    ("90", HTXSNV), ("70", HTTNV), ("69.995", HTTNV), ("69.994", HTNV), ("50", HTNV), ("49.995", HTNV),
    ("49.994", KHTNV), ("0", KHTNV),
])
def test_total_thresholds(total, grade):
    assert qualify(unit(total=total, outstanding=total == "90")).grade == grade


def test_outstanding_is_required_for_excellent_only():
    assert qualify(unit(outstanding=False)) == Qualification(
        HTTNV, (XS_PREFIX + "chưa được Hội đồng thẩm định công nhận có thành tích nổi bật.",)
    )


@pytest.mark.parametrize("field", ["discipline", "corruption"])
def test_remedied_incident_bars_excellent_only(field):
    result = qualify(unit(**{field: "remedied"}))
    assert result.grade == HTTNV
    assert len(result.reasons) == 1
    assert result.reasons[0].startswith(XS_PREFIX)
    assert "dù đã tự phát hiện và khắc phục xong hậu quả" in result.reasons[0]


@pytest.mark.parametrize("field, what", [
    ("discipline", "bị xử lý kỷ luật"), ("corruption", "tham nhũng, lãng phí, tiêu cực"),
])
def test_unremedied_incident_is_always_not_completed(field, what):
    result = qualify(unit(**{field: "unremedied"}))
    assert result.grade == KHTNV
    assert [r.split(":")[0] for r in result.reasons] == [p.rstrip(": ") for p in (XS_PREFIX, TT_PREFIX, HT_PREFIX)]
    assert all(what in r and "không thuộc trường hợp tự phát hiện" in r for r in result.reasons)


def test_disunity_is_always_not_completed():
    result = qualify(unit(disunity=True))
    assert result.grade == KHTNV
    assert result.reasons[-1] == HT_PREFIX + "bị cấp có thẩm quyền đánh giá, kết luận mất đoàn kết nội bộ."


def test_dieu_7_2_b_at_most_20_percent_of_subordinate_units_disciplined():
    remedied = {"discipline": "remedied"}
    assert qualify(unit(subunits_disciplined_share=D("0.20"), **remedied)).grade == HTTNV  # "at most 20 %"
    result = qualify(unit(subunits_disciplined_share=D("0.225"), **remedied))
    assert result.grade == KHTNV
    assert XS_PREFIX + "có 22,5 % số đơn vị trực thuộc bị kỷ luật trong năm, trên 20 %." in result.reasons
    assert HT_PREFIX + "có 22,5 % số đơn vị trực thuộc bị kỷ luật trong năm, trên 20 %." in result.reasons


def test_dieu_7_2_a_any_disciplined_subordinate_unit_bars_excellent():
    result = qualify(unit(subunits_disciplined_share=D("0.05"), discipline="remedied"))
    assert result.grade == HTTNV
    assert result.reasons[-1] == (XS_PREFIX + "có 5 % số đơn vị trực thuộc bị kỷ luật trong năm; ở mức này không "
                                  "được có đơn vị trực thuộc nào bị kỷ luật.")
    # the share alone bars HTXSNV, whatever the discipline fact says
    assert missed_conditions(unit(subunits_disciplined_share=D("0.05"), discipline="remedied"), HTXSNV)[-1] \
        .startswith("có 5 % số đơn vị trực thuộc")


def test_dieu_7_2_a_official_detained_or_prosecuted_bars_excellent_only():
    result = qualify(unit(official_prosecuted=True))
    assert result == Qualification(HTTNV, (XS_PREFIX + "có cán bộ, công chức, viên chức của cơ quan, đơn vị bị tạm "
                                           "giam, tạm giữ, khởi tố, truy tố.",))
    assert qualify(unit(total="75", official_prosecuted=True)).grade == HTTNV
    with pytest.raises(RankingError, match="official_prosecuted"):
        unit(official_prosecuted="có")


def test_dieu_7_2_contradicting_facts_are_refused_naming_both():
    with pytest.raises(RankingError) as error:
        unit(subunits_disciplined_share=D("0.1"))
    message = str(error.value)
    assert "subunits_disciplined_share" in message and "tỷ lệ đơn vị trực thuộc bị kỷ luật là 10 %" in message
    assert "kỷ luật tổ chức trực thuộc, lãnh đạo, cấp ủy viên" in message and "mâu thuẫn" in message


def test_nd2_criterion_must_be_excellent_for_excellent():
    result = qualify(unit(levels={"7.2": TOT}))
    assert result == Qualification(HTTNV, (XS_PREFIX + "tiêu chí 7.2 (Nội dung II) chỉ đạt mức Tốt, cần Xuất sắc.",))


def test_other_criteria_must_be_good_for_excellent():
    assert qualify(unit(levels={"1.1": TOT, "9": TOT})).grade == HTXSNV
    result = qualify(unit(levels={"3.2": TRUNG_BINH}))
    assert result == Qualification(
        HTTNV, (XS_PREFIX + "tiêu chí 3.2 (Nội dung I) chỉ đạt mức Trung bình, cần Tốt trở lên.",)
    )


def test_nd2_criterion_must_be_good_for_good():
    result = qualify(unit(levels={"7.1": TRUNG_BINH}))
    assert result == Qualification(HTNV, (
        XS_PREFIX + "tiêu chí 7.1 (Nội dung II) chỉ đạt mức Trung bình, cần Xuất sắc.",
        TT_PREFIX + "tiêu chí 7.1 (Nội dung II) chỉ đạt mức Trung bình, cần Tốt trở lên.",
    ))


def test_a_poor_criterion_bars_every_completed_grade():
    result = qualify(unit(levels={"9": KEM}))
    assert result.grade == KHTNV
    assert result.reasons[-1] == HT_PREFIX + "tiêu chí 9 (Nội dung III) chỉ đạt mức Kém, cần Trung bình trở lên."


def test_more_than_half_of_nd2_poor_is_named():
    result = qualify(unit(levels={"7.1": KEM, "7.2": KEM}))
    assert result.grade == KHTNV
    assert HT_PREFIX + "2/2 tiêu chí Nội dung II ở mức Kém, trên 50 % số tiêu chí." in result.reasons


def test_exactly_half_of_nd2_poor_depends_on_the_setting():
    half = unit(levels={"7.1": KEM})
    assert not any("ở mức Kém, trên" in r for r in qualify(half).reasons)
    inclusive = RankingSettings(poor_results_inclusive=True)
    assert HT_PREFIX + "1/2 tiêu chí Nội dung II ở mức Kém, từ 50 % số tiêu chí." in qualify(half, inclusive).reasons


def test_results_group_is_a_setting():
    nd1_results = RankingSettings(results_group="ND1")
    assert qualify(unit(levels={"7.2": TOT}), nd1_results).grade == HTXSNV
    assert qualify(unit(levels={"1.1": TOT}), nd1_results).grade == HTTNV


def test_every_missed_condition_of_every_higher_grade_is_given():
    result = qualify(unit(total="45", outstanding=False, discipline="unremedied", levels={"7.2": TRUNG_BINH}))
    assert result.grade == KHTNV
    assert [r.split(": ", 1)[1].split(" ")[0:2] for r in result.reasons] == [
        ["tổng", "điểm"], ["chưa", "được"], ["có", "tổ"], ["tiêu", "chí"],
        ["tổng", "điểm"], ["có", "tổ"], ["tiêu", "chí"],
        ["tổng", "điểm"], ["có", "tổ"],
    ]
    assert result.reasons[0] == XS_PREFIX + "tổng điểm 45,00 dưới 90."
    assert result.reasons[4] == TT_PREFIX + "tổng điểm 45,00 dưới 70."
    assert result.reasons[7] == HT_PREFIX + "tổng điểm 45,00 dưới 50."


def test_missed_conditions_of_not_completed_is_empty_and_unknown_grade_refused():
    assert missed_conditions(unit(total="0", disunity=True), KHTNV) == ()
    with pytest.raises(RankingError, match="XYZ"):
        missed_conditions(unit(), "XYZ")


def test_a_unit_without_criteria_is_graded_on_the_other_conditions():
    assert qualify(Unit("A", "so", D("91"), outstanding=True)).grade == HTXSNV


# ------------------------------------------------------------------ the cap


@pytest.mark.parametrize("n, block, cap", [
    (20, "so", 4), (9, "huyen", 2), (7, "dvsn", 1), (6, "hoi", 1),  # Thái Nguyên's blocks reproduce the quotas
    (30, "so", 4), (15, "so", 3), (5, "huyen", 1), (3, "hoi", 1), (2, "hoi", 0), (0, "so", 0),
    (12, "xa", 2), (13, "xa", 3), (100, "xa", 20),  # no quota: the share alone
])
def test_cap_is_min_of_quota_and_share_rounded_half_up(n, block, cap):
    assert excellent_cap(n, block) == cap


@pytest.mark.parametrize("n, rounding, cap", [
    (10, "half_up", 3), (2, "half_up", 1), (10, "down", 2), (11, "down", 2), (11, "up", 3), (1, "up", 1),
])
def test_cap_rounding_is_a_setting(n, rounding, cap):
    assert excellent_cap(n, "xa", RankingSettings(excellent_share=D("0.25"), cap_rounding=rounding)) == cap


def test_cap_refuses_a_bad_count():
    with pytest.raises(RankingError):
        excellent_cap(-1, "so")
    with pytest.raises(RankingError):
        excellent_cap(True, "so")


def test_quotas_are_data():
    two_tier = RankingSettings(quotas={"xa_phuong": 10})
    assert excellent_cap(20, "so", two_tier) == 4  # "so" no longer has a quota
    assert excellent_cap(100, "xa_phuong", two_tier) == 10
    assert dict(RankingSettings().quotas) == {"so": 4, "huyen": 2, "dvsn": 1, "hoi": 1}


@pytest.mark.parametrize("kwargs, message", [
    ({"excellent_share": D("1.2")}, "excellent_share"),
    ({"excellent_share": 0.2}, "excellent_share"),
    ({"quotas": {"so": -1}}, "so"),
    ({"cap_rounding": "banker"}, "cap_rounding"),
    ({"total_places": 3, "tiebreak_places": 2}, "chữ số thập phân"),
    ({"results_group": "ND4"}, "results_group"),
    ({"rank_only": "yes"}, "rank_only"),
    ({"min_total_good": D(95)}, "giảm dần"),
    ({"level_thresholds": (D("0.5"), D("0.7"), D("0.9"))}, "giảm dần"),
])
def test_settings_are_validated(kwargs, message):
    with pytest.raises(RankingError, match=message):
        RankingSettings(**kwargs)


# ------------------------------------------------------------------ units


@pytest.mark.parametrize("kwargs, field", [
    ({"total": 95.5}, "total"),
    ({"total": D("-1")}, "total"),
    ({"discipline": "maybe"}, "discipline"),
    ({"corruption": None}, "corruption"),
    ({"subunits_disciplined_share": D("1.5")}, "subunits_disciplined_share"),
    ({"outstanding": "yes"}, "outstanding"),
    ({"block": ""}, "block"),
    ({"criteria": (Criterion("7.2", "ND2", "great"),)}, "criteria[1].level"),
    ({"criteria": (Criterion("7.2", "", TOT),)}, "criteria[1].group"),
])
def test_unit_refuses_bad_values_naming_unit_and_field(kwargs, field):
    values = {"id": "SNV", "block": "so", "total": D("90")} | kwargs
    with pytest.raises(RankingError) as exc:
        Unit(**values)
    assert "“SNV”" in str(exc.value)
    assert f"“{field}”" in str(exc.value)


def test_group_codes_are_the_frameworks_checked_only_when_grading():
    """Issue #12.4: a group outside the framework's groups is refused when grading, naming unit and field; a
    rank-only ranking looks at no group (a PAR index coded TDG/XHH ranks); labels and the results group are
    the framework's."""
    odd = Unit(id="SNV", block="so", total=D("95"), outstanding=True, criteria=(Criterion("7.2", "ND9", TOT),))
    with pytest.raises(RankingError, match="“SNV”.*“criteria\\[1\\].group”.*ND1, ND2, ND3"):
        rank_units([odd])
    assert rank_units([odd], RankingSettings(rank_only=True)).units[0].grade is None
    par = RankingSettings(group_labels={"TDG": "Điểm tự đánh giá", "XHH": "Điểm điều tra xã hội học"},
                          results_group="XHH")
    survey = Unit(id="SNV", block="so", total=D("95"), outstanding=True, criteria=(Criterion("3.1", "XHH", TOT),))
    assert qualify(survey, par).reasons == (
        XS_PREFIX + "tiêu chí 3.1 (Điểm điều tra xã hội học) chỉ đạt mức Tốt, cần Xuất sắc.",)
    own = Unit(id="SNV", block="so", total=D("95"), outstanding=True, criteria=(Criterion("1.1", "TDG", TOT),))
    assert qualify(own, par).grade == HTXSNV  # Tốt outside the results group does not bar HTXSNV
    with pytest.raises(RankingError, match="results_group"):
        RankingSettings(group_labels={"TDG": "Điểm tự đánh giá"}, results_group="ND2")
    RankingSettings(group_labels={"TDG": "Điểm tự đánh giá"}, results_group="", rank_only=True)  # no group needed


def test_duplicate_ids_are_refused():
    with pytest.raises(RankingError, match="“A”.*trùng"):
        rank_units([unit("A"), unit("A", block="so")])


# ------------------------------------------------------------------ ordering and ties


def test_competition_ranking_with_shared_ranks():
    ranking = by_id(rank_units([
        unit("A", "80", outstanding=False), unit("B", "92.5"), unit("C", "92.50"), unit("D", "70"),
    ]))
    assert {k: (r.rank, r.tie) for k, r in ranking.items()} == {
        "B": (1, True), "C": (1, True), "A": (3, False), "D": (4, False),
    }
    assert ranking["B"].reasons[-1] == (
        "Bằng điểm với “C” đến 3 chữ số thập phân (92,500): Chủ tịch Hội đồng thẩm định xem xét, quyết định thứ tự."
    )


def test_equal_at_two_decimals_is_ordered_by_three():
    ranking = by_id(rank_units([unit("A", "90.123"), unit("B", "90.124")]))
    assert ranking["A"].total == ranking["B"].total == D("90.12")
    assert (ranking["B"].rank, ranking["A"].rank) == (1, 2)
    assert not ranking["A"].tie and not ranking["B"].tie


def test_three_decimals_round_half_up_from_the_exact_total():
    # 90.1245 → 90.125 at three decimals, 90.1244 → 90.124: ordered, not tied.
    ranking = by_id(rank_units([unit("A", "90.1244"), unit("B", "90.1245")]))
    assert (ranking["B"].rank, ranking["A"].rank) == (1, 2)
    assert ranking["B"].tiebreak_total == D("90.125")


def test_two_decimals_are_not_computed_from_the_three_decimal_total():
    # Both are 90,125 at three decimals, but 90,12 and 90,13 at two: no double rounding, no tie.
    ranking = by_id(rank_units([unit("A", "90.1249"), unit("B", "90.1251")]))
    assert (ranking["A"].total, ranking["B"].total) == (D("90.12"), D("90.13"))
    assert (ranking["B"].rank, ranking["A"].rank, ranking["A"].tie) == (1, 2, False)


def test_equal_at_three_decimals_is_a_tie_even_if_the_exact_totals_differ():
    ranking = by_id(rank_units([unit("A", "95.1231"), unit("B", "95.1234")]))
    assert ranking["A"].rank == ranking["B"].rank == 1
    assert ranking["A"].tie and ranking["B"].tie


def test_ties_are_never_ordered_silently_by_id():
    units = [unit("Z", "91"), unit("A", "91"), unit("M", "91")]
    forward, backward = rank_units(units), rank_units(units[::-1])
    assert forward == backward
    assert {r.rank for r in forward.units} == {1}


def test_blocks_are_ranked_separately_and_printed_by_block_rank_id():
    ranking = rank_units([unit("S2", "80", "so"), unit("H1", "70", "hoi"), unit("S1", "90", "so")])
    assert [(r.block, r.rank, r.id) for r in ranking.units] == [("hoi", 1, "H1"), ("so", 1, "S1"), ("so", 2, "S2")]
    assert set(ranking.blocks) == {"hoi", "so"}


def test_ranking_key():
    assert ranking_key(D("87.1249"), RankingSettings()) == (D("87.12"), D("87.125"))


# ------------------------------------------------------------------ promotion and the cap


def _fillers(block="hoi", n=1):
    """Units qualifying HTTNV only: they count in N without competing for the cap."""
    return [unit(f"T{i}", "75", block, outstanding=False) for i in range(n)]


def test_tie_at_the_cap_boundary_goes_to_the_chair():
    ranking = by_id(rank_units([unit("A", "95.123"), unit("B", "95.123")] + _fillers()))  # N = 3 → cap 1
    assert ranking["T0"].grade == HTTNV
    for r in (ranking["A"], ranking["B"]):
        assert (r.qualified, r.grade, r.tie, r.chair) == (HTXSNV, HTTNV, True, True)
        assert any("Chủ tịch Hội đồng thẩm định xem xét, quyết định; tạm xếp Hoàn thành tốt nhiệm vụ" in x
                   for x in r.reasons)


def test_a_thousandth_decides_the_cap():
    ranking = by_id(rank_units([unit("A", "95.123"), unit("B", "95.124")] + _fillers()))
    assert (ranking["B"].grade, ranking["B"].chair, ranking["B"].reasons) == (HTXSNV, False, ())
    assert (ranking["A"].qualified, ranking["A"].grade, ranking["A"].chair) == (HTXSNV, HTTNV, False)
    assert ranking["A"].reasons == (
        "Đủ điều kiện Hoàn thành xuất sắc nhiệm vụ nhưng vượt tỷ lệ 20 % / số lượng tối đa của khối (1): "
        "xếp Hoàn thành tốt nhiệm vụ.",
    )


def test_units_below_a_tie_at_the_boundary_are_not_promoted():
    # huyen: 9 units qualifying HTTNV or better → cap 2; A takes one, B and C tie for the last one.
    units = [unit(uid, total, "huyen") for uid, total in (("A", "98"), ("B", "95.5"), ("C", "95.500"), ("D", "93"))]
    units += [unit(f"T{i}", "80", "huyen", outstanding=False) for i in range(5)]
    ranking = rank_units(units)
    grades = {r.id: (r.grade, r.chair) for r in ranking.units if not r.id.startswith("T")}
    assert grades == {"A": (HTXSNV, False), "B": (HTTNV, True), "C": (HTTNV, True), "D": (HTTNV, False)}
    assert ranking.blocks["huyen"].excellent_cap == 2
    assert ranking.blocks["huyen"].excellent == 1


def test_a_tie_at_the_top_larger_than_the_cap_promotes_nobody():
    units = [unit(u, "96.5", "huyen") for u in "ABC"] + [unit("D", "92", "huyen")]
    units += [unit(f"T{i}", "75", "huyen", outstanding=False) for i in range(6)]
    ranking = by_id(rank_units(units))
    assert [ranking[u].chair for u in "ABCD"] == [True, True, True, False]
    assert all(r.grade != HTXSNV for r in ranking.values())


def test_a_tie_that_fits_in_the_cap_is_promoted_whole():
    units = [unit("A", "96.5", "so"), unit("B", "96.5", "so"), unit("C", "91", "so")]
    units += [unit(f"T{i}", "75", "so", outstanding=False) for i in range(7)]  # N = 10 → cap 2
    ranking = by_id(rank_units(units))
    assert [(ranking[u].grade, ranking[u].tie, ranking[u].chair) for u in "ABC"] == [
        (HTXSNV, True, False), (HTXSNV, True, False), (HTTNV, False, False),
    ]


def test_a_tie_just_after_a_full_cap_is_not_for_the_chair():
    ranking = by_id(rank_units([unit("A", "97"), unit("B", "95"), unit("C", "95")]))  # hoi: cap 1
    assert ranking["A"].grade == HTXSNV
    assert [(ranking[u].grade, ranking[u].chair) for u in "BC"] == [(HTTNV, False), (HTTNV, False)]


def test_a_cap_of_zero_promotes_nobody_and_asks_no_chair():
    ranking = rank_units([unit("A", "95"), unit("B", "95")], RankingSettings(excellent_share=D("0.1")))
    assert ranking.blocks["hoi"].excellent_cap == 0
    assert [(r.grade, r.chair) for r in ranking.units] == [(HTTNV, False), (HTTNV, False)]


def test_units_that_do_not_qualify_take_no_place_in_the_cap():
    units = [unit("A", "99", outstanding=False), unit("B", "98", disunity=True), unit("C", "91")]
    units += [unit(f"T{i}", "75", outstanding=False) for i in range(2)]
    ranking = by_id(rank_units(units))
    assert (ranking["A"].rank, ranking["A"].grade) == (1, HTTNV)
    assert (ranking["B"].rank, ranking["B"].grade) == (2, KHTNV)
    assert (ranking["C"].rank, ranking["C"].grade) == (3, HTXSNV)


def test_n_counts_units_qualifying_good_or_better_only():
    units = [unit("A", "95"), unit("B", "80", outstanding=False), unit("C", "60"), unit("D", "40")]
    ranking = rank_units(units, RankingSettings(quotas={}))
    assert ranking.blocks["hoi"].qualified_good_or_better == 2
    assert ranking.blocks["hoi"].excellent_cap == 0  # round_half_up(0.4)
    assert by_id(ranking)["A"].grade == HTTNV


def test_rank_only_mode_ranks_without_grades():
    ranking = rank_units([unit("A", "88.4124"), unit("B", "88.412", disunity=True), unit("C", "91")],
                         RankingSettings(rank_only=True))
    results = by_id(ranking)
    assert [(results[u].rank, results[u].tie) for u in "CAB"] == [(1, False), (2, True), (2, True)]
    assert all(r.qualified is None and r.grade is None and not r.chair for r in ranking.units)
    assert results["C"].reasons == ()
    assert all("Bằng điểm" in x for x in results["A"].reasons)
    assert ranking.blocks["hoi"].excellent_cap is None
    assert ranking.blocks["hoi"].qualified_good_or_better is None


# ------------------------------------------------------------------ properties

TOTALS = st.one_of(
    st.sampled_from([D("95.123"), D("95.1234"), D("95.124"), D("90"), D("89.995"), D("89.994"), D("70"),
                     D("69.995"), D("50"), D("49.99")]),
    st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False),
)


@st.composite
def scenarios(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    units = []
    for i in range(n):
        criteria = tuple(
            Criterion(code, group, draw(st.sampled_from(LEVELS) if draw(st.booleans()) else st.just(XUAT_SAC)))
            for code, group in (("1.1", "ND1"), ("7.1", "ND2"), ("7.2", "ND2"), ("9", "ND3"))
        )
        units.append(Unit(
            id=f"U{i}",
            block=draw(st.sampled_from(["so", "hoi", "xa"])),
            total=draw(TOTALS),
            outstanding=draw(st.booleans()),
            discipline=(discipline := draw(st.sampled_from(["none", "none", "remedied", "unremedied"]))),
            corruption=draw(st.sampled_from(["none", "none", "none", "remedied", "unremedied"])),
            disunity=draw(st.booleans()) and draw(st.booleans()),
            # a share above 0 contradicts "no discipline" (refused): only drawn with a discipline fact
            subunits_disciplined_share=draw(st.sampled_from(
                [D(0)] if discipline == "none" else [D(0), D("0.1"), D("0.2"), D("0.25")])),
            official_prosecuted=draw(st.booleans()) and draw(st.booleans()),
            criteria=criteria,
        ))
    ranking_settings = RankingSettings(
        excellent_share=draw(st.sampled_from([D(0), D("0.1"), D("0.2"), D("0.25"), D("0.5"), D(1)])),
        quotas=draw(st.dictionaries(st.sampled_from(["so", "hoi", "xa"]), st.integers(0, 5), max_size=3)),
        cap_rounding=draw(st.sampled_from(["half_up", "down", "up"])),
    )
    return units, ranking_settings


def _check(units, ranking_settings):
    ranking = rank_units(units, ranking_settings)
    source = {u.id: u for u in units}
    results = by_id(ranking)
    assert set(results) == set(source)
    return ranking, source, results


@settings(max_examples=examples(200), deadline=None)
@given(scenarios())
def test_property_the_cap_is_never_exceeded(scenario):
    units, ranking_settings = scenario
    ranking, source, results = _check(units, ranking_settings)
    for block, summary in ranking.blocks.items():
        in_block = [r for r in results.values() if r.block == block]
        n = sum(1 for r in in_block if qualify(source[r.id], ranking_settings).grade in (HTXSNV, HTTNV))
        assert summary.qualified_good_or_better == n
        by_share = (ranking_settings.excellent_share * n).quantize(D(1), rounding={
            "half_up": "ROUND_HALF_UP", "down": "ROUND_FLOOR", "up": "ROUND_CEILING"}[ranking_settings.cap_rounding])
        excellent = sum(1 for r in in_block if r.grade == HTXSNV)
        assert excellent == summary.excellent <= summary.excellent_cap <= by_share
        quota = ranking_settings.quotas.get(block)
        assert quota is None or excellent <= quota


@settings(max_examples=examples(200), deadline=None)
@given(scenarios())
def test_property_a_unit_never_outranks_one_with_a_higher_total(scenario):
    units, ranking_settings = scenario
    _, source, results = _check(units, ranking_settings)
    for a in results.values():
        same_block = [b for b in results.values() if b.block == a.block]
        key_a = ranking_key(source[a.id].total, ranking_settings)
        higher = [b for b in same_block if ranking_key(source[b.id].total, ranking_settings) > key_a]
        equal = [b for b in same_block if b.id != a.id and ranking_key(source[b.id].total, ranking_settings) == key_a]
        assert a.rank == 1 + len(higher)  # competition ranking
        assert a.tie == bool(equal)
        for b in same_block:
            if source[b.id].total > source[a.id].total:
                assert b.rank <= a.rank
            if b.total > a.total:
                assert b.rank < a.rank


@settings(max_examples=examples(200), deadline=None)
@given(scenarios())
def test_property_promotion_is_monotone_in_the_total(scenario):
    units, ranking_settings = scenario
    _, source, results = _check(units, ranking_settings)
    candidates = [r for r in results.values() if r.qualified == HTXSNV]
    for a in candidates:
        for b in candidates:
            if a.block != b.block:
                continue
            key_a = ranking_key(source[a.id].total, ranking_settings)
            key_b = ranking_key(source[b.id].total, ranking_settings)
            if key_a > key_b and b.grade == HTXSNV:
                assert a.grade == HTXSNV
            if key_a == key_b:
                assert (a.grade, a.chair) == (b.grade, b.chair)  # a tie is promoted whole or not at all


@settings(max_examples=examples(200), deadline=None)
@given(scenarios())
def test_property_grades_never_exceed_what_the_conditions_allow(scenario):
    units, ranking_settings = scenario
    _, source, results = _check(units, ranking_settings)
    for r in results.values():
        unit_ = source[r.id]
        assert GRADES.index(r.grade) >= GRADES.index(r.qualified)
        assert missed_conditions(unit_, r.grade, ranking_settings) == ()
        for higher in GRADES[: GRADES.index(r.qualified)]:
            assert missed_conditions(unit_, higher, ranking_settings)
        if r.grade != r.qualified:
            assert (r.qualified, r.grade) == (HTXSNV, HTTNV)
        if r.chair:
            assert r.tie and r.qualified == HTXSNV and r.grade == HTTNV


@settings(max_examples=examples(100), deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_property_input_order_changes_nothing(scenario, rnd: random.Random):
    units, ranking_settings = scenario
    shuffled = list(units)
    rnd.shuffle(shuffled)
    assert rank_units(shuffled, ranking_settings) == rank_units(units, ranking_settings)


def _reference_grade(unit_: Unit, s: RankingSettings) -> str:
    """Điều 7 read straight from docs/regulation.md §4, slowly, independently of criteria.dieu7's conditions."""
    total = round_half_up(unit_.total, 2)
    rank = {XUAT_SAC: 0, TOT: 1, TRUNG_BINH: 2, KEM: 3}
    nd2 = [c for c in unit_.criteria if c.group == "ND2"]
    too_poor = sum(c.level == KEM for c in nd2) > D("0.5") * len(nd2) if nd2 else False
    common = (not unit_.disunity and unit_.subunits_disciplined_share <= D("0.2") and not too_poor)
    if (common and total >= 90 and unit_.outstanding and unit_.discipline == "none" and unit_.corruption == "none"
            and unit_.subunits_disciplined_share == 0 and not unit_.official_prosecuted
            and all(rank[c.level] <= (0 if c.group == "ND2" else 1) for c in unit_.criteria)):
        return HTXSNV
    excused = unit_.discipline != "unremedied" and unit_.corruption != "unremedied"
    if common and excused and total >= 70 and all(rank[c.level] <= (1 if c.group == "ND2" else 2)
                                                  for c in unit_.criteria):
        return HTTNV
    if common and excused and total >= 50 and all(rank[c.level] <= 2 for c in unit_.criteria):
        return HTNV
    return KHTNV


@settings(max_examples=examples(300), deadline=None)
@given(scenarios())
def test_property_qualification_agrees_with_a_plain_reading_of_article_7(scenario):
    units, _ = scenario
    for unit_ in units:
        assert qualify(unit_).grade == _reference_grade(unit_, RankingSettings())


@settings(max_examples=examples(100), deadline=None)
@given(scenarios())
def test_property_shared_criterion_objects_rank_exactly_like_separate_ones(scenario):
    """build_units shares one Criterion object per (criterion, level) among all units, and the conditions are
    prepared once per object; copies of the objects must give the very same ranking and texts."""
    units, ranking_settings = scenario
    shared: dict = {}
    same = [Unit(**{**u.__dict__, "criteria": tuple(shared.setdefault((c.code, c.group, c.level), c)
                                                     for c in u.criteria)}) for u in units]
    copies = [Unit(**{**u.__dict__, "criteria": tuple(Criterion(c.code, c.group, c.level) for c in u.criteria)})
              for u in units]
    assert rank_units(same, ranking_settings) == rank_units(copies, ranking_settings)
