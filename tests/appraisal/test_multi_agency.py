"""Phụ lục I 5.5 and the other leaves whose "Cơ quan thẩm định" names several agencies ("Các sở, ngành: Nội vụ;
Thông tin và Truyền thông; Tư pháp"): each named agency appraises the leaf, its appraised score is theirs only
when all of them scored and agree, each agency's score is shown, and a leaf without agreement blocks closing
until the secretariat records the council's decision (docs/regulation.md §3)."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from appraisal import services
from appraisal.models import AgencyScore, Appraisal, CouncilDecision
from appraisal.rules import agency_matches, agreement, named_agencies, seat_agency
from appraisal.selectors import agencies_without_member, close_gaps, member_queue, member_unit_rows
from criteria.models import Authority, Node
from submissions.models import Role
from submissions.services import ConflictError
from tests.factories import UserFactory, leaf, pass_deadline, staff_council

pytestmark = pytest.mark.django_db

CELL = "Các sở, ngành: Nội vụ; Thông tin và Truyền thông; Tư pháp"  # Phụ lục I 5.5, as the fixture writes it
NV, TT, TP = "Sở Nội vụ", "Sở Thông tin và Truyền thông", "Sở Tư pháp"


# --------------------------------------------------------------------------- the pure rules


def test_phu_luc_i_5_5_names_three_agencies():
    assert named_agencies(CELL) == [NV, TT, TP]
    assert named_agencies("Các Sở: Nội vụ; Tài chính; Thông tin và Truyền thông") == [NV, "Sở Tài chính", TT]
    assert named_agencies("Sở Nội vụ; Sở Tư pháp") == [NV, TP]
    # "và" never separates; a single agency stays one.
    assert named_agencies("Văn phòng HĐND và UBND huyện") == ["Văn phòng HĐND và UBND huyện"]
    assert named_agencies("Sở Tài chính") == ["Sở Tài chính"]
    assert named_agencies("") == []


def test_phu_luc_i_5_5_fixture_cell_is_read_as_three_agencies(db):
    node = Node.objects.get(framework__code="tn2024-so", code="5.5")
    assert node.appraising_agency == CELL and named_agencies(node.appraising_agency) == [NV, TT, TP]


def test_phu_luc_i_5_5_each_seat_speaks_for_its_own_agency():
    for name in (NV, TT, TP):
        assert seat_agency(CELL, seat_agency_name=name, keywords=[name]) == name
    assert seat_agency(CELL, seat_agency_name="Sở TT&TT", keywords=["thông tin và truyền thông"]) == TT
    assert seat_agency(CELL, seat_agency_name="Sở Tài chính", keywords=["tài chính"]) is None
    # A keyword typed as the full name ("Sở Tư pháp") covers the cell's "Tư pháp".
    assert agency_matches(CELL, ["Sở Tư pháp"])


points = st.decimals(min_value=0, max_value=12, places=2, allow_nan=False, allow_infinity=False)
scores = st.dictionaries(st.sampled_from([NV, TT, TP, "Sở Tài chính"]), st.none() | points, min_size=1)


@given(scores, st.randoms())
def test_phu_luc_i_5_5_agreement_does_not_depend_on_who_saved_first(found, rng):
    items = list(found.items())
    rng.shuffle(items)
    assert agreement(dict(items)) == agreement(found)


@given(scores)
def test_phu_luc_i_5_5_agreed_iff_every_agency_scored_and_all_equal(found):
    agreed, why = agreement(found)
    values = list(found.values())
    expected = None not in values and len(set(values)) == 1
    assert (agreed is not None) == expected
    if expected:
        assert agreed == values[0] and why == ""
    else:
        assert why  # always says why there is no score


@given(points, points)
def test_phu_luc_i_5_5_disagreement_names_each_score(a, b):
    agreed, why = agreement({NV: a, TP: b, TT: None})
    assert agreed is None and "Sở TT&TT: chưa chấm" in why and "chưa đủ" in why


def test_phu_luc_i_5_5_disagreement_text():
    assert agreement({NV: D(10), TP: D(12), TT: D(12)}) == (
        None, "các cơ quan thẩm định chưa thống nhất (Sở Nội vụ: 10 · Sở TT&TT: 12 · Sở Tư pháp: 12)")
    assert agreement({NV: D("12.00"), TP: D(12), TT: D(12)})[0] == 12
    assert agreement({}) == (None, "Tiêu chí không nêu cơ quan thẩm định.")


# --------------------------------------------------------------------------- the stored scores


@pytest.fixture
def five_five(council):
    """The council fixture plus a seat for each agency 5.5 names, and a second member of Sở Nội vụ."""
    w = council
    w.m_nv = services.member_add(period=w.period, user=UserFactory(username="snv.td"), agency=NV)
    w.m_nv2 = services.member_add(period=w.period, user=UserFactory(username="snv.td2"), agency=NV)
    w.m_tt = services.member_add(period=w.period, user=UserFactory(username="stttt.td"), agency=TT)
    w.m_tp = services.member_add(period=w.period, user=UserFactory(username="stp.td"), agency=TP)
    w.node = leaf(w.sub_a, "5.5")
    return w


def score(w, member, value, comment="Đối chiếu báo cáo CCHC", sub=None, version=None):
    sub = sub or w.sub_a
    node = leaf(sub, "5.5")
    if version is None:
        mine = next(r for r in member_unit_rows(member, sub) if r.node.pk == node.pk)
        version = mine.version
    return services.appraisal_save(submission=sub, node=node, actor=member.user, version=version, value=value,
                                   comment=comment, member=member)


def test_phu_luc_i_5_5_each_named_agency_appraises(five_five):
    w = five_five
    for member in (w.m_nv, w.m_tt, w.m_tp):
        assert "5.5" in [r.node.code for r in member_unit_rows(member, w.sub_a)]
    assert "5.5" not in [r.node.code for r in member_unit_rows(w.m_stc, w.sub_a)]
    first = score(w, w.m_nv, "10")
    assert first.points is None  # one agency is not the appraisal
    score(w, w.m_tt, "10")
    assert Appraisal.objects.get(submission=w.sub_a, node=w.node).points is None
    last = score(w, w.m_tp, "10")
    assert last.points == 10 and "thống nhất 10 điểm" in last.reason
    assert dict(AgencyScore.objects.filter(submission=w.sub_a, node=w.node).values_list("agency", "points")) == {
        NV: 10, TT: 10, TP: 10}
    assert AgencyScore.objects.get(agency=TP).updated_by == w.m_tp.user


def test_phu_luc_i_5_5_last_saver_does_not_silently_win(five_five):
    w = five_five
    score(w, w.m_nv, "10")
    score(w, w.m_tt, "12", comment="")
    score(w, w.m_tp, "12", comment="")
    appraisal = Appraisal.objects.get(submission=w.sub_a, node=w.node)
    assert appraisal.points is None
    assert "chưa thống nhất" in appraisal.reason and "Sở Nội vụ: 10" in appraisal.reason
    # Nội vụ comes round: now they agree.
    assert score(w, w.m_nv, "12", comment="").points == 12


def test_phu_luc_i_5_5_two_members_of_one_agency_get_a_conflict(five_five):
    w = five_five
    score(w, w.m_nv, "10", version=0)
    with pytest.raises(ConflictError, match="điểm của Sở Nội vụ vừa được"):
        score(w, w.m_nv2, "11", version=0)
    assert AgencyScore.objects.get(agency=NV).points == 10
    # Another agency's first save is not a conflict: it has its own version.
    score(w, w.m_tp, "12", comment="", version=0)


def test_phu_luc_i_5_5_single_agency_leaves_keep_todays_path(five_five):
    w = five_five
    saved = services.appraisal_save(submission=w.sub_a, node=leaf(w.sub_a, "3.2"), actor=w.m_stc.user, version=0,
                                    value="4", member=w.m_stc)
    assert saved.points == 4 and not AgencyScore.objects.exists()


def test_phu_luc_i_5_5_secretariat_cannot_overwrite_the_agencies(five_five):
    w = five_five
    score(w, w.m_nv, "10")
    with pytest.raises(ValidationError, match="đã có điểm của cơ quan"):
        services.appraisal_save(submission=w.sub_a, node=w.node, actor=w.secretariat, version=1, value="12")
    assert Appraisal.objects.get(submission=w.sub_a, node=w.node).points is None


def test_phu_luc_i_5_5_each_named_agency_needs_a_seat(council):
    gaps = {g.agency: g.text for g in agencies_without_member(council.period)}
    assert CELL not in gaps  # never the whole cell: each agency it names
    assert NV in gaps  # (with the many leaves of Sở Nội vụ)
    for name in (TT, TP):
        assert f"“{name}” chưa có thành viên Hội đồng (tiêu chí 5.5)" in gaps[name]
    services.member_add(period=council.period, user=UserFactory(username="snv.only"), agency=NV)
    texts = [g.text for g in agencies_without_member(council.period)]
    assert not any(f"“{NV}”" in t for t in texts)
    assert any(f"“{TT}”" in t and "5.5" in t for t in texts)


def test_phu_luc_i_5_5_queue_counts_the_members_own_agency(five_five):
    w = five_five
    before = next(r for r in member_queue(w.m_tp) if r.submission == w.sub_a)
    score(w, w.m_tp, "12", comment="")
    after = next(r for r in member_queue(w.m_tp) if r.submission == w.sub_a)
    assert after.appraised == before.appraised + 1
    assert next(r for r in member_queue(w.m_nv) if r.submission == w.sub_a).appraised == before.appraised


# --------------------------------------------------------------------------- the member's row


def test_phu_luc_i_5_5_member_row_shows_each_agency_score(five_five, client_for):
    w = five_five
    score(w, w.m_nv, "10")
    score(w, w.m_tp, "12", comment="")
    page = client_for(w.m_tp.user).get(reverse("appraisal:unit_page", args=[w.m_tp.pk, w.sub_a.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    card = body.split(f'id="a-{w.node.pk}"')[1].split('id="a-')[0]
    for text in ("Sở Nội vụ: <strong>10</strong>", "Sở Tư pháp: <strong>12</strong>",
                 "Sở TT&amp;TT: <em>chưa chấm</em>", "chưa đủ các cơ quan thẩm định chấm",
                 "Bạn chấm cho: <strong>Sở Tư pháp</strong>"):
        assert text in card, text


def test_phu_luc_i_5_5_member_saves_through_the_page(five_five, client_for):
    w = five_five
    url = reverse("appraisal:appraisal_save", args=[w.m_tt.pk, w.sub_a.pk, w.node.pk])
    response = client_for(w.m_tt.user).post(url, {"version": "0", "value": "12"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Sở TT&amp;TT: <strong>12</strong>" in response.content.decode()
    assert AgencyScore.objects.get(agency=TT).points == 12
    # A member of an agency 5.5 does not name is refused.
    refused = client_for(w.m_stc.user).post(reverse("appraisal:appraisal_save", args=[w.m_stc.pk, w.sub_a.pk,
                                                                                      w.node.pk]),
                                            {"version": "0", "value": "1"})
    assert refused.status_code == 403 and not AgencyScore.objects.exclude(agency=TT).exists()
    # The same agency from a stale page: 409 with the stored value.
    stale = client_for(w.m_tt.user).post(url, {"version": "0", "value": "11", "comment": "x"},
                                         HTTP_HX_REQUEST="true")
    assert stale.status_code == 409 and AgencyScore.objects.get(agency=TT).points == 12


# --------------------------------------------------------------------------- closing and the council's decision


def appraise_rest(w):
    """Every other leaf of both sheets at its maximum (the self-score), and section I from two leaders."""
    for sub in (w.sub_a, w.sub_b):
        for node in Node.objects.filter(framework=sub.framework).order_by("ordering"):
            if node.rule and node.rule["kind"] != "survey" and node.code != "5.5":
                services.appraisal_save(submission=sub, node=node, actor=w.secretariat, version=0,
                                        value=str(node.max_points) if node.rule["kind"] != "levels" else "0")
        for leader in (w.people.leader, w.people.leader2):
            services.leader_form_save(period=w.period, leader=leader, unit=sub.unit, submit=True,
                                      answers={c: 5 for c in ("1.1", "1.2", "1.3", "1.4", "1.5")})
    for member in (w.m_nv, w.m_tt, w.m_tp):
        score(w, member, "12", comment="", sub=w.sub_b)


def test_phu_luc_i_5_5_disagreement_blocks_closing(five_five):
    w = five_five
    appraise_rest(w)
    score(w, w.m_nv, "10")
    score(w, w.m_tt, "12", comment="")
    score(w, w.m_tp, "12", comment="")
    pass_deadline(w.period)
    staff_council(w.period)
    services.round_release(period=w.period, actor=w.secretariat)
    expected = ("Sở Xây dựng: tiêu chí 5.5 — các cơ quan thẩm định chưa thống nhất (Sở Nội vụ: 10 · Sở TT&TT: 12 · "
                "Sở Tư pháp: 12): cần quyết định của Hội đồng.")
    # Only the disagreement: no quality level is computed from 5.5's missing score.
    assert [g.text for g in close_gaps(w.period)] == [expected]
    with pytest.raises(ValidationError) as refused:
        services.round_close(period=w.period, actor=w.secretariat)
    assert expected in refused.value.messages
    decision = services.council_decision_record(
        submission=w.sub_a, node=w.node, points="11,5", reason="Hội đồng biểu quyết: thiếu kết quả số hóa hồ sơ",
        basis="Biên bản họp Hội đồng ngày 10/01/2025", actor=w.secretariat)
    assert decision.decided_by == w.secretariat and decision.scores_seen.startswith("Sở Nội vụ: 10")
    assert Appraisal.objects.get(submission=w.sub_a, node=w.node).points == D("11.5")
    assert close_gaps(w.period) == []
    assert services.round_close(period=w.period, actor=w.secretariat).closed_at


def test_phu_luc_i_5_5_an_agency_that_has_not_scored_blocks_closing(five_five):
    w = five_five
    score(w, w.m_nv, "12", comment="")
    score(w, w.m_tp, "12", comment="")
    pass_deadline(w.period)
    texts = [g.text for g in close_gaps(w.period)]
    assert any(t.startswith("Sở Xây dựng: tiêu chí 5.5 — chưa đủ các cơ quan thẩm định chấm, còn Sở TT&TT")
               for t in texts)


def test_phu_luc_i_5_5_after_the_decision_agencies_cannot_rescore(five_five):
    w = five_five
    score(w, w.m_nv, "10")
    score(w, w.m_tp, "12", comment="")
    services.council_decision_record(submission=w.sub_a, node=w.node, points="11", reason="Biểu quyết",
                                     actor=w.secretariat)
    with pytest.raises(ValidationError, match="Hội đồng đã quyết định"):
        score(w, w.m_tt, "12", comment="")
    assert Appraisal.objects.get(submission=w.sub_a, node=w.node).points == 11


def test_phu_luc_i_5_5_decision_needs_a_reason_and_a_disagreement(five_five):
    w = five_five
    score(w, w.m_nv, "10")
    with pytest.raises(ValidationError, match="lý do"):
        services.council_decision_record(submission=w.sub_a, node=w.node, points="11", reason=" ",
                                         actor=w.secretariat)
    with pytest.raises(ValidationError, match="từ 0 đến 12"):
        services.council_decision_record(submission=w.sub_a, node=w.node, points="13", reason="x",
                                         actor=w.secretariat)
    with pytest.raises(ValidationError, match="Chỉ cơ quan thường trực"):
        services.council_decision_record(submission=w.sub_a, node=w.node, points="11", reason="x",
                                         actor=w.m_nv.user)
    with pytest.raises(ValidationError, match="một cơ quan thẩm định"):
        services.council_decision_record(submission=w.sub_a, node=leaf(w.sub_a, "3.2"), points="1", reason="x",
                                         actor=w.secretariat)
    score(w, w.m_nv, "12", comment="")
    score(w, w.m_tt, "12", comment="")
    score(w, w.m_tp, "12", comment="")
    with pytest.raises(ValidationError, match="đã thống nhất 12 điểm"):
        services.council_decision_record(submission=w.sub_a, node=w.node, points="11", reason="x",
                                         actor=w.secretariat)
    assert not CouncilDecision.objects.exists()


def test_phu_luc_i_5_5_decision_page_only_for_the_periods_secretariat(five_five, client_for):
    w = five_five
    score(w, w.m_nv, "10")
    url = reverse("appraisal:council_decision", args=[w.period.pk, w.sub_a.pk, w.node.pk])
    other = Authority.objects.create(code="ubnd-dinh-hoa", name="UBND huyện Định Hóa", level="huyen")
    foreign = UserFactory(username="pnv.dinhhoa")
    Role.objects.create(user=foreign, kind=Role.SECRETARIAT, authority=other)
    wrong = {"another agency's member": w.m_stc.user, "a named agency's member": w.m_nv.user,
             "an officer": w.officer_a, "an outsider": w.outsider, "another authority's secretariat": foreign}
    for who, user in wrong.items():
        client = client_for(user)
        assert client.get(url).status_code == 403, who
        assert client.post(url, {"points": "11", "reason": "x", "confirm": "1"}).status_code == 403, who
    assert not CouncilDecision.objects.exists()
    page = client_for(w.secretariat).get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "Sở Nội vụ" in body and "chưa chấm" in body and "Ghi quyết định" in body


def test_phu_luc_i_5_5_decision_page_confirms_and_records_who_and_when(five_five, client_for):
    w = five_five
    score(w, w.m_nv, "10")
    client = client_for(w.secretariat)
    url = reverse("appraisal:council_decision", args=[w.period.pk, w.sub_a.pk, w.node.pk])
    typed = {"points": "11,5", "reason": "Hội đồng biểu quyết 7/9", "basis": "Biên bản số 3/BB-HĐTĐ"}
    confirm = client.post(url, typed)
    assert confirm.status_code == 200 and "Xác nhận ghi quyết định" in confirm.content.decode()
    assert not CouncilDecision.objects.exists()  # nothing before the confirmation
    back = client.post(url, typed | {"confirm": "1", "back": "1"})
    assert 'value="11,5"' in back.content.decode() and "Hội đồng biểu quyết 7/9" in back.content.decode()
    assert not CouncilDecision.objects.exists()
    done = client.post(url, typed | {"confirm": "1"})
    assert done.status_code == 302
    decision = CouncilDecision.objects.get()
    assert (decision.points, decision.reason, decision.basis, decision.decided_by) == (
        D("11.5"), "Hội đồng biểu quyết 7/9", "Biên bản số 3/BB-HĐTĐ", w.secretariat)
    assert decision.decided_at and decision.history.count() == 1
    matrix = client.get(reverse("appraisal:period_matrix", args=[w.period.pk])).content.decode()
    assert "chưa thống nhất" not in matrix


def test_phu_luc_i_5_5_refused_decision_keeps_what_was_typed(five_five, client_for):
    w = five_five
    score(w, w.m_nv, "10")
    url = reverse("appraisal:council_decision", args=[w.period.pk, w.sub_a.pk, w.node.pk])
    response = client_for(w.secretariat).post(url, {"points": "11,5", "reason": "", "basis": "Biên bản số 3",
                                                    "confirm": "1"})
    body = response.content.decode()
    assert response.status_code == 400 and "Hãy ghi lý do" in body
    assert 'value="11,5"' in body and 'value="Biên bản số 3"' in body and 'aria-invalid="true"' in body
    assert not CouncilDecision.objects.exists()


def test_phu_luc_i_5_5_closing_page_links_to_the_decision(five_five, client_for):
    w = five_five
    score(w, w.m_nv, "10")
    pass_deadline(w.period)
    client = client_for(w.secretariat)
    page = client.post(reverse("appraisal:period_matrix", args=[w.period.pk]), {"action": "close"})
    body = page.content.decode()
    assert "tiêu chí 5.5 — chưa đủ các cơ quan thẩm định chấm" in body
    assert reverse("appraisal:council_decision", args=[w.period.pk, w.sub_a.pk, w.node.pk]) in body
    matrix = client.get(reverse("appraisal:period_matrix", args=[w.period.pk])).content.decode()
    assert "Tiêu chí nhiều cơ quan thẩm định chưa thống nhất (1)" in matrix


def test_phu_luc_i_5_5_two_secretaries_never_overwrite_each_others_decision(five_five, client_for):
    """#15 item 5: the council's decision is versioned like every shared write: a form loaded before someone
    else's decision is refused naming them, keeps what was typed, writes nothing; re-sent, it is deliberate."""
    from submissions.models import Role

    w = five_five
    score(w, w.m_nv, "10")
    other = UserFactory(username="snv.thuongtruc2", full_name="Phạm Thị Hai")
    Role.objects.create(user=other, kind=Role.SECRETARIAT, authority=w.period.authority)
    url = reverse("appraisal:council_decision", args=[w.period.pk, w.sub_a.pk, w.node.pk])
    first, second = client_for(w.secretariat), client_for(other)
    assert 'name="version" value="0"' in first.get(url).content.decode()
    assert 'name="version" value="0"' in second.get(url).content.decode()
    done = first.post(url, {"points": "11", "reason": "Biểu quyết 7/9", "basis": "", "confirm": "1", "version": "0"})
    assert done.status_code == 302
    stale = {"points": "9", "reason": "Biểu quyết 5/9", "basis": "Biên bản 4", "confirm": "1", "version": "0"}
    refused = second.post(url, stale)
    html = refused.content.decode()
    assert refused.status_code == 409 and "vừa được" in html and str(w.secretariat) in html and "11 điểm" in html
    assert "Biểu quyết 5/9" in html and 'name="version" value="1"' in html  # typed kept; the stored version now
    decision = CouncilDecision.objects.get()
    assert (decision.points, decision.reason, decision.version, decision.history.count()) == (D("11"),
                                                                                          "Biểu quyết 7/9", 1, 1)
    assert second.post(url, stale | {"version": "1"}).status_code == 302  # seen, then deliberately replaced
    decision.refresh_from_db()
    assert (decision.points, decision.decided_by, decision.version) == (D("9"), other, 2)
