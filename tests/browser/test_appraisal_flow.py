"""In real Chromium: a member appraises a unit, requests supplementation, the unit answers, the member
finishes; a leader fills a form and section I changes."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from appraisal import services
from appraisal.models import Appraisal, SupplementRequest
from submissions.models import Role
from tests.appraisal.conftest import fill_and_send
from tests.browser.helpers import login
from tests.factories import UserFactory, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def flow(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_frameworks", verbosity=0)
    w = make_world()
    fill_and_send(w, w.sub_a, w.approver_a)
    w.stc = UserFactory(username="stc.thamdinh", full_name="Nguyễn Thu Hà (Sở Tài chính)")
    w.member = services.member_add(period=w.period, user=w.stc, agency="Sở Tài chính")
    w.leader = UserFactory(username="lanhdao", full_name="Phó Chủ tịch UBND tỉnh")
    Role.objects.create(user=w.leader, kind=Role.LEADER, authority=w.authority)
    return w


def appraise(page, node_pk, value, comment=""):
    card = f"#a-{node_pk}"
    page.fill(f"{card} input[name=value]", value)
    if comment:
        page.fill(f"{card} textarea[name=comment]", comment)
    with page.expect_response(lambda r: "/tieu-chi/" in r.url and r.request.method == "POST"):
        page.click(f"{card} button:has-text('Lưu điểm thẩm định')")
    page.locator(f"{card} [role=status], {card} [role=alert]").first.wait_for()


def test_member_appraises_requests_unit_answers_leader_fills(browser, live_server, flow, artifacts):
    w = flow
    nodes = {n.code: n for n in w.sub_a.framework.nodes.all()}
    member = login(browser, live_server, "stc.thamdinh")
    member.click("text=Thẩm định")
    member.click(f"text={w.period.name}")
    member.click("a:has-text('Thẩm định') >> nth=-1")
    member.wait_for_selector(f"#a-{nodes['3.2'].pk}")

    # A score below the self-score without a comment is refused, with a comment it is kept.
    appraise(member, nodes["3.2"].pk, "3")
    assert "cần ghi nhận xét" in member.inner_text(f"#a-{nodes['3.2'].pk}")
    appraise(member, nodes["3.2"].pk, "3", "Chưa có quyết toán quý IV")
    assert member.inner_text(f"#a-{nodes['3.2'].pk} [data-appraised]") == "3"

    # Request supplementation of 7.5.
    member.check(f"input[name=nodes][value='{nodes['7.5'].pk}']")
    member.fill("textarea[name=message]", "Bổ sung báo cáo thực hiện kiến nghị kiểm toán năm 2024")
    deadline = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    member.fill("input[name=closes_at]", deadline)
    member.click("button:has-text('Gửi')")
    member.locator(".alert-success:has-text('Đã gửi yêu cầu bổ sung')").wait_for()

    # The unit sees the request on its sheet and answers.
    officer = login(browser, live_server, "officer.a")
    officer.goto(f"{live_server.url}/don-vi/bao-cao/{w.sub_a.pk}/")
    officer.click("text=xem và trả lời")
    officer.fill("textarea[name=answer]", "Đã bổ sung Báo cáo số 15/BC-SXD ngày 20/11/2024, Mục 3")
    officer.click("button:has-text('Gửi trả lời')")
    officer.locator(".alert-success:has-text('Đã gửi trả lời')").wait_for()
    assert SupplementRequest.objects.get().answered_at

    # The member sees the answer and finishes.
    member.reload()
    assert "Đã bổ sung Báo cáo số 15/BC-SXD" in member.inner_text("main")
    for code in ("7.3", "7.4", "7.5"):
        appraise(member, nodes[code].pk, str(nodes[code].max_points).replace(".", ","))
    member.screenshot(path=str(artifacts / "appraisal-unit.png"), full_page=True)
    member.goto(f"{live_server.url}/tham-dinh/thanh-vien/{w.member.pk}/")
    assert "4/4" in member.inner_text("main")

    # A leader fills a form; section I of the unit changes.
    leader = login(browser, live_server, "lanhdao")
    leader.click("text=Thẩm định")
    leader.click(f"text={w.period.name}")
    leader.click(f"tr:has-text('{w.unit_a.name}') >> text=Điền phiếu")
    for code in ("1.1", "1.2", "1.3", "1.4", "1.5"):
        leader.check(f"input[name='q-{code}'][value='4']")
    leader.click("button:has-text('Gửi phiếu')")
    leader.locator(".alert-success").wait_for()
    section_one = Appraisal.objects.filter(submission=w.sub_a, node__code__in=["1.1", "1.2", "1.3", "1.4", "1.5"])
    assert sorted(str(a.points.normalize()) for a in section_one) == ["3.2"] * 5  # 4/5 × 4
