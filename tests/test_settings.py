"""Settings read from the environment: defaults, PostgreSQL, production refusing to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _django(code: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ENV",
                                                                     "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    environment.update(env)
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=60)


def test_defaults_are_sqlite_eager_celery_vietnamese():
    result = _django(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.LANGUAGE_CODE, s.TIME_ZONE, "
        "s.DATABASES['default']['NAME'].endswith('db.sqlite3'))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "vi", "Asia/Ho_Chi_Minh", "True"]


def test_database_and_redis_urls_switch_to_postgresql_and_a_broker():
    result = _django(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CELERY_BROKER_URL)",
        DATABASE_URL="postgres://u@db.example:5432/danhgia", REDIS_URL="redis://cache.example:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql", "danhgia", "False", "redis://cache.example:6379/0",
    ]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_fails_loudly_without_required_settings(missing):
    env = {"DJANGO_ENV": "production", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "danhgia.thainguyen.gov.vn"}
    del env[missing]
    result = _django("pass", **env)
    assert result.returncode != 0
    assert f"{missing} must be set when DJANGO_ENV=production" in result.stderr


def test_production_settings_are_secure():
    result = _django(
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER[0])",
        DJANGO_ENV="production", SECRET_KEY="k" * 60, ALLOWED_HOSTS="danhgia.thainguyen.gov.vn",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "HTTP_X_FORWARDED_PROTO"]


def test_unknown_environment_name_is_refused():
    result = _django("pass", DJANGO_ENV="prod")
    assert result.returncode != 0 and "DJANGO_ENV must be" in result.stderr


def test_evidence_storage_switches_to_s3_when_a_bucket_is_named():
    result = _django(
        "from django.conf import settings as s; from django.core.files.storage import storages; "
        "d = storages['default']; print(s.STORAGES['default']['BACKEND'], type(d).__name__, d.bucket_name, "
        "d.default_acl)",
        S3_BUCKET="danhgia-minh-chung", S3_ENDPOINT_URL="https://s3.thainguyen.gov.vn", S3_ACCESS_KEY="k",
        S3_SECRET_KEY="s",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["storages.backends.s3.S3Storage", "S3Storage", "danhgia-minh-chung", "private"]
    local = _django("from django.core.files.storage import storages; print(type(storages['default']).__name__)")
    assert local.stdout.strip() == "FileSystemStorage"


@pytest.mark.parametrize("count, expected", [
    (None, ["('HTTP_X_FORWARDED_FOR',)", "0", "False"]),  # production default: one proxy (Caddy)
    ("0", ["('REMOTE_ADDR',)", "0", "None"]),
    ("2", ["('HTTP_X_FORWARDED_FOR',)", "1", "False"]),
])
def test_production_reads_the_client_address_behind_the_proxies(count, expected):
    """Issue 15.4: django-ipware is installed and AXES_PROXY_COUNT reaches it (see tests/test_security.py)."""
    env = {"DJANGO_ENV": "production", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "danhgia.thainguyen.gov.vn"}
    if count is not None:
        env["AXES_PROXY_COUNT"] = count
    result = _django(
        "import ipware, axes.helpers; from django.conf import settings as s; "
        "print(axes.helpers.IPWARE_INSTALLED, repr(tuple(s.AXES_IPWARE_META_PRECEDENCE_ORDER)).replace(' ', ''), "
        "s.AXES_IPWARE_PROXY_COUNT, getattr(s, 'IPWARE_STRICT', None))", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", *expected]
