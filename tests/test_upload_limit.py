"""Issue #15 item 8: an upload's size is checked while the request is read. Past the evidence limit nothing
more of the file is stored (not in memory, not in a temporary file), the page answers with the usual
Vietnamese refusal keeping what was typed, and nothing is written."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.urls import reverse

from config.uploads import OversizedUpload
from submissions.models import Evidence
from tests.factories import leaf
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture
def stored(monkeypatch):
    """Bytes each storing handler was given, per file name."""
    given = {}
    for cls in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        real = cls.receive_data_chunk

        def spy(self, raw_data, start, real=real):
            if getattr(self, "activated", True):  # the memory handler passes a large file on untouched
                given[self.file_name] = given.get(self.file_name, 0) + len(raw_data)
            return real(self, raw_data, start)

        monkeypatch.setattr(cls, "receive_data_chunk", spy)
    return given


@pytest.mark.parametrize("size", [3 * MB // 2, 4 * MB])  # in memory (under 2,5 MB) and in a temporary file
def test_an_evidence_over_the_limit_is_stopped_while_reading(world, client_for, settings, tmp_path, stored, size):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_MAX_BYTES = 1 * MB
    node = leaf(world.sub_a, "2.1")
    big = tiny_pdf() + b"\n%" + b"x" * size
    response = client_for(world.officer_a).post(
        reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk]),
        {"file": SimpleUploadedFile("ke-hoach-lon.pdf", big), "doc_number": "30/KH-SXD",
         "doc_date": date(2024, 11, 1).isoformat(), "issuer": "Sở Xây dựng"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tệp “ke-hoach-lon.pdf” lớn hơn giới hạn 1 MB." in page
    assert 'value="30/KH-SXD"' in page  # what was typed is kept
    assert stored["ke-hoach-lon.pdf"] <= settings.EVIDENCE_MAX_BYTES  # the rest was never stored
    assert not Evidence.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no evidence file either


def test_a_file_within_the_limit_is_stored_whole(world, client_for, settings, tmp_path, stored):
    settings.MEDIA_ROOT = tmp_path / "media"
    node = leaf(world.sub_a, "2.1")
    data = tiny_pdf()
    response = client_for(world.officer_a).post(
        reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk]),
        {"file": SimpleUploadedFile("ke-hoach.pdf", data), "doc_number": "30/KH-SXD",
         "doc_date": date(2024, 11, 1).isoformat(), "issuer": "Sở Xây dựng"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert stored["ke-hoach.pdf"] == len(data) == Evidence.objects.get().size


def test_an_oversized_upload_refuses_to_be_read():
    upload = OversizedUpload("bien-ban.pdf", "application/pdf", 30 * MB, 20 * MB)
    assert upload.size == 30 * MB
    with pytest.raises(ValidationError, match="Tệp “bien-ban.pdf” lớn hơn giới hạn 20 MB."):
        upload.read()
