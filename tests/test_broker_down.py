"""With the broker unreachable (REDIS_URL pointing at a closed port), saving, uploading and sending still
work; the signature check stays pending and says so; nothing is lost."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.celery import app
from submissions.models import Entry, Evidence, Submission
from tests.factories import leaf
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    saved = {k: app.conf.get(k) for k in ("task_always_eager", "broker_url", "broker_connection_retry_on_startup",
                                          "task_publish_retry", "broker_connection_timeout")}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0", task_publish_retry=False,
                    broker_connection_timeout=1, broker_connection_retry_on_startup=False)
    _reset_pool()
    yield
    app.conf.update(saved)
    _reset_pool()


def _reset_pool():
    """Drop every connection and producer pool, so Celery builds new ones for the current broker URL
    (what Celery itself does after a fork)."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def test_saving_uploading_and_sending_work_without_the_broker(world, client_for, broker_down,
                                                              django_capture_on_commit_callbacks):
    client = client_for(world.officer_a)
    node = leaf(world.sub_a, "2.1")
    response = client.post(reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk]),
                           {"version": "0", "value": "2", "explanation": "Tại Mục 1"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk]), {
            "file": SimpleUploadedFile("ke-hoach.pdf", tiny_pdf()), "doc_number": "30/KH-SXD",
            "doc_date": date(2024, 11, 1).isoformat(), "issuer": "Sở Xây dựng"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert evidence.signature_status == "pending"
    page = client.get(reverse("submissions:score_page", args=[world.sub_a.pk])).content.decode()
    assert "Đang kiểm tra chữ ký số" in page  # the user is told what is pending
    assert Entry.objects.get(node=node).points == 2
    # The beat job retries later; once the broker is back the check completes (run here in-process).
    from submissions.services import evidence_record_signature

    assert evidence_record_signature(evidence_id=evidence.pk).signature_status == "unsigned"
    assert Submission.objects.get(pk=world.sub_a.pk).status == "draft"
