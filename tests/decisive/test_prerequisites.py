"""Issue #10, part 3: no one-way step before its prerequisites. Each refusal names what is missing and
changes nothing; each step taken leaves a StateChange row (who, when, from which state to which)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from appraisal import services as appraisal_services
from appraisal.models import AppraisalRound
from appraisal.rules import agency_matches
from appraisal.selectors import close_gaps, member_queue
from criteria.tree import effective_agency
from ranking import services as ranking_services
from ranking.models import RankingVersion
from submissions import services
from submissions.models import Period, Role, StateChange, Submission
from submissions.transitions import TABLES
from tests.appraisal.conftest import fill_and_send
from tests.factories import UserFactory, attach_evidence, close_round, leaf, make_world, pass_deadline, staff_council
from tests.ranking.test_publication import appraise_all, leaders

pytestmark = pytest.mark.django_db


def changes(obj, action=None):
    kind = next(t.kind for t in TABLES.values() if t.model is type(obj))
    rows = StateChange.objects.filter(object_type=kind, object_id=obj.pk)
    return list(rows.filter(action=action) if action else rows)


def fill(world, submission, actor):
    for node in submission.framework.nodes.all():
        if node.rule and node.rule["kind"] != "survey":
            services.entry_save(submission=submission, node=node, actor=actor, version=0,
                                value=str(node.max_points), explanation="Tại Mục 1 Báo cáo 9/BC")
            attach_evidence(submission, node, actor)


# --------------------------------------------------------------------------- send, withdraw, lock


def test_send_lists_everything_missing_and_changes_nothing(db):
    w = make_world()
    with pytest.raises(ValidationError) as refused:
        services.submission_send(submission=w.sub_a, actor=w.approver_a)
    text = " ".join(refused.value.messages)
    assert refused.value.messages[0] == "Chưa gửi báo cáo được:"
    assert "Chưa chấm điểm" in text and "Hãy chọn mức xếp loại" in text and "Điều 8.1.b" in text
    assert Submission.objects.get(pk=w.sub_a.pk).status == "draft" and not StateChange.objects.exists()


def test_an_officer_cannot_send(db):
    w = make_world()
    fill(w, w.sub_a, w.officer_a)
    with pytest.raises(PermissionDenied):
        services.submission_send(submission=w.sub_a, actor=w.officer_a, proposed_grade="HTTNV",
                                 endorsed_on=timezone.localdate())


def test_send_is_recorded_with_the_endorsement(db):
    w = make_world()
    fill(w, w.sub_a, w.officer_a)
    sent = services.submission_send(submission=w.sub_a, actor=w.approver_a, proposed_grade="HTTNV",
                                    endorsed_on=timezone.localdate(), endorsement_note="Biên bản 12/BB-SXD")
    assert sent.endorsed_on == timezone.localdate() and sent.endorsement_note == "Biên bản 12/BB-SXD"
    [row] = changes(sent, "send")
    assert (row.from_state, row.to_state, row.actor, row.note) == ("draft", "sent", w.approver_a, "Biên bản 12/BB-SXD")


def test_review_page_preselects_no_grade_and_confirms_before_sending(db, client_for):
    w = make_world()
    fill(w, w.sub_a, w.officer_a)
    client = client_for(w.approver_a)
    url = reverse("submissions:review", args=[w.sub_a.pk])
    page = client.get(url).content.decode()
    select = page[page.index('name="proposed_grade"'):page.index("</select>", page.index('name="proposed_grade"'))]
    assert " selected" not in select
    # First post: the confirmation page, nothing sent; a grade above the projection is warned about.
    data = {"step": "confirm", "proposed_grade": "HTXSNV", "endorsed_on": timezone.localdate().isoformat()}
    confirm = client.post(url, data)
    assert confirm.status_code == 200 and "Xác nhận gửi" in confirm.content.decode()
    assert Submission.objects.get(pk=w.sub_a.pk).status == "draft"
    # A refused confirmation keeps what was typed.
    refused = client.post(url, {**data, "endorsed_on": "", "endorsement_note": "Biên bản 3"})
    body = refused.content.decode()
    assert refused.status_code == 400 and "Điều 8.1.b" in body and 'value="Biên bản 3"' in body
    assert 'name="proposed_grade" value="HTXSNV"' in body
    client.post(url, {**data, "step": "send"})
    assert Submission.objects.get(pk=w.sub_a.pk).status == "sent"


def test_grade_above_the_projection_is_warned(db, client_for):
    w = make_world()
    fill(w, w.sub_a, w.officer_a)
    entry_node = leaf(w.sub_a, "2.1")
    services.entry_save(submission=w.sub_a, node=entry_node, actor=w.officer_a, version=1, value="0",
                        explanation="Tại Mục 1 Báo cáo 9/BC")
    response = client_for(w.approver_a).post(reverse("submissions:review", args=[w.sub_a.pk]), {
        "step": "confirm", "proposed_grade": "HTXSNV", "endorsed_on": timezone.localdate().isoformat()})
    assert "cao hơn mức tổng điểm dự kiến cho phép" in response.content.decode()


def test_withdraw_before_the_deadline_and_before_any_appraisal(db):
    w = make_world()
    sent = fill_and_send(w, w.sub_a, w.approver_a)
    with pytest.raises(ValidationError, match="lý do"):
        services.submission_withdraw(submission=sent, actor=w.approver_a, reason=" ")
    back = services.submission_withdraw(submission=sent, actor=w.approver_a, reason="Sửa số liệu tiêu chí 2.1")
    assert back.status == "draft" and back.sent_at is None
    [row] = changes(back, "withdraw")
    assert (row.from_state, row.to_state, row.note) == ("sent", "draft", "Sửa số liệu tiêu chí 2.1")


def test_withdraw_is_refused_once_the_council_appraised(db):
    w = make_world()
    sent = fill_and_send(w, w.sub_a, w.approver_a)
    node = leaf(sent, "3.2")
    appraisal_services.appraisal_save(submission=sent, node=node, actor=w.secretariat, version=0,
                                      value=str(node.max_points))
    with pytest.raises(ValidationError, match="Hội đồng thẩm định đã bắt đầu chấm"):
        services.submission_withdraw(submission=sent, actor=w.approver_a, reason="Sửa")
    assert Submission.objects.get(pk=sent.pk).status == "sent"


def test_withdraw_is_refused_after_the_deadline(db):
    w = make_world()
    sent = fill_and_send(w, w.sub_a, w.approver_a)
    pass_deadline(w.period)
    with pytest.raises(ValidationError, match="Đã hết hạn gửi"):
        services.submission_withdraw(submission=Submission.objects.get(pk=sent.pk), actor=w.approver_a,
                                     reason="Sửa")


def test_the_deadline_lock_is_recorded(db):
    w = make_world()
    fill_and_send(w, w.sub_a, w.approver_a)
    pass_deadline(w.period)
    assert services.submissions_lock_overdue() == 1
    [row] = changes(w.sub_b, "lock")
    assert (row.from_state, row.to_state, row.actor) == ("draft", "locked", None)
    assert services.submissions_lock_overdue() == 0 and len(changes(w.sub_b, "lock")) == 1


# --------------------------------------------------------------------------- unsent sheets


def test_an_unsent_sheet_is_not_appraised_and_ranks_zero(db):
    w = make_world()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    member = appraisal_services.member_add(period=w.period, user=UserFactory(username="tv"), agency="Sở Tài chính")
    pass_deadline(w.period)
    services.submissions_lock_overdue()
    assert [r.submission.pk for r in member_queue(member)] == [w.sub_a.pk]
    appraise_all(w.sub_a, w.secretariat)
    leaders(w, w.unit_a)
    assert not [g for g in close_gaps(w.period) if "Sở Y tế" in g.text]  # B is not waited for
    close_round(w.period, w.secretariat)
    version = ranking_services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    b = next(u for u in version.snapshot["units"] if u["id"] == "so-y-te")
    assert b["total"] == "0.00" and b["grade"] == "KHTNV" and b["reasons"][0] == ranking_services.UNSENT_REASON


def test_the_period_may_appraise_unsent_sheets_instead(db):
    w = make_world()
    Period.objects.filter(pk=w.period.pk).update(settings={"unsent_at_deadline": "appraised"})
    w.period.refresh_from_db()
    member = appraisal_services.member_add(period=w.period, user=UserFactory(username="tv"), agency="Sở Tài chính")
    pass_deadline(w.period)
    services.submissions_lock_overdue()
    assert {r.submission.unit.code for r in member_queue(member)} == {"so-xay-dung", "so-y-te"}


# --------------------------------------------------------------------------- release and close


def test_release_before_the_deadline_is_refused(db):
    w = make_world()
    with pytest.raises(ValidationError, match="Chưa hết hạn gửi báo cáo"):
        appraisal_services.round_release(period=w.period, actor=w.secretariat)
    assert not AppraisalRound.objects.filter(released_at__isnull=False).exists()
    assert not StateChange.objects.exists()
    pass_deadline(w.period)
    current = appraisal_services.round_release(period=w.period, actor=w.secretariat)
    assert current.status == "released" and current.released_by == w.secretariat
    [row] = changes(current, "release")
    assert row.actor == w.secretariat and (row.from_state, row.to_state) == ("open", "released")


def test_only_the_secretariat_releases(db):
    w = make_world()
    pass_deadline(w.period)
    with pytest.raises(PermissionDenied):
        appraisal_services.round_release(period=w.period, actor=w.approver_a)


def test_closing_lists_each_missing_unit_criterion_agency_and_section_one(db):
    w = make_world()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    w.sub_b = fill_and_send(w, w.sub_b, w.approver_b)
    pass_deadline(w.period)
    appraisal_services.round_release(period=w.period, actor=w.secretariat)
    with pytest.raises(ValidationError) as refused:
        appraisal_services.round_close(period=w.period, actor=w.secretariat)
    text = refused.value.messages
    assert "Sở Xây dựng: tiêu chí 3.2 chưa thẩm định (Sở Tài chính)." in text
    assert "Sở Y tế: Mục I, tiêu chí 1.1 chưa có phiếu đánh giá của Lãnh đạo hoặc số phiếu giấy." in text
    assert any(m.startswith("Cơ quan thẩm định “Thanh tra tỉnh” chưa có thành viên") for m in text)
    assert AppraisalRound.objects.get(period=w.period).status == "released"
    assert not StateChange.objects.filter(action="close").exists()


def test_closing_waits_for_derived_levels_that_bar_a_grade(db, client_for):
    w = make_world()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    w.sub_b = fill_and_send(w, w.sub_b, w.approver_b)
    for submission in (w.sub_a, w.sub_b):
        appraise_all(submission, w.secretariat)
        leaders(w, submission.unit)
    # One ND2 criterion of A at 80 %: its level is Tốt, which keeps A (total ≥ 90) from HTXSNV.
    node = leaf(w.sub_a, "6.1")
    appraisal = node.appraisals.get(submission=w.sub_a)
    appraisal_services.appraisal_save(submission=w.sub_a, node=node, actor=w.secretariat,
                                      version=appraisal.version, comment="Chưa đạt chỉ tiêu",
                                      value=str((node.max_points * Decimal("0.8")).quantize(Decimal("0.01"))))
    pass_deadline(w.period)
    staff_council(w.period)
    appraisal_services.round_release(period=w.period, actor=w.secretariat)
    criterion = node if node.kind == "criterion" else node.criterion
    with pytest.raises(ValidationError) as refused:
        appraisal_services.round_close(period=w.period, actor=w.secretariat)
    [gap] = refused.value.messages[1:]
    assert gap.startswith(f"Sở Xây dựng: tiêu chí {criterion.code} ở mức Tốt") and "Hoàn thành xuất sắc" in gap
    # The member of the criterion's agency sees it flagged on the unit page and confirms it there.
    member = next(m for m in w.period.council.all() if node.appraisals.exists()
                  and agency_matches(effective_agency(criterion, {n.id: n for n in w.sub_a.framework.nodes.all()}),
                                     m.keyword_list()))
    client = client_for(member.user)
    page = client.get(reverse("appraisal:unit_page", args=[member.pk, w.sub_a.pk])).content.decode()
    assert "Cần Hội đồng xác nhận hoặc điều chỉnh trước khi kết thúc thẩm định" in page
    response = client.post(reverse("appraisal:quality_save", args=[member.pk, w.sub_a.pk, criterion.pk]),
                           {"level": "tot", "reason": "Hội đồng xác nhận mức tính từ điểm thẩm định."})
    assert response.status_code == 302
    closed = appraisal_services.round_close(period=w.period, actor=w.secretariat)
    assert closed.status == "closed" and closed.closed_by == w.secretariat
    assert changes(closed, "close")[0].actor == w.secretariat


def test_the_close_page_lists_missing_items_with_links(db, client_for):
    w = make_world()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    pass_deadline(w.period)
    client = client_for(w.secretariat)
    url = reverse("appraisal:period_matrix", args=[w.period.pk])
    assert client.post(url, {"action": "release", "confirm": "1"}).status_code == 302
    page = client.post(url, {"action": "close"})
    body = page.content.decode()
    assert page.status_code == 400 and "Sở Xây dựng: tiêu chí 3.2 chưa thẩm định" in body
    assert reverse("submissions:score_page", args=[w.sub_a.pk]) + "#n-3-2" in body
    assert reverse("appraisal:council", args=[w.period.pk]) in body
    assert reverse("appraisal:tally", args=[w.period.pk, w.unit_a.pk]) in body
    assert AppraisalRound.objects.get(period=w.period).status == "released"


# --------------------------------------------------------------------------- ranking


@pytest.fixture
def closed(db):
    """Two units with identical appraised scores: a tie at three decimals below the cap boundary."""
    w = make_world()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    w.sub_b = fill_and_send(w, w.sub_b, w.approver_b)
    for submission in (w.sub_a, w.sub_b):
        appraise_all(submission, w.secretariat, Decimal("0.8"))
        leaders(w, submission.unit, answer=4)
    w.chair = UserFactory(username="ct.hoidong")
    Role.objects.create(user=w.chair, kind=Role.CHAIR, authority=w.authority)
    w.chairman = UserFactory(username="ct.ubnd")
    Role.objects.create(user=w.chairman, kind=Role.CHAIRMAN, authority=w.authority)
    return w


def test_ranking_waits_for_the_closed_round(closed):
    with pytest.raises(ValidationError, match="Đợt thẩm định của kỳ chưa kết thúc"):
        ranking_services.ranking_compute(period=closed.period, block=closed.block, actor=closed.secretariat)
    assert not RankingVersion.objects.exists()


def test_every_remaining_tie_needs_the_chair_before_submitting(closed, client_for):
    close_round(closed.period, closed.secretariat)
    version = ranking_services.ranking_compute(period=closed.period, block=closed.block, actor=closed.secretariat)
    assert version.snapshot["ties"] == [["so-xay-dung", "so-y-te"]] and not version.snapshot["unresolved"]
    with pytest.raises(ValidationError, match="chưa được Chủ tịch Hội đồng thẩm định quyết định thứ tự") as refused:
        ranking_services.ranking_submit(version=version, actor=closed.secretariat)
    assert "Sở Xây dựng, Sở Y tế" in refused.value.messages[-1]
    assert RankingVersion.objects.get().status == "draft"
    # The chair orders by choosing units in selects (no typed codes).
    url = reverse("ranking:block", args=[closed.period.pk, closed.block.pk])
    page = client_for(closed.chair).get(url).content.decode()
    assert 'name="nhom-0-0"' in page and 'name="nhom-0-1"' in page and 'name="orders"' not in page
    client_for(closed.chair).post(url, {"action": "chair", "nhom-0-0": "so-y-te", "nhom-0-1": "so-xay-dung",
                                        "note": "Biểu quyết của Hội đồng ngày 15/01/2025"})
    version = RankingVersion.objects.get()
    assert [u["id"] for u in version.snapshot["units"]] == ["so-y-te", "so-xay-dung"]
    assert any("bằng điểm: Sở Y tế, Sở Xây dựng." in r for r in version.snapshot["units"][0]["reasons"])
    assert changes(version, "chair_order")[0].actor == closed.chair
    ranking_services.ranking_submit(version=version, actor=closed.secretariat)
    assert [c.action for c in changes(version)] == ["compute", "chair_order", "submit"]


def test_a_chair_order_naming_a_unit_twice_is_refused(closed, client_for):
    close_round(closed.period, closed.secretariat)
    ranking_services.ranking_compute(period=closed.period, block=closed.block, actor=closed.secretariat)
    url = reverse("ranking:block", args=[closed.period.pk, closed.block.pk])
    response = client_for(closed.chair).post(url, {"action": "chair", "nhom-0-0": "so-y-te", "nhom-0-1": "so-y-te",
                                                   "note": "Biểu quyết"}, follow=True)
    assert "không phải là một nhóm đơn vị bằng điểm" in response.content.decode()
    assert not RankingVersion.objects.get().chair_order


def _submitted(w):
    """The round closed, the block computed, the tie ordered by the chair, submitted to the chairman."""
    close_round(w.period, w.secretariat)
    version = ranking_services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    version = ranking_services.chair_decide(version=version, orders=[["so-xay-dung", "so-y-te"]], note="Biểu quyết",
                                            actor=w.chair)
    return ranking_services.ranking_submit(version=version, actor=w.secretariat)


def _published(w):
    return ranking_services.ranking_approve(version=_submitted(w), actor=w.chairman, decision_number="125/QĐ-UBND",
                                            decision_date=date(2025, 1, 20))


def test_approval_needs_a_decision_not_in_the_future(closed):
    version = _submitted(closed)
    for number, day, message in (("", date(2025, 1, 20), "số quyết định"), ("1/QĐ", None, "ngày quyết định"),
                                 ("1/QĐ", timezone.localdate() + timedelta(days=1), "không được sau hôm nay")):
        with pytest.raises(ValidationError, match=message):
            ranking_services.ranking_approve(version=version, actor=closed.chairman, decision_number=number,
                                             decision_date=day)
    assert RankingVersion.objects.get().status == "submitted"
    published = ranking_services.ranking_approve(version=version, actor=closed.chairman, decision_number="1/QĐ",
                                                 decision_date=date(2025, 1, 20))
    row = changes(published, "approve")[0]
    assert row.decision_number == "1/QĐ" and row.actor == closed.chairman


def test_the_revocation_preview_leaves_the_decision_to_the_approval_when_others_change(closed, client_for):
    published = _published(closed)
    for unit in (closed.unit_a, closed.unit_b):
        ranking_services.facts_save(period=closed.period, unit=unit, actor=closed.secretariat, outstanding=False,
                                    discipline="unremedied", corruption="none", disunity=False,
                                    subunits_disciplined_share="0", evidence="Kết luận 88/KL-TTr")
    url = reverse("ranking:block", args=[closed.period.pk, closed.block.pk])
    preview = client_for(closed.chairman).post(url, {
        "action": "revoke", "unit": "so-xay-dung", "reason": "Vi phạm", "decision_number": "300/QĐ-UBND",
        "decision_date": "2025-03-01"}).content.decode()
    assert "Sở Y tế: xếp loại Hoàn thành tốt nhiệm vụ → Không hoàn thành nhiệm vụ." in preview
    assert "số và ngày do Chủ tịch UBND ghi khi phê duyệt" in preview and "Quyết định số 300/QĐ-UBND" not in preview
    assert RankingVersion.objects.get(pk=published.pk).status == "published"  # nothing changed yet


def test_tie_names_are_shown_not_codes(closed, client_for):
    close_round(closed.period, closed.secretariat)
    version = ranking_services.ranking_compute(period=closed.period, block=closed.block, actor=closed.secretariat)
    reasons = " ".join(r for u in version.snapshot["units"] for r in u["reasons"])
    assert "so-y-te" not in reasons and "so-xay-dung" not in reasons and "Sở Y tế" in reasons


def test_the_approval_preview_is_the_public_page(closed, client_for, client):
    version = _submitted(closed)
    url = reverse("ranking:block", args=[closed.period.pk, closed.block.pk])
    data = {"action": "approve", "decision_number": "125/QĐ-UBND", "decision_date": "2025-01-20"}
    preview = client_for(closed.chairman).post(url, data).content.decode()
    assert RankingVersion.objects.get().status == "submitted"
    client_for(closed.chairman).post(url, {**data, "confirm": "1"})
    public = client.get(reverse("ranking:public_detail", args=[version.pk])).content.decode()

    def table(html):
        start = html.index('<div class="table-responsive"><table class="table bg-white')
        return html[start:html.index("</table>", start)]

    assert table(preview) == table(public) and "Sở Xây dựng" in table(public)


def test_revocation_changing_another_unit_goes_to_the_chairman(closed, client):
    published = _published(closed)
    # Corrected facts: B is disciplined as well; revoking A's result re-ranks B's grade too.
    for unit in (closed.unit_a, closed.unit_b):
        ranking_services.facts_save(period=closed.period, unit=unit, actor=closed.secretariat, outstanding=False,
                                    discipline="unremedied", corruption="none", disunity=False,
                                    subunits_disciplined_share="0", evidence="Kết luận 88/KL-TTr")
    new = ranking_services.ranking_revoke(version=published, actor=closed.chairman, reason="Vi phạm phát hiện sau",
                                          unit_code="so-xay-dung", decision_number="300/QĐ-UBND",
                                          decision_date=date(2025, 3, 1))
    assert RankingVersion.objects.get(pk=published.pk).status == "revoked"
    assert new.status == "submitted" and new.decision_number == ""
    assert new.snapshot["revision_of"]["differences"] == [
        "Sở Y tế: xếp loại Hoàn thành tốt nhiệm vụ → Không hoàn thành nhiệm vụ."]
    old_page = client.get(reverse("ranking:public_detail", args=[published.pk])).content.decode()
    assert "đã bị hủy bỏ" in old_page and "đang chờ phê duyệt" in old_page
    assert client.get(reverse("ranking:public_detail", args=[new.pk])).status_code == 404
    approved = ranking_services.ranking_approve(version=new, actor=closed.chairman, decision_number="301/QĐ-UBND",
                                                decision_date=date(2025, 3, 2))
    assert approved.status == "published"
    assert [c.action for c in changes(new)] == ["rerank_submit", "approve"]
    old_page = client.get(reverse("ranking:public_detail", args=[published.pk])).content.decode()
    assert "hủy bỏ theo Quyết định số 300/QĐ-UBND ngày 01/03/2025" in old_page
    assert "kết quả của Sở Xây dựng" in old_page
    new_page = client.get(reverse("ranking:public_detail", args=[new.pk])).content.decode()
    assert "thay thế kết quả lần 1" in new_page and "301/QĐ-UBND" in new_page
    assert changes(published, "revoke")[0].decision_number == "300/QĐ-UBND"


def test_revocation_changing_only_the_revoked_unit_is_published_at_once(closed):
    published = _published(closed)
    ranking_services.facts_save(period=closed.period, unit=closed.unit_a, actor=closed.secretariat,
                                outstanding=False, discipline="unremedied", corruption="none", disunity=False,
                                subunits_disciplined_share="0", evidence="Kết luận 88/KL-TTr")
    new = ranking_services.ranking_revoke(version=published, actor=closed.chairman, reason="Vi phạm",
                                          unit_code="so-xay-dung", decision_number="300/QĐ-UBND",
                                          decision_date=date(2025, 3, 1))
    assert new.status == "published" and new.decision_number == "300/QĐ-UBND"
    assert [c.action for c in changes(new)] == ["rerank_publish"]


def test_the_period_page_shows_who_took_each_step(closed, client_for):
    _published(closed)
    page = client_for(closed.secretariat).get(reverse("ranking:period", args=[closed.period.pk])).content.decode()
    for label in ("Công bố kết quả thẩm định cho đơn vị", "Kết thúc đợt thẩm định", "Tính kết quả xếp loại",
                  "Phê duyệt và công bố kết quả"):
        assert label in page
    assert str(closed.secretariat) in page and str(closed.chairman) in page and "125/QĐ-UBND" in page
    detail = client_for(closed.secretariat).get(reverse("submissions:period_detail", args=[closed.period.pk]))
    assert "Gửi báo cáo" in detail.content.decode() and str(closed.approver_a) in detail.content.decode()


# --------------------------------------------------------------------------- refused forms keep what was typed


def test_a_refused_withdrawal_keeps_the_reason(db, client_for):
    w = make_world()
    sent = fill_and_send(w, w.sub_a, w.approver_a)
    node = leaf(sent, "3.2")
    appraisal_services.appraisal_save(submission=sent, node=node, actor=w.secretariat, version=0,
                                      value=str(node.max_points))
    response = client_for(w.approver_a).post(reverse("submissions:review", args=[sent.pk]),
                                             {"step": "withdraw", "reason": "Sửa số liệu tiêu chí 2.1"})
    body = response.content.decode()
    assert response.status_code == 400 and "Hội đồng thẩm định đã bắt đầu chấm" in body
    assert ">Sửa số liệu tiêu chí 2.1</textarea>" in body
    assert Submission.objects.get(pk=sent.pk).status == "sent"


def test_a_refused_chair_order_keeps_the_chosen_order(closed, client_for):
    close_round(closed.period, closed.secretariat)
    ranking_services.ranking_compute(period=closed.period, block=closed.block, actor=closed.secretariat)
    url = reverse("ranking:block", args=[closed.period.pk, closed.block.pk])
    response = client_for(closed.chair).post(url, {"action": "chair", "nhom-0-0": "so-y-te",
                                                   "nhom-0-1": "so-xay-dung", "note": ""})
    body = response.content.decode()
    assert response.status_code == 400 and "Hãy ghi căn cứ" in body
    first = body[body.index('name="nhom-0-0"'):body.index("</select>", body.index('name="nhom-0-0"'))]
    assert '<option value="so-y-te" selected>' in first
    assert not RankingVersion.objects.get().chair_order


def test_a_refused_approval_keeps_the_decision_and_marks_the_wrong_field(closed, client_for):
    _submitted(closed)
    url = reverse("ranking:block", args=[closed.period.pk, closed.block.pk])
    response = client_for(closed.chairman).post(url, {"action": "approve", "decision_number": "125/QĐ-UBND",
                                                      "decision_date": "31/02/2025"})
    body = response.content.decode()
    assert response.status_code == 400 and "Ngày quyết định không hợp lệ: nhập theo dạng ngày/tháng/năm" in body
    assert 'value="125/QĐ-UBND"' in body and 'id="cf-date" value="31/02/2025"' in body
    assert 'is-invalid" type="text" inputmode="numeric" placeholder="dd/mm/yyyy"' in body
    assert 'is-invalid" name="decision_number"' not in body
    assert RankingVersion.objects.get().status == "submitted"


def test_a_refused_revocation_keeps_reason_and_unit(closed, client_for):
    _published(closed)
    url = reverse("ranking:block", args=[closed.period.pk, closed.block.pk])
    body = client_for(closed.chairman).post(url, {"action": "revoke", "unit": "so-y-te", "reason": "Vi phạm",
                                                  "decision_number": "", "decision_date": "2025-03-01"}
                                            ).content.decode()
    assert "Hãy nhập số quyết định." in body and ">Vi phạm</textarea>" in body
    assert '<option value="so-y-te" selected>' in body
    assert RankingVersion.objects.get().status == "published"


def test_submitting_asks_for_confirmation_and_lists_unordered_ties(closed, client_for):
    close_round(closed.period, closed.secretariat)
    ranking_services.ranking_compute(period=closed.period, block=closed.block, actor=closed.secretariat)
    url = reverse("ranking:block", args=[closed.period.pk, closed.block.pk])
    client = client_for(closed.secretariat)
    refused = client.post(url, {"action": "submit"})
    assert refused.status_code == 400 and "chưa được Chủ tịch Hội đồng thẩm định quyết định thứ tự" in \
        refused.content.decode() and "Xác nhận trình" not in refused.content.decode()
    version = ranking_services.chair_decide(version=RankingVersion.objects.get(), orders=[["so-y-te", "so-xay-dung"]],
                                            note="Biểu quyết", actor=closed.chair)
    confirmation = client.post(url, {"action": "submit"})
    assert confirmation.status_code == 200 and "Xác nhận trình" in confirmation.content.decode()
    assert RankingVersion.objects.get(pk=version.pk).status == "draft"
    client.post(url, {"action": "submit", "confirm": "1"})
    assert RankingVersion.objects.get(pk=version.pk).status == "submitted"
