"""Single sign-on against a real OpenID Connect provider (django-oauth-toolkit) running as a separate
server process: a province account with a known e-mail logs in; an unknown one is refused."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent
SETUP = """
import django; django.setup()
from django.contrib.auth.models import User
from oauth2_provider.models import Application
User.objects.create_user("an.nguyen", email="An.Nguyen@thainguyen.gov.vn", password="matkhau-tinh-1")
User.objects.create_user("la", email="nguoi.la@khac.vn", password="matkhau-tinh-2")
User.objects.create_user("chua.xac.minh", email="An.Nguyen@thainguyen.gov.vn", password="matkhau-tinh-3")
Application.objects.create(name="Danh gia", client_id="danhgia", client_secret="bi-mat-ung-dung",
    client_type="confidential", authorization_grant_type="authorization-code", skip_authorization=True,
    redirect_uris="{redirect}", algorithm="RS256")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def provider(tmp_path, live_server):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "rsa.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings", "OIDC_PROVIDER_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], **run)
    subprocess.run([sys.executable, "-c", SETUP.replace("{redirect}", f"{live_server.url}/oidc/callback/")], **run)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{base}/o/.well-known/openid-configuration", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    server.terminate()
    server.wait(10)


@pytest.fixture
def sso(settings, provider):
    settings.OIDC_RP_CLIENT_ID = "danhgia"
    settings.OIDC_RP_CLIENT_SECRET = "bi-mat-ung-dung"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider}/o/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider}/o/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider}/o/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider}/o/.well-known/jwks.json"
    settings.OIDC_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "config.oidc.ProvinceOIDCBackend"]
    _reload_urls()
    yield provider
    settings.OIDC_ENABLED = False
    _reload_urls()


def _reload_urls():
    """config/urls.py reads OIDC_ENABLED when imported: the /oidc/ routes exist only with SSO configured."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls

    importlib.reload(config.urls)
    clear_url_caches()


def sign_in(live_server, username: str, password: str) -> httpx.Client:
    """A browser: our app → the provider's login → back to our callback."""
    client = httpx.Client(timeout=30, follow_redirects=True)
    page = client.get(f"{live_server.url}/oidc/authenticate/")
    assert "/accounts/login/" in str(page.url), page.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    landed = client.post(str(page.url), data={"csrfmiddlewaretoken": token, "username": username,
                                              "password": password, "next": nxt}, headers={"Referer": str(page.url)})
    client.landed = landed  # where the round trip ended: the page our callback sent the browser to
    return client


def test_a_province_account_logs_in_as_the_person_with_that_email(sso, live_server):
    from django.core.management import call_command

    call_command("load_frameworks", verbosity=0)
    person = UserFactory(username="an", email="an.nguyen@thainguyen.gov.vn", full_name="Nguyễn Văn An")
    client = sign_in(live_server, "an.nguyen", "matkhau-tinh-1")
    home = client.get(f"{live_server.url}/")
    assert home.status_code == 200 and "Nguyễn Văn An" in home.text
    assert str(person) in home.text


def test_an_unknown_province_account_is_refused(sso, live_server):
    client = sign_in(live_server, "la", "matkhau-tinh-2")
    page = client.get(f"{live_server.url}/")
    assert "/dang-nhap/" in str(page.url)
    from submissions.models import User

    assert not User.objects.filter(email__iexact="nguoi.la@khac.vn").exists()  # never created from SSO


def test_a_province_account_whose_email_is_not_verified_is_refused(sso, live_server):
    """The provider lets anyone type any e-mail into their account; only a verified one names a person here."""
    person = UserFactory(username="an", email="an.nguyen@thainguyen.gov.vn", full_name="Nguyễn Văn An")
    client = sign_in(live_server, "chua.xac.minh", "matkhau-tinh-3")
    assert str(client.landed.url).endswith("/dang-nhap/?sso=chua-xac-minh")
    assert "chưa được hệ thống đăng nhập một lần của tỉnh xác minh" in client.landed.text  # said in Vietnamese
    page = client.get(f"{live_server.url}/")
    assert "/dang-nhap/" in str(page.url) and "Nguyễn Văn An" not in page.text
    person.refresh_from_db()
    assert person.last_login is None


def test_the_backend_needs_a_verified_email_before_matching_an_account(db, rf):
    from config.oidc import ProvinceOIDCBackend

    person = UserFactory(username="an", email="an.nguyen@thainguyen.gov.vn")
    backend = ProvinceOIDCBackend.__new__(ProvinceOIDCBackend)
    backend.UserModel = type(person)
    email = "An.Nguyen@thainguyen.gov.vn"
    for unverified in ({"email": email}, {"email": email, "email_verified": False},
                       {"email": email, "email_verified": "false"}, {"email": email, "email_verified": 1}):
        backend.request = rf.get("/oidc/callback/")
        assert list(backend.filter_users_by_claims(unverified)) == []
        assert backend.verify_claims(unverified) is False
        assert backend.request.oidc_refusal == "email_unverified"
    for verified in ({"email": email, "email_verified": True}, {"email": email, "email_verified": "true"}):
        assert list(backend.filter_users_by_claims(verified)) == [person]


def test_no_sso_routes_without_sso(client):
    from django.conf import settings

    assert not settings.OIDC_ENABLED
    for path in ("/oidc/authenticate/", "/oidc/callback/?code=x&state=y", "/oidc/logout/"):
        assert client.get(path).status_code == 404, path
    assert "tài khoản của tỉnh" not in client.get("/dang-nhap/").content.decode()
