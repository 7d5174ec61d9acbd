"""Issue #14, items 5 and 7 in a browser: every full page the demo accounts reach (``demo_pages``, the pages of
the every-link crawl) fits a 390 px phone, and axe-core finds no critical or serious violation on it.

No live server: the crawl's HTML is served to Chromium by ``page.route`` as http://testserver<url>, with
/static/... read from the project's static files; any other request is aborted (no network).
"""

import mimetypes
import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

ORIGIN = "http://testserver"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
BLOCKING = {"critical", "serious"}


def axe_path() -> Path:
    base = Path(os.environ.get("VALIDATORS_DIR") or Path.home() / ".cache" / "cchc-validators")
    return base / "node_modules" / "axe-core" / "axe.min.js"


def serve(page, url: str, html: str) -> None:
    """Answer ``ORIGIN + url`` with ``html``, /static/... from the static files, abort anything else."""
    from django.contrib.staticfiles import finders

    target = ORIGIN + url

    def handler(route):
        request_url = route.request.url
        if request_url.split("#")[0] == target:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            return
        if request_url.startswith(ORIGIN + "/static/"):
            name = request_url[len(ORIGIN + "/static/"):].split("?")[0].split("#")[0]
            found = finders.find(name)
            if found:
                content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                route.fulfill(status=200, content_type=content_type, body=Path(found).read_bytes())
                return
            route.fulfill(status=404, body="")
            return
        route.abort()

    page.route("**/*", handler)
    page.goto(target, wait_until="load")


# The page's width and, when it is wider than the screen, the element that reaches furthest right (the deepest
# such element, so the message names the culprit rather than <body>).
WIDTH_JS = """() => {
  const width = document.documentElement.scrollWidth;
  const viewport = document.documentElement.clientWidth;
  let widest = null, right = 0;
  if (width > viewport) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      // An element's box, or its content spilling out of it (a nowrap text in a narrow grid cell).
      const spill = getComputedStyle(el).overflowX === 'visible' ? r.left + el.scrollWidth : r.right;
      const reach = Math.max(r.right, spill);
      if (reach > viewport + 0.5 && reach >= right) { right = reach; widest = el; }
    }
  }
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) { s += '#' + e.id; parts.unshift(s); break; }
      const classes = [...e.classList].slice(0, 3);
      if (classes.length) s += '.' + classes.join('.');
      parts.unshift(s);
    }
    return parts.join(' > ');
  };
  return {width, widest: widest ? describe(widest) : null, right: Math.round(right)};
}"""


def width_problem(page, url: str, html: str) -> str | None:
    """None when the page is no wider than the phone's screen, else what is too wide."""
    serve(page, url, html)
    found = page.evaluate(WIDTH_JS)
    if found["width"] <= PHONE["width"]:
        return None
    return f"{found['width']} px wide; widest element: {found['widest']} (right edge at {found['right']} px)"


def axe_problems(page, url: str, html: str) -> list[str]:
    """The critical and serious axe-core violations of the page: rule id, impact, target selectors."""
    serve(page, url, html)
    page.add_script_tag(path=str(axe_path()))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    problems = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        shown = ", ".join(targets[:5]) + (f" … (+{len(targets) - 5})" if len(targets) > 5 else "")
        problems.append(f"{violation['id']} [{violation['impact']}]: {shown}")
    return problems


def full_pages(demo_pages):
    return [p for p in demo_pages if not p.htmx]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    yield context.new_page()
    context.close()


@pytest.fixture
def axe():
    if not axe_path().exists():
        pytest.skip(f"axe-core not found at {axe_path()}: .ci/run installs it (npm install axe-core)")


def test_no_page_is_wider_than_a_phone(demo_pages, phone):
    pages = full_pages(demo_pages)
    assert pages, "the crawl found no page"
    offenders = []
    for sample in pages:
        problem = width_problem(phone, sample.url, sample.html)
        if problem:
            offenders.append(f"{sample.label}: {problem}")
    assert not offenders, f"{len(offenders)} of {len(pages)} pages wider than 390 px:\n" + "\n".join(offenders)


def test_axe_finds_no_critical_or_serious_violation(demo_pages, desktop, axe):
    pages = full_pages(demo_pages)
    assert pages, "the crawl found no page"
    failures = []
    for sample in pages:
        problems = axe_problems(desktop, sample.url, sample.html)
        if problems:
            failures.append(f"{sample.label}:\n  " + "\n  ".join(problems))
    assert not failures, f"{len(failures)} of {len(pages)} pages with critical/serious axe violations:\n" + "\n".join(
        failures
    )


BAD_WIDE = ("<!doctype html><html lang=vi><head><title>x</title></head><body>"
            "<div style='width:600px'>x</div></body></html>")
BAD_CONTRAST = ("<!doctype html><html lang=vi><head><title>x</title></head><body><main>"
                "<p style='color:#bbb;background:#fff'>Chữ nhạt</p></main></body></html>")
GOOD = ("<!doctype html><html lang=vi><head><title>x</title></head><body><main><h1>Trang</h1>"
        "<p>Chữ rõ</p></main></body></html>")


def test_the_checks_catch_a_bad_page(phone, desktop, axe):
    """Last in the module: the crawl of ``demo_pages`` (which signs PDFs with asyncio.run) must happen before the
    module's browser starts its event loop.
    Neither sweep can pass vacuously: a 600 px-wide div and a low-contrast text are caught, a plain page is not."""
    assert width_problem(phone, "/rong/", BAD_WIDE).startswith("6")
    assert "div" in width_problem(phone, "/rong/", BAD_WIDE)
    assert width_problem(phone, "/tot/", GOOD) is None
    assert any(p.startswith("color-contrast [serious]") for p in axe_problems(desktop, "/nhat/", BAD_CONTRAST))
    assert axe_problems(desktop, "/tot/", GOOD) == []
