"""The approver's page "Phòng và giao tiêu chí" (issue #13 item 3): the unit's departments and their members, and
in one form the sections and criteria of the sheet assigned to departments. Only the unit's approver opens it
(other accounts of the unit: 403; everyone else: 404, as every page of a sheet); writes go through
``submissions.departments``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from config.ids import db_id, db_ids
from criteria.selectors import framework_nodes

from . import departments as service
from .department_models import DepartmentMember
from .models import Role
from .permissions import get_submission_for_user


@login_required
def departments(request: HttpRequest, pk: int) -> HttpResponse:
    submission, access = get_submission_for_user(request.user, pk, send=True)
    unit = submission.unit
    staff = {r.user_id: r.user for r in Role.objects.filter(unit=unit, kind__in=Role.UNIT_KINDS)
             .select_related("user").order_by("user__full_name", "user__username")}
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            with transaction.atomic():
                if step == "departments":
                    done = _save_departments(request, unit, staff)
                elif step == "assign":
                    nodes = framework_nodes(submission.framework)
                    posted = {node_id: v for node_id in nodes if (v := request.POST.get(f"node-{node_id}")) is not None}
                    if any(v.strip() and db_id(v) is None for v in posted.values()):
                        raise ValidationError("Phòng được chọn không hợp lệ: hãy tải lại trang rồi giao lại. Chưa có "
                                              "thay đổi nào được lưu.")
                    assigned = {node_id: db_id(v) for node_id, v in posted.items()}
                    changed = service.department_nodes_set(submission=submission, assigned=assigned)
                    done = f"Đã lưu việc giao tiêu chí cho phòng ({changed} thay đổi)."
                else:
                    raise ValidationError("Yêu cầu không hợp lệ.")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
        return redirect("submissions:departments", pk=pk)
    found = service.unit_departments(unit)
    members: dict[int, set[int]] = {}
    for department_id, user_id in DepartmentMember.objects.filter(department__unit=unit).values_list(
            "department_id", "user_id"):
        members.setdefault(department_id, set()).add(user_id)
    assigned = service.submission_assignments(submission)
    nodes = list(framework_nodes(submission.framework).values())
    parents = {n.pk: n.parent_id for n in nodes}
    names = {d.pk: d.name for d in found}
    rows = [{"node": n, "assigned": assigned.get(n.pk), "indent": n.depth,
             "owner": names.get(service.owner(n.pk, parents, assigned)) if n.rule else None} for n in nodes]
    return render(request, "submissions/departments/manage.html", {
        "submission": submission, "access": access, "departments": found, "rows": rows,
        "staff": list(staff.values()), "listed": [(d, members.get(d.pk, set())) for d in found],
        "required": bool(submission.period.setting(service.SETTING)), "editable": submission.is_draft,
    })


def _save_departments(request: HttpRequest, unit, staff) -> str:
    removed = renamed = 0
    for department in service.unit_departments(unit):
        if request.POST.get(f"delete-{department.pk}"):
            service.department_delete(department=department)
            removed += 1
            continue
        name = request.POST.get(f"name-{department.pk}")
        if name is not None and " ".join(name.split()) != department.name:
            service.department_rename(department=department, name=name)
            renamed += 1
        chosen = [staff[u] for u in db_ids(request.POST.getlist(f"members-{department.pk}")) if u in staff]
        service.department_members_set(department=department, users=chosen)
    code, name = request.POST.get("new_code", "").strip(), request.POST.get("new_name", "").strip()
    parts = []
    if code or name:
        created = service.department_create(unit=unit, code=code, name=name)
        chosen = [staff[u] for u in db_ids(request.POST.getlist("members-new")) if u in staff]
        service.department_members_set(department=created, users=chosen)
        parts.append(f"đã thêm {created.name}")
    if renamed:
        parts.append(f"đổi tên {renamed} phòng")
    if removed:
        parts.append(f"xóa {removed} phòng")
    return "Đã lưu danh sách phòng và cán bộ" + (f" ({', '.join(parts)})." if parts else ".")
