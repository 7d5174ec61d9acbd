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

import pytest
from django.test import Client

from submissions.management.commands.load_demo import ACCOUNTS
from tests.crawl import _Crawl
from tests.demo_province import demo_province

pytestmark = pytest.mark.django_db


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
