"""Issue #13 item 2, seed 004 §2.2: communes "chấm điểm bằng hình thức trực tiếp … bản giấy". A block of a period
sends on paper; the secretariat records the day each dossier was received; the appraisal team enters an on-time
dossier (every entry marked "Nhập từ hồ sơ giấy" with who and when: the sheet, the history, the PDF, the Excel)
and passes the sheet to appraisal; a late dossier is never entered and the unit ranks like an unsent sheet
("không tiến hành đánh giá đối với những đơn vị gửi báo cáo chậm"). The normal path still refuses after the
deadline."""

import io
import subprocess
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appraisal import paper
from appraisal import services as appraisal_services
from appraisal.models import PaperBlock, PaperDossier
from appraisal.permissions import get_submission_for_member
from criteria.models import Node
from submissions import services
from submissions.models import Entry, PeriodBlock, StateChange, Submission
from submissions.rules import LOCAL
from tests.factories import UserFactory, attach_evidence, pass_deadline
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db


def leaves(submission):
    return [n for n in Node.objects.filter(framework=submission.framework).order_by("ordering")
            if n.rule and n.rule["kind"] != "survey"]


def value_for(node):
    kind = node.rule["kind"]
    return "0" if kind == "levels" else "100" if kind == "percent" else str(node.max_points)


def on_paper(w):
    return paper.paper_block_set(period_block=w.pb, enabled=True, actor=w.secretariat, note="Kế hoạch 12/KH-UBND")


def received(w, day=None):
    return paper.dossier_record(submission=w.sub_c, received_on=day or timezone.localdate(), actor=w.secretariat,
                                note="Công văn 15/UBND")


def enter(w, node, value=None, explanation="Theo Báo cáo 20/BC-UBND, Mục 2", version=None, actor=None):
    entry = Entry.objects.filter(submission=w.sub_c, node=node).first()
    return paper.paper_entry_save(submission=w.sub_c, node=node, actor=actor or w.team,
                                  version=entry.version if entry and version is None else version or 0,
                                  value=value_for(node) if value is None else value, explanation=explanation)


# --------------------------------------------------------------------------- pure rules


def test_a_dossier_of_the_deadlines_day_is_on_time_the_next_day_is_late():
    deadline = datetime(2025, 12, 5, 17, 0, tzinfo=LOCAL)
    assert paper.last_day(deadline).isoformat() == "2025-12-05"
    assert not paper.is_late(deadline.date(), deadline)
    assert paper.is_late(deadline.date() + timedelta(days=1), deadline)
    midnight = datetime(2025, 12, 6, 0, 0, tzinfo=LOCAL)  # "trước ngày 06/12": the 5th is the last day
    assert paper.last_day(midnight).isoformat() == "2025-12-05" and paper.is_late(midnight.date(), midnight)
    utc = datetime(2025, 12, 5, 10, 0, tzinfo=timezone.get_fixed_timezone(0))  # 17:00 in Hà Nội
    assert paper.last_day(utc).isoformat() == "2025-12-05"


def test_the_refusals_say_why_in_vietnamese():
    deadline = datetime(2025, 12, 5, 17, 0, tzinfo=LOCAL)
    common = {"unit": "UBND xã A", "block": "Khối xã", "deadline": deadline, "round_closed": False}
    assert "không nộp hồ sơ giấy" in paper.entry_refusal(paper=False, status="draft", received_on=None, **common)
    assert "Chưa ghi ngày nhận" in paper.entry_refusal(paper=True, status="draft", received_on=None, **common)
    late = paper.entry_refusal(paper=True, status="locked", received_on=deadline.date() + timedelta(days=1), **common)
    assert "06/12/2025" in late and "17:00 ngày 05/12/2025" in late and "không tiến hành đánh giá" in late
    assert paper.entry_refusal(paper=True, status="locked", received_on=deadline.date(), **common) == ""
    assert "đã được gửi" in paper.entry_refusal(paper=True, status="sent", received_on=deadline.date(), **common)


# --------------------------------------------------------------------------- the secretariat


def test_the_secretariat_marks_a_block_on_paper_and_records_dossiers(paper_world, client_for):
    w = paper_world
    client = client_for(w.secretariat)
    url = reverse("appraisal:paper_block", args=[w.period.pk, w.communes.pk])
    assert client.post(url, {"paper": "1", "note": "Kế hoạch 12/KH-UBND"}).status_code == 302
    block = PaperBlock.objects.get(period_block=w.pb)
    assert block.enabled_by == w.secretariat and block.note == "Kế hoạch 12/KH-UBND"
    page = client.get(reverse("appraisal:paper_period", args=[w.period.pk])).content.decode()
    assert "Nộp hồ sơ giấy" in page and "UBND xã Bình Thành" in page and "Chưa nhận" in page

    today = timezone.localdate()
    response = client.post(reverse("appraisal:paper_dossier", args=[w.period.pk, w.sub_c.pk]),
                           {"received_on": today.isoformat(), "note": "Công văn 15/UBND"}, follow=True)
    assert "Đã ghi nhận hồ sơ giấy của UBND xã Bình Thành" in response.content.decode()
    dossier = PaperDossier.objects.get(submission=w.sub_c)
    assert (dossier.received_on, dossier.recorded_by, dossier.note) == (today, w.secretariat, "Công văn 15/UBND")
    # a date in the future, or before the period opened, is refused with the reason
    with pytest.raises(ValidationError, match="không được sau hôm nay"):
        received(w, today + timedelta(days=1))
    with pytest.raises(ValidationError, match="trước ngày mở kỳ"):
        received(w, today - timedelta(days=30))
    # the sở block is not on paper: no dossier there
    with pytest.raises(ValidationError, match="không nộp hồ sơ giấy"):
        paper.dossier_record(submission=w.sub_a, received_on=today, actor=w.secretariat)
    # a block with a recorded dossier stays on paper
    with pytest.raises(ValidationError, match="không bỏ hình thức nộp hồ sơ giấy"):
        paper.paper_block_set(period_block=w.pb, enabled=False, actor=w.secretariat)


def test_a_block_with_a_sheet_sent_on_the_software_or_a_period_appraising_unsent_sheets_refuses_paper(paper_world):
    w = paper_world
    w.period.settings = {**w.period.settings, "unsent_at_deadline": "appraised"}
    w.period.save()
    with pytest.raises(ValidationError) as exc:
        on_paper(w)
    assert "không thẩm định" in " ".join(exc.value.messages)
    assert not PaperBlock.objects.exists()


def test_a_dossier_date_cannot_change_once_entered(paper_world):
    w = paper_world
    on_paper(w)
    received(w)
    enter(w, leaves(w.sub_c)[0])
    with pytest.raises(ValidationError, match="không sửa ngày nhận"):
        received(w, timezone.localdate() - timedelta(days=1))
    received(w)  # the same day again changes nothing that matters


# --------------------------------------------------------------------------- on time: entered, marked, sent


def test_an_on_time_dossier_is_entered_marked_and_sent_to_appraisal(paper_world, client_for):
    w = paper_world
    on_paper(w)
    received(w)
    pass_deadline(w.period)  # the team enters after the deadline: the dossier was on time
    services.submissions_lock_overdue()
    w.sub_c.refresh_from_db()
    assert w.sub_c.status == Submission.LOCKED

    team = client_for(w.team)
    first = leaves(w.sub_c)[0]
    response = team.post(reverse("appraisal:paper_entry_save", args=[w.period.pk, w.sub_c.pk, first.pk]),
                         {"version": "0", "value": value_for(first), "explanation": "Theo Báo cáo 20/BC-UBND, Mục 2"},
                         follow=True)
    assert "Đã lưu tiêu chí" in response.content.decode()
    entry = Entry.objects.get(submission=w.sub_c, node=first)
    assert entry.updated_by == w.team and entry.explanation == "Theo Báo cáo 20/BC-UBND, Mục 2"
    record = entry.history.latest("history_date")
    assert record.history_change_reason == paper.PAPER_REASON and record.history_user == w.team
    # a scan of the dossier as evidence
    upload = team.post(reverse("appraisal:paper_evidence", args=[w.period.pk, w.sub_c.pk, first.pk]),
                       {"file": _file(), "doc_number": "20/BC-UBND", "doc_date": timezone.localdate().isoformat(),
                        "issuer": "UBND xã Bình Thành"}, follow=True)
    assert "Đã đính kèm bản chụp" in upload.content.decode()
    scan = entry.evidence.get()
    assert scan.uploaded_by == w.team and scan.history.get().history_change_reason == paper.PAPER_REASON

    # the rest of the dossier, then "nhận hồ sơ giấy"
    confirm = team.get(reverse("appraisal:paper_send", args=[w.period.pk, w.sub_c.pk])).content.decode()
    assert "Chưa chuyển thẩm định được" in confirm and "Chưa chấm điểm" in confirm
    for node in leaves(w.sub_c)[1:]:
        enter(w, node)
        attach_evidence(w.sub_c, node, w.team)
    response = team.post(reverse("appraisal:paper_send", args=[w.period.pk, w.sub_c.pk]))
    assert response.status_code == 302
    w.sub_c.refresh_from_db()
    assert (w.sub_c.status, w.sub_c.sent_by) == (Submission.SENT, w.team) and w.sub_c.self_total is not None
    change = StateChange.objects.get(object_type="submission", object_id=w.sub_c.pk, action="paper_send")
    assert (change.from_state, change.to_state, change.actor) == ("locked", "sent", w.team)
    assert change.label == "Nhận hồ sơ giấy" and f"ngày {timezone.localdate():%d/%m/%Y}" in change.note
    # nothing more is entered; the normal appraisal takes over
    with pytest.raises(ValidationError, match="đã được gửi đi"):
        enter(w, first, value="0")
    assert get_submission_for_member(w.member, w.sub_c.pk) == w.sub_c

    # the commune's own accounts read it, marked, in the sheet, the history, the Excel and the PDF
    officer = client_for(w.officer_c)
    page = officer.get(reverse("submissions:score_page", args=[w.sub_c.pk])).content.decode()
    assert page.count("data-paper ") + page.count("data-paper>") >= len(leaves(w.sub_c))
    assert "Nhập từ hồ sơ giấy" in page and "Trần Thị Tổ Thẩm Định" in page and "nộp hồ sơ giấy" in page
    history = officer.get(reverse("submissions:history", args=[w.sub_c.pk, first.pk])).content.decode()
    assert "Nhập từ hồ sơ giấy" in history and "Trần Thị Tổ Thẩm Định" in history
    workbook = load_workbook(io.BytesIO(officer.get(reverse("submissions:summary_xlsx", args=[w.sub_c.pk])).content))
    rows = list(workbook.active.iter_rows(values_only=True))
    column = rows[3].index("Nhập từ hồ sơ giấy")
    row = next(r for r in rows if r[0] == first.code)
    assert row[column].startswith("Trần Thị Tổ Thẩm Định, ")
    pdf = officer.get(reverse("submissions:print_pdf", args=[w.sub_c.pk]))
    assert pdf.status_code == 200
    try:
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    text = text.decode()
    assert "Nhập từ hồ sơ giấy" in text and "Báo cáo nộp bằng hồ sơ giấy" in text


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("ban-chup-bc-20.pdf", tiny_pdf(), content_type="application/pdf")


def test_two_team_members_never_overwrite_each_other(paper_world):
    w = paper_world
    on_paper(w)
    received(w)
    node = leaves(w.sub_c)[0]
    enter(w, node, version=0)
    other = UserFactory(username="pnv.thamdinh2")
    appraisal_services.member_add(period=w.period, user=other, agency="Phòng Tư pháp")
    with pytest.raises(services.ConflictError):
        paper.paper_entry_save(submission=w.sub_c, node=node, actor=other, version=0, value="0")


# --------------------------------------------------------------------------- late: not entered, ranked as unsent


def test_a_late_dossier_is_recorded_never_entered_and_ranks_as_unsent(paper_world, client_for):
    from ranking.services import UNSENT_REASON, snapshot

    w = paper_world
    on_paper(w)
    PeriodBlock.objects.filter(pk=w.pb.pk).update(deadline=timezone.now() - timedelta(days=3))
    late_day = timezone.localdate() - timedelta(days=1)
    dossier = received(w, late_day)
    assert dossier.received_on == late_day  # kept with its date
    page = client_for(w.secretariat).get(reverse("appraisal:paper_period", args=[w.period.pk])).content.decode()
    assert "Nộp chậm: không đánh giá" in page

    node = leaves(w.sub_c)[0]
    with pytest.raises(ValidationError, match="không tiến hành đánh giá đối với đơn vị gửi báo cáo chậm"):
        enter(w, node)
    team = client_for(w.team)
    response = team.post(reverse("appraisal:paper_entry_save", args=[w.period.pk, w.sub_c.pk, node.pk]),
                         {"version": "0", "value": value_for(node), "explanation": "x"}, follow=True)
    assert "không tiến hành đánh giá" in response.content.decode()
    entry_page = team.get(reverse("appraisal:paper_entry", args=[w.period.pk, w.sub_c.pk])).content.decode()
    assert "data-refusal" in entry_page and "Hoàn tất nhập" not in entry_page
    with pytest.raises(ValidationError, match="không tiến hành đánh giá"):
        paper.paper_send(submission=w.sub_c, actor=w.team)
    assert not Entry.objects.filter(submission=w.sub_c).exclude(points=None).exists()

    pass_deadline(w.period)
    services.submissions_lock_overdue()
    w.sub_c.refresh_from_db()
    assert w.sub_c.status == Submission.LOCKED and w.sub_c.status not in w.period.appraisable_statuses
    from django.http import Http404

    with pytest.raises(Http404):
        get_submission_for_member(w.member, w.sub_c.pk)  # not in any council queue
    rows = snapshot(w.period, w.communes)["units"]
    row = next(r for r in rows if r["name"] == "UBND xã Bình Thành")
    assert UNSENT_REASON in row["reasons"] and float(row["total"]) == 0


def test_no_dossier_recorded_means_nothing_entered(paper_world):
    w = paper_world
    on_paper(w)
    with pytest.raises(ValidationError, match="Chưa ghi ngày nhận hồ sơ giấy"):
        enter(w, leaves(w.sub_c)[0])


# --------------------------------------------------------------------------- the normal path is unchanged


def test_a_block_not_on_paper_refuses_paper_entry(paper_world, client_for):
    w = paper_world
    node = leaves(w.sub_a)[0]
    with pytest.raises(ValidationError, match="không nộp hồ sơ giấy"):
        paper.paper_entry_save(submission=w.sub_a, node=node, actor=w.team, version=0, value="1")
    page = client_for(w.team).get(reverse("appraisal:paper_entry", args=[w.period.pk, w.sub_a.pk]))
    assert page.status_code == 200 and "không nộp hồ sơ giấy" in page.content.decode()
    assert not Entry.objects.filter(submission=w.sub_a).exists()


def test_the_normal_save_after_the_deadline_is_still_refused(paper_world, client_for):
    w = paper_world
    on_paper(w)
    received(w)
    pass_deadline(w.period)
    node = leaves(w.sub_a)[0]
    with pytest.raises(ValidationError, match="Đã hết hạn gửi báo cáo"):
        services.entry_save(submission=w.sub_a, node=node, actor=w.officer_a, version=0, value="1")
    with pytest.raises(ValidationError, match="Đã hết hạn gửi báo cáo"):
        services.evidence_add(submission=w.sub_a, node=node, actor=w.officer_a,
                              upload=services.Upload(name="a.pdf", data=tiny_pdf()), doc_number="1/BC-SXD",
                              doc_date=timezone.localdate(), issuer="Sở Xây dựng")
    # the commune's sheet, on paper with an on-time dossier: the normal service still refuses its officer
    commune_node = leaves(w.sub_c)[0]
    with pytest.raises(ValidationError, match="Đã hết hạn gửi báo cáo"):
        services.entry_save(submission=w.sub_c, node=commune_node, actor=w.officer_c, version=0, value="0")
    # … only the team's paper path enters it
    enter(w, commune_node)
    response = client_for(w.officer_a).post(reverse("submissions:entry_save", args=[w.sub_a.pk, node.pk]),
                                            {"version": "0", "value": "1"})
    assert response.status_code in (302, 400) and not Entry.objects.filter(submission=w.sub_a).exists()


def test_the_communes_own_accounts_read_but_never_enter(paper_world, client_for):
    w = paper_world
    on_paper(w)
    received(w)
    enter(w, leaves(w.sub_c)[0])
    node = leaves(w.sub_c)[1]
    for user in (w.officer_c, w.approver_c):
        client = client_for(user)
        page = client.get(reverse("submissions:score_page", args=[w.sub_c.pk]))
        assert page.status_code == 200 and "Nhập từ hồ sơ giấy" in page.content.decode()
        # before the deadline too, the unit's own save, upload and send are refused (403) with the reason
        response = client.post(reverse("submissions:entry_save", args=[w.sub_c.pk, node.pk]),
                               {"version": "0", "value": "0"})
        assert response.status_code == 403
        assert client.post(reverse("submissions:evidence_upload", args=[w.sub_c.pk, node.pk]),
                           {}).status_code == 403
    assert client_for(w.approver_c).post(reverse("submissions:review", args=[w.sub_c.pk]),
                                         {"step": "send"}).status_code == 403
    assert not Entry.objects.filter(submission=w.sub_c, node=node).exists()
    with pytest.raises(PermissionDenied):
        paper.paper_entry_save(submission=w.sub_c, node=node, actor=w.officer_c, version=0, value="0")
    # another block's unit is not concerned: the sở's officer still saves
    assert client_for(w.officer_a).post(reverse("submissions:entry_save", args=[w.sub_a.pk, leaves(w.sub_a)[0].pk]),
                                        {"version": "0", "value": "1"}).status_code == 302


# --------------------------------------------------------------------------- every new view: who may


def test_every_new_view_refuses_the_wrong_person_and_serves_the_right_one(paper_world, client_for):
    w = paper_world
    on_paper(w)
    received(w)
    node = leaves(w.sub_c)[0]
    stranger_member = UserFactory(username="tv.kyvkhac")
    other = make_other_period_member(w, stranger_member)
    assert other
    args_period, args_sub = [w.period.pk], [w.period.pk, w.sub_c.pk]
    secretariat_views = [
        ("get", reverse("appraisal:paper_period", args=args_period), {}),
        ("post", reverse("appraisal:paper_block", args=[w.period.pk, w.communes.pk]), {"paper": "1"}),
        ("post", reverse("appraisal:paper_dossier", args=args_sub), {"received_on": timezone.localdate().isoformat()}),
    ]
    team_views = [
        ("get", reverse("appraisal:paper_queue", args=args_period), {}),
        ("get", reverse("appraisal:paper_entry", args=args_sub), {}),
        ("post", reverse("appraisal:paper_entry_save", args=[*args_sub, node.pk]),
         {"version": "0", "value": value_for(node), "explanation": "Mục 1"}),
        ("post", reverse("appraisal:paper_evidence", args=[*args_sub, node.pk]), None),
        ("get", reverse("appraisal:paper_send", args=args_sub), {}),
    ]
    team_views_on_the_unit = team_views[1:]
    for method, url, data in secretariat_views:
        for user in (w.team, w.officer_c, w.approver_c, w.outsider, w.approver_a):
            assert getattr(client_for(user), method)(url, data or {}).status_code == 403, (url, user)
        assert getattr(client_for(w.secretariat), method)(url, data or {}).status_code in (200, 302), url
    for method, url, data in team_views:
        for user in (w.secretariat, w.officer_c, w.approver_c, w.outsider, stranger_member):
            payload = {"file": _file(), "doc_number": "1/BC", "doc_date": "2024-11-01", "issuer": "X"} \
                if data is None else data
            assert getattr(client_for(user), method)(url, payload).status_code == 403, (url, user)
        payload = {"file": _file(), "doc_number": "21/BC-UBND", "doc_date": timezone.localdate().isoformat(),
                   "issuer": "UBND xã Bình Thành"} if data is None else data
        assert getattr(client_for(w.team), method)(url, payload).status_code in (200, 302), url
    for method, url, data in team_views_on_the_unit:  # a member who works in the commune does not enter it
        payload = {} if data is None else data
        assert getattr(client_for(w.local_member_user), method)(url, payload).status_code == 403, url
    assert client_for(w.team).post(reverse("appraisal:paper_send", args=args_sub)).status_code == 400  # incomplete
    assert Entry.objects.get(submission=w.sub_c, node=node).evidence.count() == 1
    home = client_for(w.team).get(reverse("appraisal:home")).content.decode()
    assert reverse("appraisal:paper_queue", args=args_period) in home


def make_other_period_member(w, user):
    """A council seat of another period of the same authority."""
    from submissions.models import Period

    other = Period.objects.create(authority=w.authority, code="tn-khac", name="Kỳ khác", year=2023,
                                  opens_at=w.period.opens_at, closes_at=w.period.closes_at)
    return appraisal_services.member_add(period=other, user=user, agency="Phòng Nội vụ")
