"""Departments share a unit's criteria (issue #13 item 3; seed 004 §1.1: Phòng Nội vụ, Tư pháp, Tài chính - Kế
hoạch, Văn hóa và Thông tin, Văn phòng HĐND và UBND each self-score their areas).

The models are in ``submissions.department_models``. A node of the sheet's framework assigned to a department
covers every leaf below it; the nearest assigned node above a leaf (the leaf itself first) owns it. With the
period's setting ``departments_required`` on, an officer changes (score, explanation, evidence) only the leaves
of their department(s); the approver changes every leaf; a leaf assigned to no department only the approver.
Off (the default), nothing here runs on the save path.

Pure functions first (no database), then the check of the save path (one query, only when the setting is on),
then the approver's writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Subquery, Value, When

from criteria.models import Node
from criteria.selectors import framework_nodes

from .department_models import Department, DepartmentMember, DepartmentNode
from .models import Role, Submission, Unit, User

SETTING = "departments_required"

# --------------------------------------------------------------------------- pure


def chain(node_id: int, parents: Mapping[int, int | None]) -> list[int]:
    """``node_id`` then its ancestors up to the root, from ``parents`` (node id → parent id)."""
    ids: list[int] = []
    current: int | None = node_id
    while current is not None and current not in ids:
        ids.append(current)
        current = parents.get(current)
    return ids


def owner(node_id: int, parents: Mapping[int, int | None], assigned: Mapping[int, int]) -> int | None:
    """The department owning ``node_id``: that of the nearest assigned node among it and its ancestors."""
    return next((assigned[i] for i in chain(node_id, parents) if i in assigned), None)


def refusal(code: str, owner_name: str | None) -> str:
    """The sentence an officer reads when the criterion is not their department's."""
    if owner_name is None:
        return (f"Tiêu chí {code} chưa giao cho phòng nào: kỳ đánh giá yêu cầu phân công cho phòng, nên chỉ người "
                "phê duyệt sửa được tiêu chí này (hoặc đề nghị người phê duyệt giao tiêu chí cho phòng của bạn).")
    return (f"Tiêu chí {code} được giao cho {owner_name}; bạn không thuộc phòng này nên không sửa được điểm, "
            "giải trình hay tài liệu kiểm chứng của tiêu chí (kỳ đánh giá yêu cầu phân công cho phòng).")


@dataclass
class DepartmentProgress:
    department_id: int | None  # None: the leaves assigned to no department
    name: str
    scored: int = 0
    with_evidence: int = 0
    total: int = 0


def progress(leaves: Iterable[tuple[int, bool, bool]], parents: Mapping[int, int | None],
             assigned: Mapping[int, int], names: Mapping[int, str]) -> list[DepartmentProgress]:
    """Per department (in the order of ``names``), then "Chưa giao" when a leaf has no department: how many
    leaves it owns, how many are scored and how many have evidence. ``leaves``: (node id, scored, has evidence)
    of each scorable leaf."""
    rows = {d: DepartmentProgress(d, name) for d, name in names.items()}
    unassigned = DepartmentProgress(None, "Chưa giao cho phòng nào")
    for node_id, scored, evidence in leaves:
        row = rows.get(owner(node_id, parents, assigned), unassigned)
        row.total += 1
        row.scored += scored
        row.with_evidence += evidence
    return list(rows.values()) + ([unassigned] if unassigned.total else [])


CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def clean_code(code: str) -> str:
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise ValidationError(f"Mã phòng “{code}” không hợp lệ: chỉ chữ thường không dấu, số và dấu gạch ngang "
                              "(ví dụ noi-vu), tối đa 32 ký tự.")
    return code


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("Hãy nhập tên phòng (ví dụ Phòng Nội vụ).")
    if len(name) > 255:
        raise ValidationError("Tên phòng dài quá 255 ký tự.")
    return name


# --------------------------------------------------------------------------- the save path


def _parents(submission: Submission, node: Node) -> dict[int, int | None]:
    """node id → parent id of the framework, without a query when the framework is locked (every framework
    chosen for a period is) and the node or the submission already holds it."""
    framework = node.framework if Node.framework.is_cached(node) else submission.framework
    return {n.pk: n.parent_id for n in framework_nodes(framework).values()}


def assert_department(*, submission: Submission, node: Node, actor: User) -> None:
    """Refuse (``ValidationError``, code "department") a change of ``node`` by ``actor`` when the period requires
    departments and the criterion is not of the actor's department. No query when the setting is off; one
    when on (the approver's role, the owning department and the actor's membership together)."""
    if not submission.period.setting(SETTING):
        return
    ids = chain(node.pk, _parents(submission, node))
    owners = (DepartmentNode.objects.filter(submission_id=submission.pk, node_id__in=ids)
              .annotate(near=Case(*[When(node_id=i, then=Value(n)) for n, i in enumerate(ids)],
                                  output_field=IntegerField()))
              .order_by("near"))
    row = (Submission.objects.filter(pk=submission.pk).annotate(
        approver=Exists(Role.objects.filter(user_id=actor.pk, kind=Role.APPROVER, unit_id=OuterRef("unit_id"))),
        member=Exists(DepartmentMember.objects.filter(
            user_id=actor.pk, department_id=Subquery(owners.values("department_id")[:1]))),
        owner_name=Subquery(owners.values("department__name")[:1]),
    ).values_list("approver", "member", "owner_name").first())
    if row is None or row[0] or row[1]:
        return
    raise ValidationError(refusal(node.code, row[2]), code="department")


# --------------------------------------------------------------------------- reads


def unit_departments(unit: Unit) -> list[Department]:
    return list(Department.objects.filter(unit=unit).order_by("code"))


def submission_assignments(submission: Submission) -> dict[int, int]:
    """node id → department id of the submission's assignments."""
    return dict(DepartmentNode.objects.filter(submission=submission).values_list("node_id", "department_id"))


def sheet_progress(submission: Submission, sheet) -> list[DepartmentProgress]:
    """The review page's progress per department (empty when the unit has no department), from the sheet the
    page already read (``submissions.selectors.submission_sheet``) and two small queries."""
    departments = unit_departments(submission.unit)
    if not departments:
        return []
    parents = {item.node.pk: item.node.parent_id for item in _walk(sheet.roots)}
    leaves = [(item.node.pk, item.points is not None, bool(item.evidence)) for item in sheet.leaves if item.leaves]
    return progress(leaves, parents, submission_assignments(submission), {d.pk: d.name for d in departments})


def _walk(items):
    for item in items:
        yield item
        yield from _walk(item.children)


# --------------------------------------------------------------------------- the approver's writes


@transaction.atomic
def department_create(*, unit: Unit, code: str, name: str) -> Department:
    code, name = clean_code(code), clean_name(name)
    try:
        with transaction.atomic():
            return Department.objects.create(unit=unit, code=code, name=name)
    except IntegrityError:
        raise ValidationError(f"Đơn vị đã có phòng mã “{code}”.") from None


@transaction.atomic
def department_rename(*, department: Department, name: str) -> Department:
    department.name = clean_name(name)
    department.save(update_fields=["name"])
    return department


@transaction.atomic
def department_delete(*, department: Department) -> None:
    """Remove a department; its assignments in sheets still being entered go with it. Refused while a sent or
    locked sheet has criteria assigned to it (what the council reads must keep its departments)."""
    kept = (DepartmentNode.objects.filter(department=department).exclude(submission__status=Submission.DRAFT)
            .select_related("submission__period").first())
    if kept:
        raise ValidationError(f"Không xóa được {department.name}: phòng đã được giao tiêu chí trong báo cáo đã gửi "
                              f"hoặc đã khóa ({kept.submission.period}).")
    department.delete()


@transaction.atomic
def department_members_set(*, department: Department, users: Iterable[User]) -> None:
    """The department's members become ``users``: accounts with a role (officer or approver) in its unit."""
    users = list(users)
    staff = set(Role.objects.filter(unit_id=department.unit_id, kind__in=Role.UNIT_KINDS)
                .values_list("user_id", flat=True))
    outside = [str(u) for u in users if u.pk not in staff]
    if outside:
        raise ValidationError(f"{', '.join(outside)} không phải cán bộ của {department.unit}.")
    wanted = {u.pk for u in users}
    DepartmentMember.objects.filter(department=department).exclude(user_id__in=wanted).delete()
    have = set(DepartmentMember.objects.filter(department=department).values_list("user_id", flat=True))
    for user_id in sorted(wanted - have):  # one by one, so each addition has its history row (who, when)
        DepartmentMember.objects.create(department=department, user_id=user_id)


@transaction.atomic
def department_nodes_set(*, submission: Submission, assigned: Mapping[int, int | None]) -> int:
    """Assign nodes of the sheet's framework to departments of its unit: node id → department id, or None to
    take the assignment away (the node then follows the section above it). Only while the sheet is a draft.
    Returns how many assignments changed."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if not submission.is_draft:
        raise ValidationError("Báo cáo đã gửi hoặc đã khóa: không thay đổi được việc giao tiêu chí cho phòng.")
    nodes = set(Node.objects.filter(framework_id=submission.framework_id, pk__in=list(assigned))
                .values_list("pk", flat=True))
    departments = set(Department.objects.filter(unit_id=submission.unit_id).values_list("pk", flat=True))
    if set(assigned) - nodes:
        raise ValidationError("Mục hoặc tiêu chí không thuộc bộ tiêu chí của báo cáo.")
    if {d for d in assigned.values() if d is not None} - departments:
        raise ValidationError("Phòng không thuộc đơn vị của báo cáo.")
    current = submission_assignments(submission)
    changed = 0
    for node_id, department_id in assigned.items():
        if current.get(node_id) == department_id:
            continue
        changed += 1
        if department_id is None:
            DepartmentNode.objects.filter(submission=submission, node_id=node_id).delete()
        else:
            DepartmentNode.objects.update_or_create(submission=submission, node_id=node_id,
                                                    defaults={"department_id": department_id})
    return changed
