"""Bulk work (#14 item 4): the council confirms the self-score of several criteria of a unit in one action
("Xác nhận điểm tự chấm các tiêu chí đã chọn"). Each confirm is recorded as one confirm is (the same service,
``appraisal_save`` with the self-score as typed: the same row, the same history); when any criterion cannot be
confirmed, it is listed by name and nothing is written."""

import re

import pytest
from django.urls import reverse

from appraisal import services
from appraisal.models import Appraisal
from appraisal.selectors import member_unit_rows
from submissions.models import Evidence

pytestmark = pytest.mark.django_db


def _rows(w, n=3):
    rows = [r for r in member_unit_rows(w.m_stc, w.sub_a) if r.entry and r.entry.points is not None and not r.multi]
    assert len(rows) >= n
    return rows[:n]


def _url(w):
    return reverse("appraisal:self_scores_confirm", args=[w.m_stc.pk, w.sub_a.pk])


def _post(client, w, rows, versions=None):
    data = {"confirm": [r.node.pk for r in rows]}
    data.update({f"v-{r.node.pk}": (versions or {}).get(r.node.pk, r.version) for r in rows})
    return client.post(_url(w), data)


def _record(appraisal):
    last = appraisal.history.latest("history_date")
    return (appraisal.points, appraisal.choice, appraisal.percent, appraisal.count, appraisal.comment,
            appraisal.proposal, appraisal.updated_by_id, appraisal.version, appraisal.history.count(),
            last.history_user_id, last.history_change_reason)


def test_the_unit_page_offers_a_box_per_criterion_and_one_button(council, client_for):
    rows = _rows(council)
    html = client_for(council.people.stc).get(reverse("appraisal:unit_page",
                                                      args=[council.m_stc.pk, council.sub_a.pk])).content.decode()
    assert "Xác nhận điểm tự chấm các tiêu chí đã chọn" in html
    for row in rows:
        assert re.search(rf'form="xac-nhan" name="confirm" value="{row.node.pk}"', html)
        assert f'form="xac-nhan" name="v-{row.node.pk}" value="{row.version}"' in html


def test_several_self_scores_confirmed_in_one_action_as_one_confirm_each(council, client_for):
    w = council
    first, *others = _rows(w)
    # One confirm today: the member saves the self-score as typed, with no comment.
    services.appraisal_save(submission=w.sub_a, node=first.node, actor=w.people.stc, member=w.m_stc, version=0,
                            **services.self_score_inputs(first.node, first.entry))
    single = _record(Appraisal.objects.get(submission=w.sub_a, node=first.node))
    client = client_for(w.people.stc)
    response = _post(client, w, others)
    assert response.status_code == 302
    for row in others:
        appraisal = Appraisal.objects.get(submission=w.sub_a, node=row.node)
        assert appraisal.points == row.entry.points
        assert _record(appraisal)[4:] == single[4:]  # same comment, proposal, actor, version, one history row
    page = client.get(response["Location"]).content.decode()
    assert "Đã xác nhận điểm tự chấm 2 tiêu chí: " + ", ".join(r.node.code for r in others) in page


def test_a_criterion_that_cannot_be_confirmed_is_named_and_nothing_is_written(council, client_for):
    w = council
    rows = _rows(w)
    scans_only = next(r for r in rows if r.entry.points == r.node.max_points)
    Evidence.objects.filter(entry=scans_only.entry).update(signature_status="unsigned")
    response = _post(client_for(w.people.stc), w, rows)
    assert response.status_code == 400
    html = response.content.decode()
    alert = html.split('id="xac-nhan"')[1].split("</form>")[0]
    assert f"Tiêu chí {scans_only.node.code} ({scans_only.node.title}): " in alert and "bản chụp" in alert
    assert alert.count("<li>") == 1  # only the one that cannot be confirmed
    for row in rows:  # every box still ticked
        assert re.search(rf'name="confirm" value="{row.node.pk}"\s*checked', html)
    assert not Appraisal.objects.filter(submission=w.sub_a, node__in=[r.node for r in rows]).exists()


def test_a_stale_page_and_an_unscored_criterion_are_refused_whole(council, client_for):
    w = council
    rows = _rows(w, 2)
    services.appraisal_save(submission=w.sub_a, node=rows[0].node, actor=w.people.stc, member=w.m_stc, version=0,
                            value="0", comment="Chưa đạt: thiếu quyết định")
    response = _post(client_for(w.people.stc), w, rows, versions={rows[0].node.pk: 0})
    assert response.status_code == 400
    assert f"Tiêu chí {rows[0].node.code} ({rows[0].node.title})" in response.content.decode()
    assert Appraisal.objects.get(submission=w.sub_a, node=rows[0].node).comment == "Chưa đạt: thiếu quyết định"
    assert not Appraisal.objects.filter(submission=w.sub_a, node=rows[1].node).exists()
    rows[1].entry.points = None
    rows[1].entry.save()
    response = _post(client_for(w.people.stc), w, rows[1:])
    assert response.status_code == 400 and "đơn vị chưa tự chấm" in response.content.decode()


def test_nothing_ticked_or_a_criterion_of_another_part_is_refused(council, client_for):
    w = council
    response = client_for(w.people.stc).post(_url(w), {})
    assert response.status_code == 400 and "Hãy chọn ít nhất một tiêu chí" in response.content.decode()
    mine = {r.node.pk for r in member_unit_rows(w.m_stc, w.sub_a)}
    other = next(r for r in member_unit_rows(w.m_ttt, w.sub_a) if r.node.pk not in mine)
    response = client_for(w.people.stc).post(_url(w), {"confirm": [other.node.pk], f"v-{other.node.pk}": 0})
    assert response.status_code == 400
    assert not Appraisal.objects.filter(submission=w.sub_a, node=other.node).exists()
