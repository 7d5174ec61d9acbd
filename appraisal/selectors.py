"""Reads of the appraisal stage. Queues, unit pages and the secretariat's matrix read each table once
per request (nodes per framework, submissions, entries, evidence, appraisals) and join in Python."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from criteria import dieu7 as ranking_rules
from criteria.dieu7 import XUAT_SAC, classify_level, quality_level
from criteria.grades import LEVEL_LABELS, level_label
from criteria.models import Node
from criteria.tree import effective_agency
from submissions.models import Entry, Evidence, Submission, Window
from submissions.period_settings import ranking_settings

from .models import AgencyScore, Appraisal, CouncilDecision, CouncilMember, QualityLevel, SupplementRequest
from .permissions import member_home_unit_ids
from .rules import (
    Countdown,
    agency_matches,
    agency_scores_text,
    agreement,
    local_day,
    named_agencies,
    propose,
    seat_agency,
    short_agency,
    unit_countdown,
)

# Submissions to read: ids, or a queryset (read as a subquery).
Submissions = list[int] | QuerySet


def _frameworks_nodes(framework_ids) -> dict[int, list[Node]]:
    nodes = defaultdict(list)
    for node in Node.objects.filter(framework_id__in=set(framework_ids)).order_by("ordering"):
        nodes[node.framework_id].append(node)
    return nodes


def member_leaves(member: CouncilMember, nodes: list[Node]) -> list[Node]:
    keywords = member.keyword_list()
    return [node for node, agency in appraised_leaves(nodes) if agency_matches(agency, keywords)]


@dataclass
class QueueRow:
    submission: Submission
    criteria: int
    appraised: int
    flagged: int
    open_requests: int

    @property
    def done(self) -> bool:
        return self.criteria == self.appraised


def member_queue(member: CouncilMember, criterion: str = "") -> list[QueueRow]:
    """Units to appraise, with this member's criteria (only ``criterion`` when given) counted per unit."""
    excluded = member_home_unit_ids(member)
    submissions = list(Submission.objects.filter(period=member.period, status__in=member.period.appraisable_statuses)
                       .exclude(unit_id__in=excluded).select_related("unit", "block")
                       .order_by("block__ordering", "unit__name"))
    nodes = _frameworks_nodes(s.framework_id for s in submissions)
    mine = {fid: {n.id for n in member_leaves(member, fnodes)
                  if not criterion or n.code == criterion or n.code.startswith(criterion + ".")}
            for fid, fnodes in nodes.items()}
    appraised = set(Appraisal.objects.filter(submission__in=submissions, points__isnull=False)
                    .values_list("submission_id", "node_id"))
    # A leaf of several agencies (Phụ lục I 5.5) is this member's done once their own agency has scored it.
    appraised |= {(sid, nid) for sid, nid, agency in AgencyScore.objects.filter(
        submission__in=submissions, points__isnull=False).values_list("submission_id", "node_id", "agency")
        if agency == _seat_agency_of(member, agency)}
    flagged = defaultdict(set)
    for sid, nid in Evidence.objects.filter(entry__submission__in=submissions, removed_at__isnull=True,
                                            doc_number_suffix=True).values_list("entry__submission_id",
                                                                                  "entry__node_id"):
        flagged[sid].add(nid)
    supported = set(Entry.objects.filter(submission__in=submissions).exclude(explanation="")
                    .values_list("submission_id", "node_id"))
    supported |= set(Evidence.objects.filter(entry__submission__in=submissions, removed_at__isnull=True)
                     .values_list("entry__submission_id", "entry__node_id"))
    requests = defaultdict(int)
    for sid in SupplementRequest.objects.filter(member=member, answered_at__isnull=True).values_list(
            "submission_id", flat=True):
        requests[sid] += 1
    rows = []
    for submission in submissions:
        ids = mine.get(submission.framework_id, set())
        if criterion and not ids:
            continue
        rows.append(QueueRow(
            submission=submission, criteria=len(ids),
            appraised=sum(1 for nid in ids if (submission.pk, nid) in appraised),
            flagged=sum(1 for nid in ids if nid in flagged[submission.pk] or (submission.pk, nid) not in supported),
            open_requests=requests[submission.pk],
        ))
    return rows


def _seat_agency_of(member: CouncilMember, agency_name: str) -> str | None:
    """The named agency ``member`` speaks for when ``agency_name`` is one of a multi-agency leaf's agencies."""
    return seat_agency(agency_name, seat_agency_name=member.agency, keywords=member.keyword_list())


@dataclass
class AgencyCell:
    """One named agency's score of a multi-agency leaf, as the rows show it."""

    agency: str
    score: AgencyScore | None

    @property
    def short(self) -> str:
        return short_agency(self.agency)

    @property
    def points(self):
        return self.score.points if self.score else None


@dataclass
class CriterionRow:
    node: Node
    entry: Entry | None
    evidence: list[Evidence]
    appraisal: Appraisal | None
    proposal: object
    window_open: bool = False
    # A leaf naming several appraising agencies (Phụ lục I 5.5): each agency's score, the agency the viewing
    # member speaks for, whether they agree, and the council's decision when one is recorded.
    agencies: list[AgencyCell] = field(default_factory=list)
    my_agency: str | None = None
    decision: CouncilDecision | None = None

    @property
    def multi(self) -> bool:
        return len(self.agencies) > 1

    @property
    def mine(self) -> AgencyScore | None:
        return next((c.score for c in self.agencies if c.agency == self.my_agency), None)

    @property
    def own(self):
        """What the score form shows: the member's agency's score on a multi-agency leaf, else the appraisal."""
        return self.mine if self.multi else self.appraisal

    @property
    def agreement(self) -> tuple:
        return agreement({c.agency: c.points for c in self.agencies})

    @property
    def agencies_text(self) -> str:
        return agency_scores_text({c.agency: c.points for c in self.agencies})

    @property
    def version(self) -> int:
        if self.multi and self.my_agency:
            return self.mine.version if self.mine else 0
        return self.appraisal.version if self.appraisal else 0

    @property
    def rule(self):
        from criteria.scoring import parse_rule

        return parse_rule(self.node.rule, self.node.max_points)


def previous_comparison(submission: Submission, node: Node):
    """For a criterion scored against the previous years (8.3.1, 8.3.2): its score from the unit's published
    results, or None."""
    if not node.rule.get("compare_previous"):
        return None
    from criteria.scoring import parse_rule
    from ranking.selectors import previous_years_comparison

    return previous_years_comparison(submission.unit, submission.period.year,
                                     parse_rule(node.rule, node.max_points), node.max_points)


def member_unit_rows(member: CouncilMember | None, submission: Submission) -> list[CriterionRow]:
    """The rows a member appraises on one sheet; every non-survey leaf for ``member=None`` (the chair)."""
    nodes = list(Node.objects.filter(framework_id=submission.framework_id).select_related("framework")
                 .order_by("ordering"))
    leaves = member_leaves(member, nodes) if member else [n for n in nodes if n.unit_scored]
    ids = [n.id for n in leaves]
    entries = {e.node_id: e for e in Entry.objects.filter(submission=submission, node_id__in=ids)}
    evidence = defaultdict(list)
    for item in Evidence.objects.filter(entry__submission=submission, entry__node_id__in=ids,
                                        removed_at__isnull=True).select_related("entry"):
        evidence[item.entry.node_id].append(item)
    appraisals = {a.node_id: a for a in Appraisal.objects.filter(submission=submission, node_id__in=ids)
                  .select_related("updated_by")}
    chain = {n.id: n for n in nodes}
    scores = defaultdict(dict)
    for score in AgencyScore.objects.filter(submission=submission, node_id__in=ids).select_related("updated_by"):
        scores[score.node_id][score.agency] = score
    decisions = {d.node_id: d for d in CouncilDecision.objects.filter(submission=submission, node_id__in=ids)
                 .select_related("decided_by")}
    now = timezone.now()
    open_nodes = {n.id for w in Window.objects.filter(submission=submission, opens_at__lte=now, closes_at__gt=now)
                  .prefetch_related("nodes") for n in w.nodes.all()}
    first_year = bool(submission.period.setting("first_year"))
    support_rule = submission.period.setting("support_rule")
    rows = []
    for node in leaves:
        entry = entries.get(node.id)
        files = evidence.get(node.id, [])
        proposal = propose(max_points=node.max_points, evidence_numbers=[(e.doc_number, e.doc_number_suffix)
                                                                            for e in files],
                           explanation=entry.explanation if entry else "",
                           first_year_full_marks=bool(node.rule.get("first_year_full_marks")), first_year=first_year,
                           comparison=previous_comparison(submission, node), support_rule=support_rule)
        row = CriterionRow(node=node, entry=entry, evidence=files, appraisal=appraisals.get(node.id),
                           proposal=proposal, window_open=node.id in open_nodes)
        agency_text = effective_agency(node, chain)
        names = named_agencies(agency_text)
        if len(names) > 1:
            row.agencies = [AgencyCell(name, scores[node.id].get(name)) for name in names]
            row.my_agency = _seat_agency_of(member, agency_text) if member else None
            row.decision = decisions.get(node.id)
        rows.append(row)
    return rows


@dataclass
class QualityRow:
    node: Node
    appraised: Decimal | None
    derived: str | None
    override: QualityLevel | None
    nd2: bool = False
    barring: str = ""  # set by the unit page: why this derived level needs the council's confirmation

    @property
    def level(self) -> str | None:
        return self.override.level if self.override else self.derived

    @property
    def label(self) -> str:
        return level_label(self.level)


def quality_rows(submission: Submission, appraisals: dict[int, Appraisal] | None = None) -> list[QualityRow]:
    """Quality level of each Tiêu chí (and each section without sub-criteria), derived from the appraised
    scores (docs/regulation.md §4 thresholds, per-period setting) unless overridden with a reason."""
    nodes = list(Node.objects.filter(framework_id=submission.framework_id).order_by("ordering"))
    if appraisals is None:
        appraisals = {a.node_id: a for a in Appraisal.objects.filter(submission=submission)}
    overrides = {q.node_id: q for q in QualityLevel.objects.filter(submission=submission)}
    thresholds = submission.period.quality_thresholds
    results_group = submission.framework.results_group  # named by the framework (Điều 7), not by a code
    children = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)

    def total(node) -> Decimal | None:
        if node.rule:
            a = appraisals.get(node.id)
            return a.points if a and a.points is not None else None
        parts = [total(c) for c in children[node.id]]
        return None if any(p is None for p in parts) else sum(parts, Decimal(0))

    rows = []
    for node in nodes:
        if node.kind == "criterion" or (node.kind == "section" and not children[node.id]):
            points = total(node)
            derived = quality_level(points, node.max_points, thresholds) if points is not None and \
                node.max_points > 0 else None
            rows.append(QualityRow(node=node, appraised=points, derived=derived, override=overrides.get(node.id),
                                   nd2=bool(results_group) and node.group == results_group))
    return rows


@dataclass
class MatrixRow:
    submission: Submission
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # agency -> (appraised, total)
    total: Decimal = Decimal(0)
    complete: bool = True
    countdown: Countdown | None = None  # Điều 9.5 for this unit; None: not received, or the round closed


def secretariat_matrix(period) -> tuple[list[str], list[MatrixRow]]:
    """Units × agencies: how many of each agency's criteria are appraised, each unit's appraised total, and
    its Điều 9.5 countdown."""
    members = list(CouncilMember.objects.filter(period=period).exclude(role=CouncilMember.WORKING_GROUP))
    agencies: dict[str, CouncilMember] = {}
    for member in members:
        agencies.setdefault(member.agency, member)
    submissions = list(Submission.objects.filter(period=period).select_related("unit", "block")
                       .order_by("block__ordering", "unit__name"))
    nodes = _frameworks_nodes(s.framework_id for s in submissions)
    per_agency = {fid: {agency: {n.id for n in member_leaves(m, fnodes)} for agency, m in agencies.items()}
                  for fid, fnodes in nodes.items()}
    appraisals = defaultdict(dict)
    for a in Appraisal.objects.filter(submission__period=period):
        appraisals[a.submission_id][a.node_id] = a
    by_agency = defaultdict(set)  # (submission, node) → the named agencies that scored it (Phụ lục I 5.5)
    for sid, nid, agency in AgencyScore.objects.filter(submission__period=period, points__isnull=False).values_list(
            "submission_id", "node_id", "agency"):
        by_agency[(sid, nid)].add(agency)
    spoken = {agency: {name for fnodes in nodes.values() for leaf, text in appraised_leaves(fnodes)
                       if len(named_agencies(text)) > 1 and (name := _seat_agency_of(m, text))}
              for agency, m in agencies.items()}
    countdowns = period_countdowns(period, submissions)
    rows = []
    for submission in submissions:
        row = MatrixRow(submission=submission, countdown=countdowns.get(submission.pk))
        done = appraisals[submission.pk]
        for agency, ids in per_agency.get(submission.framework_id, {}).items():
            row.cells[agency] = (sum(1 for i in ids if (i in done and done[i].points is not None)
                                     or by_agency[(submission.pk, i)] & spoken[agency]), len(ids))
        leaves = [n for n in nodes.get(submission.framework_id, []) if n.rule]
        row.total = sum((done[n.id].points for n in leaves if n.id in done and done[n.id].points is not None),
                        Decimal(0))
        row.complete = all(n.id in done and done[n.id].points is not None for n in leaves)
        rows.append(row)
    return list(agencies), rows


def period_countdowns(period, submissions, now=None) -> dict[int, Countdown]:
    """Điều 9.5 per unit (``appraisal.rules.unit_countdown``): submission id → its countdown, for every sheet the
    council appraises, from the day that sheet was received; the round's ``holidays`` and
    ``allowed_working_days`` (default 50). Empty once the round is closed (the appraisal is done). A draft past
    the deadline that the lock job has not reached yet counts as locked, as ``close_gaps`` does."""
    from datetime import date

    from .models import AppraisalRound

    current = AppraisalRound.objects.filter(period=period).first()
    if current is not None and current.closed_at:
        return {}
    holidays = frozenset(date.fromisoformat(d) for d in (current.holidays if current else []))
    allowed = current.allowed_working_days if current else AppraisalRound._meta.get_field(
        "allowed_working_days").default
    now = now or timezone.now()
    statuses = period.appraisable_statuses
    unsent_appraised = Submission.LOCKED in statuses
    out = {}
    from submissions.models import PeriodBlock

    own = dict(PeriodBlock.objects.filter(period=period, deadline__isnull=False).values_list("block_id", "deadline"))
    from .deadlines import fixed_countdown

    appraisal_due = dict(PeriodBlock.objects.filter(period=period, appraisal_deadline__isnull=False)
                         .values_list("block_id", "appraisal_deadline"))
    for submission in submissions:
        deadline = own.get(submission.block_id) or period.closes_at  # the block's own deadline first
        if submission.status == Submission.SENT:
            sent_at, unsent = submission.sent_at, False
        elif submission.status == Submission.LOCKED or (submission.status == Submission.DRAFT
                                                         and now >= deadline):
            sent_at, unsent = None, unsent_appraised
        else:
            continue
        countdown = unit_countdown(sent_at=sent_at, deadline=deadline, unsent_appraised=unsent,
                                   today=local_day(now), allowed=allowed, holidays=holidays)
        if countdown is not None and (due := appraisal_due.get(submission.block_id)):
            # issue #13 item 5: the block's own appraisal deadline replaces the 50 working days
            countdown = fixed_countdown(received=countdown.received, due=local_day(due), today=countdown.today,
                                        holidays=holidays)
        if countdown is not None:
            out[submission.pk] = countdown
    return out


@dataclass
class DeadlineWarnings:
    """The council's home: for one period, the units whose appraisal is not finished with ≤ 10 (``soon``) and
    ≤ 3 (``urgent``) working days left, and those past Điều 9.5 (``overdue``); each (submission, countdown)."""

    period: object
    soon: list[tuple[Submission, Countdown]] = field(default_factory=list)
    urgent: list[tuple[Submission, Countdown]] = field(default_factory=list)
    overdue: list[tuple[Submission, Countdown]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.soon or self.urgent or self.overdue)


def council_deadline_warnings(user, chaired=(), now=None) -> list[DeadlineWarnings]:
    """Warnings for a council member (the units of their queue whose part is not finished) and for the chair
    of ``chaired`` periods (every appraised sheet not yet fully appraised), in periods whose round is open."""
    from submissions.models import Period

    from .models import AppraisalRound

    seats = list(CouncilMember.objects.filter(user=user).select_related("period"))
    chaired = list(chaired)
    closed = set(AppraisalRound.objects.filter(period_id__in={s.period_id for s in seats} | {p.pk for p in chaired},
                                               closed_at__isnull=False).values_list("period_id", flat=True))
    pending: dict[int, dict[int, Submission]] = defaultdict(dict)
    periods: dict[int, Period] = {}
    for seat in seats:
        if seat.period_id in closed:
            continue
        periods[seat.period_id] = seat.period
        for row in member_queue(seat):
            if not row.done:
                pending[seat.period_id][row.submission.pk] = row.submission
    for period in chaired:
        if period.pk in closed:
            continue
        periods[period.pk] = period
        _, rows = secretariat_matrix(period)
        for row in rows:
            if row.submission.status in period.appraisable_statuses and not row.complete:
                pending[period.pk][row.submission.pk] = row.submission
    out = []
    for period_id, period in periods.items():
        submissions = list(pending[period_id].values())
        countdowns = period_countdowns(period, submissions, now) if submissions else {}
        warnings = DeadlineWarnings(period=period)
        for submission in submissions:
            countdown = countdowns.get(submission.pk)
            level = countdown.alert if countdown else None
            if level:  # OVERDUE, URGENT, SOON name the lists
                getattr(warnings, level).append((submission, countdown))
        for found in (warnings.soon, warnings.urgent, warnings.overdue):
            found.sort(key=lambda pair: (pair[1].left, pair[0].unit.name))
        if warnings:
            out.append(warnings)
    return out


def _appraisal_filter(submissions: Submissions) -> tuple[str, list]:
    """The SQL condition on ``a.submission_id`` for ``submissions``: a subquery for a queryset (a block of
    10 000 sheets costs no id list to send and convert), ``= ANY`` for a list of ids."""
    if isinstance(submissions, QuerySet):
        sql, params = submissions.order_by().values("pk").query.sql_with_params()
        return f"a.submission_id IN ({sql})", list(params)
    return "a.submission_id = ANY(%s)", [list(submissions)]


def criterion_sums(submissions: Submissions, excellent: Decimal
                   ) -> tuple[dict[int, Decimal], list[tuple], dict[int, int]]:
    """Appraised total per submission, (submission, criterion, sum) for the criteria BELOW the excellent
    threshold only (a Xuất sắc criterion fails no condition of Điều 7), and the number of scored rows per
    submission (rows with points: :func:`live_results` finds unappraised leaves from it). ``submissions``:
    ids, or a queryset read as a subquery. One scan of the appraisal rows on PostgreSQL (GROUPING SETS, the
    criteria's maxima joined to the grouped rows, not to every score); two aggregate queries elsewhere."""
    totals: dict[int, Decimal] = {}
    scored: dict[int, int] = {}
    below: list[tuple] = []
    if not isinstance(submissions, QuerySet) and not submissions:
        return totals, below, scored
    if connection.vendor == "postgresql":
        condition, params = _appraisal_filter(submissions)
        sql = f"""
            SELECT g.submission_id, g.criterion_id, g.points, g.scored, g.whole
            FROM (SELECT a.submission_id, n.criterion_id, SUM(a.points) AS points, COUNT(a.points) AS scored,
                         GROUPING(n.criterion_id) AS whole
                  FROM appraisal_appraisal a
                  JOIN criteria_node n ON n.id = a.node_id
                  WHERE {condition}
                  GROUP BY GROUPING SETS ((a.submission_id), (a.submission_id, n.criterion_id))) g
            LEFT JOIN criteria_node c ON c.id = g.criterion_id
            WHERE g.whole = 1 OR (g.criterion_id IS NOT NULL AND COALESCE(g.points, 0) < %s * c.max_points)
        """
        zero = Decimal(0)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, excellent])
            for submission_id, criterion_id, total, count, whole in cursor.fetchall():
                if whole:
                    totals[submission_id] = total or zero
                    scored[submission_id] = count
                else:
                    below.append((submission_id, criterion_id, total or zero))
        return totals, below, scored
    rows = Appraisal.objects.filter(submission_id__in=submissions)
    for r in rows.values("submission_id").annotate(t=Sum("points"), k=Count("points")).order_by():
        totals[r["submission_id"]] = r["t"] or Decimal(0)
        scored[r["submission_id"]] = r["k"]
    maxima = dict(Node.objects.filter(id__in=rows.values("node__criterion_id")).values_list("id", "max_points"))
    for r in rows.filter(node__criterion__isnull=False).values("submission_id", "node__criterion_id").annotate(
            s=Sum("points")).order_by():
        points = r["s"] or Decimal(0)
        if points < excellent * maxima[r["node__criterion_id"]]:
            below.append((r["submission_id"], r["node__criterion_id"], points))
    return totals, below, scored


def live_results(submissions: Submissions, thresholds: tuple[Decimal, Decimal, Decimal], frameworks: dict[int, int],
                 *, gaps: bool = True) -> tuple[dict[int, tuple[Decimal, list[tuple[int, str]]]], dict[int, list[str]]]:
    """(:func:`appraised_results`, :func:`unappraised_leaves`) of ``submissions`` from one scan of their
    appraisal rows. ``frameworks``: submission → framework, for every submission of ``submissions`` (the
    caller has read them); ``submissions`` is the same set as ids or as a queryset (a subquery). Without
    ``gaps`` the unappraised leaves are not looked for (an empty dict)."""
    totals, below, scored = criterion_sums(submissions, thresholds[0])
    leaves: dict[int, dict[int, str]] = defaultdict(dict)
    criteria: dict[int, tuple[Decimal, int]] = {}
    for pk, framework_id, code, rule, criterion_id, maximum, ordering in Node.objects.filter(
            framework_id__in=set(frameworks.values())).order_by("ordering").values_list(
            "pk", "framework_id", "code", "rule", "criterion_id", "max_points", "ordering"):
        if rule:
            leaves[framework_id][pk] = code
        if criterion_id == pk:
            criteria[pk] = (maximum, ordering)
    levels: dict[int, dict[int, str]] = defaultdict(dict)
    zero = Decimal(0)
    for submission_id, criterion_id, points in below:
        maximum = criteria[criterion_id][0]
        if maximum > 0:
            levels[submission_id][criterion_id] = classify_level(min(max(points, zero), maximum), maximum,
                                                                 thresholds)
    for submission_id, node_id, level in QualityLevel.objects.filter(
            submission_id__in=submissions, node_id__in=criteria).values_list("submission_id", "node_id", "level"):
        levels[submission_id][node_id] = level
    results = {}
    for sid in frameworks:
        found = levels.get(sid)
        results[sid] = (totals.get(sid) or zero, sorted(
            ((cid, level) for cid, level in found.items() if level != XUAT_SAC),
            key=lambda pair: criteria[pair[0]][1]) if found else [])
    return results, _missing_leaves(frameworks, scored, leaves) if gaps else {}


def _missing_leaves(frameworks: dict[int, int], scored: dict[int, int], leaves: dict[int, dict[int, str]]
                    ) -> dict[int, list[str]]:
    """The leaves without an appraised score of the submissions with fewer scored rows than leaves; the rows
    are read only for those."""
    short = [sid for sid, framework_id in frameworks.items() if scored.get(sid, 0) < len(leaves[framework_id])]
    if not short:
        return {}
    have: dict[int, set[int]] = defaultdict(set)
    for sid, node_id in Appraisal.objects.filter(submission_id__in=short, points__isnull=False).values_list(
            "submission_id", "node_id"):
        have[sid].add(node_id)
    return {sid: [code for pk, code in leaves[frameworks[sid]].items() if pk not in have[sid]] for sid in short}


def appraised_results(submission_ids: list[int], thresholds: tuple[Decimal, Decimal, Decimal]
                      ) -> dict[int, tuple[Decimal, list[tuple[int, str]]]]:
    """submission → (appraised total, [(criterion node, quality level)] for every criterion below Xuất sắc,
    in the framework's order). The level is derived from appraised/max with ``thresholds`` unless the
    council overrode it (QualityLevel); an override to Xuất sắc removes the criterion from the list."""
    frameworks = dict(Submission.objects.filter(pk__in=submission_ids).values_list("pk", "framework_id"))
    results = live_results(submission_ids, thresholds, frameworks, gaps=False)[0]
    return {sid: results.get(sid, (Decimal(0), [])) for sid in submission_ids}


def unappraised_leaves(submission_ids: list[int]) -> dict[int, list[str]]:
    """submission → codes of its leaves without an appraised score (no row, or a row without points), in the
    framework's order; only submissions missing something appear. Section I (survey) leaves count like any
    other: a unit without its leaders' forms has no section I score, whether or not rows were ever created.
    One aggregate count per submission; the details are read only for the submissions that fall short."""
    if not submission_ids:
        return {}
    frameworks = dict(Submission.objects.filter(pk__in=submission_ids).values_list("pk", "framework_id"))
    leaves: dict[int, dict[int, str]] = defaultdict(dict)
    for pk, framework_id, code, rule in Node.objects.filter(framework_id__in=set(frameworks.values())).order_by(
            "ordering").values_list("pk", "framework_id", "code", "rule"):
        if rule:
            leaves[framework_id][pk] = code
    scored = Appraisal.objects.filter(submission_id__in=submission_ids, points__isnull=False)
    counts = dict(scored.values("submission_id").annotate(n=Count("id")).values_list("submission_id", "n"))
    return _missing_leaves(frameworks, counts, leaves)


def _criterion_scores_summed(submission_ids: list[int]) -> dict[int, dict[int, Decimal]]:
    out: dict[int, dict[int, Decimal]] = {sid: {} for sid in submission_ids}
    rows = (Appraisal.objects.filter(submission_id__in=submission_ids, node__criterion__isnull=False)
            .values_list("submission_id", "node__criterion_id").annotate(s=Sum("points")).order_by())
    for submission_id, criterion_id, points in rows.iterator(chunk_size=20000):
        out[submission_id][criterion_id] = points
    return out


def criterion_scores(submission_ids: list[int]) -> dict[int, dict[int, Decimal]]:
    """Appraised points per criterion (node id → sum of its leaves) of each submission: from the results
    frozen when the round closed where every submission has one, else one aggregate query, streamed."""
    from .models import AppraisedResult

    frozen = dict(AppraisedResult.objects.filter(submission_id__in=submission_ids)
                  .values_list("submission_id", "criteria"))
    if len(frozen) < len(set(submission_ids)):
        return _criterion_scores_summed(submission_ids)
    out: dict[int, dict[int, Decimal]] = {}
    for sid in submission_ids:
        pairs = (token.split(":") for token in frozen[sid].split(",") if token)
        out[sid] = {int(node): Decimal(points) for node, points in pairs}
    return out


@dataclass
class Gap:
    """One thing missing before a step; ``submission``/``node`` let a page link to where it is fixed."""

    text: str
    submission: Submission | None = None
    node: Node | None = None
    agency: str = ""
    kind: str = ""  # COUNCIL_DECISION: fixed by the secretariat recording the council's decision

    def __str__(self) -> str:
        return self.text


def deadline_gap(period, now) -> list[Gap]:
    if now < period.closes_at:
        return [Gap(f"Chưa hết hạn gửi báo cáo ({timezone.localtime(period.closes_at):%H:%M %d/%m/%Y}): đơn vị "
                    "còn quyền sửa và gửi báo cáo.")]
    return []


def appraised_leaves(nodes: list[Node]):
    """(leaf, its appraising agency) for every leaf the council appraises (not the survey of section I)."""
    chain = {n.id: n for n in nodes}
    for node in nodes:
        if node.unit_scored:
            yield node, effective_agency(node, chain)


def period_agencies(period) -> list[str]:
    """The appraising agencies named by the criteria of the period's frameworks, in the order met."""
    from submissions.models import PeriodBlock

    framework_ids = PeriodBlock.objects.filter(period=period).values_list("framework_id", flat=True)
    return list(dict.fromkeys(name for nodes in _frameworks_nodes(framework_ids).values()
                              for _, agency in appraised_leaves(nodes) if agency
                              for name in (named_agencies(agency) or [agency])))


def agencies_without_member(period, submissions=None) -> list[Gap]:
    """Each appraising agency named by the criteria of the period's frameworks that no council seat covers."""
    if submissions is None:
        submissions = list(Submission.objects.filter(period=period))
    members = list(CouncilMember.objects.filter(period=period))
    keywords = [m.keyword_list() for m in members]
    codes: dict[str, list[str]] = {}
    for nodes in _frameworks_nodes(s.framework_id for s in submissions).values():
        for node, agency in appraised_leaves(nodes):
            names = named_agencies(agency)
            if len(names) > 1:  # Phụ lục I 5.5: each named agency appraises it, so each needs a seat
                for name in names:
                    if not any(seat_agency(agency, seat_agency_name=m.agency, keywords=k) == name
                               for m, k in zip(members, keywords, strict=True)):
                        codes.setdefault(name, []).append(node.code)
            elif agency and not any(agency_matches(agency, k) for k in keywords):
                codes.setdefault(agency, []).append(node.code)
    return [Gap(f"Cơ quan thẩm định “{agency}” chưa có thành viên Hội đồng (tiêu chí {', '.join(found[:8])}"
                f"{' …' if len(found) > 8 else ''}).", agency=agency) for agency, found in codes.items()]


def close_gaps(period, now=None) -> list[Gap]:
    """What is missing before the round may close (empty: it may): the deadline passed; every criterion of
    every appraised sheet appraised; section I complete for every appraised unit (leaders' forms or paper
    tallies); a council member for every appraising agency; and every derived quality level that bars a
    unit from a grade its total reaches confirmed or overridden by the council."""
    now = now or timezone.now()
    gaps = deadline_gap(period, now)
    statuses = period.appraisable_statuses
    submissions = [s for s in Submission.objects.filter(period=period).select_related("unit")
                   .order_by("block__ordering", "unit__name")
                   if s.status in statuses or (s.status == Submission.DRAFT and Submission.LOCKED in statuses)]
    nodes = _frameworks_nodes(s.framework_id for s in submissions)
    appraised = set(Appraisal.objects.filter(submission__in=submissions, points__isnull=False)
                    .values_list("submission_id", "node_id"))
    scored = defaultdict(dict)  # (submission, node) → {named agency: points} of multi-agency leaves
    for sid, nid, agency, points in AgencyScore.objects.filter(submission__in=submissions).values_list(
            "submission_id", "node_id", "agency", "points"):
        scored[(sid, nid)][agency] = points
    for submission in submissions:
        chain = {n.id: n for n in nodes[submission.framework_id]}
        for node in nodes[submission.framework_id]:
            if not node.rule or (submission.pk, node.pk) in appraised:
                continue
            if node.is_survey:
                gaps.append(Gap(f"{submission.unit}: Mục I, tiêu chí {node.code} chưa có phiếu đánh giá của Lãnh "
                                "đạo hoặc số phiếu giấy.", submission, node))
            elif (names := named_agencies(effective_agency(node, chain))) and len(names) > 1 \
                    and scored[(submission.pk, node.pk)]:
                gaps.append(multi_agency_gap(submission, node, names, scored[(submission.pk, node.pk)]))
            else:
                agency = effective_agency(node, chain) or "chưa rõ cơ quan"
                gaps.append(Gap(f"{submission.unit}: tiêu chí {node.code} chưa thẩm định ({agency}).",
                                submission, node, agency))
    gaps += agencies_without_member(period, submissions)
    gaps += quality_gaps(period, submissions, nodes)
    return gaps


COUNCIL_DECISION = "council_decision"


def multi_agency_gap(submission, node, names, scores: dict) -> Gap:
    """A leaf of several agencies (Phụ lục I 5.5) without their agreement and without the council's decision:
    "<unit>: tiêu chí 5.5 — các cơ quan thẩm định chưa thống nhất (…): cần quyết định của Hội đồng"."""
    _, why = agreement({name: scores.get(name) for name in names})
    return Gap(f"{submission.unit}: tiêu chí {node.code} — {why}: cần quyết định của Hội đồng"
               + (" hoặc cơ quan còn lại chấm." if "chưa đủ" in why else "."), submission, node, kind=COUNCIL_DECISION)


def multi_agency_pending(period) -> list[Gap]:
    """Every multi-agency leaf of the period's appraised sheets that at least one agency scored and that has
    neither the agencies' agreement nor the council's decision (the secretariat's matrix lists them)."""
    statuses = period.appraisable_statuses
    rows = defaultdict(dict)
    for sid, nid, agency, points in AgencyScore.objects.filter(submission__period=period).values_list(
            "submission_id", "node_id", "agency", "points"):
        rows[(sid, nid)][agency] = points
    if not rows:
        return []
    done = set(Appraisal.objects.filter(submission__period=period, points__isnull=False).values_list(
        "submission_id", "node_id"))
    subs = {s.pk: s for s in Submission.objects.filter(pk__in={sid for sid, _ in rows}).select_related("unit")}
    found = {n.pk: n for n in Node.objects.filter(pk__in={nid for _, nid in rows})}
    from .services import leaf_agency

    gaps = []
    for (sid, nid), scores in sorted(rows.items(), key=lambda item: (subs[item[0][0]].unit.name, item[0][1])):
        if (sid, nid) in done or subs[sid].status not in statuses:
            continue
        node = found[nid]
        gaps.append(multi_agency_gap(subs[sid], node, named_agencies(leaf_agency(node)), scores))
    return gaps


def quality_gaps(period, submissions, nodes) -> list[Gap]:
    """Derived levels (no council decision recorded) that bar a unit from a grade its total reaches."""
    if period.kind != period.GRADING or not submissions:
        return []
    from criteria.models import Framework
    from criteria.selectors import content_groups, grading_problem

    # The results group is the framework's (Điều 7); a framework naming none cannot grade: said once, by name.
    settings_of, gaps = {}, []
    for framework in Framework.objects.filter(pk__in={s.framework_id for s in submissions}).order_by("code"):
        if problem := grading_problem(framework):
            gaps.append(Gap(problem))
        else:
            settings_of[framework.pk] = ranking_settings(period, groups=content_groups(framework),
                                                         results_group=framework.results_group)
    submissions = [s for s in submissions if s.framework_id in settings_of]
    if not submissions:
        return gaps
    settings = next(iter(settings_of.values()))  # the period's readings: the same for every framework
    results = appraised_results([s.pk for s in submissions], settings.level_thresholds)
    decided = set(QualityLevel.objects.filter(submission__in=submissions).values_list("submission_id", "node_id"))
    by_id = {n.id: n for fnodes in nodes.values() for n in fnodes}
    agencies: dict[int, set[str]] = defaultdict(set)  # criterion → the agencies appraising its leaves
    for fnodes in nodes.values():
        for leaf, agency in appraised_leaves(fnodes):
            if leaf.criterion_id:
                agencies[leaf.criterion_id].add(agency or "")
    # A criterion holding a multi-agency leaf still without agreement or decision (Phụ lục I 5.5) has no level
    # yet: that leaf is listed as such, not as a level computed from a missing score.
    multi = {n.id: n.criterion_id for fnodes in nodes.values() for n, agency in appraised_leaves(fnodes)
             if len(named_agencies(agency)) > 1}
    pending = {(sid, multi[nid]) for sid, nid in Appraisal.objects.filter(
        submission__in=submissions, node_id__in=multi, points__isnull=False).values_list("submission_id", "node_id")}
    skip = decided | ({(s.pk, cid) for s in submissions for cid in set(multi.values())} - pending)
    for submission in submissions:
        total, below = results[submission.pk]
        criteria = [ranking_rules.Criterion(code=str(cid), group=by_id[cid].group, level=level)
                    for cid, level in below if (submission.pk, cid) not in skip]
        for criterion, grade in ranking_rules.barring_levels(total, criteria, settings_of[submission.framework_id]):
            node = by_id[int(criterion.code)]
            who = ", ".join(sorted(a for a in agencies[node.id] if a)) or "Hội đồng"
            gaps.append(Gap(f"{submission.unit}: tiêu chí {node.code} ở mức {LEVEL_LABELS[criterion.level]} (tính từ "
                            f"điểm thẩm định) làm đơn vị không đạt {ranking_rules.GRADE_LABELS[grade]}: thành viên "
                            f"{who} xác nhận hoặc điều chỉnh có lý do.", submission, node, who))
    return gaps
