"""Login throttling (django-axes), the Content-Security-Policy, and the log of refused accesses."""

import re

import pytest
from django.urls import reverse

from submissions.models import RefusedAccess
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_lockout_after_the_configured_failures_with_a_vietnamese_page(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="an")
    for _ in range(2):
        assert attempt(client, "an", "sai").status_code == 200
    locked = attempt(client, "an", "sai")
    assert locked.status_code == 429 and "tạm thời bị khóa đăng nhập" in locked.content.decode()
    # Even the right password is refused while locked, from that machine ...
    assert attempt(client, "an", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # ... but not from another one (the lock is on the pair username + IP).
    assert attempt(client, "an", PASSWORD, ip="10.0.0.8").status_code == 302


def test_admin_unlocks(client, settings):
    from axes.utils import reset

    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="binh")
    attempt(client, "binh", "sai")
    assert attempt(client, "binh", "sai").status_code == 429
    reset(username="binh")
    assert attempt(client, "binh", PASSWORD).status_code == 302


def test_failed_logins_are_recorded_for_admins(client, admin_client):
    UserFactory(username="chi")
    attempt(client, "chi", "sai")
    page = admin_client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "chi" in page


@pytest.mark.parametrize("url", ["/dang-nhap/", "/cong-khai/"])
def test_content_security_policy_forbids_inline_scripts(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_pages_carry_no_inline_script(client, world, client_for):
    pages = [client.get("/dang-nhap/"),
             client_for(world.officer_a).get(reverse("submissions:score_page", args=[world.sub_a.pk])),
             client_for(world.secretariat).get(reverse("submissions:period_detail", args=[world.period.pk]))]
    for response in pages:
        html = response.content.decode()
        scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert scripts == [], scripts
        assert not re.search(r"\son[a-z]+=\"", html), "inline event handler"


def test_refused_accesses_are_logged(world, client_for):
    client = client_for(world.officer_b)
    client.get(reverse("submissions:score_page", args=[world.sub_a.pk]))
    client.post(reverse("submissions:period_create"), {})
    rows = list(RefusedAccess.objects.order_by("at").values_list("user__username", "status", "path"))
    assert rows == [("officer.b", 404, reverse("submissions:score_page", args=[world.sub_a.pk])),
                    ("officer.b", 403, reverse("submissions:period_create"))]


# --------------------------------------------------------------------------- behind the reverse proxy (issue 15.4)

PROXY = "172.18.0.5"  # the Caddy container, the only peer gunicorn has in docker-compose.yml


@pytest.fixture
def one_proxy(settings):
    """What config/settings.py sets for AXES_PROXY_COUNT=1 (checked in test_settings.py)."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.IPWARE_STRICT = False
    settings.AXES_FAILURE_LIMIT = 3


def via_proxy(client, username, password, forwarded_for):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=PROXY,
                       HTTP_X_FORWARDED_FOR=forwarded_for, HTTP_X_FORWARDED_PROTO="https")


def test_behind_the_proxy_two_clients_do_not_lock_each_other_out(client, one_proxy):
    from axes.models import AccessAttempt

    UserFactory(username="an")
    for _ in range(2):
        assert via_proxy(client, "an", "sai", "203.0.113.7").status_code == 200
    assert via_proxy(client, "an", "sai", "203.0.113.7").status_code == 429
    assert via_proxy(client, "an", PASSWORD, "203.0.113.7").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # Another person behind the same proxy signs in: the lock is on the client's address, not the proxy's.
    assert via_proxy(client, "an", PASSWORD, "203.0.113.8").status_code == 302


def test_behind_the_proxy_a_forged_prefix_locks_only_the_forger(client, one_proxy):
    """A client at .7 sends "X-Forwarded-For: 203.0.113.8"; a proxy that appends makes it ".8, .7"."""
    UserFactory(username="an")
    for _ in range(3):
        via_proxy(client, "an", "sai", "203.0.113.8, 203.0.113.7")
    assert via_proxy(client, "an", PASSWORD, "203.0.113.7").status_code == 429
    assert via_proxy(client, "an", PASSWORD, "203.0.113.8").status_code == 302


def test_without_a_proxy_a_forged_forwarded_for_is_not_believed(client, settings):
    """AXES_PROXY_COUNT=0 (development, or gunicorn facing clients): only the socket address counts."""
    from axes.models import AccessAttempt

    assert settings.AXES_IPWARE_PROXY_COUNT == 0
    assert tuple(settings.AXES_IPWARE_META_PRECEDENCE_ORDER) == ("REMOTE_ADDR",)
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="an")
    for n in range(3):
        client.post(reverse("login"), {"username": "an", "password": "sai"}, REMOTE_ADDR="10.0.0.7",
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    refused = client.post(reverse("login"), {"username": "an", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7",
                          HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert refused.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.7"}


def test_refused_accesses_behind_the_proxy_record_the_client_address(world, one_proxy):
    from django.test import Client

    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    client.force_login(world.officer_b)
    client.get(reverse("submissions:period_create"))
    assert list(RefusedAccess.objects.values_list("ip", flat=True)) == ["203.0.113.9"]
