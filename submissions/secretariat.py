"""Pages of the secretariat (Sở Nội vụ / Phòng Nội vụ): periods, units, staff lists, windows."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from criteria.models import Authority, Framework, Node

from . import services
from .forms import PeriodForm, StaffImportForm, UnitForm, WindowForm
from .models import Block, Period, Submission, Unit
from .permissions import require_secretariat, secretariat_authority_ids
from .transitions import period_log


def _authorities(user):
    ids = secretariat_authority_ids(user)
    if not ids:
        raise PermissionDenied("Chức năng này dành cho cơ quan thường trực (Sở Nội vụ / Phòng Nội vụ).")
    return Authority.objects.filter(id__in=ids)


@login_required
def period_list(request: HttpRequest) -> HttpResponse:
    authorities = _authorities(request.user)
    periods = Period.objects.filter(authority__in=authorities).select_related("authority")
    return render(request, "submissions/secretariat/period_list.html", {"periods": periods})


@login_required
def period_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    authorities = _authorities(request.user)
    period = get_object_or_404(Period, pk=pk, authority__in=authorities) if pk else None
    blocks = list(Block.objects.filter(authority__in=authorities).select_related("authority"))
    frameworks = Framework.objects.order_by("-year", "code")
    form = PeriodForm(request.POST or None, instance=period, authorities=authorities,
                      locked_reason=_settings_locked(period))
    current = {pb.block_id: pb.framework_id for pb in period.blocks.all()} if period else {}
    for block in blocks:
        form.fields[f"fw_{block.pk}"] = forms.ModelChoiceField(
            queryset=frameworks, required=False, label=f"Bộ tiêu chí — {block} ({block.authority})",
            initial=current.get(block.pk),
        )
    if request.method == "POST" and form.is_valid():
        period = form.save(commit=False)
        chosen = {b: form.cleaned_data[f"fw_{b.pk}"] for b in blocks
                  if b.authority_id == period.authority_id and form.cleaned_data.get(f"fw_{b.pk}")}
        try:
            services.period_save(period=period, frameworks=chosen)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"Đã lưu kỳ đánh giá “{period}”.")
            return redirect("submissions:period_detail", pk=period.pk)
    return render(request, "submissions/secretariat/period_form.html", {"form": form, "period": period})


def _settings_locked(period: Period | None) -> str:
    """Why the period's readings of the regulation can no longer change: its appraisal round has closed
    (the results were computed and frozen under them); empty while they may change."""
    appraisal_round = getattr(period, "appraisal_round", None) if period else None
    if appraisal_round is None or appraisal_round.status != "closed":
        return ""
    return ("Hội đồng thẩm định đã kết thúc thẩm định kỳ này; kết quả đã được tính theo cách hiểu quy định "
            "hiện tại.")


@login_required
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(Period.objects.select_related("authority"), pk=pk)
    require_secretariat(request.user, period.authority_id)
    submissions = {s.unit_id: s for s in Submission.objects.filter(period=period)}
    units = Unit.objects.filter(authority=period.authority, active=True).select_related("block")
    rows = [(unit, submissions.get(unit.pk)) for unit in units]
    return render(request, "submissions/secretariat/period_detail.html", {
        "period": period, "rows": rows, "blocks": period.blocks.select_related("block", "framework"),
        "sent": sum(1 for _, s in rows if s and s.status == Submission.SENT),
        "changes": period_log(period),
    })


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    authorities = _authorities(request.user)
    blocks = Block.objects.filter(authority__in=authorities)
    form = UnitForm(request.POST or None, blocks=blocks)
    if request.method == "POST" and form.is_valid():
        unit = form.save(commit=False)
        unit.authority = unit.block.authority
        try:
            services.unit_create(unit=unit)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, f"Đã thêm đơn vị “{unit}”.")
            return redirect("submissions:unit_list")
    units = Unit.objects.filter(authority__in=authorities).select_related("block").prefetch_related("roles__user")
    return render(request, "submissions/secretariat/unit_list.html", {"units": units, "form": form})


@login_required
def staff_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    require_secretariat(request.user, unit.authority_id)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    result = None
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.staff_import(unit=unit, data=form.cleaned_data["file"].read(), actor=request.user)
        except ValidationError as exc:
            problems = exc.messages
    return render(request, "submissions/secretariat/staff_import.html", {
        "unit": unit, "form": form, "result": result, "problems": problems,
    }, status=400 if problems else 200)


@login_required
def window_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(Submission.objects.select_related("period", "unit"), pk=pk)
    require_secretariat(request.user, submission.period.authority_id)
    leaves = [n for n in Node.objects.filter(framework=submission.framework).order_by("ordering") if n.rule]
    form = WindowForm(request.POST or None)
    form.fields["nodes"].choices = [(str(n.pk), f"{n.code}. {n.title[:90]}") for n in leaves]
    if request.method == "POST" and form.is_valid():
        chosen = [n for n in leaves if str(n.pk) in form.cleaned_data["nodes"]]
        try:
            services.window_open(submission=submission, nodes=chosen, closes_at=form.cleaned_data["closes_at"],
                                 message=form.cleaned_data["message"], actor=request.user)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, f"Đã mở đợt bổ sung cho {submission.unit}.")
            return redirect("submissions:period_detail", pk=submission.period_id)
    return render(request, "submissions/secretariat/window_form.html", {
        "submission": submission, "form": form, "windows": submission.windows.prefetch_related("nodes"),
    })
