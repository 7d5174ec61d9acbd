"""After a save the score page's section headers change with it (issue #14 item 3): the fragment carries each
section above the criterion out of band, summed from the same rows as the progress bar (no extra query) and
equal to what the whole page shows."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from criteria.templatetags.criteria_tags import anchor, points
from submissions import services
from submissions.selectors import submission_progress, submission_sheet
from tests.factories import leaf

pytestmark = pytest.mark.django_db


def _items(sheet):
    stack = list(sheet.roots)
    while stack:
        item = stack.pop()
        yield item
        stack.extend(item.children)


def _save(w, code, value):
    services.entry_save(submission=w.sub_a, node=leaf(w.sub_a, code), actor=w.officer_a, version=0, value=value,
                        explanation="Theo Mục 1 Báo cáo")


def test_the_sections_above_a_criterion_are_summed_as_the_whole_page_sums_them(world):
    for code, value in (("2.1", "1,5"), ("2.2", "1"), ("3.1", "1")):
        _save(world, code, value)
    sheet = {item.node.pk: item for item in _items(submission_sheet(world.sub_a))}
    for code in ("2.1", "2.3", "3.1"):
        node = leaf(world.sub_a, code)
        groups = submission_progress(world.sub_a, node=node).groups
        assert groups, code
        assert groups[-1].node.pk == node.parent_id  # outermost first, the criterion's own section last
        for group in groups:
            item = sheet[group.node.pk]
            assert (group.subtotal, group.scored, group.leaves) == (item.subtotal, item.scored, item.leaves), code
    assert sheet[leaf(world.sub_a, "2.1").parent_id].subtotal == Decimal("2.5")


def test_the_saved_fragment_swaps_each_section_header_out_of_band(world, client_for):
    _save(world, "2.2", "1")
    node = leaf(world.sub_a, "2.1")
    response = client_for(world.officer_a).post(
        reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk]),
        {"version": 0, "value": "1,5", "explanation": "Theo Mục 1 Báo cáo"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    sheet = {item.node.pk: item for item in _items(submission_sheet(world.sub_a))}
    section = sheet[node.parent_id]
    swapped = re.findall(r'<span class="num" id="([^"]+)-sum" data-hx-swap-oob="true">\s*([\d,]+)', html)
    assert swapped, html[-500:]
    ids = dict(swapped)
    assert ids[anchor(section.node.code)] == points(section.subtotal) == "2,5"
    assert re.search(rf'id="{anchor(section.node.code)}-scored" data-hx-swap-oob="true">\s*2/{section.leaves} đã chấm',
                     html)
