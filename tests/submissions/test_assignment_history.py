"""Phân công chấm điểm keeps who assigned or withdrew whom, and when (standards: nothing is lost)."""

import pytest

from submissions import services
from submissions.models import Assignment
from tests.factories import leaf

pytestmark = pytest.mark.django_db


def test_assigning_and_withdrawing_leave_history_rows_naming_the_approver(world):
    node = leaf(world.sub_a, "2.1")
    services.assignment_set(submission=world.sub_a, node=node, users=[world.officer_a], actor=world.approver_a)
    services.assignment_set(submission=world.sub_a, node=node, users=[world.officer_a], actor=world.approver_a)
    services.assignment_set(submission=world.sub_a, node=node, users=[], actor=world.approver_a)
    rows = list(Assignment.history.filter(submission=world.sub_a, node=node).order_by("history_date", "history_id"))
    assert [(r.history_type, r.user_id, r.history_user_id) for r in rows] == [
        ("+", world.officer_a.pk, world.approver_a.pk), ("-", world.officer_a.pk, world.approver_a.pk)]
    assert not Assignment.objects.filter(submission=world.sub_a, node=node).exists()


def test_the_same_person_twice_in_a_form_is_one_assignment(world):
    node = leaf(world.sub_a, "2.2")
    services.assignment_set(submission=world.sub_a, node=node, users=[world.officer_a, world.officer_a],
                            actor=world.approver_a)
    assert Assignment.objects.filter(submission=world.sub_a, node=node).count() == 1
    assert Assignment.history.filter(submission=world.sub_a, node=node).count() == 1
