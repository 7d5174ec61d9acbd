"""What a request changed in the database, cheaply: ``WriteWatch`` sees every SQL statement of the connection
(``connection.execute_wrapper``); before the first INSERT, UPDATE or DELETE on a table it reads the whole table
once, and ``changed()`` reads those tables again and names the ones whose rows differ. A request that writes
nothing costs nothing; a write undone by a rolled-back savepoint (a refused form in one transaction) is not a
change. Used by tests/test_access_matrix.py and tests/test_hostile_urlconf.py.

Tables a refusal may write are ignored: the log of refused accesses (``config.middleware``), sessions (messages
that overflow their cookie, a preview's digest), django-axes' log of failed logins and django-otp's devices (a
wrong code counts against the device's throttling; the enrolment page creates the unconfirmed device).
"""

from __future__ import annotations

import contextlib
import hashlib
import re

from django.db import connection

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)
IGNORED = ("submissions_refusedaccess", "django_session", "axes_", "otp_")


class WriteWatch:
    def __init__(self):
        self.before: dict[str, str] = {}
        self._reading = False

    def __call__(self, execute, sql, params, many, context):
        match = WRITE.match(sql) if not self._reading else None
        if match:
            table = match.group(1)
            if table not in self.before and not table.startswith(IGNORED):
                self.before[table] = self._digest(table)
        return execute(sql, params, many, context)

    def _digest(self, table: str) -> str:
        self._reading = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT * FROM "{table}"')
                rows = sorted(repr(row) for row in cursor.fetchall())  # any order the database returns
            return hashlib.sha256("\n".join(rows).encode()).hexdigest()
        finally:
            self._reading = False

    def changed(self) -> list[str]:
        """The tables written since the watch began whose rows are not what they were."""
        return sorted(table for table, digest in self.before.items() if self._digest(table) != digest)


@contextlib.contextmanager
def watching():
    """``with watching() as watch: ...``, then ``watch.changed()``."""
    watch = WriteWatch()
    with connection.execute_wrapper(watch):
        yield watch
