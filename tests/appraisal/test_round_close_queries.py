"""Issue #17 item 5: closing the round (checks, lock, freeze of every result) reads the period in a fixed
number of queries, however many units the block has — no query per unit or per criterion."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appraisal import services
from appraisal.models import AppraisedResult
from submissions.models import Role, Submission, Unit
from tests.appraisal.conftest import fill_and_send
from tests.factories import UserFactory, make_world, pass_deadline, staff_council
from tests.ranking.test_publication import appraise_all, leaders

pytestmark = pytest.mark.django_db

# Measured with 2 and with 4 units: the same count on each database. A query added per unit breaks one of the
# two. Each database's count is pinned as measured (SQLite 40, PostgreSQL 36, on 2026-12-03).
ROUND_CLOSE_QUERIES = {"sqlite": 40, "postgresql": 36}


@pytest.mark.parametrize("extra_units", [0, 2])
def test_round_close_takes_the_same_queries_for_two_units_and_four(extra_units):
    w = make_world()
    sheets = [(w.sub_a, w.approver_a, w.unit_a), (w.sub_b, w.approver_b, w.unit_b)]
    for i in range(extra_units):
        unit = Unit.objects.create(authority=w.authority, block=w.block, code=f"so-them-{i}", name=f"Sở thêm {i}")
        submission = Submission.objects.create(period=w.period, unit=unit, block=w.block, framework=w.sub_a.framework)
        approver = UserFactory(username=f"lanhdao.so-them-{i}")
        Role.objects.create(user=approver, kind=Role.APPROVER, unit=unit)
        sheets.append((submission, approver, unit))
    for submission, approver, unit in sheets:
        appraise_all(fill_and_send(w, submission, approver), w.secretariat)
        leaders(w, unit)
    pass_deadline(w.period)
    staff_council(w.period)
    services.round_release(period=w.period, actor=w.secretariat)
    with CaptureQueriesContext(connection) as queries:
        closed = services.round_close(period=w.period, actor=w.secretariat)
    assert closed.closed_at
    assert AppraisedResult.objects.filter(submission__period=w.period).count() == 2 + extra_units
    listing = "\n".join(q["sql"][:120] for q in queries.captured_queries)
    assert len(queries) == ROUND_CLOSE_QUERIES[connection.vendor], listing
