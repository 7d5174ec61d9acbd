"""In real Chromium, the paper-dossier path of seed 004 §2.2: the secretariat records the day a commune's paper
dossier was received, a member of the appraisal team enters a self-score with its explanation from it, and the
commune's own account sees the criterion marked "Nhập từ hồ sơ giấy" with who entered it."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from appraisal import paper
from appraisal import services as appraisal_services
from criteria.models import Framework, Node
from submissions import services
from submissions.models import Block, Entry, PeriodBlock, Role, Submission, Unit
from tests.browser.helpers import login
from tests.factories import UserFactory, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def flow(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_frameworks", verbosity=0)
    w = make_world()
    w.communes = Block.objects.create(authority=w.authority, code="xa", name="Khối UBND cấp xã")
    w.commune = Unit.objects.create(authority=w.authority, block=w.communes, code="xa-binh-thanh",
                                    name="UBND xã Bình Thành")
    services.period_save(period=w.period, frameworks={w.block: Framework.objects.get(code="tn2024-so"),
                                                      w.communes: Framework.objects.get(code="dh2024-xa")})
    w.sub_c = Submission.objects.get(period=w.period, unit=w.commune)
    paper.paper_block_set(period_block=PeriodBlock.objects.get(period=w.period, block=w.communes), enabled=True,
                          actor=w.secretariat)
    w.officer_c = UserFactory(username="binhthanh.capnhat", full_name="Cán bộ xã Bình Thành")
    Role.objects.create(user=w.officer_c, kind=Role.OFFICER, unit=w.commune)
    w.team = UserFactory(username="pnv.thamdinh", full_name="Lê Văn Thẩm Định (Phòng Nội vụ)")
    appraisal_services.member_add(period=w.period, user=w.team, agency="Phòng Nội vụ")
    w.node = next(n for n in Node.objects.filter(framework=w.sub_c.framework).order_by("ordering")
                  if n.rule and n.rule["kind"] == "levels")
    return w


def test_secretariat_records_team_enters_commune_reads_the_mark(browser, live_server, flow, artifacts):
    w = flow
    # The secretariat records the day the dossier was received.
    secretariat = login(browser, live_server, "secretariat")
    secretariat.goto(f"{live_server.url}/don-vi/thuong-truc/ky/{w.period.pk}/")
    secretariat.click("a:has-text('Hồ sơ giấy')")
    secretariat.fill(f"#r-{w.sub_c.pk}", timezone.localdate().isoformat())
    secretariat.fill(f"#n-{w.sub_c.pk}", "Công văn số 15/UBND kèm hồ sơ")
    secretariat.click(f"#d-{w.sub_c.pk} button:has-text('Ghi nhận')")
    secretariat.locator(".alert-success:has-text('Đã ghi nhận hồ sơ giấy của UBND xã Bình Thành')").wait_for()
    assert "Đúng hạn" in secretariat.inner_text(f"#d-{w.sub_c.pk}")
    secretariat.screenshot(path=str(artifacts / "paper-secretariat.png"), full_page=True)

    # A member of the appraisal team enters the commune's self-score and explanation from the dossier.
    team = login(browser, live_server, "pnv.thamdinh")
    team.click("text=Thẩm định")
    team.click("a:has-text('nhập hồ sơ giấy')")
    team.click("a:has-text('Nhập từ hồ sơ giấy')")
    card = f"#p-{w.node.pk}"
    team.check(f"#pv{w.node.pk}-0")  # the first level, as the dossier's table states it
    team.fill(f"{card} textarea[name=explanation]", "Theo Báo cáo số 20/BC-UBND ngày 01/12, Mục 2")
    team.click(f"{card} button:has-text('Lưu (nhập từ hồ sơ giấy)')")
    team.locator(f".alert-success:has-text('Đã lưu tiêu chí {w.node.code}')").wait_for()
    assert "Nhập từ hồ sơ giấy" in team.inner_text(card)
    team.screenshot(path=str(artifacts / "paper-team-entry.png"), full_page=False)
    entry = Entry.objects.get(submission=w.sub_c, node=w.node)
    assert entry.updated_by == w.team and entry.explanation.startswith("Theo Báo cáo số 20/BC-UBND")
    assert entry.choice == 0 and entry.points is not None

    # The commune's own account reads its sheet: the criterion is marked, with who entered it.
    officer = login(browser, live_server, "binhthanh.capnhat")
    officer.goto(f"{live_server.url}/don-vi/bao-cao/{w.sub_c.pk}/")
    leaf = officer.locator("[data-paper]").first
    leaf.wait_for()
    text = officer.inner_text("main")
    assert "Nhập từ hồ sơ giấy" in text and "Lê Văn Thẩm Định (Phòng Nội vụ)" in text
    assert "nộp hồ sơ giấy" in officer.inner_text("[data-paper-notice]")
    officer.screenshot(path=str(artifacts / "paper-commune-reads.png"), full_page=False)


def test_stale_paper_entry_shows_both_versions_and_keeps_either(browser, live_server, flow, artifacts):
    """#14 item 1: a colleague saved the same criterion since the page was loaded. The page shows "Bản của bạn"
    beside "Bản đã lưu"; "Giữ bản đã lưu" drops mine without a leaving warning, "Giữ bản của tôi" saves mine."""
    from pathlib import Path

    w = flow
    paper.dossier_record(submission=w.sub_c, received_on=timezone.localdate(), actor=w.secretariat)
    colleague = UserFactory(username="pnv.thamdinh2", full_name="Đỗ Thị Đồng Nghiệp (Phòng Nội vụ)")
    appraisal_services.member_add(period=w.period, user=colleague, agency="Phòng Nội vụ")
    mine, theirs = "Theo Báo cáo số 20/BC-UBND ngày 01/12, Mục 2", "Theo Báo cáo số 18/BC-UBND, Mục 1"
    team = login(browser, live_server, "pnv.thamdinh")
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    team.on("dialog", on_dialog)
    card = f"#p-{w.node.pk}"

    def stale_save(theirs):
        team.goto(f"{live_server.url}/tham-dinh/ky/{w.period.pk}/nhap-ho-so-giay/{w.sub_c.pk}/")
        entry = Entry.objects.filter(submission=w.sub_c, node=w.node).first()
        paper.paper_entry_save(submission=w.sub_c, node=w.node, actor=colleague, value="1", explanation=theirs,
                               version=entry.version if entry else 0)  # meanwhile, in the colleague's tab
        team.check(f"#pv{w.node.pk}-0")
        team.fill(f"{card} textarea[name=explanation]", mine)
        with team.expect_response(lambda r: r.request.method == "POST" and r.status == 409):
            team.click(f"{card} button:has-text('Lưu (nhập từ hồ sơ giấy)')")
        team.locator(f"{card} [data-conflict]").wait_for()
        return team.inner_text(f"{card} [data-conflict-mine]"), team.inner_text(f"{card} [data-conflict-saved]")

    shown_mine, shown_saved = stale_save(theirs)
    first = w.node.rule["levels"][0]["label"]
    assert "Bản của bạn" in shown_mine and first in shown_mine and mine in shown_mine
    assert "Bản đã lưu" in shown_saved and theirs in shown_saved and "Đỗ Thị Đồng Nghiệp" in shown_saved
    assert f"{w.node.rule['levels'][1]['label']} = 0 điểm" in shown_saved
    # The form keeps what was typed (the unsaved warning is armed), nothing of mine is written.
    assert team.is_checked(f"#pv{w.node.pk}-0") and not team.is_checked(f"#pv{w.node.pk}-1")
    assert team.input_value(f"{card} textarea[name=explanation]") == mine
    assert Entry.objects.get(submission=w.sub_c, node=w.node).explanation == theirs
    shots = Path("/tmp/shots-a")
    shots.mkdir(parents=True, exist_ok=True)
    team.locator(card).screenshot(path=str(shots / "paper-conflict-both-versions.png"))
    team.locator(card).screenshot(path=str(artifacts / "paper-conflict-both-versions.png"))

    # "Giữ bản đã lưu": the page shows the colleague's version; no leaving warning, nothing written.
    team.click(f"{card} a:has-text('Giữ bản đã lưu')")
    team.wait_for_url(f"**/nhap-ho-so-giay/{w.sub_c.pk}/#p-{w.node.pk}")
    team.locator(card).wait_for()
    assert dialogs == [] and team.locator("[data-conflict]").count() == 0
    assert team.input_value(f"{card} textarea[name=explanation]") == theirs
    assert team.is_checked(f"#pv{w.node.pk}-1")
    assert Entry.objects.get(submission=w.sub_c, node=w.node).explanation == theirs

    # Again stale; "Giữ bản của tôi" saves mine over the colleague's, knowingly.
    stale_save(theirs + ", Mục 3")  # the colleague changes it again
    team.click(f"{card} button:has-text('Giữ bản của tôi')")
    team.locator(f".alert-success:has-text('Đã lưu tiêu chí {w.node.code}')").wait_for()
    assert dialogs == []
    entry = Entry.objects.get(submission=w.sub_c, node=w.node)
    assert entry.explanation == mine and entry.choice == 0 and entry.updated_by == w.team
    assert team.input_value(f"{card} textarea[name=explanation]") == mine
