"""Who may read and change what in the self-assessment stage: one place, used by every view and download.

* officers and approvers of a unit read and write their unit's submissions (the approver alone sends
  and assigns);
* the secretariat of the period's authority reads every submission of that authority and manages
  periods, units, accounts and supplementary windows;
* a superuser (admin) reads everything;
* everyone else gets 404: the existence of another unit's submission or file is not revealed.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Evidence, Role, Submission, with_deadline


def is_secretariat(user, authority_id: int | None = None) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = Role.objects.filter(user=user, kind=Role.SECRETARIAT)
    if authority_id is not None:
        roles = roles.filter(authority_id=authority_id)
    return roles.exists()


def secretariat_authority_ids(user) -> list[int]:
    if user.is_superuser:
        from criteria.models import Authority

        return list(Authority.objects.values_list("id", flat=True))
    return list(Role.objects.filter(user=user, kind=Role.SECRETARIAT).values_list("authority_id", flat=True))


class Access:
    """What a user may do with one submission."""

    def __init__(self, user, submission: Submission):
        unit_id, authority_id = submission.unit_id, submission.period.authority_id
        roles: set[tuple[str, int | None, int | None]] = set()
        if hasattr(submission, "user_is_officer"):  # read with the submission (selectors.submission_for_save)
            roles = {role for role, held in (((Role.OFFICER, unit_id, None), submission.user_is_officer),
                                             ((Role.APPROVER, unit_id, None), submission.user_is_approver),
                                             ((Role.SECRETARIAT, None, authority_id), submission.user_is_secretariat))
                     if held}
        elif user.is_authenticated:  # the unit's roles and the secretariat of the period's authority, in one query
            roles = set(Role.objects.filter(Q(unit_id=unit_id) | Q(kind=Role.SECRETARIAT, authority_id=authority_id),
                                            user=user).values_list("kind", "unit_id", "authority_id"))
        self.officer = any(kind == Role.OFFICER and unit == unit_id for kind, unit, _ in roles)
        self.approver = any(kind == Role.APPROVER and unit == unit_id for kind, unit, _ in roles)
        self.secretariat = user.is_authenticated and (user.is_superuser or any(
            kind == Role.SECRETARIAT and authority == authority_id for kind, _, authority in roles))
        self.read = self.officer or self.approver or self.secretariat or user.is_superuser
        self.write = self.officer or self.approver
        self.send = self.approver


def get_submission_for_user(user, pk: int, *, write: bool = False, send: bool = False,
                            base=None) -> tuple[Submission, Access]:
    """``base``: the submissions to read from, with what they join, when not the default (the save path:
    ``selectors.submission_for_save``)."""
    from appraisal.paper import unit_write_refusal, with_paper_flag  # paper blocks: a stage above this one

    if base is None:
        base = Submission.objects.select_related("unit", "block", "period", "period__authority", "framework")
    submission = get_object_or_404(with_deadline(with_paper_flag(base)), pk=pk)
    access = Access(user, submission)
    if not access.read:
        raise Http404("Không tìm thấy báo cáo.")
    if (write and not access.write) or (send and not access.send):
        raise PermissionDenied("Bạn không có quyền thực hiện thao tác này trên báo cáo của đơn vị.")
    if write or send:  # a block on paper: the appraisal team enters the sheet, the unit reads it
        refusal = unit_write_refusal(submission, send=send)
        if refusal:
            raise PermissionDenied(refusal)
    return submission, access


def get_evidence_for_user(user, pk: int) -> Evidence:
    evidence = get_object_or_404(Evidence.objects.select_related("entry__submission"), pk=pk)
    get_submission_for_user(user, evidence.entry.submission_id)
    return evidence


def require_secretariat(user, authority_id: int | None = None) -> None:
    if not is_secretariat(user, authority_id):
        raise PermissionDenied("Chức năng này dành cho cơ quan thường trực (Sở Nội vụ / Phòng Nội vụ).")
