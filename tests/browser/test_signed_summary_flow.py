"""The signed-summary path in real Chromium (issue #13 item 1; seed 001 Bước 4): in a period that requires it,
the approver downloads the summary table (PDF) from the review page, the test signs the bytes with a
certificate of the test PKI (as the unit's own signing tool would, outside the software), the approver
uploads the signed file and sends; a council member then sees who signed, with which certificate."""

import functools

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from appraisal import services as appraisal_services
from criteria.models import Node
from submissions import services
from submissions.models import SignedSummary, Submission
from submissions.signatures import run_sync
from tests.browser.helpers import login as login_as
from tests.factories import UserFactory, attach_evidence, make_world, mini_framework
from tests.submissions.pki import SIGNER_NAME, signed_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def flow_world(transactional_db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_frameworks", verbosity=0)
    mini_framework()
    w = make_world(framework_code="thu-nghiem")
    w.period.settings = {**w.period.settings, "signed_summary_required": True}
    w.period.save()
    for node in Node.objects.filter(framework=w.sub_a.framework).order_by("ordering"):
        if node.rule and node.rule["kind"] != "survey":
            value = "0" if node.rule["kind"] == "levels" else str(node.max_points)
            services.entry_save(submission=w.sub_a, node=node, actor=w.officer_a, version=0, value=value,
                                explanation=f"Tại Mục 1 Báo cáo số {node.pk}/BC-SXD")
            attach_evidence(w.sub_a, node, w.officer_a)
    w.member = appraisal_services.member_add(
        period=w.period, user=UserFactory(username="stc.thamdinh", full_name="Nguyễn Thu Hà"), agency="Sở Tài chính")
    return w


def test_approver_downloads_signs_uploads_and_sends(browser, live_server, flow_world, artifacts, tmp_path):
    w = flow_world
    approver = login_as(browser, live_server, "approver.a", accept_downloads=True)
    approver.goto(f"{live_server.url}{reverse('submissions:review', args=[w.sub_a.pk])}")
    panel = approver.locator("#bang-tong-hop-ky-so")
    assert "bắt buộc trước khi gửi" in panel.inner_text()

    # Without the signed summary the confirmation lists it among the missing items.
    approver.select_option("select[name=proposed_grade]", "HTTNV")
    approver.fill("input[name=endorsed_on]", timezone.localdate().isoformat())
    approver.click("button:has-text('Gửi đi')")
    approver.locator("h1:has-text('Xác nhận gửi báo cáo')").wait_for()
    assert "Chưa có Bảng tổng hợp đã ký số khớp với báo cáo hiện tại" in approver.inner_text("[role=alert]")
    assert approver.locator("button:has-text('Xác nhận gửi')").count() == 0
    approver.click("button:has-text('Quay lại sửa')")

    # Download the summary table, sign it outside the software, upload it back.
    with approver.expect_download() as download:
        approver.click("text=Tải Bảng tổng hợp (PDF) để ký số")
    exported = tmp_path / "bang-tong-hop.pdf"
    download.value.save_as(exported)
    signed = tmp_path / "bang-tong-hop-da-ky.pdf"
    # Playwright's sync API keeps an event loop running in this thread; pyHanko's signer runs in another.
    signed.write_bytes(run_sync(functools.partial(signed_pdf, exported.read_bytes())))
    approver.set_input_files("input[name=signed_summary]", str(signed))
    approver.click("button:has-text('Tải lên bản đã ký')")
    approver.locator("[data-signed-summary]:has-text('Khớp với báo cáo hiện tại.')").wait_for()
    assert SIGNER_NAME in approver.inner_text("#bang-tong-hop-ky-so [data-signer]")
    approver.locator("#bang-tong-hop-ky-so").screenshot(path=str(artifacts / "signed-summary-review.png"))

    # Now it sends.
    approver.select_option("select[name=proposed_grade]", "HTTNV")
    approver.fill("input[name=endorsed_on]", timezone.localdate().isoformat())
    approver.click("button:has-text('Gửi đi')")
    approver.locator("h1:has-text('Xác nhận gửi báo cáo')").wait_for()
    approver.click("button:has-text('Xác nhận gửi')")
    approver.locator(".alert-success:has-text('Đã gửi')").first.wait_for()
    assert Submission.objects.get(pk=w.sub_a.pk).status == "sent"
    summary = SignedSummary.objects.get(submission=w.sub_a)
    assert summary.signer_name == SIGNER_NAME

    # The council sees who signed and with which certificate.
    member = login_as(browser, live_server, "stc.thamdinh")
    member.goto(f"{live_server.url}{reverse('appraisal:unit_page', args=[w.member.pk, w.sub_a.pk])}")
    card = member.locator("#bang-tong-hop-ky-so")
    card.wait_for()
    text = card.inner_text()
    assert SIGNER_NAME in text and "CA gốc thử nghiệm" in text and summary.serial in text
    card.screenshot(path=str(artifacts / "signed-summary-council.png"))
