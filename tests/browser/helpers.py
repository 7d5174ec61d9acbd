"""Helpers shared by the browser tests."""

from tests.factories import PASSWORD


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
