"""Benchmark of the criteria stage: load all frameworks, render the tree page, Excel export/import.

Run: `make bench` (or `.venv/bin/python benchmarks/criteria.py`). Uses a throw-away SQLite database
unless DATABASE_URL is set. Prints figures; asserts nothing about time.
"""

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from criteria.models import Framework, Node  # noqa: E402
from criteria.spreadsheet import framework_export_xlsx, framework_import_xlsx  # noqa: E402
from submissions.models import User  # noqa: E402


def timed(fn, repeat=5):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    call_command("load_frameworks", verbosity=0)
    first_load = (time.perf_counter() - start) * 1000
    median, worst = timed(lambda: call_command("load_frameworks", verbosity=0))
    print(f"load_frameworks, first load: {first_load:.0f} ms for {Node.objects.count()} nodes "
          f"in {Framework.objects.count()} frameworks")
    print(f"load_frameworks, again (unchanged): median {median:.0f} ms, worst {worst:.0f} ms")

    user, _ = User.objects.get_or_create(username="bench")
    client = Client()
    client.force_login(user)
    for code in ("tn2024-so", "dh2024-xa"):
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *a, q=queries: q.append(sql) or execute(sql, *a)):
            response = client.get(f"/tieu-chi/{code}/")
        assert response.status_code == 200
        median, worst = timed(lambda code=code: client.get(f"/tieu-chi/{code}/"), repeat=20)
        print(f"GET /tieu-chi/{code}/: {len(queries)} queries, {len(response.content) / 1024:.0f} KiB, "
              f"median {median:.1f} ms, worst {worst:.1f} ms")

    framework = Framework.objects.get(code="dh2024-xa")
    data = framework_export_xlsx(framework)
    median, worst = timed(lambda: framework_export_xlsx(framework))
    print(f"Excel export dh2024-xa: {len(data) / 1024:.0f} KiB, median {median:.0f} ms, worst {worst:.0f} ms")
    tracemalloc.start()
    median, worst = timed(lambda: framework_import_xlsx(data=data))
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    print(f"Excel import dh2024-xa (unchanged): median {median:.0f} ms, worst {worst:.0f} ms, "
          f"peak Python memory {peak:.1f} MiB")


if __name__ == "__main__":
    main()
