"""Heavy ranking reports, built by Celery with their progress recorded on the job row."""

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from submissions.transitions import SYSTEM, transition

from . import reports
from .models import ReportJob
from .states import REPORT_JOB

J = ReportJob.Status


def _move(job: ReportJob, action: str, **fields) -> None:
    """A step of the job's table (queued → running → done / failed), recorded; the row locked meanwhile."""
    with transaction.atomic():
        locked = ReportJob.objects.select_for_update().select_related("period").get(pk=job.pk)
        transition(REPORT_JOB, locked, action, actor=None, roles={SYSTEM}, note=fields.get("message", ""))
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()


def _step(job: ReportJob, progress: int, message: str) -> None:
    ReportJob.objects.filter(pk=job.pk).update(progress=progress, message=message)


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def build_report(self, job_id: int) -> str:
    """Idempotent: a finished job is not built again."""
    job = ReportJob.objects.select_related("period").filter(pk=job_id).first()
    if job is None or job.status == J.DONE:
        return job.status if job else "missing"
    _move(job, "start", progress=5, message="Đọc kết quả xếp loại các khối")
    try:
        versions = reports.current_versions(job.period)
        if not versions:
            raise ValueError("Kỳ đánh giá chưa có kết quả xếp loại.")
        if job.kind == ReportJob.WORKBOOK:
            _step(job, 30, f"Ghi {len(versions)} trang tính")
            data, name = reports.ranking_workbook(versions), f"xep-loai-{job.period.code}.xlsx"
        else:
            _step(job, 30, "Dàn trang phụ lục (PDF)")
            data = reports.annex(job.period)  # signed once every block is published
            name = f"phu-luc-xep-loai-{job.period.code}.pdf"
        _step(job, 90, "Lưu tệp")
        job.refresh_from_db()
        job.file.save(name, ContentFile(data), save=False)
        _move(job, "finish", file=job.file.name, progress=100, message="Đã xong.", finished_at=timezone.now())
    except Exception as exc:  # the user sees what went wrong where they wait
        _move(job, "fail", message=str(exc)[:500], finished_at=timezone.now())
        if isinstance(exc, OSError):
            raise
    return "done"


QUEUE_DOWN_MESSAGE = "Hệ thống hàng đợi đang bận; báo cáo sẽ được tạo khi hệ thống khôi phục."
REQUEUE_AFTER_SECONDS = 60


def queue_report(job_id: int) -> bool:
    """Queue the build of a report job, never holding the request on a broker that is down
    (``config.publishing``). Not queued, the job stays "Đang chờ", says why, and
    ``requeue_pending_reports`` queues it again once the broker answers."""
    from config.publishing import publish

    if publish(build_report, job_id):
        return True
    ReportJob.objects.filter(pk=job_id, status=J.QUEUED).update(message=QUEUE_DOWN_MESSAGE)
    return False


@shared_task(acks_late=True)
def requeue_pending_reports(now=None) -> int:
    """Beat: queue again the report jobs still waiting a minute after they were requested (the broker was
    down then, or the message was lost). Safe to repeat: ``build_report`` does not build a finished job again,
    and only jobs that have not started are queued."""
    from datetime import timedelta

    cutoff = (now or timezone.now()) - timedelta(seconds=REQUEUE_AFTER_SECONDS)
    ids = list(ReportJob.objects.filter(status=J.QUEUED, created_at__lt=cutoff)
               .order_by("created_at").values_list("pk", flat=True)[:200])
    for job_id in ids:
        queue_report(job_id)
    return len(ids)
