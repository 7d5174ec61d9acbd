"""Pages of the lost-points analysis (``ranking.lost_points``).

Who: the unit's accounts (officer, approver) write their unit's notes; the secretariat of the period's
authority, its leaders and its chairman read them (and an admin); the consolidated report and the period's
calendar are the secretariat's; the analysis of the year before is read by the next year's council members
whose agency appraises criterion 8.1 or 8.2, the council chair, the unit and the secretariat. Anyone else gets
404 (the existence of another unit's sheet is not revealed); a reader who posts gets 403.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from config.dates import parse_datetime, show_datetime
from config.responses import attachment, download_name
from criteria.models import Node
from criteria.tree import effective_agency
from submissions.models import Period, Role, Submission
from submissions.permissions import Access, require_secretariat

from . import lost_points as lp

FORMATS = ("xlsx", "pdf")


def _stage(slug: str) -> str:
    stage = lp.STAGE_SLUGS.get(slug)
    if stage is None:
        raise Http404("Không có giai đoạn phân tích này.")
    return stage


def _submission(pk: int) -> Submission:
    return get_object_or_404(Submission.objects.select_related("unit", "block", "period", "period__authority",
                                                               "framework"), pk=pk)


def _reader(user, submission: Submission) -> tuple[Access, bool]:
    """(access, may write) or 404: the unit's accounts, the secretariat, the authority's leaders and chairman."""
    access = Access(user, submission)
    authority_reader = user.is_authenticated and Role.objects.filter(
        user=user, kind__in=[Role.LEADER, Role.CHAIRMAN], authority_id=submission.period.authority_id).exists()
    if not (access.read or authority_reader):
        raise Http404("Không tìm thấy báo cáo.")
    return access, access.write


def _published(submission: Submission, stage: str):
    """After publication only: the block's result in force, else 404."""
    if stage != lp.APPRAISED:
        return None
    version = lp.publication(submission)
    if version is None:
        raise Http404("Kết quả xếp loại của khối chưa được công bố.")
    return version


def _context(submission: Submission, stage: str, access: Access, can_write: bool, states: dict | None = None):
    version = _published(submission, stage)
    window = lp.calendar(submission, stage, version=version)
    found = lp.rows(submission, stage)
    states = states or {}
    return {
        "submission": submission, "stage": stage, "slug": lp.SLUG_OF[stage], "stage_label": lp.STAGE_LABELS[stage],
        "appraised": stage == lp.APPRAISED, "calendar": window, "can_write": can_write, "access": access,
        "items": [{"row": row, **states.get(row.node_id, {})} for row in found], "totals": lp.totals(found),
        "published": version or lp.publication(submission),
    }


@login_required
@require_GET
def unit_page(request: HttpRequest, submission_id: int, stage: str) -> HttpResponse:
    stage = _stage(stage)
    submission = _submission(submission_id)
    access, can_write = _reader(request.user, submission)
    return render(request, "ranking/lost_points/unit.html", _context(submission, stage, access, can_write))


@login_required
@require_POST
def note_save(request: HttpRequest, submission_id: int, stage: str, node_id: int) -> HttpResponse:
    stage = _stage(stage)
    submission = _submission(submission_id)
    access, can_write = _reader(request.user, submission)
    if not can_write:
        raise PermissionDenied("Chỉ tài khoản cập nhật, phê duyệt của đơn vị được ghi phân tích điểm bị mất; lãnh "
                               "đạo và cơ quan thường trực chỉ xem.")
    _published(submission, stage)
    node = get_object_or_404(Node, pk=node_id, framework_id=submission.framework_id)
    try:
        version = int(request.POST.get("version", "0"))
    except ValueError:
        version = -1
    typed = {what: request.POST.get(what) for what in lp.FIELDS}
    state, status = {"saved": True}, 200
    try:
        lp.note_save(submission=submission, node=node, stage=stage, actor=request.user, version=version, **typed)
    except lp.NoteConflict as exc:
        # What was typed stays in the boxes; the other person's note is shown, and its version lets the next save
        # replace it knowingly.
        state, status = {"error": exc.messages[0], "conflict": exc.note, "typed": typed}, 409
    except ValidationError as exc:
        field = exc.code if getattr(exc, "code", None) in lp.FIELDS else ""
        state, status = {"error": " ".join(exc.messages), "error_field": field, "typed": typed}, 400
    if request.htmx or status != 200:
        context = _context(submission, stage, access, can_write, {node.pk: state})
        if request.htmx:
            item = next((i for i in context["items"] if i["row"].node_id == node.pk), None)
            if item is None:  # the criterion reached its maximum meanwhile: no points lost any more
                row = lp.Row(node.pk, node.code, node.title, Decimal(node.max_points), Decimal(node.max_points),
                             Decimal(0))
                row.note = submission.lost_point_notes.filter(node=node, stage=stage).first()
                item = {"row": row, **state}
            return render(request, "ranking/lost_points/_row.html", {**context, "item": item}, status=status)
        return render(request, "ranking/lost_points/unit.html", context, status=status)
    messages.success(request, f"Đã lưu phân tích tiêu chí {node.code}.")
    return redirect(reverse("ranking:lost_points_page", args=[submission.pk, lp.SLUG_OF[stage]]) + f"#lp-{node.pk}")


@login_required
@require_GET
def unit_report(request: HttpRequest, submission_id: int, stage: str, fmt: str) -> HttpResponse:
    """The unit's report, for its leader: Excel or PDF."""
    stage = _stage(stage)
    if fmt not in FORMATS:
        raise Http404("Không có định dạng này.")
    submission = _submission(submission_id)
    _reader(request.user, submission)
    _published(submission, stage)
    name = download_name("Phân tích điểm bị mất", lp.SLUG_OF[stage], submission.unit.name, submission.period.year,
                         ext=None)
    if fmt == "xlsx":
        return attachment(lp.unit_workbook(submission, stage), f"{name}.xlsx")
    pdf = lp.report_pdf(lp.groups_for([submission], stage), stage=stage, title=lp.title_of(stage),
                        period=submission.period)
    return attachment(pdf, f"{name}.pdf")


def _secretariat_period(request, pk: int) -> Period:
    period = get_object_or_404(Period.objects.select_related("authority"), pk=pk)
    require_secretariat(request.user, period.authority_id)
    return period


def _local_datetime(raw: str | None) -> datetime | None:
    try:
        return parse_datetime(raw)  # config/dates.py
    except ValueError:
        pass
    raise ValidationError("Hạn phân tích sơ bộ không đúng dạng ngày giờ (ví dụ 20/11/2025 17:00).", code="deadline")


@login_required
def period_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat's page: the calendar of the analysis, each unit's progress, the consolidated reports."""
    period = _secretariat_period(request, pk)
    plan = lp.plan_for(period)
    typed, error, error_field, status = None, "", "", 200
    if request.method == "POST":
        typed = {key: request.POST.get(key, "") for key in ("deadline", "analysis_days", "plan_days")}
        try:
            lp.plan_save(period=period, actor=request.user, deadline=_local_datetime(typed["deadline"]),
                         analysis_days=typed["analysis_days"], plan_days=typed["plan_days"])
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
            error_field = getattr(exc, "code", "") or ""
        else:
            messages.success(request, "Đã lưu lịch phân tích điểm bị mất của kỳ.")
            return redirect("ranking:lost_points_period", pk=period.pk)
    elif request.method != "GET":
        return HttpResponse(status=405)
    if typed is None:
        deadline = show_datetime(plan.deadline)
        typed = {"deadline": deadline, "analysis_days": plan.analysis_days, "plan_days": plan.plan_days}
    stages = []
    for stage in (lp.PRELIMINARY, lp.APPRAISED):
        submissions = lp.period_submissions(period, stage)
        by_submission = lp.rows_for(submissions, stage)
        stages.append({"stage": stage, "slug": lp.SLUG_OF[stage], "label": lp.STAGE_LABELS[stage],
                       "units": [{"submission": s, **lp.totals(by_submission[s.pk])} for s in submissions]})
    return render(request, "ranking/lost_points/period.html", {
        "period": period, "plan": plan, "typed": typed, "error": error, "error_field": error_field,
        "stages": stages}, status=status)


@login_required
@require_GET
def period_report(request: HttpRequest, pk: int, stage: str, fmt: str) -> HttpResponse:
    """The consolidated report of every unit of the period, for the secretariat only."""
    stage = _stage(stage)
    if fmt not in FORMATS:
        raise Http404("Không có định dạng này.")
    period = _secretariat_period(request, pk)
    name = download_name("Tổng hợp điểm bị mất", lp.SLUG_OF[stage], period.year, ext=None)
    if fmt == "xlsx":
        return attachment(lp.period_workbook(period, stage), f"{name}.xlsx")
    groups = lp.groups_for(lp.period_submissions(period, stage), stage)
    return attachment(lp.report_pdf(groups, stage=stage, title="TỔNG HỢP " + lp.title_of(stage), period=period),
                      f"{name}.pdf")


# --------------------------------------------------------------------------- next year's council


def can_read_previous(user, submission: Submission) -> bool:
    """The unit and the secretariat; the council chair of ``submission``'s period; a member of its council whose
    agency appraises criterion 8.1 or 8.2 of the sheet, for a sheet the council appraises, not of their own
    unit."""
    from appraisal.models import CouncilMember
    from appraisal.permissions import is_council_chair, member_home_unit_ids
    from appraisal.rules import agency_matches

    if Access(user, submission).read:
        return True
    if not user.is_authenticated:
        return False
    period = submission.period
    if is_council_chair(user, period):
        return True
    seats = list(CouncilMember.objects.filter(user=user, period=period))
    if not seats or submission.status not in period.appraisable_statuses:
        return False
    chain = {n.id: n for n in Node.objects.filter(framework_id=submission.framework_id)}
    evidence = [n for n in chain.values() if n.rule and lp.is_evidence_criterion(n.code, n.title)]
    return any(submission.unit_id not in member_home_unit_ids(seat)
               and any(agency_matches(effective_agency(n, chain), seat.keyword_list()) for n in evidence)
               for seat in seats)


def _previous_groups(submission: Submission) -> list[dict]:
    groups = []
    for found in lp.previous_year(submission):
        old = found["submission"]
        rows = lp.rows(old, lp.APPRAISED)
        groups.append({**found, "rows": rows, "totals": lp.totals(rows),
                       "calendar": lp.calendar(old, lp.APPRAISED, version=found["version"])})
    return groups


@login_required
@require_GET
def previous_page(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = _submission(submission_id)
    if not can_read_previous(request.user, submission):
        raise Http404("Không tìm thấy báo cáo.")
    return render(request, "ranking/lost_points/previous.html", {
        "submission": submission, "groups": _previous_groups(submission), "year": submission.period.year - 1})


@login_required
@require_GET
def previous_pdf(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = _submission(submission_id)
    if not can_read_previous(request.user, submission):
        raise Http404("Không tìm thấy báo cáo.")
    groups = _previous_groups(submission)
    if not groups:
        raise Http404(f"Không có phân tích điểm bị trừ năm {submission.period.year - 1} của đơn vị.")
    pdf = lp.report_pdf(groups, stage=lp.APPRAISED, title=lp.title_of(lp.APPRAISED),
                        period=groups[0]["submission"].period)
    return attachment(pdf, download_name("Phân tích điểm bị trừ", submission.unit.name, submission.period.year - 1,
                                         ext="pdf"))
