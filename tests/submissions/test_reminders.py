"""Deadline reminders: 3 days, 1 day and 3 hours before the close, once each, to units that have not sent."""

from datetime import timedelta

import pytest

from submissions import services
from tests.appraisal.conftest import fill_and_send

pytestmark = pytest.mark.django_db


def test_reminders_go_once_to_units_that_have_not_sent(world, mailoutbox):
    for user in (world.officer_a, world.approver_a, world.officer_b, world.approver_b):
        assert user.email
    world.sub_b = fill_and_send(world, world.sub_b, world.approver_b)
    close = world.period.closes_at
    assert services.reminders_send(now=close - timedelta(days=4)) == 0
    assert services.reminders_send(now=close - timedelta(days=2, hours=23)) == 1
    message = mailoutbox[-1]
    assert "Còn 3 ngày" in message.subject and sorted(message.to) == sorted(
        [world.officer_a.email, world.approver_a.email])
    assert "Hạn gửi: " in message.body and world.unit_a.name in message.body
    assert services.reminders_send(now=close - timedelta(days=2)) == 0  # once
    assert services.reminders_send(now=close - timedelta(hours=20)) == 1
    assert "Còn 1 ngày" in mailoutbox[-1].subject
    assert services.reminders_send(now=close - timedelta(hours=2)) == 1
    assert "Còn 3 giờ" in mailoutbox[-1].subject
    assert services.reminders_send(now=close + timedelta(minutes=1)) == 0  # closed: nothing
    assert len(mailoutbox) == 3
