"""Issue 15.1: a staff import changes only accounts of the importing unit; it may never rename or give a
unit role to the province's accounts (administrator, chairman, secretariat, council) nor to another
authority's or another unit's accounts. Any such match is a row error and the whole file changes nothing."""

import pytest
from django.urls import reverse

from criteria.models import Authority
from submissions.models import Block, Role, Unit, User
from tests.factories import UserFactory
from tests.submissions.test_secretariat import staff_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(world):
    """A district authority under the province of ``world``: a commune unit and the district's secretariat."""
    authority = Authority.objects.create(code="huyen-thu-nghiem", name="UBND huyện Thử Nghiệm", level="huyen",
                                         parent=world.authority)
    block = Block.objects.create(authority=authority, code="xa", name="Khối xã")
    commune = Unit.objects.create(authority=authority, block=block, code="xa-binh-thanh", name="UBND xã Bình Thành")
    other_commune = Unit.objects.create(authority=authority, block=block, code="xa-phu-dinh", name="UBND xã Phú Đình")
    secretariat = UserFactory(username="pnv.dinhhoa")
    Role.objects.create(user=secretariat, kind=Role.SECRETARIAT, authority=authority)
    return authority, commune, other_commune, secretariat


def _province_accounts(world):
    superuser = UserFactory(username="quantri", email="quantri@thainguyen.gov.vn", is_staff=True, is_superuser=True,
                            full_name="Quản trị tỉnh")
    chairman = UserFactory(username="ct.ubnd", email="ct.ubnd@thainguyen.gov.vn", full_name="Chủ tịch tỉnh")
    Role.objects.create(user=chairman, kind=Role.CHAIRMAN, authority=world.authority)
    council = UserFactory(username="stc.thamdinh", email="stc.thamdinh@thainguyen.gov.vn", full_name="Thẩm định")
    Role.objects.create(user=council, kind=Role.COUNCIL, authority=world.authority, agency="Sở Tài chính")
    return superuser, chairman, council


def _snapshot():
    return ({u.pk: (u.username, u.full_name, u.position, u.email, u.is_superuser) for u in User.objects.all()},
            set(Role.objects.values_list("user_id", "kind", "unit_id", "authority_id")))


def test_district_import_with_province_and_other_authority_emails_is_refused_and_changes_nothing(
        world, district, client_for):
    _, commune, _, secretariat = district
    superuser, chairman, council = _province_accounts(world)
    before = _snapshot()
    response = client_for(secretariat).post(reverse("submissions:staff_import", args=[commune.pk]), {
        "file": staff_file([
            (1, "Người mới", "Công chức", "moi@binhthanh.gov.vn", "Cập nhật báo cáo"),
            (2, "Kẻ mạo danh", "Công chức", "QuanTri@thainguyen.gov.vn", "Phê duyệt báo cáo"),
            (3, "Kẻ mạo danh", "Công chức", "ct.ubnd@thainguyen.gov.vn", "Phê duyệt báo cáo"),
            (4, "Kẻ mạo danh", "Công chức", "stc.thamdinh@thainguyen.gov.vn", "Cập nhật báo cáo"),
            (5, "Kẻ mạo danh", "Công chức", world.officer_a.email, "Cập nhật báo cáo"),
            (6, "Kẻ mạo danh", "Công chức", world.secretariat.email, "Cập nhật báo cáo"),
        ])})
    assert response.status_code == 400
    page = response.content.decode()
    assert ("Dòng 4: email “quantri@thainguyen.gov.vn” là tài khoản quản trị hệ thống, danh sách cán bộ của đơn vị "
            "không được sửa tài khoản này.") in page
    assert "Dòng 5: email “ct.ubnd@thainguyen.gov.vn” là tài khoản có vai trò cấp cơ quan" in page
    assert "Dòng 6: email “stc.thamdinh@thainguyen.gov.vn” là tài khoản có vai trò cấp cơ quan" in page
    assert f"Dòng 7: email “{world.officer_a.email}” đã là tài khoản của đơn vị khác." in page
    assert f"Dòng 8: email “{world.secretariat.email}” là tài khoản có vai trò cấp cơ quan" in page
    assert _snapshot() == before  # nobody renamed, no role added, the valid new row not created either
    assert not User.objects.filter(email="moi@binhthanh.gov.vn").exists()
    assert User.objects.get(pk=chairman.pk).full_name == "Chủ tịch tỉnh"
    assert not Role.objects.filter(unit=commune).exists()


def test_import_may_not_take_an_account_of_another_unit_of_the_same_authority_nor_one_without_a_role(
        world, district, client_for):
    _, commune, other_commune, secretariat = district
    neighbour = UserFactory(username="phudinh.capnhat", email="capnhat@phudinh.gov.vn")
    Role.objects.create(user=neighbour, kind=Role.OFFICER, unit=other_commune)
    loose = UserFactory(username="chua.gan", email="chua.gan@thainguyen.gov.vn")  # created by hand, no role
    before = _snapshot()
    response = client_for(secretariat).post(reverse("submissions:staff_import", args=[commune.pk]), {
        "file": staff_file([(1, "Kẻ mạo danh", "", "capnhat@phudinh.gov.vn", "Phê duyệt báo cáo"),
                            (2, "Kẻ mạo danh", "", loose.email, "Phê duyệt báo cáo")])})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Dòng 3: email “capnhat@phudinh.gov.vn” đã là tài khoản của đơn vị khác." in page
    assert "Dòng 4: email “chua.gan@thainguyen.gov.vn” đã là tài khoản chưa thuộc đơn vị nào" in page
    assert _snapshot() == before


def test_import_still_updates_its_own_unit_accounts_and_adds_their_roles(world, district, client_for):
    _, commune, _, secretariat = district
    own = UserFactory(username="binhthanh.capnhat", email="capnhat@binhthanh.gov.vn", full_name="Tên cũ")
    Role.objects.create(user=own, kind=Role.OFFICER, unit=commune)
    response = client_for(secretariat).post(reverse("submissions:staff_import", args=[commune.pk]), {
        "file": staff_file([(1, "Tên mới", "Phó Chủ tịch", "CapNhat@binhthanh.gov.vn", "Cập nhật; Phê duyệt")])})
    assert response.status_code == 200
    own.refresh_from_db()
    assert (own.full_name, own.position) == ("Tên mới", "Phó Chủ tịch")
    assert set(own.roles.values_list("kind", "unit_id")) == {(Role.OFFICER, commune.pk), (Role.APPROVER, commune.pk)}
