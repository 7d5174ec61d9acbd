"""Điều 11.1.b: a unit that assesses its own subordinate units is an authority of its own in the same
deployment (``Unit.assesses``). Its published results are visible to the unit's leadership, and the share
of disciplined subordinate units in the parent's facts can be filled from them, with the source shown."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from criteria.models import Authority, Framework
from ranking import services
from ranking.models import RankingVersion, UnitFacts
from ranking.selectors import subordinate_discipline
from submissions.models import Block, Period, PeriodBlock, Role, Submission, Unit
from tests.factories import UserFactory, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def nested(db):
    """Sở Xây dựng assesses its four departments (its own authority, a child of the province); the
    department period of the same year is published, one department disciplined."""
    w = make_world()
    child = Authority.objects.create(code="sxd-noi-bo", name="Sở Xây dựng (đánh giá nội bộ)", level="don-vi",
                                     parent=w.authority)
    Unit.objects.filter(pk=w.unit_a.pk).update(assesses=child)
    w.unit_a.refresh_from_db()
    block = Block.objects.create(authority=child, code="phong", name="Khối các phòng chuyên môn")
    period = Period.objects.create(authority=child, code="sxd-2024", name="Đánh giá các phòng năm 2024",
                                   year=w.period.year, opens_at=timezone.now() - timedelta(days=60),
                                   closes_at=timezone.now() - timedelta(days=30))
    framework = Framework.objects.get(code="tn2024-so")
    PeriodBlock.objects.create(period=period, block=block, framework=framework)
    rows = []
    for rank, name in enumerate(["Văn phòng Sở", "Phòng Quản lý xây dựng", "Phòng Quy hoạch", "Thanh tra Sở"], 1):
        unit = Unit.objects.create(authority=child, block=block, code=f"phong-{rank}", name=name)
        Submission.objects.create(period=period, unit=unit, block=block, framework=framework, status="sent")
        UnitFacts.objects.create(period=period, unit=unit, discipline="remedied" if rank == 3 else "none",
                                 corruption="none", evidence="Quyết định 12/QĐ-SXD")
        rows.append({"id": unit.code, "unit_id": unit.pk, "name": name, "rank": rank, "total": f"{100 - rank}.00",
                     "grade": "HTTNV", "reasons": ["Đủ điều kiện."]})
    RankingVersion.objects.create(period=period, block=block, status=RankingVersion.PUBLISHED,
                                  snapshot={"block": {"code": "phong", "name": block.name}, "units": rows},
                                  decision_number="5/QĐ-SXD", decision_date=date(2025, 1, 10))
    w.child, w.child_period = child, period
    return w


def test_subordinate_discipline_is_read_from_the_published_results_of_the_child_authority(nested):
    found = subordinate_discipline(nested.unit_a, nested.period.year)
    assert found["disciplined"] == 1 and found["total"] == 4 and found["share"] == Decimal("0.25")
    assert found["names"] == ["Phòng Quy hoạch"] and "5/QĐ-SXD" in found["source"]
    assert subordinate_discipline(nested.unit_b, nested.period.year) is None  # assesses nobody
    assert subordinate_discipline(nested.unit_a, nested.period.year - 1) is None  # nothing published that year


def test_the_facts_form_fills_the_share_from_the_child_results_and_records_the_source(nested, client_for):
    client = client_for(nested.secretariat)
    url = reverse("ranking:facts", args=[nested.period.pk, nested.unit_a.pk])
    page = client.get(url).content.decode()
    assert "1/4 đơn vị bị kỷ luật" in page and "5/QĐ-SXD" in page
    response = client.post(url, {"discipline": "remedied", "corruption": "none", "subunits_disciplined_share": "0",
                                 "evidence": "Tờ trình 15/TTr-HĐTĐ", "use_subordinate": "1"})
    assert response.status_code == 302, [m.message for m in response.context["messages"]]
    facts = UnitFacts.objects.get(period=nested.period, unit=nested.unit_a)
    assert facts.subunits_disciplined_share == Decimal("0.25")
    assert facts.evidence.startswith("Tờ trình 15/TTr-HĐTĐ") and "5/QĐ-SXD" in facts.evidence
    # The ranking reads the share as any other fact (25 % > 20 %: KHTNV, Điều 7.2.b).
    units, _ = services.build_units(nested.period, nested.block, services.period_settings(nested.period,
                                                                                          nested.block))
    assert next(u for u in units if u.id == "so-xay-dung").subunits_disciplined_share == Decimal("0.25")


def test_the_units_leadership_sees_the_subordinate_results(nested, client_for):
    url = reverse("ranking:subordinate_results", args=[nested.unit_a.pk])
    page = client_for(nested.approver_a).get(url)
    assert page.status_code == 200 and "Phòng Quy hoạch" in page.content.decode()
    assert "Đủ điều kiện." in page.content.decode()  # the reasons the public page does not show
    assert client_for(nested.secretariat).get(url).status_code == 200
    home = client_for(nested.approver_a).get(reverse("submissions:my_work")).content.decode()
    assert url in home


def test_others_are_refused_the_subordinate_results(nested, client_for):
    url = reverse("ranking:subordinate_results", args=[nested.unit_a.pk])
    assert client_for(nested.approver_b).get(url).status_code == 403  # leader of another unit
    assert client_for(nested.officer_a).get(url).status_code == 403  # an officer is not the leadership
    stranger = UserFactory(username="khac")
    assert client_for(stranger).get(url).status_code == 403
    assert client_for(nested.approver_b).get(
        reverse("ranking:subordinate_results", args=[nested.unit_b.pk])).status_code == 404  # assesses nobody
    Role.objects.create(user=stranger, kind=Role.APPROVER, unit=nested.unit_b)
    assert client_for(stranger).get(url).status_code == 403
