"""Review, print and send: completeness, proposed grade, immutability, reports."""

import io
import subprocess
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from criteria.models import Node
from submissions import services
from submissions.models import Entry, Submission
from tests.factories import attach_evidence, leaf
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db


def fill(world, *, skip=(), explain=True, evidence=True):
    """Score every self-scored leaf of unit A at full marks, with an explanation citing the evidence and
    the evidence itself (Điều 8.2.b: both)."""
    leaves = [n for n in Node.objects.filter(framework=world.sub_a.framework).order_by("ordering")
              if n.rule and n.rule["kind"] != "survey" and n.code not in skip]
    for node in leaves:
        services.entry_save(submission=world.sub_a, node=node, actor=world.officer_a, version=0,
                            value=str(node.max_points), explanation="Tại Mục 1 Báo cáo 9/BC-SXD" if explain else "")
        if evidence:
            attach_evidence(world.sub_a, node, world.officer_a)
    return leaves


def test_send_is_refused_while_criteria_miss_scores_or_support(world, client_for):
    fill(world, skip=("2.1",))
    client = client_for(world.approver_a)
    response = client.post(reverse("submissions:review", args=[world.sub_a.pk]), {"proposed_grade": "HTTNV"},
                           follow=True)
    assert "Chưa chấm điểm 1 tiêu chí: 2.1." in response.content.decode()
    world.sub_a.refresh_from_db()
    assert world.sub_a.status == "draft"


def test_a_criterion_without_evidence_or_explanation_blocks_sending(world):
    fill(world, explain=False)
    from submissions.selectors import submission_completeness

    report = submission_completeness(world.sub_a)
    assert report.missing_support and report.blocking[0].startswith(f"{len(report.missing_support)} tiêu chí")


def test_explanation_without_citation_only_warns(world):
    fill(world)
    node = leaf(world.sub_a, "2.1")
    entry = Entry.objects.get(submission=world.sub_a, node=node)
    services.entry_save(submission=world.sub_a, node=node, actor=world.officer_a, version=entry.version,
                        explanation="Đã làm đầy đủ")
    services.evidence_add(submission=world.sub_a, node=node, actor=world.officer_a,
                          upload=services.Upload("a.pdf", tiny_pdf()), doc_number="9/BC-SXD",
                          doc_date=date(2024, 11, 1), issuer="Sở Xây dựng")
    from submissions.selectors import submission_completeness

    report = submission_completeness(world.sub_a)
    assert not report.blocking
    assert any("chưa nêu rõ Mục, Khoản, Điểm" in w and "2.1" in w for w in report.warnings)


def test_review_page_suggests_a_grade_and_the_approver_sends(world, client_for):
    fill(world)
    client = client_for(world.approver_a)
    page = client.get(reverse("submissions:review", args=[world.sub_a.pk])).content.decode()
    assert "Đủ điều kiện gửi" in page and "Tổng điểm tự chấm" in page
    assert "Hoàn thành xuất sắc nhiệm vụ" in page  # full marks + assumed section I
    response = client.post(reverse("submissions:review", args=[world.sub_a.pk]), {
        "proposed_grade": "HTXSNV", "endorsed_on": timezone.localdate().isoformat(), "step": "send"})
    assert response.status_code == 302
    sub = Submission.objects.get(pk=world.sub_a.pk)
    assert sub.status == "sent" and sub.sent_by == world.approver_a and sub.proposed_grade == "HTXSNV"
    assert sub.self_total == 80 and abs(sub.sent_at - timezone.now()) < timedelta(minutes=1)


def test_a_sent_submission_is_immutable(world):
    fill(world)
    services.submission_send(submission=world.sub_a, actor=world.approver_a, proposed_grade="HTTNV",
                                 endorsed_on=timezone.localdate())
    node = leaf(world.sub_a, "2.1")
    entry = Entry.objects.get(submission=world.sub_a, node=node)
    with pytest.raises(Exception, match="đã được gửi"):
        services.entry_save(submission=world.sub_a, node=node, actor=world.officer_a, version=entry.version,
                            value="0")
    with pytest.raises(Exception, match="trạng thái “Đã gửi”"):
        services.submission_send(submission=world.sub_a, actor=world.approver_a, proposed_grade="HTTNV",
                                 endorsed_on=timezone.localdate())
    assert Entry.objects.get(pk=entry.pk).points == node.max_points


def test_send_after_the_deadline_is_refused(world):
    fill(world)
    with pytest.raises(Exception, match="Đã hết hạn gửi báo cáo"):
        services.submission_send(submission=world.sub_a, actor=world.approver_a, proposed_grade="HTTNV",
                                 endorsed_on=timezone.localdate(), now=world.period.closes_at)


def test_score_sheet_pdf_renders_in_vietnamese_with_page_numbers(world, client_for, tmp_path):
    fill(world)
    response = client_for(world.officer_a).get(reverse("submissions:print_pdf", args=[world.sub_a.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.content)
    try:
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Quy chế thực hiện quản lý tài chính, tài sản công" in text
    assert "Trang 1/" in text
    assert "Liberation" in fonts and " yes " in fonts  # embedded


def test_summary_workbook(world, client_for):
    fill(world)
    response = client_for(world.approver_a).get(reverse("submissions:summary_xlsx", args=[world.sub_a.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][:4] == ("STT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Điểm tối đa", "Điểm tự chấm")
    assert rows[-1][1] == "TỔNG CỘNG" and rows[-1][3] == 80


def test_self_assessment_report_in_the_seed_004_layout(world, client_for, tmp_path):
    fill(world)
    url = reverse("submissions:self_report", args=[world.sub_a.pk])
    client = client_for(world.approver_a)
    response = client.post(url, {"number": "125/BC-SXD", "place": "Thái Nguyên",
                                 "situation": "Sở đã ban hành Kế hoạch số 30/KH-SXD.",
                                 "shortcomings": "Một số tài liệu chưa ký số.", "causes": "Thiếu chữ ký số.",
                                 "proposals": "Đề nghị tập huấn.", "recipients": "UBND tỉnh;\nLưu: VT.",
                                 "signer_title": "Giám đốc", "signer_name": "Nguyễn Văn B"})
    assert response.status_code == 302
    assert "không đúng quy định" in client.post(url, {"number": "không số"}, follow=True).content.decode()
    pdf = client.get(reverse("submissions:self_report_pdf", args=[world.sub_a.pk]))
    assert pdf.status_code == 200
    path = tmp_path / "bc.pdf"
    path.write_bytes(pdf.content)
    try:
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("poppler-utils is not installed")
    for expected in ("Số: 125/BC-SXD", "BÁO CÁO", "I. TÌNH HÌNH TRIỂN KHAI", "II. KẾT QUẢ THỰC HIỆN",
                     "III. KIẾN NGHỊ, ĐỀ XUẤT", "Công tác tiếp công dân", "Kế hoạch số 30/KH-SXD", "GIÁM ĐỐC"):
        assert expected in text, expected
    # Another unit cannot read it.
    assert client_for(world.officer_b).get(url).status_code == 404
    assert client_for(world.officer_b).get(reverse("submissions:self_report_pdf",
                                                   args=[world.sub_a.pk])).status_code == 404
