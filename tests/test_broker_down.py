"""With the broker unreachable (REDIS_URL pointing at a closed port), saving, uploading and sending still
work; the signature check stays pending and says so; nothing is lost."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.celery import app
from submissions.models import Entry, Evidence, Submission
from tests.factories import leaf
from tests.ranking.test_publication import ranked  # noqa: F401 (a fixture)
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


# Issue 15.8: publishing fails fast with the settings as configured (no per-test shortcuts), the result
# store is never waited on, and what was not queued is queued again by beat once the broker is back.

DOWN = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_and_results_down(settings, tmp_path):
    """The production shape with Redis stopped: broker and result store on a closed port, every other
    Celery setting as config/settings.py has it. Counts the TCP connects to that port."""
    import socket

    settings.MEDIA_ROOT = tmp_path / "media"
    saved = {k: app.conf.get(k) for k in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(task_always_eager=False, broker_url=DOWN, result_backend=DOWN)
    _reset_pool()
    _reset_backend()
    connects = []
    real_connect = socket.socket.connect

    def counting_connect(sock, address):
        if isinstance(address, tuple) and address[1] == 1:
            connects.append(address)
        return real_connect(sock, address)

    socket.socket.connect = counting_connect
    yield connects
    socket.socket.connect = real_connect
    app.conf.update(saved)
    _reset_pool()
    _reset_backend()


def _reset_backend():
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


def test_the_bounded_connection_and_retry_settings_reach_celery():
    """What bounds a publish with Redis down: the TCP connect to the broker and to the result store, the
    broker's total connection time and the retries of a publish and of the result store."""
    assert app.conf.broker_connection_timeout <= 2
    assert app.conf.broker_transport_options["socket_connect_timeout"] <= 2
    assert app.conf.redis_socket_connect_timeout <= 2
    assert app.conf.task_publish_retry_policy["max_retries"] <= 1
    assert app.conf.task_publish_retry_policy["interval_max"] <= 0.5
    assert app.conf.result_backend_transport_options["retry_policy"]["max_retries"] <= 1


def test_an_upload_with_redis_down_tries_the_broker_twice_and_never_the_result_store(
        world, client_for, broker_and_results_down, monkeypatch, django_capture_on_commit_callbacks):
    from celery.backends.redis import ResultConsumer

    subscribed = []
    monkeypatch.setattr(ResultConsumer, "consume_from", lambda self, task_id: subscribed.append(task_id))
    client = client_for(world.officer_a)
    node = leaf(world.sub_a, "2.1")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk]), {
            "file": SimpleUploadedFile("ke-hoach.pdf", tiny_pdf()), "doc_number": "31/KH-SXD",
            "doc_date": date(2024, 11, 1).isoformat(), "issuer": "Sở Xây dựng"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Evidence.objects.get().signature_status == "pending"  # left for recheck_pending_signatures
    assert subscribed == []  # Celery's default waited here 20 × 1 s on the result store
    assert 1 <= len(broker_and_results_down) <= 2  # one try and one quick retry (the default: four)


def test_a_report_requested_with_redis_down_is_built_when_it_is_back(
        ranked, client_for, broker_and_results_down, settings, django_capture_on_commit_callbacks):  # noqa: F811
    from datetime import timedelta

    from ranking import services
    from ranking.models import ReportJob
    from ranking.tasks import QUEUE_DOWN_MESSAGE, requeue_pending_reports

    services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    client = client_for(ranked.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ranking:report_request", args=[ranked.period.pk]), {"kind": "workbook"})
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert job.status == "queued" and job.message == QUEUE_DOWN_MESSAGE
    assert QUEUE_DOWN_MESSAGE in client.get(response.url).content.decode()  # the user is told
    assert len(broker_and_results_down) <= 2
    # Still down a minute later: the beat re-queue tries again, the job keeps waiting, nothing is lost.
    assert requeue_pending_reports(now=job.created_at + timedelta(minutes=2)) == 1
    job.refresh_from_db()
    assert job.status == "queued"
    # The broker is back (here: tasks run in-process, as the worker would run them).
    app.conf.update(task_always_eager=True)
    assert requeue_pending_reports(now=job.created_at + timedelta(seconds=30)) == 0  # too recent: not yet
    assert requeue_pending_reports(now=job.created_at + timedelta(minutes=3)) == 1
    job.refresh_from_db()
    assert job.status == "done" and job.file.name.endswith(".xlsx")
    # Idempotent: a finished job is not queued or built again.
    assert requeue_pending_reports(now=job.created_at + timedelta(minutes=10)) == 0


def test_the_report_re_queue_runs_on_the_beat_schedule():
    from django.conf import settings

    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks["ranking.tasks.requeue_pending_reports"] <= 60
    assert "submissions.tasks.recheck_pending_signatures" in tasks
