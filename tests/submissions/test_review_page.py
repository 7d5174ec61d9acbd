"""Issue #14, item 3: the approver's review page leads with the projected grade (Điều 7, as
``submissions.grading`` computes it from today's self-scores) and a short checklist of what is missing
or lowers the result, each line linked to the criterion on the score page; the reasons per grade are
folded. The send form and what it keeps on a refusal stay as they were (tests/submissions/test_send.py)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from criteria.models import Node
from criteria.templatetags.criteria_tags import anchor
from submissions import services
from submissions.grading import review_checklist, suggest_grade
from submissions.selectors import submission_completeness, submission_sheet
from tests.factories import attach_evidence
from tests.submissions.test_send import fill

pytestmark = pytest.mark.django_db


def review_url(world):
    return reverse("submissions:review", args=[world.sub_a.pk])


def lead(html: str) -> str:
    """The section the page opens with."""
    match = re.search(r"<section[^>]*data-review-lead.*?</section>", html, re.S)
    assert match, "the review page has no lead section"
    return match.group(0)


def test_the_projected_grade_comes_first(world, client_for):
    fill(world)
    html = client_for(world.approver_a).get(review_url(world)).content.decode()
    main = html[html.index("<main") if "<main" in html else 0:]
    first_h2 = re.search(r"<h2[^>]*>(.*?)</h2>", main, re.S).group(1)
    assert "Xếp loại dự kiến" in first_h2 and "Hoàn thành xuất sắc nhiệm vụ" in first_h2
    assert main.index("data-review-lead") < main.index('name="proposed_grade"')


def test_checklist_lines_link_to_criteria_on_the_score_page(world, client_for):
    fill(world, skip=("2.1",), evidence=False)
    client = client_for(world.approver_a)
    page = lead(client.get(review_url(world)).content.decode())
    score_url = reverse("submissions:score_page", args=[world.sub_a.pk])
    links = re.findall(r'<a href="([^"#]*)#(n-[^"]+)"[^>]*>([^<]*)</a>', page)
    assert links, "no checklist line"
    ids = set(re.findall(r'id="(n-[^"]+)"', client.get(score_url).content.decode()))
    for url, fragment, _text in links:
        assert url == score_url and fragment in ids, fragment
    texts = {fragment: text for _url, fragment, text in links}
    assert "chưa chấm điểm" in texts[anchor("2.1")]  # 2.1 has neither score nor explanation nor evidence
    assert "thiếu tài liệu kiểm chứng" in texts[anchor("2.2")]  # scored and explained, no evidence
    assert "Chặn gửi" in page and "Phải hoàn thiện trước khi gửi" in page


def test_a_short_checklist_folds_the_rest(world, client_for):
    html = lead(client_for(world.approver_a).get(review_url(world)).content.decode())  # nothing scored
    report = submission_completeness(world.sub_a)
    assert len(report.missing_score) > 8
    visible, _, folded = html.partition("Xem thêm")
    assert visible.count("data-check-item") == 8
    assert folded.count("data-check-item") == len(report.missing_score) - 8


def test_a_complete_sheet_shows_no_blocking_item(world, client_for):
    fill(world)
    html = lead(client_for(world.approver_a).get(review_url(world)).content.decode())
    assert "Đủ điều kiện gửi." in html and "Chặn gửi" not in html
    sheet = submission_sheet(world.sub_a)
    report = submission_completeness(world.sub_a, sheet)
    assert not [i for i in review_checklist(sheet, report, suggest_grade(world.sub_a, sheet)) if i.blocking]


def test_the_reasons_per_grade_are_folded(world, client_for):
    leaves = fill(world)
    low = leaves[0]  # one criterion at 0: the total falls below 90, its level bars a grade
    entry = services.entry_save(submission=world.sub_a, node=low, actor=world.officer_a, version=1, value="0",
                                explanation="Tại Mục 1 Báo cáo 9/BC-SXD")
    assert entry.points == 0
    html = lead(client_for(world.approver_a).get(review_url(world)).content.decode())
    folded = re.findall(r"<details[^>]*data-grade-reasons[^>]*><summary>(.*?)</summary>(.*?)</details>", html, re.S)
    assert folded and folded[0][0].startswith("Chưa đạt “Hoàn thành xuất sắc nhiệm vụ”")
    assert "<div" not in "".join(summary for summary, _ in folded)
    assert "<li>" in folded[0][1]
    sheet = submission_sheet(world.sub_a)
    suggestion = suggest_grade(world.sub_a, sheet)
    assert suggestion.code != "HTXSNV" and [label for label, _ in suggestion.by_grade][0] == \
        "Hoàn thành xuất sắc nhiệm vụ"


def test_a_level_that_bars_a_grade_is_listed_against_its_criterion(world):
    leaves = fill(world)
    sheet = submission_sheet(world.sub_a)
    suggestion = suggest_grade(world.sub_a, sheet)
    assert suggestion.barring == []  # full marks: nothing bars a grade
    node = leaves[0]
    services.entry_save(submission=world.sub_a, node=node, actor=world.officer_a, version=1, value="0",
                        explanation="Tại Mục 1 Báo cáo 9/BC-SXD")
    sheet = submission_sheet(world.sub_a)
    suggestion = suggest_grade(world.sub_a, sheet)
    report = submission_completeness(world.sub_a, sheet)
    items = review_checklist(sheet, report, suggestion)
    barred = {code for code, _level, _grade in suggestion.barring}
    assert barred and {i.code for i in items if not i.blocking} >= barred
    assert all(i.problems[0].startswith("mức ") for i in items if i.code in barred)


def test_the_page_keeps_its_query_count_as_criteria_fill(world, client_for):
    client = client_for(world.approver_a)
    client.get(review_url(world))
    with CaptureQueriesContext(connection) as empty:
        assert client.get(review_url(world)).status_code == 200
    nodes = [n for n in Node.objects.filter(framework=world.sub_a.framework).order_by("ordering")
             if n.rule and n.rule["kind"] != "survey"]
    fill(world, skip=tuple(n.code for n in nodes[len(nodes) // 2:]))
    for node in nodes[:3]:
        attach_evidence(world.sub_a, node, world.officer_a)
    with CaptureQueriesContext(connection) as filled:
        assert client.get(review_url(world)).status_code == 200
    print(f"review page: {len(empty)} queries empty, {len(filled)} half filled ({len(nodes)} criteria)")
    assert len(filled) == len(empty)


def test_going_back_from_the_confirmation_keeps_what_was_typed(world, client_for):
    fill(world, skip=("2.1",))
    response = client_for(world.approver_a).post(review_url(world), {
        "step": "edit", "proposed_grade": "HTTNV", "endorsed_on": "03/12/2026", "endorsement_note": "BB số 7"})
    html = response.content.decode()
    assert response.status_code == 200 and "data-review-lead" in html
    assert '<option value="HTTNV" selected>' in html
    assert 'value="03/12/2026"' in html and 'value="BB số 7"' in html
    assert anchor("2.1") in lead(html)


def test_a_sent_sheet_shows_its_grade_but_no_checklist(world, client_for):
    from django.utils import timezone

    fill(world)
    services.submission_send(submission=world.sub_a, actor=world.approver_a, proposed_grade="HTXSNV",
                             endorsed_on=timezone.localdate(), endorsement_note="")
    html = lead(client_for(world.approver_a).get(review_url(world)).content.decode())
    assert "Xếp loại dự kiến" in html and "Việc cần làm trước khi gửi" not in html
