"""Nothing typed is lost (#14 item 1), in real Chromium, for the forms that are not a score row: the leader's
evaluation form, the unit's facts for the ranking (Điều 7), and two forms of the secretariat (the period, a
council seat). On each refused save the page comes back with every value the person typed and marks only the
wrong field; the corrected form then saves. Screenshots go to test-artifacts/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appraisal.models import CouncilMember, LeaderForm, QualityLevel
from criteria.models import Node
from ranking.models import UnitFacts
from submissions.models import PeriodBlock, Role
from tests.browser.helpers import login, make_council_world
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def shot(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"forms-kept-{name}.png"), full_page=True)


def marked(page, scope="main form"):
    """The names of the inputs the page marks invalid, in page order, each once."""
    return page.eval_on_selector_all(f"{scope} .is-invalid",
                                     "els => [...new Set(els.map(e => e.name || e.id))]")


@pytest.fixture
def world(transactional_db):
    w = make_council_world()
    w.leader = UserFactory(username="lanhdao.1", full_name="Lãnh đạo UBND tỉnh")
    Role.objects.create(user=w.leader, kind=Role.LEADER, authority=w.authority)
    return w


# --------------------------------------------------------------------------- the leader's form


def test_leaders_form_refused_keeps_every_answer_and_marks_only_the_question_left(browser, live_server, world,
                                                                                   artifacts):
    w = world
    questions = [n for n in Node.objects.filter(framework=w.sub_a.framework).order_by("ordering")
                 if n.rule and n.rule.get("kind") == "survey"]
    left = questions[1]
    page = login(browser, live_server, "lanhdao.1")
    page.goto(f"{live_server.url}/tham-dinh/lanh-dao/ky/{w.period.pk}/don-vi/{w.unit_a.pk}/")
    chosen = {n: str(1 + i % 5) for i, n in enumerate(questions) if n is not left}
    for node, answer in chosen.items():
        page.check(f"#q{node.pk}-{answer}")
    # Sent with one question unanswered: refused, every answer still chosen, only that question marked.
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 400):
        page.click("button[name=submit]")
    page.wait_for_selector("#leader-error")
    assert f"Phiếu chưa trả lời các tiêu chí: {left.code}" in page.inner_text("#leader-error")
    for node, answer in chosen.items():
        assert page.is_checked(f"#q{node.pk}-{answer}")
    assert marked(page) == [f"q-{left.code}"]
    assert "Chưa chọn phương án" in page.inner_text(f"#q{left.pk}-error")
    shot(page, artifacts, "leader-missing-answer")
    assert not LeaderForm.objects.exists()

    # The leaders' deadline passes meanwhile: refused again, every answer kept, no question marked.
    PeriodBlock.objects.filter(period=w.period).update(leader_deadline=timezone.now() - timedelta(minutes=1))
    page.check(f"#q{left.pk}-3")
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 400):
        page.click("button[name=submit]")
    page.wait_for_selector("#leader-error")
    assert "hạn" in page.inner_text("#leader-error")
    for node, answer in {**chosen, left: "3"}.items():
        assert page.is_checked(f"#q{node.pk}-{answer}")
    assert marked(page) == []
    shot(page, artifacts, "leader-after-deadline")
    assert not LeaderForm.objects.exists()

    # Before the deadline, the same answers are sent.
    PeriodBlock.objects.filter(period=w.period).update(leader_deadline=None)
    page.click("button[name=submit]")
    page.wait_for_selector(f"text=Đã gửi phiếu đánh giá {w.unit_a}")
    form = LeaderForm.objects.get(leader=w.leader, unit=w.unit_a)
    assert form.submitted_at is not None
    assert form.answers == {n.code: int(a) for n, a in {**chosen, left: "3"}.items()}


# --------------------------------------------------------------------------- the facts of the ranking


EVIDENCE = "Kết luận số 12/KL-UBND ngày 20/11/2024 về đoàn kết nội bộ; Quyết định khen thưởng số 45/QĐ-UBND."


def test_facts_refused_keep_every_value_and_mark_only_the_share(browser, live_server, world, artifacts):
    w = world
    page = login(browser, live_server, "secretariat")
    page.goto(f"{live_server.url}/xep-loai/ky/{w.period.pk}/don-vi/{w.unit_a.pk}/")
    page.check("#o")
    page.select_option("#c", "remedied")
    page.check("#u")
    page.fill("#s", "25")  # a bare 25: 25 % or 25 units? refused
    page.fill("#e", EVIDENCE)
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 400):
        page.click("main form button:has-text('Lưu')")
    page.wait_for_selector("#s-error")
    assert marked(page) == ["subunits_disciplined_share"]
    assert page.is_checked("#o") and page.is_checked("#u") and not page.is_checked("#p")
    assert page.input_value("#c") == "remedied" and page.input_value("#d") == "none"
    assert page.input_value("#s") == "25" and page.input_value("#e") == EVIDENCE
    shot(page, artifacts, "facts-share-refused")
    assert not UnitFacts.objects.exists()
    page.fill("#s", "0 %")  # no subordinate unit disciplined: the discipline fact says none
    page.click("main form button:has-text('Lưu')")
    page.wait_for_selector(f"text=Đã lưu thông tin xếp loại của {w.unit_a}")
    facts = UnitFacts.objects.get(unit=w.unit_a)
    assert facts.outstanding and facts.disunity and facts.corruption == "remedied"
    assert facts.subunits_disciplined_share == 0 and facts.evidence == EVIDENCE


# --------------------------------------------------------------------------- the secretariat's forms


def test_period_form_refused_keeps_every_value_and_marks_only_the_bad_date(browser, live_server, world, artifacts):
    w = world
    page = login(browser, live_server, "secretariat")
    page.goto(f"{live_server.url}/don-vi/thuong-truc/ky/{w.period.pk}/sua/")
    name = "Kỳ đánh giá năm 2024 — các sở, ban, ngành"
    page.fill("#id_name", name)
    page.fill("#id_code", "tn-2024-so")
    opens = page.input_value("#id_opens_at")
    page.fill("#id_closes_at", "31/02/2024 17:00")  # no 31 February
    page.fill("#id_data_cutoff", "30/11/2024")
    page.fill("#id_good_threshold", "0,75")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/sua/")):
        page.click("main form button[type=submit]")
    page.wait_for_selector("#id_closes_at.is-invalid")
    assert marked(page) == ["closes_at"]
    assert page.input_value("#id_closes_at") == "31/02/2024 17:00"
    assert page.input_value("#id_name") == name and page.input_value("#id_code") == "tn-2024-so"
    assert page.input_value("#id_opens_at") == opens and page.input_value("#id_data_cutoff") == "30/11/2024"
    assert page.input_value("#id_good_threshold") == "0,75"
    shot(page, artifacts, "period-bad-date")
    w.period.refresh_from_db()
    assert w.period.name != name
    closes = timezone.localtime(w.period.closes_at).strftime("%d/%m/%Y %H:%M")
    page.fill("#id_closes_at", closes)
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Đã lưu kỳ đánh giá")
    w.period.refresh_from_db()
    assert (w.period.name, w.period.code, w.period.data_cutoff.isoformat()) == (name, "tn-2024-so", "2024-11-30")
    assert w.period.settings["quality_thresholds"][1] == "0.75"


def test_council_seat_refused_keeps_every_value_and_marks_only_the_agency_typed(browser, live_server, world,
                                                                                 artifacts):
    w = world
    newcomer = UserFactory(username="ttt.thamdinh", full_name="Phạm Văn Thanh (Thanh tra tỉnh)")
    page = login(browser, live_server, "secretariat")
    page.goto(f"{live_server.url}/tham-dinh/ky/{w.period.pk}/hoi-dong/")
    page.select_option("#id_user", str(newcomer.pk))
    page.select_option("#id_role", CouncilMember.CHAIR)
    agencies = page.eval_on_selector_all("#id_agency option", "os => os.map(o => o.value).filter(v => v)")
    page.select_option("#id_agency", agencies[0])
    page.fill("#id_agency_other", "Thanh tra tỉnh")  # both a listed agency and one typed: refused
    page.fill("#id_keywords", "thanh tra, khiếu nại")
    page.select_option("#id_home_unit", str(w.unit_b.pk))
    page.click("main form button:has-text('Thêm')")
    page.wait_for_selector("#id_agency_other.is-invalid")
    assert marked(page) == ["agency_other"]
    assert page.input_value("#id_user") == str(newcomer.pk) and page.input_value("#id_role") == CouncilMember.CHAIR
    assert page.input_value("#id_agency") == agencies[0]
    assert page.input_value("#id_agency_other") == "Thanh tra tỉnh"
    assert page.input_value("#id_keywords") == "thanh tra, khiếu nại"
    assert page.input_value("#id_home_unit") == str(w.unit_b.pk)
    shot(page, artifacts, "council-seat-refused")
    assert not CouncilMember.objects.filter(user=newcomer).exists()
    page.select_option("#id_agency", "")
    page.click("main form button:has-text('Thêm')")
    page.wait_for_selector("text=Đã thêm thành viên Hội đồng")
    seat = CouncilMember.objects.get(user=newcomer)
    assert (seat.agency, seat.role, seat.keywords, seat.home_unit) == ("Thanh tra tỉnh", CouncilMember.CHAIR,
                                                                        "thanh tra, khiếu nại", w.unit_b)


# --------------------------------------------------------------------------- the council's quality override


def test_quality_override_refused_keeps_the_level_and_marks_only_the_reason(browser, live_server, world, artifacts):
    w = world
    page = login(browser, live_server, "stc.thamdinh")
    page.goto(f"{live_server.url}/tham-dinh/thanh-vien/{w.member.pk}/bao-cao/{w.sub_a.pk}/")
    form = page.locator("form[action*='/chat-luong/']:has(select[name=level])").first
    action = form.get_attribute("action")
    form.locator("select[name=level]").select_option("tot")
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 400):
        form.locator("button[type=submit]").click()
    form = page.locator(f"form[action='{action}']:has(select[name=level])")
    assert form.locator("select[name=level]").input_value() == "tot"
    row = page.locator("tr", has=form)
    assert marked(page, f"tr:has(form[action='{action}'] select[name=level])") == ["reason"]
    assert "Cần ghi lý do" in row.locator(".invalid-feedback").inner_text()
    shot(page, artifacts, "quality-reason-refused")
    assert not QualityLevel.objects.exists()
    form.locator("input[name=reason]").fill("Sản phẩm đạt yêu cầu của Hội đồng")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**#chat-luong")
    assert QualityLevel.objects.get().level == "tot"
