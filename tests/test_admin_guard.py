"""Issue #15 item 6: stateful or guarded models are read-only in the admin (their writes go through the
services that check deadlines, states and versions), and no supplementary window opens on a sheet whose
round is closed or whose block's ranking is submitted or published."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from appraisal.models import AppraisalRound
from criteria.models import Node
from submissions import services
from submissions.models import Period, PeriodBlock, Window
from tests.factories import close_round, make_world

pytestmark = pytest.mark.django_db

GUARDED = [("submissions", "period"), ("submissions", "window"), ("appraisal", "appraisalround"),
           ("appraisal", "qualitylevel"), ("appraisal", "papertally"), ("appraisal", "leaderform"),
           ("appraisal", "supplementrequest")]


@pytest.mark.parametrize("app, model", GUARDED)
def test_guarded_models_cannot_be_added_in_the_admin(admin_client, app, model):
    assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403
    assert admin_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200  # still shown


def test_a_periods_deadline_and_frameworks_cannot_be_changed_in_the_admin(admin_client):
    w = make_world()
    url = reverse("admin:submissions_period_change", args=[w.period.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="closes_at"' not in page.content.decode()  # shown read-only
    later = timezone.localtime(w.period.closes_at + timedelta(days=30))
    response = admin_client.post(url, {"name": "Sửa", "closes_at_0": later.strftime("%d/%m/%Y"),
                                       "closes_at_1": later.strftime("%H:%M:%S")})
    assert response.status_code == 403
    assert Period.objects.get(pk=w.period.pk).closes_at == w.period.closes_at
    assert admin_client.post(reverse("admin:submissions_period_delete", args=[w.period.pk]),
                             {"post": "yes"}).status_code == 403
    assert PeriodBlock.objects.filter(period=w.period).count() == 1


def test_a_closed_round_cannot_be_reopened_in_the_admin(admin_client):
    w = make_world()
    close_round(w.period, w.secretariat)
    appraisal_round = AppraisalRound.objects.get(period=w.period)
    url = reverse("admin:appraisal_appraisalround_change", args=[appraisal_round.pk])
    assert admin_client.post(url, {"status": "open", "closed_at": ""}).status_code == 403
    assert AppraisalRound.objects.get(pk=appraisal_round.pk).status == AppraisalRound.Status.CLOSED


def test_no_supplementary_window_opens_once_the_round_is_closed(db):
    w = make_world()
    node = next(n for n in Node.objects.filter(framework=w.sub_a.framework) if n.rule)
    closes = timezone.now() + timedelta(days=20)
    close_round(w.period, w.secretariat)
    with pytest.raises(ValidationError, match="Đợt thẩm định của kỳ đã kết thúc"):
        services.window_open(submission=w.sub_a, nodes=[node], closes_at=closes, message="Bổ sung",
                             actor=w.secretariat)
    assert not Window.objects.exists()


def test_a_window_still_opens_while_the_round_is_open(db):
    w = make_world()
    node = next(n for n in Node.objects.filter(framework=w.sub_a.framework) if n.rule)
    window = services.window_open(submission=w.sub_a, nodes=[node], closes_at=timezone.now() + timedelta(days=2),
                                  message="Bổ sung", actor=w.secretariat)
    assert window.pk and list(window.nodes.all()) == [node]


def test_a_sent_leaders_form_cannot_be_changed(db):
    """Issue #15 item 5: a leader's form is immutable once sent."""
    from appraisal import services as appraisal_services
    from appraisal.models import LeaderForm
    from submissions.models import Role
    from tests.factories import UserFactory

    w = make_world()
    leader = UserFactory(username="ld.mot")
    Role.objects.create(user=leader, kind=Role.LEADER, authority=w.authority)
    answers = {c: 5 for c in ("1.1", "1.2", "1.3", "1.4", "1.5")}
    appraisal_services.leader_form_save(period=w.period, leader=leader, unit=w.unit_a, answers=answers, submit=True)
    with pytest.raises(ValidationError, match="đã gửi lúc"):
        appraisal_services.leader_form_save(period=w.period, leader=leader, unit=w.unit_a,
                                            answers={**answers, "1.1": 1}, submit=True)
    assert LeaderForm.objects.get(leader=leader, unit=w.unit_a).answers["1.1"] == 5


def test_the_paper_tally_form_is_one_transaction(db, client_for):
    """Issue #15 item 5: one bad cell leaves every row as it was; a huge count is refused in Vietnamese."""
    from appraisal.models import PaperTally
    from appraisal.services import MAX_TALLY

    w = make_world()
    client = client_for(w.secretariat)
    url = reverse("appraisal:tally", args=[w.period.pk, w.unit_a.pk])
    data = {f"n-1.{i}-5": "3" for i in range(1, 6)}
    data["n-1.5-5"] = "x"
    response = client.post(url, data, follow=True)
    assert "phải là số nguyên" in response.content.decode()
    assert not PaperTally.objects.exists()
    data["n-1.5-5"] = str(MAX_TALLY + 1)
    assert "quá lớn" in client.post(url, data, follow=True).content.decode()
    assert not PaperTally.objects.exists()
    data["n-1.5-5"] = "3"
    client.post(url, data)
    assert PaperTally.objects.count() == 5


@pytest.mark.parametrize("where", ["query", "form"])
def test_a_nul_byte_is_refused_with_a_vietnamese_400_and_changes_nothing(db, client_for, where):
    """Issue #15 item 7: NUL in ``?code=`` or a text field ended in HTTP 500 on PostgreSQL."""
    from submissions.models import SelfReport

    w = make_world()
    client = client_for(w.approver_a)
    url = reverse("submissions:self_report", args=[w.sub_a.pk])
    if where == "query":
        response = client.get(reverse("criteria:framework_list") + "?code=a%00b")
    else:
        response = client.post(url, {"situation": "Tình hình\x00 chung", "number": "12/BC-SXD"})
    assert response.status_code == 400 and "ký tự điều khiển" in response.content.decode()
    assert not SelfReport.objects.filter(submission=w.sub_a).exists()
