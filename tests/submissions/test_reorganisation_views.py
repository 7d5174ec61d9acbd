"""Issue #12, item 2, the pages: upload → preview (writes nothing) → confirmation (a one-way step, checked
again on the server), the organisation history page, and who may use them."""

import base64
import io

import pytest
from django.urls import reverse

from submissions.models import Unit, UnitLineage
from tests.submissions.test_reorganisation import NQ, build_org, sheet, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(world):
    return build_org(world)

MERGE = [("xa-binh-thanh", "xa-binh-yen", "01/07/2025", "sáp nhập", "UBND xã Bình Yên", "xa", NQ),
         ("xa-phu-dinh", "xa-binh-yen", "01/07/2025", "sáp nhập", "UBND xã Bình Yên", "xa", NQ)]


def upload(rows=MERGE) -> io.BytesIO:
    buffer = io.BytesIO(sheet(rows))
    buffer.name = "sap-xep.xlsx"
    return buffer


def import_url(authority):
    return reverse("submissions:reorganisation_import", args=[authority.pk])


def test_preview_shows_what_will_happen_and_writes_nothing(org, client_for):
    before = snapshot()
    response = client_for(org.secretariat).post(import_url(org.authority), {"file": upload()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Xác nhận ghi lịch sử tổ chức" in page and 'name="data"' in page
    assert "UBND xã Bình Thành (xa-binh-thanh, UBND huyện Định Hóa)" in page
    assert "UBND xã Bình Yên (xa-binh-yen) — Khối xã, phường, thành lập từ 01/07/2025" in page
    assert "Đơn vị chấm dứt hoạt động (2)" in page and NQ in page
    assert snapshot() == before


def test_confirmation_records_the_previewed_file(org, client_for):
    client = client_for(org.secretariat)
    preview = client.post(import_url(org.authority), {"file": upload()})
    data = preview.context["encoded"]
    response = client.post(import_url(org.authority), {"data": data})
    assert response.status_code == 302 and response.url == reverse("submissions:lineage_list")
    assert UnitLineage.objects.filter(successor__code="xa-binh-yen", recorded_by=org.secretariat).count() == 2
    assert not Unit.objects.get(code="xa-binh-thanh").active
    page = client.get(reverse("submissions:lineage_list")).content.decode()
    assert ("Đã ghi lịch sử tổ chức của UBND tỉnh Thái Nguyên: 2 quan hệ, tạo 1 đơn vị mới, 2 đơn vị chấm dứt hoạt "
            "động.") in page
    assert "UBND xã Bình Yên" in page and "Sáp nhập, hợp nhất" in page and "01/07/2025" in page
    assert str(org.secretariat) in page
    # The same confirmation again is refused: the file was recorded.
    again = client.post(import_url(org.authority), {"data": data})
    assert again.status_code == 400 and UnitLineage.objects.count() == 2


def test_confirmation_of_a_file_other_than_the_previewed_one_is_refused(org, client_for):
    client = client_for(org.secretariat)
    client.post(import_url(org.authority), {"file": upload()})
    other = base64.b64encode(sheet([("so-y-te", "so-xay-dung", "01/07/2025", "sáp nhập")])).decode()
    before = snapshot()
    response = client.post(import_url(org.authority), {"data": other})
    assert response.status_code == 400
    assert "Tệp xác nhận không phải tệp vừa xem trước" in response.content.decode()
    assert snapshot() == before


def test_confirmation_is_checked_again_on_the_server(org, client_for):
    client = client_for(org.secretariat)
    data = client.post(import_url(org.authority), {"file": upload()}).context["encoded"]
    # Meanwhile the district records that Bình Thành joined Bảo Cường.
    from submissions import services

    services.reorganisation_import(authority=org.district, actor=org.district_secretariat, data=sheet(
        [("xa-binh-thanh", "xa-bao-cuong", "01/06/2025", "sáp nhập", "", "", "")]))
    before = snapshot()
    response = client.post(import_url(org.authority), {"data": data})
    assert response.status_code == 400
    assert "Dòng 3: đơn vị “UBND xã Bình Thành (xa-binh-thanh, UBND huyện Định Hóa)” đã chấm dứt hoạt động từ ngày " \
           "01/06/2025" in response.content.decode()
    assert snapshot() == before


def test_a_bad_upload_lists_its_rows(org, client_for):
    response = client_for(org.secretariat).post(import_url(org.authority), {
        "file": upload([("xa-khong-co", "xa-binh-yen", "01/07/2025", "sáp nhập", "UBND xã Bình Yên", "xa", "")])})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tệp chưa được ghi" in page and "Dòng 3: mã đơn vị cũ “xa-khong-co” không có" in page
    assert "Xác nhận ghi lịch sử tổ chức" not in page


def test_broken_confirmation_data_is_refused(org, client_for):
    response = client_for(org.secretariat).post(import_url(org.authority), {"data": "không phải base64!"})
    assert response.status_code == 400 and "Dữ liệu xác nhận bị hỏng" in response.content.decode()


def test_the_unit_list_links_to_the_history(org, client_for):
    page = client_for(org.secretariat).get(reverse("submissions:unit_list")).content.decode()
    assert reverse("submissions:lineage_list") in page


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("actor", ["officer_a", "approver_a", "outsider"])
def test_unit_staff_and_outsiders_are_refused_every_page(org, client_for, actor):
    client = client_for(getattr(org, actor))
    assert client.get(reverse("submissions:lineage_list")).status_code == 403
    assert client.get(import_url(org.authority)).status_code == 403
    assert client.post(import_url(org.authority), {"file": upload()}).status_code == 403
    assert UnitLineage.objects.count() == 0


def test_another_authoritys_secretariat_is_refused(org, client_for):
    """The district's secretariat cannot record for the province, even with a file the province previewed."""
    province = client_for(org.secretariat)
    data = province.post(import_url(org.authority), {"file": upload()}).context["encoded"]
    district = client_for(org.district_secretariat)
    assert district.get(import_url(org.authority)).status_code == 403
    assert district.post(import_url(org.authority), {"file": upload()}).status_code == 403
    assert district.post(import_url(org.authority), {"data": data}).status_code == 403
    # nor may the province's secretariat record in the district's name
    assert province.get(import_url(org.district)).status_code == 403
    assert UnitLineage.objects.count() == 0


def test_each_secretariat_is_allowed_on_its_own_authority(org, client_for):
    assert client_for(org.secretariat).get(import_url(org.authority)).status_code == 200
    district = client_for(org.district_secretariat)
    assert district.get(import_url(org.district)).status_code == 200
    assert district.get(reverse("submissions:lineage_list")).status_code == 200
    response = district.post(import_url(org.district), {"file": upload(
        [("xa-binh-thanh", "xa-bao-cuong", "01/06/2025", "sáp nhập", "", "", "")])})
    assert response.status_code == 200
    assert district.post(import_url(org.district), {"data": response.context["encoded"]}).status_code == 302
    assert UnitLineage.objects.get().recorded_by == org.district_secretariat


def test_the_history_page_shows_each_secretariat_its_own_units(org, client_for):
    from submissions import services

    services.reorganisation_import(authority=org.authority, actor=org.secretariat, data=sheet(
        [("so-y-te", "so-xay-dung", "01/03/2025", "sáp nhập", "", "", "")]))
    services.reorganisation_import(authority=org.district, actor=org.district_secretariat, data=sheet(
        [("xa-binh-thanh", "xa-bao-cuong", "01/06/2025", "sáp nhập", "", "", "")]))
    district_page = client_for(org.district_secretariat).get(reverse("submissions:lineage_list")).content.decode()
    assert "UBND xã Bình Thành" in district_page and "Sở Y tế" not in district_page
    province_page = client_for(org.secretariat).get(reverse("submissions:lineage_list")).content.decode()
    assert "UBND xã Bình Thành" in province_page and "Sở Y tế" in province_page
