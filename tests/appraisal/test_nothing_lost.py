"""Nothing typed is lost on the council's appraisal row (#14 item 1): a refused comment or score stays in the
boxes; a conflict shows "Bản của bạn" beside "Bản đã lưu", and "Giữ bản của tôi" saves what was typed."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from appraisal import services
from appraisal.models import Appraisal
from tests.factories import leaf

pytestmark = pytest.mark.django_db

COMMENT = "Quy chế chưa công khai trên cổng thông tin; thiếu báo cáo quý IV."


def _url(w, member, node):
    return reverse("appraisal:appraisal_save", args=[member.pk, w.sub_a.pk, node.pk])


def test_refused_score_keeps_the_comment_and_marks_only_the_score(council, client_for):
    node = leaf(council.sub_a, "3.2")
    response = client_for(council.people.stc).post(_url(council, council.m_stc, node),
                                                   {"version": "0", "value": "5", "comment": COMMENT},
                                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert "vượt quá điểm tối đa" in html
    assert re.search(r'<textarea[^>]*name="comment"[^>]*>(.*?)</textarea>', html, re.S).group(1) == COMMENT
    assert 'value="5"' in html and html.count("is-invalid") == 1
    box = re.search(rf'<input[^>]*id="a{node.pk}"[^>]*>', html).group(0)
    assert "is-invalid" in box and 'data-max="' in box


def test_refused_comment_keeps_the_score_typed(council, client_for):
    node = leaf(council.sub_a, "3.2")
    response = client_for(council.people.stc).post(_url(council, council.m_stc, node),
                                                   {"version": "0", "value": "3,5", "comment": ""},
                                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="3,5"' in html
    area = re.search(r'<textarea[^>]*name="comment"[^>]*>', html).group(0)
    assert "is-invalid" in area
    key = f"u{council.people.stc.pk}:appraisal:{council.m_stc.pk}:{council.sub_a.pk}:{node.pk}"
    assert f'data-draft-key="{key}"' in area


def test_conflict_shows_both_versions_and_keep_mine_saves_mine(council, client_for):
    node = leaf(council.sub_a, "3.2")
    # Saved meanwhile from another tab (or by another member of the agency): the page's version 0 is stale.
    services.appraisal_save(submission=council.sub_a, node=node, actor=council.people.stc, version=0,
                            member=council.m_stc, value="4", comment="Đạt")
    response = client_for(council.people.stc).post(_url(council, council.m_stc, node),
                                                   {"version": "0", "value": "3", "comment": COMMENT},
                                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    html = response.content.decode()
    mine = html.split("data-conflict-mine>")[1].split("data-conflict-saved>")[0]
    saved = html.split("data-conflict-saved>")[1].split("data-keep-mine")[0]
    assert "Bản của bạn" in mine and "3" in mine and COMMENT in mine
    assert "Bản đã lưu" in saved and "4 điểm" in saved and "Đạt" in saved
    keep = html.split("data-keep-mine>")[1].split("</form>")[0]
    posted = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', keep))
    assert posted["value"] == "3" and posted["comment"] == COMMENT and posted["version"] != "0"
    again = client_for(council.people.stc).post(_url(council, council.m_stc, node), posted, HTTP_HX_REQUEST="true")
    assert again.status_code == 200
    appraisal = Appraisal.objects.get(submission=council.sub_a, node=node)
    assert appraisal.points == Decimal("3") and appraisal.comment == COMMENT


def test_refused_quality_override_keeps_the_level_chosen(council, client_for):
    node = leaf(council.sub_a, "3.2")
    services.appraisal_save(submission=council.sub_a, node=node, actor=council.people.stc, version=0,
                            member=council.m_stc, value="2,5", comment="Thiếu")
    client = client_for(council.people.stc)
    url = reverse("appraisal:quality_save", args=[council.m_stc.pk, council.sub_a.pk, node.pk])
    response = client.post(url, {"version": "0", "level": "tot", "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Cần ghi lý do" in html
    form = html.split(f'action="{url}"')[1].split("</form>")[0]
    assert 'value="tot" selected' in form
    response = client.post(url, {"version": "0", "level": "tot", "reason": "Sản phẩm cụ thể đạt yêu cầu"})
    assert response.status_code == 302
