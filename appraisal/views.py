"""Views of the appraisal stage. Access through ``appraisal.permissions``; writes through ``appraisal.services``."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from config.dates import parse_datetime
from config.responses import attachment, download_name, evidence_response
from config.versioning import history_versions, posted_version
from criteria.codes import code_key
from criteria.models import Node
from criteria.scoring import fmt
from criteria.selectors import survey_leaves
from submissions.models import Period, Role, Submission, Unit
from submissions.permissions import get_submission_for_user, secretariat_authority_ids
from submissions.services import ConflictError
from submissions.transitions import period_log

from . import services
from .forms import MemberForm, RoundForm
from .models import Appraisal, AppraisalRound, CouncilMember, LeaderForm, PaperTally, QualityLevel, SupplementRequest
from .permissions import (
    get_evidence_for_council,
    get_member_for_user,
    get_node_for_member,
    get_submission_for_member,
    is_council_chair,
    is_leader,
    require_secretariat_of,
)
from .selectors import council_deadline_warnings, member_queue, member_unit_rows, quality_rows, secretariat_matrix


@login_required
def home(request: HttpRequest) -> HttpResponse:
    seats = CouncilMember.objects.filter(user=request.user).select_related("period")
    leader_periods = Period.objects.filter(authority__roles__user=request.user,
                                           authority__roles__kind=Role.LEADER).distinct()
    managed = Period.objects.filter(authority_id__in=secretariat_authority_ids(request.user))
    chaired = Period.objects.filter(
        Q(authority__roles__user=request.user, authority__roles__kind=Role.CHAIR)
        | Q(council__user=request.user, council__role=CouncilMember.CHAIR)).distinct().order_by("-year")
    if not (seats or leader_periods or managed or chaired):
        raise PermissionDenied("Tài khoản không có nhiệm vụ thẩm định.")
    from .models import PaperBlock

    paper_periods = set(PaperBlock.objects.values_list("period_block__period_id", flat=True))  # hồ sơ giấy
    return render(request, "appraisal/home.html", {"seats": seats, "leader_periods": leader_periods,
                                                   "paper_periods": paper_periods,
                                                   "managed": managed, "chaired": chaired,
                                                   "warnings": council_deadline_warnings(request.user, chaired)})


@login_required
@require_GET
def chair_units(request: HttpRequest, period_id: int) -> HttpResponse:
    """The council chair's view of a period: every appraised sheet with its progress, read only."""
    period = get_object_or_404(Period, pk=period_id)
    if not is_council_chair(request.user, period):
        raise PermissionDenied("Chức năng này dành cho Chủ tịch Hội đồng thẩm định.")
    agencies, rows = secretariat_matrix(period)
    rows = [r for r in rows if r.submission.status in period.appraisable_statuses]
    closed = AppraisalRound.objects.filter(period=period, closed_at__isnull=False).exists()
    return render(request, "appraisal/chair_units.html", {"period": period, "agencies": agencies, "rows": rows,
                                                          "closed": closed})


@login_required
@require_GET
def chair_unit(request: HttpRequest, period_id: int, submission_id: int) -> HttpResponse:
    """One sheet for the chair: every criterion with the self-score, the appraised score, the comment and
    the evidence (opened through the same permission-checked view as the members')."""
    period = get_object_or_404(Period, pk=period_id)
    if not is_council_chair(request.user, period):
        raise PermissionDenied("Chức năng này dành cho Chủ tịch Hội đồng thẩm định.")
    submission = get_object_or_404(Submission.objects.select_related("unit", "period"), pk=submission_id,
                                   period=period, status__in=period.appraisable_statuses)
    return render(request, "appraisal/chair_unit.html", {"period": period, "submission": submission,
                                                         "rows": member_unit_rows(None, submission)})


# --------------------------------------------------------------------------- council member


@login_required
@require_GET
def queue(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_member_for_user(request.user, member_id)
    criterion = request.GET.get("tieu_chi", "").strip()
    rows = member_queue(member, criterion)
    unit_q = request.GET.get("don_vi", "").strip().casefold()
    block = request.GET.get("khoi", "")
    if unit_q:
        rows = [r for r in rows if unit_q in r.submission.unit.name.casefold()]
    if block:
        rows = [r for r in rows if r.submission.block.code == block]
    if request.GET.get("chua_xong"):
        rows = [r for r in rows if not r.done]
    if request.GET.get("canh_bao"):
        rows = [r for r in rows if r.flagged]
    everything = member_queue(member)
    blocks = sorted({(r.submission.block.code, r.submission.block.name) for r in everything})
    codes = sorted({r.node.code for row in everything[:1] for r in member_unit_rows(member, row.submission)},
                   key=code_key)
    done = sum(r.appraised for r in rows)
    total = sum(r.criteria for r in rows)
    return render(request, "appraisal/queue.html", {"member": member, "rows": rows, "blocks": blocks,
                                                    "codes": codes, "done": done, "total": total})


def _unit_context(member, submission, typed_quality: dict | None = None, supplement: dict | None = None,
                  confirm: dict | None = None, **extra):
    """The member's unit page; ``typed_quality`` ({node id: {"level", "reason"}}) keeps what a refused quality
    form had typed, ``supplement`` ({"typed", "errors"}) what a refused supplementation request had typed,
    ``confirm`` ({"ticked", "refused"}) the criteria ticked for a refused confirmation of self-scores."""
    typed_quality = typed_quality or {}
    rows = member_unit_rows(member, submission)
    mine = {r.node.id for r in rows}
    parents = {}
    for node in Node.objects.filter(framework_id=submission.framework_id):
        parents[node.id] = node.parent_id
    # Quality levels of the criteria that contain this member's leaves.
    containing = set()
    for node_id in mine:
        current = node_id
        while current:
            containing.add(current)
            current = parents.get(current)
    quality = [q for q in quality_rows(submission) if q.node.id in containing]
    from .selectors import _frameworks_nodes, quality_gaps

    barring = {g.node.pk: g.text for g in quality_gaps(submission.period, [submission],
                                                        _frameworks_nodes([submission.framework_id])) if g.node}
    removed = history_versions(QualityLevel, "node_id", submission=submission)  # overrides removed: their version
    for q in quality:
        q.barring = barring.get(q.node.pk, "")
        q.version = q.override.version if q.override else removed.get(q.node.pk, 0)
        q.typed = typed_quality.get(q.node.pk)
    requests = SupplementRequest.objects.filter(submission=submission).select_related("member__user", "window")
    supplement = supplement or {"typed": {"nodes": [], "message": "", "closes_at": ""}, "errors": {}}
    return {"member": member, "submission": submission, "rows": rows, "quality": quality, "requests": requests,
            "supplement": supplement, "confirm": confirm or {"ticked": [], "refused": []}, **extra}


@login_required
@require_GET
def unit_page(request: HttpRequest, member_id: int, submission_id: int) -> HttpResponse:
    member = get_member_for_user(request.user, member_id)
    submission = get_submission_for_member(member, submission_id)
    return render(request, "appraisal/unit_page.html", _unit_context(member, submission))


@login_required
@require_POST
def appraisal_save_view(request: HttpRequest, member_id: int, submission_id: int, node_id: int) -> HttpResponse:
    member = get_member_for_user(request.user, member_id)
    submission = get_submission_for_member(member, submission_id)
    node = get_node_for_member(member, submission, node_id)
    error, conflict, status, typed, field, mine = "", None, 200, None, "", None
    try:
        version = int(request.POST.get("version", "0"))
    except ValueError:
        version = -1
    try:
        services.appraisal_save(submission=submission, node=node, actor=request.user, version=version, member=member,
                                value=request.POST.get("value"), comment=request.POST.get("comment", ""),
                                special=request.POST.get("special"), count=request.POST.get("count"),
                                accept_proposal=bool(request.POST.get("accept_proposal")))
    except ConflictError as exc:  # shown beside the stored row, with a way to keep either
        error, conflict, status = exc.messages[0], exc.entry, 409
        if not request.POST.get("accept_proposal"):
            mine = {key: request.POST.get(key) for key in ("value", "special", "count", "comment")}
    except ValidationError as exc:
        # Refused: the form shows back what was typed, and marks the one input that is wrong.
        error, status = " ".join(exc.messages), 400
        field = exc.code if getattr(exc, "code", None) in ("value", "special", "count", "comment") else ""
        if not request.POST.get("accept_proposal"):
            typed = {key: request.POST.get(key) for key in ("value", "special", "count", "comment")}
    if request.htmx:
        row = next(r for r in member_unit_rows(member, submission) if r.node.pk == node.pk)
        return render(request, "appraisal/_row.html", {"row": row, "member": member, "submission": submission,
                                                       "error": error, "conflict": conflict, "saved": not error,
                                                       "typed": typed, "error_field": field, "mine": mine},
                      status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Đã lưu điểm thẩm định tiêu chí {node.code}.")
    return redirect(reverse("appraisal:unit_page", args=[member.pk, submission.pk]) + f"#a-{node.pk}")


@login_required
@require_POST
def quality_save_view(request: HttpRequest, member_id: int, submission_id: int, node_id: int) -> HttpResponse:
    member = get_member_for_user(request.user, member_id)
    submission = get_submission_for_member(member, submission_id)
    node = get_object_or_404(Node, pk=node_id, framework_id=submission.framework_id)
    if not any(q.node.pk == node.pk for q in _unit_context(member, submission)["quality"]):
        raise PermissionDenied("Tiêu chí không thuộc phần thẩm định của thành viên.")
    typed = {"level": request.POST.get("level", ""), "reason": request.POST.get("reason", "")}
    try:
        services.quality_set(submission=submission, node=node, actor=request.user,
                             version=posted_version(request), **typed)
    except services.ConflictError as exc:  # the page again, with what was typed and the stored version
        messages.error(request, " ".join(exc.messages))
        return render(request, "appraisal/unit_page.html",
                      _unit_context(member, submission, typed_quality={node.pk: typed}), status=409)
    except ValidationError as exc:  # refused (no reason given...): the page again, with what was typed and
        # the message under the wrong input ("level", "reason"; a deadline or a closed round marks none)
        messages.error(request, " ".join(exc.messages))
        field = exc.code if getattr(exc, "code", None) in ("level", "reason") else ""
        typed |= {"error": " ".join(exc.messages), "field": field}
        return render(request, "appraisal/unit_page.html",
                      _unit_context(member, submission, typed_quality={node.pk: typed}), status=400)
    else:
        messages.success(request, f"Đã lưu mức chất lượng tiêu chí {node.code}.")
    return redirect(reverse("appraisal:unit_page", args=[member.pk, submission.pk]) + "#chat-luong")


@login_required
@require_POST
def self_scores_confirm_view(request: HttpRequest, member_id: int, submission_id: int) -> HttpResponse:
    """"Xác nhận điểm tự chấm các tiêu chí đã chọn": every ticked criterion of the member's part confirmed at
    once (``services.self_scores_confirm``); refused, the page comes back (400) with the criteria still ticked
    and those that cannot be confirmed listed by name, nothing written."""
    member = get_member_for_user(request.user, member_id)
    submission = get_submission_for_member(member, submission_id)
    rows = {str(r.node.pk): r.node for r in member_unit_rows(member, submission)}
    ticked = [pk for pk in request.POST.getlist("confirm") if pk in rows]
    versions = {}
    for pk in ticked:
        try:
            versions[int(pk)] = int(request.POST.get(f"v-{pk}", ""))
        except ValueError:
            versions[int(pk)] = -1
    try:
        saved = services.self_scores_confirm(submission=submission, member=member, nodes=[rows[pk] for pk in ticked],
                                             versions=versions, actor=request.user)
    except ValidationError as exc:
        return render(request, "appraisal/unit_page.html", _unit_context(
            member, submission, confirm={"ticked": ticked, "refused": exc.messages}), status=400)
    messages.success(request, f"Đã xác nhận điểm tự chấm {len(saved)} tiêu chí: "
                              f"{', '.join(rows[pk].code for pk in ticked)}.")
    return redirect(reverse("appraisal:unit_page", args=[member.pk, submission.pk]) + "#xac-nhan")


def _field_errors(exc: ValidationError, fields: tuple[str, ...]) -> dict[str, str]:
    """A refusal as {field: message}: a field-keyed ``ValidationError`` (or one whose ``code`` names a field)
    marks its fields; any other message goes under "form" (said above the form, no input marked)."""
    if hasattr(exc, "error_dict"):
        return {key if key in fields else "form": " ".join(ValidationError(errors).messages)
                for key, errors in exc.error_dict.items()}
    return {exc.code if getattr(exc, "code", None) in fields else "form": " ".join(exc.messages)}


@login_required
@require_POST
def supplement_view(request: HttpRequest, member_id: int, submission_id: int) -> HttpResponse:
    """A refused request shows the unit page again (400) with the criteria ticked, the text and the deadline
    as typed, and each error under its own input."""
    member = get_member_for_user(request.user, member_id)
    submission = get_submission_for_member(member, submission_id)
    rows = {str(r.node.pk): r.node for r in member_unit_rows(member, submission)}
    typed = {"nodes": [pk for pk in request.POST.getlist("nodes") if pk in rows],
             "message": request.POST.get("message", ""), "closes_at": request.POST.get("closes_at", "")}
    errors = {}
    try:
        closes_at = parse_datetime(typed["closes_at"])  # config/dates.py; None when empty
    except ValueError:
        closes_at = None
        errors["closes_at"] = f"Hạn bổ sung “{typed['closes_at']}” không hợp lệ: ghi theo dạng dd/mm/yyyy HH:MM."
    try:
        services.supplement_request(submission=submission, member=member, nodes=[rows[pk] for pk in typed["nodes"]],
                                    message=typed["message"], closes_at=closes_at)
    except ValidationError as exc:
        errors = {**_field_errors(exc, ("nodes", "message", "closes_at")), **errors}
    if errors:
        return render(request, "appraisal/unit_page.html",
                      _unit_context(member, submission, supplement={"typed": typed, "errors": errors}), status=400)
    messages.success(request, f"Đã gửi yêu cầu bổ sung đến {submission.unit}.")
    return redirect(reverse("appraisal:unit_page", args=[member.pk, submission.pk]) + "#bo-sung")


@login_required
@require_GET
def appraisal_history(request: HttpRequest, member_id: int, submission_id: int, node_id: int) -> HttpResponse:
    member = get_member_for_user(request.user, member_id)
    submission = get_submission_for_member(member, submission_id)
    node = get_node_for_member(member, submission, node_id)
    appraisal = Appraisal.objects.filter(submission=submission, node=node).first()
    records = list(appraisal.history.select_related("history_user").order_by("-history_date")) if appraisal else []
    # A plain GET (the link opened in a new tab) is a whole page; htmx asks for the fragment.
    template = "appraisal/_history.html" if request.htmx else "appraisal/history.html"
    return render(request, template, {"node": node, "records": records, "member": member, "submission": submission})


@login_required
@require_GET
def evidence_view(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """An evidence file for the council member judging it, or the chair: shown inline (PDF, image) with
    ``?xem=1``, downloaded otherwise."""
    evidence = get_evidence_for_council(request.user, evidence_id)
    return evidence_response(evidence, inline=bool(request.GET.get("xem")))


# --------------------------------------------------------------------------- the unit's side


def _requests_page(request: HttpRequest, submission, access, typed: dict | None = None, status: int = 200):
    """The unit's requests; ``typed`` ({"request", "answer", "errors"}) keeps a refused answer as typed."""
    requests = list(SupplementRequest.objects.filter(submission=submission).select_related(
        "member", "window").prefetch_related("window__nodes"))
    typed = typed or {}
    for r in requests:
        refused = r.pk == typed.get("request")
        r.typed_answer, r.errors = (typed["answer"], typed["errors"]) if refused else ("", {})
    return render(request, "appraisal/unit_requests.html", {"submission": submission, "access": access,
                                                            "requests": requests, "now": timezone.now()},
                  status=status)


@login_required
def unit_requests(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission, access = get_submission_for_user(request.user, submission_id)
    return _requests_page(request, submission, access)


@login_required
@require_POST
def answer_view(request: HttpRequest, request_id: int) -> HttpResponse:
    """A refused answer shows the requests again (400) with the answer as typed and the error under it."""
    supplement = get_object_or_404(SupplementRequest.objects.select_related("submission"), pk=request_id)
    submission, access = get_submission_for_user(request.user, supplement.submission_id, write=True)
    answer = request.POST.get("answer", "")
    try:
        services.supplement_answer(request=supplement, actor=request.user, answer=answer)
    except ValidationError as exc:
        return _requests_page(request, submission, access, status=400, typed={
            "request": supplement.pk, "answer": answer, "errors": _field_errors(exc, ("answer",))})
    messages.success(request, "Đã gửi trả lời yêu cầu bổ sung.")
    return redirect(reverse("appraisal:unit_requests", args=[submission.pk]) + f"#yc-{supplement.pk}")


@login_required
@require_GET
def unit_results(request: HttpRequest, submission_id: int) -> HttpResponse:
    """Appraised scores and comments, for the unit only once the secretariat has released them."""
    submission, access = get_submission_for_user(request.user, submission_id)
    current = services.round_for(submission.period)
    if not current.released_at and not access.secretariat:
        raise Http404("Kết quả thẩm định chưa được công bố.")
    from submissions.selectors import submission_sheet

    sheet = submission_sheet(submission)
    appraisals = {a.node_id: a for a in Appraisal.objects.filter(submission=submission)}
    for leaf in sheet.leaves:
        leaf.appraisal = appraisals.get(leaf.node.id)
    total = sum((a.points for a in appraisals.values() if a.points is not None), start=type(sheet.total)(0))
    from ranking.selectors import unit_years, years_chart

    years = unit_years(submission.unit)
    return render(request, "appraisal/unit_results.html", {
        "submission": submission, "sheet": sheet, "total": total, "quality": quality_rows(submission, appraisals),
        "years": years, "years_chart": years_chart(years)})


# --------------------------------------------------------------------------- leaders


@login_required
def leader_forms(request: HttpRequest, period_id: int) -> HttpResponse:
    period = get_object_or_404(Period, pk=period_id)
    if not is_leader(request.user, period.authority_id):
        raise PermissionDenied("Chức năng này dành cho Lãnh đạo UBND.")
    forms = {f.unit_id: f for f in LeaderForm.objects.filter(period=period, leader=request.user)}
    sheets = Submission.objects.filter(period=period).select_related("unit", "block").order_by("block__ordering",
                                                                                               "unit__name")
    return render(request, "appraisal/leader_forms.html", {"period": period, "rows": [
        (s.unit, s.block, forms.get(s.unit_id)) for s in sheets]})


@login_required
def leader_form(request: HttpRequest, period_id: int, unit_id: int) -> HttpResponse:
    period = get_object_or_404(Period, pk=period_id)
    if not is_leader(request.user, period.authority_id):
        raise PermissionDenied("Chức năng này dành cho Lãnh đạo UBND.")
    submission = get_object_or_404(Submission.objects.select_related("unit"), period=period, unit_id=unit_id)
    nodes = survey_leaves(submission.framework)
    form = LeaderForm.objects.filter(period=period, leader=request.user, unit_id=unit_id).first()
    error, field_errors = "", {}
    if request.method == "POST":
        answers = {n.code: request.POST.get(f"q-{n.code}", "") for n in nodes}
        submit = "submit" in request.POST
        try:
            services.leader_form_save(period=period, leader=request.user, unit=submission.unit, answers=answers,
                                      submit=submit)
        except ValidationError as exc:
            # Refused (400): the answers come back as chosen; only the questions the refusal is about are
            # marked (a deadline or a sent form marks none).
            error = " ".join(exc.messages)
            if exc.code == "answers":
                field_errors = exc.params["problems"]
            saved = form
            form = LeaderForm(answers=answers, submitted_at=saved.submitted_at if saved else None)
        else:
            messages.success(request, "Đã lưu phiếu đánh giá." if not submit
                             else f"Đã gửi phiếu đánh giá {submission.unit}.")
            return redirect("appraisal:leader_forms", period_id=period.pk)
    return render(request, "appraisal/leader_form.html", {
        "period": period, "submission": submission, "form": form, "error": error,
        "questions": [(n, field_errors.get(n.code, "")) for n in nodes],
        "answers": {code: str(v) for code, v in (form.answers if form else {}).items()}},
        status=400 if error else 200)


# --------------------------------------------------------------------------- secretariat


ROUND_STEPS = {"release": ("Công bố điểm thẩm định cho đơn vị", "Đã công bố kết quả thẩm định cho các đơn vị."),
               "close": ("Kết thúc đợt thẩm định", "Đã kết thúc đợt thẩm định.")}


@login_required
def period_matrix(request: HttpRequest, period_id: int) -> HttpResponse:
    """The secretariat's matrix of units × agencies, the calendar, and the two one-way steps of the round.
    A step posts first without ``confirm``: the page lists what is missing (with links) or asks for
    confirmation; nothing changes until the confirmed post, which the service checks again."""
    from .selectors import close_gaps, deadline_gap
    from .states import ROUND, round_roles

    period = get_object_or_404(Period.objects.select_related("authority"), pk=period_id)
    require_secretariat_of(request.user, period)
    current = services.round_for(period)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ROUND_STEPS and not request.POST.get("confirm"):
                gaps = close_gaps(period) if action == "close" else deadline_gap(period, timezone.now())
                refused = ROUND.refusal(current.status, action, round_roles(request.user, period))
                return render(request, "appraisal/round_confirm.html", {
                    "period": period, "round": current, "action": action, "title": ROUND_STEPS[action][0],
                    "refused": refused[1] if refused else "", "gaps": gaps}, status=400 if gaps or refused else 200)
            if action == "release":
                services.round_release(period=period, actor=request.user)
                messages.success(request, ROUND_STEPS[action][1])
            elif action == "close":
                services.round_close(period=period, actor=request.user)
                messages.success(request, ROUND_STEPS[action][1])
            elif action == "calendar":
                form = RoundForm(request.POST)
                if not form.is_valid():
                    raise ValidationError([e for errors in form.errors.values() for e in errors])
                services.round_update(period=period, holidays=form.cleaned_data["holidays"],
                                      allowed=form.cleaned_data["allowed"])
                messages.success(request, "Đã lưu lịch thẩm định.")
            else:
                raise ValidationError("Thao tác không hợp lệ.")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("appraisal:period_matrix", period_id=period.pk)
    from .selectors import multi_agency_pending

    agencies, rows = secretariat_matrix(period)
    holidays = "\n".join(date.fromisoformat(d).strftime("%d/%m/%Y") for d in current.holidays)
    changes = period_log(period, kinds=["appraisal_round"])
    return render(request, "appraisal/period_matrix.html", {
        "period": period, "round": current, "agencies": agencies, "rows": rows,
        "offered": ROUND.offered(current.status, round_roles(request.user, period)), "changes": changes,
        "round_form": RoundForm(initial={"allowed": current.allowed_working_days, "holidays": holidays}),
        "pending_decisions": multi_agency_pending(period),
    })


@login_required
def council_decision(request: HttpRequest, period_id: int, submission_id: int, node_id: int) -> HttpResponse:
    """The secretariat records the council's decision on a multi-agency leaf whose agencies have not agreed
    (Phụ lục I 5.5; docs/regulation.md §3). A post without ``confirm`` checks and shows a confirmation page;
    "Quay lại sửa" and a refused post show the form again with what was typed and the wrong field marked."""
    from .selectors import member_unit_rows

    period = get_object_or_404(Period.objects.select_related("authority"), pk=period_id)
    require_secretariat_of(request.user, period)
    submission = get_object_or_404(Submission.objects.select_related("unit", "period"), pk=submission_id,
                                   period=period, status__in=period.appraisable_statuses)
    row = next((r for r in member_unit_rows(None, submission) if r.node.pk == node_id), None)
    if row is None or not row.multi:
        raise Http404("Tiêu chí không do nhiều cơ quan thẩm định.")
    typed = {"points": "", "reason": "", "basis": ""}
    if row.decision:
        typed = {"points": fmt(row.decision.points), "reason": row.decision.reason, "basis": row.decision.basis}
    version = row.decision.version if row.decision else 0  # the form carries it through the confirmation
    error, field, confirming, status = "", "", False, 200
    if request.method == "POST":
        typed = {key: request.POST.get(key, "") for key in typed}
        try:
            version = posted_version(request)
            dry = not request.POST.get("confirm") or bool(request.POST.get("back"))
            services.council_decision_record(submission=submission, node=row.node, points=typed["points"],
                                             reason=typed["reason"], basis=typed["basis"], actor=request.user,
                                             dry_run=dry, version=version)
        except services.ConflictError as exc:  # recorded by someone else since: theirs is shown, what was typed kept
            error, status = " ".join(exc.messages), 409
            version = exc.record.version if exc.record is not None else 0
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
            field = exc.code if getattr(exc, "code", None) in ("points", "reason", "basis") else ""
        else:
            if not dry:
                messages.success(request, f"Đã ghi quyết định của Hội đồng: {submission.unit}, tiêu chí "
                                          f"{row.node.code} — {typed['points']} điểm.")
                return redirect("appraisal:period_matrix", period_id=period.pk)
            confirming = not request.POST.get("back")
    return render(request, "appraisal/council_decision.html", {
        "period": period, "submission": submission, "row": row, "typed": typed, "error": error,
        "error_field": field, "confirming": confirming, "version": version}, status=status)


@login_required
def council(request: HttpRequest, period_id: int) -> HttpResponse:
    from .selectors import agencies_without_member, period_agencies

    period = get_object_or_404(Period, pk=period_id)
    require_secretariat_of(request.user, period)
    form = MemberForm(request.POST or None, agencies=period_agencies(period))
    form.fields["home_unit"].queryset = Unit.objects.filter(authority=period.authority)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(period=period, user=form.cleaned_data["user"], agency=form.cleaned_data["agency"],
                                role=form.cleaned_data["role"], keywords=form.cleaned_data["keywords"],
                                home_unit=form.cleaned_data["home_unit"])
        except ValidationError as exc:  # under the field it concerns (the account already seated, ...)
            field = exc.code if getattr(exc, "code", None) in ("user", "agency", "home_unit") else None
            form.add_error(field, " ".join(exc.messages))
        else:
            messages.success(request, "Đã thêm thành viên Hội đồng.")
            return redirect("appraisal:council", period_id=period.pk)
    members = CouncilMember.objects.filter(period=period).select_related("user", "home_unit")
    return render(request, "appraisal/council.html", {"period": period, "form": form, "members": members,
                                                      "uncovered": agencies_without_member(period)})


@login_required
def tally(request: HttpRequest, period_id: int, unit_id: int) -> HttpResponse:
    period = get_object_or_404(Period, pk=period_id)
    require_secretariat_of(request.user, period)
    submission = get_object_or_404(Submission.objects.select_related("unit"), period=period, unit_id=unit_id)
    nodes = survey_leaves(submission.framework)
    typed, status = {}, 200
    if request.method == "POST":
        typed = {n.id: [request.POST.get(f"n-{n.code}-{k}", "0") for k in range(1, 6)] for n in nodes}
        try:
            with transaction.atomic():  # one refused cell keeps every row as it was (issue #15 item 5)
                for node in nodes:
                    counts = {str(k): typed[node.id][k - 1] for k in range(1, 6)}
                    services.paper_tally_save(period=period, unit=submission.unit, node=node, counts=counts,
                                              actor=request.user, version=posted_version(request, f"v-{node.code}"))
        except ValidationError as exc:  # what was typed stays in the boxes; the versions are the stored ones
            messages.error(request, " ".join(exc.messages))
            status = 409 if isinstance(exc, services.ConflictError) else 200
        else:
            messages.success(request, "Đã lưu số phiếu giấy; điểm Mục I đã được tính lại.")
            return redirect("appraisal:tally", period_id=period.pk, unit_id=unit_id)
    tallies = {t.node_id: t for t in PaperTally.objects.filter(period=period, unit_id=unit_id)}
    appraisals = {a.node_id: a for a in Appraisal.objects.filter(submission=submission, node__in=nodes)}
    rows = [(n, typed.get(n.id) or [tallies[n.id].counts.get(str(k), 0) if n.id in tallies else 0 for k in range(1, 6)],
             appraisals.get(n.id), tallies[n.id].version if n.id in tallies else 0) for n in nodes]
    return render(request, "appraisal/tally.html", {"period": period, "submission": submission, "rows": rows},
                  status=status)


@login_required
@require_GET
def export_xlsx(request: HttpRequest, period_id: int) -> HttpResponse:
    period = get_object_or_404(Period, pk=period_id)
    require_secretariat_of(request.user, period)
    from .reports import appraisal_workbook

    return attachment(appraisal_workbook(period), download_name("Kết quả thẩm định", period.year, ext="xlsx"))
