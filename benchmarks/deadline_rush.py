"""The last afternoon: many officers saving scores at once against gunicorn on loopback with PostgreSQL.

Run: `.venv/bin/python benchmarks/deadline_rush.py --users 50 --seconds 60`. Uses DATABASE_URL when it
points at PostgreSQL, else creates a throw-away database on 127.0.0.1 (dropped at the end). gunicorn runs
the production settings (DJANGO_ENV=production, DEBUG off, collected static files) behind what a proxy
would send. Each simulated officer saves, every 2 s on average, mostly the criteria assigned to them and
5 % of the time a colleague's, with the version they last saw; a 409 (someone
else saved first) is answered like a person would: take the current version and save again.
At the end every acknowledged save is checked against the database (value and history).
Last line: `rush: users=N saves=K errors=E lost=L p50_ms=A p95_ms=B`.
"""

import argparse
import http.client
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _setup import drop_postgres, percentile, postgres_setup  # noqa: E402

VERSION = re.compile(r'name="version" value="(\d+)"')


def request(method: str, host: str, path: str, cookies: dict, form: dict | None = None,
            headers: dict | None = None) -> tuple[int, str, dict]:
    """One request on a new connection, as a proxy in front of gunicorn makes it (no keep-alive), with the
    headers the proxy adds. http.client rather than httpx: the load generator shares the 2 cores with the
    server, and the lighter client leaves more of them to what is measured. Returns (status, body, cookies
    set)."""
    connection = http.client.HTTPConnection(host, timeout=30)
    try:
        body = urlencode(form).encode() if form is not None else None
        sent = {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.1", "Connection": "close",
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode()
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return response.status, text, {k: m.value for k, m in jar.items()}
    finally:
        connection.close()


def make_officers(users: int) -> tuple[list, list, list]:
    """The world of the rush: units of five officers each (several people per unit, as on the real afternoon),
    logged in. Returns (units, the directly scored criteria, [(user, submission, session key, own criteria)])."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from criteria.models import Node
    from submissions import services
    from submissions.models import Role, Submission, Unit
    from tests.factories import UserFactory, make_world

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = make_world()
    units = [world.unit_a, world.unit_b]
    for i in range(max(0, (users + 4) // 5 - 2)):
        units.append(Unit.objects.create(authority=world.authority, block=world.block, code=f"don-vi-{i}",
                                         name=f"Đơn vị {i}"))
    for unit in units:
        services.submission_get_or_create(period=world.period, unit=unit)
    leaves = [n for n in Node.objects.filter(framework=world.sub_a.framework) if n.rule.get("kind") == "manual"]
    people = []
    per_unit = max(1, -(-users // len(units)))
    for i in range(users):
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
    return units, leaves, people


def lost_saves(acknowledged: dict) -> int:
    """Acknowledged saves missing from the database. ``acknowledged``: (submission id, node id) -> [(version,
    points)]. The history holds each acknowledged value at the acknowledged version (a save of an unchanged
    value acknowledges the version it saw), and the entry's current value is that of its highest acknowledged
    version."""
    from submissions.models import Entry

    lost = 0
    for (submission_id, node_id), acks in acknowledged.items():
        entry = Entry.objects.get(submission_id=submission_id, node_id=node_id)
        recorded = {(h.version, h.points) for h in entry.history.all()}
        lost += sum(1 for version, value in acks if (version, value) not in recorded)
        top_version, top_value = max(acks, key=lambda a: a[0])
        if entry.version == top_version and entry.points != top_value:
            lost += 1
    return lost


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    # 1 thread per worker, as docker-compose.yml runs gunicorn (sync workers). More threads lose here: they
    # contend for the GIL and add backends competing for the same 2 cores (measured: 1 → p95 100 ms, 2 → 164,
    # 3 → 201, 8 → 648 at 200 officers for 60 s).
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean seconds an officer spends between two saves (uniform 0.5×–1.5×); 0 = none")
    args = parser.parse_args()
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:  # else the rush would measure someone else's server
            sys.exit(f"port {args.port} is in use: choose another with --port")

    # The sessions made here are read by gunicorn: both sides sign them with the same key.
    os.environ["SECRET_KEY"] = "rush-" + "x" * 50
    url, created = postgres_setup("rush")
    server = None
    try:
        units, leaves, people = make_officers(args.users)

        # Production settings, as deployed: DEBUG off, behind a TLS-terminating proxy (the client sends the
        # proxy's X-Forwarded-Proto / X-Forwarded-For headers), persistent database connections.
        static_root = tempfile.mkdtemp(prefix="rush-static-")
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_ENV": "production",
               "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "ERROR", "STATIC_ROOT": static_root}
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{args.port}",
             "-w", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"],
            cwd=ROOT, env=env)
        host = f"127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                request("GET", host, "/healthz", {})
                break
            except OSError:
                time.sleep(0.2)

        acknowledged = defaultdict(list)  # (submission, node) -> [(version, points)]
        latencies: list[float] = []
        errors: list[str] = []
        conflicts = [0]
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def officer(user, submission, session_key, mine):
            rng = random.Random(user.pk)
            cookies = {"sessionid": session_key}
            status, page, set_cookies = request("GET", host, f"/don-vi/bao-cao/{submission.pk}/", cookies)
            cookies.update(set_cookies)
            token = cookies.get("csrftoken")
            versions = {}
            if status != 200 or not token:
                with lock:
                    errors.append(f"page {status}")
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
                        status, text, _ = request(
                            "POST", host, f"/don-vi/bao-cao/{submission.pk}/tieu-chi/{node.pk}/luu/", cookies,
                            form={"version": str(version), "value": str(value).replace(".", ","),
                                  "explanation": f"Cập nhật bởi {user.username}, Mục 1"},
                            headers={"HX-Request": "true", "X-CSRFToken": token,
                                     "Referer": f"https://{host}/don-vi/bao-cao/{submission.pk}/"})
                    except OSError as exc:
                        with lock:
                            errors.append(repr(exc))
                        break
                    elapsed = (time.perf_counter() - start) * 1000
                    match = VERSION.search(text)
                    with lock:
                        latencies.append(elapsed)
                    if status == 200 and match:
                        new_version = int(match.group(1))
                        versions[node.pk] = new_version
                        with lock:
                            acknowledged[(submission.pk, node.pk)].append((new_version, value))
                        break
                    if status == 409 and match:
                        with lock:
                            conflicts[0] += 1
                        version = int(match.group(1))
                        continue
                    with lock:
                        errors.append(f"HTTP {status}")
                    break

        threads = [threading.Thread(target=officer, args=p) for p in people]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        duration = time.monotonic() - started

        # Every acknowledged save must be in the database (value and history).
        lost = lost_saves(acknowledged)
        saves = sum(len(v) for v in acknowledged.values())
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
