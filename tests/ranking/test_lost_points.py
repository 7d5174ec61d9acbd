"""Issue #13 item 4: the lost-points analysis (seed 004 §2.1.a, §2.2.a; seed 003 criteria 8.1, 8.2; Điều 11.1.d).

A draft-stage page lists every criterion whose expected self-score is below its maximum (or not given) with the
cause, the remedy and its due date; saves are versioned, refused after the deadline and kept as typed when refused;
the unit's leader and the secretariat get Excel and PDF reports; after publication the same analysis runs on the
appraised scores, and the next year's council sees it from criteria 8.1/8.2 of the unit page."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appraisal import services as appraisal_services
from criteria.models import Framework, Node
from ranking import lost_points as lp
from ranking import services
from ranking.models import LostPointNote, LostPointsPlan, RankingVersion
from ranking.reports import lost_points as report_lost_points
from submissions import services as submission_services
from submissions.models import Period, Role, Submission, Unit, UnitLineage
from submissions.rules import LOCAL
from tests.appraisal.conftest import fill_and_send
from tests.factories import UserFactory, leaf, make_world, mini_framework
from tests.ranking.test_publication import ranked  # noqa: F401  (fixture)
from tests.test_xlsx_text_only import assert_text_only

pytestmark = pytest.mark.django_db


def _rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def _page_codes(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-code="([^"]+)"', html))


@pytest.fixture
def mini(db):
    """Unit A on the 10-point framework: 1.1 survey (leaders' forms), 1.2 at its maximum, 1.3 below it (90 % of
    a percent rule), 1.4 not scored; unit B untouched. A provincial leader and the chairman read."""
    mini_framework()
    w = make_world(framework_code="thu-nghiem")
    submission_services.entry_save(submission=w.sub_a, node=leaf(w.sub_a, "1.2"), actor=w.officer_a, version=0,
                                   value="0")
    submission_services.entry_save(submission=w.sub_a, node=leaf(w.sub_a, "1.3"), actor=w.officer_a, version=0,
                                   value="90")
    w.leader = UserFactory(username="ld.tinh")
    Role.objects.create(user=w.leader, kind=Role.LEADER, authority=w.authority)
    w.chairman = UserFactory(username="ct.tinh")
    Role.objects.create(user=w.chairman, kind=Role.CHAIRMAN, authority=w.authority)
    return w


def _page(w, stage="so-bo", submission=None):
    return reverse("ranking:lost_points_page", args=[(submission or w.sub_a).pk, stage])


def _note_url(w, code, stage="so-bo", submission=None):
    submission = submission or w.sub_a
    return reverse("ranking:lost_points_note", args=[submission.pk, stage, leaf(submission, code).pk])


# --------------------------------------------------------------------------- pure


def test_below_max_lists_lower_and_unscored_leaves_and_counts_surveys_at_their_maximum():
    leaves = [lp.Leaf(1, "1.1", "XHH", Decimal(4), survey=True), lp.Leaf(2, "1.2", "a", Decimal(2)),
              lp.Leaf(3, "1.3", "b", Decimal(2)), lp.Leaf(4, "1.4", "c", Decimal(2)),
              lp.Leaf(5, "1.5", "XHH có điểm", Decimal(3), survey=True), lp.Leaf(6, "1.6", "không điểm", Decimal(0))]
    rows = lp.below_max(leaves, {2: Decimal(2), 3: Decimal("1.75"), 5: Decimal("2.5")})
    assert [(r.code, r.points, r.lost) for r in rows] == [
        ("1.3", Decimal("1.75"), Decimal("0.25")), ("1.4", None, Decimal(2)), ("1.5", Decimal("2.5"), Decimal("0.5"))]


def test_deadlines_are_half_open_and_name_the_criterion_of_each_field():
    end = lp.end_of_days_after(date(2025, 1, 20), 10)
    assert end == datetime(2025, 1, 31, 0, 0, tzinfo=LOCAL)
    published = {"stage": lp.APPRAISED, "published_on": date(2025, 1, 20)}
    last_day = datetime(2025, 1, 30, 23, 59, tzinfo=LOCAL)
    assert lp.edit_refusal(what=lp.CAUSE, now=last_day, **published) == ""
    refused = lp.edit_refusal(what=lp.CAUSE, now=end, **published)
    assert "8.1" in refused and "10 ngày" in refused and "30/01/2025" in refused
    assert lp.edit_refusal(what=lp.REMEDY, now=end, **published) == ""  # 8.2: twenty days
    assert "8.2" in lp.edit_refusal(what=lp.REMEDY_DUE, now=lp.end_of_days_after(date(2025, 1, 20), 20), **published)
    assert "chưa được công bố" in lp.edit_refusal(stage=lp.APPRAISED, what=lp.CAUSE, now=end)
    closes = datetime(2024, 11, 20, 0, 0, tzinfo=LOCAL)
    draft = {"stage": lp.PRELIMINARY, "what": lp.CAUSE, "opens_at": closes - timedelta(days=30), "closes_at": closes}
    assert lp.edit_refusal(now=closes - timedelta(seconds=1), **draft) == ""
    assert "Đã hết hạn phân tích sơ bộ" in lp.edit_refusal(now=closes, **draft)
    assert "chưa mở" in lp.edit_refusal(now=closes - timedelta(days=31), **draft)
    assert "đã được gửi" in lp.edit_refusal(now=closes - timedelta(days=1), status="sent", **draft)
    assert "khóa" in lp.edit_refusal(now=closes - timedelta(days=1), status="locked", **draft)


def test_criteria_8_1_and_8_2_are_found_in_every_framework_by_code_or_title():
    for framework in Framework.objects.filter(code__in=["tn2024-so", "tn2024-huyen", "tn2024-dvsn", "tn2024-hoi",
                                                        "dh2024-xa"]):
        nodes = Node.objects.filter(framework=framework)
        assert {n.code for n in nodes if lp.is_evidence_criterion(n.code, n.title)} == {"8.1", "8.2"}, framework
        assert {n.code for n in nodes if lp.is_evidence_criterion("", n.title)} == {"8.1", "8.2"}, framework


# --------------------------------------------------------------------------- the draft-stage page


def test_the_page_lists_exactly_the_criteria_below_their_maximum(mini, client_for):
    assert lp.rows(mini.sub_a, lp.PRELIMINARY)[0].points == Decimal("1.8")
    page = client_for(mini.officer_a).get(_page(mini)).content.decode()
    assert _page_codes(page) == {"1.3", "1.4"}  # not 1.2 (at its maximum), not 1.1 (leaders' forms)
    assert "chưa chấm" in page and "Mất <strong class=\"text-danger\">0,2</strong>" in page
    assert "2</strong> tiêu chí dưới điểm tối đa, mất <strong>2,2</strong>" in page
    # The sheet page links to it.
    sheet = client_for(mini.officer_a).get(reverse("submissions:score_page", args=[mini.sub_a.pk])).content.decode()
    assert _page(mini) in sheet


def test_the_listing_follows_the_whole_framework(world):
    leaves = [n for n in Node.objects.filter(framework=world.sub_a.framework).order_by("ordering") if n.rule]
    scored = [n for n in leaves if n.rule["kind"] == "manual"][:3]
    for node in scored:
        submission_services.entry_save(submission=world.sub_a, node=node, actor=world.officer_a, version=0,
                                       value=str(node.max_points))
    expected = [n.code for n in leaves if n.rule["kind"] != "survey" and n.max_points > 0 and n not in scored]
    assert [r.code for r in lp.rows(world.sub_a, lp.PRELIMINARY)] == expected


def test_a_save_is_versioned_and_two_people_never_overwrite_each_other(mini, client_for):
    node = leaf(mini.sub_a, "1.3")
    note = lp.note_save(submission=mini.sub_a, node=node, stage=lp.PRELIMINARY, actor=mini.officer_a, version=0,
                        cause="Chưa hoàn thành 2 nhiệm vụ của kế hoạch", remedy="Bổ sung nhân lực",
                        remedy_due="2024-12-31")
    assert (note.version, note.remedy_due, note.updated_by) == (1, date(2024, 12, 31), mini.officer_a)
    with pytest.raises(lp.NoteConflict) as refused:
        lp.note_save(submission=mini.sub_a, node=node, stage=lp.PRELIMINARY, actor=mini.approver_a, version=0,
                     cause="Nguyên nhân khác")
    assert "Officer A" in refused.value.messages[0] and "Chưa hoàn thành 2 nhiệm vụ" in refused.value.messages[0]
    assert LostPointNote.objects.get().cause == "Chưa hoàn thành 2 nhiệm vụ của kế hoạch"
    # Through the page: the refused text stays in the box, the current note is shown, nothing is overwritten.
    client = client_for(mini.approver_a)
    response = client.post(_note_url(mini, "1.3"), {"version": "0", "cause": "Nguyên nhân của phê duyệt",
                                                    "remedy": "", "remedy_due": ""}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 409 and "Nguyên nhân của phê duyệt</textarea>" in html
    assert "vừa được Officer A lưu lúc" in html and "Bổ sung nhân lực" in html
    assert 'name="version" value="1"' in html  # the next save replaces it knowingly
    assert LostPointNote.objects.get().cause == "Chưa hoàn thành 2 nhiệm vụ của kế hoạch"
    response = client.post(_note_url(mini, "1.3"), {"version": "1", "cause": "Nguyên nhân của phê duyệt",
                                                    "remedy": "Bổ sung nhân lực", "remedy_due": "2024-12-31"})
    assert response.status_code == 302
    note = LostPointNote.objects.get()
    assert (note.cause, note.version, note.updated_by) == ("Nguyên nhân của phê duyệt", 2, mini.approver_a)
    history = list(note.history.order_by("history_date"))  # the row as created, then each save with who
    assert [h.history_user for h in history[1:]] == [mini.officer_a, mini.approver_a]
    assert history[1].cause == "Chưa hoàn thành 2 nhiệm vụ của kế hoạch"


def test_a_refused_save_keeps_what_was_typed_and_marks_the_wrong_field(mini, client_for):
    client = client_for(mini.officer_a)
    response = client.post(_note_url(mini, "1.4"), {"version": "0", "cause": "x" * 5001, "remedy": "Giữ nguyên",
                                                    "remedy_due": ""}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 400 and "Nguyên nhân dài quá 5.000 ký tự" in html
    assert 'is-invalid" id="lpc' in html and 'is-invalid" id="lpr' not in html and "Giữ nguyên</textarea>" in html
    response = client.post(_note_url(mini, "1.4"), {"version": "0", "cause": "Chưa chấm", "remedy": "",
                                                    "remedy_due": "31/02/2025"})  # without htmx: the whole page
    html = response.content.decode()
    assert response.status_code == 400 and "Thời hạn khắc phục không đúng dạng ngày" in html
    assert 'is-invalid" type="text" inputmode="numeric" placeholder="dd/mm/yyyy"' in html
    assert "Chưa chấm</textarea>" in html
    assert not LostPointNote.objects.exists()
    # Nothing typed: nothing written.
    assert client.post(_note_url(mini, "1.4"), {"version": "0", "cause": "", "remedy": ""}).status_code == 302
    assert not LostPointNote.objects.exists()


def test_saves_are_refused_after_the_deadline_and_once_the_sheet_is_sent(mini, client_for):
    node = leaf(mini.sub_a, "1.4")
    lp.note_save(submission=mini.sub_a, node=node, stage=lp.PRELIMINARY, actor=mini.officer_a, version=0,
                 cause="Chưa có báo cáo")
    deadline = timezone.now() + timedelta(hours=1)
    lp.plan_save(period=mini.period, actor=mini.secretariat, deadline=deadline, analysis_days="10", plan_days="20")
    with pytest.raises(ValidationError) as refused:
        lp.note_save(submission=mini.sub_a, node=node, stage=lp.PRELIMINARY, actor=mini.officer_a, version=1,
                     cause="Sửa sau hạn", now=deadline)
    assert refused.value.code == "cause" and "Đã hết hạn phân tích sơ bộ điểm bị mất lúc" in refused.value.messages[0]
    # An unchanged field is never refused.
    lp.note_save(submission=mini.sub_a, node=node, stage=lp.PRELIMINARY, actor=mini.officer_a, version=1,
                 cause="Chưa có báo cáo", now=deadline)
    LostPointsPlan.objects.filter(period=mini.period).update(deadline=timezone.now() - timedelta(minutes=1))
    response = client_for(mini.officer_a).post(_note_url(mini, "1.4"), {"version": "1", "cause": "Sửa sau hạn"})
    assert response.status_code == 400 and "Đã hết hạn phân tích sơ bộ" in response.content.decode()
    page = client_for(mini.officer_a).get(_page(mini)).content.decode()
    assert "Đã hết hạn phân tích sơ bộ" in page and "<textarea" not in page and "Chưa có báo cáo" in page
    # A sent sheet.
    LostPointsPlan.objects.filter(period=mini.period).update(deadline=None)
    Submission.objects.filter(pk=mini.sub_a.pk).update(status=Submission.SENT)
    with pytest.raises(ValidationError, match="đã được gửi đi"):
        lp.note_save(submission=mini.sub_a, node=node, stage=lp.PRELIMINARY, actor=mini.officer_a, version=1,
                     cause="Sửa sau khi gửi")
    assert LostPointNote.objects.get().cause == "Chưa có báo cáo"


def test_the_calendar_is_the_secretariats_and_a_refused_calendar_keeps_what_was_typed(mini, client_for):
    url = reverse("ranking:lost_points_period", args=[mini.period.pk])
    client = client_for(mini.secretariat)
    late = timezone.localtime(mini.period.closes_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"deadline": late, "analysis_days": "7", "plan_days": "15"})
    html = response.content.decode()
    assert response.status_code == 400 and "không được muộn hơn hạn gửi báo cáo" in html
    assert f'value="{late}"' in html and 'value="7"' in html
    assert 'is-invalid" type="text" inputmode="numeric" placeholder="dd/mm/yyyy HH:MM"' in html
    response = client.post(url, {"deadline": "", "analysis_days": "10", "plan_days": "5"})
    assert response.status_code == 400 and 'is-invalid" id="lp-plan"' in response.content.decode()
    fine = timezone.localtime(mini.period.closes_at - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, {"deadline": fine, "analysis_days": "10", "plan_days": "20"}).status_code == 302
    plan = LostPointsPlan.objects.get(period=mini.period)
    assert timezone.localtime(plan.deadline).strftime("%Y-%m-%dT%H:%M") == fine and plan.updated_by == mini.secretariat
    assert "Hạn phân tích sơ bộ" in client_for(mini.officer_a).get(_page(mini)).content.decode()


# --------------------------------------------------------------------------- permissions


def test_who_may_open_and_write_each_page(mini, client_for, client):
    lp.note_save(submission=mini.sub_a, node=leaf(mini.sub_a, "1.4"), stage=lp.PRELIMINARY, actor=mini.officer_a,
                 version=0, cause="Chưa có")
    page, note = _page(mini), _note_url(mini, "1.3")
    reports = [reverse("ranking:lost_points_unit_report", args=[mini.sub_a.pk, "so-bo", fmt])
               for fmt in ("xlsx", "pdf")]
    period_page = reverse("ranking:lost_points_period", args=[mini.period.pk])
    consolidated = [reverse("ranking:lost_points_period_report", args=[mini.period.pk, stage, fmt])
                    for stage in ("so-bo", "sau-cong-bo") for fmt in ("xlsx", "pdf")]
    readers = (mini.officer_a, mini.approver_a, mini.secretariat, mini.leader, mini.chairman)
    for user in readers:
        assert client_for(user).get(page).status_code == 200, user
        for url in reports:
            assert client_for(user).get(url).status_code == 200, (user, url)
    for user in (mini.officer_b, mini.approver_b, mini.outsider):
        assert client_for(user).get(page).status_code == 404, user
        assert client_for(user).get(reports[0]).status_code == 404, user
        assert client_for(user).post(note, {"version": "0", "cause": "x"}).status_code == 404, user
    for user in (mini.secretariat, mini.leader, mini.chairman):  # readers, not writers
        assert client_for(user).post(note, {"version": "0", "cause": "x"}).status_code == 403, user
        assert "<textarea" not in client_for(user).get(page).content.decode()
    for user in (mini.officer_a, mini.approver_a):
        assert client_for(user).post(note, {"version": "0", "cause": f"của {user}"}).status_code == 302
        LostPointNote.objects.filter(node=leaf(mini.sub_a, "1.3")).delete()
    assert client.get(page).status_code == 302 and "dang-nhap" in client.get(page)["Location"]
    assert client.post(note, {"version": "0", "cause": "x"}).status_code == 302
    for user in (mini.officer_a, mini.approver_a, mini.leader, mini.chairman):  # the secretariat's only
        assert client_for(user).get(period_page).status_code == 403, user
        for url in consolidated:
            assert client_for(user).get(url).status_code == 403, (user, url)
    assert client_for(mini.secretariat).get(period_page).status_code == 200
    for url in consolidated:
        assert client_for(mini.secretariat).get(url).status_code == 200, url
    # After publication only: nothing is published yet.
    for user in (mini.officer_a, mini.secretariat):
        assert client_for(user).get(_page(mini, "sau-cong-bo")).status_code == 404
    assert client_for(mini.officer_a).post(_note_url(mini, "1.3", "sau-cong-bo"), {"version": "0"}).status_code == 404
    assert client_for(mini.officer_a).get(reverse("ranking:lost_points_page", args=[mini.sub_a.pk, "khac"])
                                          ).status_code == 404


# --------------------------------------------------------------------------- reports


def _annotate(w):
    lp.note_save(submission=w.sub_a, node=leaf(w.sub_a, "1.3"), stage=lp.PRELIMINARY, actor=w.officer_a, version=0,
                 cause='=HYPERLINK("http://ke-xau.example/","Bấm")', remedy="+ Bổ sung 2 cán bộ",
                 remedy_due="2024-12-15")
    lp.note_save(submission=w.sub_b, node=leaf(w.sub_b, "1.2"), stage=lp.PRELIMINARY, actor=w.officer_b, version=0,
                 cause="Chưa ban hành văn bản chỉ đạo", remedy="Ban hành trong quý IV")


def test_the_unit_workbook_for_its_leader(mini, client_for):
    _annotate(mini)
    url = reverse("ranking:lost_points_unit_report", args=[mini.sub_a.pk, "so-bo", "xlsx"])
    response = client_for(mini.approver_a).get(url)
    assert response["Content-Disposition"].endswith('phan-tich-diem-bi-mat-so-bo-so-xay-dung-2024.xlsx"')
    assert_text_only(response.content)
    rows = _rows(response.content)
    assert rows[0][0].startswith("ĐÁNH GIÁ SƠ BỘ, PHÂN TÍCH ĐIỂM BỊ MẤT — SỞ XÂY DỰNG")
    assert rows[1] == ("Mã", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm (dự kiến)", "Điểm bị mất", "Nguyên nhân",
                       "Biện pháp xử lý, khắc phục", "Thời hạn khắc phục")
    assert rows[2][:5] == ("1.3", "Hoàn thành kế hoạch", 2, 1.8, 0.2)
    assert rows[2][5:7] == ('=HYPERLINK("http://ke-xau.example/","Bấm")', "+ Bổ sung 2 cán bộ")
    assert rows[2][7].date() == date(2024, 12, 15)
    assert rows[3][:5] == ("1.4", "Công tác văn thư", 2, None, 2) and rows[3][5] is None
    assert rows[4][1] == "TỔNG ĐIỂM BỊ MẤT" and rows[4][4] == pytest.approx(2.2)
    assert len(rows) == 5


def test_the_consolidated_workbook_for_the_secretariat(mini, client_for):
    _annotate(mini)
    url = reverse("ranking:lost_points_period_report", args=[mini.period.pk, "so-bo", "xlsx"])
    data = client_for(mini.secretariat).get(url).content
    assert_text_only(data)
    rows = _rows(data)
    assert rows[1][:8] == ("Khối", "Mã đơn vị", "Đơn vị", "Mã tiêu chí", "Tiêu chí", "Điểm tối đa",
                           "Điểm tự chấm (dự kiến)", "Điểm bị mất")
    body = {(r[2], r[3]): r for r in rows[2:]}
    assert set(body) == {("Sở Xây dựng", "1.3"), ("Sở Xây dựng", "1.4"), ("Sở Y tế", "1.2"), ("Sở Y tế", "1.3"),
                         ("Sở Y tế", "1.4")}
    assert body[("Sở Y tế", "1.2")][7:10] == (2, "Chưa ban hành văn bản chỉ đạo", "Ban hành trong quý IV")
    assert body[("Sở Y tế", "1.2")][11] == "Officer B" and body[("Sở Xây dựng", "1.3")][7] == pytest.approx(0.2)


def test_both_reports_render_as_pdf(mini, client_for):
    from pyhanko.pdf_utils.reader import PdfFileReader

    _annotate(mini)
    for user, url in ((mini.approver_a, reverse("ranking:lost_points_unit_report", args=[mini.sub_a.pk, "so-bo",
                                                                                        "pdf"])),
                      (mini.secretariat, reverse("ranking:lost_points_period_report", args=[mini.period.pk, "so-bo",
                                                                                            "pdf"]))):
        response = client_for(user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert PdfFileReader(io.BytesIO(response.content)).root["/Pages"]["/Count"] >= 1
    html = lp.report_html(lp.groups_for(lp.period_submissions(mini.period, lp.PRELIMINARY), lp.PRELIMINARY),
                          stage=lp.PRELIMINARY, title=lp.title_of(lp.PRELIMINARY), period=mini.period)
    assert "Sở Xây dựng" in html and "Sở Y tế" in html and "Chưa ban hành văn bản chỉ đạo" in html
    assert "15/12/2024" in html and "=HYPERLINK(&quot;" in html and "Chưa nêu" in html


# --------------------------------------------------------------------------- after publication


def _publish(w, day=None):
    version = services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    services.ranking_submit(version=version, actor=w.secretariat)
    return services.ranking_approve(version=version, actor=w.chairman, decision_number="125/QĐ-UBND",
                                    decision_date=day or timezone.localdate())


def test_after_publication_the_analysis_runs_on_the_appraised_scores(ranked, client_for):  # noqa: F811
    w = ranked
    appraised_page = _page(w, "sau-cong-bo", w.sub_b)
    assert client_for(w.officer_b).get(appraised_page).status_code == 404
    version = _publish(w)
    rows = lp.rows(w.sub_b, lp.APPRAISED)
    expected = report_lost_points(w.sub_b)
    assert [(r.code, r.lost, r.council_reason) for r in rows] == [(e["code"], e["lost"], e["reason"]) for e in expected]
    assert rows and all(r.lost > 0 for r in rows) and any(r.council_reason == "Thiếu tài liệu" for r in rows)
    assert lp.rows(w.sub_a, lp.APPRAISED) == []  # full marks
    page = client_for(w.officer_b).get(appraised_page).content.decode()
    assert _page_codes(page) == {r.code for r in rows} and "Quyết định số 125/QĐ-UBND" in page
    assert "Thiếu tài liệu" in page and "sau-cong-bo" in client_for(w.officer_b).get(_page(w, "so-bo", w.sub_b)
                                                                                      ).content.decode()
    first = rows[0]
    node = Node.objects.get(pk=first.node_id)
    response = client_for(w.officer_b).post(_note_url(w, first.code, "sau-cong-bo", w.sub_b),
                                            {"version": "0", "cause": "Tài liệu kiểm chứng thiếu số, ngày",
                                             "remedy": "Rà soát tài liệu trước khi gửi", "remedy_due": "2025-06-30"})
    assert response.status_code == 302
    note = LostPointNote.objects.get(stage=lp.APPRAISED)
    assert (note.submission, note.node, note.remedy_due) == (w.sub_b, node, date(2025, 6, 30))
    assert not LostPointNote.objects.filter(stage=lp.PRELIMINARY).exists()  # kept apart from the draft stage
    # Deadlines: the cause (8.1) ten days after the decision, the remedy (8.2) twenty.
    day = version.decision_date
    eleventh = lp.end_of_days_after(day, 10)
    with pytest.raises(ValidationError, match="8.1") as refused:
        lp.note_save(submission=w.sub_b, node=node, stage=lp.APPRAISED, actor=w.officer_b, version=1,
                     cause="Sửa muộn", now=eleventh)
    assert refused.value.code == "cause"
    note = lp.note_save(submission=w.sub_b, node=node, stage=lp.APPRAISED, actor=w.officer_b, version=1,
                        remedy="Kế hoạch 12/KH-SYT", now=eleventh)
    with pytest.raises(ValidationError, match="8.2"):
        lp.note_save(submission=w.sub_b, node=node, stage=lp.APPRAISED, actor=w.officer_b, version=2,
                     remedy="Sửa rất muộn", now=lp.end_of_days_after(day, 20))
    # The unit's workbook after publication: the council's list with the unit's analysis beside it.
    data = client_for(w.approver_b).get(reverse("ranking:lost_points_unit_report",
                                                args=[w.sub_b.pk, "sau-cong-bo", "xlsx"])).content
    assert_text_only(data)
    sheet = _rows(data)
    assert sheet[1] == ("Mã", "Tiêu chí", "Điểm tối đa", "Tự chấm", "Thẩm định", "Bị trừ", "Lý do của Hội đồng",
                        "Nguyên nhân", "Biện pháp xử lý, khắc phục", "Thời hạn khắc phục")
    line = next(r for r in sheet if r[0] == first.code)
    assert line[7:9] == ("Tài liệu kiểm chứng thiếu số, ngày", "Kế hoạch 12/KH-SYT")
    # The existing download keeps its seven columns.
    plain = _rows(client_for(w.officer_b).get(reverse("ranking:lost_points", args=[w.sub_b.pk])).content)
    assert len(plain[1]) == 7
    # The secretariat's consolidated report of the appraised stage: the published block's units.
    book = _rows(client_for(w.secretariat).get(reverse("ranking:lost_points_period_report",
                                                       args=[w.period.pk, "sau-cong-bo", "xlsx"])).content)
    assert book[1][6:9] == ("Điểm thẩm định", "Điểm bị mất", "Lý do của Hội đồng")
    assert {r[2] for r in book[2:]} == {"Sở Y tế"} and len(book) - 2 == len(rows)
    assert any(r[9] == "Tài liệu kiểm chứng thiếu số, ngày" for r in book[2:])
    pdf = client_for(w.officer_b).get(reverse("ranking:lost_points_unit_report", args=[w.sub_b.pk, "sau-cong-bo",
                                                                                      "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


# --------------------------------------------------------------------------- the next year's council


def _next_year(w):
    """A 2025 period of the same authority; Sở Y tế was renamed into a new unit (lineage), which sends."""
    new_b = Unit.objects.create(authority=w.authority, block=w.block, code="so-y-te-moi", name="Sở Y tế (mới)")
    UnitLineage.objects.create(predecessor=w.unit_b, successor=new_b, kind=UnitLineage.RENAME,
                               effective_on=date(2025, 3, 1), basis="Quyết định 99/QĐ-UBND")
    Unit.objects.filter(pk=w.unit_b.pk).update(active=False, ended_on=date(2025, 3, 1))
    now = timezone.now()
    period = submission_services.period_save(
        period=Period(authority=w.authority, code="tn-test-2025", name="Kỳ thử nghiệm 2025", year=2025,
                      opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=5)),
        frameworks={w.block: Framework.objects.get(code="tn2024-so")})
    approver = UserFactory(username="pheduyet.syt.moi")
    Role.objects.create(user=approver, kind=Role.APPROVER, unit=new_b)
    sheet = fill_and_send(w, Submission.objects.get(period=period, unit=new_b), approver)
    snv = appraisal_services.member_add(period=period, user=UserFactory(username="snv.2025"), agency="Sở Nội vụ")
    stc = appraisal_services.member_add(period=period, user=UserFactory(username="stc.2025"), agency="Sở Tài chính")
    return period, sheet, snv, stc


def test_the_next_years_council_sees_the_analysis_as_evidence_of_8_1_and_8_2(ranked, client_for):  # noqa: F811
    w = ranked
    _publish(w)
    row = lp.rows(w.sub_b, lp.APPRAISED)[0]
    lp.note_save(submission=w.sub_b, node=Node.objects.get(pk=row.node_id), stage=lp.APPRAISED, actor=w.officer_b,
                 version=0, cause="Thiếu tài liệu kiểm chứng năm 2024", remedy="Lập danh mục tài liệu")
    period, sheet, snv, stc = _next_year(w)
    previous = reverse("ranking:lost_points_previous", args=[sheet.pk])
    page = client_for(snv.user).get(reverse("appraisal:unit_page", args=[snv.pk, sheet.pk])).content.decode()
    assert page.count(f'href="{previous}"') == 2  # beside 8.1 and beside 8.2
    assert "năm 2024</a> của Sở Y tế (trước đây)" in page and "đã nêu nguyên nhân 1/" in page
    shown = client_for(snv.user).get(previous)
    html = shown.content.decode()
    assert shown.status_code == 200 and "Thiếu tài liệu kiểm chứng năm 2024" in html and "125/QĐ-UBND" in html
    assert "Sở Y tế" in html and "(trước đây)" in html
    assert client_for(snv.user).get(reverse("ranking:lost_points_previous_pdf", args=[sheet.pk])).content.startswith(
        b"%PDF")
    # A member whose agency does not appraise 8.1/8.2 sees no link and cannot open it; nor can another unit.
    other = client_for(stc.user).get(reverse("appraisal:unit_page", args=[stc.pk, sheet.pk])).content.decode()
    assert previous not in other
    for user in (stc.user, w.officer_a, w.outsider):
        assert client_for(user).get(previous).status_code == 404, user
    # The new unit's own accounts and the secretariat read it too; the council chair of the authority also.
    for user in (w.secretariat, w.chair):
        assert client_for(user).get(previous).status_code == 200, user
    # Sở Xây dựng (2025, nothing lost in 2024 and no note) gets the page with nothing missing, but no other unit's.
    assert lp.previous_year(sheet)[0]["submission"] == w.sub_b
    assert lp.previous_year(Submission.objects.get(period=period, unit=w.unit_a))[0]["submission"] == w.sub_a
    assert RankingVersion.objects.filter(period=period).count() == 0
