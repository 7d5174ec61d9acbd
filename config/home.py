"""What waits for each person on the site's home page (issue #14 item 2): reads only, one function per role.

* officer / approver of a unit: each open sheet with its deadline as a countdown in Vietnam time, its progress,
  the criteria assigned to the person still empty; the open supplementation requests of the unit's sheets;
* council member: per seat, the units with criteria of the seat left and the working days left of Điều 9.5
  (``appraisal.selectors.period_countdowns``);
* leader: the units whose form the leader has not sent, with their block's leaders' deadline as a countdown (the
  units past it only counted);
* council chair: per chaired period, the units appraised out of those sent per block, those past Điều 9.5, and
  the blocks whose draft ranking waits for the chair to order its ties; chairman: the blocks submitted for
  approval;
* secretariat: the unsent sheets of open periods with progress and last activity, the appraising agencies
  without a council member, for the reminder form (``submissions.services.reminders_send_chosen``).

The secretariat's, the leader's and the chair's parts cost a constant number of queries however many units
there are (pinned in tests/test_home_pages.py); the others read a few rows per sheet or seat of the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Count, Max, Q
from django.utils import timezone

from config.dates import VIETNAM
from criteria.models import Node
from criteria.scoring import SURVEY
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
class LeaderGroup:
    """Units of one leaders' deadline: ``deadline`` None means the blocks have none of their own and the forms
    are open until the round closes (``submissions.phase_deadlines.DEFAULTS``)."""

    deadline: Deadline | None
    blocks: list  # the Block rows of these units, in the blocks' order
    units: list  # Unit rows whose form is not sent


@dataclass
class LeaderTask:
    period: Period
    groups: list[LeaderGroup]  # one per distinct leaders' deadline, the earliest first, "until closing" last
    closed: int = 0  # forms not sent whose block's leaders' deadline has passed: they can no longer be sent
    closed_blocks: list = field(default_factory=list)

    @property
    def units(self) -> list:
        return [unit for group in self.groups for unit in group.units]

    @property
    def per_block(self) -> bool:
        """The blocks' deadlines differ: each group names its blocks."""
        return len(self.groups) > 1

    @property
    def default_rule(self) -> str:
        from submissions.phase_deadlines import DEFAULTS, LEADER

        return DEFAULTS[LEADER]


def leader_tasks(user, now: datetime | None = None) -> list[LeaderTask]:
    """Per period of an authority where ``user`` is a leader (round not closed): the units whose framework
    has a survey section and whose form the leader has not sent, grouped by their block's leaders' deadline
    (``PeriodBlock.leader_deadline``, a countdown in Vietnam time; none: until the round closes). The units
    whose block's deadline has passed are only counted (``appraisal.deadlines.assert_leader_open`` refuses
    them). Six queries whatever the number of units (pinned in tests/test_home_pages.py)."""
    from appraisal.models import LeaderForm
    from submissions.models import PeriodBlock

    now = now or timezone.now()
    authority_ids = Role.objects.filter(user=user, kind=Role.LEADER).values_list("authority_id", flat=True)
    periods = list(Period.objects.filter(authority_id__in=authority_ids).order_by("-year", "pk"))
    closed = _closed_rounds(p.pk for p in periods)
    periods = [p for p in periods if p.pk not in closed]
    if not periods:
        return []
    sheets = list(Submission.objects.filter(period__in=periods).select_related("unit", "block")
                  .order_by("block__ordering", "block__name", "unit__name"))
    surveyed = set(Node.objects.filter(framework_id__in={s.framework_id for s in sheets}, rule__kind=SURVEY)
                   .values_list("framework_id", flat=True))
    sent = set(LeaderForm.objects.filter(period__in=periods, leader=user, submitted_at__isnull=False)
               .values_list("period_id", "unit_id"))
    own = {(pid, bid): at for pid, bid, at in PeriodBlock.objects.filter(
        period__in=periods, leader_deadline__isnull=False).values_list("period_id", "block_id", "leader_deadline")}
    out = []
    for period in periods:
        groups: dict[datetime | None, LeaderGroup] = {}
        task = LeaderTask(period=period, groups=[])
        for sheet in sheets:
            if sheet.period_id != period.pk or sheet.framework_id not in surveyed or (period.pk, sheet.unit_id) in sent:
                continue
            at = own.get((period.pk, sheet.block_id))
            if at is not None and now >= at:  # half-open, as assert_leader_open
                task.closed += 1
                if sheet.block not in task.closed_blocks:
                    task.closed_blocks.append(sheet.block)
                continue
            group = groups.setdefault(at, LeaderGroup(deadline=Deadline(at, now) if at else None, blocks=[],
                                                      units=[]))
            if sheet.block not in group.blocks:
                group.blocks.append(sheet.block)
            group.units.append(sheet.unit)
        task.groups = sorted(groups.values(), key=lambda g: (g.deadline is None, g.deadline.at if g.deadline
                                                               else now))
        if task.groups or task.closed:
            out.append(task)
    return out


def chairman_tasks(user) -> list:
    """The latest versions of blocks submitted to ``user`` as chairman of their authority."""
    from ranking.models import RankingVersion

    authority_ids = Role.objects.filter(user=user, kind=Role.CHAIRMAN).values_list("authority_id", flat=True)
    return list(RankingVersion.objects.filter(period__authority_id__in=authority_ids,
                                              status=RankingVersion.SUBMITTED)
                .select_related("period", "block", "submitted_by").order_by("submitted_at", "pk"))


# --------------------------------------------------------------------------- council chair


@dataclass
class BlockProgress:
    block: object  # Block
    appraised: int  # units whose every criterion is appraised (``MatrixRow.complete``)
    total: int  # units sent for appraisal

    @property
    def percent(self) -> int:
        return round(100 * self.appraised / self.total) if self.total else 0


@dataclass
class TieWait:
    """The latest version of a block, a draft whose ties at three decimals the chair has not ordered yet."""

    version: object  # RankingVersion
    groups: list[list[str]]  # the unit names of each tie group left

    @property
    def units(self) -> int:
        return sum(len(group) for group in self.groups)


@dataclass
class ChairTask:
    period: Period
    open: bool  # the round is not closed: the appraisal's progress and its Điều 9.5 deadlines are shown
    blocks: list[BlockProgress] = field(default_factory=list)
    overdue: list = field(default_factory=list)  # (Submission, Countdown) past Điều 9.5, not fully appraised
    urgent: list = field(default_factory=list)  # (Submission, Countdown) with ≤ 3 working days left
    ties: list[TieWait] = field(default_factory=list)

    @property
    def appraised(self) -> int:
        return sum(b.appraised for b in self.blocks)

    @property
    def total(self) -> int:
        return sum(b.total for b in self.blocks)


def chaired_periods(user) -> list[Period]:
    """The periods whose council ``user`` chairs: a chair seat, or the authority's chair role (as
    ``appraisal.permissions.is_council_chair`` and the appraisal home decide)."""
    from appraisal.models import CouncilMember

    return list(Period.objects.filter(
        Q(authority__roles__user=user, authority__roles__kind=Role.CHAIR)
        | Q(council__user=user, council__role=CouncilMember.CHAIR)).distinct().order_by("-year", "pk"))


def _ties_waiting(periods) -> dict[int, list[TieWait]]:
    """period id → the blocks whose latest ranking version is a draft with ties the chair has not ordered
    (``ranking.services.submit_missing`` refuses to submit it until ``chair_decide``). One query."""
    from ranking.chair import as_orders, unordered_ties
    from ranking.models import RankingVersion

    latest: dict[tuple[int, int], RankingVersion] = {}
    for version in RankingVersion.objects.filter(period__in=periods).select_related("block").order_by(
            "period_id", "block__ordering", "block__name", "-number"):
        latest.setdefault((version.period_id, version.block_id), version)
    out: dict[int, list[TieWait]] = {}
    for (period_id, _), version in latest.items():
        if version.status != RankingVersion.DRAFT:
            continue
        names = {u["id"]: u["name"] for u in version.snapshot.get("units", [])}
        left = unordered_ties(version.snapshot.get("ties", []), as_orders(version.chair_order))
        if left:
            out.setdefault(period_id, []).append(TieWait(version=version,
                                                         groups=[[names.get(i, i) for i in g] for g in left]))
    return out


def chair_tasks(user, now: datetime | None = None) -> list[ChairTask]:
    """Per period ``user`` chairs: while its round is open, the units appraised out of those sent per block
    (the matrix the chair's page ``appraisal:chair_units`` shows, ``appraisal.selectors.secretariat_matrix``)
    and the units past their Điều 9.5 deadline or within 3 working days of it
    (``appraisal.selectors.council_deadline_warnings``); whatever the round, the blocks whose draft ranking
    waits for the chair to order its ties (``ranking.services.chair_decide``). A constant number of queries in
    the number of units (pinned in tests/test_home_pages.py)."""
    from appraisal.selectors import council_deadline_warnings, secretariat_matrix

    periods = chaired_periods(user)
    if not periods:
        return []
    closed = _closed_rounds(p.pk for p in periods)
    ties = _ties_waiting(periods)
    open_periods = [p for p in periods if p.pk not in closed]
    warnings = {w.period.pk: w for w in council_deadline_warnings(user, open_periods, now)}
    out = []
    for period in periods:
        task = ChairTask(period=period, open=period.pk not in closed, ties=ties.get(period.pk, []))
        if task.open:
            _, rows = secretariat_matrix(period)
            blocks: dict[int, BlockProgress] = {}
            for row in rows:
                if row.submission.status not in period.appraisable_statuses:  # as chair_units lists them
                    continue
                progress = blocks.setdefault(row.submission.block_id,
                                             BlockProgress(block=row.submission.block, appraised=0, total=0))
                progress.total += 1
                progress.appraised += row.complete
            task.blocks = list(blocks.values())
            if found := warnings.get(period.pk):
                task.overdue, task.urgent = found.overdue, found.urgent
        if task.open or task.ties:
            out.append(task)
    return out


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
    scored = Count("entries", filter=Q(entries__points__isnull=False) & ~Q(entries__node__rule__kind=SURVEY))
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
        "leader": leader_tasks(user, now),
        "chairman": chairman_tasks(user),
        "chair": chair_tasks(user, now),
        "secretariat": secretariat_tasks(user, now),
        "now": now,
    }
