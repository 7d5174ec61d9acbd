"""Seed 004: several deadlines in one period (communes 05/12, departments 15/12). A block's own deadline
(PeriodBlock.deadline) is enforced on the server like the period's, locks its unsent sheets, has its own
reminders, is shown to the unit, and is set per block on the period form within the period's window."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from criteria.models import Framework, Node
from submissions import rules, services
from submissions.models import Block, PeriodBlock, Role, Submission, Unit
from tests.factories import UserFactory, make_world, period_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_blocks(db):
    """The world's sở block follows the period (closes in 5 days); a commune block closes in 2 hours."""
    w = make_world()
    w.communes = Block.objects.create(authority=w.authority, code="xa", name="Khối UBND cấp xã")
    w.commune = Unit.objects.create(authority=w.authority, block=w.communes, code="xa-a", name="UBND xã A")
    w.deadline = timezone.now() + timedelta(hours=2)
    services.period_save(period=w.period, frameworks={
        w.block: Framework.objects.get(code="tn2024-so"), w.communes: Framework.objects.get(code="dh2024-xa")},
        deadlines={w.communes: w.deadline})
    w.sub_c = Submission.objects.get(period=w.period, unit=w.commune)
    w.officer_c = UserFactory(username="officer.c")
    Role.objects.create(user=w.officer_c, kind=Role.OFFICER, unit=w.commune)
    return w


def _leaf(submission):
    return next(n for n in Node.objects.filter(framework=submission.framework).order_by("ordering")
                if n.rule and n.rule["kind"] in ("manual", "levels"))


def test_a_blocks_own_deadline_is_enforced_on_the_server(two_blocks):
    w = two_blocks
    later = w.deadline + timedelta(minutes=1)
    assert Submission.objects.get(pk=w.sub_c.pk).closes_at == w.deadline
    assert Submission.objects.get(pk=w.sub_a.pk).closes_at == w.period.closes_at
    with pytest.raises(ValidationError, match="Đã hết hạn gửi báo cáo lúc"):
        services.entry_save(submission=w.sub_c, node=_leaf(w.sub_c), actor=w.officer_c, version=0, value="0",
                            explanation="x", now=later)
    assert not w.sub_c.entries.exists()
    # the sở block still follows the period's deadline
    services.entry_save(submission=w.sub_a, node=_leaf(w.sub_a), actor=w.officer_a, version=0, value="0",
                        explanation="Tại Mục 1 Báo cáo 9/BC-SXD", now=later)


def test_the_lock_at_a_blocks_deadline_takes_only_that_block(two_blocks):
    w = two_blocks
    assert services.submissions_lock_overdue(now=w.deadline - timedelta(seconds=1)) == 0
    assert services.submissions_lock_overdue(now=w.deadline) == 1
    assert Submission.objects.get(pk=w.sub_c.pk).status == Submission.LOCKED
    assert Submission.objects.get(pk=w.sub_a.pk).status == Submission.DRAFT
    assert services.submissions_lock_overdue(now=w.period.closes_at) == 2  # A and B at the period's deadline


def test_reminders_follow_each_blocks_deadline(two_blocks, mailoutbox):
    w = two_blocks
    assert services.reminders_send(now=w.deadline - timedelta(hours=1)) == 1  # the commune, 3 hours before
    assert "UBND xã A" in mailoutbox[0].body and rules.local(w.deadline) in mailoutbox[0].body
    assert services.reminders_send(now=w.deadline - timedelta(minutes=30)) == 0  # once


def test_the_unit_sees_its_blocks_deadline(two_blocks, client_for):
    page = client_for(two_blocks.officer_c).get(reverse("submissions:score_page", args=[two_blocks.sub_c.pk]))
    local = timezone.localtime(two_blocks.deadline)
    assert f"{local:%H:%M} ngày {local:%d/%m/%Y}" in page.content.decode()


def test_the_period_form_sets_a_blocks_deadline_within_the_period(two_blocks, client_for):
    w = two_blocks
    client = client_for(w.secretariat)
    fmt = "%Y-%m-%dT%H:%M"
    data = period_form_data(**{
        "authority": w.authority.pk, "code": w.period.code, "name": w.period.name, "year": w.period.year,
        "kind": w.period.kind, "opens_at": timezone.localtime(w.period.opens_at).strftime(fmt),
        "closes_at": timezone.localtime(w.period.closes_at).strftime(fmt),
        f"fw_{w.block.pk}": Framework.objects.get(code="tn2024-so").pk,
        f"fw_{w.communes.pk}": Framework.objects.get(code="dh2024-xa").pk,
        f"deadline_{w.communes.pk}": timezone.localtime(w.period.closes_at + timedelta(days=1)).strftime(fmt)})
    response = client.post(reverse("submissions:period_edit", args=[w.period.pk]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [f"deadline_{w.communes.pk}"]
    assert "không được muộn hơn hạn gửi của kỳ" in form.errors[f"deadline_{w.communes.pk}"][0]
    assert PeriodBlock.objects.get(period=w.period, block=w.communes).deadline == w.deadline  # unchanged
    earlier = timezone.localtime(w.period.closes_at - timedelta(days=1)).replace(second=0, microsecond=0)
    data[f"deadline_{w.communes.pk}"] = earlier.strftime(fmt)
    assert client.post(reverse("submissions:period_edit", args=[w.period.pk]), data).status_code == 302
    assert PeriodBlock.objects.get(period=w.period, block=w.communes).deadline == earlier


@pytest.mark.parametrize("shift, expected", [(timedelta(days=-30), "phải sau thời điểm mở nhận"),
                                             (timedelta(days=10), "không được muộn hơn"), (None, "")])
def test_block_deadline_problem(shift, expected):
    opens, closes = timezone.now() - timedelta(days=10), timezone.now() + timedelta(days=5)
    problem = rules.block_deadline_problem(None if shift is None else timezone.now() + shift, opens_at=opens,
                                           closes_at=closes)
    assert (expected in problem) and (bool(problem) == bool(expected))
