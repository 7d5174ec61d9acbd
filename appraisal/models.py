"""The appraisal council (Hội đồng thẩm định), appraised scores, supplementation rounds and the leaders'
evaluation forms of section I. Appraised scores keep every change (django-simple-history) and carry a
version so two members on one criterion never overwrite each other silently."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from criteria.grades import LEVEL_CHOICES
from criteria.models import Node
from submissions.models import Period, PeriodBlock, Submission, Unit, Window


class CouncilMember(models.Model):
    CHAIR = "chair"
    MEMBER = "member"
    WORKING_GROUP = "working_group"
    ROLES = [(CHAIR, "Chủ tịch Hội đồng"), (MEMBER, "Thành viên Hội đồng"), (WORKING_GROUP, "Tổ giúp việc")]

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="council")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="council_seats")
    role = models.CharField("Vai trò", max_length=16, choices=ROLES, default=MEMBER)
    agency = models.CharField("Cơ quan", max_length=255, help_text="Ví dụ: Sở Tài chính, Thanh tra tỉnh.")
    keywords = models.CharField(
        "Từ khóa cơ quan thẩm định", max_length=255, blank=True,
        help_text="Các tiêu chí có cột “Cơ quan thẩm định” chứa một trong các từ khóa (phân cách bằng dấu phẩy) "
                  "thuộc phần việc của thành viên. Để trống: lấy từ tên cơ quan.",
    )
    home_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="Đơn vị công tác",
                                  help_text="Thành viên không thẩm định đơn vị mình công tác.")

    class Meta:
        verbose_name = "Thành viên Hội đồng thẩm định"
        verbose_name_plural = "Hội đồng thẩm định"
        constraints = [models.UniqueConstraint(fields=["period", "user"], name="council_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.agency} ({self.get_role_display()})"

    def keyword_list(self) -> list[str]:
        from .rules import agency_keywords

        explicit = [k.strip() for k in self.keywords.split(",") if k.strip()]
        return explicit or agency_keywords(self.agency)


class Appraisal(models.Model):
    """The council's score of one leaf criterion of one submission."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="appraisals")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="appraisals")
    choice = models.SmallIntegerField(null=True, blank=True)
    # As typed, never rounded (criteria.scoring.PERCENT_PLACES), and the figure a rule asks (5.5.3.4).
    percent = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    count = models.PositiveIntegerField("Số lượng", null=True, blank=True)
    points = models.DecimalField("Điểm thẩm định", max_digits=9, decimal_places=6, null=True, blank=True)
    reason = models.TextField("Cách tính", blank=True)
    comment = models.TextField("Nhận xét", blank=True)
    proposal = models.CharField("Đề xuất tự động", max_length=20, blank=True)
    survey_respondents = models.PositiveIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Điểm thẩm định"
        verbose_name_plural = "Điểm thẩm định"
        constraints = [models.UniqueConstraint(fields=["submission", "node"], name="appraisal_unique")]

    def __str__(self) -> str:
        return f"{self.submission} · {self.node.code}: {self.points}"


class AgencyScore(models.Model):
    """One named agency's score of a leaf that names several appraising agencies (Phụ lục I 5.5: "Các sở,
    ngành: Nội vụ; Thông tin và Truyền thông; Tư pháp"). The leaf's ``Appraisal.points`` is set only when every
    named agency has scored and all agree, or from the council's decision (``CouncilDecision``);
    docs/regulation.md §3. Versioned like ``Appraisal``: two members of one agency never overwrite each other
    silently."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="agency_scores")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="agency_scores")
    agency = models.CharField("Cơ quan thẩm định", max_length=255)
    choice = models.SmallIntegerField(null=True, blank=True)
    percent = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    count = models.PositiveIntegerField("Số lượng", null=True, blank=True)
    points = models.DecimalField("Điểm của cơ quan", max_digits=9, decimal_places=6, null=True, blank=True)
    reason = models.TextField("Cách tính", blank=True)
    comment = models.TextField("Nhận xét", blank=True)
    proposal = models.CharField("Đề xuất tự động", max_length=20, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Điểm thẩm định của từng cơ quan"
        verbose_name_plural = "Điểm thẩm định của từng cơ quan"
        constraints = [models.UniqueConstraint(fields=["submission", "node", "agency"], name="agency_score_unique")]

    def __str__(self) -> str:
        return f"{self.submission} · {self.node.code} · {self.agency}: {self.points}"


class CouncilDecision(models.Model):
    """The council's decision on a multi-agency leaf whose agencies did not agree, recorded by the secretariat
    of the period's authority: the points, the reason, the basis (minutes of the meeting), who and when. It
    sets the leaf's appraised score; agency scores after it are refused."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="council_decisions")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("Điểm theo quyết định của Hội đồng", max_digits=9, decimal_places=6)
    reason = models.TextField("Lý do")
    basis = models.CharField("Căn cứ (biên bản, kết luận phiên họp)", max_length=500, blank=True)
    scores_seen = models.TextField("Điểm của các cơ quan khi quyết định", blank=True)
    decided_at = models.DateTimeField("Ghi lúc")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=0)  # config.versioning: no silent overwrite (issue #15 item 5)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Quyết định của Hội đồng về tiêu chí nhiều cơ quan"
        verbose_name_plural = "Quyết định của Hội đồng về tiêu chí nhiều cơ quan"
        constraints = [models.UniqueConstraint(fields=["submission", "node"], name="council_decision_unique")]

    def __str__(self) -> str:
        return f"{self.submission} · {self.node.code}: {self.points} (Hội đồng)"


class QualityLevel(models.Model):
    """An appraiser's override of a criterion's derived quality level, with its reason."""

    LEVELS = LEVEL_CHOICES

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="quality_levels")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    level = models.CharField("Mức chất lượng", max_length=12, choices=LEVELS)
    reason = models.TextField("Lý do")
    # config.versioning: the members of every agency of a criterion's leaves share its level (5.5 of dh2024-xa).
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Xếp loại chất lượng tiêu chí"
        verbose_name_plural = "Xếp loại chất lượng tiêu chí"
        constraints = [models.UniqueConstraint(fields=["submission", "node"], name="quality_unique")]

    def __str__(self) -> str:
        return f"{self.node.code}: {self.get_level_display()}"


class SupplementRequest(models.Model):
    """A member's request for supplementation of named criteria of one unit (a second round)."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="supplement_requests")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="requests")
    window = models.OneToOneField(Window, on_delete=models.PROTECT, related_name="request")
    message = models.TextField("Nội dung yêu cầu")
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField("Trả lời của đơn vị", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = "Yêu cầu bổ sung"
        verbose_name_plural = "Yêu cầu bổ sung"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Yêu cầu bổ sung {self.submission} ({self.created_at:%d/%m/%Y})"


class LeaderForm(models.Model):
    """A leader's evaluation form (phiếu đánh giá) of one unit: answers 1–5 per section-I criterion."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="leader_forms")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leader_forms")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="leader_forms")
    answers = models.JSONField("Trả lời", default=dict)
    submitted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Phiếu đánh giá của Lãnh đạo"
        verbose_name_plural = "Phiếu đánh giá của Lãnh đạo"
        constraints = [models.UniqueConstraint(fields=["period", "leader", "unit"], name="leader_form_unique")]

    def __str__(self) -> str:
        return f"{self.leader} → {self.unit}"


class PaperTally(models.Model):
    """Counts per answer (1–5) from paper forms, entered by the secretariat for one criterion of one unit."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="paper_tallies")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    counts = models.JSONField("Số phiếu theo phương án", default=dict)
    version = models.PositiveIntegerField(default=0)  # config.versioning: the secretariat's staff share the form
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Tổng hợp phiếu giấy"
        verbose_name_plural = "Tổng hợp phiếu giấy"
        constraints = [models.UniqueConstraint(fields=["period", "unit", "node"], name="paper_tally_unique")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.node.code}"


class AppraisalRound(models.Model):
    """The appraisal of a period: its calendar, release of results to units, and closing."""

    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="appraisal_round")
    received_on = models.DateField("Ngày nhận báo cáo", help_text="Tính 50 ngày làm việc từ ngày này (Điều 9.5).")
    allowed_working_days = models.PositiveSmallIntegerField("Số ngày làm việc", default=50)
    holidays = models.JSONField("Ngày nghỉ lễ, Tết", default=list, blank=True,
                                help_text="Danh sách ngày dạng YYYY-MM-DD.")
    class Status(models.TextChoices):
        OPEN = "open", "Đang thẩm định"
        RELEASED = "released", "Đã công bố kết quả thẩm định cho đơn vị"
        CLOSED = "closed", "Đã kết thúc thẩm định"

    status = models.CharField("Trạng thái", max_length=10, choices=Status.choices, default=Status.OPEN)
    released_at = models.DateTimeField("Công bố kết quả cho đơn vị lúc", null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    closed_at = models.DateTimeField("Kết thúc thẩm định lúc", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = "Đợt thẩm định"
        verbose_name_plural = "Đợt thẩm định"

    def __str__(self) -> str:
        return f"Thẩm định {self.period}"

    log_subject = "Đợt thẩm định"


class AppraisedResult(models.Model):
    """A submission's appraised numbers frozen when the appraisal round closes: the total, and the quality
    level of every criterion below Xuất sắc (derived with the period's thresholds, or the appraiser's
    override). Ranking a block reads one row per unit instead of every appraised score. Any later write to
    an appraised score or a quality level of the submission deletes the row (``appraisal.signals``), and
    ranking then computes the numbers from the scores again, so a stale row is never used."""

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="appraised_result")
    total = models.DecimalField("Tổng điểm thẩm định", max_digits=12, decimal_places=6)
    below = models.TextField("Tiêu chí dưới mức Xuất sắc", blank=True,
                             help_text="“nút:mức” cách nhau bởi dấu phẩy, theo thứ tự bộ tiêu chí, "
                                       "ví dụ “812:tot,815:kem”.")
    criteria = models.TextField("Điểm thẩm định từng tiêu chí", blank=True,
                                help_text="“nút:điểm” cách nhau bởi dấu phẩy, ví dụ “812:2.500000,815:1”.")
    thresholds = models.CharField("Ngưỡng mức chất lượng đã dùng", max_length=64,
                                  help_text="Xuất sắc, Tốt, Trung bình, ví dụ “0.9,0.7,0.5”.")
    frozen_at = models.DateTimeField("Chốt lúc")

    class Meta:
        verbose_name = "Kết quả thẩm định đã chốt"
        verbose_name_plural = "Kết quả thẩm định đã chốt"

    def __str__(self) -> str:
        return f"{self.submission}: {self.total}"


class PaperBlock(models.Model):
    """A block of a period whose units send their dossier on paper ("nộp hồ sơ giấy", seed 004 §2.2: the
    communes "chấm điểm bằng hình thức trực tiếp … bản giấy"): the appraisal team enters each sheet from the
    dossier, and a dossier received after the block's deadline is not appraised (``appraisal.paper``)."""

    period_block = models.OneToOneField(PeriodBlock, on_delete=models.CASCADE, related_name="paper",
                                        verbose_name="Khối của kỳ")
    note = models.CharField("Căn cứ", max_length=255, blank=True,
                            help_text="Ví dụ: Kế hoạch số 12/KH-UBND ngày 10/01/2025.")
    enabled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    enabled_at = models.DateTimeField("Ghi lúc")

    class Meta:
        verbose_name = "Khối nộp hồ sơ giấy"
        verbose_name_plural = "Khối nộp hồ sơ giấy"

    def __str__(self) -> str:
        return f"Hồ sơ giấy: {self.period_block.block} ({self.period_block.period})"


class PaperDossier(models.Model):
    """The date the secretariat received a unit's paper dossier, who recorded it and when. On time (on or
    before the day of the block's deadline, Vietnam time) it lets the appraisal team enter the sheet; late, it
    is kept as recorded and the sheet is never entered nor appraised (seed 004: "không tiến hành đánh giá đối
    với những đơn vị gửi báo cáo chậm")."""

    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="paper_dossier")
    received_on = models.DateField("Ngày nhận hồ sơ giấy")
    note = models.CharField("Ghi chú", max_length=500, blank=True,
                            help_text="Ví dụ: số công văn gửi kèm, số tài liệu kiểm chứng, người nộp.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("Ghi lúc")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Hồ sơ giấy đã nhận"
        verbose_name_plural = "Hồ sơ giấy đã nhận"

    def __str__(self) -> str:
        return f"{self.submission}: nhận {self.received_on:%d/%m/%Y}"


from .deadline_models import DeadlineReminder  # noqa: E402,F401  (issue #13 item 5)
