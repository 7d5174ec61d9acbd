"""Issue #14 item 7: the Nu Html Checker (vnu.jar, from the npm package ``vnu-jar``) finds 0 errors on every page of
the every-link crawl (``demo_pages``, tests/page_samples.py), full pages and htmx fragments alike (a fragment is
checked inside a minimal valid document). vnu is started once for all the pages (one JVM). Skipped, with the reason,
where Java or vnu.jar is missing (``.ci/run`` installs it under ``$VALIDATORS_DIR``)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

VALIDATORS_DIR = Path(os.environ.get("VALIDATORS_DIR") or Path.home() / ".cache" / "cchc-validators")
VNU_JAR = VALIDATORS_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
FRAGMENT = (
    '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>f</title></head><body>{}</body></html>'
)


def _need_vnu():
    if shutil.which("java") is None:
        pytest.skip("Không có Java (java) trên máy: bỏ qua Nu Html Checker")
    if not VNU_JAR.is_file():
        pytest.skip(f"Không có vnu.jar ở {VNU_JAR} (cài bằng npm install vnu-jar, xem .ci/run)")


def vnu_errors(files: list[Path]) -> dict[Path, list[dict]]:
    """Run vnu once over ``files``; its errors per file."""
    proc = subprocess.run(
        ["java", "-Xss1m", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True, text=True, timeout=600,
    )
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    by_file: dict[Path, list[dict]] = {}
    for m in messages:
        url = m.get("url", "")
        path = Path(url.removeprefix("file:"))
        by_file.setdefault(path, []).append(m)
    return by_file


def test_vnu_finds_an_error_in_a_bad_snippet(tmp_path):
    """So the sweep cannot pass vacuously: a div inside a summary and an unknown hx-get attribute are errors."""
    _need_vnu()
    bad = tmp_path / "bad.html"
    bad.write_text(FRAGMENT.format('<details><summary><div>x</div></summary></details><a hx-get="/x">y</a>'),
                   encoding="utf-8")
    good = tmp_path / "good.html"
    good.write_text(FRAGMENT.format('<details><summary><span>x</span></summary></details><a data-hx-get="/x">y</a>'),
                    encoding="utf-8")
    errors = vnu_errors([bad, good])
    messages = [m["message"] for m in errors.get(bad, [])]
    assert any("div" in m for m in messages), messages
    assert any("hx-get" in m for m in messages), messages
    assert errors.get(good, []) == []


def test_every_demo_page_is_valid_html(demo_pages, tmp_path):
    _need_vnu()
    assert demo_pages, "the crawl found no page"
    files: dict[Path, object] = {}
    for i, page in enumerate(demo_pages):
        path = tmp_path / f"p{i:03d}{'-htmx' if page.htmx else ''}.html"
        whole = not page.htmx or page.html.lstrip()[:15].lower().startswith(("<!doctype", "<html"))
        path.write_text(page.html if whole else FRAGMENT.format(page.html), encoding="utf-8")
        files[path] = page
    errors = vnu_errors(list(files))
    report = []
    for path, messages in errors.items():
        page = files.get(path)
        label = page.label if page else str(path)
        for m in messages:
            report.append(f"{label} dòng {m.get('lastLine', '?')}: {m.get('message')}")
    assert not report, f"{len(report)} lỗi Nu Html Checker trên {len(files)} trang:\n" + "\n".join(report[:200])
