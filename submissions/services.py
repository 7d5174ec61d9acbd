"""Writes of the submissions app (accounts for now; units, periods and scores come with issue 3)."""

from django.db import transaction

from .models import User


@transaction.atomic
def user_password_changed(*, user: User) -> None:
    """Clear the first-login flag once the person has chosen their own password."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.must_change_password = False
