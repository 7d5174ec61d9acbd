"""Who may appraise what: one place for every appraisal view.

* a council member works on the criteria of their agency, for the units of their period that sent
  (or were locked), never for the unit they belong to;
* a council member reads the evidence of exactly the criteria they may appraise, of those units; the chair
  of the council reads the evidence of every sent sheet of the period (``get_evidence_for_council``);
* a leader sees and fills only their own forms;
* the secretariat of the period's authority manages the council, the tallies, release and closing.
Anything else is 404 (existence not revealed) or 403 for a role acting outside its remit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from criteria.models import Node
from criteria.tree import effective_agency
from submissions.models import Evidence, Role, Submission
from submissions.permissions import is_secretariat

from .models import CouncilMember, LeaderForm
from .rules import agency_matches


def member_home_unit_ids(member: CouncilMember) -> set[int]:
    ids = set(Role.objects.filter(user=member.user, kind__in=Role.UNIT_KINDS).values_list("unit_id", flat=True))
    if member.home_unit_id:
        ids.add(member.home_unit_id)
    return ids


def get_member_for_user(user, member_id: int) -> CouncilMember:
    member = get_object_or_404(CouncilMember.objects.select_related("period", "period__authority", "user"),
                               pk=member_id)
    if member.user_id != user.pk:
        raise Http404("Không tìm thấy.")
    return member


def get_submission_for_member(member: CouncilMember, submission_id: int) -> Submission:
    submission = get_object_or_404(Submission.objects.select_related("unit", "period", "framework"),
                                   pk=submission_id, period=member.period)
    if submission.unit_id in member_home_unit_ids(member):
        raise Http404("Thành viên không thẩm định đơn vị mình công tác.")
    if submission.status not in member.period.appraisable_statuses:
        raise Http404("Báo cáo chưa được gửi hoặc không được thẩm định.")
    return submission


def get_evidence_for_council(user, evidence_id: int) -> Evidence:
    """The evidence file ``evidence_id`` if ``user`` judges it, else 404 (existence not revealed): a member
    of the period's council reads the evidence of the criteria of their agency, never of their own unit; the
    chair of the council (a chair seat of the period, or the authority's chair role) reads every sent sheet's
    evidence. Only sheets the council appraises (sent, or locked at the deadline) are readable."""
    evidence = get_object_or_404(Evidence.objects.select_related("entry", "entry__submission",
                                                                 "entry__submission__period"), pk=evidence_id)
    submission = evidence.entry.submission
    if not user.is_authenticated or submission.status not in submission.period.appraisable_statuses:
        raise Http404("Không tìm thấy tài liệu.")
    seats = list(CouncilMember.objects.filter(user=user, period_id=submission.period_id))
    if any(seat.role == CouncilMember.CHAIR for seat in seats) or Role.objects.filter(
            user=user, kind=Role.CHAIR, authority_id=submission.period.authority_id).exists():
        return evidence
    chain = {n.id: n for n in Node.objects.filter(framework_id=submission.framework_id)} if seats else {}
    node = chain.get(evidence.entry.node_id)
    for seat in seats:
        if submission.unit_id not in member_home_unit_ids(seat) and node is not None and _covers(seat, node, chain):
            return evidence
    raise Http404("Không tìm thấy tài liệu.")


def _covers(member: CouncilMember, node: Node, chain: dict[int, Node]) -> bool:
    """Whether ``node`` is among the criteria the member's agency appraises."""
    return agency_matches(effective_agency(node, chain), member.keyword_list())


def get_node_for_member(member: CouncilMember, submission: Submission, node_id: int) -> Node:
    chain = {n.id: n for n in Node.objects.filter(framework_id=submission.framework_id)}
    node = chain.get(node_id)
    if node is None or not node.unit_scored:
        raise Http404("Không tìm thấy tiêu chí.")
    if not _covers(member, node, chain):
        raise PermissionDenied(f"Tiêu chí {node.code} không thuộc phần thẩm định của {member.agency}.")
    return node


def is_council_chair(user, period) -> bool:
    """The chair of the period's council: a chair seat, or the authority's chair role."""
    return user.is_authenticated and (
        CouncilMember.objects.filter(user=user, period=period, role=CouncilMember.CHAIR).exists()
        or Role.objects.filter(user=user, kind=Role.CHAIR, authority_id=period.authority_id).exists())


def get_leader_form_for_user(user, form_id: int) -> LeaderForm:
    form = get_object_or_404(LeaderForm.objects.select_related("period", "unit"), pk=form_id)
    if form.leader_id != user.pk:
        raise Http404("Không tìm thấy phiếu.")
    return form


def is_leader(user, authority_id: int) -> bool:
    return user.is_authenticated and Role.objects.filter(user=user, kind=Role.LEADER,
                                                         authority_id=authority_id).exists()


def require_secretariat_of(user, period) -> None:
    if not is_secretariat(user, period.authority_id):
        raise PermissionDenied("Chức năng này dành cho cơ quan thường trực (Sở Nội vụ / Phòng Nội vụ).")
