"""Reminders the secretariat sends by hand from its home page to chosen units (issue #14 item 2). Imported at
the end of ``submissions.models`` so Django registers it there. Append-only: who sent which reminder to
which unit's sheet, when, to which addresses; the automatic reminders keep ``ReminderSent``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .models import Submission


class ManualReminder(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="manual_reminders")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name="Người gửi")
    sent_at = models.DateTimeField("Gửi lúc", default=timezone.now)
    subject = models.CharField("Tiêu đề", max_length=255)
    recipients = models.TextField("Gửi đến", blank=True)
    delivered = models.PositiveSmallIntegerField("Số địa chỉ đã gửi", default=0)

    class Meta:
        verbose_name = "Thư nhắc của cơ quan thường trực"
        verbose_name_plural = "Thư nhắc của cơ quan thường trực"
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.submission} — {self.sent_at:%d/%m/%Y %H:%M}"
