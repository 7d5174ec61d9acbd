"""Issue #10, part 1.1: council members open the evidence they judge (404 before), and nobody else does.

A member reads the evidence of exactly the criteria of their agency, never of their own unit; the chair
of the council reads every sent sheet's evidence; a PDF or an image is shown inline on request, still
``nosniff`` and sandboxed; anything else is always a download."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from appraisal import services
from submissions.models import Entry, Evidence, Role, Submission
from tests.factories import UserFactory, leaf
from tests.submissions.helpers import docx_bytes, tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def evidence(world, submission, code, *, name="Báo cáo.pdf", kind="pdf", mime="application/pdf", data=None):
    entry = Entry.objects.get(submission=submission, node=leaf(submission, code))
    item = Evidence(entry=entry, original_name=name, size=1, sha256="0" * 64, kind=kind, mime=mime,
                    doc_number="9/BC-SXD", doc_number_normalized="9/BC-SXD", doc_date=date(2024, 11, 1),
                    issuer="Sở Xây dựng", uploaded_by=world.officer_a)
    item.file.save(name, ContentFile(data or tiny_pdf()), save=False)
    item.save()
    return item


def url(item, inline=False):
    return reverse("appraisal:evidence", args=[item.pk]) + ("?xem=1" if inline else "")


def test_member_opens_evidence_of_their_criteria_linked_from_their_unit_page(council, client_for):
    item = evidence(council, council.sub_a, "3.2")
    client = client_for(council.people.stc)
    page = client.get(reverse("appraisal:unit_page", args=[council.m_stc.pk, council.sub_a.pk]))
    assert page.status_code == 200
    assert url(item) in page.content.decode() and url(item, inline=True) in page.content.decode()
    response = client.get(url(item))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == tiny_pdf()
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]


def test_pdf_is_shown_inline_beside_the_score_sandboxed(council, client_for):
    item = evidence(council, council.sub_a, "3.2")
    response = client_for(council.people.stc).get(url(item, inline=True))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline") and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"] and "frame-ancestors 'self'" in \
        response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_a_word_file_is_never_inline(council, client_for):
    item = evidence(council, council.sub_a, "3.2", name="Bảng.docx", kind="docx", data=docx_bytes(),
                    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response = client_for(council.people.stc).get(url(item, inline=True))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert "frame-ancestors" not in response["Content-Security-Policy"]


def test_member_is_refused_evidence_of_another_agencys_criterion(council, client_for):
    item = evidence(council, council.sub_a, "2.1")  # Thanh tra tỉnh's criterion
    assert client_for(council.people.stc).get(url(item)).status_code == 404
    assert client_for(council.people.ttt).get(url(item)).status_code == 200


def test_member_is_refused_their_own_units_evidence(council, client_for):
    item = evidence(council, council.sub_b, "2.1")  # Thanh tra tỉnh's member works in unit B
    assert client_for(council.people.ttt).get(url(item)).status_code == 404


def test_chair_reads_every_sent_sheet_of_the_period(council, client_for):
    chair = UserFactory(username="chu.tich.hd")
    services.member_add(period=council.period, user=chair, agency="Sở Nội vụ", role="chair")
    role_chair = UserFactory(username="ct.hoidong")
    Role.objects.create(user=role_chair, kind=Role.CHAIR, authority=council.authority)
    for code in ("2.1", "3.2"):
        item = evidence(council, council.sub_b, code)
        assert client_for(chair).get(url(item)).status_code == 200
        assert client_for(role_chair).get(url(item)).status_code == 200


def test_unsent_sheet_and_other_people_are_refused(council, client_for):
    item = evidence(council, council.sub_a, "3.2")
    for user in (council.outsider, council.people.leader, council.officer_b, council.approver_b):
        assert client_for(user).get(url(item)).status_code == 404
    Submission.objects.filter(pk=council.sub_a.pk).update(status=Submission.DRAFT)
    assert client_for(council.people.stc).get(url(item)).status_code == 404


def test_anonymous_is_sent_to_login(council, client):
    item = evidence(council, council.sub_a, "3.2")
    response = client.get(url(item))
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


def test_unit_and_secretariat_still_download_through_their_view(council, client_for):
    item = evidence(council, council.sub_a, "3.2")
    link = reverse("submissions:evidence_download", args=[item.pk])
    for user in (council.officer_a, council.secretariat):
        response = client_for(user).get(link)
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert client_for(council.officer_b).get(link).status_code == 404
