"""The main flow in real Chromium: an officer scores criteria of three rule kinds and uploads evidence,
the approver prints and sends; after the deadline a save is refused."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from submissions.models import Entry, Evidence, Period, Submission
from tests.browser.helpers import login as login_as
from tests.factories import attach_evidence, leaf, make_world, mini_framework
from tests.submissions.helpers import tiny_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def flow_world(transactional_db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_frameworks", verbosity=0)
    mini_framework()
    return make_world(framework_code="thu-nghiem")


def login(browser, live_server, username):
    return login_as(browser, live_server, username, accept_downloads=True)


def save(page, anchor):
    page.locator(f"{anchor} button:has-text('Lưu')").click()
    page.locator(f"{anchor} [role=status]").wait_for()


def test_officer_scores_uploads_approver_prints_and_sends_then_deadline(browser, live_server, flow_world,
                                                                        artifacts, tmp_path):
    w = flow_world
    officer = login(browser, live_server, "officer.a")
    officer.click("text=Báo cáo của đơn vị")
    officer.click("text=Mở")
    officer.wait_for_selector("#n-1-2")

    # Levels: choose an outcome.
    officer.check("#n-1-2 input[type=radio][value='0']")
    officer.fill("#n-1-2 textarea[name=explanation]", "Tại Mục 1 Kế hoạch số 30/KH-SXD")
    save(officer, "#n-1-2")
    assert "2" in officer.inner_text("#n-1-2 [data-score]")

    # Percent above a threshold: enter the percentage, see the computed score and why.
    officer.fill("#n-1-3 input[name=value]", "87,5")
    officer.fill("#n-1-3 textarea[name=explanation]", "Đạt 87,5 % kế hoạch, tại Mục 2 Báo cáo số 31/BC-SXD")
    save(officer, "#n-1-3")
    assert officer.inner_text("#n-1-3 [data-score]") == "1,75"
    assert "87,5 × 2 / 100 = 1,75" in officer.inner_text("#n-1-3")

    # Manual: a number with a decimal comma; above the maximum is refused.
    officer.fill("#n-1-4 input[name=value]", "2,5")
    officer.locator("#n-1-4 button:has-text('Lưu')").click()
    officer.locator("#n-1-4 [role=alert]").wait_for()
    assert "vượt quá điểm tối đa 2" in officer.inner_text("#n-1-4 [role=alert]")
    officer.fill("#n-1-4 input[name=value]", "1,5")
    officer.fill("#n-1-4 textarea[name=explanation]", "Tại Điểm a Khoản 1 Báo cáo số 32/BC-SXD")
    save(officer, "#n-1-4")
    assert officer.inner_text("#n-1-4 [data-score]") == "1,5"

    # Evidence on 1.3.
    pdf = tmp_path / "Bao-cao-31-BC-SXD.pdf"
    pdf.write_bytes(tiny_pdf())
    officer.click("#n-1-3 summary:has-text('Tải lên tài liệu')")
    officer.set_input_files("#n-1-3 input[type=file]", str(pdf))
    officer.fill("#n-1-3 input[name=doc_number]", "31/BC-SXD")
    officer.fill("#n-1-3 input[name=doc_date]", "15/11/2024")
    officer.fill("#n-1-3 input[name=issuer]", "Sở Xây dựng")
    officer.click("#n-1-3 button:has-text('Tải lên')")
    officer.locator("#n-1-3 a:has-text('Bao-cao-31-BC-SXD.pdf')").wait_for()
    assert "Đã chấm: 3/3" in officer.inner_text("#progress")  # updated out of band by every save
    officer.screenshot(path=str(artifacts / "score-page.png"), full_page=True)
    assert Evidence.objects.filter(entry__submission=w.sub_a).count() == 1
    assert Entry.objects.filter(submission=w.sub_a, points__isnull=False).count() == 3
    # Điều 8.2.b: 1.2 and 1.4 need evidence too; theirs comes through the ORM (the upload above is the page's).
    for code, number in (("1.2", "30/KH-SXD"), ("1.4", "32/BC-SXD")):
        attach_evidence(w.sub_a, leaf(w.sub_a, code), w.officer_a, number=number)

    # The approver reviews, prints and sends.
    approver = login(browser, live_server, "approver.a")
    approver.goto(f"{live_server.url}/don-vi/bao-cao/{w.sub_a.pk}/ra-soat/")
    assert "Đủ điều kiện gửi" in approver.inner_text("main")
    with approver.expect_download() as download:
        approver.click("text=In biểu chấm điểm (PDF)")
    printed = tmp_path / "sheet.pdf"
    download.value.save_as(printed)
    assert printed.read_bytes().startswith(b"%PDF")
    assert approver.locator("select[name=proposed_grade]").input_value() == ""  # no grade chosen for the approver
    approver.select_option("select[name=proposed_grade]", "HTTNV")
    approver.fill("input[name=endorsed_on]", timezone.localdate().strftime("%d/%m/%Y"))
    approver.click("button:has-text('Gửi đi')")
    approver.locator("h1:has-text('Xác nhận gửi báo cáo')").wait_for()  # the confirmation page, nothing sent
    approver.screenshot(path=str(artifacts / "send-confirm.png"), full_page=True)
    assert Submission.objects.get(pk=w.sub_a.pk).status == "draft"
    approver.click("button:has-text('Xác nhận gửi')")
    approver.locator(".alert-success:has-text('Đã gửi')").first.wait_for()
    approver.screenshot(path=str(artifacts / "review-sent.png"), full_page=True)
    assert Submission.objects.get(pk=w.sub_a.pk).status == "sent"

    # After the deadline a save of unit B is refused on the server, with the deadline stated.
    officer_b = login(browser, live_server, "officer.b")
    officer_b.goto(f"{live_server.url}/don-vi/bao-cao/{w.sub_b.pk}/")
    Period.objects.filter(pk=w.period.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    officer_b.fill("#n-1-4 input[name=value]", "1")
    officer_b.locator("#n-1-4 button:has-text('Lưu')").click()
    officer_b.locator("#n-1-4 [role=alert]").wait_for()
    assert "Đã hết hạn gửi báo cáo lúc" in officer_b.inner_text("#n-1-4 [role=alert]")
    assert not Entry.objects.filter(submission=w.sub_b, points__isnull=False).exists()
