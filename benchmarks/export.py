"""The ranking workbook against raw openpyxl writing the same cells.

Run: `.venv/bin/python benchmarks/export.py --units 1000` (SQLite in a temp dir unless DATABASE_URL is set).
Builds N communes on the commune framework with every leaf appraised, ranks the block, then times
``ranking.reports.ranking_workbook`` (reads the per-criterion scores from the database and writes) and a
raw write-only openpyxl workbook of exactly the same cells.
Last line: `export: units=N cells=C export_s=X raw_openpyxl_s=Y ratio=Z peak_mb=W`. Target: ratio ≤ 1.5.
"""

import argparse
import io
import os
import random
import resource
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402

django_setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from appraisal.models import Appraisal  # noqa: E402
from criteria.models import Authority, Framework, Node  # noqa: E402
from ranking import reports, services  # noqa: E402
from ranking.models import RankingVersion  # noqa: E402
from submissions.models import Block, Period, PeriodBlock, Submission, Unit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0)
    framework = Framework.objects.get(code="dh2024-xa")
    authority = Authority.objects.get(code="huyen-dinh-hoa")
    block = Block.objects.create(authority=authority, code="xa", name="Khối UBND cấp xã")
    now = timezone.now()
    period = Period.objects.create(authority=authority, code="export", name="Export", year=2024,
                                   opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30))
    PeriodBlock.objects.create(period=period, block=block, framework=framework)
    Unit.objects.bulk_create([Unit(authority=authority, block=block, code=f"xa-{i:05d}", name=f"UBND xã {i}")
                              for i in range(args.units)], batch_size=2000)
    Submission.objects.bulk_create([Submission(period=period, unit=u, block=block, framework=framework, status="sent")
                                    for u in Unit.objects.filter(block=block)], batch_size=2000)
    leaves = [n for n in Node.objects.filter(framework=framework) if n.rule]
    rng = random.Random(3)
    shares = [Decimal(1)] * 6 + [Decimal("0.9"), Decimal("0.75"), Decimal("0.5"), Decimal(0)]
    submission_ids = Submission.objects.filter(period=period).values_list("pk", flat=True)
    Appraisal.objects.bulk_create(
        [Appraisal(submission_id=sid, node=node, version=1,
                   points=(node.max_points * rng.choice(shares)).quantize(Decimal("0.001")))
         for sid in submission_ids for node in leaves],
        batch_size=5000)
    # The workbook is made after the appraisal round closed, which froze each submission's numbers.
    from appraisal.services import results_freeze

    start = time.perf_counter()
    results_freeze(period=period)
    print(f"freeze at round close: {time.perf_counter() - start:.2f} s")
    version = RankingVersion(period=period, block=block, snapshot=services.snapshot(period, block))

    export_times, raw_times = [], []
    data = b""
    for _ in range(args.repeat):
        start = time.perf_counter()
        data = reports.ranking_workbook([version])
        export_times.append(time.perf_counter() - start)
    if os.environ.get("PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(reports.ranking_workbook, [version])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    rows = [list(r) for r in load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True)]
    cells = sum(len(r) for r in rows)
    for _ in range(args.repeat):
        start = time.perf_counter()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(version.snapshot["block"]["name"][:31])
        for row in rows:
            sheet.append(row)
        workbook.save(io.BytesIO())
        raw_times.append(time.perf_counter() - start)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    export_s, raw_s = min(export_times), min(raw_times)
    print(f"workbook {len(data) / 1024:.0f} KiB, {len(rows) - 1} unit rows × {len(rows[0])} columns")
    print(f"export: units={args.units} cells={cells} export_s={export_s:.2f} raw_openpyxl_s={raw_s:.2f} "
          f"ratio={export_s / raw_s:.2f} peak_mb={rss:.0f}")


if __name__ == "__main__":
    main()
