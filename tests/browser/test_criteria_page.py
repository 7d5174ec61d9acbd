"""The "Bộ tiêu chí" page in real Chromium: log in, pick a framework, collapse and expand the tree."""

import pytest
from django.core.management import call_command

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loaded(transactional_db):
    call_command("load_frameworks", verbosity=0)


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_official_reads_collapses_and_expands_the_commune_framework(page, live_server, loaded, artifacts):
    UserFactory(username="canbo.xa")
    _login(page, live_server, "canbo.xa")
    page.click("text=Bộ tiêu chí")
    page.click("text=dh2024-xa")
    page.wait_for_selector("#tree")
    assert "UBND cấp xã" in page.inner_text("h1")

    # Content groups and sections start open; deeper levels start collapsed.
    leaf = page.locator("#n-5-5-3-4")
    assert page.locator("#n-5-5").is_visible() and not leaf.is_visible()
    page.click("text=Mở rộng tất cả")
    assert leaf.is_visible()
    assert "Có hồ sơ quá hạn = 0,5 điểm" in leaf.inner_text()
    page.screenshot(path=str(artifacts / "criteria-tree.png"), full_page=False)

    page.click("text=Thu gọn tất cả")
    assert page.locator("#tree details[open]").count() == 0
    assert not leaf.is_visible()

    page.click("text=Mở rộng tất cả")
    assert page.locator("#tree details[open]").count() == page.locator("#tree details").count()
    assert leaf.is_visible()

    # Clicking a section's summary toggles just that section.
    page.click("#n-ii > summary")
    assert not page.locator("#n-2-1-1").is_visible()
    assert page.locator("#n-3-1-1").is_visible()


def test_picker_switches_framework(page, live_server, loaded, artifacts):
    UserFactory(username="canbo.so")
    _login(page, live_server, "canbo.so")
    page.goto(f"{live_server.url}/tieu-chi/dh2024-xa/")
    page.select_option("#framework-picker", "tn2024-so")
    page.wait_for_url(f"{live_server.url}/tieu-chi/tn2024-so/")
    assert "sở, ban, ngành" in page.inner_text("h1")
    assert "Các sở, ngành: Nội vụ; Thông tin và Truyền thông; Tư pháp" in page.inner_text("#tree")
    page.screenshot(path=str(artifacts / "criteria-tree-so.png"), full_page=True)
