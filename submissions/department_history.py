"""The history of a unit's departments (issue #13): who created, renamed or removed a department, who added or
took away its members, who assigned the sections and criteria of a sheet to it, and when. django-simple-history
keeps the rows (``Department``, ``DepartmentMember``, ``DepartmentNode`` have ``history``; the request's user is
recorded by ``HistoryRequestMiddleware``); this module turns them into sentences, newest first, for the page
"Lịch sử thay đổi phòng" that the unit's approver opens from "Phòng và giao tiêu chí". A constant number of
queries: three histories, the users and the nodes they name."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from criteria.models import Node

from .department_models import Department, DepartmentMember, DepartmentNode
from .models import Submission, User
from .permissions import get_submission_for_user

ADDED, CHANGED, REMOVED = "+", "~", "-"


@dataclass(frozen=True)
class Change:
    at: datetime
    by: object  # the account that made the change; None: made outside a page (import, demo)
    what: str
    kind: str  # "department", "member", "assignment"


def _in_order(records) -> dict[int, list]:
    """Historical rows per object id, oldest first, so each change is compared with the row before it."""
    rows = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        rows[record.id].append(record)
    return rows


def unit_history(submission: Submission) -> list[Change]:
    """Every change of the departments of ``submission``'s unit and of their members, and of the assignments of
    this sheet's sections and criteria, newest first."""
    changes: list[Change] = []
    departments = list(Department.history.filter(unit_id=submission.unit_id).select_related("history_user"))
    names: dict[int, str] = {}
    for object_id, rows in _in_order(departments).items():
        names[object_id] = rows[-1].name
        for before, row in zip([None, *rows], rows, strict=False):
            if row.history_type == ADDED:
                what = f"Thêm phòng {row.name} (mã {row.code})."
            elif row.history_type == REMOVED:
                what = f"Xóa phòng {row.name}."
            elif before is not None and before.name != row.name:
                what = f"Đổi tên phòng “{before.name}” thành “{row.name}”."
            else:
                continue
            changes.append(Change(row.history_date, row.history_user, what, "department"))
    members = list(DepartmentMember.history.filter(department_id__in=list(names)).select_related("history_user"))
    people = {u.pk: u for u in User.objects.filter(pk__in={m.user_id for m in members})}
    for row in members:
        person = people.get(row.user_id, "tài khoản đã xóa")
        department = names.get(row.department_id, "phòng đã xóa")
        if row.history_type == ADDED:
            changes.append(Change(row.history_date, row.history_user, f"Thêm {person} vào {department}.", "member"))
        elif row.history_type == REMOVED:
            changes.append(Change(row.history_date, row.history_user, f"Bỏ {person} khỏi {department}.", "member"))
    assignments = list(DepartmentNode.history.filter(submission_id=submission.pk).select_related("history_user"))
    nodes = {n.pk: n for n in Node.objects.filter(pk__in={a.node_id for a in assignments}).only("code", "title")}
    for rows in _in_order(assignments).values():
        for before, row in zip([None, *rows], rows, strict=False):
            node = nodes.get(row.node_id)
            label = f"{node.code} {node.title}" if node else "mục đã xóa"
            department = names.get(row.department_id, "phòng đã xóa")
            if row.history_type == ADDED:
                what = f"Giao {label} cho {department}."
            elif row.history_type == REMOVED:
                what = f"Bỏ giao {label} (trước đó: {department})."
            elif before is not None and before.department_id != row.department_id:
                what = f"Chuyển {label} từ {names.get(before.department_id, 'phòng đã xóa')} sang {department}."
            else:
                continue
            changes.append(Change(row.history_date, row.history_user, what, "assignment"))
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


@login_required
def department_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The approver's page (the same access as "Phòng và giao tiêu chí": the unit's approver; other accounts of
    the unit 403, everyone else 404)."""
    submission, access = get_submission_for_user(request.user, pk, send=True)
    return render(request, "submissions/departments/history.html", {
        "submission": submission, "access": access, "changes": unit_history(submission)})
