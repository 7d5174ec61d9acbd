"""Paper dossiers (issue #13 item 2; seed 004 §2.2): in a block marked "nộp hồ sơ giấy" the units send their
self-assessment on paper ("chấm điểm bằng hình thức trực tiếp … bản giấy"); the secretariat records the day
each dossier was received; the appraisal team (a council member of the period) enters the self-scores,
explanations and scans from an on-time dossier and then passes the sheet to the normal appraisal ("nhận hồ sơ
giấy": draft or locked → sent, recorded like every one-way step). A dossier received after the block's
deadline is kept with its date and never entered: the sheet stays unsent, is not appraised and ranks like
any sheet unsent at the deadline (seed 004: "không tiến hành đánh giá đối với những đơn vị gửi báo cáo chậm").

The normal path is unchanged: ``submissions.services.entry_save`` and ``evidence_add`` still refuse every
change after the deadline or once sent. Paper entry is a separate, narrow path (``paper_entry_save``,
``paper_evidence_add``) built from the same lower-level pieces (``score_change``, ``explanation_change``, the file and
document-number checks), allowed only by :func:`entry_refusal`: a paper block, a dossier received on time, the
sheet not yet sent, the round not closed, a seat on the period's council. Every entry it writes carries
``PAPER_REASON`` in its history (``history_change_reason``), which is how the sheet, the history, the PDF and
the Excel show "Nhập từ hồ sơ giấy" with who and when (:func:`paper_marks`).

Pure checks first (no database), then reads, then writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from config.versioning import check_version, locked_row, stamp
from criteria.inputs import clean_text, explanation_change, score_apply, score_change
from criteria.models import Node
from submissions.models import Entry, Evidence, PeriodBlock, Submission
from submissions.rules import LOCAL, local
from submissions.services import Upload, evidence_fields, evidence_store
from submissions.transitions import MEMBER, transition

from .models import AppraisalRound, CouncilMember, PaperBlock, PaperDossier

#: The history reason of every change written by the paper path, and the mark shown beside it.
PAPER_REASON = "Nhập từ hồ sơ giấy"
MARK = "Nhập từ hồ sơ giấy"


# --------------------------------------------------------------------------- pure checks


def last_day(deadline: datetime) -> date:
    """The last Vietnam-local day on which a dossier counts as received on time: the deadline's day (a date
    carries no hour, so a dossier of that day is given the benefit), the day before for a deadline at 00:00."""
    return (deadline - timedelta(microseconds=1)).astimezone(LOCAL).date()


def is_late(received_on: date, deadline: datetime) -> bool:
    return received_on > last_day(deadline)


def received_on_problems(received_on: date | None, *, today: date, opens_at: datetime) -> list[str]:
    """What is wrong with a typed receipt date (empty: nothing)."""
    if received_on is None:
        return ["Hãy nhập ngày nhận hồ sơ giấy (ngày/tháng/năm)."]
    if received_on > today:
        return [f"Ngày nhận hồ sơ giấy ({received_on:%d/%m/%Y}) không được sau hôm nay ({today:%d/%m/%Y})."]
    opened = opens_at.astimezone(LOCAL).date()
    if received_on < opened:
        return [f"Ngày nhận hồ sơ giấy ({received_on:%d/%m/%Y}) trước ngày mở kỳ đánh giá ({opened:%d/%m/%Y})."]
    return []


def entry_refusal(*, paper: bool, unit: str, block: str, status: str, received_on: date | None,
                  deadline: datetime, round_closed: bool) -> str:
    """Why the appraisal team may not enter this sheet from a paper dossier now ("" when it may)."""
    if not paper:
        return (f"{block} không nộp hồ sơ giấy: {unit} tự nhập và gửi báo cáo trên phần mềm, Tổ thẩm định "
                "không nhập thay.")
    if round_closed:
        return "Đợt thẩm định đã kết thúc: không nhập hồ sơ giấy được nữa."
    if status == Submission.SENT:
        return f"Báo cáo của {unit} đã được gửi đi (đã nhận hồ sơ giấy) nên không thể thay đổi."
    if received_on is None:
        return (f"Chưa ghi ngày nhận hồ sơ giấy của {unit}: cơ quan thường trực ghi ngày nhận hồ sơ trước khi Tổ "
                "thẩm định nhập.")
    if is_late(received_on, deadline):
        return (f"Hồ sơ giấy của {unit} nhận ngày {received_on:%d/%m/%Y}, sau hạn gửi của khối "
                f"({local(deadline)}): không tiến hành đánh giá đối với đơn vị gửi báo cáo chậm, nên không nhập "
                "điểm tự chấm từ hồ sơ này.")
    return ""


# --------------------------------------------------------------------------- reads


def block_deadline(period_block: PeriodBlock) -> datetime:
    """The block's own deadline in the period, else the period's."""
    return period_block.deadline or period_block.period.closes_at


def paper_block_of(submission: Submission) -> PaperBlock | None:
    return (PaperBlock.objects.filter(period_block__period_id=submission.period_id,
                                      period_block__block_id=submission.block_id)
            .select_related("period_block__period", "period_block__block", "enabled_by").first())


@dataclass
class PaperState:
    """A sheet of a paper block as its pages show it."""

    paper_block: PaperBlock
    dossier: PaperDossier | None
    deadline: datetime
    refusal: str  # why the team may not enter it now ("" when it may)

    @property
    def late(self) -> bool:
        return bool(self.dossier) and is_late(self.dossier.received_on, self.deadline)


def _round_closed(period_id: int) -> bool:
    return AppraisalRound.objects.filter(period_id=period_id, status=AppraisalRound.Status.CLOSED).exists()


def paper_state(submission: Submission, paper_block: PaperBlock | None = None) -> PaperState | None:
    """None when the sheet's block does not send on paper."""
    paper_block = paper_block or paper_block_of(submission)
    if paper_block is None:
        return None
    dossier = PaperDossier.objects.filter(submission=submission).select_related("recorded_by").first()
    deadline = block_deadline(paper_block.period_block)
    refusal = entry_refusal(paper=True, unit=str(submission.unit), block=str(paper_block.period_block.block),
                            status=submission.status, received_on=dossier.received_on if dossier else None,
                            deadline=deadline, round_closed=_round_closed(submission.period_id))
    return PaperState(paper_block, dossier, deadline, refusal)


@dataclass(frozen=True)
class Mark:
    """The last entry from a paper dossier on one criterion: who entered it and when."""

    user: object
    at: datetime

    def __str__(self) -> str:
        return f"{MARK}: {self.user}, {timezone.localtime(self.at):%H:%M %d/%m/%Y}"


def paper_marks(submission: Submission) -> dict[int, Mark]:
    """node id → the last change of its entry written from a paper dossier, in one query."""
    marks: dict[int, Mark] = {}
    for record in (Entry.history.filter(submission_id=submission.pk, history_change_reason=PAPER_REASON)
                   .select_related("history_user").order_by("history_date", "history_id")):
        marks[record.node_id] = Mark(record.history_user, record.history_date)
    return marks


def mark_sheet(sheet) -> PaperState | None:
    """Give every leaf of a ``submissions.selectors.Sheet`` its ``paper`` mark (None when not entered from
    paper) and return the sheet's paper state (None outside a paper block: one query, nothing else)."""
    state = paper_state(sheet.submission)
    marks = paper_marks(sheet.submission) if state else {}
    for leaf in sheet.leaves:
        leaf.paper = marks.get(leaf.node.id)
    return state


def with_paper_flag(queryset):
    """``queryset`` of submissions annotated ``on_paper`` (their block of the period sends on paper), so that
    :func:`unit_write_refusal` reads it without a query of its own (the save path)."""
    from django.db.models import Exists, OuterRef

    return queryset.annotate(on_paper=Exists(PaperBlock.objects.filter(
        period_block__period_id=OuterRef("period_id"), period_block__block_id=OuterRef("block_id"))))


def unit_write_refusal(submission: Submission, *, send: bool = False) -> str:
    """Why the unit's own accounts may not write this sheet ("" when they may): in a paper block the team
    enters the sheet from the dossier and the unit reads it; once passed to appraisal (sent), the unit answers
    supplementation windows like any unit, but never sends or withdraws it."""
    if not send and submission.status == Submission.SENT:
        return ""
    on_paper = getattr(submission, "on_paper", None)
    if on_paper is None:
        on_paper = paper_block_of(submission) is not None
    if not on_paper:
        return ""
    return (f"{submission.block} nộp hồ sơ giấy: báo cáo do Tổ thẩm định nhập từ hồ sơ giấy của đơn vị; tài "
            "khoản của đơn vị chỉ xem.")


def seat_for(user, submission: Submission) -> CouncilMember:
    """The user's seat on the period's council that may enter this sheet, else PermissionDenied (403)."""
    from .permissions import member_home_unit_ids

    seats = list(CouncilMember.objects.filter(user_id=getattr(user, "pk", None), period_id=submission.period_id)
                 .select_related("user"))
    if not seats:
        raise PermissionDenied("Chỉ thành viên Hội đồng (Tổ thẩm định) của kỳ đánh giá được nhập hồ sơ giấy.")
    for seat in seats:
        if submission.unit_id not in member_home_unit_ids(seat):
            return seat
    raise PermissionDenied("Thành viên không nhập hồ sơ giấy của đơn vị mình công tác.")


@dataclass
class DossierRow:
    submission: Submission
    dossier: PaperDossier | None
    late: bool
    marked: int


def block_rows(period_block: PeriodBlock) -> list[DossierRow]:
    """Every sheet of a paper block with its dossier (a constant number of queries)."""
    submissions = list(Submission.objects.filter(period_id=period_block.period_id, block_id=period_block.block_id)
                       .select_related("unit", "sent_by").order_by("unit__name"))
    dossiers = {d.submission_id: d for d in PaperDossier.objects.filter(submission__in=submissions)
                .select_related("recorded_by")}
    counts: dict[int, set[int]] = {}
    for submission_id, node_id in (Entry.history.filter(submission_id__in=[s.pk for s in submissions],
                                                         history_change_reason=PAPER_REASON)
                                   .values_list("submission_id", "node_id")):
        counts.setdefault(submission_id, set()).add(node_id)
    deadline = block_deadline(period_block)
    return [DossierRow(s, dossiers.get(s.pk), bool(dossiers.get(s.pk)) and is_late(dossiers[s.pk].received_on,
                                                                                     deadline),
                       len(counts.get(s.pk, ()))) for s in submissions]


# --------------------------------------------------------------------------- writes (secretariat)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


@transaction.atomic
def paper_block_set(*, period_block: PeriodBlock, enabled: bool, actor, note: str = "",
                    now: datetime | None = None) -> PaperBlock | None:
    """Mark a block of a period "nộp hồ sơ giấy" (or unmark it). Refused once the round is closed; marking,
    when a sheet of the block was already sent on the software or when the period appraises sheets unsent at
    the deadline (a late dossier would then be appraised); unmarking, once a dossier of the block is recorded."""
    period_block = PeriodBlock.objects.select_for_update().select_related("period", "block").get(pk=period_block.pk)
    period, block = period_block.period, period_block.block
    current = PaperBlock.objects.filter(period_block=period_block).first()
    if _round_closed(period.pk):
        raise ValidationError("Đợt thẩm định đã kết thúc: không thay đổi hình thức nộp hồ sơ của khối được nữa.")
    if not enabled:
        if current is None:
            return None
        if PaperDossier.objects.filter(submission__period=period, submission__block=block).exists():
            raise ValidationError(f"Đã ghi nhận hồ sơ giấy của đơn vị trong {block}: không bỏ hình thức nộp hồ sơ "
                                  "giấy được.")
        current.delete()
        return None
    note = clean_text(note, label="Căn cứ", max_length=255)
    if current:
        current.note = note
        current.save(update_fields=["note"])
        return current
    problems = []
    if period.setting("unsent_at_deadline") == "appraised":
        problems.append("Kỳ đang áp dụng cách hiểu “báo cáo chưa gửi khi hết hạn vẫn được thẩm định”; khối nộp hồ "
                        "sơ giấy cần cách hiểu “không thẩm định” để hồ sơ nộp chậm không được đánh giá (seed 004).")
    sent = list(Submission.objects.filter(period=period, block=block, status=Submission.SENT)
                .values_list("unit__name", flat=True))
    if sent:
        problems.append(f"Đã có báo cáo gửi trên phần mềm trong {block}: {', '.join(sorted(sent))}.")
    if problems:
        raise ValidationError([f"Chưa chuyển {block} sang nộp hồ sơ giấy được:"] + problems)
    return PaperBlock.objects.create(period_block=period_block, note=note, enabled_by=actor, enabled_at=_now(now))


@transaction.atomic
def dossier_record(*, submission: Submission, received_on: date | None, actor, note: str = "",
                   now: datetime | None = None) -> PaperDossier:
    """Record (or correct, before anything is entered from it) the day a unit's paper dossier was received.
    A late day is recorded like any other: the sheet is then never entered (:func:`entry_refusal`)."""
    submission = Submission.objects.select_for_update().select_related("period", "unit").get(pk=submission.pk)
    paper_block = paper_block_of(submission)
    if paper_block is None:
        raise ValidationError(f"{submission.block} không nộp hồ sơ giấy: không ghi ngày nhận hồ sơ giấy được.")
    if _round_closed(submission.period_id):
        raise ValidationError("Đợt thẩm định đã kết thúc: không ghi ngày nhận hồ sơ giấy được nữa.")
    if submission.status == Submission.SENT:
        raise ValidationError(f"Báo cáo của {submission.unit} đã được gửi đi: không sửa ngày nhận hồ sơ giấy được.")
    problems = received_on_problems(received_on, today=timezone.localdate(_now(now)),
                                    opens_at=submission.period.opens_at)
    if problems:
        raise ValidationError(problems)
    note = clean_text(note, label="Ghi chú", max_length=500)
    dossier = PaperDossier.objects.select_for_update().filter(submission=submission).first()
    if dossier and dossier.received_on != received_on and Entry.history.filter(
            submission_id=submission.pk, history_change_reason=PAPER_REASON).exists():
        raise ValidationError(f"Tổ thẩm định đã nhập điểm từ hồ sơ giấy của {submission.unit}: không sửa ngày nhận "
                              "hồ sơ được.")
    dossier = dossier or PaperDossier(submission=submission)
    dossier.received_on, dossier.note = received_on, note
    dossier.recorded_by, dossier.recorded_at = actor, _now(now)
    dossier._history_user = actor
    dossier.save()
    return dossier


# --------------------------------------------------------------------------- writes (appraisal team)


def _enterable(submission: Submission, actor) -> tuple[Submission, CouncilMember, PaperState]:
    """The sheet locked for the transaction, the actor's seat and the paper state, or a refusal:
    PermissionDenied for a person without a seat, ValidationError (what is wrong, in Vietnamese) otherwise."""
    submission = (Submission.objects.select_for_update().select_related("period", "unit", "block")
                  .get(pk=submission.pk))
    seat = seat_for(actor, submission)
    state = paper_state(submission)
    if state is None:
        raise ValidationError(entry_refusal(paper=False, unit=str(submission.unit), block=str(submission.block),
                                            status=submission.status, received_on=None,
                                            deadline=submission.period.closes_at, round_closed=False))
    if state.refusal:
        raise ValidationError(state.refusal)
    return submission, seat, state


def _leaf(submission: Submission, node: Node) -> Node:
    if node.framework_id != submission.framework_id or not node.unit_scored:
        raise ValidationError("Tiêu chí không thuộc bộ tiêu chí của báo cáo hoặc không phải tiêu chí đơn vị tự chấm.")
    return node


@transaction.atomic
def paper_entry_save(*, submission: Submission, node: Node, actor, version: int, value: str | None = None,
                     explanation: str | None = None, special: str | None = None, count: str | None = None,
                     now: datetime | None = None) -> Entry:
    """The team enters one criterion's self-score and/or explanation as the dossier states it. Same inputs,
    scoring and version check as ``submissions.services.entry_save``; allowed by :func:`entry_refusal` instead
    of the deadline. The history row carries ``PAPER_REASON``, the entry who entered it and when."""
    submission, _seat, _state = _enterable(submission, actor)
    _leaf(submission, node)
    entry = locked_row(Entry, submission=submission, node=node)
    check_version(entry, version, what=f"Tiêu chí {node.code}")
    changed = False
    if (typed := score_change(entry, node, value=value, special=special, count=count)) is not None:
        score_apply(entry, typed)
        changed = True
    if (text := explanation_change(entry, explanation)) is not None:
        entry.explanation = text
        changed = True
    if changed:
        stamp(entry, actor=actor, now=_now(now))
        entry._change_reason = PAPER_REASON
        entry.save()
    return entry


@transaction.atomic
def paper_evidence_add(*, submission: Submission, node: Node, actor, upload: Upload, doc_number: str,
                       doc_date: date | None, issuer: str, now: datetime | None = None) -> tuple[Evidence, list[str]]:
    """The team attaches a scan of the dossier's document to a criterion: the same checks of the content, the
    size and the document number as ``submissions.services.evidence_add``, allowed by :func:`entry_refusal`."""
    submission, _seat, _state = _enterable(submission, actor)
    _leaf(submission, node)
    kind, number, issuer = evidence_fields(upload=upload, doc_number=doc_number, issuer=issuer, doc_date=doc_date,
                                           now=now)
    entry, _ = Entry.objects.get_or_create(submission=submission, node=node)
    return evidence_store(entry=entry, upload=upload, kind=kind, number=number, issuer=issuer, doc_date=doc_date,
                          actor=actor, now=now, reason=PAPER_REASON)


def send_missing(submission: Submission) -> list[str]:
    """What stands between an entered paper sheet and the appraisal: every criterion scored and supported as
    the period requires (``submission_completeness``), like any sheet sent."""
    from submissions.selectors import submission_completeness

    return submission_completeness(submission).blocking


@transaction.atomic
def paper_send(*, submission: Submission, actor, now: datetime | None = None) -> Submission:
    """"Nhận hồ sơ giấy": the team has entered the on-time dossier; the sheet goes to the normal appraisal
    (draft or locked → sent, sent by the team member, recorded with the day the dossier was received)."""
    from submissions.selectors import submission_self_total
    from submissions.states import SUBMISSION

    submission = (Submission.objects.select_for_update().select_related("period", "unit", "block")
                  .get(pk=submission.pk))
    seat = seat_for(actor, submission)
    state = paper_state(submission)
    missing = [state.refusal] if state and state.refusal and submission.status != Submission.SENT else []
    if state is None:
        missing = [f"{submission.block} không nộp hồ sơ giấy."]
    if not missing:
        missing = send_missing(submission)
    received = f"ngày {state.dossier.received_on:%d/%m/%Y}" if state and state.dossier else ""
    transition(SUBMISSION, submission, "paper_send", actor=actor, roles={MEMBER}, missing=missing,
               note=f"Nhận hồ sơ giấy {received}; {MARK.lower()}: {seat.user} ({seat.agency}).".replace("  ", " "),
               at=_now(now))
    submission.sent_at, submission.sent_by = _now(now), actor
    submission.self_total = submission_self_total(submission)
    submission.save(update_fields=["status", "sent_at", "sent_by", "self_total"])
    return submission
