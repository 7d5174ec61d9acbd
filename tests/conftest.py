"""Shared test set-up: the five frameworks are loaded once per test database, and a base of named
actors (healthchecks' alice/bob/charlie) is available to every test.

Actors at this stage: ``admin`` (may import frameworks), ``officer`` (a plain logged-in official) and
the anonymous visitor. Later stages add the officer and approver of units A and B, a council member
of Sở Tài chính, the secretariat and an outsider.
"""

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from tests import hypothesis_profiles  # noqa: F401 (registers and loads the profile HYPOTHESIS_PROFILE names)
from tests.factories import UserFactory


@pytest.fixture(scope="session", autouse=True)
def _demo_accounts_file(tmp_path_factory):
    """load_demo's list of demo accounts goes to a temporary file, never over a developer's var/demo-accounts.txt."""
    with override_settings(DEMO_ACCOUNTS_FILE=str(tmp_path_factory.mktemp("demo-accounts") / "demo-accounts.txt")):
        yield


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


def _client_for(user) -> Client:
    """A separate browser per actor, so two actors in one test never share a session."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def officer_client(officer):
    return _client_for(officer)


@pytest.fixture
def world(db):
    from tests.factories import make_world

    return make_world()


@pytest.fixture
def client_for():
    """``client_for(user)``: a logged-in browser of its own for that actor."""
    return _client_for


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing a password the production way takes ~0.3 s; tests create many accounts."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def demo_pages(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every page the demo accounts can reach, as plain data, crawled once per session (tests/page_samples.py).
    A module using it needs ``pytestmark = pytest.mark.django_db`` (pytest-django sets up no database otherwise)."""
    from tests.page_samples import crawl_demo

    return crawl_demo(django_db_blocker, tmp_path_factory)
