"""Pages of the paper dossiers (``appraisal.paper``): the secretariat marks blocks "nộp hồ sơ giấy" and records
the day each dossier was received; a member of the period's council (the appraisal team) enters an on-time
dossier and passes it to appraisal. A person without the role gets 403 with the reason."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.dates import parse_date
from criteria.models import Node
from criteria.selectors import framework_nodes
from submissions.forms import EvidenceForm
from submissions.models import Period, PeriodBlock, Submission
from submissions.rules import local
from submissions.selectors import submission_completeness, submission_sheet
from submissions.services import ConflictError, Upload

from . import paper
from .models import CouncilMember, PaperBlock
from .permissions import require_secretariat_of


def _parse_date(raw: str) -> date | None:
    """A date from an <input type=date> (YYYY-MM-DD) or typed dd/mm/yyyy; None when empty or not a date."""
    try:
        return parse_date(raw)  # config/dates.py: the one parser (a year of 40 digits: not a date)
    except ValueError:
        return None


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --------------------------------------------------------------------------- secretariat


@login_required
def period_paper(request: HttpRequest, period_id: int) -> HttpResponse:
    """The period's blocks, which send on paper, and for each paper block its units' dossiers."""
    period = get_object_or_404(Period, pk=period_id)
    require_secretariat_of(request.user, period)
    blocks = []
    papers = {p.period_block_id: p for p in PaperBlock.objects.filter(period_block__period=period)
              .select_related("enabled_by")}
    for period_block in (PeriodBlock.objects.filter(period=period).select_related("block", "framework", "period")
                         .order_by("block__ordering", "block__code")):
        paper_block = papers.get(period_block.pk)
        blocks.append({"pb": period_block, "paper": paper_block, "deadline": paper.block_deadline(period_block),
                       "last_day": paper.last_day(paper.block_deadline(period_block)),
                       "rows": paper.block_rows(period_block) if paper_block else []})
    return render(request, "appraisal/paper/period.html", {"period": period, "blocks": blocks})


@login_required
@require_POST
def paper_block_view(request: HttpRequest, period_id: int, block_id: int) -> HttpResponse:
    period = get_object_or_404(Period, pk=period_id)
    require_secretariat_of(request.user, period)
    period_block = get_object_or_404(PeriodBlock.objects.select_related("block"), period=period, block_id=block_id)
    enabled = request.POST.get("paper") == "1"
    try:
        paper.paper_block_set(period_block=period_block, enabled=enabled, actor=request.user,
                              note=request.POST.get("note", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"{period_block.block}: {'nộp hồ sơ giấy' if enabled else 'nộp trên phần mềm'}.")
    return redirect("appraisal:paper_period", period_id=period.pk)


@login_required
@require_POST
def dossier_view(request: HttpRequest, period_id: int, submission_id: int) -> HttpResponse:
    period = get_object_or_404(Period, pk=period_id)
    require_secretariat_of(request.user, period)
    submission = get_object_or_404(Submission.objects.select_related("unit"), pk=submission_id, period=period)
    try:
        dossier = paper.dossier_record(submission=submission, received_on=_parse_date(request.POST.get("received_on")),
                                       note=request.POST.get("note", ""), actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        state = paper.paper_state(submission)
        if state and state.late:
            messages.warning(request, f"Đã ghi nhận hồ sơ giấy của {submission.unit} ngày "
                                      f"{dossier.received_on:%d/%m/%Y}: nộp chậm (sau hạn "
                                      f"{local(state.deadline)}), đơn vị không được đánh giá.")
        else:
            messages.success(request, f"Đã ghi nhận hồ sơ giấy của {submission.unit} ngày "
                                      f"{dossier.received_on:%d/%m/%Y}: Tổ thẩm định nhập được.")
    return redirect(reverse("appraisal:paper_period", args=[period.pk]) + f"#d-{submission.pk}")


# --------------------------------------------------------------------------- appraisal team


def _seat_in(user, period) -> CouncilMember:
    seat = CouncilMember.objects.filter(user_id=getattr(user, "pk", None), period=period).first()
    if seat is None:
        raise PermissionDenied("Chỉ thành viên Hội đồng (Tổ thẩm định) của kỳ đánh giá được nhập hồ sơ giấy.")
    return seat


@login_required
def paper_queue(request: HttpRequest, period_id: int) -> HttpResponse:
    """The member's list: every unit of the period's paper blocks, its dossier and whether it can be entered."""
    period = get_object_or_404(Period, pk=period_id)
    seat = _seat_in(request.user, period)
    blocks = []
    for paper_block in (PaperBlock.objects.filter(period_block__period=period)
                        .select_related("period_block__block", "period_block__period")):
        period_block = paper_block.period_block
        blocks.append({"pb": period_block, "deadline": paper.block_deadline(period_block),
                       "rows": paper.block_rows(period_block)})
    from .permissions import member_home_unit_ids

    return render(request, "appraisal/paper/queue.html", {"period": period, "seat": seat, "blocks": blocks,
                                                          "home_units": member_home_unit_ids(seat)})


def _entry_target(request, period_id: int, submission_id: int):
    period = get_object_or_404(Period, pk=period_id)
    _seat_in(request.user, period)
    submission = get_object_or_404(Submission.objects.select_related("unit", "period", "block", "framework"),
                                   pk=submission_id, period=period)
    seat = paper.seat_for(request.user, submission)
    return period, submission, seat


def _flat(items, out=None):
    out = [] if out is None else out
    for item in items:
        out.append(item)
        _flat(item.children, out)
    return out


@login_required
def paper_entry(request: HttpRequest, period_id: int, submission_id: int) -> HttpResponse:
    """Every criterion of the sheet with the inputs of the dossier: score, explanation, scans."""
    period, submission, seat = _entry_target(request, period_id, submission_id)
    return _entry_page(request, period, submission, seat)


def _entry_page(request, period, submission, seat, *, node=None, typed=None, upload=None, error="", error_field="",
                conflict=None, status=200) -> HttpResponse:
    """The entry page; for a refused save of ``node``, its form shows ``typed`` with ``error`` under the wrong
    input (``error_field``: "value", "special", "count", "explanation"; "" marks none); for a refused scan,
    its upload form shows ``upload`` (number, date, issuer) open, the error under ``error_field``. On a
    stale version, ``conflict`` is the stored entry: the criterion shows "Bản của bạn" (``typed``) beside
    "Bản đã lưu" with a way to keep either; its form keeps ``typed`` with the stored version, so that "Giữ bản
    của tôi" (that form's button) overwrites knowingly and "Giữ bản đã lưu" reloads the page."""
    sheet = submission_sheet(submission)
    state = paper.mark_sheet(sheet)
    refusal = state.refusal if state else paper.entry_refusal(
        paper=False, unit=str(submission.unit), block=str(submission.block), status=submission.status,
        received_on=None, deadline=period.closes_at, round_closed=False)
    rows = _flat(sheet.roots)
    for item in rows:
        refused = node is not None and item.node.pk == node.pk
        item.conflict = conflict if refused else None
        item.mine = typed if refused and conflict is not None else None
        item.typed, item.upload = (typed, upload) if refused else (None, None)
        item.error = error if refused and not upload else ""
        item.upload_error = error if refused and upload else ""
        item.error_field = error_field if refused else ""
    return render(request, "appraisal/paper/entry.html", {
        "period": period, "submission": submission, "seat": seat, "paper": state, "refusal": refusal,
        "rows": rows, "total": sheet.total, "report": submission_completeness(submission, sheet),
        "evidence_form": EvidenceForm()}, status=status)


def _back(submission, node) -> HttpResponse:
    url = reverse("appraisal:paper_entry", args=[submission.period_id, submission.pk])
    return redirect(f"{url}#p-{node.pk}" if node else url)


def _node(submission, node_id: int) -> Node:
    node = framework_nodes(submission.framework).get(node_id)
    if node is None:
        raise Http404("Không tìm thấy tiêu chí trong bộ tiêu chí của báo cáo.")
    return node


@login_required
@require_POST
def paper_entry_save_view(request: HttpRequest, period_id: int, submission_id: int, node_id: int) -> HttpResponse:
    """A refused save shows the entry page again (400) with what was typed and the error under the wrong
    input; on a stale version (409) both versions side by side, "Giữ bản của tôi" posting mine again with the
    stored version (overwriting knowingly), "Giữ bản đã lưu" reloading the page."""
    period, submission, seat = _entry_target(request, period_id, submission_id)
    node = _node(submission, node_id)
    try:
        version = int(request.POST.get("version", "0"))
    except ValueError:
        version = -1
    typed = {key: request.POST.get(key) if key in request.POST else None
             for key in ("value", "special", "count", "explanation")}
    try:
        paper.paper_entry_save(submission=submission, node=node, actor=request.user, version=version, **typed)
    except ConflictError as exc:
        return _entry_page(request, period, submission, seat, node=node, typed=typed, error=exc.messages[0],
                           conflict=exc.entry, status=409)
    except ValidationError as exc:
        field = exc.code if getattr(exc, "code", None) in ("value", "special", "count", "explanation") else ""
        return _entry_page(request, period, submission, seat, node=node, typed=typed, status=400,
                           error=f"Tiêu chí {node.code}: " + " ".join(exc.messages), error_field=field)
    messages.success(request, f"Đã lưu tiêu chí {node.code} (nhập từ hồ sơ giấy).")
    return _back(submission, node)


UPLOAD_FIELDS = ("file", "doc_number", "doc_date", "issuer")


@login_required
@require_POST
def paper_evidence_view(request: HttpRequest, period_id: int, submission_id: int, node_id: int) -> HttpResponse:
    """A refused scan shows the entry page again (400) with the number, date and issuer as typed (a browser
    never re-sends a file) and the error under the wrong input."""
    period, submission, seat = _entry_target(request, period_id, submission_id)
    node = _node(submission, node_id)
    form = EvidenceForm(request.POST, request.FILES)
    typed = {key: request.POST.get(key, "") for key in UPLOAD_FIELDS[1:]}

    def refused(error: str, field: str) -> HttpResponse:
        return _entry_page(request, period, submission, seat, node=node, upload=typed, status=400,
                           error=f"Tiêu chí {node.code}: {error}", error_field=field)

    if not form.is_valid():
        return refused("; ".join(f"{form.fields[f].label}: {' '.join(e)}" if f in form.fields else " ".join(e)
                                 for f, e in form.errors.items()),
                       next((f for f in form.errors if f in UPLOAD_FIELDS), ""))
    upload = form.cleaned_data["file"]
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        return refused(f"Tệp “{upload.name}” lớn hơn giới hạn {settings.EVIDENCE_MAX_BYTES // 2**20} MB.", "file")
    try:
        _, warnings = paper.paper_evidence_add(
            submission=submission, node=node, actor=request.user,
            upload=Upload(name=upload.name, data=upload.read()), doc_number=form.cleaned_data["doc_number"],
            doc_date=form.cleaned_data["doc_date"], issuer=form.cleaned_data["issuer"])
    except ValidationError as exc:
        code = getattr(exc, "code", None)
        return refused(" ".join(exc.messages), code if code in UPLOAD_FIELDS else "")
    messages.success(request, f"Đã đính kèm bản chụp “{upload.name}” vào tiêu chí {node.code}.")
    for warning in warnings:
        messages.warning(request, warning)
    return _back(submission, node)


@login_required
def paper_send_view(request: HttpRequest, period_id: int, submission_id: int) -> HttpResponse:
    """"Hoàn tất nhập hồ sơ giấy": a confirmation page (what is missing, the total), then the one-way step."""
    period, submission, seat = _entry_target(request, period_id, submission_id)
    state = paper.paper_state(submission)
    missing = ([state.refusal] if state and state.refusal else []) if state else [
        f"{submission.block} không nộp hồ sơ giấy."]
    sheet = submission_sheet(submission)
    if not missing:
        missing = submission_completeness(submission, sheet).blocking
    if request.method == "POST":
        try:
            paper.paper_send(submission=submission, actor=request.user)
        except ValidationError as exc:
            missing = exc.messages[1:] or exc.messages
        else:
            messages.success(request, f"Đã nhận hồ sơ giấy của {submission.unit}: báo cáo chuyển sang thẩm định.")
            return redirect("appraisal:paper_queue", period_id=period.pk)
    return render(request, "appraisal/paper/send_confirm.html", {
        "period": period, "submission": submission, "seat": seat, "paper": state, "missing": missing,
        "total": sheet.total}, status=400 if missing and request.method == "POST" else 200)
