"""One-way steps as data: per stateful object, one pure table of which action is allowed from which state
and by which role, and one ``transition`` call that every service starts with.

The shape follows Zulip's ``check_*``/``do_*`` split and pretalx's single ``set_submission_state``:
the table says what may happen (pure, tested over every state × action × role), the service computes the
prerequisites of the step as a list of what is missing (empty: allowed), and ``transition`` refuses with
that list or moves the state and writes a :class:`~submissions.models.StateChange` row (who, when, from
which state to which, the note and the decision number where there is one).

Lock contract: the caller passes the object row already locked for its transaction
(``select_for_update``), so two people taking the same step at once are serialised and the second one is
refused by the table (the state has moved). The tables themselves live beside their objects:
``submissions.states``, ``appraisal.states``, ``ranking.states``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

#: Who acts. A view or a service works out which of these the person holds for the object at hand.
OFFICER, APPROVER, SECRETARIAT, MEMBER, CHAIR, CHAIRMAN, SYSTEM = (
    "officer", "approver", "secretariat", "member", "chair", "chairman", "system")
ROLE_LABELS = {OFFICER: "Cán bộ cập nhật", APPROVER: "Người phê duyệt", SECRETARIAT: "Cơ quan thường trực",
               MEMBER: "Thành viên Hội đồng thẩm định", CHAIR: "Chủ tịch Hội đồng thẩm định",
               CHAIRMAN: "Chủ tịch UBND", SYSTEM: "Hệ thống"}


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # a verb phrase: "gửi báo cáo", "kết thúc đợt thẩm định"
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]


#: kind → Table, filled as each stage's ``states`` module is imported (their AppConfig.ready imports them).
TABLES: dict[str, Table] = {}


class Table:
    """The actions of one kind of object. ``labels`` names each state in Vietnamese."""

    def __init__(self, kind: str, labels: dict[str, str], actions: Iterable[Action], model=None):
        self.kind, self.labels, self.model = kind, labels, model
        TABLES[kind] = self
        self.actions = {a.name: a for a in actions}
        unknown = {s for a in self.actions.values() for s in (*a.sources, a.target)} - set(labels)
        assert not unknown, f"{kind}: states without a label {unknown}"

    def refusal(self, state: str, action: str, roles: Iterable[str]) -> tuple[str, str] | None:
        """None when ``roles`` may take ``action`` from ``state``; else ("role" | "state", message)."""
        step = self.actions.get(action)
        if step is None:
            return "state", "Thao tác không hợp lệ."
        if not set(roles) & step.roles:
            who = ", ".join(ROLE_LABELS[r] for r in sorted(step.roles))
            return "role", f"Chỉ {who} được {step.label}."
        if state not in step.sources:
            return "state", f"Không {step.label} được khi đang ở trạng thái “{self.labels.get(state, state)}”."
        return None

    def allows(self, state: str, action: str, roles: Iterable[str]) -> bool:
        return self.refusal(state, action, roles) is None

    def offered(self, state: str, roles: Iterable[str]) -> set[str]:
        """The actions a page offers this person for an object in ``state``."""
        roles = set(roles)
        return {name for name in self.actions if self.allows(state, name, roles)}


def transition(table: Table, obj, action: str, *, actor, roles: Iterable[str], missing: list[str] | None = None,
               note: str = "", decision_number: str = "", field: str = "status", at=None):
    """Check the table and the prerequisites, then move ``obj`` to the action's target state and record it.

    ``obj`` must be locked by the caller. Raises PermissionDenied when no role of the actor may take the
    step, ValidationError (first message: what was refused; then each missing item) when the state or a
    prerequisite forbids it; nothing is changed then. The caller saves ``obj``."""
    from .models import StateChange

    step = table.actions[action]
    refused = table.refusal(getattr(obj, field), action, roles)
    if refused and refused[0] == "role":
        raise PermissionDenied(refused[1])
    problems = ([refused[1]] if refused else []) + list(missing or [])
    if problems:
        raise ValidationError([f"Chưa {step.label} được:"] + problems)
    before = getattr(obj, field)
    setattr(obj, field, step.target)
    if obj.pk is None:  # a new object's first step (a re-ranked version): it needs its id for the record
        obj.save()
    return StateChange.objects.create(
        period=obj.period, object_type=table.kind, object_id=obj.pk,
        action=action, from_state=before, to_state=step.target, actor=actor if getattr(actor, "pk", None) else None,
        note=note.strip(), decision_number=decision_number.strip(), at=at or timezone.now())


def period_log(period, *, kinds: Iterable[str] | None = None, limit: int = 200) -> list:
    """The StateChange rows of a period, newest first, each with ``subject``: what moved (a unit's sheet, the
    appraisal round, a block's ranking version), read with one query per kind of object."""
    from .models import StateChange

    changes = StateChange.objects.filter(period=period).select_related("actor").order_by("-at", "-id")
    if kinds is not None:
        changes = changes.filter(object_type__in=list(kinds))
    changes = list(changes[:limit])
    by_kind: dict[str, set[int]] = {}
    for change in changes:
        by_kind.setdefault(change.object_type, set()).add(change.object_id)
    subjects = {}
    for kind, ids in by_kind.items():
        table = TABLES.get(kind)
        if table is not None and table.model is not None:
            subjects.update({(kind, obj.pk): getattr(obj, "log_subject", str(obj))
                             for obj in table.model.objects.filter(pk__in=ids)})
    for change in changes:
        change.subject = subjects.get((change.object_type, change.object_id), "")
    return changes
