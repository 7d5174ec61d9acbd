"""Shared test set-up: the five frameworks are loaded once per test database, and a base of named
actors (healthchecks' alice/bob/charlie) is available to every test.

Actors at this stage: ``admin`` (may import frameworks), ``officer`` (a plain logged-in official) and
the anonymous visitor. Later stages add the officer and approver of units A and B, a council member
of Sở Tài chính, the secretariat and an outsider.
"""

import pytest
from django.core.management import call_command

from tests.factories import UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_frameworks", verbosity=0)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def officer(db):
    return UserFactory(username="canbo")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client
