"""Excel export and import of frameworks: round trip for all five, and bad files that change nothing."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from criteria.models import Authority, Framework, Node
from criteria.selectors import framework_export_dict
from criteria.spreadsheet import NODE_SHEET, column_names, framework_export_xlsx, framework_import_xlsx
from criteria.tree import TreeError

pytestmark = pytest.mark.django_db
CODES = ["tn2024-so", "tn2024-huyen", "tn2024-dvsn", "tn2024-hoi", "dh2024-xa"]


def _snapshot():
    return (
        list(Framework.objects.order_by("code").values_list("code", "updated_at", "content_hash", "total_points")),
        list(Node.objects.order_by("id").values_list("id", "framework_id", "code", "max_points", "title", "rule")),
    )


@pytest.mark.parametrize("code", CODES)
def test_export_then_import_gives_back_an_identical_tree(code):
    framework = Framework.objects.get(code=code)
    before = framework_export_dict(framework)
    data = framework_export_xlsx(framework)
    # Import under a new code, so the new tree is really written and compared field by field.
    workbook = load_workbook(io.BytesIO(data))
    workbook["Khung"]["B2"] = f"{code}-copy"
    buffer = io.BytesIO()
    workbook.save(buffer)
    copy, status = framework_import_xlsx(data=buffer.getvalue())
    assert status == "created"
    after = framework_export_dict(copy)
    assert after == {**before, "code": f"{code}-copy"}
    rows = list(Node.objects.filter(framework=copy).order_by("ordering").values_list(
        "code", "kind", "title", "max_points", "appraising_agency", "agency_merged", "rule", "evidence", "notes"))
    original = list(Node.objects.filter(framework=framework).order_by("ordering").values_list(
        "code", "kind", "title", "max_points", "appraising_agency", "agency_merged", "rule", "evidence", "notes"))
    assert rows == original
    # And importing the untouched export over the original is a no-op.
    assert framework_import_xlsx(data=data) == (framework, "unchanged")


def _edited(code="dh2024-xa", edit=None):
    workbook = load_workbook(io.BytesIO(framework_export_xlsx(Framework.objects.get(code=code))))
    sheet = workbook[NODE_SHEET]
    header = [c.value for c in sheet[1]]
    cols = {name: header.index(title) + 1 for name, title in column_names().items()}
    rows = {sheet.cell(row=r, column=cols["code"]).value: r for r in range(2, sheet.max_row + 1)}
    edit(workbook, sheet, cols, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _problems(data):
    before = _snapshot()
    with pytest.raises((TreeError, ValidationError)) as exc:
        framework_import_xlsx(data=data)
    assert _snapshot() == before, "a bad file must change nothing"
    error = exc.value
    return [str(p) for p in error.problems] if isinstance(error, TreeError) else list(error.messages)


def test_unknown_parent_names_the_row():
    def edit(wb, sheet, cols, rows):
        sheet.cell(row=rows["2.1.1"], column=cols["parent_code"], value="2.9")

    problems = _problems(_edited(edit=edit))
    assert any("Mã cha “2.9” không tồn tại" in p for p in problems)
    assert any(p.startswith("Dòng ") for p in problems)


def test_duplicate_code_names_both_rows():
    def edit(wb, sheet, cols, rows):
        sheet.cell(row=rows["2.1.2"], column=cols["code"], value="2.1.1")

    problems = _problems(_edited(edit=edit))
    assert any("Mã “2.1.1” bị trùng (đã có ở dòng" in p for p in problems)


def test_children_not_summing_names_parent_expected_and_actual():
    def edit(wb, sheet, cols, rows):
        sheet.cell(row=rows["2.1.1"], column=cols["max_points"], value=2)

    problems = _problems(_edited(edit=edit))
    assert any("Tổng điểm các tiêu chí con của “2.1” là 4, khác điểm tối đa 3" in p for p in problems)


@pytest.mark.parametrize("value, message", [("một", "không phải là một số hợp lệ"), (-1, "không được âm")])
def test_bad_maximum(value, message):
    def edit(wb, sheet, cols, rows):
        sheet.cell(row=rows["3.1.1"], column=cols["max_points"], value=value)

    problems = _problems(_edited(edit=edit))
    assert any(message in p for p in problems)


def test_total_not_the_declared_one():
    def edit(wb, sheet, cols, rows):
        wb["Khung"]["B10"] = 90

    problems = _problems(_edited(edit=edit))
    assert "Bộ tiêu chí: Tổng điểm các nội dung là 100, khác tổng điểm công bố 90." in problems


def test_unknown_rule_kind():
    def edit(wb, sheet, cols, rows):
        sheet.cell(row=rows["2.1.1"], column=cols["rule_kind"], value="Bốc thăm")

    problems = _problems(_edited(edit=edit))
    assert any("cách chấm “Bốc thăm” không hợp lệ" in p for p in problems), problems


def test_level_line_without_points():
    def edit(wb, sheet, cols, rows):
        sheet.cell(row=rows["2.1.1"], column=cols["rule_levels"], value="Ban hành đầy đủ\nKhông = 0")

    problems = _problems(_edited(edit=edit))
    assert any("thiếu dấu “=”" in p for p in problems)


def test_missing_column():
    def edit(wb, sheet, cols, rows):
        sheet.delete_cols(cols["max_points"])

    assert _problems(_edited(edit=edit)) == ["Trang “Tiêu chí” thiếu cột “Điểm tối đa”."]


def test_not_an_excel_file():
    assert _problems(b"%PDF-1.7 not a workbook") == [
        "Tệp không phải là bảng tính Excel .xlsx (nội dung không đúng định dạng)."
    ]


def test_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"\0" * (60 * 1024 * 1024))
    assert any("nghi ngờ tệp nén độc hại" in p for p in _problems(buffer.getvalue()))


def test_a_framework_in_use_is_not_replaced_by_an_import():
    from criteria.services import framework_lock

    framework_lock(framework=Framework.objects.get(code="dh2024-xa"))

    def edit(wb, sheet, cols, rows):
        sheet.cell(row=rows["2.1.1"], column=cols["title"], value="Tên mới")

    problems = _problems(_edited(edit=edit))
    assert any("Không thể thay đổi bộ tiêu chí “dh2024-xa”" in p for p in problems)


def test_several_problems_are_listed_together():
    def edit(wb, sheet, cols, rows):
        sheet.cell(row=rows["2.1.1"], column=cols["rule_kind"], value="???")
        sheet.cell(row=rows["2.3.1"], column=cols["parent_code"], value="ZZ")
        sheet.cell(row=rows["3.1.1"], column=cols["max_points"], value="x")

    problems = _problems(_edited(edit=edit))
    assert len(problems) >= 3


def test_import_creates_the_authority_when_new():
    def edit(wb, sheet, cols, rows):
        wb["Khung"]["B2"] = "bt2025-xa"
        wb["Khung"]["B4"] = "xa-binh-thanh"
        wb["Khung"]["B5"] = "UBND xã Bình Thành"
        wb["Khung"]["B6"] = "xa"

    framework, status = framework_import_xlsx(data=_edited(edit=edit))
    assert status == "created" and framework.authority == Authority.objects.get(code="xa-binh-thanh")
