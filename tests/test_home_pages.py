"""The home page per role (issue #14 item 2): what waits for each person, the secretariat's reminder to chosen
units, and the link to the page that needs action in every e-mail the system sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Appraisal, AppraisalRound, CouncilMember, LeaderForm, SupplementRequest
from appraisal.selectors import period_countdowns
from config.dates import VIETNAM
from config.home import Deadline, leader_tasks, time_left
from criteria.models import Authority, Node
from ranking.models import RankingVersion
from submissions import services
from submissions.models import Assignment, Block, Entry, Period, PeriodBlock, Role, Submission, Unit, Window
from submissions.phase_deadlines import DEFAULTS, LEADER
from submissions.reminder_models import ManualReminder
from tests.appraisal.conftest import council  # noqa: F401  (the fixture)
from tests.factories import UserFactory, leaf, make_world

pytestmark = pytest.mark.django_db

SITE = "https://danhgia.example.gov.vn"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _home(client_for, user):
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return _text(response)


def _text(response) -> str:
    """The page with its whitespace collapsed (templates wrap their lines at 120 characters)."""
    return " ".join(response.content.decode().split())


def _score(submission, code, points="1"):
    Entry.objects.update_or_create(submission=submission, node=leaf(submission, code),
                                   defaults={"points": points, "updated_at": timezone.now()})


# --------------------------------------------------------------------------- the countdown


def test_time_left_words():
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    assert time_left(now + timedelta(days=3, hours=4, minutes=5), now) == "Còn 3 ngày 4 giờ"
    assert time_left(now + timedelta(hours=2, minutes=15), now) == "Còn 2 giờ 15 phút"
    assert time_left(now + timedelta(minutes=9, seconds=30), now) == "Còn 9 phút"
    assert time_left(now, now) == "Đã hết hạn"
    # 10:00 UTC is 17:00 in Vietnam: the deadline is written in Vietnam time whatever the server's zone
    assert Deadline(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), now).text == "17:00 ngày 25/11/2026"


# --------------------------------------------------------------------------- officer and approver


def test_officer_sees_deadline_progress_and_own_empty_criteria(client_for):
    w = make_world()
    deadline = (timezone.now() + timedelta(days=2, hours=5)).replace(second=0, microsecond=0)
    Period.objects.filter(pk=w.period.pk).update(closes_at=deadline)
    Assignment.objects.create(submission=w.sub_a, node=leaf(w.sub_a, "3.2"), user=w.officer_a)
    _score(w.sub_a, "3.3")
    page = _home(client_for, w.officer_a)
    local = timezone.localtime(deadline, timezone=timezone.get_fixed_timezone(7 * 60))
    assert f"{local:%H:%M} ngày {local:%d/%m/%Y}" in page and "giờ Việt Nam" in page
    assert "Còn 2 ngày 4 giờ" in page or "Còn 2 ngày 5 giờ" in page  # the server's text, without JS
    scorable = sum(1 for n in Node.objects.filter(framework=w.sub_a.framework)
                   if n.rule and n.rule.get("kind") != "survey")
    assert f"<strong>1/{scorable}</strong>" in page
    assert "Tiêu chí được phân công cho bạn còn trống" in page
    score = reverse("submissions:score_page", args=[w.sub_a.pk])
    assert f'href="{score}#n-3-2"' in page
    assert f'href="{score}#n-3-3"' not in page  # not theirs (and scored)
    assert 'id="n-3-2"' in client_for(w.officer_a).get(score).content.decode()  # the link lands on the criterion
    # once scored, the assigned criterion leaves the list
    _score(w.sub_a, "3.2")
    page = _home(client_for, w.officer_a)
    assert f'href="{score}#n-3-2"' not in page and "Các tiêu chí được phân công cho bạn đã chấm" in page
    # nothing of unit A for the people of unit B, the outsider or the secretariat's unit part
    for other in (w.officer_b, w.approver_b, w.outsider):
        page = _home(client_for, other)
        assert score not in page  # no link to unit A's sheet
        assert "Sở Xây dựng — " not in page
    assert "Sở Y tế — " in _home(client_for, w.officer_b)


def test_approver_without_assignment_sees_the_sheets_empty_criteria(client_for):
    w = make_world()
    page = _home(client_for, w.approver_a)
    assert "Tiêu chí còn trống của báo cáo" in page
    assert reverse("submissions:score_page", args=[w.sub_a.pk]) + "#n-" in page


def test_sent_sheet_is_not_listed_but_open_supplementation_requests_are(client_for):
    w = make_world()
    Submission.objects.filter(pk=w.sub_a.pk).update(status=Submission.SENT, sent_at=timezone.now())
    member_user = UserFactory(username="stc.member")
    seat = CouncilMember.objects.create(period=w.period, user=member_user, agency="Sở Tài chính")
    window = Window.objects.create(submission=w.sub_a, created_by=member_user,
                                   closes_at=timezone.now() + timedelta(days=3, hours=1, minutes=30))
    window.nodes.set([leaf(w.sub_a, "3.2")])
    SupplementRequest.objects.create(submission=w.sub_a, member=seat, window=window, message="Bổ sung quy chế")
    page = _home(client_for, w.officer_a)
    assert "Không có báo cáo nào đang trong hạn nhập" in page
    assert "Yêu cầu bổ sung đang mở" in page and "Sở Tài chính đề nghị bổ sung tiêu chí" in page
    assert reverse("appraisal:unit_requests", args=[w.sub_a.pk]) in page and "Còn 3 ngày 1 giờ" in page
    assert "Yêu cầu bổ sung đang mở" not in _home(client_for, w.officer_b)


# --------------------------------------------------------------------------- council, leader, chairman


def test_council_member_sees_units_and_working_days_left(council, client_for):  # noqa: F811
    page = _home(client_for, council.people.stc)
    assert "Phần việc thẩm định của tôi" in page
    assert reverse("appraisal:unit_page", args=[council.m_stc.pk, council.sub_a.pk]) in page
    assert reverse("appraisal:unit_page", args=[council.m_stc.pk, council.sub_b.pk]) in page
    assert "tiêu chí chưa thẩm định" in page and "ngày làm việc" in page
    # the Thanh tra member works in unit B: unit B is not in their share
    page = _home(client_for, council.people.ttt)
    assert reverse("appraisal:unit_page", args=[council.m_ttt.pk, council.sub_a.pk]) in page
    assert reverse("appraisal:unit_page", args=[council.m_ttt.pk, council.sub_b.pk]) not in page
    assert "Phần việc thẩm định" not in _home(client_for, council.officer_a)


def test_leader_sees_forms_left(client_for):
    w = make_world()
    leader = UserFactory(username="lanh.dao")
    Role.objects.create(user=leader, kind=Role.LEADER, authority=w.authority)
    form_a = reverse("appraisal:leader_form", args=[w.period.pk, w.unit_a.pk])
    form_b = reverse("appraisal:leader_form", args=[w.period.pk, w.unit_b.pk])
    page = _home(client_for, leader)
    assert form_a in page and form_b in page and "còn 2 phiếu" in page
    LeaderForm.objects.create(period=w.period, leader=leader, unit=w.unit_a, answers={},
                              submitted_at=timezone.now())
    page = _home(client_for, leader)
    assert form_a not in page and form_b in page
    assert form_b not in _home(client_for, w.secretariat) and form_b not in _home(client_for, w.officer_a)


def _leader_world():
    """make_world + a second block (two more units, the same framework) and a leader of the authority."""
    w = make_world()
    w.block2 = Block.objects.create(authority=w.authority, code="khoi-2", name="Khối huyện", ordering=2)
    for code, name in (("huyen-mot", "Huyện Một"), ("huyen-hai", "Huyện Hai")):
        Unit.objects.create(authority=w.authority, block=w.block2, code=code, name=name)
    framework = w.sub_a.framework
    services.period_save(period=w.period, frameworks={w.block: framework, w.block2: framework})
    w.leader = UserFactory(username="lanh.dao")
    Role.objects.create(user=w.leader, kind=Role.LEADER, authority=w.authority)
    return w


def _leader_deadline(w, block, moment):
    PeriodBlock.objects.filter(period=w.period, block=block).update(leader_deadline=moment)


def _vietnam(moment) -> str:
    local = moment.astimezone(VIETNAM)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def test_leader_sees_the_deadline_of_each_block_and_not_the_forms_past_it(client_for):
    w = _leader_world()
    sheets = {b.pk: list(Submission.objects.filter(period=w.period, block=b).select_related("unit"))
              for b in (w.block, w.block2)}
    forms = {b: [reverse("appraisal:leader_form", args=[w.period.pk, s.unit_id]) for s in sheets[b.pk]]
             for b in (w.block, w.block2)}
    everything = len(sheets[w.block.pk]) + len(sheets[w.block2.pk])
    # no block has a deadline of its own: one line for the period, the forms are open until the round closes
    page = _home(client_for, w.leader)
    assert f"còn {everything} phiếu" in page
    assert f"Hạn gửi phiếu: <span class=\"text-body-secondary\">{DEFAULTS[LEADER]}</span>" in page
    assert all(link in page for links in forms.values() for link in links)
    # the same deadline for both blocks: still one line, with the countdown in Vietnam time
    now = timezone.now()
    soon = (now + timedelta(days=2, hours=5)).replace(second=0, microsecond=0)
    later = (now + timedelta(days=9, hours=2)).replace(second=0, microsecond=0)
    _leader_deadline(w, w.block, soon)
    _leader_deadline(w, w.block2, soon)
    page = _home(client_for, w.leader)
    assert page.count("Hạn gửi phiếu:") == 1 and page.count("data-deadline=") == 1
    assert _vietnam(soon) in page and "text-danger fw-semibold" in page  # within 3 days: urgent
    # the blocks differ: one line per block, each with its own countdown; only the one within 3 days is urgent
    _leader_deadline(w, w.block2, later)
    page = _home(client_for, w.leader)
    assert page.count("data-deadline=") == 2 and _vietnam(soon) in page and _vietnam(later) in page
    assert f"<strong>{w.block}</strong> ({len(forms[w.block])} phiếu) — hạn gửi phiếu" in page
    assert f"<strong>{w.block2}</strong> ({len(forms[w.block2])} phiếu) — hạn gửi phiếu" in page
    assert page.index(str(w.block)) < page.index(str(w.block2))  # the earliest deadline first
    assert page.count("text-danger fw-semibold") == 1
    assert f'data-deadline="{later.astimezone(VIETNAM).isoformat()}" >Còn 9 ngày' in page  # ticked by countdown.js
    # the first block's deadline passes: its forms are no longer offered, one line counts them
    _leader_deadline(w, w.block, now - timedelta(minutes=5))
    page = _home(client_for, w.leader)
    assert not any(link in page for link in forms[w.block]) and all(link in page for link in forms[w.block2])
    assert f"còn {len(forms[w.block2])} phiếu" in page
    assert (f"{len(forms[w.block])} phiếu không còn gửi được: đã hết hạn phiếu đánh giá của Lãnh đạo "
            f"({w.block})") in page
    # a form sent leaves the list; a sent form of a closed block is not counted as lost
    LeaderForm.objects.create(period=w.period, leader=w.leader, unit=sheets[w.block.pk][0].unit, answers={},
                              submitted_at=timezone.now())
    assert f"{len(forms[w.block]) - 1} phiếu không còn gửi được" in _home(client_for, w.leader)
    for other in (w.secretariat, w.officer_a):
        assert "Phiếu đánh giá của Lãnh đạo còn chưa gửi" not in _home(client_for, other)


def test_leader_home_costs_the_same_with_4_and_8_units(client_for):
    w = _leader_world()
    _leader_deadline(w, w.block, timezone.now() + timedelta(days=2))
    _leader_deadline(w, w.block2, timezone.now() - timedelta(hours=1))
    client = client_for(w.leader)
    four = _secretariat_queries(client)
    for block in (w.block, w.block2):
        for i in range(2):
            Unit.objects.create(authority=w.authority, block=block, code=f"{block.code}-them-{i}",
                                name=f"Đơn vị thêm {block.code} {i}")
    services.period_save(period=w.period, frameworks={w.block: w.sub_a.framework, w.block2: w.sub_a.framework})
    assert Submission.objects.filter(period=w.period).count() == 8
    eight = _secretariat_queries(client)
    with CaptureQueriesContext(connection) as own:
        leader_tasks(w.leader)
    assert len(own) == 6  # periods (roles as a subquery), closed rounds, sheets, survey nodes, sent forms, deadlines
    page = _text(client.get(reverse("home")))
    assert "còn 4 phiếu" in page and "4 phiếu không còn gửi được" in page
    assert (four, eight) == (four, four)


def test_chairman_sees_blocks_waiting_for_approval(client_for):
    w = make_world()
    chairman = UserFactory(username="chu.tich")
    Role.objects.create(user=chairman, kind=Role.CHAIRMAN, authority=w.authority)
    version = RankingVersion.objects.create(period=w.period, block=w.block, status=RankingVersion.SUBMITTED,
                                            submitted_at=timezone.now(), submitted_by=w.secretariat)
    link = reverse("ranking:block", args=[w.period.pk, w.block.pk])
    assert link in _home(client_for, chairman)
    other = UserFactory(username="chu.tich.khac")
    elsewhere = Authority.objects.create(code="tp-khac", name="UBND thành phố khác", level="huyen")
    Role.objects.create(user=other, kind=Role.CHAIRMAN, authority=elsewhere)
    assert link not in _home(client_for, other)
    RankingVersion.objects.filter(pk=version.pk).update(status=RankingVersion.DRAFT)
    assert link not in _home(client_for, chairman)


def _appraise_all(submission):
    """Every criterion of ``submission`` appraised (what ``MatrixRow.complete`` asks)."""
    for node in Node.objects.filter(framework=submission.framework):
        if node.rule:
            Appraisal.objects.update_or_create(submission=submission, node=node, defaults={"points": "0"})


def _tied_draft(w):
    """Both units appraised alike, the round closed, the block ranked by the secretariat: a draft with a tie."""
    from ranking.services import ranking_compute

    for submission in (w.sub_a, w.sub_b):
        _appraise_all(submission)
    AppraisalRound.objects.update_or_create(period=w.period, defaults={
        "received_on": timezone.localdate(), "closed_at": timezone.now(), "status": AppraisalRound.Status.CLOSED})
    version = ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    assert version.status == RankingVersion.DRAFT and version.snapshot["ties"], version.snapshot.get("ties")
    return version


def test_council_chair_sees_progress_overdue_units_and_ties(council, client_for):  # noqa: F811
    w = council
    chair = UserFactory(username="chu.tich.hoi.dong")
    Role.objects.create(user=chair, kind=Role.CHAIR, authority=w.authority)
    _appraise_all(w.sub_a)
    # unit B was received 120 days ago: past its 50 working days (Điều 9.5), and not appraised
    Submission.objects.filter(pk=w.sub_b.pk).update(sent_at=timezone.now() - timedelta(days=120))
    w.sub_b.refresh_from_db()
    sent = Submission.objects.filter(period=w.period, status__in=w.period.appraisable_statuses)
    done = sum(1 for s in sent if all(Appraisal.objects.filter(submission=s, node=n, points__isnull=False).exists()
                                      for n in Node.objects.filter(framework=s.framework) if n.rule))
    page = _home(client_for, chair)
    assert "Hội đồng thẩm định do tôi chủ trì" in page
    assert reverse("appraisal:chair_units", args=[w.period.pk]) in page
    assert (done, sent.count()) == (1, 2)
    assert f"<strong>{done}/{sent.count()}</strong> đơn vị đã được thẩm định đủ" in page
    assert f"<span>{w.block}</span>" in page and f"<strong>{done}/{sent.count()}</strong> đơn vị</span>" in page
    countdown = period_countdowns(w.period, [w.sub_b])[w.sub_b.pk]
    assert countdown.overdue
    assert "1 đơn vị đã quá thời hạn thẩm định (Điều 9.5)" in page
    assert reverse("appraisal:chair_unit", args=[w.period.pk, w.sub_b.pk]) in page and countdown.text in page
    assert reverse("appraisal:chair_unit", args=[w.period.pk, w.sub_a.pk]) not in page  # appraised, in time
    # the round closes, the block is ranked with a tie: the chair is asked to order it, on the ranking page
    version = _tied_draft(w)
    page = _home(client_for, chair)
    block = reverse("ranking:block", args=[w.period.pk, w.block.pk])
    assert f'href="{block}"' in page and "chờ Chủ tịch Hội đồng quyết định thứ tự 2 đơn vị bằng điểm" in page
    assert f"{w.unit_a}, {w.unit_b}" in page or f"{w.unit_b}, {w.unit_a}" in page
    assert "Tiến độ thẩm định" not in page and "quá thời hạn thẩm định" not in page  # the round is closed
    assert client_for(chair).get(block).status_code == 200  # the link lands on a page the chair may open
    # once decided, nothing waits; a later version without ties hides the older one's
    RankingVersion.objects.filter(pk=version.pk).update(chair_order={"groups": version.snapshot["ties"]})
    assert "Hội đồng thẩm định do tôi chủ trì" not in _home(client_for, chair)


def test_chair_seat_sees_the_section_and_others_do_not(council, client_for):  # noqa: F811
    from appraisal import services as appraisal_services

    w = council
    seat_chair = UserFactory(username="chu.tich.ghe")
    appraisal_services.member_add(period=w.period, user=seat_chair, agency="Sở Nội vụ", role=CouncilMember.CHAIR)
    units = reverse("appraisal:chair_units", args=[w.period.pk])
    ranking = reverse("ranking:block", args=[w.period.pk, w.block.pk])
    chairman = UserFactory(username="chu.tich.ubnd")
    Role.objects.create(user=chairman, kind=Role.CHAIRMAN, authority=w.authority)
    elsewhere = Authority.objects.create(code="tp-khac", name="UBND thành phố khác", level="huyen")
    other_chair = UserFactory(username="chu.tich.khac")
    Role.objects.create(user=other_chair, kind=Role.CHAIR, authority=elsewhere)
    others = (w.people.stc, w.people.ttt, w.officer_a, w.people.leader, w.secretariat, chairman, other_chair)
    assert units in _home(client_for, seat_chair)  # the round is open: the appraisal's progress
    for other in others:
        assert "Hội đồng thẩm định do tôi chủ trì" not in _home(client_for, other)
    _tied_draft(w)
    page = _home(client_for, seat_chair)
    assert ranking in page and units not in page  # the round is closed: the tie to order
    # a plain council member, an officer, a leader, the chairman, the chair of another authority: not theirs
    for other in others:
        page = _home(client_for, other)
        assert "Hội đồng thẩm định do tôi chủ trì" not in page and "chờ Chủ tịch Hội đồng quyết định" not in page


def test_chair_home_costs_the_same_with_2_and_4_units(council, client_for):  # noqa: F811
    w = council
    chair = UserFactory(username="chu.tich.hoi.dong")
    Role.objects.create(user=chair, kind=Role.CHAIR, authority=w.authority)
    Submission.objects.filter(pk=w.sub_b.pk).update(sent_at=timezone.now() - timedelta(days=120))
    _appraise_all(w.sub_a)
    client = client_for(chair)
    two = _secretariat_queries(client)
    _more_units(w, 2)
    Submission.objects.filter(period=w.period, status=Submission.DRAFT).update(
        status=Submission.SENT, sent_at=timezone.now() - timedelta(days=120))
    four = _secretariat_queries(client)
    page = _text(client.get(reverse("home")))
    assert "<strong>1/4</strong> đơn vị đã được thẩm định đủ" in page and "3 đơn vị đã quá thời hạn" in page
    assert (two, four) == (two, two)


# --------------------------------------------------------------------------- secretariat


def _more_units(w, n):
    for i in range(n):
        unit = Unit.objects.create(authority=w.authority, block=w.block, code=f"so-them-{i}", name=f"Sở thêm {i}")
        sheet = services.submission_get_or_create(period=w.period, unit=unit)
        _score(sheet, "3.2")


def _secretariat_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_secretariat_home_costs_the_same_with_2_and_4_units(client_for):
    w = make_world()
    client = client_for(w.secretariat)
    two = _secretariat_queries(client)
    _more_units(w, 2)
    for sheet in Submission.objects.filter(period=w.period):  # each row shows its last reminder, no query of its own
        ManualReminder.objects.create(submission=sheet, sent_by=w.secretariat, subject="Nhắc")
    four = _secretariat_queries(client)
    page = _text(client.get(reverse("home")))
    assert page.count('name="submission"') == 4
    assert (two, four) == (two, two)


def test_secretariat_sees_units_behind_and_agencies_without_member(client_for):
    w = make_world()
    _score(w.sub_b, "3.2")
    _score(w.sub_b, "1.1")  # the leaders' survey: not the unit's to score, not counted
    Entry.objects.filter(submission=w.sub_b).update(updated_at=datetime(2026, 11, 20, 2, 30, tzinfo=UTC))
    page = _home(client_for, w.secretariat)
    scorable = sum(1 for n in Node.objects.filter(framework=w.sub_b.framework)
                   if n.rule and n.rule.get("kind") != "survey")
    assert f"Đã chấm <strong>1/{scorable}</strong>" in page and f"Đã chấm <strong>0/{scorable}</strong>" in page
    assert page.index("Sở Xây dựng") < page.index("Sở Y tế")  # the least advanced first
    assert "09:30 20/11/2026" in page  # last activity in Vietnam time
    assert "chưa có thành viên Hội đồng" in page and "Sở Tài chính" in page
    assert f'value="{w.sub_a.pk}"' in page
    for other in (w.officer_a, w.approver_b, w.outsider):
        assert 'name="submission"' not in _home(client_for, other)
    elsewhere = Authority.objects.create(code="tp-khac", name="UBND thành phố khác", level="huyen")
    other_secretariat = UserFactory(username="pnv.khac")
    Role.objects.create(user=other_secretariat, kind=Role.SECRETARIAT, authority=elsewhere)
    page = _home(client_for, other_secretariat)
    assert "Sở Xây dựng" not in page and "Sở Y tế" not in page and f'value="{w.sub_a.pk}"' not in page


def test_reminder_to_chosen_units_is_sent_and_recorded(client_for, mailoutbox):
    w = make_world()
    client = client_for(w.secretariat)
    response = client.post(reverse("home_remind"), {"submission": [w.sub_a.pk], "confirm": "1"}, follow=True)
    assert "Đã gửi thư nhắc đến 1 đơn vị." in _text(response)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert set(message.to) == {w.officer_a.email, w.approver_a.email}
    assert f"{SITE}{reverse('submissions:score_page', args=[w.sub_a.pk])}" in message.body
    record = ManualReminder.objects.get()
    assert (record.submission, record.sent_by, record.delivered) == (w.sub_a, w.secretariat, 2)
    assert w.officer_a.email in record.recipients and record.subject == message.subject
    # the home page shows when the sheet was last reminded, and by whom
    page = _home(client_for, w.secretariat)
    assert f"đã nhắc {timezone.localtime(record.sent_at):%H:%M %d/%m/%Y}</span> ({w.secretariat})" in page


def test_reminder_needs_confirmation_and_keeps_the_choice(client_for, mailoutbox):
    w = make_world()
    response = client_for(w.secretariat).post(reverse("home_remind"), {"submission": [w.sub_a.pk, w.sub_b.pk]})
    page = _text(response)
    assert response.status_code == 400 and "Hãy đánh dấu ô xác nhận" in page
    assert f'id="remind-{w.sub_a.pk}" checked' in page and f'id="remind-{w.sub_b.pk}" checked' in page
    assert not mailoutbox and not ManualReminder.objects.exists()


def test_reminder_refuses_units_outside_the_authority_and_sends_nothing(client_for, mailoutbox):
    w = make_world()
    elsewhere = Authority.objects.create(code="tp-khac", name="UBND thành phố khác", level="huyen")
    other_secretariat = UserFactory(username="pnv.khac")
    Role.objects.create(user=other_secretariat, kind=Role.SECRETARIAT, authority=elsewhere)
    response = client_for(other_secretariat).post(reverse("home_remind"),
                                                  {"submission": [w.sub_a.pk], "confirm": "1"})
    assert response.status_code == 403
    page = _text(response)
    assert "Không gửi thư nhắc nào: 1 báo cáo được chọn không thuộc thẩm quyền của cơ quan bạn." in page
    assert "Sở Xây dựng" not in page  # another authority's unit is not named
    # a mixed choice of the province's secretariat, one sheet of another authority among them: nothing is sent
    block = Block.objects.create(authority=elsewhere, code="phong", name="Khối các phòng")
    own_unit = Unit.objects.create(authority=elsewhere, block=block, code="p-1", name="Phòng Một")
    now = timezone.now()
    period = Period(authority=elsewhere, code="tp-khac-2024", name="Kỳ của thành phố khác", year=2024,
                    opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=3))
    services.period_save(period=period, frameworks={block: w.sub_a.framework})
    foreign = Submission.objects.get(period=period, unit=own_unit)
    response = client_for(w.secretariat).post(reverse("home_remind"), {
        "submission": [w.sub_a.pk, foreign.pk], "confirm": "1"})
    page = _text(response)
    assert response.status_code == 403 and "Không gửi thư nhắc nào: 1 báo cáo được chọn" in page
    assert f'id="remind-{w.sub_a.pk}" checked' in page and f'id="remind-{foreign.pk}" checked' not in page
    assert not mailoutbox and not ManualReminder.objects.exists()
    # and people who are not a secretariat may not use it at all
    for user in (w.officer_a, w.approver_a, w.outsider):
        assert client_for(user).post(reverse("home_remind"), {"submission": [w.sub_a.pk],
                                                              "confirm": "1"}).status_code == 403
    assert not mailoutbox


def test_reminder_refuses_a_sheet_already_sent(client_for, mailoutbox):
    w = make_world()
    Submission.objects.filter(pk=w.sub_b.pk).update(status=Submission.SENT, sent_at=timezone.now())
    response = client_for(w.secretariat).post(reverse("home_remind"), {
        "submission": [w.sub_a.pk, w.sub_b.pk], "confirm": "1"})
    assert response.status_code == 400 and "đã gửi hoặc đã hết hạn gửi (Sở Y tế)" in _text(response)
    assert not mailoutbox and not ManualReminder.objects.exists()


# --------------------------------------------------------------------------- every e-mail carries its link


def test_deadline_reminder_carries_the_score_page_link(mailoutbox):
    w = make_world(closes_in_days=2)
    assert services.reminders_send() == 2
    links = {f"{SITE}{reverse('submissions:score_page', args=[s.pk])}" for s in (w.sub_a, w.sub_b)}
    assert {line.split(": ", 1)[1] for m in mailoutbox for line in m.body.splitlines()
            if line.startswith("Cập nhật báo cáo tại")} == links


def test_supplementation_mails_carry_their_links(council, mailoutbox, django_capture_on_commit_callbacks):  # noqa: F811
    from appraisal import services as appraisal_services

    with django_capture_on_commit_callbacks(execute=True):
        request = appraisal_services.supplement_request(
            submission=council.sub_a, member=council.m_stc, nodes=[leaf(council.sub_a, "3.2")],
            message="Bổ sung quy chế", closes_at=timezone.now() + timedelta(days=5))
    assert f"{SITE}{reverse('appraisal:unit_requests', args=[council.sub_a.pk])}" in mailoutbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        appraisal_services.supplement_answer(request=request, actor=council.officer_a, answer="Đã bổ sung")
    assert f"{SITE}{reverse('appraisal:unit_page', args=[council.m_stc.pk, council.sub_a.pk])}" in \
        mailoutbox[-1].body


def test_publication_mail_carries_the_public_link(mailoutbox):
    from ranking.services import notify_publication

    w = make_world()
    version = RankingVersion.objects.create(period=w.period, block=w.block, status=RankingVersion.PUBLISHED,
                                            decision_number="12/QĐ-UBND", decision_date=timezone.localdate())
    assert notify_publication(version) > 0
    assert f"{SITE}{reverse('ranking:public_detail', args=[version.pk])}" in mailoutbox[-1].body
