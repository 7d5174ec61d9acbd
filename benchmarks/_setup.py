"""Shared start-up for benchmark scripts: a throw-away database unless DATABASE_URL is set."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup(media: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    if media:
        os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def ensure_postgres(prefix: str) -> tuple[str, str | None]:
    """DATABASE_URL when it is PostgreSQL, else a throw-away database on 127.0.0.1 (name returned to drop)."""
    import subprocess
    import time

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url, None
    name = f"{prefix}_{int(time.time())}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", f"CREATE DATABASE {name}"],
                   check=True)
    return f"postgres://postgres@127.0.0.1:5432/{name}", name


def drop_postgres(name: str | None) -> None:
    import subprocess

    if name:
        from django.db import connections

        connections.close_all()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc",
                        f"DROP DATABASE IF EXISTS {name}"], check=False)


def postgres_setup(prefix: str) -> tuple[str, str | None]:
    """Django on PostgreSQL (DATABASE_URL, or a throw-away database), eager Celery, migrated, frameworks
    loaded. Returns (url, name of the database to drop at the end or None)."""
    url, created = ensure_postgres(prefix)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0)
    return url, created
