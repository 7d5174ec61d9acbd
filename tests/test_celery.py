"""Celery: eager without a broker; with REDIS_URL and a worker started by .ci/run, a real round trip."""

import os

import pytest
from django.conf import settings

from config.celery import app, ping


def test_tasks_run_eagerly_without_redis():
    if settings.REDIS_URL:
        pytest.skip("REDIS_URL is set: tasks go to the broker (see the real-worker test)")
    assert app.conf.task_always_eager is True
    assert ping.delay().get(timeout=1) == "pong"


@pytest.mark.celery_worker
def test_a_real_worker_answers_through_redis():
    """.ci/run starts a worker and sets CELERY_WORKER_EXPECTED=1; then this test must pass, not skip."""
    if not settings.REDIS_URL:
        pytest.skip("no REDIS_URL: the embedded shape runs tasks eagerly")
    if os.environ.get("CELERY_WORKER_EXPECTED") != "1":
        pytest.skip("no worker was started for this run (CELERY_WORKER_EXPECTED is not 1)")
    assert app.conf.task_always_eager is False
    result = ping.apply_async()
    assert result.get(timeout=30) == "pong"
    assert result.status == "SUCCESS"
