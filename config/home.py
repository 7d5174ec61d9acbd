"""What waits for each person on the site's home page (issue #14 item 2): reads only, one function per role.

* officer / approver of a unit: each open sheet with its deadline as a countdown in Vietnam time, its progress,
  the criteria assigned to the person still empty; the open supplementation requests of the unit's sheets;
* council member: per seat, the units with criteria of the seat left and the working days left of Điều 9.5
  (``appraisal.selectors.period_countdowns``);
* leader: the units whose form the leader has not sent; chairman: the blocks submitted for approval;
* secretariat: the unsent sheets of open periods with progress and last activity, the appraising agencies
  without a council member, for the reminder form (``submissions.services.reminders_send_chosen``).

The secretariat's part costs a constant number of queries however many units there are (pinned in
tests/test_home_pages.py); the others read a few rows per sheet or seat of the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Count, Max, Q
from django.utils import timezone

from config.dates import VIETNAM
from criteria.models import Node
from criteria.tree import under
from submissions.models import Assignment, Entry, Period, Role, Submission, with_deadline
from submissions.reminder_models import ManualReminder
from submissions.rules import local

SHOWN_EMPTY = 12  # empty criteria listed per sheet; the rest are counted


def time_left(deadline: datetime, now: datetime) -> str:
    """"Còn 3 ngày 4 giờ", "Còn 2 giờ 15 phút", "Còn 9 phút", "Đã hết hạn" (static/js/countdown.js says the same)."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "Đã hết hạn"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"Còn {days} ngày {hours} giờ"
    if hours:
        return f"Còn {hours} giờ {minutes} phút"
    return f"Còn {max(minutes, 1)} phút"


@dataclass
class Deadline:
    at: datetime
    now: datetime

    @property
    def local(self) -> datetime:
        return self.at.astimezone(VIETNAM)

    @property
    def text(self) -> str:
        """17:00 ngày 25/11/2026 (giờ Việt Nam)."""
        return local(self.at)

    @property
    def left(self) -> str:
        return time_left(self.at, self.now)

    @property
    def iso(self) -> str:
        return self.local.isoformat()

    @property
    def urgent(self) -> bool:
        return (self.at - self.now).total_seconds() <= 3 * 86400


def local_text(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment.astimezone(VIETNAM)
    return f"{moment:%H:%M} {moment:%d/%m/%Y}"


def _scorable_counts(framework_ids) -> dict[int, int]:
    """framework id → number of leaves the unit scores (not the leaders' survey), in one query."""
    counts: dict[int, int] = {}
    for node in Node.objects.filter(framework_id__in=set(framework_ids)).only("framework_id", "rule"):
        if node.unit_scored:
            counts[node.framework_id] = counts.get(node.framework_id, 0) + 1
    return counts


# --------------------------------------------------------------------------- officer and approver


@dataclass
class SheetTask:
    submission: Submission
    deadline: Deadline
    scored: int
    scorable: int
    empty: list[Node] = field(default_factory=list)  # the person's criteria still empty (first SHOWN_EMPTY)
    empty_count: int = 0
    assigned: bool = False  # the person has criteria assigned in this sheet (else: the sheet's empty criteria)

    @property
    def percent(self) -> int:
        return round(100 * self.scored / self.scorable) if self.scorable else 0

    @property
    def more_empty(self) -> int:
        return self.empty_count - len(self.empty)


@dataclass
class UnitTasks:
    sheets: list[SheetTask]
    requests: list  # open SupplementRequest rows of the person's units


def unit_tasks(user, now: datetime | None = None) -> UnitTasks | None:
    """The open sheets of the units where ``user`` is an officer or approver, and the open supplementation
    requests of those units' sheets. None when the user has no unit role."""
    from appraisal.models import SupplementRequest

    now = now or timezone.now()
    unit_ids = list(Role.objects.filter(user=user, kind__in=Role.UNIT_KINDS).values_list("unit_id", flat=True))
    if not unit_ids:
        return None
    drafts = [s for s in with_deadline(Submission.objects.filter(
        unit_id__in=unit_ids, status=Submission.DRAFT, period__opens_at__lte=now)).select_related(
        "unit", "period", "framework").order_by("unit__name", "-period__year")
        if s.closes_at > now]
    sheets = []
    if drafts:
        ids = [s.pk for s in drafts]
        scored = {(sid, nid) for sid, nid in Entry.objects.filter(submission_id__in=ids, points__isnull=False)
                  .values_list("submission_id", "node_id")}
        nodes: dict[int, list[Node]] = {}
        for node in Node.objects.filter(framework_id__in={s.framework_id for s in drafts}).only(
                "id", "framework_id", "parent_id", "code", "title", "rule", "ordering").order_by("ordering"):
            nodes.setdefault(node.framework_id, []).append(node)
        mine: dict[int, set[int]] = {}
        for sid, nid in Assignment.objects.filter(submission_id__in=ids, user=user).values_list("submission_id",
                                                                                               "node_id"):
            mine.setdefault(sid, set()).add(nid)
        for sheet in drafts:
            framework_nodes = nodes.get(sheet.framework_id, [])
            parents = {n.pk: n.parent_id for n in framework_nodes}
            leaves = [n for n in framework_nodes if n.unit_scored]
            assigned = mine.get(sheet.pk, set())
            own = [n for n in leaves if under(n.pk, assigned, parents)] if assigned else leaves
            empty = [n for n in own if (sheet.pk, n.pk) not in scored]
            sheets.append(SheetTask(
                submission=sheet, deadline=Deadline(sheet.closes_at, now),
                scored=sum(1 for n in leaves if (sheet.pk, n.pk) in scored), scorable=len(leaves),
                empty=empty[:SHOWN_EMPTY], empty_count=len(empty), assigned=bool(assigned)))
    requests = list(SupplementRequest.objects.filter(
        submission__unit_id__in=unit_ids, answered_at__isnull=True, window__closes_at__gt=now)
        .select_related("submission__unit", "submission__period", "window", "member")
        .prefetch_related("window__nodes").order_by("window__closes_at"))
    for request in requests:
        request.deadline = Deadline(request.window.closes_at, now)
    return UnitTasks(sheets=sheets, requests=requests)


# --------------------------------------------------------------------------- council member


@dataclass
class SeatTask:
    seat: object  # CouncilMember
    rows: list  # (QueueRow, criteria left, Countdown | None): units with criteria of the seat left

    @property
    def criteria_left(self) -> int:
        return sum(left for _, left, _ in self.rows)


def _closed_rounds(period_ids) -> set[int]:
    from appraisal.models import AppraisalRound

    return set(AppraisalRound.objects.filter(period_id__in=set(period_ids), closed_at__isnull=False)
               .values_list("period_id", flat=True))


def council_tasks(user, now: datetime | None = None) -> list[SeatTask]:
    """Per council seat of ``user`` in a period whose round is open: the units with criteria of the seat
    not yet appraised, each with the criteria left and its Điều 9.5 countdown in working days (the round's
    holidays and allowed days, or the block's own appraisal deadline)."""
    from appraisal.models import CouncilMember
    from appraisal.selectors import member_queue, period_countdowns

    seats = list(CouncilMember.objects.filter(user=user).select_related("period").order_by("-period__year"))
    closed = _closed_rounds(s.period_id for s in seats)
    out = []
    for seat in seats:
        if seat.period_id in closed:
            continue
        rows = [row for row in member_queue(seat) if not row.done]
        countdowns = period_countdowns(seat.period, [r.submission for r in rows], now) if rows else {}
        rows.sort(key=lambda r: (countdowns[r.submission.pk].left if r.submission.pk in countdowns else 10 ** 6,
                                 r.submission.unit.name))
        out.append(SeatTask(seat=seat, rows=[(r, r.criteria - r.appraised, countdowns.get(r.submission.pk))
                                             for r in rows]))
    return out


# --------------------------------------------------------------------------- leader and chairman


@dataclass
class LeaderTask:
    period: Period
    units: list  # Unit rows whose form is not sent


def leader_tasks(user) -> list[LeaderTask]:
    """Per period of an authority where ``user`` is a leader (round not closed): the units whose framework
    has a survey section and whose form the leader has not sent."""
    from appraisal.models import LeaderForm

    authority_ids = Role.objects.filter(user=user, kind=Role.LEADER).values_list("authority_id", flat=True)
    periods = list(Period.objects.filter(authority_id__in=authority_ids).order_by("-year", "pk"))
    closed = _closed_rounds(p.pk for p in periods)
    periods = [p for p in periods if p.pk not in closed]
    if not periods:
        return []
    sheets = list(Submission.objects.filter(period__in=periods).select_related("unit")
                  .order_by("block__ordering", "unit__name"))
    surveyed = set(Node.objects.filter(framework_id__in={s.framework_id for s in sheets}, rule__kind="survey")
                   .values_list("framework_id", flat=True))
    sent = set(LeaderForm.objects.filter(period__in=periods, leader=user, submitted_at__isnull=False)
               .values_list("period_id", "unit_id"))
    out = []
    for period in periods:
        units = [s.unit for s in sheets if s.period_id == period.pk and s.framework_id in surveyed
                 and (period.pk, s.unit_id) not in sent]
        if units:
            out.append(LeaderTask(period=period, units=units))
    return out


def chairman_tasks(user) -> list:
    """The latest versions of blocks submitted to ``user`` as chairman of their authority."""
    from ranking.models import RankingVersion

    authority_ids = Role.objects.filter(user=user, kind=Role.CHAIRMAN).values_list("authority_id", flat=True)
    return list(RankingVersion.objects.filter(period__authority_id__in=authority_ids,
                                              status=RankingVersion.SUBMITTED)
                .select_related("period", "block", "submitted_by").order_by("submitted_at", "pk"))


# --------------------------------------------------------------------------- secretariat


@dataclass
class Behind:
    submission: Submission
    deadline: Deadline
    scored: int
    scorable: int
    last_activity: datetime | None
    last_reminder: object = None  # the latest ManualReminder of the sheet

    @property
    def percent(self) -> int:
        return round(100 * self.scored / self.scorable) if self.scorable else 0

    @property
    def last_activity_text(self) -> str:
        return local_text(self.last_activity)

    @property
    def last_reminder_text(self) -> str:
        return local_text(self.last_reminder.sent_at) if self.last_reminder else ""


@dataclass
class SecretariatTasks:
    behind: list[Behind]
    gaps: list  # (Period, [Gap]) agencies without a council member, per period whose round is open


def secretariat_tasks(user, now: datetime | None = None) -> SecretariatTasks | None:
    """The unsent sheets of the open periods of ``user``'s authorities (per period, the least advanced first),
    and per period whose round is not closed the appraising agencies no council seat covers. A constant number
    of queries in the number of units (5 + 2 per period with sheets)."""
    from appraisal.selectors import agencies_without_member
    from submissions.permissions import secretariat_authority_ids

    authority_ids = secretariat_authority_ids(user)
    if not authority_ids:
        return None
    now = now or timezone.now()
    periods = list(Period.objects.filter(authority_id__in=authority_ids).exclude(
        appraisal_round__closed_at__isnull=False).order_by("-year", "pk"))
    sheets = list(Submission.objects.filter(period__in=periods).only("id", "period_id", "framework_id"))
    gaps = []
    for period in periods:
        own = [s for s in sheets if s.period_id == period.pk]
        if own and (found := agencies_without_member(period, own)):
            gaps.append((period, found))
    scored = Count("entries", filter=Q(entries__points__isnull=False) & ~Q(entries__node__rule__kind="survey"))
    drafts = [s for s in with_deadline(Submission.objects.filter(
        period__in=[p for p in periods if p.opens_at <= now], status=Submission.DRAFT))
        .select_related("unit", "period").annotate(scored=scored, last_activity=Max("entries__updated_at"))
        if s.closes_at > now]
    counts = _scorable_counts(s.framework_id for s in drafts)
    reminded = {}
    for reminder in ManualReminder.objects.filter(submission__in=drafts).select_related("sent_by").order_by(
            "sent_at", "id"):
        reminded[reminder.submission_id] = reminder  # the latest wins
    behind = [Behind(submission=s, deadline=Deadline(s.closes_at, now), scored=s.scored,
                     scorable=counts.get(s.framework_id, 0), last_activity=s.last_activity,
                     last_reminder=reminded.get(s.pk)) for s in drafts]
    order = {p.pk: i for i, p in enumerate(periods)}
    behind.sort(key=lambda b: (order[b.submission.period_id], b.percent,
                               b.last_activity or datetime.min.replace(tzinfo=UTC), b.submission.unit.name))
    return SecretariatTasks(behind=behind, gaps=gaps)


def home_tasks(user, now: datetime | None = None) -> dict:
    """Everything the home page shows ``user``; a role the user does not hold gives nothing."""
    now = now or timezone.now()
    return {
        "unit": unit_tasks(user, now),
        "council": council_tasks(user, now),
        "leader": leader_tasks(user),
        "chairman": chairman_tasks(user),
        "secretariat": secretariat_tasks(user, now),
        "now": now,
    }
