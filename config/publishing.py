"""Publishing a Celery task from a request, bounded (issue 15.8, "faults without stalls").

With Redis down, ``task.delay()`` used to hold a gunicorn worker about 19 s: Celery subscribed to the
task's result in the result store first (20 reconnects a second apart), then retried the broker, each
TCP connect unbounded. Every publisher in the project goes through :func:`publish`, which

- never subscribes to a result (nobody waits on one: the job's row says how it went), so the result
  store is not touched;
- uses the bounded connect timeout and retry policy of the settings (``CELERY_BROKER_*``,
  ``CELERY_TASK_PUBLISH_RETRY_POLICY``);
- never raises: a task not queued is logged and reported as ``False``; the caller leaves its row
  pending, and a beat task queues it again when the broker is back (``recheck_pending_signatures``,
  ``requeue_pending_reports``).
"""

import logging

logger = logging.getLogger(__name__)


def publish(task, *args) -> bool:
    """Queue ``task(*args)``; ``True`` if the broker took it (or, eagerly, it ran), ``False`` otherwise."""
    try:
        task.apply_async(args=args, ignore_result=True)
    except Exception:  # broker unreachable, or an eager run that failed: the beat re-queue retries it
        logger.exception("task %s%r not queued", task.name, args)
        return False
    return True
