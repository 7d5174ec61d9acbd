"""The secretariat's home page (issue #14 item 2) with 2, 20 and 100 unsent sheets, each partly scored.

Run: `.venv/bin/python benchmarks/home.py [--repeat 10]`. One line per size:
`home: units=N queries=Q median_ms=M p95_ms=P`. Target: the same queries whatever N.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup, percentile  # noqa: E402

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from criteria.models import Node  # noqa: E402
from submissions import services  # noqa: E402
from submissions.models import Entry, Unit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.factories import make_world

    world = make_world()
    leaves = [n for n in Node.objects.filter(framework=world.sub_a.framework) if n.rule][:10]
    client = Client()
    client.force_login(world.secretariat)
    units = 2
    for target in (2, 20, 100):
        while units < target:
            unit = Unit.objects.create(authority=world.authority, block=world.block, code=f"don-vi-{units}",
                                       name=f"Đơn vị {units}")
            sheet = services.submission_get_or_create(period=world.period, unit=unit)
            Entry.objects.filter(submission=sheet, node__in=leaves[: units % 10]).update(
                points=1, updated_at=timezone.now())
            units += 1
        client.get("/")  # warm
        samples = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get("/")
                samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        print(f"home: units={units} queries={len(queries)} median_ms={statistics.median(samples):.0f} "
              f"p95_ms={percentile(samples, 95):.0f}")


if __name__ == "__main__":
    main()
