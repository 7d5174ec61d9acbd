"""Criteria frameworks (Bộ tiêu chí): an authority's tree of content groups, sections, criteria."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from .scoring import RULE_KIND_LABELS, SURVEY, Rule, describe_rule, parse_rule
from .tree import KIND_LABELS


class Authority(models.Model):
    """A level of government that owns frameworks, periods, units and a council."""

    LEVELS = [("tinh", "Tỉnh"), ("huyen", "Huyện"), ("xa", "Xã"), ("don-vi", "Cơ quan, đơn vị (đánh giá nội bộ)")]

    code = models.SlugField("Mã", max_length=64, unique=True)
    name = models.CharField("Tên", max_length=255)
    level = models.CharField("Cấp", max_length=8, choices=LEVELS)
    parent = models.ForeignKey(
        "self", verbose_name="Cấp trên", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "Cơ quan ban hành"
        verbose_name_plural = "Cơ quan ban hành"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Framework(models.Model):
    """One Phụ lục: the criteria tree of an authority for a year and a target group.

    Its nodes are written only through ``criteria.services`` (fixtures, Excel import), which check
    the tree invariants in ``criteria.tree.validate_tree`` before anything is saved.
    """

    code = models.SlugField("Mã", max_length=64, unique=True)
    name = models.CharField("Tên", max_length=500)
    authority = models.ForeignKey(Authority, verbose_name="Cơ quan ban hành", on_delete=models.PROTECT,
                                  related_name="frameworks")
    year = models.PositiveSmallIntegerField("Năm")
    target_group = models.CharField("Đối tượng áp dụng", max_length=255)
    issuing_decision = models.CharField("Văn bản ban hành", max_length=500, blank=True)
    total_points = models.DecimalField("Tổng điểm công bố", max_digits=7, decimal_places=2)
    results_group = models.CharField(
        "Nhóm kết quả thực hiện nhiệm vụ", max_length=8, blank=True,
        help_text="Mã nội dung (cấp cao nhất) mà Điều 7 coi là “kết quả thực hiện nhiệm vụ được giao” (ND2 của "
                  "Quy chế 2610); để trống khi bộ tiêu chí chỉ dùng để xếp hạng (Chỉ số CCHC).",
    )
    content_hash = models.CharField(
        "Dấu vân tay nội dung", max_length=64, blank=True, editable=False,
        help_text="SHA-256 của nội dung đã nạp; nạp lại cùng nội dung không thay đổi gì.",
    )
    locked_at = models.DateTimeField(
        "Khóa từ", null=True, blank=True,
        help_text="Bộ tiêu chí đã được dùng cho một kỳ đánh giá thì không được sửa.",
    )
    created_at = models.DateTimeField("Tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("Cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "Bộ tiêu chí"
        verbose_name_plural = "Bộ tiêu chí"
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.target_group} ({self.year})"


class Node(models.Model):
    """A node of the tree. ``ordering`` is the document (pre-)order inside the framework."""

    KINDS = list(KIND_LABELS.items())

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children", verbose_name="Nút cha"
    )
    code = models.CharField("Mã", max_length=32)
    kind = models.CharField("Loại", max_length=16, choices=KINDS)
    title = models.TextField("Tên")
    ordering = models.PositiveIntegerField("Thứ tự")
    depth = models.PositiveSmallIntegerField("Cấp", default=0)
    group = models.CharField("Nội dung", max_length=8, help_text="Mã nội dung (nút cấp cao nhất) chứa nút này.")
    criterion = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="Tiêu chí xếp loại",
        help_text="Tiêu chí (hoặc lĩnh vực không có tiêu chí con) mà Điều 7 xếp loại chất lượng; suy ra từ cây.",
    )
    max_points = models.DecimalField("Điểm tối đa", max_digits=7, decimal_places=3)
    appraising_agency = models.CharField("Cơ quan thẩm định", max_length=255, blank=True)
    agency_merged = models.BooleanField(
        "Cơ quan thẩm định từ ô gộp", default=False,
        help_text="Văn bản in cơ quan thẩm định một lần cho nhiều dòng liền nhau (ô gộp).",
    )
    rule = models.JSONField("Cách chấm điểm", default=dict, blank=True)
    evidence = models.TextField("Tài liệu kiểm chứng", blank=True)
    notes = models.TextField("Ghi chú", blank=True)

    class Meta:
        verbose_name = "Tiêu chí"
        verbose_name_plural = "Tiêu chí"
        ordering = ["framework", "ordering"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="criteria_node_code_unique_per_framework"),
            models.UniqueConstraint(fields=["framework", "ordering"], name="criteria_node_ordering_unique"),
            models.CheckConstraint(condition=models.Q(max_points__gte=0), name="criteria_node_max_non_negative"),
        ]
        indexes = [models.Index(fields=["framework", "parent"])]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"

    @property
    def in_results_group(self) -> bool:
        """A node of the content group its framework names as "kết quả thực hiện nhiệm vụ" (Điều 7 treats its
        criteria specially; ND2 in 2610). Load nodes through ``framework.nodes`` or with
        ``select_related("framework")`` to read this without a query per node."""
        results_group = self.framework.results_group
        return bool(results_group) and self.group == results_group

    @property
    def is_leaf(self) -> bool:
        return bool(self.rule)

    @property
    def rule_kind(self) -> str:
        """The kind of the leaf's scoring rule (``criteria.scoring.RULE_KINDS``); "" for a group."""
        return (self.rule or {}).get("kind", "")

    @property
    def is_survey(self) -> bool:
        """A leaf of the leaders' survey: the leaders answer it, the unit and the council never score it."""
        return self.rule_kind == SURVEY

    @property
    def unit_scored(self) -> bool:
        """A leaf the unit scores itself and the council re-scores: every leaf but the leaders' survey."""
        return self.is_leaf and not self.is_survey

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def parsed_rule(self) -> Rule | None:
        return parse_rule(self.rule, Decimal(self.max_points)) if self.rule else None

    def rule_lines(self) -> list[str]:
        rule = self.parsed_rule()
        return describe_rule(rule, Decimal(self.max_points)) if rule else []

    @property
    def rule_kind_label(self) -> str:
        return RULE_KIND_LABELS.get(self.rule_kind, "")
