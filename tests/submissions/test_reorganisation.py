"""Issue #12, item 2: the secretariat records a reorganisation (merge, split, rename) from an Excel sheet,
checked row by row like every import and applied all-or-nothing (submissions/reorganisation.py,
``services.reorganisation_import``)."""

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from criteria.models import Authority
from submissions import services
from submissions.models import Block, Role, Submission, Unit, UnitLineage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ("Mã đơn vị cũ", "Mã đơn vị mới", "Ngày hiệu lực", "Hình thức", "Tên đơn vị mới", "Khối", "Căn cứ")
NQ = "Nghị quyết số 1683/NQ-UBTVQH15"
TODAY = date(2026, 1, 15)


def sheet(rows, header=HEADER, title=True) -> bytes:
    """A workbook: a title row, the header (row 2), then ``rows`` from row 3."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append(["BẢNG SẮP XẾP ĐƠN VỊ HÀNH CHÍNH CẤP XÃ"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def org(world):
    return build_org(world)


def build_org(world):
    """The province of ``world`` (block so: Sở Xây dựng, Sở Y tế, Sở Tư pháp; a block xa of its own since
    2025) and a district below it with three communes and its own secretariat."""
    province = world.authority
    Unit.objects.create(authority=province, block=world.block, code="so-tu-phap", name="Sở Tư pháp")
    Block.objects.create(authority=province, code="xa", name="Khối xã, phường")
    district, _ = Authority.objects.update_or_create(  # the frameworks' fixtures already name it
        code="huyen-dinh-hoa", defaults={"name": "UBND huyện Định Hóa", "level": "huyen", "parent": province})
    xa = Block.objects.create(authority=district, code="xa", name="Khối xã")
    for code, name in [("xa-binh-thanh", "UBND xã Bình Thành"), ("xa-phu-dinh", "UBND xã Phú Đình"),
                       ("xa-bao-cuong", "UBND xã Bảo Cường")]:
        Unit.objects.create(authority=district, block=xa, code=code, name=name)
    world.district = district
    world.district_secretariat = UserFactory(username="pnv.dinhhoa")
    Role.objects.create(user=world.district_secretariat, kind=Role.SECRETARIAT, authority=district)
    return world


def unit(code, authority=None):
    query = Unit.objects.filter(code=code)
    return query.get(authority=authority) if authority else query.get()


def snapshot():
    """Everything an import may write."""
    return (sorted(Unit.objects.values_list("id", "authority_id", "code", "name", "active", "established_on",
                                            "ended_on")),
            sorted(UnitLineage.objects.values_list("predecessor_id", "successor_id", "kind", "effective_on")),
            Submission.objects.count())


def record(org, rows, *, authority=None, actor=None, today=TODAY):
    return services.reorganisation_import(authority=authority or org.authority, data=sheet(rows),
                                          actor=actor or org.secretariat, today=today)


# --------------------------------------------------------------------------- applied


def test_merge_of_district_communes_into_a_new_province_commune(org):
    """Cross-authority: the province names communes of its former district by their plain codes."""
    plan = record(org, [
        ("xa-binh-thanh", "xa-binh-yen", "01/07/2025", "Sáp nhập", "UBND xã Bình Yên", "xa", NQ),
        ("xa-phu-dinh", "xa-binh-yen", datetime(2025, 7, 1), "sáp nhập", "UBND xã Bình Yên", "xa", NQ),
    ])
    new = unit("xa-binh-yen")
    assert new.authority == org.authority and new.block.code == "xa" and new.block.authority == org.authority
    assert new.name == "UBND xã Bình Yên" and new.established_on == date(2025, 7, 1) and new.active
    links = UnitLineage.objects.filter(successor=new).order_by("predecessor__code")
    assert [(link.predecessor.code, link.kind, link.effective_on, link.basis, link.recorded_by) for link in links] == [
        ("xa-binh-thanh", "merge", date(2025, 7, 1), NQ, org.secretariat),
        ("xa-phu-dinh", "merge", date(2025, 7, 1), NQ, org.secretariat)]
    for code in ("xa-binh-thanh", "xa-phu-dinh"):
        old = unit(code)
        assert old.ended_on == date(2025, 7, 1) and not old.active
    assert unit("xa-bao-cuong").active and unit("xa-bao-cuong").ended_on is None
    assert len(plan.edges) == 2 and len(plan.created) == 1 and len(plan.ended) == 2


def test_merge_into_an_existing_unit_keeps_the_absorbing_unit(org):
    record(org, [("so-y-te", "so-xay-dung", "01/03/2025", "Hợp nhất", "", "", "")])
    absorbing, absorbed = unit("so-xay-dung"), unit("so-y-te")
    assert absorbing.active and absorbing.ended_on is None
    assert not absorbed.active and absorbed.ended_on == date(2025, 3, 1)
    assert UnitLineage.objects.get().predecessor == absorbed


def test_split_creates_every_new_unit_and_ends_the_old_one(org):
    record(org, [
        ("so-tu-phap", "so-tu-phap-a", "01/01/2025", "Chia tách", "Sở Tư pháp A", "so", ""),
        ("so-tu-phap", "so-tu-phap-b", "01/01/2025", "chia tach", "Sở Tư pháp B", "SO", ""),
    ])
    old = unit("so-tu-phap")
    assert not old.active and old.ended_on == date(2025, 1, 1)
    assert sorted(UnitLineage.objects.filter(predecessor=old).values_list("successor__code", "kind")) == [
        ("so-tu-phap-a", "split"), ("so-tu-phap-b", "split")]
    # Units created now join the periods still accepting members (unit_create).
    assert Submission.objects.filter(period=org.period, unit__code__in=["so-tu-phap-a", "so-tu-phap-b"]).count() == 2


def test_rename_recreates_a_district_commune_under_the_province_with_its_code(org):
    """Since 1/7/2025 a commune is re-created under the province; it may keep its code: a plain new code is
    looked up in the importing authority only, so the two are different units."""
    record(org, [("xa-bao-cuong", "xa-bao-cuong", "01/07/2025", "Đổi tên", "UBND xã Bảo Cường", "xa", NQ)])
    old, new = unit("xa-bao-cuong", org.district), unit("xa-bao-cuong", org.authority)
    assert UnitLineage.objects.get().predecessor == old and UnitLineage.objects.get().successor == new
    assert UnitLineage.objects.get().kind == "rename" and not old.active and new.active


def test_a_new_unit_formed_from_a_whole_unit_and_part_of_another(org):
    """“Sáp nhập toàn bộ xã A và một phần xã B”: merge rows and split rows into the same new unit."""
    record(org, [
        ("xa-binh-thanh", "xa-moi-1", "01/07/2025", "sáp nhập", "UBND xã Mới Một", "xa", ""),
        ("xa-phu-dinh", "xa-moi-1", "01/07/2025", "chia tách", "UBND xã Mới Một", "xa", ""),
        ("xa-phu-dinh", "xa-moi-2", "01/07/2025", "chia tách", "UBND xã Mới Hai", "xa", ""),
    ])
    assert UnitLineage.objects.count() == 3
    assert not unit("xa-phu-dinh").active and not unit("xa-binh-thanh").active


def test_header_is_found_whatever_its_case_and_diacritics(org):
    header = ("MA DON VI CU", "mã đơn vị mới", "Ngày hiệu lực (dd/mm/yyyy)", "Hình thức *", "Căn cứ")
    services.reorganisation_import(authority=org.authority, actor=org.secretariat, today=TODAY, data=sheet(
        [("so-y-te", "so-xay-dung", "1/3/2025", "sap nhap", NQ)], header=header, title=False))
    assert UnitLineage.objects.get().basis == NQ


def test_an_explicit_authority_code_names_the_unit(org):
    other = Authority.objects.create(code="huyen-phu-luong", name="UBND huyện Phú Lương", level="huyen",
                                     parent=org.authority)
    Unit.objects.create(authority=other, block=Block.objects.create(authority=other, code="xa", name="Khối xã"),
                        code="xa-binh-thanh", name="UBND xã Bình Thành (Phú Lương)")
    before = snapshot()
    rows = [("xa-binh-thanh", "xa-moi", "01/07/2025", "đổi tên", "UBND xã Mới", "xa", "")]
    with pytest.raises(services.ValidationError) as refused:
        record(org, rows)
    assert refused.value.messages == [
        "Dòng 3: mã đơn vị cũ “xa-binh-thanh” có ở nhiều cơ quan: UBND huyện Định Hóa (huyen-dinh-hoa), UBND huyện "
        "Phú Lương (huyen-phu-luong); hãy ghi rõ “mã-cơ-quan/mã-đơn-vị”."]
    assert snapshot() == before
    record(org, [("huyen-phu-luong/xa-binh-thanh", *rows[0][1:])])
    assert UnitLineage.objects.get().predecessor.authority == other


def test_a_future_date_is_accepted_with_a_warning(org):
    plan = services.reorganisation_preview(authority=org.authority, today=TODAY, data=sheet(
        [("so-y-te", "so-xay-dung", "01/07/2026", "sáp nhập", "", "", "")]))
    assert plan.warnings == ["Dòng 3: ngày hiệu lực 01/07/2026 sau hôm nay; đơn vị cũ được ghi là đã chấm dứt hoạt "
                             "động ngay khi xác nhận (không tham gia các kỳ đánh giá mở từ nay)."]
    assert UnitLineage.objects.count() == 0  # a preview writes nothing


def test_period_save_gives_no_sheet_to_a_unit_that_stopped(org):
    from datetime import timedelta

    from django.utils import timezone

    from criteria.models import Framework
    from submissions.models import Period

    record(org, [("so-y-te", "so-xay-dung", "01/03/2025", "sáp nhập", "", "", "")])
    now = timezone.now()
    period = Period(authority=org.authority, code="tn-2026", name="Kỳ 2026", year=2026,
                    opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9))
    services.period_save(period=period, frameworks={org.block: Framework.objects.get(code="tn2024-so")})
    units = set(Submission.objects.filter(period=period).values_list("unit__code", flat=True))
    assert "so-y-te" not in units


# --------------------------------------------------------------------------- refused, row by row


def _established(org):
    Unit.objects.filter(code="so-y-te").update(established_on=date(2020, 1, 1))


def _ended(org):
    Unit.objects.filter(code="so-y-te").update(ended_on=date(2024, 1, 1), active=False)


def _stored_edge(org):
    UnitLineage.objects.create(predecessor=unit("so-y-te"), successor=unit("so-xay-dung"), kind="merge",
                               effective_on=date(2024, 1, 1))


ROW_CHECKS = [
    ("unknown old code", None, [("xa-khong-co", "so-xay-dung", "01/07/2025", "sáp nhập")],
     "Dòng 3: mã đơn vị cũ “xa-khong-co” không có trong UBND tỉnh Thái Nguyên và các cơ quan cấp dưới."),
    ("authority outside the scope", None, [("tinh-khac/so-y-te", "so-xay-dung", "01/07/2025", "sáp nhập")],
     "Dòng 3: cơ quan “tinh-khac” không có hoặc không thuộc phạm vi của UBND tỉnh Thái Nguyên."),
    ("new code = old code", None, [("so-y-te", "so-y-te", "01/07/2025", "đổi tên")],
     "Dòng 3: mã đơn vị mới trùng mã đơn vị cũ"),
    ("bad date", None, [("so-y-te", "so-xay-dung", "31/02/2025", "sáp nhập")],
     "Dòng 3: ngày hiệu lực “31/02/2025” không hợp lệ (ghi theo dạng dd/mm/yyyy)."),
    ("missing date", None, [("so-y-te", "so-xay-dung", None, "sáp nhập")], "Dòng 3: thiếu ngày hiệu lực."),
    ("unknown kind", None, [("so-y-te", "so-xay-dung", "01/07/2025", "giải thể")],
     "Dòng 3: hình thức “giải thể” không hợp lệ"),
    ("date before the unit existed", _established, [("so-y-te", "so-xay-dung", "01/01/2019", "sáp nhập")],
     "Dòng 3: ngày hiệu lực 01/01/2019 trước ngày đơn vị “Sở Y tế (so-y-te)” được thành lập (01/01/2020)."),
    ("old unit already ended", _ended, [("so-y-te", "so-xay-dung", "01/07/2025", "sáp nhập")],
     "Dòng 3: đơn vị “Sở Y tế (so-y-te)” đã chấm dứt hoạt động từ ngày 01/01/2024"),
    ("new unit already ended", _ended, [("so-tu-phap", "so-y-te", "01/07/2025", "sáp nhập")],
     "Dòng 3: đơn vị mới “Sở Y tế (so-y-te)” đã chấm dứt hoạt động từ ngày 01/01/2024, không tiếp nhận được"),
    ("rename whose old code is on another row", None,
     [("so-y-te", "so-moi-a", "01/07/2025", "đổi tên", "Sở A", "so"),
      ("so-y-te", "so-moi-b", "01/07/2025", "đổi tên", "Sở B", "so")],
     "Dòng 3: đổi tên nhưng đơn vị cũ “Sở Y tế (so-y-te)” còn có ở dòng 4."),
    ("rename whose new code is on another row", None,
     [("so-y-te", "so-moi", "01/07/2025", "đổi tên", "Sở Mới", "so"),
      ("so-tu-phap", "so-moi", "01/07/2025", "đổi tên", "Sở Mới", "so")],
     "Dòng 4: đổi tên nhưng đơn vị mới “Sở Mới (so-moi)” còn có ở dòng 3."),
    ("merge and split of one old unit", None,
     [("so-y-te", "so-moi-a", "01/07/2025", "sáp nhập", "Sở A", "so"),
      ("so-y-te", "so-moi-b", "01/07/2025", "chia tách", "Sở B", "so")],
     "Dòng 4: đơn vị cũ “Sở Y tế (so-y-te)” có ở dòng 3 với hình thức “sáp nhập, hợp nhất”: các dòng của cùng một "
     "đơn vị cũ phải cùng hình thức “chia tách”."),
    ("merge with two dates", None,
     [("so-y-te", "so-moi", "01/07/2025", "hợp nhất", "Sở Mới", "so"),
      ("so-tu-phap", "so-moi", "02/07/2025", "hợp nhất", "Sở Mới", "so")],
     "Dòng 4: ngày hiệu lực khác với dòng 3 (cùng đơn vị mới “Sở Mới (so-moi)”)"),
    ("merge of one unit into a new one", None, [("so-y-te", "so-moi", "01/07/2025", "hợp nhất", "Sở Mới", "so")],
     "Dòng 3: hợp nhất vào đơn vị mới “Sở Mới (so-moi)” cần từ hai đơn vị cũ trở lên"),
    ("split into one unit", None, [("so-y-te", "so-moi", "01/07/2025", "chia tách", "Sở Mới", "so")],
     "Dòng 3: chia tách phải có từ hai đơn vị mới trở lên"),
    ("duplicate row", None, [("so-y-te", "so-xay-dung", "01/07/2025", "sáp nhập"),
                             ("so-y-te", "so-xay-dung", "01/07/2025", "sáp nhập")],
     "Dòng 4: trùng với dòng 3."),
    ("edge already stored", _stored_edge, [("so-y-te", "so-xay-dung", "01/07/2025", "sáp nhập")],
     "Dòng 3: quan hệ “Sở Y tế (so-y-te)” → “Sở Xây dựng (so-xay-dung)” đã có trong lịch sử tổ chức (từ ngày "
     "01/01/2024)."),
    ("unknown block", None, [("so-y-te", "so-moi", "01/07/2025", "đổi tên", "Sở Mới", "khoi-la")],
     "Dòng 3: khối “khoi-la” không có trong UBND tỉnh Thái Nguyên (các khối: so, xa)."),
    ("new unit without name and block", None, [("so-y-te", "so-moi", "01/07/2025", "đổi tên")],
     "Dòng 3: mã đơn vị mới “so-moi” chưa có trong UBND tỉnh Thái Nguyên: cần ghi “Tên đơn vị mới” và “Khối”"),
    ("new code that is not a code", None, [("so-y-te", "sở mới", "01/07/2025", "đổi tên", "Sở Mới", "so")],
     "Dòng 3: mã đơn vị mới “sở mới” không hợp lệ"),
    ("a chain in one file", None, [("so-y-te", "so-xay-dung", "01/07/2025", "sáp nhập"),
                                   ("so-xay-dung", "so-tu-phap", "01/07/2025", "sáp nhập")],
     "Dòng 4: đơn vị “Sở Xây dựng (so-xay-dung)” vừa là đơn vị cũ ở dòng này vừa là đơn vị mới ở dòng 3"),
]


@pytest.mark.parametrize("setup, rows, expected", [c[1:] for c in ROW_CHECKS], ids=[c[0] for c in ROW_CHECKS])
def test_each_row_check_refuses_the_whole_file_with_the_row_number(org, setup, rows, expected):
    if setup:
        setup(org)
    # The bad rows from row 3, then a good row: it is not recorded either (all or nothing).
    rows = [*((*r, "", "", "")[:7] for r in rows),
            ("xa-bao-cuong", "xa-bao-cuong-moi", "01/07/2025", "đổi tên", "UBND xã Bảo Cường", "xa", "")]
    before = snapshot()
    with pytest.raises(services.ValidationError) as refused:
        record(org, rows)
    assert any(expected in message for message in refused.value.messages), refused.value.messages
    assert not any(message.startswith(f"Dòng {len(rows) + 2}:") for message in refused.value.messages)
    assert snapshot() == before


def test_every_bad_row_is_listed_at_once(org):
    with pytest.raises(services.ValidationError) as refused:
        record(org, [("xa-khong-co", "so-xay-dung", "01/07/2025", "sáp nhập", "", "", ""),
                     ("so-y-te", "so-xay-dung", "hôm qua", "sáp nhập", "", "", ""),
                     ("so-tu-phap", "so-xay-dung", "01/07/2025", "", "", "", "")])
    assert [m.split(":")[0] for m in refused.value.messages] == ["Dòng 3", "Dòng 4", "Dòng 5"]
    assert "thiếu hình thức" in refused.value.messages[2]


def test_a_cycle_through_stored_edges_is_refused(org):
    a, b, c = unit("so-xay-dung"), unit("so-y-te"), unit("so-tu-phap")
    UnitLineage.objects.create(predecessor=a, successor=b, kind="rename", effective_on=date(2023, 1, 1))
    UnitLineage.objects.create(predecessor=b, successor=c, kind="rename", effective_on=date(2024, 1, 1))
    before = snapshot()
    with pytest.raises(services.ValidationError) as refused:
        record(org, [("so-tu-phap", "so-xay-dung", "01/07/2025", "sáp nhập", "", "", "")])
    assert refused.value.messages == [
        "Dòng 3: tạo vòng lặp trong lịch sử tổ chức: “Sở Tư pháp (so-tu-phap)” → “Sở Xây dựng (so-xay-dung)” → "
        "“Sở Y tế (so-y-te)” → “Sở Tư pháp (so-tu-phap)” (một đơn vị không thể là đơn vị trước của chính nó)."]
    assert snapshot() == before


def test_a_district_secretariat_cannot_name_the_provinces_units(org):
    before = snapshot()
    with pytest.raises(services.ValidationError) as refused:
        record(org, [("tinh-thai-nguyen/so-y-te", "xa-binh-thanh", "01/07/2025", "sáp nhập", "", "", ""),
                     ("so-tu-phap", "xa-binh-thanh", "01/07/2025", "sáp nhập", "", "", "")],
               authority=org.district, actor=org.district_secretariat)
    assert refused.value.messages == [
        "Dòng 3: cơ quan “tinh-thai-nguyen” không có hoặc không thuộc phạm vi của UBND huyện Định Hóa.",
        "Dòng 4: mã đơn vị cũ “so-tu-phap” không có trong UBND huyện Định Hóa và các cơ quan cấp dưới."]
    assert snapshot() == before


@pytest.mark.parametrize("data, expected", [
    (b"Ma don vi cu,Ma don vi moi\n", "không phải là bảng tính Excel"),
    (sheet([("so-y-te", "so-xay-dung")], header=("Mã", "Tên")), "Không tìm thấy dòng tiêu đề"),
    (sheet([], header=HEADER), "Tệp không có dòng sắp xếp tổ chức nào."),
    (sheet([("so-y-te", "so-xay-dung")], header=("Mã đơn vị cũ", "Mã đơn vị mới")),
     "Thiếu cột “Ngày hiệu lực”, “Hình thức”."),
])
def test_a_file_that_is_not_a_reorganisation_sheet_is_refused(org, data, expected):
    with pytest.raises(services.ValidationError) as refused:
        services.reorganisation_import(authority=org.authority, data=data, actor=org.secretariat)
    assert any(expected in m for m in refused.value.messages), refused.value.messages
    assert UnitLineage.objects.count() == 0
