"""Helpers shared by the browser tests."""

from django.core.management import call_command

from appraisal import services as appraisal_services
from tests.appraisal.conftest import fill_and_send
from tests.factories import PASSWORD, UserFactory, make_world


def login(browser, live_server, username, **context_options):
    """A browser context of its own for ``username``, logged in through the login page."""
    options = {"viewport": {"width": 1366, "height": 900}, "locale": "vi-VN", **context_options}
    page = browser.new_context(**options).new_page()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def make_council_world():
    """The demo frameworks, a world whose unit A has sent its filled sheet, and a council member of the Sở Tài
    chính (``w.stc``, seat ``w.member``) who appraises it."""
    call_command("load_frameworks", verbosity=0)
    w = make_world()
    fill_and_send(w, w.sub_a, w.approver_a)
    w.stc = UserFactory(username="stc.thamdinh", full_name="Nguyễn Thu Hà (Sở Tài chính)")
    w.member = appraisal_services.member_add(period=w.period, user=w.stc, agency="Sở Tài chính")
    return w


def open_member_report(browser, live_server, w, username="stc.thamdinh"):
    """The council member's page of unit A's report, logged in as ``username``."""
    page = login(browser, live_server, username)
    page.goto(f"{live_server.url}/tham-dinh/thanh-vien/{w.member.pk}/bao-cao/{w.sub_a.pk}/")
    return page
