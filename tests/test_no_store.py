"""Issue #15 item 8: what a signed-in person sees and every download carry ``Cache-Control: no-store, private``
(no browser, proxy or back button keeps them); static files and the public pages anonymous visitors see do
not (the login page is Django's own ``never_cache``)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from config.middleware import NoStoreMiddleware
from submissions.models import Evidence
from tests.factories import leaf
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_signed_in_pages_are_not_stored(world, client_for):
    client = client_for(world.officer_a)
    for url in (reverse("home"), reverse("submissions:score_page", args=[world.sub_a.pk]),
                reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url
    # A public page seen while signed in carries the person's name in the menu.
    public = client.get(reverse("ranking:public_list"))
    assert str(world.officer_a) in public.content.decode() and no_store(public)


def test_downloads_are_not_stored(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_for(world.officer_a)
    node = leaf(world.sub_a, "2.1")
    client.post(reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk]), {
        "file": SimpleUploadedFile("ke-hoach.pdf", tiny_pdf()), "doc_number": "30/KH-SXD",
        "doc_date": date(2024, 11, 1).isoformat(), "issuer": "Sở Xây dựng"}, HTTP_HX_REQUEST="true")
    evidence = Evidence.objects.get()
    downloads = {
        "evidence": reverse("submissions:evidence_download", args=[evidence.pk]),
        "pdf": reverse("submissions:print_pdf", args=[world.sub_a.pk]),
        "workbook": reverse("submissions:summary_xlsx", args=[world.sub_a.pk]),
    }
    for what, url in downloads.items():
        response = client.get(url)
        assert response.status_code == 200, what
        assert response["Content-Disposition"].startswith(("attachment", "inline")), what
        assert no_store(response), what


def test_public_pages_stay_cacheable_for_visitors(db):
    response = Client().get(reverse("ranking:public_list"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_static_files_stay_cacheable_even_for_a_signed_in_person(world):
    request = RequestFactory().get("/static/css/app.css")
    request.user = world.officer_a
    response = NoStoreMiddleware(lambda r: HttpResponse("body{}", headers={"Cache-Control": "max-age=60"}))(request)
    assert response["Cache-Control"] == "max-age=60"
    page = RequestFactory().get("/")
    page.user = world.officer_a
    assert no_store(NoStoreMiddleware(lambda r: HttpResponse("x", headers={"Cache-Control": "public"}))(page))
    assert "public" not in NoStoreMiddleware(lambda r: HttpResponse("x"))(page)["Cache-Control"]
