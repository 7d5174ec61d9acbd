"""Issue #10, parts 1.3 and 1.4: the ranking block page shows the block's name (it printed
"<Block Node: content …>", the context variable colliding with ``{% block %}``), and an action on a
block with no version yet is a clear refusal, not HTTP 500."""

import pytest
from django.urls import reverse

from ranking.models import RankingVersion
from submissions.models import Role
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


def page(w):
    return reverse("ranking:block", args=[w.period.pk, w.block.pk])


def test_title_and_heading_name_the_block(w, client_for):
    html = client_for(w.secretariat).get(page(w)).content.decode()
    assert "Block Node" not in html and "&lt;Block" not in html
    assert f"<title>{w.block} — {w.period}" in html
    assert f'<h1 class="h4 mb-1">{w.block} — {w.period}</h1>' in html


def test_period_page_links_every_block(w, client_for):
    html = client_for(w.secretariat).get(reverse("ranking:period", args=[w.period.pk])).content.decode()
    assert str(w.block) in html and page(w) in html and "Block Node" not in html
