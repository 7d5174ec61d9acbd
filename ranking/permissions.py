"""Who may do what with a ranking: the secretariat computes, records facts and submits; the council chair
orders remaining ties; the chairman of the People's Committee approves and revokes; everyone may read a
published result (public page, no login)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from appraisal.models import CouncilMember
from submissions.models import Role
from submissions.permissions import is_secretariat


def is_chair(user, period) -> bool:
    if not user.is_authenticated:
        return False
    return (Role.objects.filter(user=user, kind=Role.CHAIR, authority=period.authority).exists()
            or CouncilMember.objects.filter(user=user, period=period, role=CouncilMember.CHAIR).exists())


def is_chairman(user, period) -> bool:
    return user.is_authenticated and Role.objects.filter(user=user, kind=Role.CHAIRMAN,
                                                         authority=period.authority).exists()


def can_view(user, period) -> bool:
    return is_secretariat(user, period.authority_id) or is_chair(user, period) or is_chairman(user, period)


def viewable_periods(user, periods) -> list:
    """The periods among ``periods`` that ``user`` may view (``can_view`` of each), in two queries however
    many periods there are: the authorities where the user has a secretariat, chair or chairman role, and
    the periods whose appraisal council the user chairs."""
    periods = list(periods)
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return periods
    authorities = set(Role.objects.filter(user=user, kind__in=[Role.SECRETARIAT, Role.CHAIR, Role.CHAIRMAN])
                      .values_list("authority_id", flat=True))
    chaired = set(CouncilMember.objects.filter(user=user, role=CouncilMember.CHAIR).values_list("period_id",
                                                                                               flat=True))
    return [p for p in periods if p.authority_id in authorities or p.pk in chaired]


def require(check: bool, message: str) -> None:
    if not check:
        raise PermissionDenied(message)
