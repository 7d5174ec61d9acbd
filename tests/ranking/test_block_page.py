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
    assert f"<title>{w.block} — {w.period}</title>" in html
    assert f'<h1 class="h4 mb-1">{w.block} — {w.period}</h1>' in html


def test_period_page_links_every_block(w, client_for):
    html = client_for(w.secretariat).get(reverse("ranking:period", args=[w.period.pk])).content.decode()
    assert str(w.block) in html and page(w) in html and "Block Node" not in html


@pytest.mark.parametrize("actor, data", [
    ("secretariat", {"action": "submit"}),
    ("chair", {"action": "chair", "orders": "a, b", "note": "Căn cứ"}),
    ("chairman", {"action": "approve", "decision_number": "1/QĐ-UBND", "decision_date": "2024-12-20"}),
    ("chairman", {"action": "revoke", "reason": "Sai", "decision_number": "2/QĐ-UBND",
                  "decision_date": "2024-12-21"}),
])
def test_actions_on_a_block_without_a_version_are_refused_clearly(w, client_for, actor, data):
    client = client_for(getattr(w, actor))
    response = client.post(page(w), data, follow=True)
    assert response.status_code == 200
    assert "Khối chưa có kết quả xếp loại" in response.content.decode()
    assert not RankingVersion.objects.exists()


def test_a_bad_decision_date_says_so_and_changes_nothing(w, client_for):
    RankingVersion.objects.create(period=w.period, block=w.block, status=RankingVersion.SUBMITTED,
                                  snapshot={"units": []})
    response = client_for(w.chairman).post(page(w), {"action": "approve", "decision_number": "1/QĐ-UBND",
                                                     "decision_date": "31/02/2024"}, follow=True)
    assert "Ngày quyết định không hợp lệ: nhập theo dạng ngày/tháng/năm" in response.content.decode()
    assert RankingVersion.objects.get().status == RankingVersion.SUBMITTED
