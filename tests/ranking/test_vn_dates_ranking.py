"""The ranking's hand-written date inputs take dd/mm/yyyy (issue #14 item 8, config/dates.py): the chairman's
decision date, the head's transfer date (Điều 4.5), a lost point's remedy due date."""

from datetime import date

import pytest
from django.urls import reverse

from ranking import services
from ranking.models import HeadGrade, LostPointNote, RankingVersion
from tests.ranking.test_dieu_4_5_head_grade import publish
from tests.ranking.test_dieu_4_5_head_grade import url as head_grades_url
from tests.ranking.test_lost_points import _note_url, mini  # noqa: F401 (fixture)
from tests.ranking.test_publication import ranked  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_the_decision_date_is_typed_dd_mm_yyyy(ranked, client_for):  # noqa: F811
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    services.ranking_submit(version=version, actor=ranked.secretariat)
    url = reverse("ranking:block", args=[ranked.period.pk, ranked.block.pk])
    client = client_for(ranked.chairman)
    page = client.get(url).content.decode()
    assert 'type="date"' not in page and 'name="decision_date" id="ap-date"' in page
    data = {"action": "approve", "decision_number": "9/QĐ-UBND", "decision_date": "20/01/2025"}
    confirmation = client.post(url, data)
    assert confirmation.status_code == 200 and "20/01/2025" in confirmation.content.decode()
    client.post(url, {**data, "confirm": "1"})
    version = RankingVersion.objects.get()
    assert version.status == "published" and version.decision_date == date(2025, 1, 20)


def test_the_transfer_date_is_typed_and_shown_dd_mm_yyyy(ranked, client_for):  # noqa: F811
    publish(ranked)
    a = ranked.unit_a.pk
    client = client_for(ranked.secretariat)
    data = {f"u{a}-full_name": "Nguyễn Văn An", f"u{a}-position": "Giám đốc Sở", f"u{a}-grade": "HTTNV",
            f"u{a}-basis": "210/QĐ-UBND", f"u{a}-newly_transferred": "on", f"u{a}-transferred_on": "1/9/2024"}
    response = client.post(head_grades_url(ranked), data)
    assert response.status_code in (200, 302), response.content.decode()[:2000]
    assert HeadGrade.objects.get(unit_id=a).transferred_on == date(2024, 9, 1)
    assert 'value="01/09/2024"' in client.get(head_grades_url(ranked)).content.decode()


def test_the_remedy_due_date_is_typed_and_shown_dd_mm_yyyy(mini, client_for):  # noqa: F811
    client = client_for(mini.officer_a)
    response = client.post(_note_url(mini, "1.3"), {"version": "0", "cause": "Chưa đủ nhân lực",
                                                    "remedy": "Bổ sung nhân lực", "remedy_due": "31/12/2024"})
    assert response.status_code == 302
    assert LostPointNote.objects.get().remedy_due == date(2024, 12, 31)
    page = client.get(response["Location"]).content.decode()
    assert 'value="31/12/2024"' in page
