"""Organisation (blocks, units), periods, personal accounts and roles, and the self-assessment:
a submission per unit and period, an entry per leaf criterion, evidence files and supplementary windows.

Every change to an entry or an evidence item is kept by django-simple-history (who, when, old, new);
entries carry a ``version`` so that two officers saving from stale pages never overwrite each other.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from criteria.evidence import SIGNATURE_CHOICES
from criteria.grades import GRADE_CHOICES
from criteria.models import Authority, Framework, Node

from . import period_settings


class User(AbstractUser):
    """A personal account: never shared (seed 003 printed one shared password; we never need one)."""

    full_name = models.CharField("Họ và tên", max_length=150, blank=True)
    position = models.CharField("Chức vụ", max_length=150, blank=True)
    must_change_password = models.BooleanField(
        "Phải đổi mật khẩu khi đăng nhập", default=False,
        help_text="Tài khoản mới phải đổi mật khẩu ở lần đăng nhập đầu tiên.",
    )

    class Meta:
        verbose_name = "Tài khoản"
        verbose_name_plural = "Tài khoản"

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Block(models.Model):
    """Khối: units ranked together (so, huyen, dvsn, hoi; xa under a district). Data, never code."""

    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="blocks",
                                  verbose_name="Cơ quan")
    code = models.SlugField("Mã khối", max_length=32)
    name = models.CharField("Tên khối", max_length=255)
    excellent_quota = models.PositiveSmallIntegerField(
        "Số lượng tối đa HTXSNV", null=True, blank=True,
        help_text="Để trống nếu khối chỉ áp dụng tỷ lệ 20 %.",
    )
    ordering = models.PositiveSmallIntegerField("Thứ tự", default=0)

    class Meta:
        verbose_name = "Khối"
        verbose_name_plural = "Khối"
        ordering = ["authority", "ordering", "code"]
        constraints = [models.UniqueConstraint(fields=["authority", "code"], name="block_code_unique")]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A cơ quan, đơn vị, địa phương that scores itself."""

    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="units", verbose_name="Cơ quan")
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="units", verbose_name="Khối")
    code = models.SlugField("Mã đơn vị", max_length=64)
    name = models.CharField("Tên đơn vị", max_length=255)
    email = models.EmailField("Thư điện tử", blank=True)
    active = models.BooleanField("Đang hoạt động", default=True)
    established_on = models.DateField("Thành lập từ ngày", null=True, blank=True,
                                      help_text="Để trống nếu đơn vị có từ trước khi dùng phần mềm.")
    ended_on = models.DateField("Chấm dứt hoạt động từ ngày", null=True, blank=True,
                                help_text="Ghi khi đơn vị được sáp nhập, chia tách hoặc đổi tên (xem Lịch sử tổ chức).")
    # Điều 11.1.b: a unit that assesses its own departments, subordinate units or communes runs its periods
    # as an authority of its own in the same deployment (docs/process.md, "Đánh giá lồng nhau").
    assesses = models.OneToOneField(Authority, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="unit_of", verbose_name="Là cơ quan đánh giá",
                                    help_text="Cơ quan đánh giá mà đơn vị này tổ chức cho đơn vị trực thuộc.")

    class Meta:
        verbose_name = "Đơn vị"
        verbose_name_plural = "Đơn vị"
        ordering = ["block__ordering", "name"]
        constraints = [models.UniqueConstraint(fields=["authority", "code"], name="unit_code_unique")]

    def __str__(self) -> str:
        return self.name


class Period(models.Model):
    """A round of evaluation of one authority for one year."""

    GRADING = "grading"
    RANK_ONLY = "rank_only"
    KINDS = [(GRADING, "Đánh giá, xếp loại (Điều 7)"), (RANK_ONLY, "Chỉ xếp hạng (Chỉ số CCHC)")]

    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="periods",
                                  verbose_name="Cơ quan")
    code = models.SlugField("Mã kỳ", max_length=64, unique=True)
    name = models.CharField("Tên kỳ đánh giá", max_length=255)
    year = models.PositiveSmallIntegerField("Năm đánh giá")
    kind = models.CharField("Loại", max_length=16, choices=KINDS, default=GRADING)
    opens_at = models.DateTimeField("Mở nhận từ")
    closes_at = models.DateTimeField("Hạn gửi", help_text="Sau thời điểm này hệ thống không nhận thay đổi nào.")
    data_cutoff = models.DateField("Ngày chốt số liệu", null=True, blank=True)
    settings = models.JSONField("Cách hiểu quy định (theo kỳ)", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Kỳ đánh giá"
        verbose_name_plural = "Kỳ đánh giá"
        ordering = ["-year", "authority__name"]

    def __str__(self) -> str:
        return self.name

    def setting(self, key: str):
        """The period's reading ``key`` (see submissions/period_settings.py), its default when not set."""
        return period_settings.value(self.settings, key, self.kind)

    @property
    def quality_thresholds(self) -> tuple[Decimal, Decimal, Decimal]:
        """Appraised/max from which a criterion is Xuất sắc, Tốt, Trung bình (per-period setting)."""
        return tuple(Decimal(str(t)) for t in self.setting("quality_thresholds"))

    @property
    def appraisable_statuses(self) -> tuple[str, ...]:
        """The sheets the council appraises: sent ones, and those locked at the deadline when the period's
        setting says unsent sheets are still appraised."""
        if self.setting("unsent_at_deadline") == "appraised":
            return (Submission.SENT, Submission.LOCKED)
        return (Submission.SENT,)

    @property
    def is_open(self) -> bool:
        return self.opens_at <= timezone.now() < self.closes_at


class PeriodBlock(models.Model):
    """A block as it takes part in a period: its framework, its Điều 7.1.a quota and its own deadline, all
    of that period (docs/process.md, "Dữ liệu của kỳ"). The block's own quota is only the default a new
    period starts from: lowering it for 2025 never changes 2024."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="blocks")
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="period_blocks")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="period_blocks",
                                  verbose_name="Bộ tiêu chí")
    excellent_quota = models.PositiveSmallIntegerField(
        "Số lượng tối đa HTXSNV của kỳ", null=True, blank=True,
        help_text="Để trống nếu khối chỉ áp dụng tỷ lệ 20 %.",
    )
    deadline = models.DateTimeField("Hạn gửi riêng của khối", null=True, blank=True,
                                    help_text="Để trống: theo hạn gửi của kỳ.")
    # Seed 004 §3: the council sends its appraisal before 15/12; leaders' forms may have a date of their own.
    # Enforced by ``appraisal.deadlines``; empty: today's rules (Điều 9.5 count, forms until the round closes).
    appraisal_deadline = models.DateTimeField(
        "Hạn thẩm định của khối", null=True, blank=True,
        help_text="Để trống: 50 ngày làm việc từ ngày nhận báo cáo (Điều 9.5), đến khi kết thúc đợt thẩm định.")
    leader_deadline = models.DateTimeField("Hạn phiếu của Lãnh đạo", null=True, blank=True,
                                           help_text="Để trống: đến khi kết thúc đợt thẩm định.")

    class Meta:
        verbose_name = "Bộ tiêu chí của khối"
        verbose_name_plural = "Bộ tiêu chí của khối"
        constraints = [models.UniqueConstraint(fields=["period", "block"], name="period_block_unique")]

    def __str__(self) -> str:
        return f"{self.period} · {self.block} · {self.framework.code}"


class UnitLineage(models.Model):
    """One edge of the organisation's history: ``predecessor`` continued as ``successor`` from
    ``effective_on``. A merge is several edges into one unit, a split several out of one, a renaming one edge.
    Everything that looks back a year (Điều 11.2.d, criteria 8.3.x, last year's rank) follows these edges
    (``submissions.lineage``)."""

    MERGE, SPLIT, RENAME = "merge", "split", "rename"
    KINDS = [(MERGE, "Sáp nhập, hợp nhất"), (SPLIT, "Chia tách"), (RENAME, "Đổi tên")]

    predecessor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="successor_links",
                                    verbose_name="Đơn vị trước")
    successor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="predecessor_links",
                                  verbose_name="Đơn vị sau")
    kind = models.CharField("Hình thức", max_length=8, choices=KINDS)
    effective_on = models.DateField("Có hiệu lực từ ngày")
    basis = models.CharField("Căn cứ", max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Lịch sử tổ chức"
        verbose_name_plural = "Lịch sử tổ chức"
        ordering = ["effective_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor"], name="lineage_unique"),
                       models.CheckConstraint(condition=~models.Q(predecessor=models.F("successor")),
                                              name="lineage_not_self")]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()}, {self.effective_on:%d/%m/%Y})"


def with_deadline(queryset):
    """``queryset`` of submissions annotated with their block's own deadline, so ``closes_at`` reads it
    without a query of its own (the save path and the score page)."""
    own = PeriodBlock.objects.filter(period_id=models.OuterRef("period_id"), block_id=models.OuterRef("block_id"))
    return queryset.annotate(own_deadline=models.Subquery(own.values("deadline")[:1]))


def block_deadline(period_id: int, block_id: int):
    """A block's own deadline in a period, None when it follows the period's."""
    return (PeriodBlock.objects.filter(period_id=period_id, block_id=block_id).values_list("deadline", flat=True)
            .first())


class Role(models.Model):
    """What a person may do, and where. Personal accounts only; one row per role held.

    Unit roles (officer, approver) name a unit; authority roles (secretariat, council, leader, chair,
    chairman) name an authority. The appraisal and ranking stages add their own scoping on top.
    """

    OFFICER = "officer"
    APPROVER = "approver"
    SECRETARIAT = "secretariat"
    COUNCIL = "council"
    LEADER = "leader"
    CHAIR = "chair"
    CHAIRMAN = "chairman"
    KINDS = [
        (OFFICER, "Cập nhật báo cáo"),
        (APPROVER, "Phê duyệt báo cáo"),
        (SECRETARIAT, "Thường trực (Sở/Phòng Nội vụ)"),
        (COUNCIL, "Thành viên Hội đồng thẩm định"),
        (LEADER, "Lãnh đạo UBND"),
        (CHAIR, "Chủ tịch Hội đồng thẩm định"),
        (CHAIRMAN, "Chủ tịch UBND"),
    ]
    UNIT_KINDS = {OFFICER, APPROVER}

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField("Vai trò", max_length=16, choices=KINDS)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="roles",
                             verbose_name="Đơn vị")
    authority = models.ForeignKey(Authority, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="roles", verbose_name="Cơ quan")
    agency = models.CharField("Cơ quan thẩm định", max_length=255, blank=True)

    class Meta:
        verbose_name = "Vai trò"
        verbose_name_plural = "Vai trò"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "unit", "authority"], name="role_unique"),
            models.CheckConstraint(
                condition=(models.Q(kind__in=["officer", "approver"], unit__isnull=False)
                           | (~models.Q(kind__in=["officer", "approver"]) & models.Q(authority__isnull=False))),
                name="role_scope_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()} — {self.unit or self.authority}"


class Submission(models.Model):
    """A unit's self-assessment for a period. Once sent (or locked at the deadline) it is immutable."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Đang nhập"
        SENT = "sent", "Đã gửi"
        LOCKED = "locked", "Khóa khi hết hạn (chưa gửi)"

    DRAFT, SENT, LOCKED = Status.DRAFT, Status.SENT, Status.LOCKED
    STATUSES = Status.choices

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="submissions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="submissions")
    # The period's membership record: the block the unit took part in, in this period. Ranking, revocation,
    # exports and every page of the period read it, never Unit.block, which is the present organisation.
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="submissions", verbose_name="Khối")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField("Trạng thái", max_length=8, choices=STATUSES, default=DRAFT)
    proposed_grade = models.CharField("Đề xuất xếp loại", max_length=8, blank=True, choices=GRADE_CHOICES)
    sent_at = models.DateTimeField("Gửi lúc", null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    locked_at = models.DateTimeField("Khóa lúc", null=True, blank=True)
    self_total = models.DecimalField("Tổng điểm tự chấm khi gửi", max_digits=9, decimal_places=6,
                                     null=True, blank=True)
    endorsed_on = models.DateField("Ngày tập thể lãnh đạo thống nhất", null=True, blank=True,
                                   help_text="Điều 8.1.b: kết quả tự chấm được tập thể lãnh đạo đơn vị thống nhất.")
    endorsement_note = models.CharField("Biên bản họp (số, ngày)", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Báo cáo tự chấm điểm"
        verbose_name_plural = "Báo cáo tự chấm điểm"
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="submission_unique")]

    def __str__(self) -> str:
        return f"{self.unit} — {self.period}"

    @property
    def log_subject(self) -> str:
        return f"Báo cáo của {self.unit}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @cached_property
    def closes_at(self):
        """The sheet's deadline: its block's own deadline in the period (seed 004: communes 05/12,
        departments 15/12), else the period's (docs/process.md, "Dữ liệu của kỳ")."""
        if "own_deadline" in self.__dict__:  # annotated by ``with_deadline`` (no query)
            return self.own_deadline or self.period.closes_at
        return block_deadline(self.period_id, self.block_id) or self.period.closes_at

    @property
    def status_badge(self) -> str:
        """The Bootstrap badge class of the state, so templates hold no state strings."""
        return {self.Status.SENT: "text-bg-success", self.Status.LOCKED: "text-bg-secondary"}.get(
            self.status, "text-bg-warning")


def minutes_upload_to(instance: EndorsementMinutes, filename: str) -> str:
    extension = PurePosixPath(filename).suffix.lower()[:8]
    return f"minutes/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class EndorsementMinutes(models.Model):
    """The minutes of the meeting where the unit's collective leadership endorsed the self-assessment
    (Điều 8.1.b), optional. Append-only: a new upload supersedes the earlier one, which is kept."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="minutes")
    file = models.FileField(upload_to=minutes_upload_to, max_length=255)
    original_name = models.CharField("Tên tệp", max_length=255)
    kind = models.CharField("Loại tệp", max_length=8)
    mime = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField("Dung lượng")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "Biên bản họp tập thể lãnh đạo"
        verbose_name_plural = "Biên bản họp tập thể lãnh đạo"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


def signed_summary_upload_to(instance: SignedSummary, filename: str) -> str:
    return f"signed-summaries/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class SignedSummary(models.Model):
    """The summary table (score sheet PDF) exported from the software, signed by the unit with its own digital
    certificate outside the software and uploaded back before sending (seed 001 Bước 4; 2610 Điều 8.2.c).
    Only an upload that is signed, intact, signed over the whole file and whose fingerprint equals the sheet's
    at upload is stored (``submissions.signed_summary``). Append-only, like the minutes: the latest is the one
    in force; whether it still matches the sheet is computed on demand, never stored."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="signed_summaries")
    file = models.FileField(upload_to=signed_summary_upload_to, max_length=255)
    original_name = models.CharField("Tên tệp", max_length=255)
    kind = models.CharField("Loại tệp", max_length=8, default="pdf")
    mime = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveBigIntegerField("Dung lượng")
    sha256 = models.CharField(max_length=64)
    fingerprint = models.CharField("Mã nội dung báo cáo (SHA-256)", max_length=64)
    leaf_digests = models.JSONField("Mã từng tiêu chí khi xuất", default=dict, blank=True)
    exported_at = models.DateTimeField("Xuất từ phần mềm lúc", null=True, blank=True)
    signer_name = models.CharField("Người ký", max_length=255, blank=True)
    certificate_subject = models.CharField("Chủ thể chứng thư", max_length=500, blank=True)
    certificate_issuer = models.CharField("Tổ chức cấp chứng thư", max_length=500, blank=True)
    serial = models.CharField("Số hiệu chứng thư", max_length=100, blank=True)
    signed_at = models.DateTimeField("Ký lúc (theo người ký)", null=True, blank=True)
    status = models.CharField("Chữ ký số", max_length=20, choices=[
        ("signed_valid", "Đã ký số hợp lệ"), ("signed_untrusted", "Đã ký số, chưa xác minh chứng thư gốc")])
    message = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "Bảng tổng hợp đã ký số"
        verbose_name_plural = "Bảng tổng hợp đã ký số"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class Assignment(models.Model):
    """Phân công chấm điểm: the approver assigns criteria (any node; a section covers its leaves) to officers."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="assignments")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    # who assigned or withdrew whom, and when ("+" and "-" rows; ``submissions.services.assignment_set``)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Phân công"
        verbose_name_plural = "Phân công"
        constraints = [models.UniqueConstraint(fields=["submission", "node", "user"], name="assignment_unique")]

    def __str__(self) -> str:
        return f"{self.node.code} → {self.user}"


class Entry(models.Model):
    """The self-assessment of one leaf criterion: the input fitting its rule, the score, the explanation."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="entries")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="entries")
    choice = models.SmallIntegerField("Mức đã chọn", null=True, blank=True)
    # The percentage as typed, never rounded (criteria.scoring.PERCENT_PLACES: 79,996 stays below 80).
    percent = models.DecimalField("Tỷ lệ %", max_digits=7, decimal_places=4, null=True, blank=True)
    count = models.PositiveIntegerField("Số lượng", null=True, blank=True,
                                        help_text="Số liệu mà cách chấm hỏi thêm (5.5.3.4: số hồ sơ quá hạn).")
    points = models.DecimalField("Điểm tự chấm", max_digits=9, decimal_places=6, null=True, blank=True)
    reason = models.TextField("Cách tính", blank=True)
    explanation = models.TextField("Giải trình", blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Điểm tự chấm"
        verbose_name_plural = "Điểm tự chấm"
        constraints = [models.UniqueConstraint(fields=["submission", "node"], name="entry_unique")]

    def __str__(self) -> str:
        return f"{self.node.code}: {self.points}"

    @property
    def is_scored(self) -> bool:
        return self.points is not None


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """Random stored name; the user's name is kept in ``original_name`` only."""
    extension = PurePosixPath(filename).suffix.lower()[:8]
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class Evidence(models.Model):
    """A file backing an entry (tài liệu kiểm chứng), with its document number, date and issuer."""

    SIGNATURE_STATUSES = SIGNATURE_CHOICES

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField("Tên tệp", max_length=255)
    size = models.PositiveBigIntegerField("Dung lượng")
    sha256 = models.CharField(max_length=64)
    kind = models.CharField("Loại tệp", max_length=8)
    mime = models.CharField(max_length=100)
    doc_number = models.CharField("Số, ký hiệu", max_length=100)
    doc_number_normalized = models.CharField(max_length=100, blank=True, db_index=True)
    doc_number_suffix = models.BooleanField("Số có chữ cái kèm theo", default=False)
    doc_date = models.DateField("Ngày văn bản")
    issuer = models.CharField("Cơ quan ban hành", max_length=255)
    signature_status = models.CharField("Chữ ký số", max_length=20, choices=SIGNATURE_STATUSES, default="pending")
    signature_message = models.CharField(max_length=500, blank=True)
    signature_signers = models.CharField(max_length=500, blank=True)
    signature_checked_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField("Gỡ lúc", null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Tài liệu kiểm chứng"
        verbose_name_plural = "Tài liệu kiểm chứng"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.doc_number} — {self.original_name}"

    @property
    def shows_inline(self) -> bool:
        """A browser shows this kind itself (``config.responses.INLINE_KINDS``): pages offer "Xem"."""
        from config.responses import INLINE_KINDS

        return self.kind in INLINE_KINDS


class Window(models.Model):
    """A supplementary window: named criteria of one submission reopened until a new deadline.

    Opened by the secretariat (second round of explanation) or, later, by a council member's
    supplementation request. Inside it the unit adds evidence and explanation; its self-score stays.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="windows")
    nodes = models.ManyToManyField(Node, related_name="+", verbose_name="Tiêu chí được bổ sung")
    opens_at = models.DateTimeField("Mở từ", default=timezone.now)
    closes_at = models.DateTimeField("Hạn bổ sung")
    message = models.TextField("Nội dung yêu cầu", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Đợt bổ sung"
        verbose_name_plural = "Đợt bổ sung"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Bổ sung {self.submission} đến {self.closes_at:%d/%m/%Y %H:%M}"


class SelfReport(models.Model):
    """The self-assessment report (Báo cáo tự đánh giá) in the layout of seed 004: the unit's own texts
    around the table of its self-scores per area, printed with Quốc hiệu and số ký hiệu."""

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="self_report")
    number = models.CharField("Số, ký hiệu", max_length=100, blank=True, help_text="Ví dụ: 125/BC-SXD")
    place = models.CharField("Địa danh", max_length=100, blank=True, help_text="Ví dụ: Thái Nguyên")
    situation = models.TextField("I. Tình hình triển khai", blank=True)
    shortcomings = models.TextField("II.2. Tồn tại, hạn chế trong tự đánh giá", blank=True)
    causes = models.TextField("II.3. Nguyên nhân của tồn tại, hạn chế", blank=True)
    proposals = models.TextField("III. Kiến nghị, đề xuất", blank=True)
    recipients = models.TextField("Nơi nhận", blank=True)
    signer_title = models.CharField("Chức vụ người ký", max_length=150, blank=True)
    signer_name = models.CharField("Họ tên người ký", max_length=150, blank=True)
    version = models.PositiveIntegerField(default=0)  # config.versioning: the unit's accounts share one report
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Báo cáo tự đánh giá"
        verbose_name_plural = "Báo cáo tự đánh giá"

    def __str__(self) -> str:
        return f"Báo cáo tự đánh giá {self.submission}"


class RefusedAccess(models.Model):
    """A refused request (403, or 404 for a logged-in person): who, what, from where, when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    path = models.CharField("Đường dẫn", max_length=500)
    method = models.CharField(max_length=8)
    status = models.PositiveSmallIntegerField("Mã trả về")
    ip = models.GenericIPAddressField("Địa chỉ IP", null=True, blank=True)
    at = models.DateTimeField("Lúc", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "Truy cập bị từ chối"
        verbose_name_plural = "Truy cập bị từ chối"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.user or 'ẩn danh'} {self.status} {self.path}"


class ReminderSent(models.Model):
    """One reminder e-mail of a kind (3 days, 1 day, 3 hours before the close) per unit and period: the
    beat task runs every few minutes and never sends the same reminder twice."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Nhắc hạn đã gửi"
        verbose_name_plural = "Nhắc hạn đã gửi"
        constraints = [models.UniqueConstraint(fields=["period", "unit", "kind"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.unit} {self.kind}"


class StateChange(models.Model):
    """One one-way step taken: which object moved from which state to which, who took it and when, with the
    note (a reason) and the decision number where the step has one. Written by
    ``submissions.transitions.transition`` only; never changed afterwards."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="state_changes")
    object_type = models.CharField("Loại đối tượng", max_length=32)
    object_id = models.PositiveBigIntegerField()
    action = models.CharField("Thao tác", max_length=32)
    from_state = models.CharField("Từ trạng thái", max_length=16)
    to_state = models.CharField("Sang trạng thái", max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="Người thực hiện")
    at = models.DateTimeField("Lúc", default=timezone.now)
    note = models.TextField("Ghi chú", blank=True)
    decision_number = models.CharField("Số quyết định", max_length=100, blank=True)

    class Meta:
        verbose_name = "Chuyển trạng thái"
        verbose_name_plural = "Nhật ký chuyển trạng thái"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id}: {self.from_state} → {self.to_state} ({self.action})"

    def _table(self):
        from .transitions import TABLES

        return TABLES.get(self.object_type)

    @property
    def label(self) -> str:
        table = self._table()
        step = table.actions.get(self.action) if table else None
        return step.label[:1].upper() + step.label[1:] if step else self.action

    @property
    def from_label(self) -> str:
        table = self._table()
        return table.labels.get(self.from_state, self.from_state) if table else self.from_state

    @property
    def to_label(self) -> str:
        table = self._table()
        return table.labels.get(self.to_state, self.to_state) if table else self.to_state


from .department_models import Department, DepartmentMember, DepartmentNode  # noqa: E402,F401  (issue #13 item 3)
from .reminder_models import ManualReminder  # noqa: E402,F401  (issue #14 item 2)
