"""The two heavy documents (issue #17 item 6): the score sheet PDF of a full commune sheet and the annex PDF of
a 100-unit block, each beside WeasyPrint rendering the same HTML alone and beside signing alone.

Run: `.venv/bin/python benchmarks/documents.py [--repeat 3] [--units 100] [--postgres]` (a throw-away SQLite
database; ``--postgres`` as in ``benchmarks/wire.py``). The commune sheet is the one of
``benchmarks/scoresheet.py`` (dh2024-xa, every leaf scored, two evidence files each); the annex is of one
published version whose snapshot holds ``--units`` communes (built in memory: the annex reads only the snapshot).

For each document, the steps below are timed taking turns (median of ``--repeat`` rounds, wall and CPU time of
this process: the CPU time is what a loaded machine disturbs least), then measured for memory (one run each):

* ``product``: the product's path: ``submissions.reports.score_sheet_pdf`` (the sheet read, the template, the
  static-only fetcher, metadata, PDF/A-3b, tags, the fingerprint finisher), or ``ranking.reports.annex_pdf``
  (the same for the annex; the annex view then signs it, timed as ``product+sign``);
* ``weasyprint``: ``HTML(string=the same HTML, base_url=BASE_DIR).write_pdf()`` alone, WeasyPrint's defaults;
* ``weasyprint_pdfa``: the same with the product's options (``pdf_variant="pdf/a-3b"``, ``pdf_tags=True``), so
  the gap between it and ``weasyprint`` is what PDF/A and tagging cost, and the gap to ``product`` what the
  product adds around WeasyPrint;
* ``sign``: ``ranking.reports.sign`` alone on the product's PDF (pyHanko, PAdES, the development certificate of
  ``manage.py make_dev_certificate``). The score sheet is signed by the unit outside the product; its signing
  is timed all the same.

Memory: ``py_peak_mb`` is tracemalloc's peak of Python allocations during the step; ``rss_peak_mb`` is the
rise of the process's peak resident set (``VmHWM`` after resetting it through ``/proc/self/clear_refs``), which
counts Pango's and HarfBuzz's C allocations too (measured after ``gc.collect()`` and glibc's ``malloc_trim``, so that
heap freed by the runs before is not silently reused). Last lines:
`documents: doc=D product_ms=P weasyprint_ms=W ratio=R ratio_cpu=C ratio_pdfa=Q sign_ms=S py_peak_mb=M ...`.
``ratio`` is product / WeasyPrint alone on wall time, ``ratio_cpu`` on CPU time, ``ratio_pdfa`` product /
WeasyPrint with the product's options on CPU time. Target: product / WeasyPrint alone ≤ 1.2.
"""

import argparse
import ctypes
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _setup import ROOT  # noqa: E402
from wire import database, drop  # noqa: E402


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _trim() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def measure(steps: dict, repeat: int) -> dict:
    """Per step: median wall and CPU time over ``repeat`` rounds, the steps taking turns within each round (so a
    change in the machine's load falls on all of them alike), then one run for tracemalloc's peak and one for the
    peak RSS rise."""
    for step in steps.values():
        step()  # warm: fonts, templates, imports
    wall: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            wall[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
    results = {}
    for name, step in steps.items():
        tracemalloc.start()
        step()
        py_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rss_rise = None
        try:
            gc.collect()
            _trim()  # freed heap back to the system, or the step would reuse it unseen
            Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux ≥ 4.0)
            before = _status("VmRSS")
            step()
            rss_rise = _status("VmHWM") - before
        except OSError:
            pass
        results[name] = {"ms": statistics.median(wall[name]), "cpu_ms": statistics.median(cpu[name]),
                         "py_mb": py_peak / 2**20, "rss_mb": None if rss_rise is None else rss_rise / 2**20}
    return results


def capture_html(make_pdf) -> tuple[bytes, str]:
    """The product's PDF and the HTML it handed to ``config.pdf.render_pdf``."""
    import config.pdf

    original = config.pdf.render_pdf
    seen = {}

    def keep(html, **kwargs):
        seen["html"] = html
        return original(html, **kwargs)

    config.pdf.render_pdf = keep
    try:
        pdf = make_pdf()
    finally:
        config.pdf.render_pdf = original
    return pdf, seen["html"]


def full_commune_sheet():
    from criteria.models import Node
    from submissions import services
    from tests.factories import make_world
    from tests.submissions.helpers import tiny_pdf

    world = make_world(framework_code="dh2024-xa")
    sub = world.sub_a
    pdf = tiny_pdf()
    for i, node in enumerate(n for n in Node.objects.filter(framework=sub.framework).order_by("ordering") if n.rule):
        kind = node.rule["kind"]
        if kind == "survey":
            continue
        value = "0" if kind == "levels" else "90" if kind == "percent" else str(node.max_points)
        services.entry_save(submission=sub, node=node, actor=world.officer_a, version=0, value=value,
                            explanation=f"Tại Mục {i} Báo cáo số {i}/BC-UBND")
        for k in range(2):
            services.evidence_add(submission=sub, node=node, actor=world.officer_a,
                                  upload=services.Upload(f"tai-lieu-{i}-{k}.pdf", pdf),
                                  doc_number=f"{i * 2 + k + 1}/BC-UBND", doc_date=date(2024, 11, 1),
                                  issuer="UBND xã Bình Thành")
    return world


def annex_version(world, units: int):
    """A published version of ``units`` communes, as ``ranking.services.snapshot`` shapes it (unsaved)."""
    from decimal import Decimal

    from ranking.models import RankingVersion

    grades = ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
    rows = []
    for i in range(units):
        total = Decimal(95) - Decimal(i) * Decimal("0.37")
        rows.append({"id": f"xa-{i:03d}", "name": f"UBND xã Thử Nghiệm Số {i + 1}, huyện Định Hóa", "rank": i + 1,
                     "total": f"{total:.2f}", "total3": f"{total:.3f}", "qualified": grades[min(3, i // 30)],
                     "grade": grades[min(3, i // 30)], "tie": i % 17 == 5, "chair": False, "reasons": []})
    return RankingVersion(period=world.period, block=world.block, number=1, status=RankingVersion.PUBLISHED,
                          decision_number="125/QĐ-UBND", decision_date=date(2025, 1, 20),
                          snapshot={"block": {"code": world.block.code, "name": "Khối UBND cấp xã"},
                                    "rank_only": False, "units": rows, "criteria": []})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    created = database(args.postgres)
    try:
        run(args.repeat, args.units)
    finally:
        drop(created)


def run(repeat: int, units: int) -> None:
    sys.path.insert(0, str(ROOT))
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command
    from weasyprint import HTML

    from ranking import reports as ranking_reports
    from submissions.reports import score_sheet_pdf

    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0)
    settings.RANKING_SIGNING_P12 = Path(tempfile.mkdtemp(prefix="bench-cert-")) / "dev-signing.p12"
    call_command("make_dev_certificate", stdout=StringIO())
    from django.db import connection

    print(f"database: {connection.vendor}")
    world = full_commune_sheet()
    version = annex_version(world, units)
    base_url = str(settings.BASE_DIR)
    stamp = "Phụ lục kèm Quyết định số 125/QĐ-UBND"
    documents = {
        "score_sheet": lambda: score_sheet_pdf(world.sub_a),
        "annex": lambda: ranking_reports.annex_pdf(world.period, [version]),
    }
    for name, product in documents.items():
        pdf, html = capture_html(product)
        steps = {
            "product": product,
            "weasyprint": lambda html=html: HTML(string=html, base_url=base_url).write_pdf(),
            "weasyprint_pdfa": lambda html=html: HTML(string=html, base_url=base_url).write_pdf(
                pdf_variant="pdf/a-3b", pdf_tags=True),
            "sign": lambda pdf=pdf: ranking_reports.sign(pdf, stamp_text=stamp),
        }
        if name == "annex":  # what the annex view does for a published version
            steps["product+sign"] = lambda product=product: ranking_reports.sign(product(), stamp_text=stamp)
        results = measure(steps, repeat)
        print(f"\n{name}: html {len(html) / 1024:.0f} KiB, pdf {len(pdf) / 1024:.0f} KiB")
        print(f"  {'step':16} {'wall_ms':>9} {'cpu_ms':>9} {'py_peak_mb':>11} {'rss_peak_mb':>12}")
        for step, r in results.items():
            rss = "-" if r["rss_mb"] is None else f"{r['rss_mb']:.1f}"
            print(f"  {step:16} {r['ms']:9.0f} {r['cpu_ms']:9.0f} {r['py_mb']:11.1f} {rss:>12}")
        p, w, q, s = (results[k] for k in ("product", "weasyprint", "weasyprint_pdfa", "sign"))
        rss = "-" if p["rss_mb"] is None else f"{p['rss_mb']:.1f}"
        print(f"documents: doc={name} product_ms={p['ms']:.0f} weasyprint_ms={w['ms']:.0f} "
              f"ratio={p['ms'] / w['ms']:.2f} ratio_cpu={p['cpu_ms'] / w['cpu_ms']:.2f} "
              f"ratio_pdfa={p['cpu_ms'] / q['cpu_ms']:.2f} sign_ms={s['ms']:.0f} "
              f"py_peak_mb={p['py_mb']:.1f} rss_peak_mb={rss} weasyprint_py_peak_mb={w['py_mb']:.1f}")


if __name__ == "__main__":
    main()
