"""Login, logout, password change and the forced change at first login."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_vietnamese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode() and 'lang="vi"' in response.content.decode()


def test_login_and_logout(client):
    UserFactory(username="an")
    response = client.post(reverse("login"), {"username": "an", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_is_refused(client):
    UserFactory(username="an")
    response = client.post(reverse("login"), {"username": "an", "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_new_account_must_change_password_before_anything_else(client):
    user = UserFactory(username="moi", must_change_password=True)
    client.force_login(user)
    response = client.get(reverse("criteria:framework_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("password_change"))
    page = client.get(response.url).content.decode()
    assert "lần đăng nhập đầu tiên" in page
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Ba-con-meo-2024!", "new_password2": "Ba-con-meo-2024!",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("criteria:framework_list")).status_code == 200


def test_weak_password_is_refused(client):
    user = UserFactory(username="moi2", must_change_password=True)
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678",
    })
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.must_change_password
