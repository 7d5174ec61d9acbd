"""Lighthouse on the pages a commune officer, a council member and the public open (issue #17 item 2).

Run: `.venv/bin/python benchmarks/lighthouse.py [--pages login,score] [--postgres]` (a throw-away SQLite database;
``--postgres`` as in ``benchmarks/wire.py``).
Builds the demo province with Bình Thành's commune sheet full (``benchmarks/wire.py: build_demo``), serves it
from a threaded WSGI server in this process in the production shape for what the browser sees: ``DEBUG`` off,
static files collected with ``CompressedManifestStaticFilesStorage`` and served by WhiteNoise (fingerprinted
names, gzip, long-lived caching), HTML gzipped by ``GZipMiddleware``. Each page is opened as its demo account:
the session cookie of a ``force_login`` goes to Lighthouse with ``--extra-headers`` (the login and public pages
anonymously). Lighthouse (npm, in ``VALIDATORS_DIR``, default ``~/.cache/cchc-validators``, installed there
with npm when missing, as ``.ci/run`` does) drives Debian's Chromium (``CHROME_PATH``, default
``/usr/bin/chromium``) with its default mobile profile (Moto G Power, simulated slow 4G and 4× CPU slowdown).

Prints a table of the four category scores per page, then the accessibility audits that failed and the
largest performance opportunities, then one line per page:
`lighthouse: page=P performance=N accessibility=N best_practices=N seo=N`.
Targets: performance ≥ 95 and accessibility 100 on each page. The performance score depends on the machine's
load (Lighthouse's CPU benchmark is reported as ``benchmarkIndex``).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ["DEBUG"] = "false"  # before Django reads its settings
from wire import build_demo, database, drop, logged_in_client  # noqa: E402

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = ("login", "score", "council_unit", "ranking_block", "public_list", "public_detail")


def lighthouse_bin() -> Path:
    """Lighthouse from the npm cache of the validator sweeps, installed there when missing."""
    prefix = Path(os.environ.get("VALIDATORS_DIR", Path.home() / ".cache" / "cchc-validators"))
    binary = prefix / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if not shutil.which("npm"):
            sys.exit("lighthouse: npm missing (apt-get install npm), cannot install Lighthouse")
        prefix.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse into {prefix} with npm")
        subprocess.run(["npm", "install", "--prefix", str(prefix), "--silent", "--no-audit", "--no-fund",
                        "lighthouse"], check=True)
    return binary


def serve():
    """A threaded WSGI server on a free port of 127.0.0.1, in the production shape for static files."""
    from django.conf import settings
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.test.utils import override_settings

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    static_root = tempfile.mkdtemp(prefix="bench-static-")
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")  # as config/settings.py does in production
    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    override_settings(DEBUG=False, STATIC_ROOT=static_root, STORAGES=storages, MIDDLEWARE=middleware).enable()
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.core.handlers.wsgi import WSGIHandler

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.daemon_threads = True
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def run_lighthouse(binary: Path, url: str, cookie: str | None, out: Path) -> dict:
    command = [str(binary), url, "--quiet", "--output=json", f"--output-path={out}",
               f"--only-categories={','.join(CATEGORIES)}",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, timeout=300)
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, among {','.join(PAGES)}")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).exists():
        sys.exit(f"lighthouse: no Chromium at {chrome} (apt-get install chromium, or set CHROME_PATH)")
    binary = lighthouse_bin()
    created = database(args.postgres)
    try:
        audit(binary, chrome, args.pages.split(","))
    finally:
        drop(created)


def audit(binary: Path, chrome: str, names: list[str]) -> None:
    import logging

    from django.conf import settings
    from django.db import connection

    logging.getLogger("django.request").setLevel(logging.ERROR)  # Lighthouse asks for /robots.txt: a 404
    print(f"database: {connection.vendor}")
    pages = build_demo()
    server, base = serve()
    reports_dir = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    results = {}
    try:
        for name in names:
            username, path = pages[name]
            client = logged_in_client(username)
            response = client.get(path)
            assert response.status_code == 200, (name, path, response.status_code)
            cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}" \
                if username else None
            report = run_lighthouse(binary, base + path, cookie, reports_dir / f"{name}.json")
            if report.get("finalDisplayedUrl", "").rstrip("/") != (base + path).rstrip("/"):
                sys.exit(f"lighthouse: {name} ended at {report.get('finalDisplayedUrl')}, not {base + path}")
            results[name] = report
    finally:
        server.shutdown()
        server.server_close()

    def score(report, category):
        value = report["categories"][category]["score"]
        return "-" if value is None else round(value * 100)

    print(f"\nLighthouse {next(iter(results.values()))['lighthouseVersion']}, mobile, Chromium at {chrome}; "
          f"reports in {reports_dir}")
    print(f"{'page':15} {'url':48} {'perf':>5} {'a11y':>5} {'bp':>5} {'seo':>5} {'bench':>6}")
    for name, report in results.items():
        print(f"{name:15} {pages[name][1]:48} " + " ".join(f"{score(report, c):>5}" for c in CATEGORIES)
              + f" {report['environment'].get('benchmarkIndex', 0):>6.0f}")
    for name, report in results.items():
        audits = report["audits"]
        failed = [ref["id"] for ref in report["categories"]["accessibility"]["auditRefs"]
                  if ref["weight"] and audits[ref["id"]]["score"] is not None and audits[ref["id"]]["score"] < 1]
        for audit_id in failed:
            items = audits[audit_id].get("details", {}).get("items", [])
            where = "; ".join((item.get("node") or {}).get("snippet", "")[:100] for item in items[:3])
            print(f"  {name}: accessibility {audit_id} ({len(items)}): {where}")
        metrics = {key: audits[key]["displayValue"] for key in ("first-contentful-paint", "largest-contentful-paint",
                                                                 "total-blocking-time", "cumulative-layout-shift",
                                                                 "speed-index") if key in audits}
        print(f"  {name}: " + ", ".join(f"{k}={v}" for k, v in metrics.items()))
        for ref in report["categories"]["best-practices"]["auditRefs"] + report["categories"]["seo"]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                print(f"  {name}: {ref['id']} failed: {audit['title']}")
    for name, report in results.items():
        print(f"lighthouse: page={name} performance={score(report, 'performance')} "
              f"accessibility={score(report, 'accessibility')} best_practices={score(report, 'best-practices')} "
              f"seo={score(report, 'seo')}")


if __name__ == "__main__":
    main()
