"""Issue #17 item 5: the ranking periods page reads who may view what in a fixed number of queries (it ran
one to three role queries per period: 12 → 17 queries for the secretariat, 14 → 34 for the chairman as the
periods went 1 → 6)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appraisal.models import CouncilMember
from criteria.models import Authority
from submissions.models import Period, Role
from tests.factories import UserFactory, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    world = make_world()
    world.chair = UserFactory(username="ct.hoidong")
    Role.objects.create(user=world.chair, kind=Role.CHAIR, authority=world.authority)
    world.chairman = UserFactory(username="ct.ubnd")
    Role.objects.create(user=world.chairman, kind=Role.CHAIRMAN, authority=world.authority)
    return world


def add_periods(authority, n: int, start: int = 2018) -> list[Period]:
    now = timezone.now()
    return [Period.objects.create(authority=authority, code=f"ky-{authority.code}-{start + i}", name=f"Kỳ {start + i}",
                                  year=start + i, opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=5))
            for i in range(n)]


def counted(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ranking:periods"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("who", ["secretariat", "chair", "chairman"])
def test_the_same_number_of_queries_for_one_period_and_six(w, client_for, who):
    client = client_for(getattr(w, who))
    client.get(reverse("ranking:periods"))  # the first request warms per-process caches
    one, html = counted(client)
    assert html.count(reverse("ranking:period", args=[w.period.pk])) == 1
    added = add_periods(w.authority, 5)
    six, html = counted(client)
    assert six == one
    for period in [w.period, *added]:
        assert reverse("ranking:period", args=[period.pk]) in html


def test_a_council_chair_sees_only_the_period_of_their_council(w, client_for):
    other = Authority.objects.create(code="tinh-khac", name="UBND tỉnh khác", level="tinh")
    chaired, hidden = add_periods(other, 2)
    person = UserFactory(username="ct.hoidong.ky")
    CouncilMember.objects.create(period=chaired, user=person, agency="Văn phòng UBND tỉnh",
                                 role=CouncilMember.CHAIR)
    _, html = counted(client_for(person))
    assert reverse("ranking:period", args=[chaired.pk]) in html
    assert reverse("ranking:period", args=[hidden.pk]) not in html
    assert reverse("ranking:period", args=[w.period.pk]) not in html


def test_a_person_without_a_ranking_role_is_refused(w, client_for):
    assert client_for(w.officer_a).get(reverse("ranking:periods")).status_code == 403
