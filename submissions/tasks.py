"""Celery tasks of the self-assessment stage. They take ids, call a service, and are safe to repeat."""

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def evidence_check_signature(self, evidence_id: int) -> str | None:
    evidence = services.evidence_record_signature(evidence_id=evidence_id)
    return evidence.signature_status if evidence else None


@shared_task(acks_late=True)
def lock_overdue_submissions() -> int:
    return services.submissions_lock_overdue()


@shared_task(acks_late=True)
def recheck_pending_signatures() -> int:
    """Queue again the PDF checks still pending after two minutes (broker down at upload time)."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import Evidence

    pending = Evidence.objects.filter(signature_status="pending",
                                      uploaded_at__lt=timezone.now() - timedelta(minutes=2))
    ids = list(pending.values_list("pk", flat=True)[:500])
    for evidence_id in ids:
        services.queue_signature_check(evidence_id)
    return len(ids)


@shared_task(acks_late=True)
def send_deadline_reminders() -> int:
    return services.reminders_send()
