"""Views of the self-assessment stage. Every view checks access through ``submissions.permissions``;
every write goes through ``submissions.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from config.ids import db_id, db_ids
from config.responses import attachment, download_name, evidence_response
from config.versioning import posted_version
from criteria.grades import GRADE_CHOICES, GRADE_LABELS, GRADES, grade_label
from criteria.models import Node
from criteria.selectors import framework_nodes
from criteria.templatetags.criteria_tags import anchor

from . import rules, services
from .forms import EvidenceForm
from .models import Assignment, EndorsementMinutes, Entry, Role, StateChange, Submission, Unit
from .permissions import get_evidence_for_user, get_submission_for_user
from .selectors import (
    Progress,
    entry_history,
    evidence_history,
    submission_completeness,
    submission_for_save,
    submission_leaf,
    submission_progress,
    submission_sheet,
    submissions_for_user,
)

FILTERS = {
    "": "Tất cả",
    "chua-cham": "Chưa chấm điểm",
    "thieu-minh-chung": "Thiếu tài liệu kiểm chứng / giải trình",
    "cua-toi": "Được phân công cho tôi",
}


def _visible(item, key: str) -> bool:
    if item.children:
        item.visible = any([_visible(c, key) for c in item.children])
        return item.visible
    if key == "chua-cham":
        item.visible = item.node.unit_scored and item.points is None
    elif key == "thieu-minh-chung":
        item.visible = item.node.unit_scored and not item.has_support
    elif key == "cua-toi":
        item.visible = item.mine
    else:
        item.visible = True
    return item.visible


def _state(submission: Submission) -> rules.Decision:
    return rules.edit_decision(
        now=timezone.now(), opens_at=submission.period.opens_at, closes_at=submission.closes_at,
        status=submission.status, what=rules.SCORE,
    )


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    submissions = list(submissions_for_user(request.user))
    # Điều 11.1.b: a unit that assesses its own subordinate units shows their published results to its leaders.
    assessing = Unit.objects.filter(roles__user=request.user, roles__kind=Role.APPROVER,
                                    assesses__isnull=False).select_related("assesses").distinct()
    return render(request, "submissions/my_work.html", {"submissions": submissions, "assessing": assessing})


@login_required
@require_GET
def score_page(request: HttpRequest, pk: int) -> HttpResponse:
    submission, access = get_submission_for_user(request.user, pk)
    return _score_page(request, submission, access)


def _score_page(request: HttpRequest, submission: Submission, access, *, refused: dict | None = None,
                status: int = 200) -> HttpResponse:
    """The score page; ``refused``: a criterion's save refused without JavaScript (``entry_save_view``), shown
    at that criterion as the fragment shows it (the error, what was typed, a conflict's two versions)."""
    sheet = submission_sheet(submission, request.user)
    key = request.GET.get("loc", "")
    if key not in FILTERS:
        key = ""
    for root in sheet.roots:
        _visible(root, key)
    report = submission_completeness(submission, sheet)
    state = _state(submission)
    progress = Progress(scorable=report.scorable, scored=report.scored, documented=report.documented,
                        mine=sum(1 for leaf in sheet.leaves if leaf.mine and leaf.leaves), total=sheet.total)
    from appraisal.models import AppraisalRound, SupplementRequest
    from appraisal.paper import mark_sheet

    paper = mark_sheet(sheet)  # a block on paper: each leaf's "Nhập từ hồ sơ giấy" mark, the dossier
    editable = access.write and state.allowed and not paper
    for leaf in sheet.leaves:
        _mark_can_change(leaf, editable, access)
    released = AppraisalRound.objects.filter(period=submission.period, released_at__isnull=False).exists()
    requests = SupplementRequest.objects.filter(submission=submission, answered_at__isnull=True).count()
    return render(request, "submissions/score_page.html", {
        "results_released": released, "open_requests": requests, "paper": paper,
        "submission": submission, "sheet": sheet, "access": access, "filters": FILTERS, "filter": key,
        "report": report, "state": state, "progress": progress,
        "editable": editable,
        "window_open": any(leaf.window_open for leaf in sheet.leaves),
        "evidence_form": EvidenceForm(), "refused": refused,
    }, status=status)


def _mark_can_change(item, editable: bool, access) -> None:
    """``item.can_change``: whether the page offers the criterion's save, upload and removal buttons: the sheet
    is editable, or a supplementary window is open on the criterion and the person may write; never for the
    leaders' survey (the one place this is decided; the server still refuses on its own)."""
    item.can_change = item.node.unit_scored and (editable or (item.window_open and access.write))


#: Inputs of a criterion's forms that a refusal can name (``ValidationError.code``): only that one is marked.
FORM_FIELDS = ("value", "special", "count", "explanation", "doc_number", "doc_date", "issuer", "file")


def error_field(exc: ValidationError) -> str:
    code = getattr(exc, "code", None)
    return code if code in FORM_FIELDS else ""


def _leaf_response(request, submission, access, node, *, error: str = "", conflict=None, warnings=(),
                   status: int = 200, entry=None, window_open: bool | None = None, typed=None,
                   field: str = "", upload=None, notice: str = "", mine=None) -> HttpResponse:
    """htmx: the leaf's fragment; without JavaScript: back to the page at the criterion. ``entry``: the
    criterion's entry as just saved (or as found on a conflict), which spares reading it again. On a refusal,
    ``typed`` (what the score form sent) or ``upload`` (the upload form's number, date, issuer) is shown back
    as typed and ``field`` marks the one input that is wrong. ``notice``: what was done, said instead of
    "Đã lưu." (an upload: "Đã tải lên …")."""
    if request.htmx:
        assignments = list(Assignment.objects.filter(submission=submission).select_related("user"))
        item = submission_leaf(submission, node, request.user, entry=entry or conflict, assignments=assignments,
                               window_open=window_open)
        state = _state(submission)
        _mark_can_change(item, access.write and state.allowed, access)
        return render(request, "submissions/_leaf.html", {
            "item": item, "submission": submission, "access": access, "editable": access.write and state.allowed,
            "error": error, "conflict": conflict, "warnings": warnings, "saved": not error, "notice": notice,
            "typed": typed, "error_field": field, "upload": upload,
            # A conflict: what this person posted ("Bản của bạn"), beside the stored row ("Bản đã lưu").
            "mine": mine,
            # The page's progress bar and total, swapped out of band.
            "oob_progress": True,
            "progress": submission_progress(submission, request.user, assignments=assignments, node=node),
        }, status=status)
    if error:
        messages.error(request, error)
    for warning in warnings:
        messages.warning(request, warning)
    if notice and not error:
        messages.success(request, notice)
    elif not error and not warnings:
        messages.success(request, f"Đã lưu tiêu chí {node.code}.")
    return redirect(f"{reverse('submissions:score_page', args=[submission.pk])}#{anchor(node.code)}")


MAX_ID = 2**63 - 1


@login_required
@require_POST
def entry_save_view(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    """One criterion's save, in one transaction: the read of the sheet (access, the criterion's entry, its open
    supplementary windows) locks the sheet's row, the service writes, the answer is rendered after the commit.
    8 queries on PostgreSQL, 9 on SQLite (its BEGIN IMMEDIATE): tests/submissions/test_save_queries.py.
    A refusal without JavaScript shows the page again with what was typed (a conflict: both versions)."""
    try:
        version = int(request.POST.get("version", "0"))
    except ValueError:
        version = -1
    typed = {key: request.POST.get(key) if key in request.POST else None
             for key in ("value", "special", "count", "explanation")}
    if node_id > MAX_ID:  # the database's ids are 64-bit: a larger one names no criterion
        raise Http404("Không tìm thấy tiêu chí trong bộ tiêu chí của báo cáo.")
    moment = timezone.now()
    for attempt in (1, 2):  # 2: a first save of the criterion raced by another; the retry reads that one
        try:
            with transaction.atomic():
                submission, access = get_submission_for_user(request.user, pk, write=True,
                                                              base=submission_for_save(request.user, node_id, moment))
                node = framework_nodes(submission.framework).get(node_id)
                if node is None:
                    raise Http404("Không tìm thấy tiêu chí trong bộ tiêu chí của báo cáo.")
                closes = submission.save_window_closes
                windows = [rules.WindowSpan(moment, closes, frozenset([node.code]))] if closes else []
                entry = services.entry_save(submission=submission, node=node, actor=request.user, version=version,
                                            windows=windows, now=moment, locked=True, **typed)
            break
        except IntegrityError:
            if attempt == 2:
                raise
        except services.ConflictError as exc:
            if not request.htmx:
                return _score_page(request, submission, access, status=409, refused={
                    "node_id": node.pk, "code": node.code, "error": exc.messages[0], "conflict": exc.entry,
                    "mine": typed})
            return _leaf_response(request, submission, access, node, error=exc.messages[0], conflict=exc.entry,
                                  status=409, window_open=bool(windows), mine=typed)
        except ValidationError as exc:
            if not request.htmx:
                return _score_page(request, submission, access, status=400, refused={
                    "node_id": node.pk, "code": node.code, "error": " ".join(exc.messages), "typed": typed,
                    "field": error_field(exc)})
            return _leaf_response(request, submission, access, node, error=" ".join(exc.messages), status=400,
                                  window_open=bool(windows), typed=typed, field=error_field(exc))
    return _leaf_response(request, submission, access, node, entry=entry, window_open=bool(windows))


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    submission, access = get_submission_for_user(request.user, pk, write=True)
    node = get_object_or_404(Node, pk=node_id, framework_id=submission.framework_id)
    form = EvidenceForm(request.POST, request.FILES)
    # A refused upload keeps the number, date and issuer typed (a browser never re-sends a file).
    typed = {key: request.POST.get(key, "") for key in ("doc_number", "doc_date", "issuer")}
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[f].label}: {' '.join(e)}" if f in form.fields else " ".join(e)
                           for f, e in form.errors.items())
        wrong = next((f for f in form.errors if f in FORM_FIELDS), "")
        return _leaf_response(request, submission, access, node, error=errors, status=400, upload=typed,
                              field=wrong)
    upload = form.cleaned_data["file"]
    if upload.size > services.settings.EVIDENCE_MAX_BYTES:
        limit = services.settings.EVIDENCE_MAX_BYTES // (1024 * 1024)
        return _leaf_response(request, submission, access, node,
                              error=f"Tệp “{upload.name}” lớn hơn giới hạn {limit} MB.", status=400, upload=typed,
                              field="file")
    try:
        evidence, warnings = services.evidence_add(
            submission=submission, node=node, actor=request.user,
            upload=services.Upload(name=upload.name, data=upload.read()),
            doc_number=form.cleaned_data["doc_number"], doc_date=form.cleaned_data["doc_date"],
            issuer=form.cleaned_data["issuer"],
        )
    except ValidationError as exc:
        return _leaf_response(request, submission, access, node, error=" ".join(exc.messages), status=400,
                              upload=typed, field=error_field(exc))
    return _leaf_response(request, submission, access, node, warnings=warnings,
                          notice=f"Đã tải lên “{evidence.original_name}” ({filesizeformat(evidence.size)}) "
                                 f"cho tiêu chí {node.code}.")


@login_required
def evidence_reuse(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    """Attach to a criterion a document the unit already uploaded to another criterion (one document, several
    criteria): GET lists them, POST attaches the chosen one and goes back to the criterion."""
    submission, access = get_submission_for_user(request.user, pk, write=True)
    node = get_object_or_404(Node, pk=node_id, framework_id=submission.framework_id)
    choices = services.reusable_evidence(submission, node)
    chosen, error = request.POST.get("evidence", "").strip(), ""
    if request.method == "POST":
        source = next((e for e in choices if e.pk == db_id(chosen)), None)
        if source is None:
            error = "Hãy chọn một tài liệu trong danh sách."
        else:
            try:
                evidence = services.evidence_reuse(submission=submission, node=node, source=source,
                                                   actor=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, f"Đã gắn “{evidence.original_name}” cho tiêu chí {node.code} (dùng lại "
                                          f"tài liệu đã tải lên ở tiêu chí {source.entry.node.code}).")
                return redirect(f"{reverse('submissions:score_page', args=[submission.pk])}#{anchor(node.code)}")
    return render(request, "submissions/evidence_reuse.html", {
        "submission": submission, "node": node, "choices": choices, "chosen": chosen, "error": error,
    }, status=400 if error else 200)


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, pk)
    submission, access = get_submission_for_user(request.user, evidence.entry.submission_id, write=True)
    try:
        services.evidence_remove(evidence=evidence, actor=request.user)
    except ValidationError as exc:
        return _leaf_response(request, submission, access, evidence.entry.node, error=" ".join(exc.messages),
                              status=400)
    return _leaf_response(request, submission, access, evidence.entry.node)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Only through this view: permission checked, always an attachment, never sniffed."""
    evidence = get_evidence_for_user(request.user, pk)
    return evidence_response(evidence)


@login_required
@require_GET
def minutes_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes of the leadership's endorsement, for whoever may read the sheet; always a download."""
    minutes = get_object_or_404(EndorsementMinutes, pk=pk)
    get_submission_for_user(request.user, minutes.submission_id)
    return evidence_response(minutes)


@login_required
@require_GET
def history(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    submission, access = get_submission_for_user(request.user, pk)
    node = get_object_or_404(Node, pk=node_id, framework_id=submission.framework_id)
    entry = Entry.objects.filter(submission=submission, node=node).first()
    context = {"submission": submission, "node": node,
               "changes": entry_history(entry) if entry else [],
               "files": evidence_history(entry) if entry else []}
    template = "submissions/_history.html" if request.htmx else "submissions/history.html"
    return render(request, template, context)


def _grade_warning(chosen: str, suggestion) -> str:
    """A warning when the approver proposes a grade above what the projected total allows."""
    order = list(GRADES)
    if suggestion and chosen in order and order.index(chosen) < order.index(suggestion.code):
        return (f"Mức đề xuất “{GRADE_LABELS[chosen]}” cao hơn mức tổng điểm dự kiến cho phép "
                f"(“{suggestion.label}”).")
    return ""


def _send_form(request: HttpRequest) -> dict:
    """What the approver typed on the review page (kept on a refusal), and the endorsement date parsed."""
    from config.dates import parse_date

    typed = {"proposed_grade": request.POST.get("proposed_grade", ""),
             "endorsed_on": request.POST.get("endorsed_on", "").strip(),
             "endorsement_note": request.POST.get("endorsement_note", "").strip()}
    try:
        typed["endorsed_date"] = parse_date(typed["endorsed_on"])
    except ValueError as exc:
        typed["endorsed_date"], typed["date_error"] = None, str(exc)
    return typed


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Review, then send in two steps that work without JavaScript: the form posts to a confirmation page
    (nothing changes yet) that lists what is missing or summarises what will be sent; only its
    "Xác nhận gửi" sends. A sent sheet may be withdrawn to draft before the deadline and any appraisal."""
    submission, access = get_submission_for_user(request.user, pk)
    sheet = submission_sheet(submission)
    report = submission_completeness(submission, sheet)
    from .grading import review_checklist, suggest_grade
    from .states import SUBMISSION, submission_roles

    suggestion = suggest_grade(submission, sheet)
    from criteria.selectors import grading_problem

    checklist = review_checklist(sheet, report, suggestion)
    state = rules.edit_decision(now=timezone.now(), opens_at=submission.period.opens_at,
                                closes_at=submission.closes_at, status=submission.status, what=rules.SEND)
    typed = {"proposed_grade": "", "endorsed_on": "", "endorsement_note": ""}
    context = {"submission": submission, "sheet": sheet, "report": report, "access": access, "state": state,
               "suggestion": suggestion, "grades": GRADE_CHOICES, "checklist": checklist,
               "checklist_blocking": sum(1 for i in checklist if i.blocking),
               "grading_problem": grading_problem(submission.framework)
               if submission.period.kind == submission.period.GRADING else "",
               "offered": SUBMISSION.offered(submission.status, submission_roles(access)),
               "sent_grade_label": GRADE_LABELS.get(submission.proposed_grade, submission.proposed_grade),
               "history": StateChange.objects.filter(object_type=SUBMISSION.kind, object_id=submission.pk)
               .select_related("actor"),
               "minutes": submission.minutes.select_related("uploaded_by").first()}
    if request.method == "POST":
        submission, access = get_submission_for_user(request.user, pk, send=True)
        step = request.POST.get("step", "")
        if step == "minutes":
            upload = request.FILES.get("minutes")
            try:
                if upload is None:
                    raise ValidationError("Hãy chọn tệp biên bản họp.")
                services.minutes_upload(submission=submission, actor=request.user,
                                        upload=services.Upload(name=upload.name, data=upload.read()))
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, f"Đã đính kèm biên bản họp “{upload.name}”.")
            return redirect("submissions:review", pk=pk)
        if step == "withdraw":
            try:
                services.submission_withdraw(submission=submission, actor=request.user,
                                             reason=request.POST.get("reason", ""))
            except ValidationError as exc:  # shown beside the form, the reason typed kept
                return render(request, "submissions/review.html", {
                    **context, "typed": typed, "withdraw": {"reason": request.POST.get("reason", ""),
                                                            "errors": exc.messages[1:] or exc.messages}}, status=400)
            messages.success(request, "Đã rút báo cáo về trạng thái đang nhập để sửa.")
            return redirect("submissions:review", pk=pk)
        typed = _send_form(request)
        if step == "edit":
            return render(request, "submissions/review.html", {**context, "typed": typed})
        from .signed_summary import send_missing as signed_summary_missing

        missing = ([typed["date_error"]] if "date_error" in typed else []) + services.send_missing(
            submission, proposed_grade=typed["proposed_grade"], endorsed_on=typed["endorsed_date"]
        ) + signed_summary_missing(submission, sheet)
        if step == "send" and not missing:
            try:
                services.submission_send(submission=submission, actor=request.user,
                                         proposed_grade=typed["proposed_grade"], endorsed_on=typed["endorsed_date"],
                                         endorsement_note=typed["endorsement_note"])
            except ValidationError as exc:
                missing = exc.messages[1:] or exc.messages
            else:
                messages.success(request,
                                 f"Đã gửi báo cáo lúc {timezone.localtime(submission.sent_at):%H:%M:%S %d/%m/%Y}.")
                return redirect("submissions:review", pk=pk)
        warning = _grade_warning(typed["proposed_grade"], suggestion)
        return render(request, "submissions/send_confirm.html", {
            **context, "typed": typed, "missing": missing, "grade_warning": warning,
            "grade_label": grade_label(typed["proposed_grade"])},
            status=400 if missing else 200)
    return render(request, "submissions/review.html", {**context, "typed": typed})


@login_required
@require_GET
def print_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    submission, access = get_submission_for_user(request.user, pk)
    from .reports import score_sheet_pdf

    return attachment(score_sheet_pdf(submission),
                      download_name("Biểu chấm điểm", submission.unit.name, submission.period.year, ext="pdf"))


@login_required
@require_GET
def summary_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    submission, access = get_submission_for_user(request.user, pk)
    from .reports import summary_workbook

    return attachment(summary_workbook(submission),
                      download_name("Bảng tổng hợp", submission.unit.name, submission.period.year, ext="xlsx"))


@login_required
def assignments(request: HttpRequest, pk: int) -> HttpResponse:
    """Phân công chấm điểm: the approver assigns criteria (sections or leaves) to the unit's officers."""
    submission, access = get_submission_for_user(request.user, pk)
    staff = list(submission.unit.roles.filter(kind__in=Role.UNIT_KINDS).select_related("user")
                 .order_by("user__full_name"))
    people = {r.user_id: r.user for r in staff}
    sheet = submission_sheet(submission)
    if request.method == "POST" and "nodes" in request.POST:  # the whole page in one form
        submission, access = get_submission_for_user(request.user, pk, send=True)
        return _assignments_save(request, submission, access, sheet, people)
    if request.method == "POST":
        submission, access = get_submission_for_user(request.user, pk, send=True)
        # The criterion is a hidden field of the page: anything but an id of the sheet's framework is refused in
        # Vietnamese (a text or an id too large for the database used to end in HTTP 500, issue #15 item 7).
        node_id = db_id(request.POST.get("node", ""))
        node = (Node.objects.filter(pk=node_id, framework_id=submission.framework_id).first()
                if node_id is not None else None)
        if node is None:
            messages.error(request, "Không tìm thấy tiêu chí cần phân công trong bộ tiêu chí của báo cáo: hãy tải "
                                    "lại trang rồi phân công lại. Chưa có thay đổi nào được lưu.")
            return redirect("submissions:assignments", pk=pk)
        chosen = [people[u] for u in db_ids(request.POST.getlist("users")) if u in people]
        try:
            services.assignment_set(submission=submission, node=node, users=chosen, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Đã phân công {node.code}.")
        return redirect("submissions:assignments", pk=pk)
    return _assignments_page(request, submission, access, sheet, people)


def _assigned_rows(sheet):
    """The rows of the assignment form: each section of the sheet and the criteria under it."""
    for root in sheet.roots:
        for item in root.children:
            yield item
            yield from item.children


def _assignments_page(request, submission, access, sheet, people, *, ticked=None, error="", status=200):
    """The page; ``ticked`` {node id: user ids} is what a refused form had ticked, shown again as it was."""
    for row in _assigned_rows(sheet):
        row.ticked = (ticked.get(row.node.pk, set()) if ticked is not None
                      else {u.pk for u in row.assignees})
    return render(request, "submissions/assignments.html", {
        "submission": submission, "sheet": sheet, "staff": list(people.values()), "access": access,
        "error": error,
    }, status=status)


def _assignments_save(request, submission, access, sheet, people):
    """Every section and criterion of the page saved from one form, all or nothing."""
    nodes = {row.node.pk: row.node for row in _assigned_rows(sheet)}
    posted = db_ids(request.POST.getlist("nodes"))
    ticked = {pk: set(db_ids(request.POST.getlist(f"a-{pk}"))) for pk in posted}
    unknown = [pk for pk in posted if pk not in nodes] + [u for users in ticked.values() for u in users
                                                          if u not in people]
    if unknown or len(posted) != len(request.POST.getlist("nodes")):
        return _assignments_page(request, submission, access, sheet, people, ticked=ticked, status=400,
                                 error="Biểu phân công có lĩnh vực, tiêu chí hoặc cán bộ không thuộc báo cáo này "
                                       "(trang đã cũ?): hãy tải lại trang rồi phân công lại. "
                                       "Chưa có thay đổi nào được lưu.")
    wanted = {nodes[pk]: [people[u] for u in sorted(ticked[pk])] for pk in posted}
    try:
        changed = services.assignments_set(submission=submission, wanted=wanted, actor=request.user)
    except ValidationError as exc:
        return _assignments_page(request, submission, access, sheet, people, ticked=ticked, status=400,
                                 error=" ".join(exc.messages) + " Chưa có thay đổi nào được lưu.")
    if changed:
        messages.success(request, f"Đã lưu phân công {len(changed)} lĩnh vực, tiêu chí: "
                         + ", ".join(n.code for n in changed) + ".")
    else:
        messages.info(request, "Phân công không thay đổi.")
    return redirect("submissions:assignments", pk=submission.pk)


@login_required
def self_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's self-assessment report (seed 004 layout): its texts, then print."""
    from .models import SelfReport

    submission, access = get_submission_for_user(request.user, pk)
    report = SelfReport.objects.filter(submission=submission).first()
    typed, status = None, 200
    if request.method == "POST":
        submission, access = get_submission_for_user(request.user, pk, write=True)
        typed = {k: request.POST.get(k, "") for k in services.REPORT_FIELDS}
        try:
            report = services.self_report_save(submission=submission, actor=request.user, data=typed,
                                               version=posted_version(request))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            status = 409 if isinstance(exc, services.ConflictError) else 200
        else:
            messages.success(request, "Đã lưu báo cáo tự đánh giá.")
            return redirect("submissions:self_report", pk=pk)
    # A refused form shows what was typed; its version stays the stored one, so "Lưu" again is a deliberate re-save.
    shown = typed if typed is not None else {k: getattr(report, k, "") for k in services.REPORT_FIELDS}
    fields = [(name, SelfReport._meta.get_field(name).verbose_name, shown[name]) for name in services.REPORT_FIELDS]
    from .reports import self_report_table

    return render(request, "submissions/self_report.html", {"submission": submission, "access": access,
                                                            "fields": fields, "state": _state(submission),
                                                            "version": report.version if report else 0,
                                                            **self_report_table(submission)}, status=status)


@login_required
@require_GET
def self_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    submission, access = get_submission_for_user(request.user, pk)
    from .reports import self_report_pdf as render_pdf

    return attachment(render_pdf(submission), download_name("Báo cáo tự đánh giá", submission.unit.name,
                                                            submission.period.year, ext="pdf"))
