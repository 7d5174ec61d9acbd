"""submissions.staff_sheet reads seed 001's staff list without the database: rows with their problems, or a
refusal of the file (issue #16 item 4)."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from submissions.models import Role
from submissions.staff_sheet import read_staff_sheet


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_rows_below_the_header_with_each_rows_problems():
    data = _xlsx([["DANH SÁCH CÁN BỘ"], [], ["TT", "Họ và tên", "Chức vụ", "Email", "Quyền"],
                  [1, "Nguyễn Văn An", "Chuyên viên", "An@Example.vn", "Cập nhật báo cáo"],
                  [2, "", "Phó Giám đốc", "an@example.vn", "Phê duyệt; Cập nhật"],
                  [],
                  [3, "Trần Bình", "", "khong-phai-email", "Xem"]])
    rows = read_staff_sheet(data)
    assert [(r.number, r.email, r.kinds) for r in rows] == [
        (4, "an@example.vn", {Role.OFFICER}), (5, "an@example.vn", {Role.APPROVER, Role.OFFICER}),
        (7, "khong-phai-email", set())]
    assert rows[0].problems == []
    assert rows[1].problems == ["thiếu họ và tên", "email “an@example.vn” lặp lại trong tệp"]
    assert rows[2].problems == ["email “khong-phai-email” không hợp lệ",
                                "quyền “Xem” không hợp lệ (chỉ nhận “Cập nhật báo cáo”, “Phê duyệt báo cáo”)"]


@pytest.mark.parametrize("data, message", [
    (b"not a workbook", "không phải là bảng tính Excel"),
    (_xlsx([["Tên", "Thư"], ["A", "a@b.vn"]]), "Không tìm thấy dòng tiêu đề"),
    (_xlsx([["Họ và tên", "Email", "Quyền"], ["A", "a@b.vn", "Cập nhật"]]), "Thiếu cột"),
])
def test_a_file_that_is_not_the_list_is_refused(data, message):
    with pytest.raises(ValidationError, match=message):
        read_staff_sheet(data)
