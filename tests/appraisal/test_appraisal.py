"""Appraising: queues by agency, the comment requirement, proposals, conflicts, supplementation,
leaders' forms and section I, release, closing, and every view's refusal of the wrong actor."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from appraisal import services
from appraisal.models import Appraisal, LeaderForm, SupplementRequest
from appraisal.selectors import member_queue, member_unit_rows, quality_rows
from submissions import services as submission_services
from submissions.models import Entry, Evidence, Submission
from submissions.services import ConflictError
from tests.factories import close_round, leaf, pass_deadline
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db


def test_member_sees_only_the_criteria_of_their_agency(council):
    codes = [r.node.code for r in member_unit_rows(council.m_stc, council.sub_a)]
    assert codes == ["3.2", "7.3", "7.4", "7.5"]  # the "Sở Tài chính" rows of Phụ lục I
    ttt = [r.node.code for r in member_unit_rows(council.m_ttt, council.sub_a)]
    assert ttt == ["2.1", "2.2", "2.3"]


def test_member_never_appraises_their_own_unit(council, client_for):
    assert [r.submission.unit for r in member_queue(council.m_ttt)] == [council.unit_a]
    client = client_for(council.people.ttt)
    url = reverse("appraisal:unit_page", args=[council.m_ttt.pk, council.sub_b.pk])
    assert client.get(url).status_code == 404


def save(w, member, code, value=None, comment="", accept=False, version=None, sub=None):
    sub = sub or w.sub_a
    node = leaf(sub, code)
    if version is None:
        existing = Appraisal.objects.filter(submission=sub, node=node).first()
        version = existing.version if existing else 0
    return services.appraisal_save(submission=sub, node=node, actor=member.user, version=version, value=value,
                                   comment=comment, accept_proposal=accept)


def test_same_as_self_score_needs_no_comment(council):
    assert save(council, council.m_stc, "3.2", value="4").points == 4


def test_different_from_self_score_requires_a_comment(council):
    with pytest.raises(ValidationError, match="khác điểm tự chấm \\(4 điểm\\): cần ghi nhận xét"):
        save(council, council.m_stc, "3.2", value="3,5")
    assert not Appraisal.objects.filter(points__isnull=False).exists()
    appraisal = save(council, council.m_stc, "3.2", value="3,5", comment="Chưa công khai quyết toán quý IV")
    assert appraisal.points == Decimal("3.5")


def test_above_max_is_refused(council):
    with pytest.raises(ValidationError, match="vượt quá điểm tối đa"):
        save(council, council.m_stc, "3.2", value="5", comment="x")


def test_letter_suffixed_evidence_proposes_zero_which_the_member_confirms(council):
    node = leaf(council.sub_a, "7.3")
    entry = Entry.objects.get(submission=council.sub_a, node=node)
    Evidence.objects.create(entry=entry, file="evidence/x.pdf", original_name="x.pdf", size=1, sha256="0" * 64,
                            kind="pdf", mime="application/pdf", doc_number="30a/KH-SXD",
                            doc_number_normalized="30A/KH-SXD", doc_number_suffix=True, doc_date=date(2024, 11, 1),
                            issuer="Sở Xây dựng", uploaded_by=council.officer_a)
    row = next(r for r in member_unit_rows(council.m_stc, council.sub_a) if r.node.code == "7.3")
    assert row.proposal.points == 0 and "30a/KH-SXD" in row.proposal.reason
    appraisal = save(council, council.m_stc, "7.3", accept=True)
    assert appraisal.points == 0 and appraisal.proposal == "suffix_number" and "30a/KH-SXD" in appraisal.comment
    # Overriding the proposal needs a reason.
    with pytest.raises(ValidationError, match="khác đề xuất tự động"):
        save(council, council.m_stc, "7.3", value="1,5")


def test_first_year_full_marks_only_where_the_framework_says_so(council):
    from tests.factories import UserFactory

    member = services.member_add(period=council.period, user=UserFactory(username="snv.thamdinh"), agency="Sở Nội vụ")
    # tn2024-so carries no first-year note on 8.1/8.2 (dh2024-xa does): no proposal here.
    row = next(r for r in member_unit_rows(member, council.sub_a) if r.node.code == "8.1")
    assert row.proposal is None


def test_two_members_on_one_criterion_never_overwrite_silently(council):
    first = save(council, council.m_stc, "3.2", value="4", version=0)
    with pytest.raises(ConflictError) as exc:
        services.appraisal_save(submission=council.sub_a, node=leaf(council.sub_a, "3.2"), actor=council.people.ttt,
                                version=0, value="2", comment="Thiếu quy chế")
    assert exc.value.entry.points == 4
    assert Appraisal.objects.get(pk=first.pk).points == 4
    save(council, council.m_stc, "3.2", value="3", comment="Sửa: thiếu báo cáo quý")
    history = Appraisal.objects.get(pk=first.pk).history.order_by("history_date")
    assert [h.points for h in history][-2:] == [4, 3]
    assert [h.history_user for h in history][-1] == council.people.stc


def test_quality_levels_are_derived_and_overridable_with_reason(council):
    for code, value, comment in (("3.2", "2,5", "Thiếu"),):
        save(council, council.m_stc, code, value=value, comment=comment)
    rows = {q.node.code: q for q in quality_rows(council.sub_a)}
    assert rows["3.2"].derived == "trung_binh" and rows["3.2"].level == "trung_binh"  # 2,5/4 = 0,625
    with pytest.raises(ValidationError, match="Cần ghi lý do"):
        services.quality_set(submission=council.sub_a, node=leaf(council.sub_a, "3.2"), level="tot", reason="",
                             actor=council.people.stc)
    services.quality_set(submission=council.sub_a, node=leaf(council.sub_a, "3.2"), level="tot",
                         reason="Sản phẩm cụ thể đạt yêu cầu", actor=council.people.stc)
    rows = {q.node.code: q for q in quality_rows(council.sub_a)}
    assert rows["3.2"].level == "tot" and rows["3.2"].derived == "trung_binh"


def test_supplementation_round(council, mailoutbox, django_capture_on_commit_callbacks):
    node = leaf(council.sub_a, "3.2")
    with django_capture_on_commit_callbacks(execute=True):
        request = services.supplement_request(
            submission=council.sub_a, member=council.m_stc, nodes=[node], message="Bổ sung quy chế chi tiêu nội bộ",
            closes_at=timezone.now() + timedelta(days=5))
    assert [m.subject for m in mailoutbox] == [f"Yêu cầu bổ sung tài liệu kiểm chứng — {council.period}"]
    # The unit adds evidence to just that criterion (its self-score stays) and answers.
    Submission.objects.filter(pk=council.sub_a.pk).update(status="sent")
    submission_services.evidence_add(submission=council.sub_a, node=node, actor=council.officer_a,
                                     upload=submission_services.Upload("qc.pdf", tiny_pdf()),
                                     doc_number="12/QĐ-SXD", doc_date=date(2024, 1, 10), issuer="Sở Xây dựng")
    with pytest.raises(ValidationError):
        submission_services.evidence_add(submission=council.sub_a, node=leaf(council.sub_a, "3.3"),
                                         actor=council.officer_a,
                                         upload=submission_services.Upload("x.pdf", tiny_pdf()),
                                         doc_number="13/QĐ-SXD", doc_date=date(2024, 1, 10), issuer="Sở Xây dựng")
    with django_capture_on_commit_callbacks(execute=True):
        services.supplement_answer(request=request, actor=council.officer_a, answer="Đã bổ sung Quyết định 12/QĐ-SXD")
    assert mailoutbox[-1].to == [council.people.stc.email]
    request.refresh_from_db()
    assert request.answered_at and request.answer.startswith("Đã bổ sung")
    assert SupplementRequest.objects.count() == 1


def test_leader_forms_and_paper_tallies_give_section_one(council):
    answers = {code: 5 for code in ("1.1", "1.2", "1.3", "1.4", "1.5")}
    services.leader_form_save(period=council.period, leader=council.people.leader, unit=council.unit_a,
                              answers=answers, submit=True)
    services.leader_form_save(period=council.period, leader=council.people.leader2, unit=council.unit_a,
                              answers={**answers, "1.1": 4}, submit=True)
    a11 = Appraisal.objects.get(submission=council.sub_a, node__code="1.1")
    assert a11.points == Decimal("3.6") and a11.survey_respondents == 2  # (5+4)/2 × 4/5
    services.paper_tally_save(period=council.period, unit=council.unit_a, node=leaf(council.sub_a, "1.1"),
                              counts={"3": 1}, actor=council.secretariat)
    a11.refresh_from_db()
    assert a11.points == Decimal("3.2") and a11.survey_respondents == 3  # (5+4+3)/3 × 4/5
    with pytest.raises(ValidationError, match="từ 1 đến 5"):
        services.leader_form_save(period=council.period, leader=council.people.leader, unit=council.unit_a,
                                  answers={"1.1": 7})
    with pytest.raises(ValidationError, match="Chỉ Lãnh đạo"):
        services.leader_form_save(period=council.period, leader=council.people.stc, unit=council.unit_a,
                                  answers=answers)


def test_closing_requires_everything_appraised_then_freezes(council):
    with pytest.raises(ValidationError, match="chưa thẩm định"):
        services.round_close(period=council.period, actor=council.secretariat)
    for submission in (council.sub_a, council.sub_b):
        for node in [n for n in submission.framework.nodes.all() if n.rule and n.rule["kind"] != "survey"]:
            services.appraisal_save(submission=submission, node=node, actor=council.secretariat, version=0,
                                    value=str(node.max_points))
        for leader in (council.people.leader, council.people.leader2):
            services.leader_form_save(period=council.period, leader=leader, unit=submission.unit, submit=True,
                                      answers={c: 5 for c in ("1.1", "1.2", "1.3", "1.4", "1.5")})
    close_round(council.period, council.secretariat)
    with pytest.raises(ValidationError, match="Đợt thẩm định đã kết thúc"):
        save(council, council.m_stc, "3.2", value="1", comment="muộn")


# --------------------------------------------------------------------------- views and permissions


def test_member_pages_work_for_the_member(council, client_for):
    client = client_for(council.people.stc)
    assert client.get(reverse("appraisal:queue", args=[council.m_stc.pk])).status_code == 200
    page = client.get(reverse("appraisal:unit_page", args=[council.m_stc.pk, council.sub_a.pk])).content.decode()
    assert "Quy chế thực hiện quản lý tài chính, tài sản công" in page and "Công tác thanh tra" not in page
    node = leaf(council.sub_a, "3.2")
    response = client.post(reverse("appraisal:appraisal_save", args=[council.m_stc.pk, council.sub_a.pk, node.pk]),
                           {"version": "0", "value": "3", "comment": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "cần ghi nhận xét" in response.content.decode()
    response = client.post(reverse("appraisal:appraisal_save", args=[council.m_stc.pk, council.sub_a.pk, node.pk]),
                           {"version": "0", "value": "3", "comment": "Thiếu"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Đã lưu" in response.content.decode()


def test_finance_member_cannot_touch_inspectorate_criteria(council, client_for):
    client = client_for(council.people.stc)
    node = leaf(council.sub_a, "2.1")  # Thanh tra tỉnh
    response = client.post(reverse("appraisal:appraisal_save", args=[council.m_stc.pk, council.sub_a.pk, node.pk]),
                           {"version": "0", "value": "3"})
    assert response.status_code == 403
    assert client.get(reverse("appraisal:appraisal_history",
                              args=[council.m_stc.pk, council.sub_a.pk, node.pk])).status_code == 403
    assert not Appraisal.objects.exists()


def test_member_of_one_period_cannot_use_another_seat_or_period(council, client_for):
    client = client_for(council.people.stc)
    # Someone else's seat.
    assert client.get(reverse("appraisal:queue", args=[council.m_ttt.pk])).status_code == 404
    # A submission of another period through their own seat.
    from criteria.models import Framework
    from submissions.models import Period

    period2 = Period.objects.create(authority=council.authority, code="khac", name="Kỳ khác", year=2023,
                                    opens_at=timezone.now() - timedelta(days=30),
                                    closes_at=timezone.now() - timedelta(days=1))
    sub2 = Submission.objects.create(period=period2, unit=council.unit_a, block=council.unit_a.block,
                                     framework=Framework.objects.get(code="tn2024-so"), status="sent")
    assert client.get(reverse("appraisal:unit_page", args=[council.m_stc.pk, sub2.pk])).status_code == 404


@pytest.mark.parametrize("actor", ["officer_a", "approver_b", "outsider", "secretariat"])
def test_member_pages_refuse_everyone_else(council, client_for, actor):
    client = client_for(getattr(council, actor))
    node = leaf(council.sub_a, "3.2")
    urls = [("get", reverse("appraisal:queue", args=[council.m_stc.pk])),
            ("get", reverse("appraisal:unit_page", args=[council.m_stc.pk, council.sub_a.pk])),
            ("post", reverse("appraisal:appraisal_save", args=[council.m_stc.pk, council.sub_a.pk, node.pk])),
            ("post", reverse("appraisal:quality_save", args=[council.m_stc.pk, council.sub_a.pk, node.pk])),
            ("post", reverse("appraisal:supplement", args=[council.m_stc.pk, council.sub_a.pk])),
            ("get", reverse("appraisal:appraisal_history", args=[council.m_stc.pk, council.sub_a.pk, node.pk]))]
    for method, url in urls:
        assert getattr(client, method)(url, {"version": "0", "value": "1"}).status_code == 404, url
    assert not Appraisal.objects.exists()


def test_leader_sees_only_their_own_forms(council, client_for):
    services.leader_form_save(period=council.period, leader=council.people.leader, unit=council.unit_a,
                              answers={"1.1": 2}, submit=False)
    other = client_for(council.people.leader2).get(
        reverse("appraisal:leader_form", args=[council.period.pk, council.unit_a.pk])).content.decode()
    assert 'value="2" id' in other and "checked" not in other  # leader 2 sees an empty form of their own
    assert client_for(council.people.stc).get(
        reverse("appraisal:leader_forms", args=[council.period.pk])).status_code == 403
    assert LeaderForm.objects.count() == 1


def test_units_see_results_only_after_release(council, client_for):
    save(council, council.m_stc, "3.2", value="3", comment="Thiếu báo cáo quý IV")
    client = client_for(council.officer_a)
    url = reverse("appraisal:unit_results", args=[council.sub_a.pk])
    assert client.get(url).status_code == 404
    assert "Thiếu báo cáo quý IV" not in client.get(reverse("submissions:score_page",
                                                            args=[council.sub_a.pk])).content.decode()
    pass_deadline(council.period)
    response = client_for(council.secretariat).post(reverse("appraisal:period_matrix", args=[council.period.pk]),
                                                    {"action": "release", "confirm": "1"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Thiếu báo cáo quý IV" in page
    assert client_for(council.officer_b).get(url).status_code == 404


@pytest.mark.parametrize("actor", ["officer_a", "approver_a", "outsider"])
def test_secretariat_pages_refuse_others(council, client_for, actor):
    client = client_for(getattr(council, actor))
    for url in (reverse("appraisal:period_matrix", args=[council.period.pk]),
                reverse("appraisal:council", args=[council.period.pk]),
                reverse("appraisal:tally", args=[council.period.pk, council.unit_a.pk]),
                reverse("appraisal:export_xlsx", args=[council.period.pk])):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"action": "release"}).status_code in (403, 405), url


def test_secretariat_matrix_and_export(council, client_for):
    save(council, council.m_stc, "3.2", value="3", comment="Thiếu")
    client = client_for(council.secretariat)
    page = client.get(reverse("appraisal:period_matrix", args=[council.period.pk])).content.decode()
    assert "Sở Tài chính" in page and "Thanh tra tỉnh" in page and "1/4" in page
    assert "ngày làm việc" in page
    import io

    from openpyxl import load_workbook

    response = client.get(reverse("appraisal:export_xlsx", args=[council.period.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    row = next(r for r in rows if r[1] == "Sở Xây dựng" and r[2] == "3.2")
    assert row[5] == 4 and row[6] == 3 and row[7] == -1 and row[8] == "Thiếu"


def test_unit_answers_a_request_on_its_page(council, client_for):
    node = leaf(council.sub_a, "3.2")
    request = services.supplement_request(submission=council.sub_a, member=council.m_stc, nodes=[node],
                                          message="Bổ sung", closes_at=timezone.now() + timedelta(days=3))
    client = client_for(council.officer_a)
    assert "Bổ sung" in client.get(reverse("appraisal:unit_requests", args=[council.sub_a.pk])).content.decode()
    client.post(reverse("appraisal:answer", args=[request.pk]), {"answer": "Đã bổ sung"})
    request.refresh_from_db()
    assert request.answer == "Đã bổ sung"
    # Another unit cannot read or answer it.
    assert client_for(council.officer_b).post(reverse("appraisal:answer", args=[request.pk]),
                                              {"answer": "x"}).status_code == 404


def test_first_year_full_marks_on_the_commune_framework(db):
    from tests.appraisal.conftest import fill_and_send
    from tests.factories import UserFactory, make_world

    w = make_world(framework_code="dh2024-xa")
    fill_and_send(w, w.sub_a, w.approver_a)
    member = services.member_add(period=w.period, user=UserFactory(username="pnv"), agency="Phòng Nội vụ")
    rows = {r.node.code: r for r in member_unit_rows(member, w.sub_a)}
    assert rows["8.1"].proposal.code == "first_year" and rows["8.1"].proposal.points == 1
    assert rows["8.2"].proposal.code == "first_year"
    w.period.settings = {"first_year": False}
    w.period.save()
    w.sub_a.refresh_from_db()
    rows = {r.node.code: r for r in member_unit_rows(member, w.sub_a)}
    assert rows["8.1"].proposal is None


def test_queue_filters_by_criterion_and_progress(council, client_for):
    save(council, council.m_stc, "3.2", value="4")
    client = client_for(council.people.stc)
    url = reverse("appraisal:queue", args=[council.m_stc.pk])
    page = client.get(url).content.decode()
    assert "1/4" in page and "Sở Xây dựng" in page and "Sở Y tế" in page
    page = client.get(url, {"tieu_chi": "3.2"}).content.decode()
    assert "1/1" in page
    page = client.get(url, {"tieu_chi": "3.2", "chua_xong": "1"}).content.decode()
    assert "Sở Xây dựng" not in page and "Sở Y tế" in page


def test_seed_003_8_3_compares_with_the_published_index_it_names_not_the_grading(db):
    """seed 003 8.3.1 (rank) and 8.3.2 (score): year Y compares the published results of Y-1 and Y-2."""
    from ranking.models import RankingVersion
    from submissions.models import Period
    from tests.appraisal.conftest import fill_and_send
    from tests.factories import UserFactory, make_world

    w = make_world(framework_code="dh2024-xa")
    # the grading ranking of those years is published too, with the opposite trend: 8.3 must not read it
    for kind, ranks in ((Period.RANK_ONLY, ((2022, 5, "80.00"), (2023, 3, "85.50"))),
                        (Period.GRADING, ((2022, 1, "95.00"), (2023, 9, "60.00")))):
        for year, rank, total in ranks:
            period = Period.objects.create(authority=w.authority, code=f"p{year}-{kind}", kind=kind, year=year,
                                           name=f"Chỉ số CCHC năm {year}" if kind == Period.RANK_ONLY else
                                           f"Xếp loại năm {year}",
                                           opens_at=timezone.now() - timedelta(days=400),
                                           closes_at=timezone.now() - timedelta(days=300))
            RankingVersion.objects.create(period=period, block=w.block, status="published", snapshot={
                "units": [{"id": w.unit_a.code, "rank": rank, "total": total, "grade": "HTTNV"}]})
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)  # the period is year 2024
    member = services.member_add(period=w.period, user=UserFactory(username="pnv2"), agency="Phòng Nội vụ")
    rows = {r.node.code: r for r in member_unit_rows(member, w.sub_a)}
    assert rows["8.3.1"].proposal.code == "compare_previous" and rows["8.3.1"].proposal.points == 1
    assert ("Xếp hạng Chỉ số CCHC (kỳ chỉ xếp hạng) năm 2023 (“Chỉ số CCHC năm 2023”): 3, năm 2022 "
            "(“Chỉ số CCHC năm 2022”): 5") in rows["8.3.1"].proposal.reason
    assert rows["8.3.2"].proposal.points == 2  # 85,50 > 80,00
    appraisal = services.appraisal_save(submission=w.sub_a, node=rows["8.3.2"].node, actor=member.user,
                                        version=0, accept_proposal=True)
    assert appraisal.points == 2 and appraisal.proposal == "compare_previous"


def test_sở_nội_vụ_queue_sorts_criteria_and_sections_naturally(council, client_for):
    """Issue #10, part 1.2: the Sở Nội vụ member's criteria mix "2.4" with sections "IX"/"X" (HTTP 500 before)."""
    from appraisal.models import CouncilMember

    snv = CouncilMember.objects.create(period=council.period, user=council.people.leader2, agency="Sở Nội vụ")
    codes = [r.node.code for r in member_unit_rows(snv, council.sub_a)]
    assert any(c.isalpha() for c in codes) and any(c[0].isdigit() for c in codes)
    response = client_for(council.people.leader2).get(reverse("appraisal:queue", args=[snv.pk]))
    assert response.status_code == 200
    offered = response.context["codes"]
    assert offered == codes and offered[-3:] == ["8.3", "IX", "X"]  # the framework's order, "3.10" after "3.9"
    assert offered.index("3.10") == offered.index("3.9") + 1
