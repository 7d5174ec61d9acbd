"""The deadline rush with faults (#15 item 9): while officers save (and now and then upload a PDF) against gunicorn
on PostgreSQL with a Redis broker, one gunicorn worker is killed, PostgreSQL is stopped and started again, and
Redis is stopped and started again, one after the other with quiet time between.

Run: `.venv/bin/python benchmarks/chaos.py --users 200 --workers 2` (about two minutes; `make bench-pg` runs it).

The PostgreSQL and the Redis it breaks are its own: a throw-away cluster (initdb under /tmp, port 5439, trust
authentication, run as the ``postgres`` account when started by root) and a redis-server on port 6389, both
removed at the end. It never touches the shared servers on 5432 and 6379 (those ports are refused). gunicorn runs
the production settings as docker-compose.yml does (sync workers, ``--timeout 120``), with
``REDIS_URL`` on the private Redis; no Celery worker runs, the queued signature checks stay queued.

Officers are those of benchmarks/deadline_rush.py (a save every ``--think`` s on average, a 409 answered by
re-saving with the current version); ``--upload-share`` of their actions are an evidence upload instead (a PDF:
its signature check is published to Redis after the commit). Every acknowledged save is checked against the
entry's history as deadline_rush.py does, every acknowledged upload against the evidence rows and files.

Printed per fault: how long it lasted (kill: until the master has forked the replacement; PostgreSQL: from
``pg_ctl stop`` to ``pg_ctl start`` returning; Redis: from stopping it to its first PONG), the failed requests
observed while it lasted and after it ended (until the next fault), the slowest request of that time, and the
time back to normal: from the end of the fault to the start of the first 5 s in which no request fails and the
p95 of every second stays under max(3 × the p95 before the first fault, that p95 + 250 ms). Targets: 0 lost,
errors only while a fault lasts, back to normal within 10 s. gunicorn's log (Django's tracebacks included) stays
in /tmp/chaos-gunicorn-<pid>.log; the errors it holds are counted by cause at the end.

Measured (2026-12, the 2-core machine shared with other work, load average 3–7): 50 officers, save p95 168 ms
before the faults: kill → 1 error (the request the worker was answering), back to normal 3 s (the new worker
boots); PostgreSQL down 5.4 s → 132 HTTP 500 while down, 0 after, normal at once (CONN_HEALTH_CHECKS reconnects
each worker on its next request); Redis down 10 s → 0 errors, uploads p95 154 ms (the publish gives up fast,
the beat re-queues the check), every upload after it came back queued; 0 lost. 200 officers saturate that
machine before any fault (two runs: save p95 2.0 s and 4.6 s, 47 and 29 saves/s of the 100/s asked): the same
pattern, 0 errors after any fault, 0 lost.
Last line: `chaos: users=N saves=K uploads=U errors=E errors_after_faults=A lost=L back_to_normal_s=X/Y/Z`.
"""

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _setup import percentile, postgres_setup  # noqa: E402
from deadline_rush import VERSION, lost_saves, make_officers, request  # noqa: E402

SHARED_PORTS = {5432, 6379}
PG_BIN = Path("/usr/local/bin")
REDIS_SERVER = "/usr/bin/redis-server"


# --------------------------------------------------------------------------- the private servers


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1:port with trust authentication."""

    def __init__(self, port: int):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="chaos-pg-"))
        self.data = self.dir / "data"
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        command = [str(PG_BIN / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A redis-server on 127.0.0.1:port, no persistence."""

    def __init__(self, port: int):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="chaos-redis-")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--loglevel", "warning"], stdout=subprocess.DEVNULL)
        while not self.answers():
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            return self.command("PING") == "+PONG"
        except OSError:
            return False

    def command(self, line: str) -> str:
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
            s.sendall(line.encode() + b"\r\n")
            return s.recv(64).decode().strip()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


# --------------------------------------------------------------------------- the officers


@dataclass
class Event:
    started: float
    ended: float
    kind: str  # "save", "upload", "page"
    ok: bool
    detail: str = ""


@dataclass
class Record:
    events: list[Event] = field(default_factory=list)
    acknowledged: dict = field(default_factory=lambda: defaultdict(list))  # as deadline_rush.lost_saves wants
    uploads: list[str] = field(default_factory=list)  # original names of the acknowledged uploads
    upload_times: list[float] = field(default_factory=list)  # when each was acknowledged
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)


def multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 "Content-Type: application/pdf\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(host: str, path: str, cookies: dict, headers: dict, body: bytes, content_type: str) -> int:
    import http.client

    connection = http.client.HTTPConnection(host, timeout=150)
    try:
        connection.request("POST", path, body=body, headers={
            "Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.1", "Connection": "close",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Content-Type": content_type, **headers})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def officer(host: str, person, leaves, args, record: Record, stop: threading.Event, ready: threading.Barrier,
            pdf: bytes) -> None:
    user, submission, session_key, mine = person
    rng = random.Random(user.pk)
    cookies = {"sessionid": session_key}
    page = f"/don-vi/bao-cao/{submission.pk}/"
    token = None
    time.sleep(rng.uniform(0, 5))  # the officers open their sheet over a few seconds, not all at once
    while token is None and not stop.is_set():  # the page may be loaded while a fault lasts: try again
        started = time.monotonic()
        try:
            status, _, set_cookies = request("GET", host, page, cookies)
        except OSError as exc:
            status, set_cookies = repr(exc), {}
        cookies.update(set_cookies)
        token = cookies.get("csrftoken") if status == 200 else None
        record.add(Event(started, time.monotonic(), "page", token is not None, str(status)))
        if token is None:
            time.sleep(1)
    ready.wait()  # the faults' clock starts once every sheet is open
    headers = {"HX-Request": "true", "X-CSRFToken": token or "", "Referer": f"https://{host}{page}"}
    versions: dict[int, int] = {}
    time.sleep(rng.uniform(0, args.think))  # officers do not all press "Lưu" in the same millisecond
    uploads = 0
    while not stop.is_set():
        time.sleep(rng.uniform(0.5 * args.think, 1.5 * args.think))
        node = rng.choice(mine if rng.random() < 0.95 else leaves)
        if rng.random() < args.upload_share:
            uploads += 1
            name = f"{user.username}-{uploads}.pdf"
            body, content_type = multipart({"doc_number": f"{uploads}/BC-{user.pk}", "doc_date": "01/03/2024",
                                            "issuer": "Sở Xây dựng"}, name, pdf)
            started = time.monotonic()
            try:
                status = upload(host, f"{page}tieu-chi/{node.pk}/tai-lieu/", cookies, headers, body, content_type)
            except OSError as exc:
                status = repr(exc)
            record.add(Event(started, time.monotonic(), "upload", status == 200, str(status)))
            if status == 200:
                with record.lock:
                    record.uploads.append(name)
                    record.upload_times.append(time.monotonic())
            continue
        value = Decimal(rng.randint(0, int(node.max_points * 4))) / 4
        version = versions.get(node.pk, 0)
        for _attempt in range(5):
            started = time.monotonic()
            try:
                status, text, _ = request("POST", host, f"{page}tieu-chi/{node.pk}/luu/", cookies, headers=headers,
                                          form={"version": str(version), "value": str(value).replace(".", ","),
                                                "explanation": f"Cập nhật bởi {user.username}, Mục 1"})
            except OSError as exc:
                record.add(Event(started, time.monotonic(), "save", False, repr(exc)))
                break
            match = VERSION.search(text)
            ok = status in (200, 409) and match is not None
            record.add(Event(started, time.monotonic(), "save", ok, f"HTTP {status}"))
            if status == 200 and match:
                versions[node.pk] = int(match.group(1))
                with record.lock:
                    record.acknowledged[(submission.pk, node.pk)].append((int(match.group(1)), value))
                break
            if status == 409 and match:
                with record.lock:
                    record.conflicts += 1
                version = int(match.group(1))
                continue
            break


# --------------------------------------------------------------------------- faults and figures


@dataclass
class Fault:
    name: str
    started: float
    ended: float


def per_second(events: list[Event], start: float, seconds: int) -> list[str]:
    """``p95 ms of the saves/failed requests`` for each second from ``start``, for the eye."""
    bins: list[list[Event]] = [[] for _ in range(seconds)]
    for event in events:
        if start <= event.ended < start + seconds:
            bins[int(event.ended - start)].append(event)
    return [f"{percentile([(e.ended - e.started) * 1000 for e in b if e.kind == 'save'] or [0], 95):.0f}/"
            f"{sum(not e.ok for e in b)}" for b in bins]


def back_to_normal(events: list[Event], fault_end: float, until: float, threshold_ms: float) -> float | None:
    """Seconds from ``fault_end`` to the start of the first 5 s in which no request fails and the p95 of the
    saves of each second stays under ``threshold_ms``; None if that never happened before ``until``."""
    seconds = int(until - fault_end)
    bins: list[list[Event]] = [[] for _ in range(seconds + 1)]
    for event in events:
        if fault_end <= event.ended < until:
            bins[int(event.ended - fault_end)].append(event)

    def normal(b: list[Event]) -> bool:
        latencies = [(e.ended - e.started) * 1000 for e in b if e.kind == "save"]
        return all(e.ok for e in b) and (not latencies or percentile(latencies, 95) <= threshold_ms)

    for start in range(0, seconds - 4):
        if all(normal(bins[start + k]) for k in range(5)):
            return float(start)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--pg-port", type=int, default=5439)
    parser.add_argument("--redis-port", type=int, default=6389)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between two actions of an officer")
    parser.add_argument("--upload-share", type=float, default=0.03, help="share of actions that upload a PDF")
    parser.add_argument("--warmup", type=float, default=20, help="seconds of rush before the first fault")
    parser.add_argument("--settle", type=float, default=25, help="seconds of rush after each fault")
    parser.add_argument("--pg-down", type=float, default=3, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--redis-down", type=float, default=10, help="seconds Redis stays stopped")
    args = parser.parse_args()
    if {args.pg_port, args.redis_port} & SHARED_PORTS:
        sys.exit("5432 and 6379 are the shared PostgreSQL and Redis: the chaos run breaks only servers of its own.")
    for port in (args.pg_port, args.redis_port, args.port):
        if not free(port):
            sys.exit(f"port {port} is in use: another chaos run? Stop it or choose other ports.")

    postgres = PrivatePostgres(args.pg_port)
    redis = PrivateRedis(args.redis_port)
    server, scratch = None, []
    try:
        postgres.start()
        redis.start()
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "postgres", "-d", "postgres",
                        "-qc", "CREATE DATABASE chaos"], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{args.pg_port}/chaos"
        os.environ["SECRET_KEY"] = "chaos-" + "x" * 50  # gunicorn reads the sessions made here
        url, _ = postgres_setup("chaos")
        _, leaves, people = make_officers(args.users)
        from django.db import connections

        connections.close_all()  # this process's connection would not survive the restart either

        from weasyprint import HTML

        pdf = HTML(string="<p>Báo cáo số 5/BC-SXD</p>").write_pdf()
        static_root, media_root = tempfile.mkdtemp(prefix="chaos-static-"), tempfile.mkdtemp(prefix="chaos-media-")
        scratch += [static_root, media_root]
        # gunicorn's and Django's log (a 409 is logged as a warning, a 500 with its traceback), read at the end.
        server_log = open(Path(media_root).parent / f"chaos-gunicorn-{os.getpid()}.log", "w+")
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_ENV": "production", "ALLOWED_HOSTS": "127.0.0.1",
               "LOG_LEVEL": "CRITICAL", "STATIC_ROOT": static_root, "MEDIA_ROOT": media_root,
               "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0"}
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{args.port}",
             "-w", str(args.workers), "--threads", str(args.threads), "--timeout", "120"],
            cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        host = f"127.0.0.1:{args.port}"
        for _ in range(150):
            try:
                if request("GET", host, "/healthz", {})[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)

        record, stop, ready = Record(), threading.Event(), threading.Barrier(len(people) + 1)
        threads = [threading.Thread(target=officer, args=(host, p, leaves, args, record, stop, ready, pdf))
                   for p in people]
        opening = time.monotonic()
        for t in threads:
            t.start()
        ready.wait()
        origin = time.monotonic()
        print(f"{len(people)} sheets opened in {origin - opening:.0f} s")
        faults: list[Fault] = []

        def at(seconds: float) -> None:
            time.sleep(max(0.0, origin + seconds - time.monotonic()))

        at(args.warmup)
        workers = children(server.pid)
        started = time.monotonic()
        os.kill(sorted(workers)[0], signal.SIGKILL)
        while len(children(server.pid) - workers) < 1 or len(children(server.pid)) < args.workers:
            time.sleep(0.05)
        faults.append(Fault("gunicorn worker killed", started, time.monotonic()))

        at(faults[-1].ended - origin + args.settle)
        started = time.monotonic()
        postgres.stop()
        time.sleep(args.pg_down)
        postgres.start()
        faults.append(Fault("PostgreSQL stopped and started", started, time.monotonic()))

        at(faults[-1].ended - origin + args.settle)
        started = time.monotonic()
        redis.stop()
        time.sleep(args.redis_down)
        redis.start()
        faults.append(Fault("Redis stopped and started", started, time.monotonic()))

        at(faults[-1].ended - origin + args.settle)
        stop.set()
        for t in threads:
            t.join()
        finished = time.monotonic()

        lost = lost_saves(record.acknowledged)
        from submissions.models import Evidence

        stored = {e.original_name: e.file.name for e in Evidence.objects.filter(original_name__in=record.uploads)}
        lost_uploads = sum(1 for name in record.uploads
                           if name not in stored or not (Path(media_root) / stored[name]).exists())
        connections.close_all()

        events = sorted(record.events, key=lambda e: e.ended)
        before = [(e.ended - e.started) * 1000 for e in events
                  if e.kind == "save" and origin + 5 <= e.ended < faults[0].started]
        base_p95 = percentile(before, 95) if before else 0
        threshold = max(3 * base_p95, base_p95 + 250)
        saves = sum(len(v) for v in record.acknowledged.values())
        failed = [e for e in events if not e.ok]
        print(f"{len(people)} officers for {finished - origin:.0f} s, gunicorn {args.workers} workers × "
              f"{args.threads} threads, think {args.think} s: {saves} acknowledged saves, {len(record.uploads)} "
              f"acknowledged uploads, {record.conflicts} conflicts answered by re-saving")
        print(f"before the first fault: save p50 {percentile(before, 50) if before else 0:.0f} ms, p95 "
              f"{base_p95:.0f} ms; 'normal' = no failure and p95 of each second ≤ {threshold:.0f} ms")
        early = [e for e in failed if e.ended < faults[0].started]
        print(f"errors before the first fault: {len(early)}")
        recoveries, after_total = [], 0
        for i, fault in enumerate(faults):
            until = faults[i + 1].started if i + 1 < len(faults) else finished
            during = [e for e in failed if fault.started <= e.ended <= fault.ended]
            after = [e for e in failed if fault.ended < e.ended < until]
            after_total += len(after)
            window = [e for e in events if fault.started <= e.ended < until]
            slowest = max(((e.ended - e.started), e.kind) for e in window) if window else (0, "")
            uploads_in = [(e.ended - e.started) * 1000 for e in window if e.kind == "upload"]
            recovered = back_to_normal(events, fault.ended, until, threshold)
            recoveries.append("never" if recovered is None else f"{recovered:.0f}")
            kinds = sorted({e.detail for e in during + after})[:4]
            print(f"- {fault.name} at {fault.started - origin:.1f} s, lasted {fault.ended - fault.started:.1f} s: "
                  f"{len(during)} errors while it lasted, {len(after)} after it ended"
                  + (f" (last {max(e.ended for e in after) - fault.ended:.1f} s after)" if after else "")
                  + f"; slowest request {slowest[0]:.1f} s ({slowest[1]})"
                  + (f", upload p95 {percentile(uploads_in, 95):.0f} ms" if uploads_in else "")
                  + f"; back to normal {recoveries[-1]} s after it ended" + (f"; {kinds}" if kinds else ""))
            print(f"  per second from its start (save p95 ms/failed requests): "
                  f"{' '.join(per_second(events, fault.started, int(fault.ended - fault.started) + 10))}")
        print(f"lost: {lost} saves, {lost_uploads} uploads")
        # Redis restarted empty: what its queue holds was published after it came back.
        queued = int(redis.command("LLEN celery").lstrip(":"))
        since = sum(1 for t in record.upload_times if t > faults[-1].ended)
        print(f"signature checks in Redis's queue at the end: {queued}, uploads acknowledged after Redis came back: "
              f"{since} (the others wait for the beat re-queue, recheck_pending_signatures)")
        server_log.flush()
        server_log.seek(0)
        causes = defaultdict(int)
        for line in server_log:
            if line.startswith(("django.db.utils.", "psycopg.", "kombu.", "redis.", "[")) and "Error" in line:
                causes[line.strip()[:150]] += 1
        print(f"gunicorn log ({server_log.name}), errors by cause:")
        for cause, count in sorted(causes.items(), key=lambda c: -c[1])[:8]:
            print(f"  {count} × {cause}")
        print(f"chaos: users={len(people)} saves={saves} uploads={len(record.uploads)} errors={len(failed)} "
              f"errors_after_faults={after_total} lost={lost + lost_uploads} back_to_normal_s={'/'.join(recoveries)}")
    finally:
        if server:
            server.terminate()
            server.wait(10)
        redis.remove()
        postgres.remove()
        for directory in scratch:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
