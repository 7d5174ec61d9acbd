"""Departments of a unit (issue #13 item 3; seed 004 §1.1: Phòng Nội vụ, Tư pháp, TC-KH, VH-TT, Văn phòng each
self-score their areas). Imported at the end of ``submissions.models`` so Django registers them there.

* ``Department`` belongs to the unit and lasts across periods (a unit keeps its phòng from year to year);
* ``DepartmentMember`` puts an account (an officer of the unit) in a department; Role is left untouched;
* ``DepartmentNode`` assigns a node of the submission's framework to a department, per submission: the
  framework (and so the node ids) is chosen per period, so an assignment only means something for the sheet
  of one period. A section covers every leaf below it; a node has at most one department, and the nearest
  assigned node above a leaf (the leaf itself first) names the department that owns it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from criteria.models import Node

from .models import Submission, Unit


class Department(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="departments", verbose_name="Đơn vị")
    code = models.SlugField("Mã", max_length=32)
    name = models.CharField("Tên phòng", max_length=255)
    # Who created, renamed or removed a department, and when (the approver's "Lịch sử thay đổi phòng" page).
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Phòng chuyên môn"
        verbose_name_plural = "Phòng chuyên môn"
        ordering = ["unit", "code"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="department_code_unique")]

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="members",
                                   verbose_name="Phòng")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="departments",
                             verbose_name="Cán bộ")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Cán bộ của phòng"
        verbose_name_plural = "Cán bộ của phòng"
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="department_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.department}"


class DepartmentNode(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="department_nodes")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="nodes", verbose_name="Phòng")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name="Mục / tiêu chí")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "Giao mục cho phòng"
        verbose_name_plural = "Giao mục cho phòng"
        constraints = [models.UniqueConstraint(fields=["submission", "node"], name="department_node_unique")]

    def __str__(self) -> str:
        return f"{self.node.code} → {self.department}"
