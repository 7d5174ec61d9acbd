"""Pages of the secretariat (Sở Nội vụ / Phòng Nội vụ): periods, units, staff lists, windows."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from config.dates import VNDateTimeField
from criteria.models import Authority, Framework, Node
from criteria.selectors import grading_problem

from . import phase_deadlines, services
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
    current = {pb.block_id: pb for pb in period.blocks.all()} if period else {}
    for block in blocks:
        taking_part = current.get(block.pk)
        form.fields[f"fw_{block.pk}"] = forms.ModelChoiceField(
            queryset=frameworks, required=False, label=f"Bộ tiêu chí — {block} ({block.authority})",
            initial=taking_part.framework_id if taking_part else None,
        )
        # Điều 7.1.a: the block's quota is data of the period; a new period starts from the block's default.
        form.fields[f"quota_{block.pk}"] = forms.IntegerField(
            required=False, min_value=0, max_value=10000, label=f"Số lượng tối đa HTXSNV của kỳ — {block}",
            initial=taking_part.excellent_quota if taking_part else block.excellent_quota,
            help_text="Để trống nếu khối chỉ áp dụng tỷ lệ 20 %.",
            error_messages={"invalid": "Hãy nhập một số nguyên.", "min_value": "Số lượng không được âm.",
                            "max_value": "Số lượng quá lớn."})
        # Seed 004: blocks of one period may have their own deadlines (communes 05/12, departments 15/12).
        form.fields[f"deadline_{block.pk}"] = VNDateTimeField(
            required=False, label=f"Hạn gửi riêng — {block}",
            initial=taking_part.deadline if taking_part else None,
            help_text="Để trống: theo hạn gửi của kỳ. Không muộn hơn hạn gửi của kỳ.")
        form.fields.update(phase_deadlines.form_fields(block, taking_part))  # the council's, the leaders'
    if request.method == "POST" and form.is_valid():
        period = form.save(commit=False)
        chosen = {b: form.cleaned_data[f"fw_{b.pk}"] for b in blocks
                  if b.authority_id == period.authority_id and form.cleaned_data.get(f"fw_{b.pk}")}
        quotas = {b: form.cleaned_data.get(f"quota_{b.pk}") for b in chosen}
        deadlines = {b: form.cleaned_data.get(f"deadline_{b.pk}") for b in chosen}
        # Điều 7 grades with the framework's results group; a rank-only period (PAR index) needs none.
        problems = {b: p for b, f in chosen.items() if period.kind == Period.GRADING and (p := grading_problem(f))}
        try:
            for block, problem in problems.items():
                form.add_error(f"fw_{block.pk}", problem)
            for block, deadline in deadlines.items():  # marked beside the block's own deadline field
                if late := services.rules.block_deadline_problem(deadline, opens_at=period.opens_at,
                                                                  closes_at=period.closes_at):
                    problems[block] = late
                    form.add_error(f"deadline_{block.pk}", late)
            phases = {b: phase_deadlines.form_values(form.cleaned_data, b) for b in chosen}
            for block, values in phases.items():  # issue #13 item 5: each refusal under its own field
                for name, problem in phase_deadlines.problems(
                        appraisal=values[phase_deadlines.APPRAISAL], leader=values[phase_deadlines.LEADER],
                        sending=deadlines.get(block) or period.closes_at, opens_at=period.opens_at).items():
                    problems[block] = problem
                    form.add_error(f"{name}_{block.pk}", problem)
            if problems:  # refused beside each framework's field; nothing is saved
                raise ValidationError([])
            services.period_save(period=period, frameworks=chosen, quotas=quotas, deadlines=deadlines,
                                 phase_deadlines=phases)
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
    # The period's participants are its membership record (each sheet's unit and block), not the units of
    # today: a unit created or moved later does not appear in a period it never took part in.
    rows = [(s.unit, s.block, s) for s in Submission.objects.filter(period=period).select_related("unit", "block")
            .order_by("block__ordering", "unit__name")]
    from django.db.models import Q
    from django.utils import timezone

    from .lineage import former_names

    # Units of today that did not take part; a unit established after the period's deadline never could.
    absent = list(Unit.objects.filter(authority=period.authority, active=True).exclude(submissions__period=period)
                  .filter(Q(established_on__isnull=True)
                          | Q(established_on__lte=timezone.localdate(period.closes_at)))
                  .select_related("block"))
    former = former_names(unit.pk for unit, *_ in rows)
    rows = [(unit, block, s, former.get(unit.pk, "")) for unit, block, s in rows]
    return render(request, "submissions/secretariat/period_detail.html", {
        "period": period, "rows": rows, "blocks": period.blocks.select_related("block", "framework"),
        "absent": absent, "accepts_members": services.accepts_members(period),
        "sent": sum(1 for _, _, s, _ in rows if s.status == Submission.SENT),
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


# --------------------------------------------------------------------------- organisation history (issue #12.2)


@login_required
def lineage_list(request: HttpRequest) -> HttpResponse:
    """The organisation history of the units of each authority the person is the secretariat of (and of the
    authorities below it): old → new, kind, date, basis, who recorded it and when."""
    from django.db.models import Q

    from .models import UnitLineage

    sections = []
    for authority in _authorities(request.user).order_by("name"):
        ids = list(services.authority_and_below(authority))
        links = (UnitLineage.objects.filter(Q(predecessor__authority_id__in=ids) | Q(successor__authority_id__in=ids))
                 .select_related("predecessor__authority", "successor__authority", "recorded_by")
                 .order_by("-effective_on", "successor__name", "predecessor__name"))
        sections.append((authority, links))
    return render(request, "submissions/secretariat/lineage_list.html", {"sections": sections})


def _session_key(authority: Authority) -> str:
    return f"reorganisation-preview-{authority.pk}"


@login_required
def reorganisation_import_view(request: HttpRequest, authority_id: int) -> HttpResponse:
    """Upload a reorganisation sheet, see what it does, confirm (a one-way step). The preview writes nothing
    and keeps the SHA-256 of the file in the session; the confirmation re-posts the file (base64, at most
    ``reorganisation.MAX_BYTES``), which must be the file previewed, and the service checks it again in
    its transaction before writing anything."""
    import base64
    import hashlib

    from .forms import ReorganisationImportForm

    authority = get_object_or_404(Authority, pk=authority_id)
    require_secretariat(request.user, authority.pk)
    form = ReorganisationImportForm(request.POST or None, request.FILES or None)
    plan, problems, encoded = None, [], ""
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["content"]
        digest = hashlib.sha256(content).hexdigest()
        if not form.cleaned_data["confirm"]:
            try:
                plan = services.reorganisation_preview(authority=authority, data=content)
            except ValidationError as exc:
                problems = exc.messages
            else:
                request.session[_session_key(authority)] = digest
                encoded = base64.b64encode(content).decode("ascii")
        elif request.session.get(_session_key(authority)) != digest:
            problems = ["Tệp xác nhận không phải tệp vừa xem trước (hoặc tệp đã được ghi); hãy tải tệp lên và xem "
                        "trước lại. Chưa có thay đổi nào được ghi."]
        else:
            try:
                plan = services.reorganisation_import(authority=authority, data=content, actor=request.user)
            except ValidationError as exc:
                problems, plan = exc.messages, None
            else:
                request.session.pop(_session_key(authority), None)
                messages.success(request, f"Đã ghi lịch sử tổ chức của {authority}: {len(plan.edges)} quan hệ, tạo "
                                          f"{len(plan.created)} đơn vị mới, {len(plan.ended)} đơn vị chấm dứt hoạt "
                                          "động.")
                return redirect("submissions:lineage_list")
    context = {"authority": authority, "form": form, "problems": problems, "plan": plan, "encoded": encoded}
    if plan is not None:
        context.update(
            rows=[(e.number, plan.label(e.predecessor), plan.label(e.successor), e.successor.id < 0, e.kind_label,
                   e.effective_on, e.basis) for e in plan.edges],
            created=plan.created, ended=[(plan.label(unit), day) for unit, day in plan.ended],
            continuing=[plan.label(unit) for unit in plan.continuing])
    refused = request.method == "POST" and (problems or not form.is_valid())
    return render(request, "submissions/secretariat/reorganisation_import.html", context,
                  status=400 if refused else 200)
