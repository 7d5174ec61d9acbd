"""Celery application.

Without ``REDIS_URL`` the settings make every task run eagerly in the calling process, so the
embedded default (``make run``) needs no broker. With it, tasks go to Redis and a worker runs them.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("danhgia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping() -> str:
    """Round trip used by the health check and by the CI test that a real worker answers."""
    return "pong"
