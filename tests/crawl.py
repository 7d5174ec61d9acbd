"""The crawl of the every-link test, shared by the sweeps that look at every page it visits (issue #10, part 1;
issue #14, items 5 and 7): from ``/``, every ``<a href>`` and every ``hx-get`` / ``data-hx-get`` (sent with
``HX-Request``, as htmx does), and every redirect, with the cap described in ``tests/test_every_link.py``.
``_Crawl(client, on_page=...)`` calls ``on_page(url, html, htmx)`` for every HTML page answered 200."""

from collections import Counter, deque
from html import escape
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

PER_URL_NAME = 3
SKIPPED_PREFIXES = ("/dang-xuat/", "/quan-tri/", "/oidc/")
LEAKS = ("<Block Node", "<django.template", "{%", "%}", "{{", "}}")


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` and every ``hx-get`` (or ``data-hx-get``), as (link, sent by htmx)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name == "href" and tag == "a":
                self.links.append((value.strip(), False))
            elif value and name in ("hx-get", "data-hx-get"):
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
    def __init__(self, client: Client, on_page=None):
        self.client = client
        self.on_page = on_page
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
            if self.on_page is not None:
                self.on_page(url, body, htmx)
            parser = _Links()
            parser.feed(body)
            for link, by_htmx in parser.links:
                self.offer(link, by_htmx, url, url)
