"""The error pages are Vietnamese, in the site's layout, with a way back (issue #14 item 8): 400, 403 (and the
CSRF refusal), 404 and 500 — the 500 one rendered without a request, as Django's ``server_error`` does."""

import pytest
from django.test import Client, override_settings

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_pages.urls")]

LAYOUT = "Đánh giá mức độ hoàn thành nhiệm vụ"  # the navbar's brand: the page is in the site's layout


def _page(response) -> str:
    html = response.content.decode()
    assert LAYOUT in html and 'href="/"' in html and "Về trang chủ" in html, html[:500]
    assert "Forbidden" not in html and "Not Found" not in html and "Server Error" not in html
    return html


def test_404_is_vietnamese_in_the_layout(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in _page(response)


def test_403_is_vietnamese_and_shows_the_signed_in_person(client):
    user = UserFactory(username="ai.do", full_name="Nguyễn Văn Thử")
    client.force_login(user)
    response = client.get("/cam/")
    assert response.status_code == 403
    html = _page(response)
    assert "Bạn không có quyền thực hiện thao tác này" in html and "Nguyễn Văn Thử" in html


def test_400_is_vietnamese(client):
    response = client.get("/hong/")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in _page(response)


def test_a_stale_form_csrf_refusal_is_vietnamese():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Phiên làm việc đã hết hạn hoặc biểu mẫu đã cũ" in _page(response)


def test_500_is_vietnamese_and_needs_no_request():
    client = Client(raise_request_exception=False)
    with override_settings(DEBUG=False):
        response = client.get("/loi/")
    assert response.status_code == 500
    html = _page(response)
    assert "Hệ thống gặp lỗi" in html and "lỗi thử" not in html  # nothing of the exception reaches the page


def test_every_password_rule_speaks_vietnamese_under_its_own_field(client):
    """A refused new password: each rule's message in Vietnamese, under the new-password field only."""
    from django.urls import reverse

    user = UserFactory(username="nguyenvan", full_name="Nguyễn Văn")
    client.force_login(user)
    response = client.post(reverse("password_change"), {"old_password": "sai", "new_password1": "123",
                                                         "new_password2": "123"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"old_password", "new_password2"}
    messages = form.errors["new_password2"]
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in messages
    assert all(not any(word in m for word in ("password", "This", "must")) for m in messages), messages
