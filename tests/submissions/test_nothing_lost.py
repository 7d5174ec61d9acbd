"""Nothing typed is lost (#14 item 1): a refused save of a criterion's score shows back every value typed and
marks only the wrong input; a conflict shows "Bản của bạn" beside "Bản đã lưu" with a way to keep either."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from submissions.models import Entry
from tests.factories import leaf

pytestmark = pytest.mark.django_db

EXPLANATION = "Theo Kế hoạch số 12/KH-UBND, Mục II, Khoản 3: đã hoàn thành 15/15 nhiệm vụ."


def _textarea(html, name):
    return re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S).group(1)


def test_score_above_maximum_keeps_the_explanation_and_marks_only_the_score(world, client_for):
    node = leaf(world.sub_a, "2.1")
    url = reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk])
    response = client_for(world.officer_a).post(url, {"version": "0", "value": "99", "explanation": EXPLANATION},
                                                HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="value" inputmode="decimal" value="99"' in html
    assert _textarea(html, "explanation") == EXPLANATION
    assert html.count("is-invalid") == 1 and re.search(r'is-invalid"[^>]*name="value"', html)
    assert "data-unsaved" in html  # the page still warns before leaving
    assert not Entry.objects.filter(node=node, points__isnull=False).exists()


def test_score_input_carries_the_bounds_the_browser_checks(world, client_for):
    node = leaf(world.sub_a, "2.1")
    page = client_for(world.officer_a).get(reverse("submissions:score_page", args=[world.sub_a.pk])).content.decode()
    box = re.search(rf'<input[^>]*id="v{node.pk}"[^>]*>', page).group(0)
    assert 'data-min="0"' in box and f'data-max="{node.max_points}"' in box and 'data-places="2"' in box
    area = re.search(rf'<textarea[^>]*id="e{node.pk}"[^>]*>', page).group(0)
    assert f'data-draft-key="u{world.officer_a.pk}:entry:{world.sub_a.pk}:{node.pk}"' in area


def test_conflict_shows_both_versions_and_keep_mine_saves_mine(world, client_for):
    node = leaf(world.sub_a, "2.1")
    url = reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk])
    client_for(world.approver_a).post(url, {"version": "0", "value": "1", "explanation": "Bản của người duyệt"},
                                      HTTP_HX_REQUEST="true")
    response = client_for(world.officer_a).post(url, {"version": "0", "value": "2,5", "explanation": EXPLANATION},
                                                HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    html = response.content.decode()
    mine = html.split("data-conflict-mine>")[1].split("data-conflict-saved>")[0]
    saved = html.split("data-conflict-saved>")[1].split("data-keep-mine")[0]
    assert "Bản của bạn" in mine and "2,5" in mine and EXPLANATION in mine
    assert "Bản đã lưu" in saved and "1 điểm" in saved and "Bản của người duyệt" in saved
    assert str(world.approver_a) in saved
    keep = html.split("data-keep-mine>")[1].split("</form>")[0]
    posted = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', keep))
    assert posted["version"] == "1" and posted["value"] == "2,5" and posted["explanation"] == EXPLANATION
    assert "Giữ bản đã lưu" in html
    again = client_for(world.officer_a).post(url, {k: v for k, v in posted.items()}, HTTP_HX_REQUEST="true")
    assert again.status_code == 200
    entry = Entry.objects.get(node=node)
    assert entry.points == Decimal("2.5") and entry.explanation == EXPLANATION


def test_bad_upload_keeps_number_date_issuer(world, client_for):
    node = leaf(world.sub_a, "2.1")
    url = reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk])
    response = client_for(world.officer_a).post(
        url, {"doc_number": "12/KH-UBND", "doc_date": "2025-03-04", "issuer": "UBND huyện"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="12/KH-UBND"' in html and 'value="2025-03-04"' in html and 'value="UBND huyện"' in html
    assert re.search(r'is-invalid"[^>]*type="file"', html) and html.count("is-invalid") == 1
