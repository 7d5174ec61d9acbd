"""Issue #13 item 5 (seed 004: communes 05/12, departments 15/12, council 15/12): a block's own deadline for the
council's appraisal and for the leaders' forms. Each is enforced on the server (a save after it is refused with
the deadline in Vietnam time and changes nothing), validated on the period form, counted down, reminded and
shown on the pages of the people who must act."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from appraisal import deadlines, services
from appraisal.models import Appraisal, DeadlineReminder, LeaderForm, QualityLevel, SupplementRequest
from appraisal.selectors import period_countdowns
from criteria.models import Framework
from submissions import phase_deadlines
from submissions import services as submission_services
from submissions.models import PeriodBlock
from tests.factories import leaf, period_form_data

pytestmark = pytest.mark.django_db

ANSWERS = {code: 5 for code in ("1.1", "1.2", "1.3", "1.4", "1.5")}


def set_deadlines(w, *, appraisal=None, leader=None):
    """Through the period's own service, as the period form does."""
    submission_services.period_save(
        period=w.period, frameworks={w.block: Framework.objects.get(code="tn2024-so")},
        phase_deadlines={w.block: {phase_deadlines.APPRAISAL: appraisal, phase_deadlines.LEADER: leader}})
    return PeriodBlock.objects.get(period=w.period, block=w.block)


def shown(instant):
    return f"{timezone.localtime(instant):%d/%m/%Y %H:%M}"


# --------------------------------------------------------------------------- the council's appraisal


def test_a_council_save_after_the_blocks_appraisal_deadline_is_refused_and_changes_nothing(council):
    due = council.period.closes_at + timedelta(days=10)
    set_deadlines(council, appraisal=due)
    node = leaf(council.sub_a, "3.2")
    before = due - timedelta(minutes=1)
    services.appraisal_save(submission=council.sub_a, node=node, actor=council.people.stc, version=0, value="4",
                            now=before)
    with pytest.raises(ValidationError) as refused:
        services.appraisal_save(submission=council.sub_a, node=node, actor=council.people.stc, version=1,
                                value="3", comment="Muộn", now=due)
    assert "Đã hết hạn thẩm định của Khối các sở, ban, ngành lúc" in refused.value.messages[0]
    assert shown(due) in refused.value.messages[0]  # dd/mm/yyyy HH:MM, Vietnam time
    appraisal = Appraisal.objects.get(submission=council.sub_a, node=node)
    assert (appraisal.points, appraisal.version) == (4, 1)


def test_without_a_blocks_appraisal_deadline_the_council_saves_as_before(council):
    set_deadlines(council)  # empty: today's rule (until the round closes)
    later = council.period.closes_at + timedelta(days=400)
    saved = services.appraisal_save(submission=council.sub_a, node=leaf(council.sub_a, "3.2"),
                                    actor=council.people.stc, version=0, value="4", now=later)
    assert saved.points == 4


def test_quality_levels_and_supplementation_are_refused_after_the_appraisal_deadline(council):
    PeriodBlock.objects.filter(period=council.period).update(appraisal_deadline=timezone.now() - timedelta(hours=1))
    criterion = leaf(council.sub_a, "3.2").parent
    with pytest.raises(ValidationError, match="Đã hết hạn thẩm định"):
        services.quality_set(submission=council.sub_a, node=criterion, level="tot", reason="x",
                             actor=council.people.stc)
    with pytest.raises(ValidationError, match="Đã hết hạn thẩm định"):
        services.supplement_request(submission=council.sub_a, member=council.m_stc, nodes=[leaf(council.sub_a, "3.2")],
                                    message="Bổ sung", closes_at=timezone.now() + timedelta(days=2))
    assert not QualityLevel.objects.exists() and not SupplementRequest.objects.exists()


def test_the_council_page_refuses_a_late_save_with_the_deadline(council, client_for):
    due = timezone.now() - timedelta(minutes=5)
    PeriodBlock.objects.filter(period=council.period).update(appraisal_deadline=due)
    node = leaf(council.sub_a, "3.2")
    response = client_for(council.people.stc).post(
        reverse("appraisal:appraisal_save", args=[council.m_stc.pk, council.sub_a.pk, node.pk]),
        {"version": "0", "value": "4"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert f"Đã hết hạn thẩm định của Khối các sở, ban, ngành lúc {shown(due)}" in response.content.decode()
    assert not Appraisal.objects.filter(node=node, points__isnull=False).exists()


def test_the_countdown_runs_to_the_blocks_appraisal_deadline(council):
    now = timezone.now()
    default = period_countdowns(council.period, [council.sub_a], now)[council.sub_a.pk]
    assert default.due > default.received + timedelta(days=60)  # 50 working days
    due = council.period.closes_at + timedelta(days=14)
    set_deadlines(council, appraisal=due)
    countdown = period_countdowns(council.period, [council.sub_a], now)[council.sub_a.pk]
    assert countdown.due == timezone.localtime(due).date()
    assert countdown.left == deadlines.working_days_between(timezone.localdate(now), countdown.due)


@pytest.mark.parametrize("today, left", [(date(2025, 12, 10), 3), (date(2025, 12, 15), 0),
                                         (date(2025, 12, 16), -1), (date(2025, 12, 22), -5)])
def test_fixed_countdown(today, left):
    countdown = deadlines.fixed_countdown(received=date(2025, 12, 5), due=date(2025, 12, 15), today=today)
    assert countdown.left == left and countdown.overdue == (today > date(2025, 12, 15))


# --------------------------------------------------------------------------- the leaders' forms


def test_a_leaders_form_after_the_blocks_leader_deadline_is_refused_and_changes_nothing(council):
    due = council.period.closes_at + timedelta(days=3)
    set_deadlines(council, leader=due)
    services.leader_form_save(period=council.period, leader=council.people.leader, unit=council.unit_a,
                              answers={**ANSWERS, "1.1": 4}, now=due - timedelta(seconds=1))
    with pytest.raises(ValidationError) as refused:
        services.leader_form_save(period=council.period, leader=council.people.leader, unit=council.unit_a,
                                  answers=ANSWERS, submit=True, now=due)
    assert "Đã hết hạn phiếu đánh giá của Lãnh đạo đối với Khối các sở, ban, ngành lúc" in refused.value.messages[0]
    assert shown(due) in refused.value.messages[0] and "Sở Xây dựng" in refused.value.messages[0]
    form = LeaderForm.objects.get(period=council.period, leader=council.people.leader, unit=council.unit_a)
    assert form.submitted_at is None and form.answers["1.1"] == 4


def test_the_leaders_page_refuses_a_late_form(council, client_for):
    due = timezone.now() - timedelta(minutes=1)
    PeriodBlock.objects.filter(period=council.period).update(leader_deadline=due)
    response = client_for(council.people.leader).post(
        reverse("appraisal:leader_form", args=[council.period.pk, council.unit_a.pk]),
        {f"q-{code}": "5" for code in ANSWERS} | {"submit": "1"}, follow=True)
    assert f"lúc {shown(due)}" in response.content.decode()
    assert not LeaderForm.objects.exists()


# --------------------------------------------------------------------------- the period form


def _form_data(w, **extra):
    fmt = "%Y-%m-%dT%H:%M"
    return period_form_data(**{
        "authority": w.authority.pk, "code": w.period.code, "name": w.period.name, "year": w.period.year,
        "kind": w.period.kind, "opens_at": timezone.localtime(w.period.opens_at).strftime(fmt),
        "closes_at": timezone.localtime(w.period.closes_at).strftime(fmt),
        f"fw_{w.block.pk}": Framework.objects.get(code="tn2024-so").pk, **extra})


def test_the_period_form_refuses_an_appraisal_deadline_before_the_blocks_sending(world, client_for):
    w = world
    early = timezone.localtime(w.period.closes_at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    leader = timezone.localtime(w.period.closes_at + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = _form_data(w, **{f"appraisal_deadline_{w.block.pk}": early, f"leader_deadline_{w.block.pk}": leader})
    response = client_for(w.secretariat).post(reverse("submissions:period_edit", args=[w.period.pk]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [f"appraisal_deadline_{w.block.pk}"]
    assert "không được trước hạn gửi báo cáo của khối" in form.errors[f"appraisal_deadline_{w.block.pk}"][0]
    page = response.content.decode()
    assert f'value="{early}"' in page and f'value="{leader}"' in page  # what was typed is kept
    row = PeriodBlock.objects.get(period=w.period, block=w.block)
    assert row.appraisal_deadline is None and row.leader_deadline is None  # nothing saved


def test_the_period_form_sets_both_deadlines(world, client_for):
    w = world
    due = timezone.localtime(w.period.closes_at + timedelta(days=10)).replace(second=0, microsecond=0)
    leader = timezone.localtime(w.period.closes_at + timedelta(days=5)).replace(second=0, microsecond=0)
    data = _form_data(w, **{f"appraisal_deadline_{w.block.pk}": due.strftime("%Y-%m-%dT%H:%M"),
                            f"leader_deadline_{w.block.pk}": leader.strftime("%Y-%m-%dT%H:%M")})
    assert client_for(w.secretariat).post(reverse("submissions:period_edit", args=[w.period.pk]),
                                          data).status_code == 302
    row = PeriodBlock.objects.get(period=w.period, block=w.block)
    assert (row.appraisal_deadline, row.leader_deadline) == (due, leader)


def test_the_service_refuses_a_leader_deadline_before_the_opening(world):
    with pytest.raises(ValidationError, match="phải sau thời điểm mở nhận báo cáo"):
        set_deadlines(world, leader=world.period.opens_at - timedelta(days=1))
    assert PeriodBlock.objects.get(period=world.period).leader_deadline is None


def test_moving_the_sending_deadline_past_the_appraisal_one_is_refused(world):
    due = world.period.closes_at + timedelta(hours=1)
    set_deadlines(world, appraisal=due)
    closes = world.period.closes_at
    world.period.closes_at = due + timedelta(hours=1)
    with pytest.raises(ValidationError, match="không được trước hạn gửi báo cáo của khối"):
        submission_services.period_save(period=world.period,
                                        frameworks={world.block: Framework.objects.get(code="tn2024-so")})
    row = PeriodBlock.objects.select_related("period").get(period=world.period)
    assert (row.period.closes_at, row.appraisal_deadline) == (closes, due)  # nothing saved


@pytest.mark.parametrize("left, words", [(timedelta(days=3, hours=2), "còn 3 ngày"), (timedelta(hours=5), "còn 5 giờ"),
                                         (timedelta(minutes=20), "còn 20 phút"), (timedelta(0), "đã hết hạn")])
def test_countdown_words(left, words):
    now = timezone.now()
    assert phase_deadlines.countdown(now + left, now) == words


# --------------------------------------------------------------------------- reminders


def test_council_members_with_criteria_left_are_reminded_once_with_a_link(council, mailoutbox, settings):
    settings.SITE_URL = "https://danhgia.example.gov.vn"
    due = council.period.closes_at + timedelta(days=10)
    set_deadlines(council, appraisal=due)
    for code in ("3.2", "7.3", "7.4", "7.5"):  # Sở Tài chính finishes both units; Thanh tra tỉnh does not
        for sub in (council.sub_a, council.sub_b):
            node = leaf(sub, code)
            value = {"levels": "0", "percent": "100"}.get(node.rule["kind"], str(node.max_points))
            services.appraisal_save(submission=sub, node=node, actor=council.people.stc, version=0, value=value,
                                    comment="Đạt")
    assert deadlines.reminders_send(now=due - timedelta(days=4)) == 0  # not yet
    assert deadlines.reminders_send(now=due - timedelta(days=2)) == 1
    mail = mailoutbox[-1]
    assert mail.to == [council.people.ttt.email] and "Còn 3 ngày đến hạn thẩm định" in mail.subject
    assert "Sở Xây dựng" in mail.body and shown(due) in mail.body
    queue = reverse("appraisal:queue", args=[council.m_ttt.pk])
    assert f"https://danhgia.example.gov.vn{queue}?khoi=so&chua_xong=1" in mail.body
    assert deadlines.reminders_send(now=due - timedelta(days=2) + timedelta(minutes=10)) == 0  # once
    assert deadlines.reminders_send(now=due - timedelta(hours=20)) == 1  # the 1-day one, once
    assert DeadlineReminder.objects.filter(user=council.people.ttt).count() == 2


def test_leaders_with_forms_left_are_reminded_before_their_deadline(council, mailoutbox):
    due = council.period.closes_at + timedelta(days=2)
    set_deadlines(council, leader=due)
    for unit in (council.unit_a, council.unit_b):
        services.leader_form_save(period=council.period, leader=council.people.leader, unit=unit, answers=ANSWERS,
                                  submit=True, now=due - timedelta(days=1))
    assert deadlines.reminders_send(now=due - timedelta(hours=2)) == 1  # leader 2 only, 3 hours before
    mail = mailoutbox[-1]
    assert mail.to == [council.people.leader2.email] and "2 phiếu đánh giá chưa gửi" in mail.body
    assert reverse("appraisal:leader_forms", args=[council.period.pk]) in mail.body
    assert deadlines.reminders_send(now=due - timedelta(hours=1)) == 0


def test_a_moved_deadline_is_reminded_again(council, mailoutbox):
    due = council.period.closes_at + timedelta(days=2)
    set_deadlines(council, leader=due)
    assert deadlines.reminders_send(now=due - timedelta(hours=2)) == 2
    set_deadlines(council, leader=due + timedelta(days=1))
    assert deadlines.reminders_send(now=due + timedelta(days=1) - timedelta(hours=2)) == 2


def test_no_reminder_once_the_round_is_closed_or_without_a_deadline(council, mailoutbox):
    assert deadlines.reminders_send(now=council.period.closes_at) == 0
    due = council.period.closes_at + timedelta(days=2)
    set_deadlines(council, leader=due)
    from appraisal.models import AppraisalRound

    services.round_for(council.period)
    AppraisalRound.objects.filter(period=council.period).update(closed_at=timezone.now(), status="closed")
    assert deadlines.reminders_send(now=due - timedelta(hours=2)) == 0 and not mailoutbox


# --------------------------------------------------------------------------- the pages


def test_the_deadlines_are_shown_to_the_secretariat_the_council_and_the_leaders(council, client_for):
    appraisal_due = timezone.now() + timedelta(days=10, minutes=5)
    leader_due = timezone.now() + timedelta(days=7, minutes=5)
    set_deadlines(council, appraisal=appraisal_due, leader=leader_due)
    detail = client_for(council.secretariat).get(
        reverse("submissions:period_detail", args=[council.period.pk])).content.decode()
    assert f"Hạn thẩm định: {shown(appraisal_due)} (còn 10 ngày)" in detail
    assert f"Hạn phiếu đánh giá của Lãnh đạo: {shown(leader_due)} (còn 7 ngày)" in detail
    member = client_for(council.people.stc)
    for url in (reverse("appraisal:queue", args=[council.m_stc.pk]),
                reverse("appraisal:unit_page", args=[council.m_stc.pk, council.sub_a.pk])):
        page = member.get(url).content.decode()
        assert f"Hạn thẩm định: {shown(appraisal_due)} (còn 10 ngày)" in page and "Hạn phiếu" not in page
    leader = client_for(council.people.leader)
    for url in (reverse("appraisal:leader_forms", args=[council.period.pk]),
                reverse("appraisal:leader_form", args=[council.period.pk, council.unit_a.pk])):
        page = leader.get(url).content.decode()
        assert f"Hạn phiếu đánh giá của Lãnh đạo: {shown(leader_due)} (còn 7 ngày)" in page


def test_an_empty_deadline_shows_todays_rule(council, client_for):
    page = client_for(council.people.stc).get(reverse("appraisal:queue", args=[council.m_stc.pk])).content.decode()
    assert "Hạn thẩm định: 50 ngày làm việc từ ngày nhận báo cáo (Điều 9.5)" in page


def test_the_beat_runs_the_reminders(council, mailoutbox, settings):
    from appraisal.tasks import send_phase_reminders

    entry = settings.CELERY_BEAT_SCHEDULE["appraisal-deadline-reminders"]
    assert entry["task"] == send_phase_reminders.name == "appraisal.tasks.send_phase_reminders"
    PeriodBlock.objects.filter(period=council.period).update(leader_deadline=timezone.now() + timedelta(hours=2))
    # apply(): run here, inside the test's transaction; with a real worker (the PostgreSQL pass of CI) delay()
    # would run it against another database, which sees none of this test's rows.
    assert send_phase_reminders.apply().get() == 2  # both leaders have forms left
