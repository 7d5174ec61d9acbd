"""The score-entry page: htmx fragments, the page without JavaScript, filters, conflicts, constant queries."""

import pytest
from django.urls import reverse

from submissions.models import Assignment, Entry
from tests.factories import leaf

pytestmark = pytest.mark.django_db


def test_page_shows_inputs_fitting_each_rule(client_for, db):
    from tests.factories import make_world

    w = make_world(framework_code="dh2024-xa")
    page = client_for(w.officer_a).get(reverse("submissions:score_page", args=[w.sub_a.pk])).content.decode()
    assert 'type="radio" name="value"' in page  # levels
    assert "Tỷ lệ % thực hiện kế hoạch" in page  # percent (6.2)
    assert "Lãnh đạo chấm qua phiếu đánh giá" in page  # survey, read-only
    assert "Trong năm không có đơn" in page or "không có đơn" in page


def test_htmx_save_returns_the_criterion_fragment_with_decimal_comma(world, client_for):
    node = leaf(world.sub_a, "2.1")
    response = client_for(world.officer_a).post(
        reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk]),
        {"version": "0", "value": "1.5", "explanation": "Tại Mục 2"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="leaf card') and 'id="n-2-1"' in html
    assert "1,5" in html and "Đã lưu" in html and 'name="version" value="1"' in html


def test_without_javascript_the_form_posts_and_redirects_to_the_criterion(world, client_for):
    node = leaf(world.sub_a, "2.1")
    client = client_for(world.officer_a)
    response = client.post(reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk]),
                           {"version": "0", "value": "2"})
    assert response.status_code == 302 and response.url.endswith("#n-2-1")
    assert "Đã lưu tiêu chí 2.1" in client.get(response.url).content.decode()


def test_a_value_above_the_maximum_is_refused_in_the_fragment(world, client_for):
    node = leaf(world.sub_a, "2.1")
    response = client_for(world.officer_a).post(
        reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk]), {"version": "0", "value": "3,5"},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Điểm 3,5 vượt quá điểm tối đa 3 của tiêu chí" in response.content.decode()
    assert not Entry.objects.filter(points__isnull=False).exists()


def test_stale_page_gets_409_with_the_other_value(world, client_for):
    node = leaf(world.sub_a, "2.1")
    url = reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk])
    client_for(world.officer_a).post(url, {"version": "0", "value": "1"}, HTTP_HX_REQUEST="true")
    response = client_for(world.approver_a).post(url, {"version": "0", "value": "3"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    html = response.content.decode()
    assert "Trang của bạn đã cũ" in html and "Giá trị hiện tại: 1 điểm" in html
    assert 'name="version" value="1"' in html  # the refreshed form can be saved again deliberately
    assert Entry.objects.get(node=node).points == 1


def test_filters_mine_and_unscored(world, client_for):
    Assignment.objects.create(submission=world.sub_a, node=leaf(world.sub_a, "III"), user=world.officer_a)
    client = client_for(world.officer_a)
    mine = client.get(reverse("submissions:score_page", args=[world.sub_a.pk]), {"loc": "cua-toi"}).content.decode()
    assert 'id="n-3-1"' in mine and 'id="n-2-1"' not in mine
    client.post(reverse("submissions:entry_save", args=[world.sub_a.pk, leaf(world.sub_a, "2.1").pk]),
                {"version": "0", "value": "2"})
    unscored = client.get(reverse("submissions:score_page", args=[world.sub_a.pk]),
                          {"loc": "chua-cham"}).content.decode()
    assert 'id="n-2-1"' not in unscored and 'id="n-2-2"' in unscored


def test_history_fragment(world, client_for):
    node = leaf(world.sub_a, "2.1")
    client = client_for(world.officer_a)
    url = reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk])
    client.post(url, {"version": "0", "value": "1"})
    client.post(url, {"version": "1", "value": "2"})
    html = client.get(reverse("submissions:history", args=[world.sub_a.pk, node.pk]),
                      HTTP_HX_REQUEST="true").content.decode()
    assert "Lịch sử tiêu chí 2.1" in html and "“1” → “2”" in html


def test_page_queries_do_not_grow_with_entries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.officer_a)
    url = reverse("submissions:score_page", args=[world.sub_a.pk])
    with django_assert_max_num_queries(25):
        client.get(url)
    for code in ("2.1", "2.2", "2.3", "3.1", "3.2"):
        client.post(reverse("submissions:entry_save", args=[world.sub_a.pk, leaf(world.sub_a, code).pk]),
                    {"version": "0", "value": "1", "explanation": "Mục 1"})
    with django_assert_max_num_queries(25):
        client.get(url)
