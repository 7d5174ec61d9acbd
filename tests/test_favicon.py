"""#14 item 7: a favicon on every page of the site's layout (the login page, and a signed-in page)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_links_a_favicon_that_exists(client, officer, signed_in):
    if signed_in:
        client.force_login(officer)
    page = client.get(reverse("home"), follow=True).content.decode()
    link = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page)
    assert link, "no <link rel=icon> in the page"
    name = link.group(1).removeprefix(settings.STATIC_URL)
    found = finders.find(name.split("?")[0])
    assert found and Path(found).read_text(encoding="utf-8").startswith("<svg"), name
