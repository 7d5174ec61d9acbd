"""Nothing typed is lost (#14 item 1), through the test client: a refused leader's form comes back (400) with
every answer chosen and only the unanswered question marked (a deadline marks none); a stale paper-dossier
refused quality override or council seat marks only the wrong input (the paper dossier's conflict, "Bản của bạn"
beside "Bản đã lưu", is in test_nothing_lost.py)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appraisal import services
from appraisal.models import CouncilMember, LeaderForm
from criteria.models import Node
from submissions.models import PeriodBlock
from tests.factories import UserFactory, make_world

pytestmark = pytest.mark.django_db


def _questions(w):
    return [n for n in Node.objects.filter(framework=w.sub_a.framework).order_by("ordering")
            if n.rule and n.rule.get("kind") == "survey"]


def _leader_url(w):
    return reverse("appraisal:leader_form", args=[w.period.pk, w.unit_a.pk])


def _checked(html):
    return dict(re.findall(r'<input[^>]*name="q-([^"]+)" value="(\d)"[^>]*\bchecked\b', html))


def _marked(html):
    return sorted(set(re.findall(r'<input[^>]*is-invalid[^>]*name="q-([^"]+)"', html)))


def test_a_leaders_form_sent_with_a_question_left_keeps_the_answers_and_marks_that_question(council, client_for):
    w = council
    questions = _questions(w)
    left = questions[2]
    answers = {f"q-{n.code}": str(1 + i % 5) for i, n in enumerate(questions) if n is not left}
    response = client_for(w.people.leader).post(_leader_url(w), {**answers, "submit": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Phiếu chưa trả lời các tiêu chí" in html and 'role="alert"' in html
    assert _checked(html) == {key[2:]: value for key, value in answers.items()}
    assert _marked(html) == [left.code]
    assert f'id="q{left.pk}-error"' in html and "Chưa chọn phương án" in html
    assert not LeaderForm.objects.exists()
    # A draft with the same answers is accepted: an unanswered question is no refusal of a draft.
    assert client_for(w.people.leader).post(_leader_url(w), {**answers, "save": "1"}).status_code == 302


def test_a_leaders_form_after_the_deadline_keeps_every_answer_and_marks_none(council, client_for):
    w = council
    due = timezone.now() - timedelta(minutes=1)
    PeriodBlock.objects.filter(period=w.period).update(leader_deadline=due)
    answers = {f"q-{n.code}": "4" for n in _questions(w)}
    response = client_for(w.people.leader).post(_leader_url(w), {**answers, "submit": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f"lúc {timezone.localtime(due):%d/%m/%Y %H:%M}" in html
    assert _checked(html) == {key[2:]: "4" for key in answers} and _marked(html) == []
    assert not LeaderForm.objects.exists()


def test_a_leaders_form_with_an_answer_out_of_range_marks_only_that_question(council, client_for):
    w = council
    questions = _questions(w)
    answers = {f"q-{n.code}": "3" for n in questions} | {f"q-{questions[0].code}": "9"}
    response = client_for(w.people.leader).post(_leader_url(w), {**answers, "save": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert _marked(html) == [questions[0].code] and "từ 1 đến 5" in html
    assert _checked(html) == {n.code: "3" for n in questions[1:]}  # 9 is no choice of the page


def test_a_sent_leaders_form_says_it_cannot_change_and_a_post_keeps_what_was_sent(council, client_for):

    w = council
    questions = _questions(w)
    services.leader_form_save(period=w.period, leader=w.people.leader, unit=w.unit_a, submit=True,
                              answers={n.code: 5 for n in questions})
    client = client_for(w.people.leader)
    page = client.get(_leader_url(w)).content.decode()
    assert "không sửa được nữa" in page and "gửi lại sẽ thay" not in page
    assert re.search(r'<button[^>]*name="submit"[^>]*disabled', page)
    response = client.post(_leader_url(w), {f"q-{n.code}": "1" for n in questions} | {"submit": "1"})
    assert response.status_code == 400 and _marked(response.content.decode()) == []
    assert LeaderForm.objects.get().answers == {n.code: 5 for n in questions}


def test_an_account_seated_twice_is_refused_under_the_account_keeping_the_rest(client_for):
    w = make_world()
    user = UserFactory(username="tv")
    url = reverse("appraisal:council", args=[w.period.pk])
    client = client_for(w.secretariat)
    client.post(url, {"user": user.pk, "role": "member", "agency": "Sở Tài chính"})
    response = client.post(url, {"user": user.pk, "role": "member", "agency_other": "Sở Công Thương",
                                 "keywords": "đầu tư công"})
    body = response.content.decode()
    assert "đã là thành viên Hội đồng của kỳ này" in body
    tags = re.findall(r"<(?:input|select|textarea)\b[^>]*>", body)
    assert [re.search(r'name="(\w+)"', t).group(1) for t in tags if "is-invalid" in t] == ["user"]
    assert 'value="Sở Công Thương"' in body and "đầu tư công" in body
    assert CouncilMember.objects.filter(period=w.period, user=user).count() == 1


def test_leader_answers_refuse_what_is_not_a_small_whole_number(council):
    from appraisal.services import leader_answers

    nodes = [n for n in Node.objects.filter(framework=council.sub_a.framework).order_by("ordering")
             if n.rule and n.rule.get("kind") == "survey"][:3]
    first, second, third = (n.code for n in nodes)
    clean, problems = leader_answers(nodes, {first: "9" * 10000, second: "٣", third: " 4 "}, submit=False)
    assert clean == {third: 4}
    assert sorted(problems) == sorted([first, second])
    clean, problems = leader_answers(nodes, {first: "5"}, submit=True)
    assert clean == {first: 5} and problems == {second: "Chưa chọn phương án cho tiêu chí này.",
                                                third: "Chưa chọn phương án cho tiêu chí này."}
