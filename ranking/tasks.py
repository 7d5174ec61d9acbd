"""Heavy ranking reports, built by Celery with their progress recorded on the job row."""

from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import timezone

from . import reports
from .models import RankingVersion, ReportJob


def _step(job: ReportJob, progress: int, message: str) -> None:
    ReportJob.objects.filter(pk=job.pk).update(status="running", progress=progress, message=message)


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def build_report(self, job_id: int) -> str:
    """Idempotent: a finished job is not built again."""
    job = ReportJob.objects.select_related("period").filter(pk=job_id).first()
    if job is None or job.status == "done":
        return job.status if job else "missing"
    try:
        _step(job, 5, "Đọc kết quả xếp loại các khối")
        versions = reports.current_versions(job.period)
        if not versions:
            raise ValueError("Kỳ đánh giá chưa có kết quả xếp loại.")
        if job.kind == ReportJob.WORKBOOK:
            _step(job, 30, f"Ghi {len(versions)} trang tính")
            data, name = reports.ranking_workbook(versions), f"xep-loai-{job.period.code}.xlsx"
        else:
            _step(job, 30, "Dàn trang phụ lục (PDF)")
            data = reports.annex_pdf(job.period, versions)
            if all(v.status == RankingVersion.PUBLISHED for v in versions):
                _step(job, 70, "Ký số phụ lục")
                data = reports.sign(data, stamp_text=f"Phụ lục kèm Quyết định số {versions[0].decision_number}")
            name = f"phu-luc-xep-loai-{job.period.code}.pdf"
        _step(job, 90, "Lưu tệp")
        job.refresh_from_db()
        job.file.save(name, ContentFile(data), save=False)
        job.status, job.progress, job.message, job.finished_at = "done", 100, "Đã xong.", timezone.now()
        job.save()
    except Exception as exc:  # the user sees what went wrong where they wait
        ReportJob.objects.filter(pk=job.pk).update(status="failed", message=str(exc)[:500],
                                                   finished_at=timezone.now())
        if isinstance(exc, OSError):
            raise
    return "done"
