"""Evidence upload through the page: content checks, document numbers, nothing stored on a bad file."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from submissions.models import Evidence
from tests.factories import leaf
from tests.submissions.helpers import docx_bytes, tiny_pdf, zip_bomb_xlsx

pytestmark = pytest.mark.django_db


def upload(client, world, name, data, number="30/KH-SXD", code="2.1", htmx=False):
    node = leaf(world.sub_a, code)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk]), {
        "file": SimpleUploadedFile(name, data), "doc_number": number, "doc_date": "2024-11-15",
        "issuer": "Sở Xây dựng",
    }, **headers)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_pdf_is_stored_with_its_number_and_its_signature_checked(world, client_for, settings):
    response = upload(client_for(world.officer_a), world, "Kế hoạch.pdf", tiny_pdf(), htmx=True)
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert evidence.kind == "pdf" and evidence.doc_number == "30/KH-SXD" and not evidence.doc_number_suffix
    # Eager Celery: the check ran after commit; a PDF without signature is flagged as such.
    evidence.refresh_from_db()
    assert evidence.signature_status in {"unsigned", "pending"}
    assert len(stored_files(settings)) == 1
    assert "Kế hoạch.pdf" in response.content.decode()


def test_an_upload_says_what_was_uploaded(world, client_for):
    """#14 item 8: "Đã tải lên …" with the file's name, its size and the criterion, not a bare "Đã lưu."."""
    response = upload(client_for(world.officer_a), world, "Kế hoạch.pdf", tiny_pdf(), htmx=True)
    size = Evidence.objects.get().size
    page = response.content.decode()
    assert "Đã tải lên “Kế hoạch.pdf”" in page and "cho tiêu chí 2.1." in page and ">Đã lưu.<" not in page
    client = client_for(world.officer_a)
    follow = client.get(upload(client, world, "bang-thong-ke.docx", docx_bytes(), number="31/KH-SXD")["Location"])
    assert "Đã tải lên “bang-thong-ke.docx”" in follow.content.decode() and size > 0


def test_docx_is_accepted(world, client_for):
    assert upload(client_for(world.officer_a), world, "bang-thong-ke.docx", docx_bytes()).status_code == 302
    assert Evidence.objects.get().kind == "docx"


@pytest.mark.parametrize("name, data, message", [
    ("bao-cao.pdf", b"MZ\x90\x00" + b"\x00" * 200, "không phải là PDF"),
    ("bao-cao.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "không phải là PDF"),
    ("bang.xlsx", None, "giải nén"),
])
def test_bad_files_are_refused_with_a_message_and_nothing_is_stored(world, client_for, settings, name, data, message):
    data = zip_bomb_xlsx() if data is None else data
    response = upload(client_for(world.officer_a), world, name, data, htmx=True)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Evidence.objects.count() == 0 and stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused(world, client_for, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = upload(client_for(world.officer_a), world, "lon.pdf", tiny_pdf() + b"\0" * 2048, htmx=True)
    assert response.status_code == 400 and "lớn hơn giới hạn" in response.content.decode()
    assert Evidence.objects.count() == 0


def test_letter_suffix_is_stored_and_flagged_with_the_zero_warning(world, client_for):
    response = upload(client_for(world.officer_a), world, "kh.pdf", tiny_pdf(), number="30a/KH-SXD", htmx=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "chấm 0" in page
    assert Evidence.objects.get().doc_number_suffix


def test_same_number_twice_in_one_submission_is_flagged(world, client_for):
    client = client_for(world.officer_a)
    upload(client, world, "a.pdf", tiny_pdf(), number="45/UBND-VP", code="2.1")
    response = upload(client, world, "b.pdf", tiny_pdf("Công văn 45/UBND-VP"), number="45 / ubnd-vp", code="2.2",
                      htmx=True)
    assert "đã được dùng ở tiêu chí 2.1" in response.content.decode()
    assert "Số trùng" in response.content.decode()
    assert Evidence.objects.count() == 2


def test_the_same_file_on_two_criteria_is_not_a_duplicate_number(world, client_for):
    """#14 item 4: "Số trùng" only for different files bearing the same number; one document backing several
    criteria (the same content, uploaded again) is not flagged, on upload nor on the sheet."""
    client = client_for(world.officer_a)
    upload(client, world, "a.pdf", tiny_pdf(), number="45/UBND-VP", code="2.1")
    response = upload(client, world, "a-lan-2.pdf", tiny_pdf(), number="45/UBND-VP", code="2.2", htmx=True)
    assert response.status_code == 200 and Evidence.objects.count() == 2
    assert "đã được dùng ở tiêu chí" not in response.content.decode()
    assert "Số trùng" not in response.content.decode()
    sheet = client.get(reverse("submissions:score_page", args=[world.sub_a.pk])).content.decode()
    assert "Số trùng" not in sheet and "được dùng nhiều lần" not in sheet


def test_unparsable_number_is_refused(world, client_for):
    response = upload(client_for(world.officer_a), world, "a.pdf", tiny_pdf(), number="không số", htmx=True)
    assert response.status_code == 400 and Evidence.objects.count() == 0


def test_removing_keeps_the_record_and_the_file(world, client_for, settings):
    client = client_for(world.officer_a)
    upload(client, world, "a.pdf", tiny_pdf())
    evidence = Evidence.objects.get()
    client.post(reverse("submissions:evidence_remove", args=[evidence.pk]))
    evidence.refresh_from_db()
    assert evidence.removed_at and evidence.removed_by == world.officer_a
    assert len(stored_files(settings)) == 1
    assert [h.history_type for h in evidence.history.order_by("history_date")] == ["+", "~"]


def test_upload_after_the_deadline_is_refused(world, client_for):
    from datetime import timedelta

    from django.utils import timezone

    world.period.closes_at = timezone.now() - timedelta(minutes=1)
    world.period.save()
    response = upload(client_for(world.officer_a), world, "a.pdf", tiny_pdf(), htmx=True)
    assert response.status_code == 400 and "Đã hết hạn gửi báo cáo" in response.content.decode()
    assert Evidence.objects.count() == 0


@pytest.mark.parametrize("make, roots, status", [
    ("unsigned", False, "unsigned"),
    ("signed", False, "signed_untrusted"),
    ("signed", True, "signed_valid"),
    ("modified", True, "modified"),
])
def test_signature_status_is_recorded_beside_the_file(world, settings, tmp_path, make, roots, status):
    from datetime import date

    from submissions import services
    from tests.submissions import pki

    data = {"unsigned": pki.unsigned_pdf, "signed": pki.signed_pdf, "modified": pki.signed_then_modified_pdf}[make]()
    if roots:
        root = tmp_path / "ca.pem"
        root.write_bytes(pki.test_pki().root.pem)
        settings.SIGNATURE_TRUST_ROOTS = [str(root)]
    evidence, _ = services.evidence_add(
        submission=world.sub_a, node=leaf(world.sub_a, "2.1"), actor=world.officer_a,
        upload=services.Upload("vb.pdf", data), doc_number="30/KH-SXD", doc_date=date(2024, 11, 1),
        issuer="Sở Xây dựng")
    services.evidence_record_signature(evidence_id=evidence.pk)  # what the Celery task runs
    evidence.refresh_from_db()
    assert evidence.signature_status == status and evidence.signature_message
    if make != "unsigned":
        assert pki.SIGNER_NAME in evidence.signature_signers
    # Checking again changes nothing (the task is idempotent).
    checked_at = evidence.signature_checked_at
    services.evidence_record_signature(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    assert evidence.signature_checked_at == checked_at
