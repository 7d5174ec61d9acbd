"""Pages of the criteria app, and who may open them."""

import io

import pytest
from django.urls import reverse

from criteria.models import Framework
from criteria.spreadsheet import framework_export_xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    reverse("criteria:framework_list"),
    reverse("criteria:framework_detail", args=["tn2024-so"]),
    reverse("criteria:framework_export_xlsx", args=["tn2024-so"]),
    reverse("criteria:framework_import"),
    reverse("home"),
])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_every_logged_in_user_reads_the_framework_tree(officer_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        response = officer_client.get(reverse("criteria:framework_detail", args=["dh2024-xa"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Khung tiêu chí đánh giá, xếp loại mức độ hoàn thành nhiệm vụ năm 2024 đối với UBND cấp xã" in html
    assert "5.5.3.4" in html and "Thanh tra huyện" in html
    assert "Tổ chức đối thoại người dân, doanh nghiệp" in html
    assert "1,5" in html  # decimal comma
    assert "Trong năm không có đơn" in html or "không có đơn" in html


def test_framework_picker_without_javascript_redirects(officer_client):
    response = officer_client.get(reverse("criteria:framework_list"), {"code": "tn2024-hoi"})
    assert response.status_code == 302 and response.url == reverse("criteria:framework_detail", args=["tn2024-hoi"])


def test_unknown_framework_is_404(officer_client):
    assert officer_client.get(reverse("criteria:framework_detail", args=["khong-co"])).status_code == 404


def test_export_is_an_attachment(officer_client):
    response = officer_client.get(reverse("criteria:framework_export_xlsx", args=["tn2024-so"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bo-tieu-chi-tn2024-so.xlsx"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"PK")


def test_officer_may_not_import(officer_client):
    assert officer_client.get(reverse("criteria:framework_import")).status_code == 403
    data = framework_export_xlsx(Framework.objects.get(code="tn2024-so"))
    response = officer_client.post(reverse("criteria:framework_import"), {"file": io.BytesIO(data)})
    assert response.status_code == 403


def test_navigation_follows_permissions(officer_client, admin_client):
    officer_html = officer_client.get(reverse("home")).content.decode()
    assert "Bộ tiêu chí" in officer_html and "Nhập bộ tiêu chí" not in officer_html and "Quản trị" not in officer_html
    admin_html = admin_client.get(reverse("home")).content.decode()
    assert "Nhập bộ tiêu chí (Excel)" in admin_html and "Quản trị" in admin_html


def test_admin_imports_and_sees_every_problem(admin_client):
    framework = Framework.objects.get(code="tn2024-so")
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(framework_export_xlsx(framework)))
    workbook["Tiêu chí"]["E3"] = "hai mươi"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "tn2024-so.xlsx"
    response = admin_client.post(reverse("criteria:framework_import"), {"file": buffer})
    assert response.status_code == 400
    assert "Tệp chưa được nhập vì có" in response.content.decode()
    assert "Dòng 3: Điểm tối đa “hai mươi” không phải là một số hợp lệ." in response.content.decode()


def test_admin_imports_a_good_file(admin_client):
    data = io.BytesIO(framework_export_xlsx(Framework.objects.get(code="tn2024-so")))
    data.name = "tn2024-so.xlsx"
    response = admin_client.post(reverse("criteria:framework_import"), {"file": data}, follow=True)
    assert response.status_code == 200
    assert "Không có thay đổi nào cho bộ tiêu chí “tn2024-so”" in response.content.decode()


def test_admin_pages_show_the_tree(admin_client):
    framework = Framework.objects.get(code="tn2024-so")
    response = admin_client.get(reverse("admin:criteria_framework_change", args=[framework.pk]))
    assert response.status_code == 200 and "Triển khai thực hiện cải cách hành chính" in response.content.decode()
    response = admin_client.get(reverse("admin:criteria_node_changelist"), {"framework__id__exact": framework.pk})
    assert response.status_code == 200 and "padding-left:3.0em" in response.content.decode()


def test_officer_cannot_open_admin(officer_client):
    response = officer_client.get(reverse("admin:criteria_framework_changelist"))
    assert response.status_code == 302 and "login" in response.url
