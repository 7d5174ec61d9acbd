"""Every link of the demo, as every demo account (issue #10, part 1).

Logs in as every demo account and follows every link the product offers it (GET only): no 500, no 403/404 on a
link the page itself offered, no template syntax in the HTML.

The demo province is built exactly as ``make run`` builds it (``make_dev_certificate``, then ``load_demo``; the
frameworks come from the session fixture in conftest), once for the module, inside a transaction that is rolled
back at its end; each account's test runs in a savepoint of its own. Each account ``load_demo`` creates, admin
included, clears its first-login flag the way the first password change does (``user_password_changed``), keeps
two-factor login off (as the test settings do), and, with a browser of its own, follows from ``/`` every
``<a href>`` and every ``hx-get`` (sent with ``HX-Request``, as htmx does), and every redirect. For each URL:

* no 5xx;
* no 4xx (403, 404, ...) on a link a page offered, reported with the page that offered it;
* an HTML page shows no template internals: ``{%``, ``%}``, ``{{``, ``}}``, ``<Block Node``, ``<django.template``
  (the last two also HTML-escaped, as ``{{ block }}`` prints a ``BlockNode``);
* a download (PDF, Excel, evidence file) answers 200 or a redirect; it is not parsed.

Not followed: logout, the Django admin (``/quan-tri/``), ``/oidc/``, static and media files, ``mailto:``,
fragment-only links and other hosts. All failures of an account are reported at once.

Cap, to keep the file near a minute instead of four (most of it rendering the same PDF for every report and
the history page of every criterion of every report): once a URL name has answered with a download, at most
``PER_URL_NAME`` of its URLs are fetched per account; for URL patterns with two or more ids (a criterion of a
report: its history, its appraisal history), at most ``PER_URL_NAME`` URLs per value of the ids but the last.
Every other page is fetched, so every URL name reachable is still visited.
"""

from collections import Counter, deque
from html import escape
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from submissions.management.commands.load_demo import ACCOUNTS
from tests.demo_province import demo_province

pytestmark = pytest.mark.django_db

PER_URL_NAME = 3
SKIPPED_PREFIXES = ("/dang-xuat/", "/quan-tri/", "/oidc/")
LEAKS = ("<Block Node", "<django.template", "{%", "%}", "{{", "}}")


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` and every ``hx-get``, as (link, sent by htmx)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name == "href" and tag == "a":
                self.links.append((value.strip(), False))
            elif value and name == "hx-get":
                self.links.append((value.strip(), True))


def _same_site(base: str, link: str) -> str | None:
    """The path (and query) ``link`` on page ``base`` leads to, or None when it is not to be followed."""
    if not link or link.startswith("#") or link.lower().startswith(("mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin(f"http://testserver{base}", link))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    path = parts.path or "/"
    if path.startswith((*SKIPPED_PREFIXES, settings.STATIC_URL, settings.MEDIA_URL)):
        return None
    return urldefrag(f"{path}?{parts.query}" if parts.query else path).url


def _pattern(url: str) -> tuple[str, tuple]:
    """The URL name of ``url`` and its path arguments."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return f"(no URL pattern) {urlsplit(url).path}", ()
    return match.view_name, (*match.args, *match.kwargs.values())


class _Crawl:
    def __init__(self, client: Client):
        self.client = client
        self.queue = deque([("/", False, None)])  # (url, sent by htmx, the page that offered it)
        self.seen = {("/", False)}
        self.failures: list[tuple[str, str, str | None]] = []  # (url, problem, the page that offered it)
        self.fetched = 0
        self.names: set[str] = set()
        self.downloads: set[str] = set()  # URL names that answered with a file
        self.per_key: Counter = Counter()

    def run(self) -> "_Crawl":
        while self.queue:
            url, htmx, offered_by = self.queue.popleft()
            name, args = _pattern(url)
            if any(self.per_key[key] >= PER_URL_NAME for key in self.cap_keys(name, args)):
                continue
            self.names.add(name)
            self.fetch(url, htmx, offered_by)
            self.per_key.update(self.cap_keys(name, args))
        return self

    def cap_keys(self, name: str, args: tuple) -> list[tuple]:
        """What a URL counts against: its URL name once that answered with a file, and its leading ids."""
        keys = [("download", name)] if name in self.downloads else []
        return (keys + [("leading ids", name, args[:-1])]) if len(args) > 1 else keys

    def offer(self, link: str, htmx: bool, page: str, offered_by: str) -> None:
        target = _same_site(page, link)
        if target is not None and (target, htmx) not in self.seen:
            self.seen.add((target, htmx))
            self.queue.append((target, htmx, offered_by))

    def fetch(self, url: str, htmx: bool, offered_by: str | None) -> None:
        response = self.client.get(url, headers={"HX-Request": "true"} if htmx else {})
        self.fetched += 1
        status = response.status_code
        if status >= 500 or (status >= 400 and offered_by is not None):
            self.failures.append((url, f"HTTP {status}", offered_by))
        if 300 <= status < 400 and response.get("Location"):
            self.offer(response["Location"], htmx, url, f"{url} (redirect)")
        if response.streaming or "text/html" not in response.get("Content-Type", ""):
            # Read a streamed file through the test client's wrapper, never response.close(): closing sends
            # request_finished with close_old_connections connected, which closes the PostgreSQL connection
            # inside the test's transaction (the test client itself closes a plain response safely).
            if response.streaming:
                b"".join(response.streaming_content)
            if status == 200:
                self.downloads.add(_pattern(url)[0])
            return
        body = response.content.decode("utf-8", "replace")
        leaked = [marker for marker in LEAKS if marker in body or escape(marker) in body]
        if leaked:
            self.failures.append((url, f"template internals in the HTML: {' '.join(leaked)}", offered_by))
        if status == 200:
            parser = _Links()
            parser.feed(body)
            for link, by_htmx in parser.links:
                self.offer(link, by_htmx, url, url)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_province(django_db_blocker, tmp_path_factory, "demo"):
        yield


@pytest.mark.parametrize("username", [account[0] for account in ACCOUNTS])
def test_every_link_the_product_offers(demo, username):
    from submissions.models import User
    from submissions.services import user_password_changed

    user = User.objects.get(username=username)
    user_password_changed(user=user)
    client = Client(raise_request_exception=False)  # a view's exception is the HTTP 500 a browser would see
    client.force_login(user)
    crawl = _Crawl(client).run()
    print(f"{username}: {crawl.fetched} URLs fetched, {len(crawl.names)} URL names")
    assert crawl.fetched > 1, f"{username}: nothing reachable from /"
    report = "\n".join(f"  {username}  {url}  {problem}  (offered by {offered_by or 'nothing: the start'})"
                       for url, problem, offered_by in crawl.failures)
    assert not crawl.failures, (f"{len(crawl.failures)} failure(s) for {username} "
                                f"({crawl.fetched} URLs fetched):\n{report}")
