"""The results-group badge ("ND2") is explained (issue #14 item 8): a legend on the pages that show it and, for
screen readers and phones (no hover title), the same words inside the badge."""

import pytest
from django.urls import reverse

from tests.factories import make_world

pytestmark = pytest.mark.django_db

HIDDEN = '<span class="visually-hidden">: tiêu chí thuộc nhóm kết quả thực hiện nhiệm vụ được giao (Điều 7)</span>'


def test_the_score_page_explains_the_results_group_badge(client_for):
    w = make_world()
    html = client_for(w.officer_a).get(reverse("submissions:score_page", args=[w.sub_a.pk])).content.decode()
    assert "data-results-legend" in html and "quá nửa số tiêu chí của nhóm ở mức Kém" in html
    assert html.count(HIDDEN) >= 1


def test_a_framework_without_results_group_has_no_legend(client_for):
    from criteria.models import Framework

    w = make_world()
    Framework.objects.filter(pk=w.sub_a.framework_id).update(results_group="")
    html = client_for(w.officer_a).get(reverse("submissions:score_page", args=[w.sub_a.pk])).content.decode()
    assert "data-results-legend" not in html and HIDDEN not in html
