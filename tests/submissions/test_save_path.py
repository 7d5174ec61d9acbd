"""The save of one criterion, the request officers make most on the last afternoon: what it answers and
what it costs. The fragment's progress must agree with the whole page, and the number of queries must not
depend on the files, assignments or criteria a unit has."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from criteria.models import Framework
from criteria.selectors import framework_nodes
from submissions import services
from submissions.models import Entry
from submissions.selectors import submission_completeness, submission_progress, submission_sheet
from tests.factories import leaf
from tests.submissions.helpers import tiny_pdf
from tests.submissions.test_save_queries import SAVE_QUERIES

pytestmark = pytest.mark.django_db


def _save(client, world, code, value, explanation="Mục 1"):
    node = leaf(world.sub_a, code)
    entry = Entry.objects.filter(submission=world.sub_a, node=node).first()
    url = reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk])
    data = {"version": entry.version if entry else 0, "value": value, "explanation": explanation}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data, HTTP_HX_REQUEST="true")
    return response, queries


def _attach(world, code, number):
    services.evidence_add(submission=world.sub_a, node=leaf(world.sub_a, code), actor=world.officer_a,
                          upload=services.Upload(name=f"bc-{number}.pdf", data=tiny_pdf()),
                          doc_number=f"{number}/BC-SXD", doc_date=world.period.opens_at.date(), issuer="Sở Xây dựng")


def test_progress_after_a_save_agrees_with_the_whole_page(world):
    services.entry_save(submission=world.sub_a, node=leaf(world.sub_a, "2.1"), actor=world.officer_a, version=0,
                        value="1,5", explanation="")
    services.entry_save(submission=world.sub_a, node=leaf(world.sub_a, "2.2"), actor=world.officer_a, version=0,
                        value="1", explanation="Theo Mục 2 Báo cáo")
    services.entry_save(submission=world.sub_a, node=leaf(world.sub_a, "2.3"), actor=world.officer_a, version=0,
                        value=None, explanation="Chưa chấm, có giải trình")
    _attach(world, "2.1", 7)
    services.assignment_set(submission=world.sub_a, node=leaf(world.sub_a, "2.1"), users=[world.officer_a],
                            actor=world.approver_a)
    progress = submission_progress(world.sub_a, world.officer_a)
    sheet = submission_sheet(world.sub_a, world.officer_a)
    report = submission_completeness(world.sub_a, sheet)
    assert (progress.scorable, progress.scored, progress.documented) == (report.scorable, report.scored,
                                                                          report.documented)
    assert progress.total == sheet.total == Decimal("2.5")
    # Điều 8.2.b: each of the three has only evidence or only an explanation, not both
    assert (progress.scored, progress.documented, progress.mine) == (2, 0, 1)
    world.period.settings = {**world.period.settings, "support_rule": "either"}  # a PAR-index reading
    world.period.save()
    world.sub_a.refresh_from_db()
    progress = submission_progress(world.sub_a, world.officer_a)
    report = submission_completeness(world.sub_a, submission_sheet(world.sub_a, world.officer_a))
    assert progress.documented == report.documented == 3


def test_a_save_costs_the_same_queries_however_many_files_and_assignments(world, client_for):
    client = client_for(world.officer_a)
    _save(client, world, "2.1", "1")  # the entry exists from here on: later saves take the steady path
    _attach(world, "2.1", 1)
    response, few = _save(client, world, "2.1", "0,5")
    assert response.status_code == 200 and 'name="version" value="2"' in response.content.decode()
    for number in range(2, 6):
        _attach(world, "2.1", number)
    for code in ("2.1", "2.2", "2.3"):
        services.assignment_set(submission=world.sub_a, node=leaf(world.sub_a, code), users=[world.officer_a],
                                actor=world.approver_a)
    response, many = _save(client, world, "2.1", "1")
    assert response.status_code == 200 and response.content.decode().count("bc-") >= 5
    # the exact count, pinned per database in tests/submissions/test_save_queries.py (issue #17 item 3)
    assert len(many) == len(few) == SAVE_QUERIES[connection.vendor], [q["sql"][:300] for q in many.captured_queries]


def test_a_locked_frameworks_nodes_are_read_once_per_process(world, django_assert_num_queries):
    framework = Framework.objects.get(pk=world.sub_a.framework_id)
    assert framework.locked_at  # choosing it for a period locked it
    first = framework_nodes(framework)
    with django_assert_num_queries(0):
        assert framework_nodes(framework) is first
    unlocked = Framework.objects.exclude(pk=framework.pk).filter(locked_at__isnull=True).first()
    with django_assert_num_queries(1):
        framework_nodes(unlocked)
    with django_assert_num_queries(1):
        framework_nodes(unlocked)  # an unlocked framework may still change: read every time
