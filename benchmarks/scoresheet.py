"""Score-entry page of a full commune sheet: dh2024-xa with every leaf scored and two evidence files each.

Run: `.venv/bin/python benchmarks/scoresheet.py [--repeat 30]`. The last line is
`scoresheet: nodes=N queries=Q median_ms=M p95_ms=P`. Target: queries ≤ 25 whatever N or the file count.
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

from criteria.models import Node  # noqa: E402
from submissions import services  # noqa: E402
from submissions.models import Entry, Evidence  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.factories import make_world
    from tests.submissions.helpers import tiny_pdf

    world = make_world(framework_code="dh2024-xa")
    sub = world.sub_a
    leaves = [n for n in Node.objects.filter(framework=sub.framework).order_by("ordering") if n.rule]
    pdf = tiny_pdf()
    from datetime import date

    for i, node in enumerate(leaves):
        rule = node.rule
        if rule["kind"] == "survey":
            continue
        value = "0" if rule["kind"] == "levels" else "90" if rule["kind"] == "percent" else str(node.max_points)
        services.entry_save(submission=sub, node=node, actor=world.officer_a, version=0, value=value,
                            explanation=f"Tại Mục {i} Báo cáo số {i}/BC-UBND")
        for k in range(2):
            services.evidence_add(submission=sub, node=node, actor=world.officer_a,
                                  upload=services.Upload(f"tai-lieu-{i}-{k}.pdf", pdf),
                                  doc_number=f"{i * 2 + k + 1}/BC-UBND", doc_date=date(2024, 11, 1),
                                  issuer="UBND xã Bình Thành")
    nodes = Node.objects.filter(framework=sub.framework).count()
    print(f"sheet: {nodes} nodes, {Entry.objects.filter(submission=sub).count()} entries, "
          f"{Evidence.objects.filter(entry__submission=sub).count()} evidence files")

    client = Client()
    client.force_login(world.officer_a)
    url = f"/don-vi/bao-cao/{sub.pk}/"
    queries: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    samples = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    print(f"page size {len(response.content) / 1024:.0f} KiB; mean {statistics.mean(samples):.1f} ms over "
          f"{args.repeat} renders")
    # Bytes on the wire for a browser that accepts gzip (every browser does): GZipMiddleware (issue #17 item 1).
    wire = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert wire.get("Content-Encoding") == "gzip", wire.headers
    print(f"wire: raw_kib={len(response.content) / 1024:.1f} gzip_kib={len(wire.content) / 1024:.1f} "
          f"ratio={len(response.content) / len(wire.content):.1f}")
    print(f"scoresheet: nodes={nodes} queries={len(queries)} median_ms={statistics.median(samples):.1f} "
          f"p95_ms={percentile(samples, 95):.1f}")


if __name__ == "__main__":
    main()
