"""One document, several criteria (issue #14 item 4): a file the unit already uploaded is attached to another
criterion without uploading it again; the file is shared, the record says who attached it, and it is refused
where an upload would be."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from submissions import services
from submissions.models import Evidence
from tests.factories import leaf
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def uploaded(world):
    world.first, world.second = leaf(world.sub_a, "2.1"), leaf(world.sub_a, "2.2")
    world.source, _ = services.evidence_add(
        submission=world.sub_a, node=world.first, actor=world.officer_a,
        upload=services.Upload("Kế hoạch.pdf", tiny_pdf()), doc_number="30/KH-SXD", doc_date=date(2024, 11, 15),
        issuer="Sở Xây dựng")
    return world


def _url(w, node):
    return reverse("submissions:evidence_reuse", args=[w.sub_a.pk, node.pk])


def test_the_page_offers_the_documents_of_other_criteria_and_attaching_shares_the_file(uploaded, client_for):
    w = uploaded
    client = client_for(w.approver_a)
    page = client.get(_url(w, w.second))
    assert page.status_code == 200 and "Kế hoạch.pdf" in page.content.decode()
    response = client.post(_url(w, w.second), {"evidence": w.source.pk}, follow=True)
    assert response.status_code == 200
    assert "Đã gắn “Kế hoạch.pdf” cho tiêu chí 2.2 (dùng lại tài liệu đã tải lên ở tiêu chí 2.1)." in \
        response.content.decode()
    copy = Evidence.objects.get(entry__node=w.second)
    assert (copy.file.name, copy.sha256, copy.doc_number, copy.issuer, copy.signature_status) == (
        w.source.file.name, w.source.sha256, "30/KH-SXD", "Sở Xây dựng", Evidence.objects.get(
            pk=w.source.pk).signature_status)
    assert copy.uploaded_by == w.approver_a
    assert copy.history.first().history_change_reason == "Dùng lại tài liệu đã tải lên ở tiêu chí 2.1"
    # The criterion that carries it no longer offers it, and the same document is no "Số trùng".
    assert "Kế hoạch.pdf" not in client.get(_url(w, w.second)).content.decode()
    assert client.post(_url(w, w.second), {"evidence": w.source.pk}).status_code == 400
    assert Evidence.objects.filter(entry__node=w.second).count() == 1
    # Removing it from one criterion keeps it on the other (the file is never deleted).
    services.evidence_remove(evidence=copy, actor=w.approver_a)
    assert Evidence.objects.get(pk=w.source.pk).removed_at is None
    assert Evidence.objects.get(pk=w.source.pk).file.storage.exists(w.source.file.name)


def test_nothing_chosen_or_a_file_of_another_sheet_is_refused_and_nothing_is_written(uploaded, client_for):
    w = uploaded
    client = client_for(w.officer_a)
    response = client.post(_url(w, w.second), {})
    assert response.status_code == 400 and "Hãy chọn một tài liệu trong danh sách." in response.content.decode()
    other, _ = services.evidence_add(
        submission=w.sub_b, node=leaf(w.sub_b, "2.1"), actor=w.officer_b,
        upload=services.Upload("Khác.pdf", tiny_pdf("khac")), doc_number="1/KH-STC", doc_date=date(2024, 11, 15),
        issuer="Sở Tài chính")
    for value in (other.pk, "²", "9" * 40):
        assert client.post(_url(w, w.second), {"evidence": value}).status_code == 400
    assert not Evidence.objects.filter(entry__node=w.second, entry__submission=w.sub_a).exists()


def test_after_the_deadline_it_is_refused_like_an_upload(uploaded, client_for):
    w = uploaded
    w.sub_a.period.closes_at = timezone.now() - timedelta(minutes=1)
    w.sub_a.period.save()
    response = client_for(w.officer_a).post(_url(w, w.second), {"evidence": w.source.pk})
    assert response.status_code in (400, 403)
    assert not Evidence.objects.filter(entry__node=w.second).exists()


def test_someone_outside_the_unit_is_refused(uploaded, client_for):
    w = uploaded
    for user in (w.officer_b, w.approver_b):
        assert client_for(user).get(_url(w, w.second)).status_code in (403, 404)
        assert client_for(user).post(_url(w, w.second), {"evidence": w.source.pk}).status_code in (403, 404)
    assert not Evidence.objects.filter(entry__node=w.second).exists()
