"""The pages of the demo province, crawled once per test session, for the sweeps that look at every page a demo
account can reach (issue #14: item 5, no page wider than a 390 px phone; item 7, Nu Html Checker and axe-core).

``crawl_demo`` builds the demo province as ``make run`` does (``tests/demo_province.py``), logs in as every demo
account, follows every link with the crawl of the every-link test (``tests/crawl.py``), and keeps the HTML of the
pages it was answered, then rolls the province back. What it returns is plain data (no database needed to read
it), so a validator or a browser can look at it after the transaction is gone.

Kept, so that the sweeps stay near a minute: per URL name and kind (a full page, or an htmx fragment), the pages
of at most ``per_name`` different accounts (the officer's score page and the council member's are different
pages), first come in the order of ``ACCOUNTS``.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.test import Client

from tests.crawl import _Crawl, _pattern
from tests.demo_province import demo_province


@dataclass(frozen=True)
class Page:
    username: str
    url: str
    name: str  # URL name
    htmx: bool  # asked for by htmx: a fragment, not a whole document
    html: str

    @property
    def label(self) -> str:
        return f"{self.username} {self.url}{' (htmx)' if self.htmx else ''}"


def crawl_demo(django_db_blocker, tmp_path_factory, per_name: int = 2) -> list[Page]:
    from submissions.management.commands.load_demo import ACCOUNTS
    from submissions.models import User
    from submissions.services import user_password_changed

    pages: list[Page] = []
    accounts_per_key: dict[tuple[str, bool], set[str]] = defaultdict(set)
    with demo_province(django_db_blocker, tmp_path_factory, "page-samples"), django_db_blocker.unblock():
        for username, *_ in ACCOUNTS:
            user = User.objects.get(username=username)
            user_password_changed(user=user)
            client = Client(raise_request_exception=False)
            client.force_login(user)

            def keep(url, html, htmx, username=username):
                key = (_pattern(url)[0], htmx)
                seen = accounts_per_key[key]
                if username in seen:
                    return
                if len(seen) >= per_name:
                    return
                seen.add(username)
                pages.append(Page(username, url, key[0], htmx, html))

            _Crawl(client, on_page=keep).run()
    return pages
