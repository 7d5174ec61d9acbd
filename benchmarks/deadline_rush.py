"""The last afternoon: many officers saving scores at once against gunicorn on loopback with PostgreSQL.

Run: `.venv/bin/python benchmarks/deadline_rush.py --users 50 --seconds 60`. Uses DATABASE_URL when it
points at PostgreSQL, else creates a throw-away database on 127.0.0.1 (dropped at the end). Each
simulated officer saves random criteria of their unit with the version they last saw; a 409 (someone
else saved first) is answered like a person would: take the current version and save again.
At the end every acknowledged save is checked against the database (value and history).
Last line: `rush: users=N saves=K errors=E lost=L p50_ms=A p95_ms=B`.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _setup import drop_postgres, ensure_postgres, percentile  # noqa: E402

VERSION = re.compile(r'name="version" value="(\d+)"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean seconds an officer spends between two saves (uniform 0.5×–1.5×); 0 = none")
    args = parser.parse_args()

    url, created = ensure_postgres("rush")
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from criteria.models import Node
    from submissions.models import Entry, Role, Submission, Unit
    from tests.factories import UserFactory, make_world

    server = None
    try:
        call_command("migrate", verbosity=0)
        call_command("load_frameworks", verbosity=0)
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        world = make_world()
        # Ten units of five officers each: several people per unit, as on the real afternoon.
        units = [world.unit_a, world.unit_b]
        for i in range(max(0, (args.users + 4) // 5 - 2)):
            units.append(Unit.objects.create(authority=world.authority, block=world.block, code=f"don-vi-{i}",
                                             name=f"Đơn vị {i}"))
        from submissions import services

        for unit in units:
            services.submission_get_or_create(period=world.period, unit=unit)
        leaves = [n for n in Node.objects.filter(framework=world.sub_a.framework) if n.rule.get("kind") == "manual"]
        people = []
        per_unit = max(1, -(-args.users // len(units)))
        for i in range(args.users):
            unit = units[i % len(units)]
            # Phân công chấm điểm: the officers of a unit share its criteria out between them.
            colleague = i // len(units)
            mine = [leaf for k, leaf in enumerate(leaves) if k % per_unit == colleague % per_unit] or leaves
            user = UserFactory(username=f"rush{i}")
            Role.objects.create(user=user, kind=Role.OFFICER, unit=unit)
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            people.append((user, Submission.objects.get(period=world.period, unit=unit), session.session_key, mine))

        env = {**os.environ, "DATABASE_URL": url}
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{args.port}",
             "-w", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"],
            cwd=ROOT, env=env)
        import httpx

        base = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)

        acknowledged = defaultdict(list)  # (submission, node) -> [(version, points)]
        latencies: list[float] = []
        errors: list[str] = []
        conflicts = [0]
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def officer(user, submission, session_key, mine):
            rng = random.Random(user.pk)
            # No keep-alive: in production a proxy talks to gunicorn, one connection per request.
            client = httpx.Client(base_url=base, cookies={"sessionid": session_key}, timeout=30,
                                  limits=httpx.Limits(max_keepalive_connections=0))
            page = client.get(f"/don-vi/bao-cao/{submission.pk}/")
            token = client.cookies.get("csrftoken")
            versions = {}
            if page.status_code != 200 or not token:
                with lock:
                    errors.append(f"page {page.status_code}")
                return
            time.sleep(rng.uniform(0, args.think))  # officers do not all press "Lưu" in the same millisecond
            while time.monotonic() < deadline:
                if args.think:
                    time.sleep(rng.uniform(0.5 * args.think, 1.5 * args.think))
                # Mostly their own criteria; now and then a colleague's (the conflicts of real life).
                node = rng.choice(mine if rng.random() < 0.95 else leaves)
                value = Decimal(rng.randint(0, int(node.max_points * 4))) / 4
                version = versions.get(node.pk, 0)
                for _attempt in range(5):
                    start = time.perf_counter()
                    try:
                        response = client.post(
                            f"/don-vi/bao-cao/{submission.pk}/tieu-chi/{node.pk}/luu/",
                            data={"version": str(version), "value": str(value).replace(".", ","),
                                  "explanation": f"Cập nhật bởi {user.username}, Mục 1"},
                            headers={"HX-Request": "true", "X-CSRFToken": token})
                    except httpx.HTTPError as exc:
                        with lock:
                            errors.append(repr(exc))
                        break
                    elapsed = (time.perf_counter() - start) * 1000
                    match = VERSION.search(response.text)
                    with lock:
                        latencies.append(elapsed)
                    if response.status_code == 200 and match:
                        new_version = int(match.group(1))
                        versions[node.pk] = new_version
                        with lock:
                            acknowledged[(submission.pk, node.pk)].append((new_version, value))
                        break
                    if response.status_code == 409 and match:
                        with lock:
                            conflicts[0] += 1
                        version = int(match.group(1))
                        continue
                    with lock:
                        errors.append(f"HTTP {response.status_code}")
                    break

        threads = [threading.Thread(target=officer, args=p) for p in people]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        duration = time.monotonic() - started

        # Every acknowledged save must be in the database: the history holds the acknowledged value at the
        # acknowledged version (a save of an unchanged value acknowledges the version it saw), and the
        # entry's current value is that of its highest acknowledged version.
        lost = 0
        saves = sum(len(v) for v in acknowledged.values())
        for (submission_id, node_id), acks in acknowledged.items():
            entry = Entry.objects.get(submission_id=submission_id, node_id=node_id)
            recorded = {(h.version, h.points) for h in entry.history.all()}
            lost += sum(1 for version, value in acks if (version, value) not in recorded)
            top_version, top_value = max(acks, key=lambda a: a[0])
            if entry.version == top_version and entry.points != top_value:
                lost += 1
        p50 = percentile(latencies, 50) if latencies else 0
        p95 = percentile(latencies, 95) if latencies else 0
        print(f"{len(people)} officers in {len(units)} units for {duration:.0f} s: {saves} acknowledged saves "
              f"({saves / duration:.0f}/s), {conflicts[0]} conflicts answered by re-saving, think time "
              f"{args.think} s, gunicorn {args.workers} workers × {args.threads} threads")
        if errors:
            print("errors:", sorted(set(errors))[:5])
        print(f"rush: users={len(people)} saves={saves} errors={len(errors)} lost={lost} p50_ms={p50:.0f} "
              f"p95_ms={p95:.0f}")
    finally:
        if server:
            server.terminate()
            server.wait(10)
        drop_postgres(created)


if __name__ == "__main__":
    main()
