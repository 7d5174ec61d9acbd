"""A block's own deadlines for the council's appraisal and the leaders' forms (issue #13 item 5; seed 004 §3:
"gửi kết quả đánh giá về Phòng Nội vụ … trước ngày 15/12"), set on the period form
(``submissions.phase_deadlines``, ``PeriodBlock.appraisal_deadline`` / ``leader_deadline``).

* Enforcement: once a block's appraisal deadline has passed, no appraised score, quality level or request for
  supplementation of a sheet of that block is accepted (``assert_appraisal_open``); once its leaders'
  deadline has passed, no leader's form of a unit of that block (``assert_leader_open``). Half-open like the
  sending deadline: at the deadline itself nothing is accepted. Empty, today's rules hold (the round's
  closing; the Điều 9.5 count is a warning).
* The Điều 9.5 count (``appraisal.selectors.period_countdowns``) runs to the block's appraisal deadline when it
  has one (``fixed_countdown``), else 50 working days from the sheet's receipt.
* Reminders (``reminders_send``, beat task ``appraisal.tasks.send_phase_reminders``): 3 days, 1 day and 3 hours
  before each deadline, the most urgent one due, once per deadline, recipient and kind
  (``DeadlineReminder``): a council member with criteria of the block left, a leader with forms left. Each
  mail carries the link of the page that needs action.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from criteria.scoring import SURVEY
from submissions.models import PeriodBlock, Role, Submission
from submissions.phase_deadlines import APPRAISAL, LEADER, shown

from .rules import Countdown, working_days_between

# --------------------------------------------------------------------------- pure


def fixed_countdown(*, received: date, due: date, today: date, holidays: Iterable[date] = ()) -> Countdown:
    """The Điều 9.5 count of a sheet whose block has its own appraisal deadline: due on that deadline's local
    day; ``left`` the working days from ``today`` to it (0 on the day, negative once past)."""
    holidays = frozenset(holidays)
    left = (working_days_between(today, due, holidays) if due >= today
            else -working_days_between(due, today, holidays))
    return Countdown(received=received, due=due, today=today, left=left)


def appraisal_refusal(block, deadline: datetime) -> str:
    return (f"Đã hết hạn thẩm định của {block} lúc {shown(deadline)}: hệ thống không nhận thay đổi điểm thẩm định, "
            "mức chất lượng hay yêu cầu bổ sung của khối này (cơ quan thường trực gia hạn ở trang sửa kỳ nếu cần).")


def leader_refusal(block, unit, deadline: datetime) -> str:
    return (f"Đã hết hạn phiếu đánh giá của Lãnh đạo đối với {block} lúc {shown(deadline)}: hệ thống không nhận "
            f"phiếu đánh giá {unit} nữa.")


# --------------------------------------------------------------------------- enforcement


def _own(submission: Submission, field: str):
    """(the block's own ``field`` deadline or None, the block) of ``submission``'s block in its period."""
    row = (PeriodBlock.objects.filter(period_id=submission.period_id, block_id=submission.block_id)
           .select_related("block").only(field, "block__name").first())
    return (getattr(row, field), row.block) if row else (None, None)


def assert_appraisal_open(*, submission: Submission, now: datetime | None = None) -> None:
    """Refuse (``ValidationError``) a council's change to ``submission`` after its block's appraisal deadline."""
    deadline, block = _own(submission, APPRAISAL)
    if deadline is not None and (now or timezone.now()) >= deadline:
        raise ValidationError(appraisal_refusal(block, deadline), code="deadline")


def assert_leader_open(*, submission: Submission, now: datetime | None = None) -> None:
    """Refuse (``ValidationError``) a leader's form of ``submission``'s unit after its block's leaders' deadline."""
    deadline, block = _own(submission, LEADER)
    if deadline is not None and (now or timezone.now()) >= deadline:
        raise ValidationError(leader_refusal(block, submission.unit, deadline), code="deadline")


# --------------------------------------------------------------------------- reminders


def link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _due_kind(deadline: datetime, now: datetime):
    """(kind, label) of the most urgent reminder due at ``now`` for ``deadline``, None when none is."""
    from submissions.services import REMINDERS

    left = deadline - now
    due = [(kind, label) for kind, before, label in REMINDERS if timedelta(0) < left <= before]
    return due[-1] if due else None


def _claim(*, period_block: PeriodBlock, user, phase: str, deadline: datetime, kind: str) -> bool:
    """Record the reminder; False when it was already sent (the unique key), so it is never sent twice."""
    from .models import DeadlineReminder

    try:
        with transaction.atomic():
            DeadlineReminder.objects.create(period_id=period_block.period_id, block_id=period_block.block_id,
                                            user=user, phase=phase, deadline=deadline, kind=kind)
    except IntegrityError:
        return False
    return True


def _council_pending(period_block: PeriodBlock) -> dict:
    """Council seat → names of the units of the block whose criteria of that seat are not all appraised."""
    from .models import CouncilMember
    from .selectors import member_queue

    pending = {}
    for seat in CouncilMember.objects.filter(period_id=period_block.period_id).select_related("user", "period"):
        units = [row.submission.unit.name for row in member_queue(seat)
                 if row.submission.block_id == period_block.block_id and not row.done]
        if units:
            pending[seat] = units
    return pending


def _leaders_pending(period_block: PeriodBlock) -> dict:
    """Leader → names of the units of the block whose form that leader has not sent (frameworks with a survey)."""
    from criteria.models import Node

    from .models import LeaderForm

    sheets = [s for s in Submission.objects.filter(period_id=period_block.period_id, block_id=period_block.block_id)
              .select_related("unit").order_by("unit__name")]
    surveyed = set(Node.objects.filter(framework_id__in={s.framework_id for s in sheets}, rule__kind=SURVEY)
                   .values_list("framework_id", flat=True))
    sheets = [s for s in sheets if s.framework_id in surveyed]
    if not sheets:
        return {}
    sent = defaultdict(set)
    for leader_id, unit_id in LeaderForm.objects.filter(period_id=period_block.period_id,
                                                        submitted_at__isnull=False).values_list("leader_id",
                                                                                                  "unit_id"):
        sent[leader_id].add(unit_id)
    pending = {}
    for role in Role.objects.filter(kind=Role.LEADER, authority_id=period_block.period.authority_id
                                    ).select_related("user"):
        units = [s.unit.name for s in sheets if s.unit_id not in sent[role.user_id]]
        if units:
            pending[role.user] = units
    return pending


def _units(names: list[str]) -> str:
    shown_names = ", ".join(names[:10])
    return shown_names + (f" và {len(names) - 10} đơn vị khác" if len(names) > 10 else "")


def reminders_send(*, now: datetime | None = None) -> int:
    """E-mail, 3 days, 1 day and 3 hours before a block's appraisal deadline, each council member with criteria of
    the block left, and before its leaders' deadline, each leader with forms left (each once per deadline,
    recipient and kind; earlier kinds missed are not sent late). Only while the period's round is open.
    Returns the number of e-mails sent."""
    from config.mail import send_notice

    from .models import AppraisalRound, DeadlineReminder

    now = now or timezone.now()
    closed = set(AppraisalRound.objects.filter(closed_at__isnull=False).values_list("period_id", flat=True))
    sent = 0
    for phase, field in ((DeadlineReminder.APPRAISAL, APPRAISAL), (DeadlineReminder.LEADER, LEADER)):
        window = {f"{field}__gt": now, f"{field}__lte": now + timedelta(days=3)}
        for period_block in (PeriodBlock.objects.filter(**window).exclude(period_id__in=closed)
                             .select_related("period", "block")):
            deadline = getattr(period_block, field)
            if (due := _due_kind(deadline, now)) is None:
                continue
            kind, label = due
            period, block = period_block.period, period_block.block
            if phase == DeadlineReminder.APPRAISAL:
                for seat, units in _council_pending(period_block).items():
                    if not _claim(period_block=period_block, user=seat.user, phase=phase, deadline=deadline,
                                  kind=kind):
                        continue
                    url = link(reverse("appraisal:queue", args=[seat.pk]) + f"?khoi={block.code}&chua_xong=1")
                    sent += bool(send_notice(
                        to=[seat.user.email], subject=f"Còn {label} đến hạn thẩm định — {block}, {period.name}",
                        body=(f"{seat.agency} còn tiêu chí chưa thẩm định của {len(units)} đơn vị thuộc {block}: "
                              f"{_units(units)}.\nHạn thẩm định: {shown(deadline)}; sau thời điểm này hệ thống "
                              f"không nhận điểm thẩm định của khối.\n\nThẩm định tại: {url}")))
            else:
                for leader, units in _leaders_pending(period_block).items():
                    if not _claim(period_block=period_block, user=leader, phase=phase, deadline=deadline,
                                  kind=kind):
                        continue
                    url = link(reverse("appraisal:leader_forms", args=[period.pk]))
                    sent += bool(send_notice(
                        to=[leader.email],
                        subject=f"Còn {label} đến hạn phiếu đánh giá của Lãnh đạo — {block}, {period.name}",
                        body=(f"Đồng chí còn {len(units)} phiếu đánh giá chưa gửi của {block}: {_units(units)}.\n"
                              f"Hạn gửi phiếu: {shown(deadline)}; sau thời điểm này hệ thống không nhận phiếu "
                              f"của khối.\n\nĐiền phiếu tại: {url}")))
    return sent
