"""Nothing typed is lost (#14 item 1), in real Chromium: a score above the maximum is stopped in the browser and
refused by the server with the explanation kept; a conflict shows "Bản của bạn" beside "Bản đã lưu" and "Giữ bản
của tôi" saves mine; a refused council comment stays; an unsaved explanation is offered back after a reload; a
refused supplementation request keeps its text, whose draft is no longer offered once the request is sent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from appraisal.models import Appraisal, SupplementRequest
from submissions import services
from submissions.models import Entry, Evidence
from tests.browser.helpers import login, make_council_world, open_member_report
from tests.factories import leaf, make_world, mini_framework
from tests.submissions.helpers import tiny_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPLANATION = "Tại Điểm a Khoản 1 Báo cáo số 32/BC-SXD: đã hoàn thành 12/12 nhiệm vụ."


@pytest.fixture
def officer_world(transactional_db):
    call_command("load_frameworks", verbosity=0)
    mini_framework()
    return make_world(framework_code="thu-nghiem")


def open_sheet(browser, live_server, username="officer.a"):
    page = login(browser, live_server, username)
    page.click("text=Báo cáo của đơn vị")
    page.click("text=Mở")
    page.wait_for_selector("#n-1-4")
    return page


def test_score_above_maximum_keeps_the_typed_explanation(browser, live_server, officer_world):
    page = open_sheet(browser, live_server)
    page.fill("#n-1-4 input[name=value]", "2,5")
    page.fill("#n-1-4 textarea[name=explanation]", EXPLANATION)
    page.locator("#n-1-4 button:has-text('Lưu')").click()
    # Stopped in the browser: said next to the form, nothing sent.
    page.locator("#n-1-4 [data-client-check]").wait_for()
    assert "vượt quá điểm tối đa 2" in page.inner_text("#n-1-4 [role=alert]")
    assert not Entry.objects.filter(node=leaf(officer_world.sub_a, "1.4"), points__isnull=False).exists()
    # The server still decides: without the browser's check, it refuses and the page keeps what was typed.
    page.evaluate("""() => { const i = document.querySelector('#n-1-4 input[name=value]');
                             i.removeAttribute('data-max'); i.setCustomValidity(''); }""")
    with page.expect_response(lambda r: "/luu/" in r.url and r.status == 400):
        page.locator("#n-1-4 button:has-text('Lưu')").click()
    page.locator("#n-1-4 form[data-unsaved]").wait_for()
    assert "vượt quá điểm tối đa 2" in page.inner_text("#n-1-4 [role=alert]")
    assert page.input_value("#n-1-4 input[name=value]") == "2,5"
    assert page.input_value("#n-1-4 textarea[name=explanation]") == EXPLANATION
    assert page.locator("#n-1-4 .is-invalid").count() == 1
    # A right score saves, and the page no longer warns.
    page.fill("#n-1-4 input[name=value]", "1,5")
    page.locator("#n-1-4 button:has-text('Lưu')").click()
    page.locator("#n-1-4 [role=status]").wait_for()
    entry = Entry.objects.get(node=leaf(officer_world.sub_a, "1.4"))
    assert entry.points == Decimal("1.5") and entry.explanation == EXPLANATION
    assert page.evaluate("() => !!document.querySelector('form[data-dirty], form[data-unsaved]')") is False


def test_refused_upload_keeps_the_number_date_and_issuer(browser, live_server, officer_world, tmp_path):
    page = open_sheet(browser, live_server)
    card = "#n-1-4"
    fake = tmp_path / "bao-cao.pdf"
    fake.write_text("Đây không phải tệp PDF, chỉ mang đuôi .pdf")
    page.click(f"{card} summary:has-text('Tải lên tài liệu')")
    page.set_input_files(f"{card} input[name=file]", str(fake))
    typed = {"doc_number": "32/BC-SXD", "doc_date": "05/12/2024", "issuer": "Sở Xây dựng"}
    for name, value in typed.items():
        page.fill(f"{card} input[name={name}]", value)
    with page.expect_response(lambda r: "/tai-lieu/" in r.url and r.status == 400):
        page.click(f"{card} button:has-text('Tải lên')")
    page.locator(f"{card} [role=alert]").wait_for()
    for name, value in typed.items():
        assert page.input_value(f"{card} input[name={name}]") == value
    assert page.eval_on_selector_all(f"{card} .is-invalid", "els => els.map(e => e.name)") == ["file"]
    assert not Evidence.objects.exists()
    # The right file with the same fields is taken.
    real = tmp_path / "bao-cao-that.pdf"
    real.write_bytes(tiny_pdf())
    page.set_input_files(f"{card} input[name=file]", str(real))
    page.click(f"{card} button:has-text('Tải lên')")
    page.locator(f"{card} [role=status]").wait_for()
    assert "Đã tải lên" in page.inner_text(f"{card} [role=status]")
    assert Evidence.objects.get().doc_number == "32/BC-SXD"


def test_conflict_shows_both_versions_and_keep_mine_saves_mine(browser, live_server, officer_world):
    w = officer_world
    page = open_sheet(browser, live_server)
    node = leaf(w.sub_a, "1.4")
    # Meanwhile the approver saves the same criterion.
    services.entry_save(submission=w.sub_a, node=node, actor=w.approver_a, version=0, value="1",
                        explanation="Bản của người duyệt")
    page.fill("#n-1-4 input[name=value]", "2")
    page.fill("#n-1-4 textarea[name=explanation]", EXPLANATION)
    page.locator("#n-1-4 button:has-text('Lưu')").click()
    page.locator("#n-1-4 [data-conflict]").wait_for()
    mine = page.inner_text("#n-1-4 [data-conflict-mine]")
    saved = page.inner_text("#n-1-4 [data-conflict-saved]")
    assert "Bản của bạn" in mine and EXPLANATION in mine
    assert "Bản đã lưu" in saved and "1 điểm" in saved and "Bản của người duyệt" in saved
    assert Entry.objects.get(node=node).explanation == "Bản của người duyệt"
    page.click("#n-1-4 button:has-text('Giữ bản của tôi')")
    page.locator("#n-1-4 [role=status]").wait_for()
    entry = Entry.objects.get(node=node)
    assert entry.points == 2 and entry.explanation == EXPLANATION
    assert page.input_value("#n-1-4 textarea[name=explanation]") == EXPLANATION


def test_unsaved_explanation_warns_and_is_offered_back_after_a_reload(browser, live_server, officer_world):
    page = open_sheet(browser, live_server)
    page.click("#n-1-4 textarea[name=explanation]")
    page.keyboard.type(EXPLANATION)
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", on_dialog)
    page.reload()
    page.wait_for_selector("#n-1-4 [data-draft-offer]")
    assert dialogs == ["beforeunload"]  # the warning before leaving with unsaved text
    assert "Khôi phục bản nháp chưa lưu?" in page.inner_text("#n-1-4 [data-draft-offer]")
    assert page.input_value("#n-1-4 textarea[name=explanation]") == ""
    page.click("#n-1-4 [data-draft-offer] button:has-text('Khôi phục')")
    assert page.input_value("#n-1-4 textarea[name=explanation]") == EXPLANATION
    page.fill("#n-1-4 input[name=value]", "1")
    page.locator("#n-1-4 button:has-text('Lưu')").click()
    page.locator("#n-1-4 [role=status]").wait_for()
    assert Entry.objects.get(node=leaf(officer_world.sub_a, "1.4")).explanation == EXPLANATION
    page.reload()  # saved: no warning, no draft offered
    page.wait_for_selector("#n-1-4")
    assert page.locator("[data-draft-offer]").count() == 0 and dialogs == ["beforeunload"]


@pytest.fixture
def council_world(transactional_db):
    return make_council_world()


def test_council_comment_refused_keeps_the_comment(browser, live_server, council_world):
    w = council_world
    node = leaf(w.sub_a, "3.2")
    page = open_member_report(browser, live_server, w)
    card = f"#a-{node.pk}"
    page.wait_for_selector(card)
    comment = "Quy chế chưa công khai trên cổng thông tin; thiếu báo cáo quý IV."
    page.evaluate(f"""() => {{ const i = document.querySelector('{card} input[name=value]');
                              i.removeAttribute('data-max'); i.setCustomValidity(''); }}""")
    page.fill(f"{card} input[name=value]", "5")
    page.fill(f"{card} textarea[name=comment]", comment)
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 400):
        page.click(f"{card} button:has-text('Lưu điểm thẩm định')")
    page.locator(f"{card} [role=alert]").wait_for()
    assert "vượt quá điểm tối đa" in page.inner_text(f"{card} [role=alert]")
    assert page.input_value(f"{card} textarea[name=comment]") == comment
    assert page.input_value(f"{card} input[name=value]") == "5"
    page.fill(f"{card} input[name=value]", "3")
    page.click(f"{card} button:has-text('Lưu điểm thẩm định')")
    page.locator(f"{card} [role=status]").wait_for()
    assert Appraisal.objects.get(submission=w.sub_a, node=node).comment == comment


def test_refused_supplementation_request_keeps_the_text_and_its_draft_goes_once_sent(browser, live_server,
                                                                                     council_world):
    w = council_world
    node = leaf(w.sub_a, "3.2")
    page = open_member_report(browser, live_server, w)
    message = "Bổ sung Quyết định ban hành quy chế chi tiêu nội bộ năm 2024 và báo cáo quý IV."
    deadline = (timezone.localtime() + timedelta(days=3)).strftime("%d/%m/%Y %H:%M")
    page.click("#bo-sung textarea[name=message]")
    page.keyboard.type(message)
    page.fill("#bo-sung input[name=closes_at]", deadline)
    # No criterion ticked: refused by the server, the page comes back with what was typed.
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 400):
        page.click("#bo-sung button[type=submit]")
    page.wait_for_selector("#sup-nodes-err")
    assert "Hãy chọn ít nhất một tiêu chí" in page.inner_text("#sup-nodes-err")
    assert page.input_value("#bo-sung textarea[name=message]") == message
    assert page.input_value("#bo-sung input[name=closes_at]") == deadline
    marked = page.eval_on_selector_all("#bo-sung .is-invalid", "els => [...new Set(els.map(e => e.name))]")
    assert marked == ["nodes"]
    assert page.locator("[data-draft-offer]").count() == 0  # the box already holds the draft: nothing to offer
    assert not SupplementRequest.objects.exists()
    # One more sentence (kept as a local draft), ticked and sent: recorded, and the draft, now shown as sent,
    # is not offered back on the next visit.
    page.click("#bo-sung textarea[name=message]")
    page.keyboard.press("End")
    page.keyboard.type(" Gửi bản chụp có dấu.")
    key = f"draft:u{w.stc.pk}:supplement:{w.member.pk}:{w.sub_a.pk}"
    assert page.evaluate(f"() => localStorage.getItem('{key}')") == message + " Gửi bản chụp có dấu."
    page.check(f"#bo-sung input[name=nodes][value='{node.pk}']")
    page.click("#bo-sung button[type=submit]")
    page.wait_for_selector("[data-draft-done]")
    sent = SupplementRequest.objects.get()
    assert sent.message == message + " Gửi bản chụp có dấu." and list(sent.window.nodes.all()) == [node]
    assert page.evaluate(f"() => localStorage.getItem('{key}')") is None
    page.reload()
    page.wait_for_selector("#bo-sung")
    assert page.locator("[data-draft-offer]").count() == 0
    assert page.input_value("#bo-sung textarea[name=message]") == ""
