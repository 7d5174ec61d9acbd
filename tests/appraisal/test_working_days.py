"""Điều 9.5 of 2610/QĐ-UBND: the council appraises within 50 working days "từ ngày nhận được báo cáo", counted
for each unit from the day its own sheet was received; the round's holidays and allowed days; the matrix shows
"còn N ngày làm việc" / "hết hạn hôm nay" / "quá hạn N ngày làm việc"; the council's home warns at 10 and 3."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from appraisal import services
from appraisal.models import AppraisalRound
from appraisal.rules import (
    LOCAL_TZ,
    OVERDUE,
    SOON,
    URGENT,
    add_working_days,
    countdown_text,
    is_working_day,
    received_day,
    unit_countdown,
)
from appraisal.selectors import member_unit_rows, period_countdowns
from submissions.models import Period, Role, Submission
from tests.factories import UserFactory

DEADLINE = datetime(2024, 11, 25, 17, 0, tzinfo=LOCAL_TZ)
TET_2025 = frozenset(date(2025, 1, 25) + timedelta(days=i) for i in range(9))  # 25/01 – 02/02/2025

days = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))
holiday_sets = st.frozensets(days, max_size=25)
local_times = st.times().map(lambda t: t.replace(tzinfo=None))


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


def left_on(today: date, *, sent: date | None = None, allowed: int = 50, holidays=frozenset(), unsent=False) -> int:
    countdown = unit_countdown(sent_at=at(sent) if sent else None, deadline=DEADLINE, unsent_appraised=unsent,
                               today=today, allowed=allowed, holidays=holidays)
    return countdown.left


# --------------------------------------------------------------------------- the pure rule


def test_dieu_9_5_counts_from_each_units_sent_day():
    today = date(2024, 12, 2)  # a Monday
    early = unit_countdown(sent_at=at(date(2024, 11, 18)), deadline=DEADLINE, unsent_appraised=False, today=today)
    late = unit_countdown(sent_at=at(date(2024, 11, 25)), deadline=DEADLINE, unsent_appraised=False, today=today)
    assert (early.received, early.left) == (date(2024, 11, 18), 40)  # 10 working days 19/11 – 02/12
    assert (late.received, late.left) == (date(2024, 11, 25), 45)  # 5 working days 26/11 – 02/12
    assert early.due == date(2025, 1, 27) and late.due == date(2025, 2, 3)


def test_dieu_9_5_the_day_of_receipt_is_the_sending_day_in_vietnam():
    # 17:30 UTC on 20/11 is 00:30 on 21/11 in Hà Nội; 16:59 UTC is still 23:59 on 20/11.
    assert received_day(sent_at=datetime(2024, 11, 20, 17, 30, tzinfo=UTC), deadline=DEADLINE,
                        unsent_appraised=False) == date(2024, 11, 21)
    assert received_day(sent_at=datetime(2024, 11, 20, 16, 59, tzinfo=UTC), deadline=DEADLINE,
                        unsent_appraised=False) == date(2024, 11, 20)


def test_dieu_9_5_a_sheet_locked_unsent_and_still_appraised_counts_from_the_deadline_day():
    assert received_day(sent_at=None, deadline=DEADLINE, unsent_appraised=True) == date(2024, 11, 25)
    assert left_on(date(2024, 11, 26), unsent=True) == 49
    # Not appraised (the default reading): never received, no countdown.
    assert unit_countdown(sent_at=None, deadline=DEADLINE, unsent_appraised=False, today=date(2024, 12, 2)) is None


def test_dieu_9_5_holidays_and_weekends_are_not_counted():
    sent = date(2025, 1, 20)  # Monday before Tết
    without = unit_countdown(sent_at=at(sent), deadline=DEADLINE, unsent_appraised=False, today=date(2025, 2, 4))
    with_tet = unit_countdown(sent_at=at(sent), deadline=DEADLINE, unsent_appraised=False, today=date(2025, 2, 4),
                              holidays=TET_2025)
    assert without.left == 39 and with_tet.left == 44  # 21–24/01 and 03–04/02 only
    # Tết takes five working days (27–31/01): the due day moves a calendar week, 31/03 → 07/04/2025.
    assert (without.due, with_tet.due) == (date(2025, 3, 31), date(2025, 4, 7))


def test_dieu_9_5_due_day_expired_today_then_overdue():
    sent = date(2024, 11, 25)
    due = add_working_days(sent, 50)
    assert due == date(2025, 2, 3)
    assert left_on(sent, sent=sent) == 50
    assert left_on(due - timedelta(days=3), sent=sent) == 1  # Friday 31/01
    on_due = unit_countdown(sent_at=at(sent), deadline=DEADLINE, unsent_appraised=False, today=due)
    assert (on_due.left, on_due.text, on_due.overdue, on_due.alert) == (0, "hết hạn hôm nay", False, URGENT)
    after = unit_countdown(sent_at=at(sent), deadline=DEADLINE, unsent_appraised=False, today=due + timedelta(days=8))
    assert (after.left, after.text, after.alert) == (-6, "quá hạn 6 ngày làm việc", OVERDUE)


def test_dieu_9_5_a_weekend_just_after_the_due_day_is_expired_not_due_today():
    sent = date(2024, 11, 22)
    due = add_working_days(sent, 50)
    assert due.weekday() == 4  # Friday 31/01/2025
    saturday = unit_countdown(sent_at=at(sent), deadline=DEADLINE, unsent_appraised=False,
                              today=due + timedelta(days=1))
    assert saturday.left == 0 and saturday.overdue and saturday.alert == OVERDUE
    assert saturday.text == "đã hết hạn ngày 31/01/2025"


@pytest.mark.parametrize("left, text", [
    (50, "còn 50 ngày làm việc"), (1, "còn 1 ngày làm việc"), (0, "hết hạn hôm nay"),
    (-1, "quá hạn 1 ngày làm việc"), (-477, "quá hạn 477 ngày làm việc"),
])
def test_dieu_9_5_text(left, text):
    assert countdown_text(left) == text


@given(left=st.integers(min_value=-5000, max_value=5000))
def test_dieu_9_5_text_never_shows_a_negative_number(left):
    text = countdown_text(left)
    assert "-" not in text and "/" not in text
    assert str(abs(left)) in text if left else text == "hết hạn hôm nay"


@pytest.mark.parametrize("left, level", [(11, None), (10, SOON), (4, SOON), (3, URGENT), (1, URGENT), (0, URGENT),
                                         (-1, OVERDUE)])
def test_dieu_9_5_the_council_is_warned_at_10_and_3_working_days(left, level):
    sent = date(2024, 11, 25)
    today = add_working_days(sent, 50 - left)
    countdown = unit_countdown(sent_at=at(sent), deadline=DEADLINE, unsent_appraised=False, today=today)
    assert countdown.left == left and countdown.alert == level


@given(sent=days, sent_time=local_times, offset=st.integers(min_value=0, max_value=400), allowed=st.integers(1, 80),
       holidays=holiday_sets)
def test_dieu_9_5_days_left_drops_by_one_per_working_day_and_never_on_a_day_off(sent, sent_time, offset, allowed,
                                                                                holidays):
    sent_at = datetime.combine(sent, sent_time, tzinfo=LOCAL_TZ)
    today = sent + timedelta(days=offset)
    tomorrow = today + timedelta(days=1)

    def left(day):
        return unit_countdown(sent_at=sent_at, deadline=DEADLINE, unsent_appraised=False, today=day,
                              allowed=allowed, holidays=holidays).left

    assert left(sent) == allowed
    assert left(tomorrow) == left(today) - (1 if is_working_day(tomorrow, holidays) else 0)


@given(first=days, gap=st.integers(min_value=0, max_value=200), offset=st.integers(min_value=0, max_value=300),
       allowed=st.integers(1, 80), holidays=holiday_sets, t1=local_times, t2=local_times)
def test_dieu_9_5_a_unit_sent_later_never_has_fewer_days_left(first, gap, offset, allowed, holidays, t1, t2):
    earlier = datetime.combine(first, t1, tzinfo=LOCAL_TZ)
    later = max(earlier, datetime.combine(first + timedelta(days=gap), t2, tzinfo=LOCAL_TZ))
    today = first + timedelta(days=gap + offset)

    def countdown(sent_at):
        return unit_countdown(sent_at=sent_at, deadline=DEADLINE, unsent_appraised=False, today=today,
                              allowed=allowed, holidays=holidays)

    assert countdown(later).left >= countdown(earlier).left
    assert countdown(later).due >= countdown(earlier).due


@given(sent=days, allowed=st.integers(1, 80), holidays=holiday_sets)
def test_dieu_9_5_due_day_is_the_last_allowed_working_day(sent, allowed, holidays):
    countdown = unit_countdown(sent_at=at(sent), deadline=DEADLINE, unsent_appraised=False, today=sent,
                               allowed=allowed, holidays=holidays)
    due = countdown.due
    assert is_working_day(due, holidays)
    assert left_on(due, sent=sent, allowed=allowed, holidays=holidays) == 0
    assert left_on(due - timedelta(days=1), sent=sent, allowed=allowed, holidays=holidays) == 1
    assert left_on(add_working_days(due, 1, holidays), sent=sent, allowed=allowed, holidays=holidays) == -1


# --------------------------------------------------------------------------- pages


def received_for(left: int, *, allowed: int = 50, holidays=frozenset()) -> date:
    """The day a sheet must have been received for ``left`` working days to remain today."""
    today, day, counted = timezone.localdate(), timezone.localdate(), 0
    while counted < allowed - left:
        if is_working_day(day, holidays):
            counted += 1
        day -= timedelta(days=1)
    assert period_left(day, today, allowed, holidays) == left
    return day


def period_left(received, today, allowed, holidays):
    return unit_countdown(sent_at=at(received), deadline=DEADLINE, unsent_appraised=False, today=today,
                          allowed=allowed, holidays=holidays).left


def sent_on(submission, day: date) -> None:
    Submission.objects.filter(pk=submission.pk).update(sent_at=at(day))


def matrix(council, client_for) -> str:
    response = client_for(council.secretariat).get(reverse("appraisal:period_matrix", args=[council.period.pk]))
    assert response.status_code == 200
    return response.content.decode()


def home(user, client_for) -> str:
    response = client_for(user).get(reverse("appraisal:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_dieu_9_5_matrix_shows_each_units_own_countdown(council, client_for):
    sent_on(council.sub_a, received_for(3))
    sent_on(council.sub_b, received_for(12))
    page = matrix(council, client_for)
    assert "còn 3 ngày làm việc" in page and "còn 12 ngày làm việc" in page
    assert "/ 50" not in page


def test_dieu_9_5_matrix_says_overdue_never_a_negative_number(council, client_for):
    sent_on(council.sub_a, received_for(-477))
    page = matrix(council, client_for)
    assert "quá hạn 477 ngày làm việc" in page and "-477" not in page


def test_dieu_9_5_holidays_saved_on_the_round_form_move_every_units_count(council, client_for):
    received = received_for(20)
    sent_on(council.sub_a, received)
    holiday = add_working_days(received, 1)  # the first working day after receipt becomes a holiday
    response = client_for(council.secretariat).post(
        reverse("appraisal:period_matrix", args=[council.period.pk]),
        {"action": "calendar", "allowed": "50", "holidays": holiday.strftime("%d/%m/%Y")})
    assert response.status_code == 302
    assert AppraisalRound.objects.get(period=council.period).holidays == [holiday.isoformat()]
    assert "còn 21 ngày làm việc" in matrix(council, client_for)
    client_for(council.secretariat).post(reverse("appraisal:period_matrix", args=[council.period.pk]),
                                         {"action": "calendar", "allowed": "30", "holidays": ""})
    sheet = Submission.objects.get(pk=council.sub_a.pk)
    countdown = period_countdowns(sheet.period, [sheet])[sheet.pk]
    assert countdown.left == 0 and countdown.text in matrix(council, client_for)


def test_dieu_9_5_a_locked_unsent_sheet_appraised_counts_from_the_deadline_day(council, client_for):
    deadline_day = received_for(7)
    Period.objects.filter(pk=council.period.pk).update(closes_at=at(deadline_day, 17),
                                                       settings={"unsent_at_deadline": "appraised"})
    Submission.objects.filter(pk=council.sub_b.pk).update(status=Submission.LOCKED, sent_at=None)
    assert "còn 7 ngày làm việc" in matrix(council, client_for)
    # Under the default reading an unsent sheet is not appraised: it is never "received".
    Period.objects.filter(pk=council.period.pk).update(settings={})
    period = Period.objects.get(pk=council.period.pk)
    assert council.sub_b.pk not in period_countdowns(period, Submission.objects.filter(period=period))


def test_dieu_9_5_council_home_warns_at_10_and_3_days_naming_the_units(council, client_for):
    sent_on(council.sub_a, received_for(3))  # Sở Xây dựng
    sent_on(council.sub_b, received_for(8))  # Sở Y tế
    page = home(council.people.stc, client_for)
    danger = page.split('alert alert-danger')[1].split("</div>")[0]
    warning = page.split('alert alert-warning')[1].split("</div>")[0]
    assert "còn 3 ngày làm việc trở xuống" in danger and "Sở Xây dựng: còn 3 ngày làm việc" in danger
    assert "còn 10 ngày làm việc trở xuống" in warning and "Sở Y tế: còn 8 ngày làm việc" in warning
    assert "Sở Y tế" not in danger and "Sở Xây dựng" not in warning
    # Thanh tra tỉnh works in Sở Y tế and does not appraise it: warned of Sở Xây dựng only.
    ttt = home(council.people.ttt, client_for)
    assert "Sở Xây dựng: còn 3 ngày làm việc" in ttt and "Sở Y tế:" not in ttt


def test_dieu_9_5_council_home_lists_overdue_units(council, client_for):
    sent_on(council.sub_a, received_for(-2))
    sent_on(council.sub_b, received_for(11))
    page = home(council.people.stc, client_for)
    assert "quá thời hạn thẩm định (Điều 9.5)" in page and "Sở Xây dựng: quá hạn 2 ngày làm việc" in page
    assert "Sở Y tế" not in page.split("<h1")[1].split("<h2")[0]  # 11 days left: no warning


def test_dieu_9_5_member_whose_part_is_done_is_not_warned_of_that_unit(council, client_for):
    sent_on(council.sub_a, received_for(2))
    sent_on(council.sub_b, received_for(2))
    for row in member_unit_rows(council.m_stc, council.sub_a):
        services.appraisal_save(submission=council.sub_a, node=row.node, actor=council.people.stc, version=0,
                                value=str(row.node.max_points), comment="Đã xem tài liệu")
    page = home(council.people.stc, client_for)
    assert "Sở Y tế: còn 2 ngày làm việc" in page and "Sở Xây dựng:" not in page


def test_dieu_9_5_chair_home_warns_of_every_unfinished_unit(council, client_for):
    chair = UserFactory(username="ct.hoidong")
    Role.objects.create(user=chair, kind=Role.CHAIR, authority=council.authority)
    sent_on(council.sub_a, received_for(1))
    sent_on(council.sub_b, received_for(9))
    page = home(chair, client_for)
    assert "Sở Xây dựng: còn 1 ngày làm việc" in page and "Sở Y tế: còn 9 ngày làm việc" in page
    chair_page = client_for(chair).get(reverse("appraisal:chair_units", args=[council.period.pk])).content.decode()
    assert "còn 1 ngày làm việc" in chair_page and "còn 9 ngày làm việc" in chair_page


def test_dieu_9_5_no_countdown_once_the_round_is_closed(council, client_for):
    chair = UserFactory(username="ct.hoidong")
    Role.objects.create(user=chair, kind=Role.CHAIR, authority=council.authority)
    sent_on(council.sub_a, received_for(2))
    services.round_for(council.period)
    AppraisalRound.objects.filter(period=council.period).update(status=AppraisalRound.Status.CLOSED,
                                                                closed_at=timezone.now())
    assert "ngày làm việc" not in matrix(council, client_for)  # today's header printed "còn x / 50" even then
    assert "còn 2 ngày" not in home(council.people.stc, client_for)
    assert "còn 2 ngày" not in home(chair, client_for)
    chair_page = client_for(chair).get(reverse("appraisal:chair_units", args=[council.period.pk])).content.decode()
    assert "Thời hạn thẩm định" not in chair_page and "còn 2 ngày" not in chair_page


# --------------------------------------------------------------------------- who may see the pages


@pytest.mark.parametrize("actor", ["officer_a", "approver_b", "outsider"])
def test_dieu_9_5_home_refuses_people_without_an_appraisal_task(council, client_for, actor):
    assert client_for(getattr(council, actor)).get(reverse("appraisal:home")).status_code == 403


@pytest.mark.parametrize("actor", ["officer_a", "secretariat", "outsider"])
def test_dieu_9_5_chair_units_refuses_all_but_the_chair(council, client_for, actor):
    url = reverse("appraisal:chair_units", args=[council.period.pk])
    assert client_for(getattr(council, actor)).get(url).status_code == 403
    assert client_for(council.people.stc).get(url).status_code == 403  # a member, not the chair
