"""Điều 8.1.b: the minutes of the leadership's endorsement, optional, attached before sending; checked by
content like evidence, kept when replaced, downloaded only by those who may read the sheet."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from submissions.models import EndorsementMinutes
from tests.appraisal.conftest import fill_and_send
from tests.factories import make_world
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, world, name="Biên bản họp.pdf", data=None):
    return client.post(reverse("submissions:review", args=[world.sub_a.pk]), {
        "step": "minutes", "minutes": SimpleUploadedFile(name, data if data is not None else tiny_pdf())},
        follow=True)


def test_the_approver_attaches_minutes_shown_on_review_and_confirmation(client_for):
    w = make_world()
    client = client_for(w.approver_a)
    page = upload(client, w).content.decode()
    minutes = EndorsementMinutes.objects.get()
    assert "Đã đính kèm biên bản họp" in page and reverse("submissions:minutes_download", args=[minutes.pk]) in page
    assert minutes.kind == "pdf" and minutes.uploaded_by == w.approver_a
    upload(client, w, name="Biên bản họp lần 2.pdf")
    assert EndorsementMinutes.objects.count() == 2  # the earlier one is kept
    assert w.sub_a.minutes.first().original_name == "Biên bản họp lần 2.pdf"


def test_a_file_that_is_not_what_it_claims_is_refused(client_for):
    w = make_world()
    page = upload(client_for(w.approver_a), w, name="Biên bản.pdf", data=b"just text").content.decode()
    assert "alert-danger" in page and not EndorsementMinutes.objects.exists()


def test_an_officer_cannot_attach_and_a_sent_sheet_takes_none(client_for):
    w = make_world()
    assert upload(client_for(w.officer_a), w).status_code == 403
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    page = upload(client_for(w.approver_a), w).content.decode()
    assert "đã được gửi" in page and not EndorsementMinutes.objects.exists()


def test_download_is_for_those_who_read_the_sheet(client_for):
    w = make_world()
    upload(client_for(w.approver_a), w)
    url = reverse("submissions:minutes_download", args=[EndorsementMinutes.objects.get().pk])
    for user in (w.officer_a, w.approver_a, w.secretariat):
        response = client_for(user).get(url)
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    for user in (w.officer_b, w.outsider):
        assert client_for(user).get(url).status_code == 404
