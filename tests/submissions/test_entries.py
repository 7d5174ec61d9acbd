"""Saving scores and explanations: rule-aware input, bad input, deadline, concurrency and history."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from submissions import services
from submissions.models import Entry
from tests.factories import leaf, make_world

pytestmark = pytest.mark.django_db
D = __import__("decimal").Decimal


@pytest.fixture
def xa(db):
    """A commune period on dh2024-xa, whose leaves carry every rule kind."""
    return make_world(framework_code="dh2024-xa")


def save(world, code, value=None, explanation=None, version=None, user=None, now=None, sub=None):
    sub = sub or world.sub_a
    node = leaf(sub, code)
    if version is None:
        entry = Entry.objects.filter(submission=sub, node=node).first()
        version = entry.version if entry else 0
    return services.entry_save(submission=sub, node=node, actor=user or world.officer_a, version=version,
                               value=value, explanation=explanation, now=now)


def test_levels_rule_scores_the_chosen_outcome(xa):
    entry = save(xa, "2.3.4", value="1")  # "Có đơn thư thuộc thẩm quyền giải quyết quá hạn = 0,5"
    assert entry.points == D("0.5") and "0,5" in entry.reason


def test_special_outcome_from_the_notes(xa):
    entry = save(xa, "2.3.4", value="3")
    assert entry.points == D(1) and entry.reason.startswith("Trường hợp đặc biệt")


def test_percent_rule_computes_and_explains(xa):
    entry = save(xa, "6.2", value="87,5")  # 6.2: ≥ 80 % → pct × 5 / 100
    assert entry.points == D("4.375") and entry.percent == D("87.5")
    assert "87,5 × 5 / 100 = 4,375" in entry.reason
    below = save(xa, "6.2", value="79.9")
    assert below.points == 0 and "dưới ngưỡng 80%" in below.reason


def test_manual_rule_accepts_comma_and_dot(world):
    assert save(world, "2.1", value="1,5").points == D("1.5")
    assert save(world, "2.1", value="2.25").points == D("2.25")


@pytest.mark.parametrize("value, message", [
    ("3,5", "vượt quá điểm tối đa 3"), ("-1", "không được âm"), ("abc", "không phải là một số"),
    ("1,234", "tối đa 2 chữ số"),
])
def test_bad_manual_input_is_refused_and_changes_nothing(world, value, message):
    save(world, "2.1", value="2")
    with pytest.raises(ValidationError, match=message):
        save(world, "2.1", value=value)
    assert Entry.objects.get(submission=world.sub_a, node=leaf(world.sub_a, "2.1")).points == 2


def test_survey_criteria_are_not_self_scored(world):
    with pytest.raises(ValidationError, match="do Lãnh đạo chấm"):
        save(world, "1.1", value="4")


def test_a_non_leaf_cannot_be_scored(world):
    with pytest.raises(ValidationError, match="không phải tiêu chí chấm điểm"):
        save(world, "II", value="4")


def test_save_after_the_deadline_is_refused_with_the_deadline(world):
    late = world.period.closes_at + timedelta(seconds=1)
    with pytest.raises(ValidationError, match="Đã hết hạn gửi báo cáo lúc 17:00|Đã hết hạn gửi báo cáo lúc"):
        save(world, "2.1", value="1", now=late)
    with pytest.raises(ValidationError, match="Đã hết hạn"):
        save(world, "2.1", explanation="muộn", now=world.period.closes_at)
    assert not Entry.objects.filter(submission=world.sub_a, points__isnull=False).exists()


def test_two_officers_from_stale_pages_never_overwrite_silently(world):
    first = save(world, "2.1", value="1", version=0)
    assert first.version == 1
    # A second officer loaded the page at version 0 and saves now.
    second_officer = world.approver_a
    with pytest.raises(services.ConflictError) as exc:
        save(world, "2.1", value="3", version=0, user=second_officer)
    assert "vừa được" in str(exc.value.messages[0]) and exc.value.entry.points == 1
    entry = Entry.objects.get(submission=world.sub_a, node=leaf(world.sub_a, "2.1"))
    assert entry.points == 1 and entry.updated_by == world.officer_a
    # Having seen the other value, the second officer saves on top of it.
    assert save(world, "2.1", value="3", version=1, user=second_officer).points == 3


def test_every_change_is_kept_with_who_and_when(world):
    save(world, "2.1", value="1", explanation="Theo Mục 1 Báo cáo 10/BC-SXD")
    save(world, "2.1", value="2", user=world.approver_a)
    save(world, "2.1", explanation="Theo Mục 2 Báo cáo 11/BC-SXD")
    entry = Entry.objects.get(submission=world.sub_a, node=leaf(world.sub_a, "2.1"))
    records = list(entry.history.order_by("history_date"))
    assert [r.points for r in records[-3:]] == [1, 2, 2]
    assert [r.history_user for r in records[-3:]] == [world.officer_a, world.approver_a, world.officer_a]
    from submissions.selectors import entry_history

    changes = entry_history(entry)
    assert changes[0]["changes"] == [("Giải trình", "Theo Mục 1 Báo cáo 10/BC-SXD", "Theo Mục 2 Báo cáo 11/BC-SXD")]
    assert changes[1]["changes"] == [("Điểm", "1", "2")]


def test_saving_the_same_value_does_not_bump_the_version(world):
    save(world, "2.1", value="1")
    assert save(world, "2.1", value="1,0").version == 1


def test_inside_a_window_explanation_changes_but_score_stays(world):
    save(world, "2.1", value="1", explanation="Mục 1")
    for code in ("2.2", "2.3", "2.4"):
        save(world, code, value="1", explanation="Mục 1")
    node = leaf(world.sub_a, "2.1")
    services.window_open(submission=world.sub_a, nodes=[node], closes_at=world.period.closes_at + timedelta(days=9),
                         message="Bổ sung", actor=world.secretariat)
    later = world.period.closes_at + timedelta(days=2)
    with pytest.raises(ValidationError, match="điểm tự chấm giữ nguyên"):
        save(world, "2.1", value="3", now=later)
    assert save(world, "2.1", explanation="Bổ sung: Mục 3 Báo cáo 20/BC-SXD", now=later).explanation.startswith(
        "Bổ sung")
    with pytest.raises(ValidationError, match="Đã hết hạn"):
        save(world, "2.2", explanation="không được", now=later)


def test_lock_overdue_marks_unsent_submissions():
    world = make_world(closes_in_days=1)
    assert services.submissions_lock_overdue(now=timezone.now()) == 0
    assert services.submissions_lock_overdue(now=world.period.closes_at) == 2
    world.sub_a.refresh_from_db()
    assert world.sub_a.status == "locked" and world.sub_a.locked_at == world.period.closes_at
