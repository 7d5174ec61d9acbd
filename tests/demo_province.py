"""The demo province as ``make run`` builds it, for the modules that read it whole (every link, the access
matrix, the hostile-input sweep, the seed workflows): ``make_dev_certificate`` (the signed annex needs it), then
``load_demo``, inside a transaction rolled back when the block ends, with its files in a temporary folder,
fast password hashing and two-factor login off (as the test settings do)."""

from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@contextmanager
def demo_province(django_db_blocker, tmp_path_factory, name: str):
    """Yields what ``load_demo`` printed. Use it in a module-scoped fixture (it takes about 20 s)."""
    files = tmp_path_factory.mktemp(name)
    with override_settings(MEDIA_ROOT=files / "media", RANKING_SIGNING_P12=files / "dev-signing.p12",
                           PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], OTP_REQUIRED=False):
        with django_db_blocker.unblock(), transaction.atomic():
            call_command("make_dev_certificate", stdout=StringIO())
            out = StringIO()
            call_command("load_demo", stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)
