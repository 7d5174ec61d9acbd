"""The period's ranking under Điều 7: facts per unit, versions of a block's ranking (draft → submitted
→ approved and published), the chair's order of ties, revocation (Điều 10.4) that keeps the old version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from criteria.grades import GRADE_CHOICES
from criteria.models import Node
from submissions.models import Block, Period, Submission, Unit

INCIDENTS = [("none", "Không có"), ("remedied", "Có, tự phát hiện và khắc phục xong"),
             ("unremedied", "Có, chưa tự phát hiện, khắc phục")]


class UnitFacts(models.Model):
    """What Điều 7 asks beyond the scores, entered by the secretariat with the evidence that proves it."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="unit_facts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="facts")
    outstanding = models.BooleanField("Có thành tích nổi bật (Hội đồng công nhận)", default=False)
    discipline = models.CharField("Kỷ luật tổ chức, lãnh đạo, cấp ủy viên", max_length=12, choices=INCIDENTS,
                                  default="none")
    corruption = models.CharField("Tham nhũng, tiêu cực ở đơn vị trực thuộc", max_length=12, choices=INCIDENTS,
                                  default="none")
    disunity = models.BooleanField("Bị kết luận mất đoàn kết nội bộ", default=False)
    official_prosecuted = models.BooleanField(
        "Có cán bộ, công chức, viên chức bị tạm giam, tạm giữ, khởi tố, truy tố", default=False,
        help_text="Điều 7.2.a: đơn vị có trường hợp này không được xếp Hoàn thành xuất sắc nhiệm vụ.")
    subunits_disciplined_share = models.DecimalField("Tỷ lệ đơn vị trực thuộc bị kỷ luật (0–1)", max_digits=5,
                                                     decimal_places=4, default=0)
    # Điều 7.3: where the fault behind the discipline fact was committed; blank = this unit. A fault committed
    # in another unit (the person moved here afterwards) counts against that unit, not this one.
    fault_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="faults_recorded_elsewhere",
        verbose_name="Nơi xảy ra vi phạm (Điều 7.3)",
        help_text="Để trống nếu vi phạm xảy ra tại chính đơn vị; nếu xảy ra ở đơn vị cũ của người bị kỷ luật thì "
                  "kỷ luật tính vào đơn vị cũ.")
    evidence = models.TextField("Căn cứ (số, ngày văn bản)", blank=True)
    version = models.PositiveIntegerField(default=0)  # config.versioning: the secretariat's staff share the form
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Thông tin xếp loại của đơn vị"
        verbose_name_plural = "Thông tin xếp loại của đơn vị"
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="unit_facts_unique")]

    def __str__(self) -> str:
        return f"{self.unit} — {self.period}"


class RankingVersion(models.Model):
    """One version of a block's ranking. Its ``snapshot`` is frozen once submitted; a published version
    is never changed: revoking it creates the next version and keeps this one."""

    class Status(models.TextChoices):
        NEW = "", "Chưa tính"
        DRAFT = "draft", "Dự thảo"
        SUBMITTED = "submitted", "Đã trình"
        PUBLISHED = "published", "Đã phê duyệt, công bố"
        REVOKED = "revoked", "Đã hủy bỏ"

    NEW, DRAFT, SUBMITTED, PUBLISHED, REVOKED = (Status.NEW, Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED,
                                                 Status.REVOKED)
    STATUSES = Status.choices

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="rankings")
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="rankings")
    number = models.PositiveSmallIntegerField("Lần", default=1)
    status = models.CharField("Trạng thái", max_length=10, choices=STATUSES, default=DRAFT)
    snapshot = models.JSONField("Kết quả", default=dict)
    computed_at = models.DateTimeField(null=True, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    revoked_unit = models.CharField("Đơn vị bị hủy bỏ kết quả", max_length=64, blank=True)
    chair_order = models.JSONField("Thứ tự do Chủ tịch Hội đồng quyết định", default=dict, blank=True)
    chair_note = models.TextField("Ghi chú của Chủ tịch Hội đồng", blank=True)
    chair_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    decision_number = models.CharField("Số quyết định phê duyệt", max_length=100, blank=True)
    decision_date = models.DateField("Ngày quyết định", null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField("Lý do hủy bỏ", blank=True)
    revoke_decision_number = models.CharField("Số quyết định hủy bỏ", max_length=100, blank=True)
    revoke_decision_date = models.DateField("Ngày quyết định hủy bỏ", null=True, blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")

    class Meta:
        verbose_name = "Kết quả xếp loại của khối"
        verbose_name_plural = "Kết quả xếp loại của khối"
        ordering = ["period", "block", "-number"]
        constraints = [models.UniqueConstraint(fields=["period", "block", "number"], name="ranking_version_unique")]

    def __str__(self) -> str:
        return f"{self.block} — {self.period} (lần {self.number}, {self.get_status_display()})"

    @property
    def log_subject(self) -> str:
        return f"{self.block} (lần {self.number})"

    @property
    def is_public(self) -> bool:
        """Shown on the public page: published, or revoked (kept, marked revoked)."""
        return self.status in (self.Status.PUBLISHED, self.Status.REVOKED)

    @property
    def is_revoked(self) -> bool:
        return self.status == self.Status.REVOKED

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def public_replacement(self) -> RankingVersion | None:
        """The re-ranked version that replaced this one, once it is itself public."""
        replacement = getattr(self, "replaced_by", None)
        return replacement if replacement is not None and replacement.is_public else None


class HeadGrade(models.Model):
    """Điều 4.5: the grade of a unit's head, recorded by the secretariat once the unit's block is published.
    It may not be above the unit's published grade unless the head newly transferred to the unit (with the
    date). ``version`` and ``unit_grade`` are what it was compared with when saved; after a revocation the
    page compares it again with the block's current published result."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="head_grades")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="head_grades")
    full_name = models.CharField("Họ và tên người đứng đầu", max_length=200)
    position = models.CharField("Chức vụ", max_length=200)
    grade = models.CharField("Xếp loại của người đứng đầu", max_length=8, choices=GRADE_CHOICES)
    newly_transferred = models.BooleanField("Mới chuyển đến (Điều 4.5)", default=False)
    transferred_on = models.DateField("Ngày chuyển đến", null=True, blank=True)
    basis = models.CharField("Căn cứ (số, ngày văn bản)", max_length=300)
    version = models.ForeignKey(RankingVersion, on_delete=models.PROTECT, related_name="head_grades",
                                verbose_name="Kết quả xếp loại đã đối chiếu")
    unit_grade = models.CharField("Xếp loại của đơn vị khi ghi", max_length=8, choices=GRADE_CHOICES)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)
    # config.versioning (issue #15 item 5); ``version`` above is the published result it was compared with.
    row_version = models.PositiveIntegerField("Phiên bản", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Xếp loại người đứng đầu"
        verbose_name_plural = "Xếp loại người đứng đầu"
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="head_grade_unique")]

    def __str__(self) -> str:
        return f"{self.full_name} — {self.unit} — {self.period}"


def report_upload_to(instance: ReportJob, filename: str) -> str:
    import uuid

    return f"reports/{uuid.uuid4().hex}{filename[filename.rfind('.'):]}"


class ReportJob(models.Model):
    """A heavy report built by a Celery task; its progress is shown where the user waits."""

    ANNEX, WORKBOOK = "annex", "workbook"
    KINDS = [(ANNEX, "Phụ lục kết quả xếp loại (PDF ký số)"), (WORKBOOK, "Bảng xếp loại (Excel)")]
    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ"
        RUNNING = "running", "Đang tạo"
        DONE = "done", "Đã xong"
        FAILED = "failed", "Lỗi"

    STATUSES = Status.choices

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="report_jobs")
    kind = models.CharField(max_length=10, choices=KINDS)
    status = models.CharField(max_length=8, choices=STATUSES, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    file = models.FileField(upload_to=report_upload_to, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Báo cáo đang tạo"
        verbose_name_plural = "Báo cáo đang tạo"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.period} ({self.get_status_display()})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED


class LostPointsPlan(models.Model):
    """The calendar of a period's lost-points analysis (seed 004 §2.1.a, §2.2.a; seed 003 criteria 8.1, 8.2):
    the deadline of the preliminary analysis on the expected (self-assessed) scores, and how many days after
    the decision publishing the results the analysis (8.1) and the remedial plan (8.2) on the appraised
    scores may be written. A period without a row uses the defaults (``ranking.lost_points``)."""

    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="lost_points_plan")
    deadline = models.DateTimeField(
        "Hạn phân tích sơ bộ điểm bị mất", null=True, blank=True,
        help_text="Ví dụ: trước ngày 20/11 (Công văn hướng dẫn của TP Thanh Hóa). Để trống: theo hạn gửi báo cáo.")
    analysis_days = models.PositiveSmallIntegerField(
        "Số ngày phân tích điểm bị trừ sau quyết định công bố (tiêu chí 8.1)", default=10)
    plan_days = models.PositiveSmallIntegerField(
        "Số ngày lập kế hoạch khắc phục sau quyết định công bố (tiêu chí 8.2)", default=20)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Lịch phân tích điểm bị mất"
        verbose_name_plural = "Lịch phân tích điểm bị mất"

    def __str__(self) -> str:
        return f"Phân tích điểm bị mất — {self.period}"


class LostPointNote(models.Model):
    """A unit's explanation of the points one criterion lost: the cause, the remedy and its due date, at the
    preliminary stage (expected self-scores, before sending) or after publication (appraised scores, the
    evidence of next year's 8.1/8.2). Kept per submission, so per year; every change kept with who and when;
    versioned like ``Entry`` so two people never overwrite each other silently."""

    PRELIMINARY, APPRAISED = "preliminary", "appraised"
    STAGES = [(PRELIMINARY, "Đánh giá sơ bộ (điểm dự kiến)"), (APPRAISED, "Sau công bố kết quả (điểm thẩm định)")]

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="lost_point_notes")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField("Giai đoạn", max_length=12, choices=STAGES)
    cause = models.TextField("Nguyên nhân", blank=True)
    remedy = models.TextField("Biện pháp xử lý, khắc phục", blank=True)
    remedy_due = models.DateField("Thời hạn khắc phục", null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Phân tích điểm bị mất"
        verbose_name_plural = "Phân tích điểm bị mất"
        constraints = [models.UniqueConstraint(fields=["submission", "node", "stage"], name="lost_point_note_unique")]

    def __str__(self) -> str:
        return f"{self.submission} · {self.node.code} ({self.get_stage_display()})"
