"""The embedded shape (`make run`: SQLite behind runserver or gunicorn with threads) answers concurrent saves
without "database is locked" (#15 item 7): twelve officers of one unit press "Lưu" on the same sheet at the
same instant, first on twelve different criteria, then all on the same criterion (a 409 answered by re-saving
with the current version, as a person would). No save errors and every acknowledged save is in the database.

The saves run in a subprocess against a SQLite *file* built with ``migrate``: the test database of the suite
is in memory, where neither WAL nor a second connection's lock exists. Run by hand:
``.venv/bin/python -m tests.test_sqlite_concurrency /tmp/x.sqlite3`` prints the figures as JSON.
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OFFICERS = 12


def test_twelve_concurrent_saves_of_one_sheet_on_a_sqlite_file(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ENV"}}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", MEDIA_ROOT=str(tmp_path / "media"),
                       LOG_LEVEL="CRITICAL", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "tests.test_sqlite_concurrency", str(tmp_path / "db.sqlite3")],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["errors"] == []
    assert figures["acknowledged"] == 2 * OFFICERS
    assert figures["lost"] == 0
    # The second round: one criterion, twelve people; each re-saves on a 409 until acknowledged.
    # the first criterion: version 1 from the first round, then one version per officer of the second
    assert figures["first_criterion_versions"] == list(range(1, OFFICERS + 2))


def _saves(database: str) -> dict:
    """Build the database, then the two rounds of twelve simultaneous saves through the whole request stack
    (sessions, middleware, the view, ``entry_save``), each officer in a thread of its own as gunicorn's
    threads or runserver's would run them."""
    import re
    from decimal import Decimal

    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from criteria.models import Node
    from submissions.models import Entry, Role
    from tests.factories import UserFactory, make_world

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0)
    world = make_world()
    sheet = world.sub_a
    leaves = [n for n in Node.objects.filter(framework=sheet.framework).order_by("pk")
              if n.rule.get("kind") == "manual"][:OFFICERS]
    assert len(leaves) == OFFICERS, "the framework has too few directly scored criteria"
    assert leaves[0].max_points >= Decimal(2 * OFFICERS) / 100
    clients = []
    for i in range(OFFICERS):
        user = UserFactory(username=f"can-bo-{i}")
        Role.objects.create(user=user, kind=Role.OFFICER, unit=world.unit_a)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    from django.db import connections

    connections.close_all()  # the threads open their own connections, as a server's would

    version_in_page = re.compile(r'name="version" value="(\d+)"')
    acknowledged: list[tuple[int, int, Decimal]] = []  # (node, version, points)
    errors: list[str] = []
    lock = threading.Lock()

    def save(client: Client, node: Node, version: int, value: Decimal, start: threading.Barrier) -> None:
        url = reverse("submissions:entry_save", args=[sheet.pk, node.pk])
        start.wait()
        try:
            for _attempt in range(3 * OFFICERS):
                response = client.post(url, {"version": version, "value": str(value).replace(".", ","),
                                             "explanation": "Theo Mục 1 Báo cáo"}, HTTP_HX_REQUEST="true")
                text = response.content.decode()
                match = version_in_page.search(text)
                if response.status_code == 200 and match:
                    with lock:
                        acknowledged.append((node.pk, int(match.group(1)), value))
                    return
                if response.status_code == 409 and match:
                    version = int(match.group(1))
                    continue
                with lock:
                    errors.append(f"HTTP {response.status_code}")
                return
            with lock:
                errors.append("still refused after every attempt")
        except Exception as exc:  # noqa: BLE001 — every failure is a figure here, not a crash of the run
            with lock:
                errors.append(repr(exc))
        finally:
            connections.close_all()

    def round_of(nodes: list[Node], version: int, first_value: int) -> None:
        start = threading.Barrier(OFFICERS)
        # Values never saved before, so that every acknowledged save of one criterion is a new version.
        threads = [threading.Thread(target=save, args=(client, node, version, Decimal(first_value + i) / 100,
                                                       start))
                   for i, (client, node) in enumerate(zip(clients, nodes, strict=True))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    round_of(leaves, 0, 1)  # twelve criteria of one sheet
    round_of([leaves[0]] * OFFICERS, 1, 1 + OFFICERS)  # twelve people on one criterion, all loaded at version 1

    lost = 0
    for node_id, version, points in acknowledged:
        entry = Entry.objects.get(submission=sheet, node_id=node_id)
        if not entry.history.filter(version=version, points=points).exists():
            lost += 1
    first = Entry.objects.get(submission=sheet, node=leaves[0])
    top = max((a for a in acknowledged if a[0] == first.node_id), key=lambda a: a[1], default=None)
    if top is not None and (first.version, first.points) != (top[1], top[2]):
        lost += 1
    return {
        "acknowledged": len(acknowledged),
        "errors": sorted(errors),
        "lost": lost,
        "first_criterion_versions": sorted(v for n, v, _ in acknowledged if n == leaves[0].pk),
        "journal_mode": connections["default"].cursor().execute("PRAGMA journal_mode").fetchone()[0],
    }


if __name__ == "__main__":
    print(json.dumps(_saves(sys.argv[1]), ensure_ascii=False))
