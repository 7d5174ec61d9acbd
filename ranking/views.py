"""Views of the ranking stage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from config.dates import DATE_ERROR, parse_date, show_date
from config.responses import attachment, file_attachment
from config.versioning import ConflictError, posted_version
from criteria.dieu7 import RankingError
from criteria.grades import GRADE_LABELS, GRADES
from criteria.scoring import fmt
from submissions.models import Block, Period, Unit
from submissions.permissions import get_submission_for_user, is_secretariat
from submissions.transitions import period_log

from . import chair, reports, services
from .models import INCIDENTS, HeadGrade, RankingVersion, UnitFacts
from .permissions import can_view, require, viewable_periods
from .selectors import subordinate_discipline, subordinate_versions


def with_former_names(units: list[dict]) -> list[dict]:
    """The rows of a snapshot, each with ``former``: the names of the units it continues ("(trước đây: …)",
    docs/process.md "Lịch sử tổ chức"), read now, so a reorganisation recorded after publication shows."""
    from submissions.lineage import former_names

    former = former_names(u["unit_id"] for u in units if u.get("unit_id"))
    if not former:
        return units
    return [{**u, "former": former[u["unit_id"]]} if u.get("unit_id") in former else u for u in units]


def _period(request, pk) -> Period:
    period = get_object_or_404(Period.objects.select_related("authority"), pk=pk)
    require(can_view(request.user, period), "Chức năng xếp loại dành cho cơ quan thường trực, Chủ tịch Hội đồng "
                                            "thẩm định và Chủ tịch UBND.")
    return period


def chart(units: list[dict]) -> dict:
    """Histogram of totals (bins of 10 points) and grade counts, for an inline SVG."""
    bins = [0] * 10
    for unit in units:
        bins[min(9, int(Decimal(unit["total"]) // 10))] += 1
    top = max(bins) or 1
    bars = [{"x": 30 + i * 34, "h": round(120 * n / top), "n": n, "label": f"{i * 10}"} for i, n in enumerate(bins)]
    for bar in bars:
        bar["y"] = 140 - bar["h"]
    grades = [{"code": g, "label": GRADE_LABELS[g], "n": sum(1 for u in units if u.get("grade") == g)}
              for g in GRADES]
    return {"bars": bars, "grades": grades}


@login_required
def periods_view(request: HttpRequest) -> HttpResponse:
    periods = viewable_periods(request.user, Period.objects.select_related("authority").order_by("-year"))
    require(bool(periods), "Chức năng xếp loại dành cho cơ quan thường trực, Chủ tịch Hội đồng thẩm định và "
                           "Chủ tịch UBND.")
    return render(request, "ranking/periods.html", {"periods": periods})


@login_required
def period_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    blocks = Block.objects.filter(period_blocks__period=period).order_by("ordering")
    latest = {}
    for version in RankingVersion.objects.filter(period=period).order_by("number"):
        latest[version.block_id] = version
    return render(request, "ranking/period.html", {
        "period": period, "rows": [(b, latest.get(b.pk)) for b in blocks],
        "secretariat": is_secretariat(request.user, period.authority_id),
        "changes": period_log(period, kinds=["appraisal_round", "ranking_version"])})


def _decision_date(text: str) -> date | None:
    """The decision date typed in the form (YYYY-MM-DD from a date input), None when empty."""
    try:
        return parse_date(text)  # config/dates.py
    except ValueError:
        raise ValidationError(f"Ngày quyết định không hợp lệ: {DATE_ERROR.split(': ', 1)[1]}") from None


def _percent(share: str) -> str:
    """"0.20" → "20" (the share of the cap, shown as a percentage with a decimal comma if needed)."""
    value = (Decimal(str(share)) * 100).normalize()
    return f"{value:f}".replace(".", ",")


def _chair_orders(post, ties: list[list[str]]) -> list[list[str]]:
    """The chair's order of each tie group from the form: for group g, one select per position
    ("nhom-<g>-<position>") naming a unit of the group. A group left as offered keeps its order; a position
    naming the same unit twice is refused by the service (not a permutation of the group)."""
    orders = []
    for g, group in enumerate(ties):
        chosen = [post.get(f"nhom-{g}-{i}", "") for i in range(len(group))]
        orders.append(chosen if all(chosen) else list(group))
    return orders


@login_required
def block_view(request: HttpRequest, pk: int, block_id: int) -> HttpResponse:
    """A block's ranking and its one-way steps. The page offers only what the transition table allows this
    person from the version's state; approve and revoke go through a confirmation page that shows exactly
    what the public page will show."""
    from .states import VERSION, version_roles

    period = _period(request, pk)
    block = get_object_or_404(Block, pk=block_id, authority=period.authority)
    refused = None
    versions = list(RankingVersion.objects.filter(period=period, block=block).order_by("-number"))
    version = versions[0] if versions else None
    roles = version_roles(request.user, period)
    secretariat = is_secretariat(request.user, period.authority_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action != "compute" and version is None:
                raise ValidationError("Khối chưa có kết quả xếp loại: cơ quan thường trực cần tính kết quả trước.")
            if action == "compute":
                services.ranking_compute(period=period, block=block, actor=request.user)
                messages.success(request, "Đã tính lại dự thảo kết quả.")
            elif action == "chair":
                services.chair_decide(version=version, note=request.POST.get("note", ""), actor=request.user,
                                      orders=_chair_orders(request.POST, version.snapshot.get("ties", [])))
                messages.success(request, "Đã ghi quyết định thứ tự của Chủ tịch Hội đồng.")
            elif action == "submit":
                if not request.POST.get("confirm"):
                    return _confirm(request, period, version, action, roles, None)
                services.ranking_submit(version=version, actor=request.user)
                messages.success(request, "Đã trình Chủ tịch UBND phê duyệt.")
            elif action == "return":
                services.ranking_return(version=version, actor=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, "Đã trả lại dự thảo cho cơ quan thường trực.")
            elif action in ("approve", "revoke"):
                try:
                    day, date_error = _decision_date(request.POST.get("decision_date", "")), ""
                except ValidationError as exc:
                    day, date_error = None, exc.messages[0]
                if not request.POST.get("confirm") or date_error:
                    return _confirm(request, period, version, action, roles, day, date_error)
                if action == "approve":
                    services.ranking_approve(version=version, actor=request.user,
                                             decision_number=request.POST.get("decision_number", ""),
                                             decision_date=day)
                    messages.success(request, "Đã phê duyệt và công bố kết quả.")
                else:
                    new = services.ranking_revoke(version=version, actor=request.user,
                                                  reason=request.POST.get("reason", ""),
                                                  unit_code=request.POST.get("unit", ""),
                                                  decision_number=request.POST.get("decision_number", ""),
                                                  decision_date=day)
                    messages.success(request, {
                        RankingVersion.PUBLISHED: "Đã hủy bỏ kết quả cũ; không đơn vị nào khác thay đổi hạng hoặc "
                                                  "xếp loại nên kết quả xếp loại lại đã được công bố.",
                        RankingVersion.SUBMITTED: "Đã hủy bỏ kết quả cũ; kết quả xếp loại lại làm thay đổi hạng "
                                                  "hoặc xếp loại của đơn vị khác nên chờ Chủ tịch UBND phê duyệt.",
                    }.get(new.status, "Đã hủy bỏ kết quả cũ; kết quả xếp loại lại có đơn vị bằng điểm mới, chờ "
                                      "Chủ tịch Hội đồng quyết định thứ tự."))
            else:
                raise ValidationError("Thao tác không hợp lệ.")
        except (ValidationError, RankingError) as exc:
            # Each refusal says what it is: data the rules cannot rank is "Chưa xếp hạng được: …"; a bad
            # decision date is only ever the date field's message (``_decision_date``, on the confirmation).
            texts = exc.messages if isinstance(exc, ValidationError) else [f"Chưa xếp hạng được: {exc}"]
            if action not in ("chair", "return") or version is None:
                for message in texts:
                    messages.error(request, message)
                return redirect("ranking:block", pk=period.pk, block_id=block.pk)
            # A refused form of this page is shown again with what was typed and the refusal beside it.
            refused = {"action": action, "messages": texts}
        else:
            return redirect("ranking:block", pk=period.pk, block_id=block.pk)
    units = with_former_names(version.snapshot.get("units", []) if version else [])
    offered = VERSION.offered(version.status if version else RankingVersion.NEW, roles)
    names = {u["id"]: u["name"] for u in units}
    ordered = {frozenset(g) for g in chair.as_orders(version.chair_order)} if version else set()
    tie_groups = version.snapshot.get("ties", []) if version else []
    chosen = _chair_orders(request.POST, tie_groups) if refused else tie_groups  # a refused order stays chosen
    ties = [{"index": g, "units": [(i, names.get(i, i)) for i in group], "ordered": frozenset(group) in ordered,
             "positions": list(enumerate(chosen[g]))} for g, group in enumerate(tie_groups)]
    ids = {v.pk for v in versions}
    changes = [c for c in period_log(period, kinds=[VERSION.kind]) if c.object_id in ids]
    return render(request, "ranking/block.html", {
        "period": period, "ranking_block": block, "version": version, "versions": versions, "units": units,
        "chart": chart(units), "secretariat": secretariat, "offered": offered,
        "ties": ties, "changes": changes,
        "unresolved_names": [names.get(i, i) for i in (version.snapshot.get("unresolved", []) if version else [])],
        "cap_share": _percent((version.snapshot.get("settings", {}) if version else {}).get("excellent_share", "0.20")),
        "submit_missing": services.submit_missing(version) if "submit" in offered else [],
        "facts": {f.unit.code: f for f in UnitFacts.objects.filter(period=period, unit__submissions__period=period,
                                                              unit__submissions__block=block)
                  .select_related("unit")},
        "refused": refused, "typed": request.POST if refused else {},
        "head_grade_problems": (sum(1 for row in services.head_grade_rows(period, block)[1] if row["problem"])
                                if secretariat and HeadGrade.objects.filter(
                                    period=period, unit__submissions__period=period,
                                    unit__submissions__block=block).exists()
                                else 0),
    }, status=400 if refused else 200)


def _confirm(request, period, version, action, roles, day, date_error: str = "") -> HttpResponse:
    """The confirmation of submitting, approving or revoking: exactly what the public page will show (for a revocation,
    the re-ranked result computed now, with the differences), the typed decision, and what is missing, each
    beside its field, in a form that keeps what was typed."""
    from .states import VERSION

    typed = {k: request.POST.get(k, "") for k in ("decision_number", "decision_date", "reason", "unit")}
    refused = VERSION.refusal(version.status, action, roles)
    if refused and refused[0] == "role":
        raise PermissionDenied(refused[1])
    errors = services.decision_errors(typed["decision_number"], day) if action != "submit" else {}
    if date_error:
        errors["decision_date"] = date_error
    if action == "revoke" and not typed["reason"].strip():
        errors["reason"] = "Hãy ghi lý do hủy bỏ kết quả."
    # What stands in the way as a whole; a wrong field's message (a bad decision date) stays beside that field.
    missing = [refused[1]] if refused else []
    if action == "submit" and not refused:
        missing += services.submit_missing(version)
    preview, changed = version, []
    if action == "revoke":
        preview_snapshot, _, changed = services.revocation_preview(version, typed["unit"])
        # Published at once under the revoking decision, or later under the chairman's approval of it.
        preview = RankingVersion(period=period, block=version.block, number=version.number + 1,
                                 snapshot=preview_snapshot, decision_number="" if changed else typed["decision_number"],
                                 decision_date=None if changed else day, status=RankingVersion.PUBLISHED)
    else:
        preview = RankingVersion(pk=version.pk, period=period, block=version.block, number=version.number,
                                 snapshot=version.snapshot, decision_number=typed["decision_number"],
                                 decision_date=day, status=RankingVersion.PUBLISHED)
    units = preview.snapshot.get("units", [])
    return render(request, "ranking/confirm.html", {
        "period": period, "version": version, "preview": preview, "units": units, "action": action,
        "typed": typed, "missing": missing, "errors": errors, "changed": changed,
        "chart": chart(units)}, status=400 if missing or errors else 200)


@login_required
def facts_view(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    period = _period(request, pk)
    require(is_secretariat(request.user, period.authority_id), "Chỉ cơ quan thường trực nhập thông tin xếp loại.")
    unit = get_object_or_404(Unit, pk=unit_id, authority=period.authority)
    facts = UnitFacts.objects.filter(period=period, unit=unit).first()
    choices = list(services.fault_unit_choices(period, unit))
    subordinate = subordinate_discipline(unit, period.year)
    typed, errors, conflict = None, {}, False
    fault_unit_id = str(facts.fault_unit_id or "") if facts else ""
    if request.method == "POST":
        fault_unit_id = request.POST.get("fault_unit", "").strip()
        typed = {"outstanding": bool(request.POST.get("outstanding")),
                 "discipline": request.POST.get("discipline", "none"),
                 "corruption": request.POST.get("corruption", "none"),
                 "disunity": bool(request.POST.get("disunity")),
                 "official_prosecuted": bool(request.POST.get("official_prosecuted")),
                 "subunits_disciplined_share": request.POST.get("subunits_disciplined_share", "").strip() or "0",
                 "evidence": request.POST.get("evidence", "")}
        fault_unit = next((u for u in choices if str(u.pk) == fault_unit_id), None)
        if request.POST.get("use_subordinate") and subordinate:  # Điều 11.1.b: the share the child authority shows
            typed["subunits_disciplined_share"] = str(subordinate["share"])
            if subordinate["source"] not in typed["evidence"]:
                typed["evidence"] = "\n".join(t for t in (typed["evidence"].strip(), subordinate["source"]) if t)
        try:
            if fault_unit_id and fault_unit is None:
                raise ValidationError({"fault_unit": "Nơi xảy ra vi phạm: hãy chọn một đơn vị trong danh sách."})
            services.facts_save(period=period, unit=unit, actor=request.user, fault_unit=fault_unit,
                                version=posted_version(request), **typed)
        except ValidationError as exc:
            errors = ({name: " ".join(texts) for name, texts in exc.message_dict.items()}
                      if hasattr(exc, "error_dict") else {"general": " ".join(exc.messages)})
            messages.error(request, "Chưa lưu được thông tin xếp loại: " + " ".join(errors.values()))
            conflict = isinstance(exc, ConflictError)
        else:
            messages.success(request, f"Đã lưu thông tin xếp loại của {unit}.")
            return redirect("ranking:block", pk=period.pk, block_id=services.member_block(period, unit).pk)
    share = typed["subunits_disciplined_share"] if typed else fmt(facts.subunits_disciplined_share) if facts else "0"
    blocks: dict = {}
    for choice in choices:
        blocks.setdefault(choice.block, []).append(choice)
    return render(request, "ranking/facts.html", {
        "period": period, "unit": unit, "facts": typed or facts, "share": share, "incidents": INCIDENTS,
        "errors": errors, "fault_unit_id": fault_unit_id, "fault_choices": list(blocks.items()),
        "counted_here": services.faults_counted_here(period, unit), "subordinate": subordinate,
        "version": facts.version if facts else 0}, status=409 if conflict else 400 if errors else 200)


def _typed_date(text: str) -> date | None:
    """A date typed in a date input (YYYY-MM-DD) or as dd/mm/yyyy; None when empty; ValueError otherwise."""
    return parse_date(text)  # config/dates.py


HEAD_FIELDS = ("full_name", "position", "grade", "newly_transferred", "transferred_on", "basis")


@login_required
def head_grades_view(request: HttpRequest, pk: int, block_id: int) -> HttpResponse:
    """Điều 4.5: the secretariat records the grade of each unit's head once the block is published. One form
    for the block, one row per unit; rows left empty are skipped. A refusal saves nothing, keeps everything
    typed and marks only the wrong fields of the wrong rows."""
    from django.db import transaction

    period = _period(request, pk)
    require(is_secretariat(request.user, period.authority_id),
            "Chỉ cơ quan thường trực ghi xếp loại người đứng đầu.")
    block = get_object_or_404(Block, pk=block_id, authority=period.authority)
    version, rows = services.head_grade_rows(period, block)
    errors: dict[int, dict[str, str]] = {}
    general = ""
    typed: dict[int, dict] = {}
    if request.method == "POST":
        units = {u.pk: u for u in Unit.objects.filter(pk__in=[r["unit_id"] for r in rows], authority=period.authority)}
        saved = 0
        with transaction.atomic():
            for row in rows:
                prefix = f"u{row['unit_id']}-"
                values = {name: request.POST.get(prefix + name, "").strip() for name in HEAD_FIELDS}
                values["newly_transferred"] = bool(values["newly_transferred"])
                typed[row["unit_id"]] = values
                if row["record"] is None and not any(values.values()):
                    continue  # a row left empty: nothing recorded for that unit
                row_errors = {}
                try:
                    day = _typed_date(values["transferred_on"])
                except ValueError:
                    day, row_errors["transferred_on"] = None, "Ngày chuyển đến không hợp lệ (ngày/tháng/năm)."
                if not row_errors:
                    try:
                        with transaction.atomic():
                            before = row["record"].history.count() if row["record"] else 0
                            record = services.head_grade_save(
                                period=period, unit=units[row["unit_id"]], actor=request.user,
                                full_name=values["full_name"], position=values["position"], grade=values["grade"],
                                newly_transferred=values["newly_transferred"], transferred_on=day,
                                basis=values["basis"], row_version=posted_version(request, prefix + "row_version"))
                            saved += record.history.count() != before
                    except ValidationError as exc:
                        row_errors = ({name: " ".join(texts) for name, texts in exc.message_dict.items()}
                                      if hasattr(exc, "error_dict") else {"general": " ".join(exc.messages)})
                if row_errors:
                    errors[row["unit_id"]] = row_errors
            if errors:
                transaction.set_rollback(True)
        if not errors:
            messages.success(request, f"Đã lưu xếp loại người đứng đầu của {saved} đơn vị." if saved else
                             "Không có thay đổi nào để lưu.")
            return redirect("ranking:head_grades", pk=period.pk, block_id=block.pk)
        general = (f"Chưa lưu được: {len(errors)} đơn vị có thông tin cần sửa (đánh dấu đỏ bên dưới); chưa thay đổi "
                   f"gì.")
    for row in rows:
        record = row["record"]
        row["typed"] = typed.get(row["unit_id"]) or ({
            "full_name": record.full_name, "position": record.position, "grade": record.grade,
            "newly_transferred": record.newly_transferred,
            "transferred_on": show_date(record.transferred_on),
            "basis": record.basis} if record else {})
        row["errors"] = errors.get(row["unit_id"], {})
    return render(request, "ranking/head_grades.html", {
        "period": period, "ranking_block": block, "version": version, "rows": rows, "general": general,
        "grade_labels": GRADE_LABELS, "unpublished": "" if version else services.unpublished_reason(period, block),
        "problems": sum(1 for row in rows if row["problem"])}, status=400 if errors else 200)


@login_required
@require_GET
def workbook_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    return attachment(reports.ranking_workbook(reports.current_versions(period)),
                      reports.workbook_filename(period))


@login_required
@require_GET
def annex_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    try:
        pdf = reports.annex(period)  # signed once every block is published
    except ValueError:
        raise Http404("Chưa có kết quả xếp loại.") from None
    return attachment(pdf, reports.annex_filename(period))


@login_required
@require_GET
def lost_points_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    """A unit's lost points, for the unit once its block's result is published (and for the secretariat)."""
    submission, access = get_submission_for_user(request.user, submission_id)
    published = RankingVersion.objects.filter(period=submission.period, block=submission.block_id,
                                              status=RankingVersion.PUBLISHED).exists()
    if not published and not access.secretariat:
        raise Http404("Kết quả xếp loại chưa được công bố.")
    return attachment(reports.lost_points_workbook(submission), reports.lost_points_filename(submission))


# --------------------------------------------------------------------------- public, no login


@login_required
@require_GET
def subordinate_results(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Điều 11.1.b: the results a unit's own assessment of its departments, subordinate units or communes
    published (an authority of its own, ``Unit.assesses``), for the unit's leadership (its approvers) and
    the secretariat of the unit's authority: the ranks, grades and reasons, which the public page omits."""
    from submissions.models import Role

    unit = get_object_or_404(Unit.objects.select_related("assesses"), pk=unit_id)
    allowed = (is_secretariat(request.user, unit.authority_id)
               or Role.objects.filter(user=request.user, kind=Role.APPROVER, unit=unit).exists())
    require(allowed, "Chỉ lãnh đạo đơn vị (người phê duyệt) và cơ quan thường trực xem kết quả của đơn vị trực thuộc.")
    if unit.assesses_id is None:
        raise Http404(f"{unit} không tổ chức đánh giá đơn vị trực thuộc.")
    versions = [(v, with_former_names(v.snapshot.get("units", []))) for v in subordinate_versions(unit.assesses_id)]
    return render(request, "ranking/subordinate_results.html", {"unit": unit, "versions": versions})


def public_list(request: HttpRequest) -> HttpResponse:
    versions = (RankingVersion.objects.filter(status__in=[RankingVersion.PUBLISHED, RankingVersion.REVOKED])
                .select_related("period", "period__authority", "block").order_by("-period__year", "block__ordering",
                                                                                 "-number"))
    return render(request, "ranking/public_list.html", {"versions": versions})


def public_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(RankingVersion.objects.select_related("period", "block"), pk=version_id,
                                status__in=[RankingVersion.PUBLISHED, RankingVersion.REVOKED])
    units = with_former_names(version.snapshot.get("units", []))
    revoked_unit = next((u["name"] for u in units if version.revoked_unit and u["id"] == version.revoked_unit), "")
    return render(request, "ranking/public_detail.html", {"version": version, "units": units, "chart": chart(units),
                                                          "revoked_unit": revoked_unit})


@login_required
def report_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a heavy report; the user waits on its page and sees the progress."""
    from django.db import transaction

    from .models import ReportJob
    from .tasks import queue_report

    period = _period(request, pk)
    if request.method != "POST":
        return redirect("ranking:period", pk=period.pk)
    kind = request.POST.get("kind")
    if kind not in dict(ReportJob.KINDS):
        raise Http404("Loại báo cáo không hợp lệ.")
    job = ReportJob.objects.create(period=period, kind=kind, requested_by=request.user)
    transaction.on_commit(lambda: queue_report(job.pk))
    return redirect("ranking:report_job", pk=period.pk, job_id=job.pk)


@login_required
@require_GET
def report_job(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:

    from .models import ReportJob

    period = _period(request, pk)
    job = get_object_or_404(ReportJob, pk=job_id, period=period)
    if request.GET.get("tai") and job.is_done:
        return file_attachment(job.file.open("rb"), reports.report_filename(job.kind, period))  # not the stored name
    template = "ranking/_job.html" if request.htmx else "ranking/job.html"
    return render(request, template, {"period": period, "job": job})
