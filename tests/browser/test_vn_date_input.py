"""In real Chromium with an English (en-US) browser: a date field shows and takes dd/mm/yyyy, not the native
picker's mm/dd/yyyy (issue #14 item 8, config/dates.py)."""

from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from submissions.models import Period
from tests.browser.helpers import login
from tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_english_browser_types_the_data_cutoff_as_dd_mm_yyyy(browser, live_server):
    call_command("load_frameworks", verbosity=0)
    w = make_world()
    Period.objects.filter(pk=w.period.pk).update(data_cutoff=date(2026, 11, 20))
    page = login(browser, live_server, w.secretariat.username, locale="en-US")
    page.goto(live_server.url + reverse("submissions:period_edit", args=[w.period.pk]))
    cutoff = page.locator("input[name=data_cutoff]")
    assert cutoff.get_attribute("type") == "text" and cutoff.get_attribute("placeholder") == "dd/mm/yyyy"
    assert cutoff.input_value() == "20/11/2026"
    closes = page.locator("input[name=closes_at]")
    assert closes.get_attribute("type") == "text"
    assert len(closes.input_value()) == len("25/11/2026 17:00") and closes.input_value()[2] == "/"
    cutoff.fill("05/12/2026")
    assert cutoff.evaluate("el => el.checkValidity()") is True  # the pattern lets dd/mm/yyyy through
    with page.expect_navigation():
        page.locator("form:has(input[name=data_cutoff]) [type=submit]").first.click()
    assert Period.objects.get(pk=w.period.pk).data_cutoff == date(2026, 12, 5)  # 5 December, not 12 May
    page.context.close()
