"""Where one save's time goes: N htmx saves of a criterion through Django's test client (no network, no
gunicorn), on PostgreSQL when DATABASE_URL points at it (else a throw-away database on 127.0.0.1), or on a
throw-away SQLite file with ``--sqlite``.

Prints the queries of a criterion's first save (its entry is created) and of a later save (the steady path
officers take on the last afternoon), then the timing of N steady saves.

Run: `.venv/bin/python benchmarks/save_profile.py --saves 400 [--sqlite]` (PROFILE=1 prints the top functions).
Last line: `save: db=D saves=N mean_ms=X p50_ms=Y p95_ms=Z cpu_ms=C queries=Q first_queries=F`; ``cpu_ms`` is
this process's CPU per save (the database server's excluded), steadier than the wall clock on a loaded machine.
"""

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _setup import django_setup, drop_postgres, percentile, postgres_setup  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=400)
    parser.add_argument("--sqlite", action="store_true", help="a throw-away SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    created = None
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("LOG_LEVEL", "ERROR")
        django_setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_frameworks", verbosity=0)
    else:
        _, created = postgres_setup("save")
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from criteria.models import Node
    from tests.factories import make_world

    try:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        settings.ALLOWED_HOSTS = ["*"]
        world = make_world()
        leaves = [n for n in Node.objects.filter(framework=world.sub_a.framework) if n.rule.get("kind") == "manual"]
        client = Client(enforce_csrf_checks=False)
        client.force_login(world.officer_a)
        versions: dict[int, int] = {}

        def save(i: int):
            node = leaves[i % len(leaves)]
            response = client.post(f"/don-vi/bao-cao/{world.sub_a.pk}/tieu-chi/{node.pk}/luu/",
                                   data={"version": str(versions.get(node.pk, 0)), "value": str(i % 2),
                                         "explanation": f"Lần {i}, Mục 1"}, HTTP_HX_REQUEST="true")
            assert response.status_code == 200, response.status_code
            versions[node.pk] = versions.get(node.pk, 0) + 1

        def recorded(i: int) -> list[str]:
            queries: list[str] = []

            def record(execute, sql, params, many, context):
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(record):
                save(i)
            return queries

        save(0)  # the process's first request (the framework's nodes are read once per process)
        first = recorded(1)  # a criterion without an entry yet
        for i in range(2, 20):  # warm-up
            save(i)
        steady = recorded(len(leaves))  # the first criterion again: its entry exists
        for title, queries in (("first save of a criterion", first), ("later save (steady path)", steady)):
            print(f"{title}: {len(queries)} queries")
            for number, sql in enumerate(queries, 1):
                print(f"  {number:2}. {sql[:150]}")
        times, cpu = [], []
        profiler = None
        if os.environ.get("PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for i in range(len(leaves) + 1, len(leaves) + 1 + args.saves):
            start, start_cpu = time.perf_counter(), time.process_time()
            save(i)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        if profiler:
            import pstats

            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("SORT", "cumulative")).print_stats(45)
            by_area: dict[str, float] = {}
            for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
                parts = filename.split("site-packages/")
                area = parts[1].split("/")[0] + "/" + (parts[1].split("/")[1] if "/" in parts[1] else "") \
                    if len(parts) > 1 else ("project" if "/work/" in filename else "stdlib/builtins")
                by_area[area] = by_area.get(area, 0) + tottime
            for area, seconds in sorted(by_area.items(), key=lambda kv: -kv[1])[:15]:
                print(f"  {area:40} {seconds * 1000 / args.saves:6.2f} ms/save (profiled)")
        print(f"save: db={connection.vendor} saves={len(times)} mean_ms={sum(times) / len(times):.1f} "
              f"p50_ms={percentile(times, 50):.1f} p95_ms={percentile(times, 95):.1f} "
              f"cpu_ms={sum(cpu) / len(cpu):.1f} queries={len(steady)} "
              f"first_queries={len(first)}")
    finally:
        drop_postgres(created)


if __name__ == "__main__":
    main()
