"""Two-factor login for the secretariat, the council, the chair, the chairman and admins (django-otp)."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def required(settings):
    settings.OTP_REQUIRED = True


def login(username) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_secretariat_enrols_then_gets_in_and_receives_backup_codes(world):
    client = login("secretariat")
    url = reverse("submissions:period_list")
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))
    setup = client.get(response.url, follow=True)
    assert "Đăng ký xác thực hai bước" in setup.content.decode() and "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=world.secretariat)
    wrong = client.post(reverse("otp_setup"), {"token": "000000" if code(device) != "000000" else "111111",
                                               "next": url})
    assert "Mã xác thực không đúng" in wrong.content.decode()
    # django-otp throttles after a failure (1 s, doubling); a person would wait that second.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    done = client.post(reverse("otp_setup"), {"token": code(device), "next": url})
    codes = re.findall(r'<li class="col-6">([0-9a-f]{8})</li>', done.content.decode())
    assert len(codes) == 10
    assert client.get(url).status_code == 200
    # A new login needs the second step again; a backup code works once.
    client = login("secretariat")
    assert client.get(url).status_code == 302
    assert client.post(reverse("otp_verify"), {"token": codes[0], "next": url}).status_code == 302
    assert client.get(url).status_code == 200
    client = login("secretariat")
    refused = client.post(reverse("otp_verify"), {"token": codes[0], "next": url})
    assert refused.status_code == 200 and "Mã xác thực không đúng" in refused.content.decode()
    assert client.get(url).status_code == 302


def test_unit_officers_are_not_asked(world):
    client = login("officer.a")
    assert client.get(reverse("submissions:score_page", args=[world.sub_a.pk])).status_code == 200


def test_public_pages_and_logout_stay_reachable(world):
    client = login("secretariat")
    assert client.get(reverse("ranking:public_list")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_next_cannot_leave_the_site(world):
    client = login("secretariat")
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=world.secretariat)
    response = client.post(reverse("otp_setup"), {"token": code(device), "next": "https://evil.example/"})
    assert 'href="/"' in response.content.decode()
