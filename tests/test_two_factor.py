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


NEW_PASSWORD = "Ba-con-meo-2024!"


def _change_password(client):
    return client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def test_password_alone_cannot_change_the_password_of_an_account_with_two_factor(world):
    """Issue 15.3: the first-login password change waits for the second factor."""
    world.secretariat.must_change_password = True
    world.secretariat.save(update_fields=["must_change_password"])
    device = TOTPDevice.objects.create(user=world.secretariat, name="Ứng dụng xác thực", confirmed=True)
    client = login("secretariat")
    # Anything leads to the password change, which leads to the second step first.
    first = client.get(reverse("home"))
    assert first.status_code == 302 and first.url.startswith(reverse("password_change"))
    for response in (client.get(first.url), _change_password(client)):
        assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))
    page = client.get(response.url)  # the verify page is reachable despite the flag
    assert page.status_code == 200 and 'name="token"' in page.content.decode()
    world.secretariat.refresh_from_db()
    assert world.secretariat.check_password(PASSWORD) and world.secretariat.must_change_password
    # After the second factor the same request changes the password and clears the flag.
    verified = client.post(reverse("otp_verify"), {"token": code(device),
                                                   "next": f"{reverse('password_change')}?buoc=dau-tien"})
    assert verified.status_code == 302 and verified.url.startswith(reverse("password_change"))
    assert client.get(verified.url).status_code == 200
    response = _change_password(client)
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    world.secretariat.refresh_from_db()
    assert world.secretariat.check_password(NEW_PASSWORD) and not world.secretariat.must_change_password
    assert client.get(reverse("submissions:period_list")).status_code == 200


def test_first_login_without_a_device_enrols_before_changing_the_password(world):
    world.secretariat.must_change_password = True
    world.secretariat.save(update_fields=["must_change_password"])
    client = login("secretariat")
    response = _change_password(client)
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))
    setup = client.get(response.url, follow=True)
    assert "Đăng ký xác thực hai bước" in setup.content.decode()
    world.secretariat.refresh_from_db()
    assert world.secretariat.check_password(PASSWORD)
    device = TOTPDevice.objects.get(user=world.secretariat)
    done = client.post(reverse("otp_setup"), {"token": code(device), "next": reverse("password_change")})
    assert done.status_code == 200
    assert _change_password(client).status_code == 302
    world.secretariat.refresh_from_db()
    assert world.secretariat.check_password(NEW_PASSWORD)


def test_unit_officer_changes_the_password_without_a_second_factor(world):
    world.officer_a.must_change_password = True
    world.officer_a.save(update_fields=["must_change_password"])
    client = login("officer.a")
    assert _change_password(client).status_code == 302
    world.officer_a.refresh_from_db()
    assert world.officer_a.check_password(NEW_PASSWORD) and not world.officer_a.must_change_password
