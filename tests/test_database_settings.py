"""The database options each shape runs with (#15 items 7 and 9): SQLite queues concurrent writers instead of
answering "database is locked" (tests/test_sqlite_concurrency.py shows it under twelve saves), PostgreSQL keeps
its persistent connections but checks them before use, so a worker recovers by itself after the database
restarted (benchmarks/chaos.py shows it under load)."""

import json

from tests.test_settings import _django

SHOW = ("import json; from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(json.dumps([d['ENGINE'], d.get('OPTIONS', {}), d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))")


def test_sqlite_waits_for_the_write_lock_in_wal_mode():
    result = _django(SHOW)
    assert result.returncode == 0, result.stderr
    engine, options, _, _ = json.loads(result.stdout)
    assert engine == "django.db.backends.sqlite3"
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert [c.strip() for c in options["init_command"].split(";")] == ["PRAGMA journal_mode=WAL",
                                                                       "PRAGMA synchronous=NORMAL"]


def test_a_sqlite_file_named_in_database_url_gets_the_same_options():
    result = _django(SHOW, DATABASE_URL="sqlite:////tmp/khac.sqlite3")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[1]["transaction_mode"] == "IMMEDIATE"


def test_postgresql_keeps_checked_persistent_connections_and_no_sqlite_options():
    result = _django(SHOW, DATABASE_URL="postgres://u@db.example:5432/danhgia", DJANGO_ENV="production",
                     SECRET_KEY="k" * 60, ALLOWED_HOSTS="danhgia.thainguyen.gov.vn")
    assert result.returncode == 0, result.stderr
    engine, options, max_age, health_checks = json.loads(result.stdout)
    assert [engine, options, max_age, health_checks] == ["django.db.backends.postgresql", {}, 60, True]
