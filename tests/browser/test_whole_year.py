"""A whole year in real Chromium, through the pages only: officers of three units score and upload evidence,
approvers send; after the deadline two council members (Sở Nội vụ, Sở Tài chính, seated by the secretariat)
appraise every criterion and open the evidence, one asks for supplementation and the unit answers; a leader
fills the forms of section I and the secretariat enters paper tallies; the secretariat releases, is refused
closing (missing criterion and section I, then an unconfirmed quality level) and closes; the ranking is
computed, the chair orders the tie at the cap, the secretariat submits, the chairman approves; the public
page shows it; a unit's facts change, the chairman revokes and approves the re-ranked version.

The one step not taken in a page is the deadline passing (``pass_deadline``). Screenshots go to
``test-artifacts/whole-year/``."""

import io
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from appraisal.models import AppraisalRound, CouncilMember, QualityLevel, SupplementRequest
from criteria.models import Node
from ranking.models import RankingVersion, UnitFacts
from submissions import services as submission_services
from submissions.models import Evidence, Role, StateChange, Submission, Unit, User
from tests.browser.helpers import login
from tests.factories import UserFactory, attach_evidence, make_world, pass_deadline
from tests.submissions.helpers import tiny_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRAMEWORK = "nam-tron-ven"
NOI_VU, TAI_CHINH = "Sở Nội vụ", "Sở Tài chính"
XD, YT, TP = "Sở Xây dựng", "Sở Y tế", "Sở Tư pháp"


def year_framework():
    """100 points, few criteria: section I by survey (leaders), section II appraised by Sở Nội vụ, section III
    (content group ND2, the results of the year) by Sở Tài chính; one criterion of each rule kind."""
    from criteria.services import FrameworkMeta, framework_save
    from criteria.tree import NodeSpec

    meta = FrameworkMeta(code=FRAMEWORK, name="Bộ tiêu chí thử nghiệm cả năm", authority_code="tinh-thai-nguyen",
                         authority_name="UBND tỉnh Thái Nguyên", authority_level="tinh", year=2024,
                         target_group="Sở, ban, ngành", issuing_decision="Thử nghiệm", total_points=100,
                         results_group="ND2")
    levels = {"kind": "levels", "levels": [{"label": "Ban hành đầy đủ, đúng hạn", "points": "10"},
                                           {"label": "Ban hành chậm", "points": "5"},
                                           {"label": "Không ban hành", "points": "0"}]}
    specs = [
        NodeSpec("ND1", None, "content", "XÂY DỰNG VÀ TỔ CHỨC THỰC HIỆN", "40"),
        NodeSpec("I", "ND1", "section", "Năng lực lãnh đạo, quản lý", "20"),
        NodeSpec("1.1", "I", "criterion", "Đổi mới, sáng tạo trong chỉ đạo, điều hành", "10", rule={"kind": "survey"}),
        NodeSpec("1.2", "I", "criterion", "Tinh thần trách nhiệm của người đứng đầu", "10", rule={"kind": "survey"}),
        NodeSpec("II", "ND1", "section", "Tổ chức bộ máy, cán bộ", "20"),
        NodeSpec("2.1", "II", "criterion", "Sắp xếp tổ chức bộ máy", "10", appraising_agency=NOI_VU,
                 rule={"kind": "manual"}),
        NodeSpec("2.2", "II", "criterion", "Ban hành quy chế làm việc", "10", appraising_agency=NOI_VU, rule=levels),
        NodeSpec("ND2", None, "content", "KẾT QUẢ THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO", "60"),
        NodeSpec("III", "ND2", "section", "Tài chính, ngân sách", "60"),
        NodeSpec("3.1", "III", "criterion", "Giải ngân vốn đầu tư công", "30", appraising_agency=TAI_CHINH,
                 rule={"kind": "percent", "threshold": "80", "measure": "Tỷ lệ % giải ngân"}),
        NodeSpec("3.2", "III", "criterion", "Thực hiện dự toán ngân sách", "30", appraising_agency=TAI_CHINH,
                 rule={"kind": "manual"}),
    ]
    return framework_save(meta=meta, specs=specs)[0]


@pytest.fixture
def year(transactional_db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    year_framework()
    w = make_world(framework_code=FRAMEWORK)
    w.unit_c = Unit.objects.create(authority=w.authority, block=w.block, code="so-tu-phap", name=TP)
    w.sub_c = submission_services.submission_get_or_create(period=w.period, unit=w.unit_c)
    for username, kind in (("officer.c", Role.OFFICER), ("approver.c", Role.APPROVER)):
        Role.objects.create(user=UserFactory(username=username, full_name=username.replace(".", " ").title()),
                            kind=kind, unit=w.unit_c)
    # Accounts only: their council seats are given in the council page by the secretariat.
    w.noivu = UserFactory(username="tv.noivu", full_name="Trần Minh Đức (Sở Nội vụ)")
    w.taichinh = UserFactory(username="tv.taichinh", full_name="Nguyễn Thu Hà (Sở Tài chính)")
    for username, name, kind in (("lanhdao", "Phó Chủ tịch UBND tỉnh", Role.LEADER),
                                 ("ct.hoidong", "Chủ tịch Hội đồng thẩm định", Role.CHAIR),
                                 ("ct.ubnd", "Chủ tịch UBND tỉnh", Role.CHAIRMAN)):
        Role.objects.create(user=UserFactory(username=username, full_name=name), kind=kind, authority=w.authority)
    w.nodes = {n.code: n for n in Node.objects.filter(framework__code=FRAMEWORK)}
    return w


# --------------------------------------------------------------------------- helpers


def nav(page, label):
    with page.expect_navigation():
        page.locator("nav .nav-link", has_text=label).first.click()


def click_and_wait(page, locator):
    """Click something that submits or follows a link, and wait for the next page to load."""
    with page.expect_navigation():
        (page.locator(locator) if isinstance(locator, str) else locator).click()


def alert_success(page, text):
    page.locator(".alert-success", has_text=text).first.wait_for()


def save_leaf(page, anchor, value=None, explanation=""):
    """Officer: score one leaf of the score page (htmx) and wait for "Đã lưu."."""
    if value is not None:
        if page.locator(f"{anchor} input[type=radio]").count():
            page.check(f"{anchor} input[type=radio][value='{value}']")
        else:
            page.fill(f"{anchor} input[name=value]", value)
    if explanation:
        page.fill(f"{anchor} textarea[name=explanation]", explanation)
    with page.expect_response(lambda r: r.url.endswith("/luu/") and r.request.method == "POST") as response:
        page.locator(f"{anchor} button:has-text('Lưu')").click()
    assert response.value.status == 200, page.inner_text(anchor)
    page.locator(f"{anchor} [role=status]").wait_for()


def upload(page, anchor, path, number, issuer):
    page.click(f"{anchor} summary:has-text('Tải lên tài liệu')")
    page.set_input_files(f"{anchor} input[type=file]", str(path))
    page.fill(f"{anchor} input[name=doc_number]", number)
    page.fill(f"{anchor} input[name=doc_date]", "15/11/2024")
    page.fill(f"{anchor} input[name=issuer]", issuer)
    with page.expect_response(lambda r: r.url.endswith("/tai-lieu/") and r.request.method == "POST") as response:
        page.click(f"{anchor} button:has-text('Tải lên')")
    assert response.value.status == 200, page.inner_text(anchor)
    page.locator(f"{anchor} a:has-text('{path.name}')").wait_for()


def appraise(page, node, value, comment=""):
    """Council member: save the appraised score of one criterion (htmx) and wait for "Đã lưu."."""
    card = f"#a-{node.pk}"
    if node.rule["kind"] == "levels":
        page.check(f"{card} input[type=radio][value='{value}']")
    else:
        page.fill(f"{card} input[name=value]", value)
    if comment:
        page.fill(f"{card} textarea[name=comment]", comment)
    with page.expect_response(lambda r: f"/tieu-chi/{node.pk}/" in r.url and r.request.method == "POST") as response:
        page.click(f"{card} button:has-text('Lưu điểm thẩm định')")
    assert response.value.status == 200, page.inner_text(card)
    page.locator(f"{card} [role=status]").wait_for()


def open_unit(page, unit_name):
    """From a member's queue (or after a redirect to it), the unit's appraisal page."""
    click_and_wait(page, page.locator("tr", has_text=unit_name).locator("a", has_text="Thẩm định"))
    page.locator("h1", has_text=unit_name).wait_for()


def wait_painted(page, frame, timeout=10.0):
    """Chromium's PDF viewer paints the page some time after the frame's load event and no DOM event says
    when: poll the frame's pixels until a white page shows (at most ``timeout`` s; only the screenshot
    depends on it)."""
    from PIL import Image  # weasyprint's dependency

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        histogram = Image.open(io.BytesIO(frame.screenshot())).convert("L").histogram()
        if sum(histogram[241:]) > 0.05 * sum(histogram):
            return
        page.wait_for_timeout(200)


def round_status(period) -> str:
    return AppraisalRound.objects.get(period=period).status


# --------------------------------------------------------------------------- the year


def test_whole_year_from_opening_to_publication_and_revocation(browser, live_server, year, artifacts, tmp_path):
    w = year
    url = live_server.url
    folder = artifacts / "whole-year"
    folder.mkdir(exist_ok=True)
    counter = iter(range(1, 100))

    def shot(page, name):
        page.screenshot(path=str(folder / f"{next(counter):02d}-{name}.png"), full_page=True)

    n = w.nodes
    today = timezone.localdate()
    subs = {XD: w.sub_a, YT: w.sub_b, TP: w.sub_c}

    # ------------------------------------------------------------------ 1. officers score and upload evidence
    evidence = {  # unit → (criterion, file name, document number, issuer)
        XD: ("3.1", "Bao-cao-giai-ngan-45-BC-SXD.pdf", "45/BC-SXD", XD),
        YT: ("2.1", "To-trinh-sap-xep-12-TTr-SYT.pdf", "12/TTr-SYT", YT),
        TP: ("3.2", "Bao-cao-du-toan-7-BC-STP.pdf", "7/BC-STP", TP),
    }
    for unit, username in ((XD, "officer.a"), (YT, "officer.b"), (TP, "officer.c")):
        officer = login(browser, live_server, username)
        nav(officer, "Báo cáo của đơn vị")
        click_and_wait(officer, officer.locator("tr", has_text=unit).locator("a", has_text="Mở"))
        officer.wait_for_selector("#n-3-2")
        save_leaf(officer, "#n-2-1", "10", "Đã sắp xếp 3 phòng, tại Mục 1 Tờ trình số 12/TTr")
        save_leaf(officer, "#n-2-2", "0", "Quy chế ban hành ngày 15/01/2024, tại Điều 3 Quyết định số 5/QĐ")
        save_leaf(officer, "#n-3-1", "95", "Giải ngân 95 %, tại Mục 2 Báo cáo số 45/BC")
        save_leaf(officer, "#n-3-2", "28", "Thực hiện 93 % dự toán, tại Mục 3 Báo cáo số 7/BC")
        code, name, number, issuer = evidence[unit]
        pdf = tmp_path / name
        pdf.write_bytes(tiny_pdf())
        upload(officer, f"#n-{code.replace('.', '-')}", pdf, number, issuer)
        assert "Đã chấm: 4/4" in officer.inner_text("#progress")
        assert officer.inner_text("#n-3-1 [data-score]") == "28,5"
        if unit == XD:
            shot(officer, "officer-score-page-so-xay-dung")
        officer.context.close()
    for unit, submission in subs.items():
        assert Evidence.objects.filter(entry__submission=submission).count() == 1, unit
    # Điều 8.2.b: every criterion needs evidence as well as its explanation; the other criteria of each sheet
    # get theirs through the ORM (one upload per unit through the page is the browser's part).
    for (unit, submission), username in zip(subs.items(), ("officer.a", "officer.b", "officer.c"), strict=True):
        for node in Node.objects.filter(framework=submission.framework).exclude(rule={}):
            if node.rule.get("kind") != "survey" and node.code != evidence[unit][0]:
                attach_evidence(submission, node, User.objects.get(username=username))

    # ------------------------------------------------------------------ 2. approvers send
    for unit, username, grade in ((XD, "approver.a", "HTXSNV"), (YT, "approver.b", "HTXSNV"),
                                  (TP, "approver.c", "HTTNV")):
        approver = login(browser, live_server, username)
        nav(approver, "Báo cáo của đơn vị")
        click_and_wait(approver, approver.locator("tr", has_text=unit).locator("a", has_text="Rà soát"))
        assert "Đủ điều kiện gửi" in approver.inner_text("main")
        approver.select_option("select[name=proposed_grade]", grade)
        approver.fill("input[name=endorsed_on]", f"{today:%d/%m/%Y}")
        approver.fill("input[name=endorsement_note]", f"Biên bản họp tập thể lãnh đạo ngày {today:%d/%m/%Y}")
        click_and_wait(approver, "button:has-text('Gửi đi')")
        approver.locator("h1", has_text="Xác nhận gửi báo cáo").wait_for()
        assert Submission.objects.get(pk=subs[unit].pk).status == Submission.DRAFT  # nothing sent yet
        if unit == XD:
            shot(approver, "send-confirm-so-xay-dung")
        click_and_wait(approver, "button:has-text('Xác nhận gửi')")
        alert_success(approver, "Đã gửi")
        assert Submission.objects.get(pk=subs[unit].pk).status == Submission.SENT
        if unit == XD:
            shot(approver, "sent-so-xay-dung")
        approver.context.close()

    # ------------------------------------------------------------------ 3. the deadline passes (the one DB step)
    pass_deadline(w.period)

    # The secretariat seats the two council members in the council page.
    secretariat = login(browser, live_server, "secretariat")
    nav(secretariat, "Thẩm định")
    click_and_wait(secretariat, secretariat.locator("a.list-group-item", has_text=w.period.name))
    matrix_url = secretariat.url
    click_and_wait(secretariat, "a.btn:has-text('Hội đồng')")
    uncovered = secretariat.inner_text("main")
    assert f"“{NOI_VU}” chưa có thành viên Hội đồng (tiêu chí 2.1, 2.2)" in uncovered
    assert f"“{TAI_CHINH}” chưa có thành viên Hội đồng (tiêu chí 3.1, 3.2)" in uncovered
    shot(secretariat, "council-agencies-without-member")
    for user, agency in ((w.noivu, NOI_VU), (w.taichinh, TAI_CHINH)):
        secretariat.select_option("select[name=user]", str(user.pk))
        secretariat.select_option("select[name=role]", CouncilMember.MEMBER)
        secretariat.select_option("select[name=agency]", agency)  # the agencies the framework names
        click_and_wait(secretariat, "button:has-text('Thêm')")
        alert_success(secretariat, "Đã thêm thành viên Hội đồng")
    assert "chưa có thành viên Hội đồng" not in secretariat.inner_text("main")
    shot(secretariat, "council-seated")
    seats = {m.agency: m for m in CouncilMember.objects.filter(period=w.period)}
    assert set(seats) == {NOI_VU, TAI_CHINH}

    # ------------------------------------------------------------------ 4. members appraise, open evidence
    noivu = login(browser, live_server, "tv.noivu")
    nav(noivu, "Thẩm định")
    click_and_wait(noivu, noivu.locator("a.list-group-item", has_text=NOI_VU))
    assert "0/6" in noivu.inner_text("main")  # 2 criteria × 3 units
    for unit in (XD, YT, TP):
        noivu.goto(f"{url}/tham-dinh/thanh-vien/{seats[NOI_VU].pk}/")
        open_unit(noivu, unit)
        assert noivu.locator("[id^=a-]").count() == 2  # only Sở Nội vụ's criteria
        if unit == TP:
            appraise(noivu, n["2.1"], "9", "Còn 1 phòng chưa sắp xếp theo Đề án")
        elif unit == YT:  # its only evidence of 2.1 is an unsigned file: the maximum needs a reason (HD Huế)
            appraise(noivu, n["2.1"], "10", "Đã đối chiếu bản gốc có chữ ký, đóng dấu tại Sở Y tế")
        else:
            appraise(noivu, n["2.1"], "10")
        appraise(noivu, n["2.2"], "0")
        if unit == YT:  # the PDF of 2.1: downloaded, and shown inline with ?xem=1
            card = noivu.locator(f"#a-{n['2.1'].pk}")
            link = card.locator("a", has_text="To-trinh-sap-xep-12-TTr-SYT.pdf")
            response = noivu.request.get(url + link.get_attribute("href"))
            assert response.status == 200 and response.headers["content-type"] == "application/pdf"
            assert response.body().startswith(b"%PDF")
            assert response.headers["content-disposition"].startswith("attachment")
            inline = noivu.request.get(url + card.locator("a[href$='?xem=1']").get_attribute("href"))
            assert inline.status == 200 and inline.headers["content-type"] == "application/pdf"
            assert inline.headers["content-disposition"].startswith("inline")
            with noivu.expect_response(lambda r: "?xem=1" in r.url) as shown:  # "Xem bên cạnh điểm"
                card.locator("summary", has_text="Xem bên cạnh điểm").click()
            assert shown.value.status == 200
            card.locator("iframe.evidence-frame").element_handle().content_frame().wait_for_load_state("load")
            wait_painted(noivu, card.locator("iframe.evidence-frame"))
            shot(noivu, "member-noi-vu-so-y-te-evidence-inline")
    noivu.goto(f"{url}/tham-dinh/thanh-vien/{seats[NOI_VU].pk}/")
    assert "Đã thẩm định 6/6 tiêu chí" in noivu.inner_text("main")

    taichinh = login(browser, live_server, "tv.taichinh")
    nav(taichinh, "Thẩm định")
    click_and_wait(taichinh, taichinh.locator("a.list-group-item", has_text=TAI_CHINH))
    queue_url = taichinh.url
    shot(taichinh, "member-tai-chinh-queue")
    for unit in (XD, YT):
        taichinh.goto(queue_url)
        open_unit(taichinh, unit)
        appraise(taichinh, n["3.1"], "95")
        appraise(taichinh, n["3.2"], "27", "Chưa quyết toán xong 2 dự án, tại Mục 3 Báo cáo")
        if unit == XD:
            card = taichinh.locator(f"#a-{n['3.1'].pk}")
            href = card.locator("a", has_text="Bao-cao-giai-ngan-45-BC-SXD.pdf").get_attribute("href")
            response = taichinh.request.get(url + href)
            assert response.status == 200 and response.headers["content-type"] == "application/pdf"
            inline = taichinh.request.get(url + href + "?xem=1")
            assert inline.headers["content-disposition"].startswith("inline")
            # Not a criterion of Sở Tài chính: the evidence of 2.1 of Sở Y tế is not found for this member.
            other = Evidence.objects.get(entry__submission=w.sub_b, doc_number="12/TTr-SYT")
            assert taichinh.request.get(f"{url}/tham-dinh/tai-lieu/{other.pk}/").status == 404

    # ------------------------------------------------------------------ 5. supplementation of 3.2 of Sở Tư pháp
    taichinh.goto(queue_url)
    open_unit(taichinh, TP)
    appraise(taichinh, n["3.1"], "95")
    taichinh.check(f"input[name=nodes][value='{n['3.2'].pk}']")
    taichinh.fill("textarea[name=message]", "Bổ sung báo cáo quyết toán ngân sách quý IV năm 2024")
    taichinh.fill("input[name=closes_at]", (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    click_and_wait(taichinh, "form[action$='/bo-sung/'] button[type=submit]")
    alert_success(taichinh, "Đã gửi yêu cầu bổ sung")
    assert "Đang bổ sung" in taichinh.inner_text(f"#a-{n['3.2'].pk}")
    shot(taichinh, "supplement-requested-so-tu-phap")

    officer_c = login(browser, live_server, "officer.c")
    officer_c.goto(f"{url}/don-vi/bao-cao/{w.sub_c.pk}/")
    assert "Đang bổ sung" in officer_c.inner_text("#n-3-2")
    pdf = tmp_path / "Bao-cao-quyet-toan-15-BC-STP.pdf"
    pdf.write_bytes(tiny_pdf())
    upload(officer_c, "#n-3-2", pdf, "15/BC-STP", TP)  # the window lets the sent sheet take evidence on 3.2
    click_and_wait(officer_c, "a:has-text('xem và trả lời')")
    officer_c.fill("textarea[name=answer]", "Đã bổ sung Báo cáo số 15/BC-STP ngày 15/11/2024, tại Mục 2")
    click_and_wait(officer_c, "button:has-text('Gửi trả lời')")
    alert_success(officer_c, "Đã gửi trả lời")
    shot(officer_c, "unit-answered-request")
    assert SupplementRequest.objects.get(submission=w.sub_c).answered_at
    live_3_2 = Evidence.objects.filter(entry__submission=w.sub_c, entry__node=n["3.2"], removed_at__isnull=True)
    assert live_3_2.count() == 2
    taichinh.reload()
    assert "Đã bổ sung Báo cáo số 15/BC-STP" in taichinh.inner_text("main")
    assert "Bao-cao-quyet-toan-15-BC-STP.pdf" in taichinh.inner_text(f"#a-{n['3.2'].pk}")
    # 3.2 of Sở Tư pháp stays unappraised for now: the first attempt to close must name it.

    # ------------------------------------------------------------------ 6. a leader fills section I of A and B
    leader = login(browser, live_server, "lanhdao")
    nav(leader, "Thẩm định")
    click_and_wait(leader, leader.locator("a.list-group-item", has_text=w.period.name))
    for unit in (XD, YT):
        click_and_wait(leader, leader.locator("tr", has_text=unit).locator("a", has_text="Điền phiếu"))
        for code in ("1.1", "1.2"):
            leader.check(f"input[name='q-{code}'][value='5']")
        click_and_wait(leader, "button:has-text('Gửi phiếu')")
        alert_success(leader, f"Đã gửi phiếu đánh giá {unit}")
    shot(leader, "leader-forms")

    # ------------------------------------------------------------------ 7. release, refused closing, closing
    secretariat.goto(matrix_url)
    click_and_wait(secretariat, "button:has-text('Công bố điểm thẩm định cho đơn vị')")
    secretariat.locator("h1", has_text="Công bố điểm thẩm định cho đơn vị").wait_for()
    assert round_status(w.period) == AppraisalRound.Status.OPEN
    shot(secretariat, "release-confirm")
    click_and_wait(secretariat, "button:has-text('Xác nhận: công bố điểm thẩm định cho đơn vị')")
    alert_success(secretariat, "Đã công bố kết quả thẩm định cho các đơn vị")
    assert round_status(w.period) == AppraisalRound.Status.RELEASED

    click_and_wait(secretariat, "button:has-text('Kết thúc đợt thẩm định')")
    refusal = secretariat.inner_text("main")
    assert "Chưa kết thúc đợt thẩm định được. Còn thiếu 3 mục" in refusal, refusal
    assert f"{TP}: tiêu chí 3.2 chưa thẩm định ({TAI_CHINH})." in refusal
    assert f"{TP}: Mục I, tiêu chí 1.1 chưa có phiếu đánh giá" in refusal
    assert f"{TP}: Mục I, tiêu chí 1.2 chưa có phiếu đánh giá" in refusal
    assert XD not in refusal and YT not in refusal
    assert secretariat.locator("button:has-text('Xác nhận')").count() == 0
    assert round_status(w.period) == AppraisalRound.Status.RELEASED
    shot(secretariat, "close-refused-missing")
    sheet_link = secretariat.locator("li", has_text="tiêu chí 3.2 chưa thẩm định").locator("a", has_text="Xem báo cáo")
    assert sheet_link.get_attribute("href").endswith(f"/don-vi/bao-cao/{w.sub_c.pk}/#n-3-2")
    assert secretariat.request.get(url + sheet_link.get_attribute("href")).status == 200

    # Complete it: the member appraises 3.2, the secretariat enters paper tallies from the list's link.
    taichinh.reload()
    appraise(taichinh, n["3.2"], "25", "Dự toán thực hiện 83 %, tại Mục 2 Báo cáo số 15/BC-STP")
    click_and_wait(secretariat, secretariat.locator("li", has_text="Mục I, tiêu chí 1.1").locator("a"))
    secretariat.locator("h1", has_text=TP).wait_for()
    secretariat.fill("input[name='n-1.1-5']", "4")
    secretariat.fill("input[name='n-1.1-4']", "1")
    secretariat.fill("input[name='n-1.2-5']", "5")
    click_and_wait(secretariat, "button:has-text('Lưu')")
    alert_success(secretariat, "Đã lưu số phiếu giấy")
    assert "9,6" in secretariat.inner_text("main") and "5 phiếu" in secretariat.inner_text("main")
    shot(secretariat, "paper-tally-so-tu-phap")

    secretariat.goto(matrix_url)
    click_and_wait(secretariat, "button:has-text('Kết thúc đợt thẩm định')")
    refusal = secretariat.inner_text("main")
    assert "Còn thiếu 1 mục" in refusal, refusal
    assert (f"{TP}: tiêu chí 3.2 ở mức Tốt (tính từ điểm thẩm định) làm đơn vị không đạt Hoàn thành xuất sắc nhiệm "
            "vụ") in refusal
    assert round_status(w.period) == AppraisalRound.Status.RELEASED
    shot(secretariat, "close-refused-quality-level")

    taichinh.reload()
    row = taichinh.locator("#chat-luong + p + table tr", has_text="3.2.")
    assert "Cần Hội đồng xác nhận hoặc điều chỉnh" in row.inner_text()
    assert "Cần Hội đồng xác nhận" not in taichinh.locator("#chat-luong + p + table tr", has_text="3.1.").inner_text()
    click_and_wait(taichinh, row.locator("button", has_text="Xác nhận mức Tốt"))
    alert_success(taichinh, "Đã lưu mức chất lượng tiêu chí 3.2")
    assert QualityLevel.objects.get(submission=w.sub_c, node=n["3.2"]).level == "tot"
    assert "Cần Hội đồng xác nhận" not in taichinh.inner_text("#chat-luong + p + table")
    shot(taichinh, "quality-level-confirmed")

    secretariat.goto(matrix_url)
    click_and_wait(secretariat, "button:has-text('Kết thúc đợt thẩm định')")
    secretariat.locator(".alert-warning", has_text="Đây là bước một chiều").wait_for()
    assert round_status(w.period) == AppraisalRound.Status.RELEASED
    shot(secretariat, "close-confirm")
    click_and_wait(secretariat, "button:has-text('Xác nhận: kết thúc đợt thẩm định')")
    alert_success(secretariat, "Đã kết thúc đợt thẩm định")
    assert round_status(w.period) == AppraisalRound.Status.CLOSED
    matrix = secretariat.inner_text("main")
    assert "95,5" in matrix and "92,1" in matrix
    shot(secretariat, "round-closed")

    # ------------------------------------------------------------------ 8. ranking: tie, chair, submit, approve
    nav(secretariat, "Xếp loại")
    click_and_wait(secretariat, secretariat.locator("a.list-group-item", has_text=w.period.name))
    click_and_wait(secretariat, secretariat.locator("tr", has_text=w.block.name).locator("a", has_text="Mở"))
    block_url = secretariat.url
    click_and_wait(secretariat, "button:has-text('Tính kết quả từ điểm thẩm định')")
    alert_success(secretariat, "Đã tính lại dự thảo kết quả")
    submit = secretariat.locator("button:has-text('Trình Chủ tịch UBND phê duyệt')")
    assert submit.is_disabled()
    assert "chưa được Chủ tịch Hội đồng thẩm định quyết định thứ tự" in secretariat.inner_text("main")
    assert secretariat.locator("tr", has_text="bằng điểm").count() == 2
    shot(secretariat, "block-draft-tie-unordered")
    # A stale page with the button enabled: the server refuses as well.
    submit.evaluate("button => button.removeAttribute('disabled')")
    click_and_wait(secretariat, submit)
    secretariat.locator(".alert-danger", has_text="chưa được Chủ tịch Hội đồng thẩm định quyết định thứ tự").wait_for()
    assert secretariat.locator("button:has-text('Xác nhận trình')").count() == 0
    assert RankingVersion.objects.get().status == RankingVersion.DRAFT
    secretariat.goto(block_url)

    # The facts: Sở Xây dựng and Sở Y tế have outstanding achievements recognised by the council.
    for code in ("so-xay-dung", "so-y-te"):
        secretariat.locator("summary", has_text="Thông tin xếp loại của đơn vị").click()
        click_and_wait(secretariat, f"a[data-unit='{code}']")
        secretariat.check("input[name=outstanding]")
        secretariat.fill("textarea[name=evidence]", "Quyết định số 1234/QĐ-UBND ngày 10/12/2024 tặng Cờ thi đua")
        if code == "so-xay-dung":
            shot(secretariat, "facts-so-xay-dung")
        click_and_wait(secretariat, "button:has-text('Lưu')")
        alert_success(secretariat, "Đã lưu thông tin xếp loại")
    click_and_wait(secretariat, "button:has-text('Tính kết quả từ điểm thẩm định')")
    alert_success(secretariat, "Đã tính lại dự thảo kết quả")
    assert secretariat.locator("tr.table-warning").count() == 2  # the 20 % boundary falls inside the tie
    snapshot = RankingVersion.objects.get().snapshot
    assert sorted(snapshot["unresolved"]) == ["so-xay-dung", "so-y-te"]
    assert snapshot["summary"]["excellent_cap"] == 1
    shot(secretariat, "block-tie-at-the-cap")

    chair = login(browser, live_server, "ct.hoidong")
    nav(chair, "Xếp loại")
    click_and_wait(chair, chair.locator("a.list-group-item", has_text=w.period.name))
    click_and_wait(chair, chair.locator("tr", has_text=w.block.name).locator("a", has_text="Mở"))
    chair.locator("legend", has_text="chưa quyết định").wait_for()
    assert chair.locator("button:has-text('Tính kết quả')").count() == 0  # the chair orders, does not compute
    chair.select_option("select[name=nhom-0-0]", "so-y-te")
    chair.select_option("select[name=nhom-0-1]", "so-xay-dung")
    chair.fill("input[name=note]", "Biên bản họp Hội đồng thẩm định ngày 15/01/2025: biểu quyết 7/9")
    shot(chair, "chair-orders-the-tie")
    click_and_wait(chair, "button:has-text('Ghi quyết định')")
    alert_success(chair, "Đã ghi quyết định thứ tự của Chủ tịch Hội đồng")
    chair.locator("legend", has_text="đã quyết định").wait_for()
    units = {u["id"]: u for u in RankingVersion.objects.get().snapshot["units"]}
    assert (units["so-y-te"]["rank"], units["so-y-te"]["grade"]) == (1, "HTXSNV")
    assert (units["so-xay-dung"]["rank"], units["so-xay-dung"]["grade"]) == (2, "HTTNV")
    assert (units["so-tu-phap"]["rank"], units["so-tu-phap"]["grade"]) == (3, "HTTNV")
    shot(chair, "chair-ordered")

    secretariat.goto(block_url)
    assert not submit.is_disabled()
    click_and_wait(secretariat, submit)
    secretariat.locator("h1", has_text="Trình Chủ tịch UBND phê duyệt").wait_for()  # the confirmation
    assert RankingVersion.objects.get().status == RankingVersion.DRAFT
    click_and_wait(secretariat, "button:has-text('Xác nhận trình')")
    alert_success(secretariat, "Đã trình Chủ tịch UBND phê duyệt")
    assert RankingVersion.objects.get().status == RankingVersion.SUBMITTED
    shot(secretariat, "block-submitted")

    chairman = login(browser, live_server, "ct.ubnd")
    nav(chairman, "Xếp loại")
    click_and_wait(chairman, chairman.locator("a.list-group-item", has_text=w.period.name))
    click_and_wait(chairman, chairman.locator("tr", has_text=w.block.name).locator("a", has_text="Mở"))
    chairman.fill("input[name=decision_number]", "125/QĐ-UBND")
    chairman.fill("input[name=decision_date]", today.isoformat())
    click_and_wait(chairman, "button:has-text('Xem trước và phê duyệt')")
    chairman.locator("h1", has_text="Phê duyệt và công bố").wait_for()
    preview = chairman.inner_text("main")
    assert f"Quyết định số 125/QĐ-UBND ngày {today:%d/%m/%Y}" in preview
    assert "95,50 (95,500)" in preview and "Hoàn thành xuất sắc nhiệm vụ" in preview
    assert RankingVersion.objects.get().status == RankingVersion.SUBMITTED
    shot(chairman, "approve-preview")
    click_and_wait(chairman, "button:has-text('Xác nhận phê duyệt và công bố')")
    alert_success(chairman, "Đã phê duyệt và công bố kết quả")
    first = RankingVersion.objects.get()
    assert first.status == RankingVersion.PUBLISHED and first.decision_number == "125/QĐ-UBND"
    block_page_url = chairman.url
    shot(chairman, "block-published")

    # ------------------------------------------------------------------ 9. the public page, logged out
    public = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    public.goto(f"{url}/cong-khai/")
    row = public.locator("tr", has_text=w.block.name)
    assert "125/QĐ-UBND" in row.inner_text() and "Có hiệu lực" in row.inner_text()
    shot(public, "public-list")
    click_and_wait(public, row.locator("a", has_text=w.block.name))
    detail = public.inner_text("main")
    assert f"Quyết định số 125/QĐ-UBND ngày {today:%d/%m/%Y}" in detail
    assert YT in detail and XD in detail and TP in detail and "92,10" in detail
    public_detail_url = public.url
    shot(public, "public-detail")
    public.set_viewport_size({"width": 390, "height": 844})
    shot(public, "public-detail-390px")
    public.set_viewport_size({"width": 1366, "height": 900})
    chairman.set_viewport_size({"width": 390, "height": 844})
    chairman.goto(block_page_url)
    shot(chairman, "block-published-390px")
    chairman.set_viewport_size({"width": 1366, "height": 900})

    # ------------------------------------------------------------------ 10. revocation and re-ranking
    # A violation comes to light: Sở Y tế had a discipline case (remedied): no longer HTXSNV, only HTTNV.
    secretariat.goto(block_url)
    secretariat.locator("summary", has_text="Thông tin xếp loại của đơn vị").click()
    click_and_wait(secretariat, "a[data-unit='so-y-te']")
    secretariat.select_option("select[name=discipline]", "remedied")
    secretariat.fill("textarea[name=evidence]", "Quyết định số 1234/QĐ-UBND; Kết luận thanh tra số 88/KL-TTr ngày "
                                                "20/02/2025 (kỷ luật, đã khắc phục)")
    shot(secretariat, "facts-so-y-te-discipline")
    click_and_wait(secretariat, "button:has-text('Lưu')")
    alert_success(secretariat, f"Đã lưu thông tin xếp loại của {YT}")
    assert UnitFacts.objects.get(unit=w.unit_b).discipline == "remedied"

    chairman.goto(block_page_url)
    chairman.select_option("select[name=unit]", "so-y-te")
    chairman.fill("textarea[name=reason]", "Kết luận thanh tra 88/KL-TTr: Sở Y tế có cán bộ bị kỷ luật trong năm")
    chairman.fill("#rv-number", "300/QĐ-UBND")
    chairman.fill("#rv-date", today.isoformat())
    click_and_wait(chairman, "button:has-text('Xem trước và hủy bỏ')")
    chairman.locator("h1", has_text="Hủy bỏ và xếp loại lại").wait_for()
    preview = chairman.inner_text("main")
    assert f"{XD}: xếp loại Hoàn thành tốt nhiệm vụ → Hoàn thành xuất sắc nhiệm vụ." in preview, preview
    assert "trình Chủ tịch UBND phê duyệt" in preview
    assert RankingVersion.objects.get().status == RankingVersion.PUBLISHED  # nothing revoked yet
    shot(chairman, "revoke-preview")
    click_and_wait(chairman, "button:has-text('Xác nhận hủy bỏ')")
    alert_success(chairman, "chờ Chủ tịch UBND phê duyệt")
    old, new = RankingVersion.objects.order_by("number")
    assert old.status == RankingVersion.REVOKED and old.revoked_unit == "so-y-te"
    assert new.status == RankingVersion.SUBMITTED and new.replaces_id == old.pk
    assert "Xếp loại lại sau khi hủy bỏ lần 1" in chairman.inner_text("main")
    shot(chairman, "rerank-waits-for-approval")
    public.goto(public_detail_url)
    assert "kết quả xếp loại lại đang chờ phê duyệt" in public.inner_text("main")

    chairman.fill("input[name=decision_number]", "301/QĐ-UBND")
    chairman.fill("input[name=decision_date]", today.isoformat())
    click_and_wait(chairman, "button:has-text('Xem trước và phê duyệt')")
    chairman.locator("h1", has_text="Phê duyệt và công bố").wait_for()
    shot(chairman, "rerank-approve-preview")
    click_and_wait(chairman, "button:has-text('Xác nhận phê duyệt và công bố')")
    alert_success(chairman, "Đã phê duyệt và công bố kết quả")
    new.refresh_from_db()
    assert new.status == RankingVersion.PUBLISHED and new.decision_number == "301/QĐ-UBND"
    units = {u["id"]: u for u in new.snapshot["units"]}
    assert units["so-xay-dung"]["grade"] == "HTXSNV" and units["so-y-te"]["grade"] == "HTTNV"

    public.goto(f"{url}/cong-khai/")
    rows = public.locator("tbody tr")
    assert rows.count() == 2
    listing = public.inner_text("main")
    assert "Đã hủy bỏ" in listing and "Có hiệu lực" in listing and "301/QĐ-UBND" in listing
    revoked = public.locator("tr", has_text="(lần 1)")
    assert "Đã hủy bỏ" in revoked.inner_text() and "125/QĐ-UBND" in revoked.inner_text()
    assert "Có hiệu lực" in public.locator("tr", has_text="(lần 2)").inner_text()
    shot(public, "public-list-after-revocation")
    public.goto(public_detail_url)
    assert "đã bị hủy bỏ" in public.inner_text("main")
    shot(public, "public-revoked-version")
    click_and_wait(public, "a:has-text('kết quả xếp loại lại')")
    assert "Quyết định số 301/QĐ-UBND" in public.inner_text("main")
    shot(public, "public-re-ranked-version")

    # ------------------------------------------------------------------ every step left its StateChange row
    def steps(object_type, action):
        return StateChange.objects.filter(period=w.period, object_type=object_type, action=action)

    sent = steps("submission", "send")
    assert sorted(sent.values_list("object_id", flat=True)) == sorted(s.pk for s in subs.values())
    assert all(c.actor and c.to_state == "sent" for c in sent)
    assert steps("appraisal_round", "release").count() == 1
    assert steps("appraisal_round", "close").get().actor.username == "secretariat"
    assert steps("ranking_version", "compute").count() == 2
    assert steps("ranking_version", "chair_order").get().actor.username == "ct.hoidong"
    assert steps("ranking_version", "submit").get().object_id == old.pk
    approvals = steps("ranking_version", "approve").order_by("at", "id")
    assert [(c.object_id, c.decision_number) for c in approvals] == [(old.pk, "125/QĐ-UBND"), (new.pk, "301/QĐ-UBND")]
    revoke = steps("ranking_version", "revoke").get()
    assert (revoke.object_id, revoke.decision_number, revoke.to_state) == (old.pk, "300/QĐ-UBND", "revoked")
    rerank = steps("ranking_version", "rerank_submit").get()
    assert rerank.object_id == new.pk and XD in rerank.note
    assert not steps("ranking_version", "rerank_publish").exists()
