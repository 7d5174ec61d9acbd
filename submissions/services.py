"""Writes of the self-assessment stage. Every write goes through here: keyword-only, atomic, and
raising ``ValidationError`` with a message a Vietnamese user understands. The deadline is checked on
the server for every save, upload and send (``submissions.rules.edit_decision``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from config.versioning import ConflictError as ConflictError  # the score and appraisal pages import it from here
from config.versioning import check_version, conflict_message, locked_row, stamp
from criteria.grades import GRADES
from criteria.inputs import clean_text, explanation_change, score_apply, score_change
from criteria.models import Framework, Node
from criteria.scoring import SURVEY, fmt
from criteria.services import framework_lock

from . import departments, rules
from .docnumber import DocNumberError, doc_number_warnings, parse_doc_number, shown_number
from .filecheck import FileRejected, check_file
from .models import (
    Assignment,
    Block,
    EndorsementMinutes,
    Entry,
    Evidence,
    Period,
    PeriodBlock,
    Role,
    StateChange,
    Submission,
    Unit,
    User,
    Window,
    with_deadline,
)
from .phase_deadlines import period_block_deadlines_set as phase_deadlines_set
from .selectors import open_windows
from .staff_sheet import read_staff_sheet
from .transitions import transition


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def user_password_changed(*, user: User) -> None:
    """Clear the first-login flag once the person has chosen their own password."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.must_change_password = False


# --------------------------------------------------------------------------- deadline


def _windows(submission: Submission, node: Node | None = None, now: datetime | None = None
             ) -> list[rules.WindowSpan]:
    """The submission's supplementary windows; with ``node``, only those naming it and open at ``now``."""
    if node is not None:
        return open_windows(submission, node, now)
    return [
        rules.WindowSpan(w.opens_at, w.closes_at, frozenset(n.code for n in w.nodes.all()))
        for w in submission.windows.prefetch_related("nodes")
    ]


def assert_editable(*, submission: Submission, what: str, node: Node | None = None, now: datetime | None = None,
                    windows: list[rules.WindowSpan] | None = None) -> rules.Decision:
    if windows is None:
        windows = _windows(submission, node, now) if node else _windows(submission)
    decision = rules.edit_decision(
        now=_now(now), opens_at=submission.period.opens_at, closes_at=submission.closes_at,
        status=submission.status, what=what, node_code=node.code if node else None, windows=windows,
    )
    if not decision.allowed:
        raise ValidationError(decision.message)
    return decision


# --------------------------------------------------------------------------- submissions and entries


@transaction.atomic
def submission_get_or_create(*, period: Period, unit: Unit) -> Submission:
    existing = Submission.objects.filter(period=period, unit=unit).first()
    if existing:
        return existing
    period_block = PeriodBlock.objects.filter(period=period, block=unit.block_id).select_related("framework").first()
    if period_block is None:
        raise ValidationError(f"Kỳ đánh giá chưa chọn bộ tiêu chí cho {unit.block}.")
    try:
        with transaction.atomic():
            return Submission.objects.create(period=period, unit=unit, block_id=period_block.block_id,
                                             framework=period_block.framework)
    except IntegrityError:
        return Submission.objects.get(period=period, unit=unit)


def evidence_fields(*, upload, doc_number: str, issuer: str, doc_date: date | None, now: datetime | None = None):
    """The checks of an evidence file and its document fields, shared by the unit's upload and the paper
    dossier's scans: (kind of file, parsed document number, issuer). Each refusal carries the field's code."""
    try:
        kind = check_file(upload.data, upload.name, max_bytes=settings.EVIDENCE_MAX_BYTES)
    except FileRejected as exc:
        raise ValidationError(str(exc), code="file") from None
    try:
        number = parse_doc_number(doc_number)
    except DocNumberError as exc:
        raise ValidationError(str(exc), code="doc_number") from None
    issuer = (issuer or "").strip()
    if not issuer:
        raise ValidationError("Hãy nhập cơ quan ban hành văn bản.", code="issuer")
    if doc_date is None:
        raise ValidationError("Hãy nhập ngày ban hành văn bản.", code="doc_date")
    if doc_date > timezone.localdate(_now(now)):
        raise ValidationError("Ngày văn bản không được sau ngày hôm nay.", code="doc_date")
    return kind, number, issuer


def _locked(submission: Submission) -> Submission:
    """The submission row, fresh and locked for the transaction: a save and a send (or the lock at the
    deadline) of the same unit serialise, so nothing is written into a sheet that was just sent. Only this row
    (``of=("self",)``): its period's row, shared by every unit of the period, stays free."""
    return with_deadline(Submission.objects.select_for_update(of=("self",)).select_related("period")).get(
        pk=submission.pk)


def _leaf(submission: Submission, node: Node) -> Node:
    if node.framework_id != submission.framework_id or not node.rule:
        raise ValidationError("Tiêu chí không thuộc bộ tiêu chí của báo cáo hoặc không phải tiêu chí chấm điểm.")
    return node


def _snapshot(entry: Entry) -> str:
    points = "chưa chấm" if entry.points is None else f"{fmt(entry.points)} điểm"
    return points


def entry_save(
    *,
    submission: Submission,
    node: Node,
    actor: User,
    version: int | None,
    value: str | None = None,
    explanation: str | None = None,
    now: datetime | None = None,
    windows: list[rules.WindowSpan] | None = None,
    special: str | None = None,
    count: str | None = None,
    locked: bool = False,
) -> Entry:
    """Save one criterion's score and/or explanation. ``windows``: the supplementary windows open now that
    name the criterion (``open_windows``), when the caller has already read them. ``special`` (a special
    outcome chosen instead of the percentage) and ``count`` (the figure a rule asks) belong to the score,
    like ``value`` (``typed_input``). ``None`` leaves a field as it is.

    Concurrency: the submission row is locked for the transaction, so the saves of one sheet, its send and its
    lock at the deadline run one after the other (every writer of an entry locks its submission first). The
    entry's ``version`` must equal the version the form was loaded with; otherwise :class:`ConflictError`
    carries the entry as stored now and nothing is written. The write is ``UPDATE … WHERE version = <the
    version read>``: a row changed after it was read is never overwritten, the save is a conflict instead.
    Each change bumps the version and writes one history row (who, when).

    ``locked``: the caller opened the transaction and read ``submission`` in it through
    ``selectors.submission_for_save`` (the row locked, the criterion's entry with it), which spares the lock
    and entry reads and a savepoint. Its entry may be older than the lock (read while another save held it):
    the version checks above catch that. Two first saves of a criterion at once on that path end in
    ``IntegrityError`` for the second (the caller retries the transaction, which then reads the first).
    """
    with transaction.atomic(savepoint=not locked):
        _leaf(submission, node)
        departments.assert_department(submission=submission, node=node, actor=actor)  # #13.3, setting off: 0 q
        if locked:
            entry = getattr(submission, "save_entry", None)  # unset when the criterion has no entry yet
        else:
            submission = _locked(submission)
            entry = Entry.objects.filter(submission=submission, node=node).select_related("updated_by").first()
        entry = entry or Entry(submission=submission, node=node)
        if version is not None and entry.version != version:
            raise _entry_conflict(submission, node)
        read = entry.version
        changed = False
        if (typed := score_change(entry, node, value=value, special=special, count=count)) is not None:
            windows = _windows(submission, node, now) if windows is None else windows
            assert_editable(submission=submission, what=rules.SCORE, node=node, now=now, windows=windows)
            score_apply(entry, typed)
            changed = True
        if (text := explanation_change(entry, explanation)) is not None:
            windows = _windows(submission, node, now) if windows is None else windows
            assert_editable(submission=submission, what=rules.EXPLANATION, node=node, now=now, windows=windows)
            entry.explanation = text
            changed = True
        if not changed:  # nothing written; what was read must still be the row (the form is not stale)
            if entry.pk is None:
                entry = _entry_for(submission, node)
                if version is not None and entry.version != version:
                    raise _entry_conflict(submission, node)
            elif locked and not Entry.objects.filter(pk=entry.pk, version=read).exists():
                raise _entry_conflict(submission, node)
            return entry
        stamp(entry, actor=actor, now=_now(now))
        if entry.pk is None:
            entry.save()  # INSERT, and its history row ("+") through the model's post_save
            return entry
        written = Entry.objects.filter(pk=entry.pk, version=read).update(
            choice=entry.choice, percent=entry.percent, count=entry.count, points=entry.points, reason=entry.reason,
            explanation=entry.explanation, version=entry.version, updated_at=entry.updated_at,
            updated_by=entry.updated_by)
        if not written:
            raise _entry_conflict(submission, node)
        Entry.history.bulk_history_create([entry], update=True, default_change_reason=None)  # who: stamp's actor
        return entry


def _entry_conflict(submission: Submission, node: Node) -> ConflictError:
    """The refusal of a save whose form is older than the entry: the entry as stored now (read again, inside
    the transaction), naming who saved it and when (``config.versioning``)."""
    entry = (Entry.objects.filter(submission=submission, node=node).select_related("updated_by").first()
             or Entry(submission=submission, node=node))
    return ConflictError(conflict_message(entry, what=f"Tiêu chí {node.code}", shown=_snapshot(entry)), entry)


def _entry_for(submission: Submission, node: Node) -> Entry:
    entry, _ = Entry.objects.get_or_create(submission=submission, node=node)
    return entry


@dataclass
class Upload:
    name: str
    data: bytes


@transaction.atomic
def evidence_add(
    *,
    submission: Submission,
    node: Node,
    actor: User,
    upload: Upload,
    doc_number: str,
    doc_date: date,
    issuer: str,
    now: datetime | None = None,
) -> tuple[Evidence, list[str]]:
    """Store an evidence file after checking its content, size and document number.

    Returns the evidence and the warnings to show (letter suffix, number already used). A bad file
    raises ``ValidationError`` and nothing is stored. The PDF signature check is queued after commit.
    """
    _leaf(submission, node)
    departments.assert_department(submission=submission, node=node, actor=actor)
    submission = _locked(submission)
    assert_editable(submission=submission, what=rules.EVIDENCE, node=node, now=now)
    kind, number, issuer = evidence_fields(upload=upload, doc_number=doc_number, issuer=issuer, doc_date=doc_date,
                                           now=now)
    return evidence_store(entry=_entry_for(submission, node), upload=upload, kind=kind, number=number,
                          issuer=issuer, doc_date=doc_date, actor=actor, now=now)


def evidence_store(*, entry: Entry, upload, kind, number, issuer: str, doc_date: date, actor: User,
                   now: datetime | None = None, reason: str = "") -> tuple[Evidence, list[str]]:
    """Store a checked evidence file on ``entry`` (the unit's upload and the paper dossier's scans), with
    the "Số trùng" warnings of its document number and, for a PDF, its signature check queued after commit.
    ``reason`` is the history's change reason (e.g. "Nhập từ hồ sơ giấy")."""
    warnings = doc_number_warnings(number)
    digest = hashlib.sha256(upload.data).hexdigest()
    # "Số trùng" only for a different file (another hash) bearing the same number: the same document attached
    # to several criteria is one document.
    same = (Evidence.objects.filter(entry__submission_id=entry.submission_id,
                                    doc_number_normalized=number.normalized, removed_at__isnull=True)
            .exclude(sha256=digest).select_related("entry__node"))
    if same.exists():
        codes = ", ".join(sorted({e.entry.node.code for e in same}))
        warnings.append(f"Số văn bản {shown_number(number)} đã được dùng ở tiêu chí {codes} của báo cáo này.")
    evidence = Evidence(
        entry=entry, original_name=upload.name[:255], size=len(upload.data),
        sha256=digest, kind=kind.kind, mime=kind.mime,
        doc_number=number.raw, doc_number_normalized=number.normalized, doc_number_suffix=bool(number.suffix),
        doc_date=doc_date, issuer=issuer[:255], uploaded_by=actor, uploaded_at=_now(now),
        signature_status="pending" if kind.kind == "pdf" else "not_pdf",
    )
    evidence.file.save(f"x{kind.extension}", ContentFile(upload.data), save=False)
    evidence._history_user = actor
    if reason:
        evidence._change_reason = reason
    evidence.save()
    if kind.kind == "pdf":
        transaction.on_commit(lambda: queue_signature_check(evidence.pk))
    return evidence, warnings


def reusable_evidence(submission: Submission, node: Node) -> list[Evidence]:
    """The files the unit has already uploaded to other criteria of the sheet that ``node`` does not carry yet,
    one per document (sha256), newest first: what may be attached to ``node`` without uploading it again."""
    here = set(Evidence.objects.filter(entry__submission=submission, entry__node=node, removed_at__isnull=True)
               .values_list("sha256", flat=True))
    seen, out = set(here), []
    for evidence in (Evidence.objects.filter(entry__submission=submission, removed_at__isnull=True)
                     .exclude(entry__node=node).select_related("entry__node").order_by("-uploaded_at", "-pk")):
        if evidence.sha256 not in seen:
            seen.add(evidence.sha256)
            out.append(evidence)
    return out


@transaction.atomic
def evidence_reuse(*, submission: Submission, node: Node, source: Evidence, actor: User,
                   now: datetime | None = None) -> Evidence:
    """Attach to ``node`` a document the unit already uploaded to another criterion of the same sheet (issue
    #14 item 4: one document, several criteria). The stored file is shared, not copied; the new record keeps
    the document's number, date, issuer and signature check, names who attached it and when, and its history
    says where it came from. Refused like an upload (deadline, window, department) and when the document is
    no longer in the sheet or ``node`` already carries it."""
    _leaf(submission, node)
    departments.assert_department(submission=submission, node=node, actor=actor)
    submission = _locked(submission)
    assert_editable(submission=submission, what=rules.EVIDENCE, node=node, now=now)
    source = (Evidence.objects.select_related("entry__node")
              .filter(pk=source.pk, entry__submission=submission, removed_at__isnull=True).first())
    if source is None:
        raise ValidationError("Tài liệu này không còn trong báo cáo (đã gỡ hoặc không thuộc báo cáo): hãy tải "
                              "lại trang rồi chọn lại. Chưa có thay đổi nào được lưu.")
    entry = _entry_for(submission, node)
    if Evidence.objects.filter(entry=entry, sha256=source.sha256, removed_at__isnull=True).exists():
        raise ValidationError(f"Tiêu chí {node.code} đã có tài liệu “{source.original_name}”.")
    evidence = Evidence(
        entry=entry, file=source.file.name, original_name=source.original_name, size=source.size,
        sha256=source.sha256, kind=source.kind, mime=source.mime, doc_number=source.doc_number,
        doc_number_normalized=source.doc_number_normalized, doc_number_suffix=source.doc_number_suffix,
        doc_date=source.doc_date, issuer=source.issuer, signature_status=source.signature_status,
        signature_message=source.signature_message, signature_signers=source.signature_signers,
        signature_checked_at=source.signature_checked_at, uploaded_by=actor, uploaded_at=_now(now),
    )
    evidence._history_user = actor
    evidence._change_reason = f"Dùng lại tài liệu đã tải lên ở tiêu chí {source.entry.node.code}"
    evidence.save()
    if evidence.signature_status == "pending":  # the source's check has not run yet: this one gets its own
        transaction.on_commit(lambda: queue_signature_check(evidence.pk))
    return evidence


def queue_signature_check(evidence_id: int) -> None:
    """Queue the PDF signature check. A broker that is down, or a check that fails, never loses the
    upload: the file stays "đang kiểm tra" and the periodic ``recheck_pending_signatures`` retries it.
    Publishing is bounded (``config.publishing``): the upload never waits on a broker that is down."""
    from config.publishing import publish

    from .tasks import evidence_check_signature

    publish(evidence_check_signature, evidence_id)


@transaction.atomic
def evidence_remove(*, evidence: Evidence, actor: User, now: datetime | None = None) -> Evidence:
    """Withdraw a file from the submission. The file and its record are kept (nothing is lost)."""
    evidence = Evidence.objects.select_for_update().select_related("entry__submission__period", "entry__node").get(
        pk=evidence.pk)
    if evidence.removed_at:
        return evidence
    _locked(evidence.entry.submission)
    evidence.entry.submission.refresh_from_db(fields=["status"])
    assert_editable(submission=evidence.entry.submission, what=rules.EVIDENCE, node=evidence.entry.node, now=now)
    departments.assert_department(submission=evidence.entry.submission, node=evidence.entry.node, actor=actor)
    evidence.removed_at = _now(now)
    evidence.removed_by = actor
    evidence._history_user = actor
    evidence.save()
    return evidence


@transaction.atomic
def evidence_record_signature(*, evidence_id: int) -> Evidence | None:
    """Check a PDF's signatures (idempotent: a checked file is not checked again)."""
    from .signatures import check_pdf_signatures

    evidence = Evidence.objects.select_for_update().filter(pk=evidence_id).first()
    if evidence is None or evidence.signature_checked_at:
        return evidence
    with evidence.file.open("rb") as fh:
        data = fh.read()
    roots = []
    for path in settings.SIGNATURE_TRUST_ROOTS:
        with open(path, "rb") as fh:
            roots.append(fh.read())
    report = check_pdf_signatures(data, roots)
    evidence.signature_status = report.status
    evidence.signature_message = report.message[:500]
    evidence.signature_signers = ", ".join(report.signers)[:500]
    evidence.signature_checked_at = timezone.now()
    evidence.skip_history_when_saving = True
    evidence.save(update_fields=["signature_status", "signature_message", "signature_signers",
                                 "signature_checked_at"])
    return evidence


def send_missing(submission: Submission, *, proposed_grade: str, endorsed_on: date | None,
                 now: datetime | None = None) -> list[str]:
    """What still stands between the sheet and "Gửi đi" (empty: it may be sent). ``docs/process.md``."""
    from .selectors import submission_completeness

    missing = []
    if submission.status == Submission.DRAFT:
        decision = rules.edit_decision(now=_now(now), opens_at=submission.period.opens_at,
                                       closes_at=submission.closes_at, status=submission.status,
                                       what=rules.SEND, windows=[])
        if not decision.allowed:
            missing.append(decision.message)
    missing += submission_completeness(submission).blocking
    grading = submission.period.kind == Period.GRADING
    if proposed_grade and proposed_grade not in GRADES:
        missing.append("Mức xếp loại đề xuất không hợp lệ.")
    elif grading and not proposed_grade:
        missing.append("Hãy chọn mức xếp loại đơn vị đề xuất.")
    if grading and endorsed_on is None:
        missing.append("Hãy ghi ngày tập thể lãnh đạo đơn vị thống nhất kết quả tự chấm (Điều 8.1.b).")
    elif endorsed_on is not None and endorsed_on > timezone.localdate(_now(now)):
        missing.append("Ngày tập thể lãnh đạo thống nhất không được sau hôm nay.")
    return missing


@transaction.atomic
def submission_send(*, submission: Submission, actor: User, proposed_grade: str = "",
                    endorsed_on: date | None = None, endorsement_note: str = "",
                    now: datetime | None = None) -> Submission:
    """Send the submission ("Gửi đi"): only when complete, before the deadline, with the approver's own
    choice of grade and the date the unit's collective leadership endorsed it; afterwards it is immutable
    and time-stamped."""
    from .permissions import Access
    from .selectors import submission_self_total
    from .signed_summary import send_missing as signed_summary_missing
    from .states import SUBMISSION, submission_roles

    submission = _locked(submission)
    transition(SUBMISSION, submission, "send", actor=actor, roles=submission_roles(Access(actor, submission)),
               missing=send_missing(submission, proposed_grade=proposed_grade, endorsed_on=endorsed_on, now=now)
               + signed_summary_missing(submission),
               note=endorsement_note, at=_now(now))
    submission.sent_at = _now(now)
    submission.sent_by = actor
    submission.proposed_grade = proposed_grade
    submission.endorsed_on, submission.endorsement_note = endorsed_on, endorsement_note.strip()
    submission.self_total = submission_self_total(submission)
    submission.save()
    return submission


MINUTES_KINDS = ("pdf", "doc", "docx", "jpg", "png")


@transaction.atomic
def minutes_upload(*, submission: Submission, actor: User, upload: Upload,
                   now: datetime | None = None) -> EndorsementMinutes:
    """Attach the minutes of the leadership's meeting (Điều 8.1.b) to a draft sheet, before the deadline.
    The file is checked by its content like evidence; a bad file is refused and nothing is stored."""
    submission = _locked(submission)
    assert_editable(submission=submission, what=rules.SEND, now=now)
    try:
        kind = check_file(upload.data, upload.name, max_bytes=settings.EVIDENCE_MAX_BYTES)
    except FileRejected as exc:
        raise ValidationError(str(exc)) from None
    if kind.kind not in MINUTES_KINDS:
        raise ValidationError("Biên bản họp phải là tệp PDF, Word hoặc ảnh (JPG, PNG).")
    minutes = EndorsementMinutes(submission=submission, original_name=upload.name[:255], kind=kind.kind,
                                 mime=kind.mime, size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(),
                                 uploaded_by=actor, uploaded_at=_now(now))
    minutes.file.save(upload.name, ContentFile(upload.data), save=False)
    minutes.save()
    return minutes


@transaction.atomic
def submission_withdraw(*, submission: Submission, actor: User, reason: str,
                        now: datetime | None = None) -> Submission:
    """"Rút lại để sửa": the approver takes a sent sheet back to draft, before the deadline and before
    any council member has appraised it, with a reason (recorded)."""
    from .permissions import Access
    from .states import SUBMISSION, submission_roles

    submission = _locked(submission)
    missing = []
    if _now(now) >= submission.closes_at:
        missing.append(f"Đã hết hạn gửi ({timezone.localtime(submission.closes_at):%H:%M %d/%m/%Y}).")
    if submission.status == Submission.SENT and submission_appraised(submission):
        missing.append("Hội đồng thẩm định đã bắt đầu chấm báo cáo này.")
    if not reason.strip():
        missing.append("Hãy ghi lý do rút lại báo cáo.")
    transition(SUBMISSION, submission, "withdraw", actor=actor, roles=submission_roles(Access(actor, submission)),
               missing=missing, note=reason, at=_now(now))
    submission.sent_at, submission.sent_by, submission.self_total = None, None, None
    submission.save(update_fields=["status", "sent_at", "sent_by", "self_total"])
    return submission


def submission_appraised(submission: Submission) -> bool:
    """Whether any council member has scored a criterion of the sheet (section I, computed from the
    leaders' forms, does not count). Appraisal sits above this stage: reached through the reverse relation."""
    return submission.appraisals.filter(points__isnull=False).exclude(node__rule__kind=SURVEY).exists()


def submissions_lock_overdue(*, now: datetime | None = None) -> int:
    """At the deadline every submission not sent is locked as it stands, each with its StateChange row.
    Idempotent."""
    from .states import SUBMISSION

    now = _now(now)
    with transaction.atomic():
        # A block's own deadline (PeriodBlock.deadline) comes before the period's; the period's closes the rest.
        own = PeriodBlock.objects.filter(period_id=OuterRef("period_id"), block_id=OuterRef("block_id"),
                                         deadline__isnull=False).values("deadline")[:1]
        overdue = list(Submission.objects.select_for_update().annotate(block_deadline=Subquery(own))
                       .filter(Q(block_deadline__lte=now) | Q(block_deadline__isnull=True, period__closes_at__lte=now),
                               status=Submission.DRAFT)
                       .only("pk", "period_id", "status"))
        Submission.objects.filter(pk__in=[s.pk for s in overdue]).update(status=Submission.LOCKED, locked_at=now)
        StateChange.objects.bulk_create([
            StateChange(period_id=s.period_id, object_type=SUBMISSION.kind, object_id=s.pk, action="lock",
                        from_state=Submission.DRAFT, to_state=Submission.LOCKED, at=now,
                        note="Hết hạn gửi: báo cáo chưa gửi bị khóa.") for s in overdue])
        return len(overdue)


@transaction.atomic
def window_open(*, submission: Submission, nodes: list[Node], closes_at: datetime, message: str, actor: User,
                now: datetime | None = None) -> Window:
    """Reopen named criteria of one unit until ``closes_at`` (second round of explanation)."""
    now = _now(now)
    if not nodes:
        raise ValidationError("Hãy chọn ít nhất một tiêu chí được bổ sung.")
    if closes_at <= now:
        raise ValidationError("Hạn bổ sung phải sau thời điểm hiện tại.")
    foreign = [n.code for n in nodes if n.framework_id != submission.framework_id or not n.rule]
    if foreign:
        raise ValidationError(f"Tiêu chí không thuộc báo cáo: {', '.join(foreign)}.")
    if reason := window_closed_reason(submission):
        raise ValidationError(reason)
    window = Window.objects.create(submission=submission, closes_at=closes_at, opens_at=now,
                                   message=message.strip(), created_by=actor)
    window.nodes.set(nodes)
    return window


def window_closed_reason(submission: Submission) -> str:
    """Why no supplementary window may open on the sheet any more (issue #15 item 6): its appraisal round
    has closed (the scores are frozen) or a ranking of its block has been submitted or published."""
    from appraisal.models import AppraisalRound
    from ranking.models import RankingVersion

    if AppraisalRound.objects.filter(period_id=submission.period_id, status=AppraisalRound.Status.CLOSED).exists():
        return "Đợt thẩm định của kỳ đã kết thúc: không mở đợt bổ sung được nữa."
    if RankingVersion.objects.filter(period_id=submission.period_id, block_id=submission.block_id).exclude(
            status__in=[RankingVersion.NEW, RankingVersion.DRAFT]).exists():
        return "Kết quả xếp loại của khối đã trình hoặc công bố: không mở đợt bổ sung được nữa."
    return ""


@transaction.atomic
def assignment_set(*, submission: Submission, node: Node, users: list[User], actor: User) -> None:
    """Phân công chấm điểm: replace who is assigned to a node (officers of the unit only). Each assignment
    made or withdrawn leaves a history row naming ``actor`` and the time (``Assignment.history``)."""
    if node.framework_id != submission.framework_id:
        raise ValidationError("Tiêu chí không thuộc báo cáo.")
    allowed = set(Role.objects.filter(unit=submission.unit, kind__in=[Role.OFFICER, Role.APPROVER])
                  .values_list("user_id", flat=True))
    strangers = [str(u) for u in users if u.pk not in allowed]
    if strangers:
        raise ValidationError(f"Chỉ phân công cho cán bộ của đơn vị: {', '.join(strangers)}.")
    kept = set()
    for assignment in Assignment.objects.filter(submission=submission, node=node):
        if assignment.user_id in {u.pk for u in users}:
            kept.add(assignment.user_id)
        else:
            assignment._history_user = actor  # the history's "-" row names who withdrew the assignment
            assignment.delete()
    for user in users:
        if user.pk not in kept:
            assignment = Assignment(submission=submission, node=node, user=user)
            assignment._history_user = actor
            assignment.save()
            kept.add(user.pk)


@transaction.atomic
def assignments_set(*, submission: Submission, wanted: dict[Node, list[User]], actor: User) -> list[Node]:
    """Phân công chấm điểm of many sections and criteria in one form: ``wanted`` says, for each node the
    form showed, who is assigned to it. All or nothing (a node of another framework or a person outside the
    unit refuses the whole form); each node goes through :func:`assignment_set`. Returns the nodes whose
    assignees changed."""
    _locked(submission)
    before: dict[int, set[int]] = {}
    for node_id, user_id in Assignment.objects.filter(submission=submission).values_list("node_id", "user_id"):
        before.setdefault(node_id, set()).add(user_id)
    changed = []
    for node, users in wanted.items():
        if {u.pk for u in users} != before.get(node.pk, set()):
            assignment_set(submission=submission, node=node, users=users, actor=actor)
            changed.append(node)
    return changed


# --------------------------------------------------------------------------- organisation (secretariat)


_UNSET = object()


@transaction.atomic
def period_save(*, period: Period, frameworks: dict[Block, Framework],
                quotas: dict[Block, int | None] | None = None,
                deadlines: dict[Block, datetime | None] | None = None,
                phase_deadlines: dict[Block, dict[str, datetime | None]] | None = None) -> Period:
    """Create or update a period and, per block, the framework and Điều 7.1.a quota it uses in that period
    (the membership of the period, docs/process.md "Dữ liệu của kỳ"). A block added without a quota starts
    from the block's default. A framework chosen for a period is locked: it can no longer be changed by a
    fixture or an import; a quota is frozen once a ranking of the block has been submitted.
    ``phase_deadlines``: block → its own appraisal and leaders' deadlines (``submissions.phase_deadlines``)."""
    if period.closes_at <= period.opens_at:
        raise ValidationError("Hạn gửi phải sau thời điểm mở nhận báo cáo.")
    period.full_clean()
    period.save()
    quotas, deadlines = quotas or {}, deadlines or {}
    for block, deadline in deadlines.items():  # seed 004: a block's own deadline, within the period's window
        if problem := rules.block_deadline_problem(deadline, opens_at=period.opens_at, closes_at=period.closes_at):
            raise ValidationError(f"{block}: {problem}")
    for block, framework in frameworks.items():
        if block.authority_id != period.authority_id:
            raise ValidationError(f"{block} không thuộc {period.authority}.")
        current = PeriodBlock.objects.filter(period=period, block=block).first()
        quota = quotas.get(block, _UNSET)
        if current and current.framework_id != framework.pk:
            if Submission.objects.filter(period=period, block=block).exists():
                raise ValidationError(f"{block} đã có báo cáo trong kỳ nên không đổi được bộ tiêu chí.")
            current.framework = framework
            current.save()
        elif not current:
            current = PeriodBlock.objects.create(
                period=period, block=block, framework=framework,
                excellent_quota=block.excellent_quota if quota is _UNSET else quota)
        if quota is not _UNSET and quota != current.excellent_quota:
            if quota_frozen(period, block):
                raise ValidationError(f"Kết quả xếp loại của {block} đã trình hoặc công bố nên không đổi được số "
                                      "lượng tối đa HTXSNV của kỳ.")
            current.excellent_quota = quota
            current.save(update_fields=["excellent_quota"])
        deadline = deadlines.get(block, _UNSET)
        if deadline is not _UNSET and deadline != current.deadline:
            current.deadline = deadline
            current.save(update_fields=["deadline"])
        # issue #13 item 5: the council's and the leaders' own deadlines, checked against the sending one
        phase_deadlines_set(period_block=current, values=(phase_deadlines or {}).get(block, {}))
        framework_lock(framework=framework)
    if not period_finished(period):
        for unit in Unit.objects.filter(block__in=frameworks.keys(), active=True):
            submission_get_or_create(period=period, unit=unit)
    return period


def period_finished(period: Period) -> bool:
    """The period's appraisal round has closed or a block has been ranked: its participants are fixed."""
    from appraisal.models import AppraisalRound
    from ranking.models import RankingVersion

    return (AppraisalRound.objects.filter(period=period, status=AppraisalRound.Status.CLOSED).exists()
            or RankingVersion.objects.filter(period=period).exists())


def quota_frozen(period: Period, block: Block) -> bool:
    """A ranking of the block beyond its draft (submitted, published, revoked) was computed with the quota."""
    from ranking.models import RankingVersion

    return RankingVersion.objects.filter(period=period, block=block).exclude(
        status__in=[RankingVersion.NEW, RankingVersion.DRAFT]).exists()


def accepts_members(period: Period, now: datetime | None = None) -> bool:
    """A unit created later joins a period only until its deadline (it did not exist when the units had to
    send): it never gets a draft inside a finished, appraised or published period."""
    return _now(now) < period.closes_at and not period_finished(period)


@dataclass
class StaffImportResult:
    created: list[tuple[User, str]]  # (user, one-time password)
    updated: list[User]


def _username_from_email(email: str) -> str:
    return email.split("@")[0].lower()[:150]


def _free_username(email: str, taken: set[str]) -> str:
    """The part before @ when free, else the whole address, else the address with a number."""
    candidates = [_username_from_email(email), email.lower()[:150]]
    candidates += [f"{email.lower()[:140]}.{n}" for n in range(2, 100)]
    for candidate in candidates:
        if candidate not in taken and not User.objects.filter(username=candidate).exists():
            taken.add(candidate)
            return candidate
    raise ValidationError(f"Không tạo được tên đăng nhập cho “{email}”.")


def _staff_import_refusal(user: User, unit: Unit) -> str | None:
    """Why a staff import of ``unit`` may not change the existing account ``user`` (None: it may)."""
    if user.is_superuser or user.is_staff:
        return "là tài khoản quản trị hệ thống, danh sách cán bộ của đơn vị không được sửa tài khoản này"
    roles = list(user.roles.all())
    if any(role.kind not in Role.UNIT_KINDS for role in roles):
        return ("là tài khoản có vai trò cấp cơ quan (Thường trực, Hội đồng thẩm định, Lãnh đạo, Chủ tịch), "
                "danh sách cán bộ của đơn vị không được sửa tài khoản này")
    if any(role.unit_id != unit.pk for role in roles):
        return "đã là tài khoản của đơn vị khác"
    if not roles:
        return ("đã là tài khoản chưa thuộc đơn vị nào, danh sách cán bộ không được sửa tài khoản này; "
                "đề nghị quản trị viên gán vai trò cho tài khoản")
    return None


@transaction.atomic
def staff_import(*, unit: Unit, data: bytes, actor: User) -> StaffImportResult:
    """Import a unit's staff list in the form of seed 001 (TT, Họ và tên, Chức vụ, Email, Quyền).

    Every row is checked first; one bad row refuses the whole file with each problem by row number.
    New accounts get a generated one-time password and must change it at first login.

    An e-mail that matches an existing account may change that account (name, position, the roles added
    here) only when the account already belongs to this unit and to nothing else: it is not an
    administrator (``is_staff``/``is_superuser``), it holds no authority role (secretariat, council, leader,
    chair, chairman) and every role it holds is an officer or approver role on this very unit. So an
    import never touches the province's accounts, another authority's accounts, nor another unit's (of
    this or any other authority). Any other match is a row error, and the file changes nothing.
    """
    problems, parsed = [], []
    for row in read_staff_sheet(data):
        existing = list(User.objects.filter(email__iexact=row.email).order_by("pk")) if row.email else []
        for other in existing:
            refusal = _staff_import_refusal(other, unit)
            if refusal:
                row.problems.append(f"email “{row.email}” {refusal}")
                break
        if row.problems:
            problems.append(f"Dòng {row.number}: " + "; ".join(row.problems) + ".")
        else:
            parsed.append((row.name, row.position, row.email, row.kinds, existing[0] if existing else None))
    if problems:
        raise ValidationError(problems)
    if not parsed:
        raise ValidationError("Tệp không có dòng cán bộ nào.")
    result = StaffImportResult(created=[], updated=[])
    taken: set[str] = set()
    for name, position, email, kinds, user in parsed:
        if user is None:
            password = secrets.token_urlsafe(9)
            user = User(username=_free_username(email, taken), email=email, full_name=name, position=position,
                        must_change_password=True)
            user.set_password(password)
            user.save()
            result.created.append((user, password))
        else:
            user.full_name, user.position = name, position
            user.save(update_fields=["full_name", "position"])
            result.updated.append(user)
        for kind in kinds:
            Role.objects.get_or_create(user=user, kind=kind, unit=unit)
    return result


@transaction.atomic
def unit_create(*, unit: Unit) -> Unit:
    """Add a unit; it gets a submission in every period whose blocks already have a framework."""
    if unit.block.authority_id != unit.authority_id:
        raise ValidationError("Khối không thuộc cơ quan của đơn vị.")
    if Unit.objects.filter(authority=unit.authority, code=unit.code).exists():
        raise ValidationError(f"Mã đơn vị “{unit.code}” đã có.")
    unit.save()
    for period_block in PeriodBlock.objects.filter(block=unit.block).select_related("period"):
        if accepts_members(period_block.period):
            submission_get_or_create(period=period_block.period, unit=unit)
    return unit


REPORT_FIELDS = ("number", "place", "situation", "shortcomings", "causes", "proposals", "recipients",
                 "signer_title", "signer_name")


@transaction.atomic
def self_report_save(*, submission: Submission, actor: User, data: dict, now: datetime | None = None,
                     version: int | None = None):
    """The unit's texts of its self-assessment report; like every part of the sheet, only until it is sent.

    Concurrency: the unit's officers and approver share one report. The row is locked and ``version`` (the one
    the form was loaded with) must still be the row's, else :class:`ConflictError` names who saved it and
    when, and nothing is written (``config.versioning``)."""
    from .models import SelfReport

    assert_editable(submission=_locked(submission), what=rules.EXPLANATION, now=now)
    report = locked_row(SelfReport, submission=submission)
    check_version(report, version, what="Báo cáo tự đánh giá")
    limits = {"number": 100, "place": 100, "signer_title": 150, "signer_name": 150}
    for name in REPORT_FIELDS:
        label = SelfReport._meta.get_field(name).verbose_name
        setattr(report, name, clean_text(data.get(name, ""), label=str(label), max_length=limits.get(name, 20000)))
    if report.number:
        try:
            parse_doc_number(report.number)
        except DocNumberError as exc:
            raise ValidationError(str(exc)) from None
    stamp(report, actor=actor, now=_now(now))
    report.save()
    return report


REMINDERS = (("3d", timedelta(days=3), "3 ngày"), ("1d", timedelta(days=1), "1 ngày"),
             ("3h", timedelta(hours=3), "3 giờ"))


def reminders_send(*, now: datetime | None = None) -> int:
    """E-mail the officers and approvers of every unit that has not sent, 3 days, 1 day and 3 hours before
    the close (each once). Returns the number of e-mails sent."""
    from django.urls import reverse

    from config.mail import send_notice, site_link

    from .models import ReminderSent

    now = _now(now)
    sent = 0
    periods = Period.objects.filter(opens_at__lte=now, closes_at__gt=now)
    for period in periods:
        for submission in Submission.objects.filter(period=period, status=Submission.DRAFT).select_related("unit"):
            left = submission.closes_at - now  # the block's own deadline when it has one
            due = [(kind, label) for kind, before, label in REMINDERS if timedelta(0) < left <= before]
            if not due:
                continue
            kind, label = due[-1]  # the most urgent one due; earlier ones missed are not sent late
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(period=period, unit=submission.unit, kind=kind)
            except IntegrityError:
                continue
            roles = Role.objects.filter(unit=submission.unit).select_related("user")
            if send_notice(
                to=[r.user.email for r in roles],
                subject=f"Còn {label} đến hạn gửi báo cáo tự chấm điểm — {period.name}",
                body=(f"{submission.unit} chưa gửi báo cáo tự chấm điểm. Hạn gửi: {rules.local(submission.closes_at)}; "
                      "sau thời điểm này hệ thống tự động khóa và không nhận báo cáo.\n\nCập nhật báo cáo tại: "
                      + site_link(reverse("submissions:score_page", args=[submission.pk]))),
            ):
                sent += 1
    return sent


# --------------------------------------------------------------------------- reorganisation (issue #12, item 2)

from . import reorganisation  # noqa: E402  (pure: no import back into this module)


def authority_and_below(authority) -> dict[int, tuple[str, str]]:
    """id → (code, name) of ``authority`` and of every authority below it (children, grandchildren …)."""
    from criteria.models import Authority

    below: dict[int | None, list[tuple[int, str, str]]] = {}
    for pk, parent_id, code, name in Authority.objects.values_list("id", "parent_id", "code", "name"):
        below.setdefault(parent_id, []).append((pk, code, name))
    authorities = {authority.pk: (authority.code, authority.name)}
    frontier = [authority.pk]
    while frontier:  # breadth first; a loop of parents (never made by the product) is visited once
        found = []
        for parent in frontier:
            for pk, code, name in below.get(parent, ()):
                if pk not in authorities:
                    authorities[pk] = (code, name)
                    found.append(pk)
        frontier = found
    return authorities


def reorganisation_scope(authority) -> reorganisation.Scope:
    """What the checks of a reorganisation sheet of ``authority`` read (``submissions.reorganisation``): the
    authority and every authority below it, their units, the authority's blocks and every stored lineage
    edge."""
    from . import lineage

    authorities = authority_and_below(authority)
    units = [reorganisation.KnownUnit(*values) for values in Unit.objects.filter(
        authority_id__in=authorities).values_list("id", "authority_id", "code", "name", "established_on", "ended_on")]
    blocks = {code: (pk, name) for pk, code, name in Block.objects.filter(authority=authority)
              .values_list("id", "code", "name")}
    return reorganisation.Scope(authority.pk, authorities, units, blocks, lineage.edges())


def reorganisation_preview(*, authority, data: bytes, today: date | None = None) -> reorganisation.Plan:
    """Read and check a reorganisation sheet of ``authority`` without writing anything: the plan (units
    created, units stopped, edges), or ValidationError with every problem by row number."""
    return reorganisation.plan_sheet(data, reorganisation_scope(authority), today=today or timezone.localdate())


def reorganisation_import(*, authority, data: bytes, actor: User,
                          today: date | None = None) -> reorganisation.Plan:
    """Record a reorganisation of ``authority`` from its sheet, all or nothing (docs/process.md, "Lịch sử tổ
    chức"). The sheet is checked again here, inside the transaction, whatever a preview said: new units are
    created through ``unit_create`` (so they join the periods still accepting members), one ``UnitLineage``
    per row is written with who recorded it, and every old unit stops on its date (``ended_on``, no longer
    ``active``: period_save gives it no sheet in a new period). An existing new unit continues.

    Two secretariats confirming at once: the authority row is locked, a unit stops only if it had not
    stopped meanwhile, and the unique constraints refuse a repeated edge or code; any of these refuses the
    whole file."""
    from criteria.models import Authority

    from .models import UnitLineage

    stale = ValidationError("Lịch sử tổ chức vừa được người khác thay đổi; hãy tải tệp lên và xem trước lại. "
                            "Chưa có thay đổi nào được ghi.")
    try:
        with transaction.atomic():
            Authority.objects.select_for_update().filter(pk=authority.pk).first()
            plan = reorganisation_preview(authority=authority, data=data, today=today)
            ids: dict[int, int] = {}
            for new in plan.created:
                unit = unit_create(unit=Unit(authority=authority, block_id=new.block_id, code=new.code,
                                             name=new.name, established_on=new.established_on))
                ids[new.key] = unit.pk
            UnitLineage.objects.bulk_create([
                UnitLineage(predecessor_id=edge.predecessor.id, successor_id=ids.get(edge.successor.id,
                                                                                     edge.successor.id),
                            kind=edge.kind, effective_on=edge.effective_on, basis=edge.basis, recorded_by=actor)
                for edge in plan.edges])
            for unit, day in plan.ended:
                if not Unit.objects.filter(pk=unit.id, ended_on__isnull=True).update(ended_on=day, active=False):
                    raise stale
            plan.created_ids = ids
            return plan
    except IntegrityError:
        raise stale from None


# --------------------------------------------------------------------------- signed summary (issue #13 item 1)


@transaction.atomic
def signed_summary_upload(*, submission: Submission, actor: User, upload: Upload, now: datetime | None = None):
    """Store the summary table the unit signed outside the software (seed 001 Bước 4; 2610 Điều 8.2.c): on a
    draft sheet before the deadline, only a PDF signed over the whole file, intact, exported for this sheet and
    whose fingerprint equals the sheet's now (``submissions.signed_summary.check_upload``); anything else is
    refused with the reason and nothing is stored. A new upload supersedes the earlier one, which is kept."""
    from .models import SignedSummary
    from .signed_summary import check_upload

    submission = _locked(submission)
    assert_editable(submission=submission, what=rules.SEND, now=now)
    checked = check_upload(submission, name=upload.name, data=upload.data)
    report, exported, cert = checked.report, checked.exported, checked.report.certificate
    summary = SignedSummary(
        submission=submission, original_name=upload.name[:255], size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(), fingerprint=exported.fingerprint,
        leaf_digests=exported.leaves, exported_at=exported.exported_at,
        signer_name=(cert.signer if cert else ", ".join(report.signers))[:255],
        certificate_subject=(cert.subject if cert else "")[:500],
        certificate_issuer=(cert.issuer if cert else "")[:500],
        serial=(cert.serial if cert else "")[:100], signed_at=report.signed_at, status=report.status,
        message=report.message[:500], uploaded_by=actor, uploaded_at=_now(now),
    )
    summary.file.save("x.pdf", ContentFile(upload.data), save=False)
    summary.save()
    return summary


# --------------------------------------------------------------------------- reminders to chosen units (issue #14.2)


@dataclass
class ChosenReminders:
    """What ``reminders_send_chosen`` did: the units reminded, and those that have no address to write to."""

    sent: list[Unit]
    without_address: list[Unit]


def reminders_send_chosen(*, actor: User, submission_ids: list[int], now: datetime | None = None
                          ) -> ChosenReminders:
    """The secretariat reminds the units of the chosen sheets, in one action, that their self-assessment is
    still unsent: one e-mail per unit to its officers and approvers (and the unit's own address), with the
    deadline in Vietnam time and the link to the score page. All or nothing on the checks: a sheet outside
    the authorities of ``actor``'s secretariat roles, or already sent or locked, refuses the whole action and
    nothing is sent. Each e-mail is recorded (``ManualReminder``: who, when, to whom)."""
    from django.urls import reverse

    from config.mail import send_notice, site_link

    from .permissions import secretariat_authority_ids
    from .reminder_models import ManualReminder

    ids = sorted({int(pk) for pk in submission_ids})
    if not ids:
        raise ValidationError("Chưa chọn đơn vị nào để gửi thư nhắc.")
    sheets = list(with_deadline(Submission.objects.filter(pk__in=ids)).select_related("unit", "period")
                  .order_by("unit__name"))
    allowed = set(secretariat_authority_ids(actor))
    outside = len(ids) - sum(1 for s in sheets if s.period.authority_id in allowed)
    if outside:  # not named: the names of another authority's units are not this person's to read
        raise ValidationError(f"Không gửi thư nhắc nào: {outside} báo cáo được chọn không thuộc thẩm quyền của cơ "
                              "quan bạn.", code="outside")
    moment = _now(now)
    done = [s for s in sheets if s.status != Submission.DRAFT or s.closes_at <= moment]
    if done:
        raise ValidationError("Không gửi thư nhắc nào: báo cáo đã gửi hoặc đã hết hạn gửi ("
                              + ", ".join(str(s.unit) for s in done) + ").")
    emails: dict[int, set[str]] = {}
    for unit_id, email in Role.objects.filter(unit_id__in={s.unit_id for s in sheets},
                                              kind__in=Role.UNIT_KINDS).values_list("unit_id", "user__email"):
        emails.setdefault(unit_id, set()).add(email)
    result = ChosenReminders(sent=[], without_address=[])
    for sheet in sheets:
        to = sorted({e.strip() for e in emails.get(sheet.unit_id, set()) | {sheet.unit.email} if e and e.strip()})
        subject = f"Nhắc gửi báo cáo tự chấm điểm — {sheet.period.name}"
        body = (f"{sheet.unit} chưa gửi báo cáo tự chấm điểm. Hạn gửi: {rules.local(sheet.closes_at)} "
                "(giờ Việt Nam); sau thời điểm này hệ thống tự động khóa và không nhận báo cáo.\n"
                f"Thư này do {actor} ({sheet.period.authority}) gửi.\n\n"
                f"Cập nhật báo cáo tại: {site_link(reverse('submissions:score_page', args=[sheet.pk]))}")
        delivered = send_notice(to=to, subject=subject, body=body) if to else 0
        ManualReminder.objects.create(submission=sheet, sent_by=actor, sent_at=moment, subject=subject,
                                      recipients=", ".join(to), delivered=delivered)
        (result.sent if delivered else result.without_address).append(sheet.unit)
    return result
