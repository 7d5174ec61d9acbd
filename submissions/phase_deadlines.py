"""A block's own deadlines after the sending (issue #13 item 5; seed 004: communes send by 05/12, departments by
15/12, the Tổ thẩm định sends its appraisal by 15/12, publication by 20/12): ``PeriodBlock.appraisal_deadline``
for the council's appraisal and ``PeriodBlock.leader_deadline`` for the leaders' forms. Empty, today's rules
hold: the Điều 9.5 count of 50 working days from each sheet's receipt, and forms until the round closes.

Set on the secretariat's period form (``submissions.services.period_save(..., phase_deadlines=)``); enforced,
counted down and reminded by ``appraisal.deadlines`` (the stage that owns the council and the leaders).

Pure functions first (no database: the checks, the words pages show), then the reads and the one write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError

from config.dates import VIETNAM as LOCAL
from config.dates import VNDateTimeField

APPRAISAL = "appraisal_deadline"
LEADER = "leader_deadline"
FIELDS = (APPRAISAL, LEADER)
LABELS = {APPRAISAL: "Hạn thẩm định", LEADER: "Hạn phiếu đánh giá của Lãnh đạo"}
#: What holds when the block has no deadline of its own (the pages say it).
DEFAULTS = {APPRAISAL: "50 ngày làm việc từ ngày nhận báo cáo (Điều 9.5)",
            LEADER: "đến khi kết thúc đợt thẩm định"}

# --------------------------------------------------------------------------- pure


def shown(instant: datetime) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time, whatever the server's zone."""
    return f"{instant.astimezone(LOCAL):%d/%m/%Y %H:%M}"


def problems(*, appraisal: datetime | None, leader: datetime | None, sending: datetime,
             opens_at: datetime) -> dict[str, str]:
    """Field → why that deadline of a block cannot stand (empty: both can). The council appraises what was
    sent, so its deadline is not before the block's sending deadline (``sending``: the block's own, else the
    period's); the leaders' forms are about the period, so theirs falls after its opening."""
    found = {}
    if appraisal is not None and appraisal < sending:
        found[APPRAISAL] = (f"Hạn thẩm định ({shown(appraisal)}) không được trước hạn gửi báo cáo của khối "
                            f"({shown(sending)}).")
    if leader is not None and leader <= opens_at:
        found[LEADER] = (f"Hạn phiếu đánh giá của Lãnh đạo ({shown(leader)}) phải sau thời điểm mở nhận báo cáo "
                         f"({shown(opens_at)}).")
    return found


def countdown(deadline: datetime, now: datetime) -> str:
    """"còn 3 ngày", "còn 5 giờ", "còn 20 phút" (whole units, rounded down), then "đã hết hạn"."""
    left = deadline - now
    if left <= timedelta(0):
        return "đã hết hạn"
    if left >= timedelta(days=1):
        return f"còn {left.days} ngày"
    if left >= timedelta(hours=1):
        return f"còn {left.seconds // 3600} giờ"
    return f"còn {max(1, left.seconds // 60)} phút"


@dataclass(frozen=True)
class Deadline:
    """One deadline of a block as pages show it: ``at`` None means the default rule (``rule``) holds."""

    label: str
    at: datetime | None
    rule: str
    now: datetime

    @property
    def text(self) -> str:
        if self.at is None:
            return f"{self.label}: {self.rule}"
        return f"{self.label}: {shown(self.at)} ({countdown(self.at, self.now)})"

    @property
    def passed(self) -> bool:
        return self.at is not None and self.now >= self.at


@dataclass(frozen=True)
class BlockDeadlines:
    """The sending, appraisal and leaders' deadlines of one block in a period."""

    block: object
    sending: Deadline
    appraisal: Deadline
    leader: Deadline

    def __iter__(self):
        return iter((self.sending, self.appraisal, self.leader))


def block_deadlines(period_block, now: datetime) -> BlockDeadlines:
    """``period_block`` (a PeriodBlock with its period) as its three deadlines."""
    sending = period_block.deadline or period_block.period.closes_at
    return BlockDeadlines(
        block=period_block.block,
        sending=Deadline("Hạn gửi báo cáo", sending, "", now),
        appraisal=Deadline(LABELS[APPRAISAL], period_block.appraisal_deadline, DEFAULTS[APPRAISAL], now),
        leader=Deadline(LABELS[LEADER], period_block.leader_deadline, DEFAULTS[LEADER], now))


# --------------------------------------------------------------------------- reads and the write


def period_deadlines(period, now: datetime, block_ids=None) -> list[BlockDeadlines]:
    """Every block of ``period`` (only ``block_ids`` when given) with its deadlines, in the blocks' order."""
    found = period.blocks.select_related("block", "period").order_by("block__ordering", "block__name")
    if block_ids is not None:
        found = found.filter(block_id__in=list(block_ids))
    return [block_deadlines(pb, now) for pb in found]


def period_block_deadlines_set(*, period_block, values: dict[str, datetime | None]) -> bool:
    """Set a block's appraisal and leaders' deadlines (keys of ``values`` among ``FIELDS``; a missing key keeps
    the stored value). Called by ``period_save`` inside its transaction, after the sending deadline is set.
    Refused (``ValidationError`` naming the block) when ``problems`` finds one; returns whether it changed."""
    wanted = {name: values.get(name, getattr(period_block, name)) for name in FIELDS}
    found = problems(appraisal=wanted[APPRAISAL], leader=wanted[LEADER],
                     sending=period_block.deadline or period_block.period.closes_at,
                     opens_at=period_block.period.opens_at)
    if found:
        raise ValidationError([f"{period_block.block}: {text}" for text in found.values()])
    changed = [name for name in FIELDS if wanted[name] != getattr(period_block, name)]
    for name in changed:
        setattr(period_block, name, wanted[name])
    if changed:
        period_block.save(update_fields=changed)
    return bool(changed)


# --------------------------------------------------------------------------- the period form


def form_fields(block, period_block) -> dict:
    """The period form's two fields of ``block`` (``appraisal_deadline_<pk>``, ``leader_deadline_<pk>``),
    initial from ``period_block`` (None: the block does not take part yet)."""
    helps = {APPRAISAL: "Để trống: 50 ngày làm việc từ ngày nhận báo cáo (Điều 9.5). Không trước hạn gửi của khối.",
             LEADER: "Để trống: đến khi kết thúc đợt thẩm định."}
    return {f"{name}_{block.pk}": VNDateTimeField(
        required=False, label=f"{LABELS[name]} — {block}",
        initial=getattr(period_block, name) if period_block else None, help_text=helps[name]) for name in FIELDS}


def form_values(cleaned_data: dict, block) -> dict[str, datetime | None]:
    return {name: cleaned_data.get(f"{name}_{block.pk}") for name in FIELDS}
