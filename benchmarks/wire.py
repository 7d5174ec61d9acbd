"""Bytes on the wire (issue #17 item 1): the score page of a full commune sheet and the council unit page.

Run: `.venv/bin/python benchmarks/wire.py [--repeat 20] [--postgres]` (a throw-away SQLite database, or with
``--postgres`` DATABASE_URL when it is PostgreSQL, else a throw-away PostgreSQL database on 127.0.0.1, dropped at
the end).
Builds the demo province as ``make run`` does (``make_dev_certificate``, ``load_demo``), fills every leaf of
Bình Thành's commune sheet (dh2024-xa: a value, an explanation and two evidence files each), and asks, as the
demo accounts, for the commune officer's score page and a council member's unit page (Sở Tư pháp's sent sheet).
For each: raw HTML bytes, bytes on the wire when the browser accepts gzip (``GZipMiddleware``), median server ms
in-process (Django test client, uncompressed; wall and this process's CPU time, which a loaded machine disturbs
less; on PostgreSQL the database's own work is outside the CPU figure), and queries. One line per page:
`wire: page=P raw_kib=R wire_kib=W ratio=X server_ms=M server_cpu_ms=C queries=Q`. Target: ≤ 40 KiB on the
wire for the full commune sheet.

``build_demo`` is shared with ``benchmarks/lighthouse.py``, ``database``/``drop`` with it and
``benchmarks/documents.py``.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _setup import ROOT, django_setup, drop_postgres, ensure_postgres  # noqa: E402


def database(postgres: bool) -> str | None:
    """Django set up on SQLite (throw-away) or PostgreSQL; returns the name of a database to drop, or None."""
    created = None
    if postgres:
        import os

        url, created = ensure_postgres("bench")
        os.environ["DATABASE_URL"] = url
    django_setup()
    return created


def drop(created: str | None) -> None:
    """Drops the throw-away PostgreSQL database, after ending the connections a server thread may keep."""
    if created:
        import subprocess

        from django.db import connections

        connections.close_all()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qAtc",
                        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{created}' "
                        "AND pid <> pg_backend_pid()"], check=False, stdout=subprocess.DEVNULL)
        drop_postgres(created)


def build_demo() -> dict:
    """The demo province with Bình Thành's sheet full; returns the accounts and URLs the benchmarks visit:
    ``{name: (username or None, path)}`` for login, score, council unit, ranking block, public list and detail."""
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command

    files = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    settings.RANKING_SIGNING_P12 = files / "dev-signing.p12"
    settings.DEMO_ACCOUNTS_FILE = str(files / "demo-accounts.txt")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.OTP_REQUIRED = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the demo's notices stay quiet
    call_command("migrate", verbosity=0)
    call_command("make_dev_certificate", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    sys.path.insert(0, str(ROOT))
    from datetime import date

    from appraisal.models import CouncilMember
    from criteria.models import Node
    from ranking.models import RankingVersion
    from submissions import services
    from submissions.models import Entry, Evidence, Submission, User

    sub = Submission.objects.get(period__code="dh-2024", unit__code="xa-binh-thanh")
    officer = User.objects.get(username="binhthanh.capnhat")
    from tests.submissions.helpers import tiny_pdf

    pdf = tiny_pdf()
    for i, node in enumerate(n for n in Node.objects.filter(framework=sub.framework).order_by("ordering") if n.rule):
        kind = node.rule["kind"]
        if kind == "survey" or Entry.objects.filter(submission=sub, node=node).exists():
            continue
        value = "0" if kind == "levels" else "90" if kind == "percent" else str(node.max_points).replace(".", ",")
        services.entry_save(submission=sub, node=node, actor=officer, version=0, value=value,
                            explanation=f"Tại Mục {i % 4 + 1} Báo cáo số {i + 1}/BC-UBND của UBND xã Bình Thành")
        for k in range(2):
            services.evidence_add(submission=sub, node=node, actor=officer,
                                  upload=services.Upload(f"tai-lieu-{i}-{k}.pdf", pdf),
                                  doc_number=f"{i * 2 + k + 1}/BC-UBND", doc_date=date(2024, 11, 1),
                                  issuer="UBND xã Bình Thành")
    print(f"demo: Bình Thành sheet {Node.objects.filter(framework=sub.framework).count()} nodes, "
          f"{Entry.objects.filter(submission=sub).count()} entries, "
          f"{Evidence.objects.filter(entry__submission=sub).count()} evidence files")

    sent = Submission.objects.get(period__code="demo-2025", unit__code="so-tu-phap")
    member = CouncilMember.objects.get(period=sent.period, user__username="stc.thamdinh")
    published = (RankingVersion.objects
                 .filter(status=RankingVersion.PUBLISHED, period__authority__code="tinh-thai-nguyen")
                 .order_by("-period__year", "block__ordering").first())
    return {
        "login": (None, "/dang-nhap/"),
        "score": ("binhthanh.capnhat", f"/don-vi/bao-cao/{sub.pk}/"),
        "council_unit": ("stc.thamdinh", f"/tham-dinh/thanh-vien/{member.pk}/bao-cao/{sent.pk}/"),
        "ranking_block": ("snv.thuongtruc", f"/xep-loai/ky/{published.period_id}/khoi/{published.block_id}/"),
        "public_list": (None, "/cong-khai/"),
        "public_detail": (None, f"/cong-khai/{published.pk}/"),
    }


def logged_in_client(username: str | None):
    from django.test import Client

    from submissions.models import User
    from submissions.services import user_password_changed

    client = Client()
    if username:
        user = User.objects.get(username=username)
        if user.must_change_password:
            user_password_changed(user=user)
        client.force_login(user)
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    created = database(args.postgres)
    try:
        measure(args.repeat)
    finally:
        drop(created)


def measure(repeat: int) -> None:
    from django.db import connection

    print(f"database: {connection.vendor}")
    pages = build_demo()
    for name in ("score", "council_unit"):
        username, url = pages[name]
        client = logged_in_client(username)
        queries: list[str] = []
        with connection.execute_wrapper(lambda execute, sql, *a, queries=queries: queries.append(sql)
                                        or execute(sql, *a)):
            raw = client.get(url)
        assert raw.status_code == 200, (url, raw.status_code)
        assert "Content-Encoding" not in raw, raw.headers
        wire = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert wire.get("Content-Encoding") == "gzip", wire.headers
        samples, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        print(f"wire: page={name} raw_kib={len(raw.content) / 1024:.1f} wire_kib={len(wire.content) / 1024:.1f} "
              f"ratio={len(raw.content) / len(wire.content):.1f} server_ms={statistics.median(samples):.1f} "
              f"server_cpu_ms={statistics.median(cpu):.1f} queries={len(queries)}")


if __name__ == "__main__":
    main()
