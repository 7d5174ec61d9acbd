"""Reads of the self-assessment stage. The score page and the reports cost a constant number of
queries however many criteria and files a submission has: nodes, entries, evidence, assignments
and windows are each read once and joined in Python."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

from criteria.evidence import NOT_SIGNED
from criteria.models import Node
from criteria.scoring import parse_rule
from criteria.selectors import framework_nodes
from criteria.tree import effective_agency, under

from . import rules
from .models import Assignment, Entry, Evidence, Role, Submission, Window


@dataclass
class Item:
    node: Node
    agency: str
    entry: Entry | None = None
    evidence: list[Evidence] = field(default_factory=list)
    assignees: list = field(default_factory=list)
    children: list[Item] = field(default_factory=list)
    subtotal: Decimal = Decimal(0)
    scored: int = 0
    leaves: int = 0
    mine: bool = False
    window_open: bool = False
    duplicate_numbers: list[str] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def rule(self):
        return parse_rule(self.node.rule, self.node.max_points) if self.node.rule else None

    @property
    def points(self):
        return self.entry.points if self.entry else None

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0

    @property
    def has_support(self) -> bool:
        return bool(self.evidence) or bool(self.entry and self.entry.explanation.strip())

    @property
    def warning_numbers(self) -> list[Evidence]:
        return [e for e in self.evidence if e.doc_number_suffix]


@dataclass
class Sheet:
    submission: Submission
    roots: list[Item]
    leaves: list[Item]
    windows: list[Window]

    @property
    def total(self) -> Decimal:
        return sum((r.subtotal for r in self.roots), Decimal(0))


def submission_sheet(submission: Submission, user=None) -> Sheet:
    nodes = list(framework_nodes(submission.framework).values())
    entries = {e.node_id: e for e in Entry.objects.filter(submission=submission).select_related("updated_by")}
    evidence = defaultdict(list)
    for item in (Evidence.objects.filter(entry__submission=submission, removed_at__isnull=True)
                 .select_related("entry").order_by("uploaded_at", "id")):
        evidence[item.entry.node_id].append(item)
    assigned = defaultdict(list)
    for assignment in Assignment.objects.filter(submission=submission).select_related("user"):
        assigned[assignment.node_id].append(assignment.user)
    windows = list(Window.objects.filter(submission=submission).prefetch_related("nodes"))
    from django.utils import timezone

    now = timezone.now()
    open_codes = {n.code for w in windows if w.opens_at <= now < w.closes_at for n in w.nodes.all()}
    numbers = defaultdict(set)  # "Số trùng": the distinct files (by content; a file without a hash is its own)
    for items in evidence.values():
        for e in items:
            numbers[e.doc_number_normalized].add(e.sha256 or f"#{e.pk}")

    by_id: dict[int, Item] = {}
    roots: list[Item] = []
    leaves: list[Item] = []
    chain = framework_nodes(submission.framework)
    for node in nodes:
        parent = by_id.get(node.parent_id)
        item = Item(node=node, agency=effective_agency(node, chain),
                    entry=entries.get(node.id), evidence=evidence.get(node.id, []),
                    assignees=assigned.get(node.id, []))
        item.mine = bool(user and (any(u.pk == user.pk for u in item.assignees) or (parent and parent.mine)))
        item.window_open = node.code in open_codes
        item.duplicate_numbers = sorted({e.doc_number for e in item.evidence
                                         if len(numbers[e.doc_number_normalized]) > 1})
        by_id[node.id] = item
        (parent.children if parent else roots).append(item)
    for item in reversed(list(by_id.values())):
        if item.children:
            item.subtotal = sum((c.subtotal for c in item.children), Decimal(0))
            item.scored = sum(c.scored for c in item.children)
            item.leaves = sum(c.leaves for c in item.children)
        else:
            leaves.append(item)
            item.leaves = 0 if item.node.is_survey else 1
            if item.points is not None:
                item.subtotal = item.points
                item.scored = 1
    leaves.reverse()
    return Sheet(submission=submission, roots=roots, leaves=leaves, windows=windows)


def leaf_states(sheet: Sheet) -> list[rules.LeafState]:
    return [
        rules.LeafState(
            code=leaf.node.code, rule_kind=leaf.node.rule.get("kind", ""), scored=leaf.points is not None,
            evidence_count=len(leaf.evidence), explanation=leaf.entry.explanation if leaf.entry else "",
            suffix_numbers=tuple(e.doc_number for e in leaf.evidence if e.doc_number_suffix),
            duplicate_numbers=tuple(leaf.duplicate_numbers),
            unsigned_files=sum(1 for e in leaf.evidence if e.signature_status in NOT_SIGNED),
        )
        for leaf in sheet.leaves
    ]


def submission_completeness(submission: Submission, sheet: Sheet | None = None) -> rules.Completeness:
    sheet = sheet or submission_sheet(submission)
    return rules.completeness(leaf_states(sheet),
                              citation_warning=submission.period.setting("explanation_citation_warning"),
                              support_rule=submission.period.setting("support_rule"))


def submission_self_total(submission: Submission) -> Decimal:
    return sum((p for p in Entry.objects.filter(submission=submission, points__isnull=False)
                .values_list("points", flat=True)), Decimal(0))


def submissions_for_user(user) -> QuerySet[Submission]:
    """Submissions of the units where the user is an officer or approver."""
    unit_ids = Role.objects.filter(user=user, kind__in=Role.UNIT_KINDS).values_list("unit_id", flat=True)
    return (Submission.objects.filter(unit_id__in=unit_ids)
            .select_related("unit", "period", "framework").order_by("-period__year", "unit__name"))


def entry_history(entry: Entry) -> list[dict]:
    """Every recorded change of an entry, newest first, with what changed from the previous record."""
    from criteria.scoring import fmt

    def pts(value):
        return None if value is None else fmt(value)

    records = list(entry.history.select_related("history_user").order_by("history_date", "history_id"))
    out = []
    previous = None
    for record in records:
        changes = []
        if previous is None:
            if record.points is not None or record.explanation:
                changes.append(("Điểm", None, pts(record.points)))
        else:
            if record.points != previous.points:
                changes.append(("Điểm", pts(previous.points), pts(record.points)))
            elif record.reason != previous.reason:  # same points from other inputs (a count, a special outcome)
                changes.append(("Cách tính", previous.reason, record.reason))
            if record.explanation != previous.explanation:
                changes.append(("Giải trình", previous.explanation, record.explanation))
        if changes or previous is None:
            out.append({"at": record.history_date, "user": record.history_user, "changes": changes,
                        "reason": record.reason, "explanation": record.explanation, "points": record.points,
                        # why the change was made, when its writer said so ("Nhập từ hồ sơ giấy")
                        "note": record.history_change_reason or ""})
        previous = record
    out.reverse()
    return out


def evidence_history(entry: Entry) -> list:
    return list(Evidence.history.filter(entry_id=entry.pk).select_related("history_user")
                .order_by("-history_date"))


@dataclass
class GroupSum:
    """A section's header on the score page: its subtotal and how many of its criteria are scored."""

    node: Node
    subtotal: Decimal
    scored: int
    leaves: int


@dataclass
class Progress:
    scorable: int
    scored: int
    documented: int
    mine: int
    total: Decimal
    groups: list[GroupSum] = field(default_factory=list)  # the sections above the criterion just saved


def open_windows(submission: Submission, node: Node, now: datetime | None = None) -> list[rules.WindowSpan]:
    """The supplementary windows open at ``now`` that name ``node`` (the only ones the deadline rule can act
    on for that criterion), in one query."""
    from django.utils import timezone

    moment = now or timezone.now()
    return [rules.WindowSpan(opens_at, closes_at, frozenset([node.code])) for opens_at, closes_at in
            submission.windows.filter(nodes=node, opens_at__lte=moment, closes_at__gt=moment)
            .values_list("opens_at", "closes_at")]


def submission_for_save(user, node_id: int, moment: datetime) -> QuerySet[Submission]:
    """The submissions as the save of criterion ``node_id`` by ``user`` reads them, in the one query that also
    locks the row (for the caller's transaction; on PostgreSQL only the submission row, ``of=("self",)``, not
    its period's, which every unit of the period shares): with the user's roles on it (``Access`` reads them,
    no query of its own), the latest close of a supplementary window open at ``moment`` naming the criterion
    (``save_window_closes``, None when none is) and the criterion's entry (``save_entry``, None before its
    first save; read with the row, so possibly older than the lock when another save held it: the write is
    checked against it, ``UPDATE … WHERE version = n``, see ``services.entry_save``). Pass it as ``base`` to
    ``get_submission_for_user``. Joins only what the save and its fragment read (the period, the framework,
    the entry): PostgreSQL plans a query anew each time, and each table joined costs planning time."""
    from django.db.models import Exists, FilteredRelation, OuterRef, Q, Subquery

    windows = (Window.objects.filter(submission=OuterRef("pk"), nodes=node_id, opens_at__lte=moment,
                                     closes_at__gt=moment).order_by("-closes_at").values("closes_at")[:1])
    roles = Role.objects.filter(user_id=user.pk)
    return (Submission.objects.select_for_update(of=("self",))
            .annotate(save_entry=FilteredRelation("entries", condition=Q(entries__node_id=node_id)),
                      user_is_officer=Exists(roles.filter(kind=Role.OFFICER, unit_id=OuterRef("unit_id"))),
                      user_is_approver=Exists(roles.filter(kind=Role.APPROVER, unit_id=OuterRef("unit_id"))),
                      user_is_secretariat=Exists(roles.filter(kind=Role.SECRETARIAT,
                                                              authority_id=OuterRef("period__authority_id"))),
                      save_window_closes=Subquery(windows))
            .select_related("period", "framework", "save_entry"))


def submission_progress(submission: Submission, user=None, *, assignments: list[Assignment] | None = None,
                        node: Node | None = None) -> Progress:
    """The page's progress bar in one query over the submission's entries, without building the whole sheet
    (used after each save). ``assignments``: the submission's assignments when the caller already has them.
    ``node``: the criterion just saved; the subtotals of the sections above it come from the same rows, as
    ``submission_sheet`` adds them up (issue #14 item 3: the headers are swapped out of band)."""
    from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

    nodes = framework_nodes(submission.framework).values()
    scorable = {n.pk for n in nodes if n.unit_scored}
    live_evidence = Evidence.objects.filter(entry=OuterRef("pk"), removed_at__isnull=True)
    rows = Entry.objects.filter(submission=submission).annotate(
        has_file=Exists(live_evidence),
        explained=ExpressionWrapper(~Q(explanation=""), output_field=BooleanField()),
    ).values_list("node_id", "points", "has_file", "explained")
    scored = documented = 0
    total = Decimal(0)
    support_rule = submission.period.setting("support_rule")
    points_of: dict[int, Decimal] = {}
    for node_id, points, has_file, explained in rows:
        total += points or 0
        if points is not None:
            points_of[node_id] = points
        if node_id in scorable:
            scored += points is not None
            documented += not rules.support_missing(evidence_count=int(has_file), explanation="x" if explained else "",
                                                    support_rule=support_rule)
    mine = 0
    if user is not None:
        if assignments is None:
            assignments = list(Assignment.objects.filter(submission=submission))
        assigned = {a.node_id for a in assignments if a.user_id == user.pk}
        parents = {n.pk: n.parent_id for n in nodes}
        mine = sum(1 for pk in scorable if under(pk, assigned, parents)) if assigned else 0
    groups = _group_sums(list(nodes), node, points_of) if node is not None else []
    return Progress(scorable=len(scorable), scored=scored, documented=documented, mine=mine, total=total,
                    groups=groups)


def _group_sums(nodes: list[Node], node: Node, points_of: dict[int, Decimal]) -> list[GroupSum]:
    """The sections above ``node``, outermost first, summed as ``submission_sheet`` sums them: a leaf adds its
    points and counts as scored when it has points; a survey leaf (section I) is not counted among the leaves."""
    by_id = {n.pk: n for n in nodes}
    chain, parent_id = [], by_id[node.pk].parent_id if node.pk in by_id else None
    while parent_id:
        chain.append(by_id[parent_id])
        parent_id = by_id[parent_id].parent_id
    sums = {a.pk: GroupSum(node=a, subtotal=Decimal(0), scored=0, leaves=0) for a in chain}
    if not sums:
        return []
    parents = {n.parent_id for n in nodes}
    for leaf in nodes:
        if leaf.pk in parents:
            continue
        up = leaf.parent_id
        while up:
            if up in sums:
                group = sums[up]
                group.subtotal += points_of.get(leaf.pk, 0)
                group.scored += leaf.pk in points_of
                group.leaves += 0 if leaf.is_survey else 1
            up = by_id[up].parent_id
    return [sums[a.pk] for a in reversed(chain)]


def submission_leaf(submission: Submission, node: Node, user=None, *, entry: Entry | None = None,
                    assignments: list[Assignment] | None = None, window_open: bool | None = None) -> Item:
    """One criterion as the page shows it, in a handful of queries (the fragment returned by a save).
    ``entry`` / ``assignments`` / ``window_open``: the criterion's entry, the submission's assignments and
    whether a supplementary window is open for the criterion, when the caller already has them fresh."""
    from django.db.models import Exists, OuterRef

    chain = framework_nodes(submission.framework)
    ancestors = []
    parent_id = node.parent_id
    while parent_id:
        ancestors.append(chain[parent_id])
        parent_id = chain[parent_id].parent_id
    agency = effective_agency(node, chain)
    if entry is None:
        entry = Entry.objects.filter(submission=submission, node=node).select_related("updated_by").first()
    # Each file with whether the sheet has another live file (other content) of the same number, in one query.
    elsewhere = (Evidence.objects.filter(entry__submission=submission, removed_at__isnull=True,
                                         doc_number_normalized=OuterRef("doc_number_normalized"))
                 .exclude(pk=OuterRef("pk")).exclude(sha256=OuterRef("sha256"), sha256__gt=""))
    evidence = list(Evidence.objects.filter(entry=entry, removed_at__isnull=True).annotate(shared=Exists(elsewhere))
                    .order_by("uploaded_at", "id")) if entry and entry.pk else []
    if assignments is None:
        assignments = list(Assignment.objects.filter(submission=submission).select_related("user"))
    lineage = {node.id} | {a.id for a in ancestors}
    assigned = [a for a in assignments if a.node_id in lineage]
    if window_open is None:
        window_open = bool(open_windows(submission, node))
    duplicates = sorted({e.doc_number for e in evidence if e.shared})
    item = Item(node=node, agency=agency, entry=entry, evidence=evidence,
                assignees=[a.user for a in assigned if a.node_id == node.id])
    item.mine = bool(user and any(a.user_id == user.pk for a in assigned))
    item.window_open = window_open
    item.duplicate_numbers = duplicates
    item.visible = True
    return item
