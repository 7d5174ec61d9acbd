"""Issue 15.8: how long publishing a task holds the request when Redis is down, before and after.

"before": Celery's default connection and retry settings and a bare ``task.delay()``, as the upload and
the report request did. "after": the project's settings and ``config.publishing.publish``. Two faults:

- refused: nothing listens on the port (Redis stopped on the same host) — redis://127.0.0.1:1/0;
- unreachable: connects hang (Redis host gone, packets dropped), simulated by a local socket whose
  accept queue is full.

Each publish runs in a fresh process (a new app, no pooled connection), the first publish and two more.
A process still waiting after ``--cap`` seconds is cut (what it printed so far is shown).

    .venv/bin/python benchmarks/broker_down.py [--cap 90]
"""

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _hanging_port() -> tuple[int, list[socket.socket]]:
    """A port that accepts no connection and answers nothing: its accept queue is already full."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    held = [server]
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        held.append(filler)
    time.sleep(0.2)
    return port, held


def child(mode: str, fault: str) -> None:
    held = []
    if fault == "refused":
        os.environ["REDIS_URL"] = "redis://127.0.0.1:1/0"
    else:
        port, held = _hanging_port()
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    os.environ["LOG_LEVEL"] = "CRITICAL"
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _setup import django_setup

    django_setup(media=False)
    import logging

    logging.disable(logging.CRITICAL)
    from config.celery import app
    from submissions.tasks import evidence_check_signature

    if mode == "before":
        from celery.app.defaults import DEFAULTS

        app.conf.update({key: DEFAULTS[key] for key in (
            "broker_connection_timeout", "broker_transport_options", "task_publish_retry_policy",
            "redis_socket_connect_timeout", "result_backend_transport_options")})
    from config.publishing import publish

    for _ in range(3):
        start = time.perf_counter()
        if mode == "before":
            try:
                evidence_check_signature.delay(1)
            except Exception:
                pass
        else:
            publish(evidence_check_signature, 1)
        print(f"{time.perf_counter() - start:.2f}", end=" ", flush=True)
    del held


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cap", type=float, default=90.0)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FAULT"))
    options = parser.parse_args()
    if options.child:
        child(*options.child)
        return
    print("seconds a request waits to publish one task with Redis down (first, second, third publish)")
    for fault in ("refused", "unreachable"):
        for mode in ("before", "after"):
            run = subprocess.Popen([sys.executable, __file__, "--child", mode, fault], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=ROOT)
            try:
                out, err = run.communicate(timeout=options.cap)
                line = out.strip() or err.strip()[-300:]
            except subprocess.TimeoutExpired:
                run.kill()
                out, _ = run.communicate()
                line = f"{out.strip()} … cut after {options.cap:.0f} s, the next publish still waiting".lstrip()
            print(f"{fault:12} {mode:7} {line}")


if __name__ == "__main__":
    main()
