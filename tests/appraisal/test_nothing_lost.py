"""Nothing typed is lost on the council's appraisal row (#14 item 1): a refused comment or score stays in the
boxes; a conflict shows "Bản của bạn" beside "Bản đã lưu", and "Giữ bản của tôi" saves what was typed."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from appraisal import services
from appraisal.models import Appraisal, SupplementRequest
from submissions.models import Entry, Window
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
    # Only the wrong input is marked, with the message under it (#14 item 1): the reason, then the level.
    for posted, wrong, message in [({"level": "tot", "reason": ""}, "reason", "Cần ghi lý do"),
                                   ({"level": "gioi", "reason": "Đạt"}, "level", "Mức chất lượng không hợp lệ")]:
        response = client.post(url, {"version": "0", **posted})
        assert response.status_code == 400
        cell = response.content.decode().split(f'action="{url}"')[1].split("</td>")[0]
        assert _marked(cell) == [wrong] and 'aria-invalid="true"' in cell
        assert message in cell.split("</form>")[1]
    assert 'value="Đạt"' in cell
    response = client.post(url, {"version": "0", "level": "tot", "reason": "Sản phẩm cụ thể đạt yêu cầu"})
    assert response.status_code == 302


# --------------------------------------------------------------------------- the supplementation request


REQUEST = "Bổ sung Quyết định ban hành quy chế chi tiêu nội bộ năm 2024 và báo cáo quý IV."


def _supplement_url(w):
    return reverse("appraisal:supplement", args=[w.m_stc.pk, w.sub_a.pk])


def _later(days=3):
    return (timezone.localtime() + timedelta(days=days)).strftime("%d/%m/%Y %H:%M")


def _marked(html: str) -> list[str]:
    """The names of the inputs marked wrong in ``html``."""
    return sorted({re.search(r'name="(\w+)"', tag).group(1)
                   for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html)
                   if "is-invalid" in tag and "name=" in tag})


def test_refused_request_without_a_criterion_keeps_the_text_and_the_deadline(council, client_for):
    w, deadline = council, _later()
    response = client_for(w.people.stc).post(_supplement_url(w), {"message": REQUEST, "closes_at": deadline})
    assert response.status_code == 400
    html = response.content.decode()
    form = html.split('id="bo-sung"')[1].split("</form>")[0]
    assert "Hãy chọn ít nhất một tiêu chí được bổ sung." in form
    assert re.search(r'<textarea[^>]*name="message"[^>]*>(.*?)</textarea>', form, re.S).group(1) == REQUEST
    assert f'value="{deadline}"' in form
    assert _marked(form) == ["nodes"]
    area = re.search(r'<textarea[^>]*name="message"[^>]*>', form).group(0)
    assert f'data-draft-key="u{w.people.stc.pk}:supplement:{w.m_stc.pk}:{w.sub_a.pk}"' in area
    assert not SupplementRequest.objects.exists()


def test_refused_request_marks_each_wrong_field_and_keeps_the_criteria_ticked(council, client_for):
    w = council
    node = leaf(w.sub_a, "3.2")
    response = client_for(w.people.stc).post(_supplement_url(w), {"nodes": [node.pk], "message": "  ",
                                                                  "closes_at": "31/02/2026 17:00"})
    assert response.status_code == 400
    form = response.content.decode().split('id="bo-sung"')[1].split("</form>")[0]
    assert _marked(form) == ["closes_at", "message"]
    assert "Hãy ghi nội dung yêu cầu bổ sung." in form and "“31/02/2026 17:00” không hợp lệ" in form
    assert 'value="31/02/2026 17:00"' in form
    ticked = re.findall(r'<input type="checkbox" name="nodes"\s+value="(\d+)"[^>]*checked', form)
    assert ticked == [str(node.pk)]
    # A deadline already passed is refused under the deadline only.
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%d/%m/%Y %H:%M")
    response = client_for(w.people.stc).post(_supplement_url(w), {"nodes": [node.pk], "message": REQUEST,
                                                                  "closes_at": past})
    form = response.content.decode().split('id="bo-sung"')[1].split("</form>")[0]
    assert response.status_code == 400 and _marked(form) == ["closes_at"]
    assert "Hạn bổ sung phải sau thời điểm hiện tại." in form
    assert not SupplementRequest.objects.exists()


def test_accepted_request_is_shown_sent_so_its_draft_is_forgotten(council, client_for):
    w = council
    node = leaf(w.sub_a, "3.2")
    client = client_for(w.people.stc)
    response = client.post(_supplement_url(w), {"nodes": [node.pk], "message": REQUEST, "closes_at": _later()})
    assert response.status_code == 302
    sent = SupplementRequest.objects.get()
    assert sent.message == REQUEST and list(sent.window.nodes.all()) == [node]
    html = client.get(reverse("appraisal:unit_page", args=[w.m_stc.pk, w.sub_a.pk])).content.decode()
    key = f"u{w.people.stc.pk}:supplement:{w.m_stc.pk}:{w.sub_a.pk}"
    assert re.search(rf'data-draft-done="{key}">(.*?)</span>', html).group(1) == REQUEST
    assert re.search(r'<textarea[^>]*name="message"[^>]*>(.*?)</textarea>', html, re.S).group(1) == ""


# --------------------------------------------------------------------------- the unit's answer


ANSWER = "Đã bổ sung Quyết định 12/QĐ-SXD ngày 10/01/2024 tại tiêu chí 3.2."


def _request(w, days=3):
    return services.supplement_request(submission=w.sub_a, member=w.m_stc, nodes=[leaf(w.sub_a, "3.2")],
                                       message=REQUEST, closes_at=timezone.now() + timedelta(days=days))


def _answer_form(html, request):
    return html.split(f'id="yc-{request.pk}"')[1].split("</form>")[0]


def test_refused_empty_answer_is_marked_under_the_answer(council, client_for):
    request = _request(council)
    response = client_for(council.officer_a).post(reverse("appraisal:answer", args=[request.pk]),
                                                  {"answer": "   "})
    assert response.status_code == 400
    form = _answer_form(response.content.decode(), request)
    assert "Hãy ghi nội dung trả lời." in form and _marked(form) == ["answer"]
    area = re.search(r'<textarea[^>]*name="answer"[^>]*>', form).group(0)
    assert f'data-draft-key="u{council.officer_a.pk}:answer:{request.pk}"' in area
    request.refresh_from_db()
    assert request.answered_at is None


def test_answer_refused_after_the_deadline_keeps_what_was_typed(council, client_for):
    request = _request(council)
    Window.objects.filter(pk=request.window_id).update(closes_at=timezone.now() - timedelta(minutes=1))
    response = client_for(council.officer_a).post(reverse("appraisal:answer", args=[request.pk]), {"answer": ANSWER})
    assert response.status_code == 400
    form = _answer_form(response.content.decode(), request)
    assert "Đã hết hạn bổ sung" in form and _marked(form) == []  # said above the box: no input is wrong
    assert re.search(r'<textarea[^>]*name="answer"[^>]*>(.*?)</textarea>', form, re.S).group(1) == ANSWER
    request.refresh_from_db()
    assert request.answered_at is None


def test_accepted_answer_is_shown_sent_so_its_draft_is_forgotten(council, client_for):
    request = _request(council)
    client = client_for(council.officer_a)
    assert client.post(reverse("appraisal:answer", args=[request.pk]), {"answer": ANSWER}).status_code == 302
    html = client.get(reverse("appraisal:unit_requests", args=[council.sub_a.pk])).content.decode()
    key = f"u{council.officer_a.pk}:answer:{request.pk}"
    assert re.search(rf'data-draft-done="{key}">(.*?)</span>', html).group(1) == ANSWER


# --------------------------------------------------------------------------- the paper dossier's entry


PAPER_EXPLANATION = "Theo Báo cáo 20/BC-UBND ngày 05/12/2024, Mục 2: đã hoàn thành 12/12 nhiệm vụ."


def _paper_leaf(w):
    from tests.appraisal.test_paper import leaves

    return next(n for n in leaves(w.sub_c) if n.rule["kind"] == "percent")


def test_refused_paper_score_keeps_the_explanation_and_marks_only_the_score(paper_world, client_for):
    from tests.appraisal.test_paper import on_paper, received

    w = paper_world
    on_paper(w)
    received(w)
    node = _paper_leaf(w)
    url = reverse("appraisal:paper_entry_save", args=[w.period.pk, w.sub_c.pk, node.pk])
    too_much = "120"  # a percentage above 100
    response = client_for(w.team).post(url, {"version": "0", "value": too_much, "explanation": PAPER_EXPLANATION})
    assert response.status_code == 400
    card = response.content.decode().split(f'id="p-{node.pk}"')[1].split("</form>")[0]
    assert f"Tiêu chí {node.code}:" in card and 'role="alert"' in card
    assert re.search(r'<textarea[^>]*name="explanation"[^>]*>(.*?)</textarea>', card, re.S).group(1) \
        == PAPER_EXPLANATION
    assert f'value="{too_much}"' in card and _marked(card) == ["value"]
    area = re.search(r'<textarea[^>]*name="explanation"[^>]*>', card).group(0)
    assert f'data-draft-key="u{w.team.pk}:paper:{w.sub_c.pk}:{node.pk}"' in area
    assert not Entry.objects.filter(submission=w.sub_c, node=node).exclude(explanation="").exists()
    # The same text with a right score is saved.
    response = client_for(w.team).post(url, {"version": "0", "value": "100", "explanation": PAPER_EXPLANATION})
    assert response.status_code == 302
    assert Entry.objects.get(submission=w.sub_c, node=node).explanation == PAPER_EXPLANATION


def test_stale_paper_save_keeps_what_was_typed(paper_world, client_for):
    from tests.appraisal.test_paper import enter, on_paper, received

    w = paper_world
    on_paper(w)
    received(w)
    node = _paper_leaf(w)
    enter(w, node, value="100", explanation="Bản đã lưu trước", version=0)
    url = reverse("appraisal:paper_entry_save", args=[w.period.pk, w.sub_c.pk, node.pk])
    response = client_for(w.team).post(url, {"version": "0", "value": "90", "explanation": PAPER_EXPLANATION})
    assert response.status_code == 409
    card = response.content.decode().split(f'id="p-{node.pk}"')[1].split("</form>")[0]
    assert re.search(r'<textarea[^>]*name="explanation"[^>]*>(.*?)</textarea>', card, re.S).group(1) \
        == PAPER_EXPLANATION
    assert Entry.objects.get(submission=w.sub_c, node=node).explanation == "Bản đã lưu trước"
    # Both versions side by side (#14 item 1), and the kept form, carrying the stored version, overwrites.
    mine = card.split("data-conflict-mine>")[1].split("data-conflict-saved")[0]
    saved = card.split("data-conflict-saved>")[1].split("data-keep-mine")[0]
    assert "Bản của bạn" in mine and "90" in mine and PAPER_EXPLANATION in mine
    assert "Bản đã lưu" in saved and "Bản đã lưu trước" in saved and str(w.team) in saved
    assert f'form="pf{node.pk}"' in card and "Giữ bản của tôi" in card and "data-keep-saved" in card
    stored = Entry.objects.get(submission=w.sub_c, node=node)
    assert re.search(r'name="version" value="(\d+)"', card).group(1) == str(stored.version)
    assert 'value="90"' in card and card.count("is-invalid") == 0
    again = client_for(w.team).post(url, {"version": str(stored.version), "value": "90",
                                          "explanation": PAPER_EXPLANATION})
    assert again.status_code == 302
    assert Entry.objects.get(submission=w.sub_c, node=node).explanation == PAPER_EXPLANATION


def test_refused_paper_scan_keeps_the_number_date_and_issuer(paper_world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from submissions.models import Evidence
    from tests.appraisal.test_paper import on_paper, received
    from tests.submissions.helpers import tiny_pdf

    w = paper_world
    on_paper(w)
    received(w)
    node = _paper_leaf(w)
    url = reverse("appraisal:paper_evidence", args=[w.period.pk, w.sub_c.pk, node.pk])
    typed = {"doc_number": "20/BC-UBND", "doc_date": "31/02/2024", "issuer": "UBND xã Bình Thành"}
    response = client_for(w.team).post(url, {"file": SimpleUploadedFile("bc-20.pdf", tiny_pdf()), **typed})
    assert response.status_code == 400
    card = response.content.decode().split(f'id="p-{node.pk}"')[1].split("</details>")[0]
    upload = card.split("Đính kèm bản chụp")[1]
    assert _marked(upload) == ["doc_date"] and 'role="alert"' in upload
    assert _marked(card.split("Đính kèm bản chụp")[0]) == []  # the score form above is not touched
    for value in typed.values():
        assert f'value="{value}"' in upload
    assert "<details open>" in card and not Evidence.objects.exists()
