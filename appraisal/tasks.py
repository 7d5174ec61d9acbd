"""Celery tasks of the appraisal stage. Safe to repeat."""

from celery import shared_task


@shared_task(acks_late=True)
def send_phase_reminders() -> int:
    """Reminders of each block's appraisal and leaders' deadlines (``appraisal.deadlines.reminders_send``)."""
    from .deadlines import reminders_send

    return reminders_send()
