"""The secretariat's own pages: periods, units, staff lists from Excel, supplementary windows."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from criteria.models import Framework
from submissions.models import Period, Role, Submission, Unit, User, Window
from tests.factories import leaf, period_form_data

pytestmark = pytest.mark.django_db


def test_secretariat_opens_a_period_and_every_unit_gets_a_submission(world, client_for):
    client = client_for(world.secretariat)
    response = client.post(reverse("submissions:period_create"), period_form_data(**{
        "authority": world.authority.pk, "code": "tn-2025", "name": "Đánh giá năm 2025", "year": 2025,
        "kind": "grading", "opens_at": "2025-10-31T08:00", "closes_at": "2025-11-25T17:00",
        "data_cutoff": "2025-11-20", f"fw_{world.block.pk}": Framework.objects.get(code="tn2024-so").pk,
        "excellent_threshold": "0,9", "good_threshold": "0.7", "fair_threshold": "0.5", "excellent_share": "0.2",
        "nd2_kem_share": "0.5", "explanation_citation_warning": "on", "unsent_at_deadline": "appraised",
        "first_year": None,
    }))
    assert response.status_code == 302
    period = Period.objects.get(code="tn-2025")
    assert period.settings["quality_thresholds"] == ["0.900", "0.700", "0.500"] or period.setting(
        "quality_thresholds")[0].startswith("0.9")
    assert period.setting("first_year") is False and period.setting("explanation_citation_warning") is True
    assert period.setting("unsent_at_deadline") == "appraised" and period.appraisable_statuses == ("sent", "locked")
    assert period.closes_at.hour == 10 and period.closes_at.tzinfo is not None  # 17:00 in Hà Nội = 10:00 UTC
    assert Submission.objects.filter(period=period).count() == 2
    assert Framework.objects.get(code="tn2024-so").locked_at is not None


def test_period_with_close_before_open_is_refused(world, client_for):
    response = client_for(world.secretariat).post(reverse("submissions:period_create"), period_form_data(**{
        "authority": world.authority.pk, "code": "sai", "name": "Sai", "year": 2025, "kind": "grading",
        "opens_at": "2025-11-25T17:00", "closes_at": "2025-10-31T08:00", "excellent_threshold": "0.9",
        "good_threshold": "0.7", "fair_threshold": "0.5", "excellent_share": "0.2", "nd2_kem_share": "0.5",
        "unsent_at_deadline": "not_appraised",
    }))
    assert response.status_code == 200 and "Hạn gửi phải sau thời điểm mở" in response.content.decode()
    assert not Period.objects.filter(code="sai").exists()


def test_adding_a_unit_gives_it_a_submission_in_open_periods(world, client_for):
    response = client_for(world.secretariat).post(reverse("submissions:unit_list"), {
        "block": world.block.pk, "code": "so-cong-thuong", "name": "Sở Công Thương", "email": ""})
    assert response.status_code == 302
    assert Submission.objects.filter(unit__code="so-cong-thuong", period=world.period).exists()


def staff_file(rows, header=("TT", "Họ và tên", "Chức vụ", "Email", "Quyền")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CÁN BỘ CẬP NHẬT, PHÊ DUYỆT BÁO CÁO"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "danh-sach.xlsx"
    return buffer


def test_staff_import_creates_personal_accounts_that_must_change_password(world, client_for):
    response = client_for(world.secretariat).post(reverse("submissions:staff_import", args=[world.unit_a.pk]), {
        "file": staff_file([(1, "Nguyễn Thị Mai", "Chuyên viên", "mai.nt@sxd.thainguyen.gov.vn", "Cập nhật báo cáo"),
                            (2, "Đỗ Văn Hùng", "Phó Giám đốc", "hung.dv@sxd.thainguyen.gov.vn", "Phê duyệt báo cáo")])})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đã tạo 2 tài khoản" in page
    mai = User.objects.get(email="mai.nt@sxd.thainguyen.gov.vn")
    assert mai.must_change_password and mai.full_name == "Nguyễn Thị Mai" and mai.username == "mai.nt"
    assert Role.objects.get(user=mai).kind == Role.OFFICER
    assert Role.objects.get(user__email="hung.dv@sxd.thainguyen.gov.vn").kind == Role.APPROVER


def test_staff_import_lists_every_bad_row_and_creates_nobody(world, client_for):
    response = client_for(world.secretariat).post(reverse("submissions:staff_import", args=[world.unit_a.pk]), {
        "file": staff_file([
            (1, "Nguyễn Thị Mai", "Chuyên viên", "mai.nt@sxd.gov.vn", "Cập nhật báo cáo"),
            (2, "", "Chuyên viên", "khong-email", "Quản trị"),
            (3, "Lê Văn C", "Chuyên viên", "mai.nt@sxd.gov.vn", "Cập nhật báo cáo"),
        ])})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Dòng 4: thiếu họ và tên; email “khong-email” không hợp lệ; quyền “Quản trị” không hợp lệ" in page
    assert "Dòng 5: email “mai.nt@sxd.gov.vn” lặp lại trong tệp." in page
    assert not User.objects.filter(email="mai.nt@sxd.gov.vn").exists()


def test_staff_import_refuses_a_file_that_is_not_excel(world, client_for):
    buffer = io.BytesIO(b"TT,Ho va ten\n1,A\n")
    buffer.name = "ds.xlsx"
    response = client_for(world.secretariat).post(reverse("submissions:staff_import", args=[world.unit_a.pk]),
                                                  {"file": buffer})
    assert response.status_code == 400 and "không phải là bảng tính Excel" in response.content.decode()


def test_secretariat_opens_a_window_for_named_criteria(world, client_for):
    node = leaf(world.sub_a, "2.1")
    closes = (timezone.localtime() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(world.secretariat).post(reverse("submissions:window_open", args=[world.sub_a.pk]), {
        "closes_at": closes, "message": "Bổ sung Báo cáo kết quả thanh tra", "nodes": [str(node.pk)]})
    assert response.status_code == 302
    window = Window.objects.get()
    assert list(window.nodes.all()) == [node] and window.created_by == world.secretariat


def test_window_in_the_past_is_refused(world, client_for):
    node = leaf(world.sub_a, "2.1")
    response = client_for(world.secretariat).post(reverse("submissions:window_open", args=[world.sub_a.pk]), {
        "closes_at": "2020-01-01T17:00", "message": "", "nodes": [str(node.pk)]})
    assert "Hạn bổ sung phải sau thời điểm hiện tại" in response.content.decode()
    assert not Window.objects.exists()


def test_navigation_shows_each_role_its_pages(world, client_for):
    officer_nav = client_for(world.officer_a).get(reverse("home")).content.decode()
    assert "Báo cáo của đơn vị" in officer_nav and "Kỳ đánh giá" not in officer_nav
    secretariat_nav = client_for(world.secretariat).get(reverse("home")).content.decode()
    assert "Kỳ đánh giá" in secretariat_nav and "Báo cáo của đơn vị" not in secretariat_nav
    assert Unit.objects.count() == 2


def test_thresholds_must_decrease(world, client_for):
    response = client_for(world.secretariat).post(reverse("submissions:period_create"), period_form_data(**{
        "authority": world.authority.pk, "code": "sai2", "name": "Sai", "year": 2025, "kind": "grading",
        "opens_at": "2025-10-31T08:00", "closes_at": "2025-11-25T17:00", "excellent_threshold": "0.5",
        "good_threshold": "0.7", "fair_threshold": "0.5", "excellent_share": "0.2", "nd2_kem_share": "0.5",
    }))
    assert "phải giảm dần" in response.content.decode() and not Period.objects.filter(code="sai2").exists()
