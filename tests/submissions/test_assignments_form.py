"""The approver assigns every section and criterion of the sheet in one form (issue #14 item 4): all or nothing,
a refused form comes back as it was ticked, and the old one-criterion form still works."""

import re

import pytest
from django.urls import reverse

from criteria.models import Node
from submissions.models import Assignment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(w):
    return reverse("submissions:assignments", args=[w.sub_a.pk])


def _rows(w):
    """The sections and criteria the page offers, in order, as the form posts them."""
    page = w.client.get(_url(w))
    assert page.status_code == 200
    return [row.node.pk for root in page.context["sheet"].roots for item in root.children
            for row in (item, *item.children)]


@pytest.fixture
def page(world, client_for):
    world.client = client_for(world.approver_a)
    world.rows = _rows(world)
    return world


def test_one_form_assigns_several_sections_and_says_which_changed(page):
    first, second, third = page.rows[:3]
    data = {"nodes": page.rows, f"a-{first}": [page.officer_a.pk], f"a-{third}": [page.officer_a.pk,
                                                                               page.approver_a.pk]}
    response = page.client.post(_url(page), data, follow=True)
    assert response.status_code == 200
    assigned = set(Assignment.objects.filter(submission=page.sub_a).values_list("node_id", "user_id"))
    assert assigned == {(first, page.officer_a.pk), (third, page.officer_a.pk), (third, page.approver_a.pk)}
    codes = Node.objects.filter(pk__in=[first, third]).order_by("ordering").values_list("code", flat=True)
    assert f"Đã lưu phân công 2 lĩnh vực, tiêu chí: {', '.join(codes)}." in response.content.decode()
    # Unticking in the same form clears; an unchanged row is not rewritten.
    response = page.client.post(_url(page), {"nodes": page.rows, f"a-{third}": [page.officer_a.pk,
                                                                                page.approver_a.pk]}, follow=True)
    assert set(Assignment.objects.filter(submission=page.sub_a).values_list("node_id", flat=True)) == {third}
    assert "Đã lưu phân công 1 lĩnh vực, tiêu chí" in response.content.decode()
    assert second not in set(Assignment.objects.values_list("node_id", flat=True))


def test_a_person_outside_the_unit_refuses_the_whole_form_and_keeps_the_ticks(page):
    first, second = page.rows[:2]
    stranger = UserFactory(username="nguoi.ngoai")
    response = page.client.post(_url(page), {"nodes": page.rows, f"a-{first}": [page.officer_a.pk],
                                             f"a-{second}": [stranger.pk]})
    assert response.status_code == 400
    assert "Chưa có thay đổi nào được lưu." in response.content.decode()
    assert not Assignment.objects.filter(submission=page.sub_a).exists()
    html = response.content.decode()
    ticked = re.findall(r'name="a-(\d+)" value="(\d+)"\s+checked', html)
    assert ticked == [(str(first), str(page.officer_a.pk))]


def test_a_node_of_another_sheet_or_a_non_numeric_id_refuses_the_form(page, world):
    other = Node.objects.exclude(framework_id=world.sub_a.framework_id).first()
    for nodes in ([*page.rows, other.pk], [*page.rows, "²"], [*page.rows, "9" * 40]):
        response = page.client.post(_url(page), {"nodes": nodes, f"a-{page.rows[0]}": [page.officer_a.pk]})
        assert response.status_code == 400
    assert not Assignment.objects.filter(submission=page.sub_a).exists()


def test_the_officer_cannot_post_the_form(page, client_for):
    response = client_for(page.officer_a).post(_url(page), {"nodes": page.rows,
                                                             f"a-{page.rows[0]}": [page.officer_a.pk]})
    assert response.status_code == 403
    assert not Assignment.objects.exists()
