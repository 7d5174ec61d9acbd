"""The unit's staff list of seed 001 (TT, Họ và tên, Chức vụ, Email, Quyền), read from its workbook: rows, each
with what is wrong with it, or a refusal of the whole file. No database: whether an address belongs to an
account that the unit may change is for ``submissions.services.staff_import`` to add to each row's problems,
like ``criteria.spreadsheet.read_workbook`` for a framework (issue #16 item 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from criteria.spreadsheet import opened_workbook

from .models import Role

ROLE_WORDS = {"phê duyệt báo cáo": Role.APPROVER, "phê duyệt": Role.APPROVER,
              "cập nhật báo cáo": Role.OFFICER, "cập nhật": Role.OFFICER}
COLUMNS = ("họ và tên", "chức vụ", "email", "quyền")


@dataclass
class StaffRow:
    number: int  # the row's number in the sheet, as Excel shows it
    name: str
    position: str
    email: str  # lower case
    kinds: set[str]  # Role.OFFICER and/or Role.APPROVER
    problems: list[str] = field(default_factory=list)


def read_staff_sheet(data: bytes) -> list[StaffRow]:
    """The filled rows of the first sheet below its header row (found in the first ten rows), each with its
    problems (a missing name, an address that is not one or repeats, a role the form does not name). A file
    that is not a workbook, or has no such header, is refused (``ValidationError``)."""
    with opened_workbook(data) as workbook:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header_index = next((i for i, row in enumerate(rows[:10])
                         if {"họ và tên", "email"} <= {str(c or "").strip().casefold() for c in row}), None)
    if header_index is None:
        raise ValidationError("Không tìm thấy dòng tiêu đề “TT, Họ và tên, Chức vụ, Email, Quyền” trong tệp.")
    header = [str(c or "").strip().casefold() for c in rows[header_index]]
    try:
        col = {k: header.index(k) for k in COLUMNS}
    except ValueError as exc:
        raise ValidationError(f"Thiếu cột {exc}.".replace("is not in list", "")) from None
    out, seen = [], set()
    for number, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        cells = ["" if v is None else str(v).strip() for v in row]
        if not any(cells):
            continue
        name, position, email, role_text = (cells[col[k]] if col[k] < len(cells) else "" for k in COLUMNS)
        email = email.lower()
        kinds = {ROLE_WORDS.get(part.strip().casefold()) for part in role_text.replace(";", ",").split(",")}
        kinds.discard(None)
        staff = StaffRow(number=number, name=name, position=position, email=email, kinds=kinds)
        _check(staff, role_text, seen)
        seen.add(email)
        out.append(staff)
    return out


def _check(staff: StaffRow, role_text: str, seen: set[str]) -> None:
    problems = staff.problems
    if not staff.name:
        problems.append("thiếu họ và tên")
    if len(staff.name) > 150 or len(staff.position) > 150:
        problems.append("họ và tên hoặc chức vụ dài quá 150 ký tự")
    if any(ord(ch) < 32 for ch in staff.name + staff.position + staff.email):
        problems.append("có ký tự điều khiển không hợp lệ")
    if len(staff.email) > 254:
        problems.append("email dài quá 254 ký tự")
    try:
        validate_email(staff.email)
    except ValidationError:
        problems.append(f"email “{staff.email}” không hợp lệ")
    if staff.email in seen:
        problems.append(f"email “{staff.email}” lặp lại trong tệp")
    if not staff.kinds:
        problems.append(f"quyền “{role_text}” không hợp lệ (chỉ nhận “Cập nhật báo cáo”, “Phê duyệt báo cáo”)")
