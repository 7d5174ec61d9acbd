"""Reminders of a block's appraisal and leaders' deadlines (issue #13 item 5; ``appraisal.deadlines``). Imported
at the end of ``appraisal.models`` so Django registers the model there."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from submissions.models import Block, Period


class DeadlineReminder(models.Model):
    """One reminder e-mail (3 days, 1 day, 3 hours before) of one deadline of a block to one person: a council
    member with criteria left before the appraisal deadline, a leader with forms left before theirs. The
    deadline is part of the key: moved by the secretariat, it is a new deadline and is reminded again; the beat
    task runs every few minutes and never sends the same reminder twice."""

    APPRAISAL, LEADER = "appraisal", "leader"
    PHASES = [(APPRAISAL, "Hạn thẩm định"), (LEADER, "Hạn phiếu đánh giá của Lãnh đạo")]

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phase = models.CharField("Hạn", max_length=12, choices=PHASES)
    deadline = models.DateTimeField("Thời hạn")
    kind = models.CharField("Nhắc trước", max_length=8)
    sent_at = models.DateTimeField("Gửi lúc", auto_now_add=True)

    class Meta:
        verbose_name = "Nhắc hạn thẩm định, phiếu Lãnh đạo"
        verbose_name_plural = "Nhắc hạn thẩm định, phiếu Lãnh đạo"
        constraints = [models.UniqueConstraint(fields=["period", "block", "user", "phase", "deadline", "kind"],
                                               name="deadline_reminder_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_phase_display()} {self.block} ({self.kind})"
