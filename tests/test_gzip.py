"""Pages go compressed to a browser that accepts it (issue #17 item 1): the score page of a sheet, and an htmx
fragment; never to a client that does not ask, and the content is the same once decompressed."""

import gzip

import pytest
from django.urls import reverse

from tests.factories import make_world

pytestmark = pytest.mark.django_db


def test_the_score_page_is_gzipped_when_the_browser_accepts_it(client_for):
    w = make_world()
    client = client_for(w.officer_a)
    url = reverse("submissions:score_page", args=[w.sub_a.pk])
    plain = client.get(url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) * 4 < len(plain.content)
    html = gzip.decompress(packed.content).decode()
    # Same page (CSRF tokens are masked afresh in every response, so compare without them).
    strip = [line for line in html.splitlines() if "csrf" not in line.lower()]
    assert strip == [line for line in plain.content.decode().splitlines() if "csrf" not in line.lower()]
