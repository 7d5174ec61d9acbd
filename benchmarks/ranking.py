"""Ranking a very large block: N communes on the commune framework, every leaf appraised.

Run: `.venv/bin/python benchmarks/ranking.py --units 10000` (PostgreSQL: uses DATABASE_URL, or creates a
throw-away database on 127.0.0.1). Builds the data with COPY, closes the appraisal (which freezes each
submission's total and criterion levels; ``--live`` skips it), ranks the block through the same code the
ranking page uses (``ranking.services.snapshot``), and times a raw SQL sum over the same rows.
Last line: `ranking: units=N criteria=C rank_s=X raw_sql_s=Y ratio=Z peak_mb=W`.
Targets at 10000 units on PostgreSQL: ratio ≤ 2 (frozen), ≤ 3 (``--live``), peak memory < 500 MB.
``PHASES=1`` prints the wall time of the steps of ``snapshot()`` (with ``--live``, ``live_results``: the one
scan of the scores, inside ``build_units``); ``PROFILE=1`` (``SORT=cumtime``) prints a cProfile of each run.
"""

import argparse
import os
import random
import resource
import sys
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _setup import drop_postgres, postgres_setup  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--live", action="store_true", help="rank before the round closes (no frozen results)")
    args = parser.parse_args()
    url, created = postgres_setup("bench")
    from django.db import connection
    from django.utils import timezone

    from criteria.models import Authority, Framework, Node
    from ranking import services
    from submissions.models import Block, Period, PeriodBlock, Submission, Unit

    try:
        framework = Framework.objects.get(code="dh2024-xa")
        authority = Authority.objects.get(code="huyen-dinh-hoa")
        block = Block.objects.create(authority=authority, code="xa", name="Khối UBND cấp xã", excellent_quota=None)
        now = timezone.now()
        period = Period.objects.create(authority=authority, code="bench", name="Benchmark", year=2024,
                                       opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30))
        PeriodBlock.objects.create(period=period, block=block, framework=framework)
        leaves = [n for n in Node.objects.filter(framework=framework) if n.rule]
        start = time.perf_counter()
        Unit.objects.bulk_create([Unit(authority=authority, block=block, code=f"xa-{i:05d}", name=f"UBND xã {i}")
                                  for i in range(args.units)], batch_size=5000)
        units = list(Unit.objects.filter(block=block).order_by("code"))
        Submission.objects.bulk_create([Submission(period=period, unit=u, block=block, framework=framework,
                                                   status="sent") for u in units], batch_size=5000)
        submissions = list(Submission.objects.filter(period=period).values_list("pk", flat=True))
        rng = random.Random(1)
        table = "appraisal_appraisal"
        with connection.cursor() as cursor:
            columns = "(submission_id, node_id, points, reason, comment, proposal, version)"
            with cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                shares = [Decimal(1)] * 6 + [Decimal("0.9"), Decimal("0.75"), Decimal("0.5"), Decimal(0)]
                for sid in submissions:
                    for node in leaves:
                        points = (node.max_points * rng.choice(shares)).quantize(Decimal("0.001"))
                        copy.write_row((sid, node.pk, points, "", "", "", 1))
            cursor.execute(f"ANALYZE {table}")
            # Statistics of the bulk-loaded tables, as autovacuum keeps them in a running database (without
            # them the planner may join 10 000 sheets to their units by nested loops).
            cursor.execute("ANALYZE submissions_unit, submissions_submission")
        rows = len(submissions) * len(leaves)
        print(f"built {len(submissions)} submissions × {len(leaves)} leaves = {rows} appraised scores "
              f"in {time.perf_counter() - start:.1f} s")

        def raw_sql():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT submission_id, SUM(points) FROM {table} a JOIN submissions_submission s "
                               "ON s.id = a.submission_id WHERE s.period_id = %s GROUP BY submission_id",
                               [period.pk])
                return cursor.fetchall()

        # The appraisal round closes: every submission's numbers are frozen (AppraisedResult), as
        # appraisal.services.round_close does; ranking then reads one row per unit.
        from appraisal.services import results_freeze

        if args.live:
            print("live: ranking from the appraised scores (round not closed)")
        else:
            start = time.perf_counter()
            frozen = results_freeze(period=period)
            print(f"freeze at round close: {frozen} results in {time.perf_counter() - start:.2f} s")
        phases: dict[str, float] = {}
        if os.environ.get("PHASES"):  # wall time of the two steps of snapshot() that matter
            from criteria import dieu7 as rules

            def timed(module, name):
                inner = getattr(module, name)

                def wrapper(*a, **k):
                    t = time.perf_counter()
                    try:
                        return inner(*a, **k)
                    finally:
                        phases[name] = time.perf_counter() - t
                setattr(module, name, wrapper)
            timed(services, "build_units")
            if args.live:
                timed(services, "live_results")
            timed(rules, "rank_units")
            services.rules = rules
        raw_times, rank_times = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            raw = raw_sql()
            raw_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            if os.environ.get("PROFILE"):
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
            snap = services.snapshot(period, block)
            if os.environ.get("PROFILE"):
                profiler.disable()
                pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(25)
            rank_times.append(time.perf_counter() - start)
            if phases:
                print("phases: " + " ".join(f"{k}={v:.3f}" for k, v in phases.items())
                      + f" total={rank_times[-1]:.3f}")
        # Python's peak allocation, measured in a separate run: tracemalloc slows the code it traces ~3×.
        tracemalloc.start()
        services.snapshot(period, block)
        peak_python = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
        assert len(raw) == len(snap["units"]) == args.units
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        criteria = len(snap["criteria"])
        rank_s, raw_s = min(rank_times), min(raw_times)
        top = snap["units"][0]
        print(f"first: {top['id']} {top['total']} {top['grade']}; cap {snap['summary']['excellent_cap']}; "
              f"python peak {peak_python:.0f} MB (tracemalloc), process max RSS {rss:.0f} MB")
        print(f"ranking: units={args.units} criteria={criteria} rank_s={rank_s:.2f} raw_sql_s={raw_s:.2f} "
              f"ratio={rank_s / raw_s:.2f} peak_mb={rss:.0f}")
    finally:
        drop_postgres(created)


if __name__ == "__main__":
    main()
