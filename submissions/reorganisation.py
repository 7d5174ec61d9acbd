"""A reorganisation recorded from an Excel sheet (issue #12, item 2; docs/process.md, "Lịch sử tổ chức").

This module is pure: it reads the workbook's bytes and checks every row against a ``Scope`` (plain data
about the importing authority, its units and those of its descendant authorities, its blocks and the
stored lineage edges), and answers a ``Plan`` or a list of Vietnamese problems, one per row with its
number, like every import of the product. ``submissions.services.reorganisation_preview`` builds the
scope from the database and ``reorganisation_import`` applies the plan all-or-nothing.

The sheet (header row found in the first ten rows, case, diacritics and a trailing "(…)" or "*" ignored):

======================  ==========================================================================
Mã đơn vị cũ            the unit that stops (or is absorbed); "mã-cơ-quan/mã-đơn-vị" names it
                        explicitly, otherwise it is looked up in the importing authority and every
                        authority below it (since 1/7/2025 the province records what happened to the
                        communes of its former districts); found in two authorities → row error
Mã đơn vị mới           the unit that continues it; plain, it is looked up in the importing authority
                        only (a commune re-created under the province may keep its old code), and it
                        is created there when it does not exist; "mã-cơ-quan/mã-đơn-vị" names an
                        existing unit of an authority below
Ngày hiệu lực           a date cell or dd/mm/yyyy text
Hình thức               sáp nhập / hợp nhất (merge), chia tách (split), đổi tên (rename)
Tên đơn vị mới, Khối    only for a new code that does not exist yet (then both are required): the
                        unit is created in the importing authority, in that block, established on
                        the date; given for an existing unit they are ignored (a warning says so)
Căn cứ                  optional, e.g. "Nghị quyết số 1683/NQ-UBTVQH15"
======================  ==========================================================================

Choices (issue #12 left them open):

* the rows sharing an old unit are a split (all "chia tách", same date, two new units or more); a unit
  formed from a whole unit and part of another ("sáp nhập toàn bộ xã A và một phần xã B") is written as
  merge rows and split rows into the same new unit, so the rows sharing a new unit may mix merge and
  split (same date, never a renaming); a merge into a unit that does not exist yet needs two old units
  (one old unit into one new unit is a renaming); a merge into an existing unit (it absorbs the others
  and continues) may be a single row;
* every old unit stops on the date (``ended_on``, no longer ``active``); an existing new unit continues;
* a unit already stopped by an earlier reorganisation cannot stop again, nor receive others;
* a unit may not be both old and new in one file (record one round of reorganisation per file), so a
  chain A → B → C needs two files, in order;
* an effective date after today is accepted (a resolution is often adopted before it takes effect) and
  the preview warns: the old units are marked as stopped at once, so they take part in no period created
  from then on, while keeping their sheets in the periods they already have.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from .lineage import Edge, cycle

#: The sheet is small (hundreds of rows); the confirmation re-posts it, so it stays well below Django's
#: 2.5 MB limit of a form body once in base64.
MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000

MERGE, SPLIT, RENAME = "merge", "split", "rename"
KIND_LABELS = {MERGE: "sáp nhập, hợp nhất", SPLIT: "chia tách", RENAME: "đổi tên"}
KIND_WORDS = {"sap nhap": MERGE, "hop nhat": MERGE, "sap nhap, hop nhat": MERGE, "sap nhap/hop nhat": MERGE,
              "chia tach": SPLIT, "doi ten": RENAME, MERGE: MERGE, SPLIT: SPLIT, RENAME: RENAME}

COLUMNS = {"old": "ma don vi cu", "new": "ma don vi moi", "date": "ngay hieu luc", "kind": "hinh thuc",
           "name": "ten don vi moi", "block": "khoi", "basis": "can cu"}
REQUIRED = ("old", "new", "date", "kind")
HEADER_TEXT = "“Mã đơn vị cũ, Mã đơn vị mới, Ngày hiệu lực, Hình thức”"


def fold(value) -> str:
    """Text as compared: no diacritics (đ → d), case-folded, spaces collapsed."""
    text = unicodedata.normalize("NFD", str(value or "")).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def _header(value) -> str:
    return re.sub(r"\(.*?\)", "", fold(value)).strip(" *:")


def _day(d: date) -> str:
    return f"{d:%d/%m/%Y}"


# --------------------------------------------------------------------------- the data it reads


@dataclass(frozen=True)
class KnownUnit:
    id: int
    authority_id: int
    code: str
    name: str
    established_on: date | None = None
    ended_on: date | None = None


@dataclass(frozen=True)
class NewUnit:
    """A unit the sheet creates in the importing authority; ``key`` (negative) stands for its id until then."""

    key: int
    code: str
    name: str
    block_id: int
    block_name: str
    established_on: date

    @property
    def id(self) -> int:
        return self.key


@dataclass
class Scope:
    """Everything the checks read: the importing authority and the authorities below it, as plain data."""

    authority_id: int
    authorities: dict[int, tuple[str, str]]  # id → (code, name): the importing authority and its descendants
    units: list[KnownUnit]  # the units of those authorities
    blocks: dict[str, tuple[int, str]]  # block code → (id, name), of the importing authority
    edges: list[Edge] = field(default_factory=list)  # every stored lineage edge

    @property
    def name(self) -> str:
        return self.authorities[self.authority_id][1]

    def label(self, unit: KnownUnit | NewUnit) -> str:
        """“Name (code)”, with the authority when it is not the importing one."""
        if isinstance(unit, NewUnit):
            return f"{unit.name} ({unit.code})"
        where = "" if unit.authority_id == self.authority_id else f", {self.authorities[unit.authority_id][1]}"
        return f"{unit.name} ({unit.code}{where})"


@dataclass
class SheetRow:
    number: int
    old: str
    new: str
    effective_on: date | None
    kind: str | None
    name: str
    block: str
    basis: str
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedEdge:
    number: int
    predecessor: KnownUnit
    successor: KnownUnit | NewUnit
    kind: str
    effective_on: date
    basis: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class Plan:
    """What the sheet does: the edges recorded, the units created, the units stopped, the units that absorb
    others and continue, and warnings that do not stop it."""

    scope: Scope
    edges: list[PlannedEdge]
    created: list[NewUnit]
    ended: list[tuple[KnownUnit, date]]
    continuing: list[KnownUnit]
    warnings: list[str]
    created_ids: dict[int, int] = field(default_factory=dict)  # NewUnit.key → the id it got, once applied

    def label(self, unit) -> str:
        return self.scope.label(unit)


# --------------------------------------------------------------------------- reading the sheet


def read_rows(data: bytes) -> list[tuple]:
    """The cell values of the workbook's first sheet. Raises ValidationError (file-level problems)."""
    from criteria.spreadsheet import opened_workbook

    if len(data) > MAX_BYTES:
        raise ValidationError(f"Tệp lớn hơn {MAX_BYTES // 1024} KB; bảng sắp xếp tổ chức không cần lớn như vậy.")
    with opened_workbook(data) as workbook:
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(row)
            if len(rows) > MAX_ROWS + 10:
                raise ValidationError(f"Tệp có quá {MAX_ROWS:,} dòng.".replace(",", "."))
        return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_date(value) -> date | None:
    """A date cell, or text dd/mm/yyyy (also d/m/yyyy, with - or . between, and yyyy-mm-dd). None if neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        return None
    return None


def parse_rows(rows: list[tuple]) -> list[SheetRow]:
    """The rows under the header, each with the problems of its own cells. Raises ValidationError when the
    header is missing or the sheet has no row."""
    header_index = None
    for i, row in enumerate(rows[:10]):
        cells = [_header(c) for c in row]
        if COLUMNS["old"] in cells and COLUMNS["new"] in cells:
            header_index = i
            break
    if header_index is None:
        raise ValidationError(f"Không tìm thấy dòng tiêu đề {HEADER_TEXT} trong tệp.")
    header = [_header(c) for c in rows[header_index]]
    col = {key: header.index(name) for key, name in COLUMNS.items() if name in header}
    missing = [name for key, name in COLUMNS.items() if key in REQUIRED and key not in col]
    if missing:
        labels = {"ngay hieu luc": "Ngày hiệu lực", "hinh thuc": "Hình thức"}
        raise ValidationError("Thiếu cột " + ", ".join(f"“{labels[m]}”" for m in missing) + ".")
    parsed = []
    for number, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        def cell(key, row=row):
            return row[col[key]] if key in col and col[key] < len(row) else None

        if not any(_text(v) for v in row):
            continue
        old, new, name, block, basis = (_text(cell(k)) for k in ("old", "new", "name", "block", "basis"))
        raw_date, raw_kind = cell("date"), _text(cell("kind"))
        problems = []
        if not old:
            problems.append("thiếu mã đơn vị cũ")
        if not new:
            problems.append("thiếu mã đơn vị mới")
        effective_on = parse_date(raw_date)
        if raw_date is None or _text(raw_date) == "":
            problems.append("thiếu ngày hiệu lực")
        elif effective_on is None:
            problems.append(f"ngày hiệu lực “{_text(raw_date)}” không hợp lệ (ghi theo dạng dd/mm/yyyy)")
        kind = KIND_WORDS.get(fold(raw_kind))
        if not raw_kind:
            problems.append("thiếu hình thức")
        elif kind is None:
            problems.append(f"hình thức “{raw_kind}” không hợp lệ (chỉ nhận “sáp nhập”, “hợp nhất”, "
                            "“chia tách”, “đổi tên”)")
        if any(ord(ch) < 32 for ch in old + new + name + block + basis):
            problems.append("có ký tự điều khiển không hợp lệ")
        if len(name) > 255:
            problems.append("tên đơn vị mới dài quá 255 ký tự")
        if len(basis) > 255:
            problems.append("căn cứ dài quá 255 ký tự")
        parsed.append(SheetRow(number, old, new, effective_on, kind, name, block, basis, problems))
    if len(parsed) > MAX_ROWS:
        raise ValidationError(f"Tệp có quá {MAX_ROWS:,} dòng.".replace(",", "."))
    if not parsed:
        raise ValidationError("Tệp không có dòng sắp xếp tổ chức nào.")
    return parsed


# --------------------------------------------------------------------------- the checks


class _Lookup:
    def __init__(self, scope: Scope):
        self.scope = scope
        self.by_code: dict[str, list[KnownUnit]] = defaultdict(list)
        for unit in scope.units:
            self.by_code[unit.code.casefold()].append(unit)
        self.authority_by_code = {code.casefold(): pk for pk, (code, _) in scope.authorities.items()}

    def _explicit(self, ref: str) -> tuple[int | None, str, str | None]:
        authority_code, code = (part.strip() for part in ref.split("/", 1))
        authority_id = self.authority_by_code.get(authority_code.casefold())
        if authority_id is None:
            return None, code, (f"cơ quan “{authority_code}” không có hoặc không thuộc phạm vi của "
                                f"{self.scope.name}")
        return authority_id, code, None

    def _in(self, authority_id: int, code: str) -> KnownUnit | None:
        found = [u for u in self.by_code.get(code.casefold(), []) if u.authority_id == authority_id]
        return found[0] if found else None

    def old(self, ref: str) -> tuple[KnownUnit | None, str | None]:
        """The old unit ``ref`` names, or a problem."""
        if "/" in ref:
            authority_id, code, problem = self._explicit(ref)
            if problem:
                return None, problem
            unit = self._in(authority_id, code)
            if unit is None:
                return None, f"{self.scope.authorities[authority_id][1]} không có đơn vị mã “{code}”"
            return unit, None
        found = self.by_code.get(ref.casefold(), [])
        if not found:
            return None, f"mã đơn vị cũ “{ref}” không có trong {self.scope.name} và các cơ quan cấp dưới"
        if len(found) > 1:
            where = ", ".join(f"{self.scope.authorities[u.authority_id][1]} "
                              f"({self.scope.authorities[u.authority_id][0]})" for u in found)
            return None, (f"mã đơn vị cũ “{ref}” có ở nhiều cơ quan: {where}; hãy ghi rõ "
                          "“mã-cơ-quan/mã-đơn-vị”")
        return found[0], None

    def new(self, ref: str) -> tuple[KnownUnit | None, str | None, str | None]:
        """(existing unit, None, None), (None, code to create, None) or (None, None, problem)."""
        if "/" in ref:
            authority_id, code, problem = self._explicit(ref)
            if problem:
                return None, None, problem
            unit = self._in(authority_id, code)
            if unit is not None:
                return unit, None, None
            if authority_id != self.scope.authority_id:
                return None, None, (f"{self.scope.authorities[authority_id][1]} không có đơn vị mã “{code}” "
                                    f"(đơn vị mới chỉ được tạo trong {self.scope.name})")
            ref = code
        unit = self._in(self.scope.authority_id, ref)
        return (unit, None, None) if unit else (None, ref, None)

    def below(self, code: str) -> bool:
        return any(u.authority_id != self.scope.authority_id for u in self.by_code.get(code.casefold(), []))


def check(rows: list[SheetRow], scope: Scope, *, today: date) -> tuple[Plan | None, list[str]]:
    """Every row checked against ``scope``: (the plan, []) or (None, problems), a problem per bad row
    ("Dòng N: …; …."), in row order."""
    lookup = _Lookup(scope)
    problems: dict[int, list[str]] = {row.number: list(row.problems) for row in rows}
    warnings: list[str] = []
    resolved: list[tuple[SheetRow, KnownUnit, KnownUnit | str]] = []  # new: unit or the folded code to create

    creating: dict[str, list[SheetRow]] = defaultdict(list)
    for row in rows:
        says = problems[row.number]
        old = new = None
        if row.old:
            old, problem = lookup.old(row.old)
            if problem:
                says.append(problem)
        if row.new:
            new, to_create, problem = lookup.new(row.new)
            if problem:
                says.append(problem)
            elif to_create is not None:
                try:
                    if len(to_create) > 64:
                        raise ValidationError("")
                    validate_slug(to_create)
                except ValidationError:
                    says.append(f"mã đơn vị mới “{to_create}” không hợp lệ (chỉ gồm chữ không dấu, số, dấu gạch "
                                "ngang, dấu gạch dưới; tối đa 64 ký tự)")
                else:
                    creating[to_create.casefold()].append(row)
                    new = to_create.casefold()
        if old is not None and isinstance(new, KnownUnit) and old.id == new.id:
            says.append("mã đơn vị mới trùng mã đơn vị cũ (đơn vị tiếp nhận chỉ ghi ở cột “Mã đơn vị mới”)")
            continue
        day = row.effective_on
        if old is not None and day:
            if old.ended_on:
                says.append(f"đơn vị “{scope.label(old)}” đã chấm dứt hoạt động từ ngày {_day(old.ended_on)} "
                            "(đã ghi trong lịch sử tổ chức)")
            if old.established_on and day < old.established_on:
                says.append(f"ngày hiệu lực {_day(day)} trước ngày đơn vị “{scope.label(old)}” được thành lập "
                            f"({_day(old.established_on)})")
        if isinstance(new, KnownUnit) and day:
            if new.ended_on:
                says.append(f"đơn vị mới “{scope.label(new)}” đã chấm dứt hoạt động từ ngày {_day(new.ended_on)}, "
                            "không tiếp nhận được đơn vị khác")
            if new.established_on and day < new.established_on:
                says.append(f"ngày hiệu lực {_day(day)} trước ngày đơn vị mới “{scope.label(new)}” được thành "
                            f"lập ({_day(new.established_on)})")
            if row.name or row.block:
                warnings.append(f"Dòng {row.number}: đơn vị “{scope.label(new)}” đã có nên tên và khối ghi ở "
                                "dòng này không được dùng.")
        if day and day > today:
            warnings.append(f"Dòng {row.number}: ngày hiệu lực {_day(day)} sau hôm nay; đơn vị cũ được ghi là đã "
                            "chấm dứt hoạt động ngay khi xác nhận (không tham gia các kỳ đánh giá mở từ nay).")
        if old is not None and new is not None:
            resolved.append((row, old, new))

    # The units the sheet creates: a name and a block from its rows, the same on every row that gives them.
    new_units: dict[str, NewUnit] = {}
    for key, group in creating.items():
        named = [r for r in group if r.name or r.block]
        if not named:
            hint = ("; nếu là đơn vị của cơ quan cấp dưới, hãy ghi “mã-cơ-quan/mã-đơn-vị”"
                    if lookup.below(group[0].new.split("/")[-1].strip()) else "")
            for r in group:
                problems[r.number].append(f"mã đơn vị mới “{r.new}” chưa có trong {scope.name}: cần ghi “Tên đơn vị "
                                          f"mới” và “Khối” để tạo đơn vị{hint}")
            continue
        first, ok = named[0], True
        for r in named:
            if not r.name:
                problems[r.number].append(f"thiếu tên đơn vị mới “{r.new}”")
                ok = False
            if not r.block:
                problems[r.number].append(f"thiếu khối của đơn vị mới “{r.new}”")
                ok = False
            elif r.block.casefold() not in {code.casefold() for code in scope.blocks}:
                problems[r.number].append(f"khối “{r.block}” không có trong {scope.name} (các khối: "
                                          f"{', '.join(sorted(scope.blocks)) or 'chưa có'})")
                ok = False
            if r is not first and (fold(r.name), r.block.casefold()) != (fold(first.name), first.block.casefold()):
                problems[r.number].append(f"tên hoặc khối của đơn vị mới “{r.new}” khác với dòng {first.number}")
                ok = False
        if ok and first.effective_on:
            block_id, block_name = next(v for c, v in scope.blocks.items() if c.casefold() == first.block.casefold())
            code = first.new.split("/")[-1].strip()
            new_units[key] = NewUnit(-(len(new_units) + 1), code, first.name, block_id, block_name,
                                     first.effective_on)

    def unit_of(new) -> KnownUnit | NewUnit | None:
        return new if isinstance(new, KnownUnit) else new_units.get(new)

    edges: list[PlannedEdge] = []
    for row, old, new in resolved:
        successor = unit_of(new)
        if successor is not None and row.kind and row.effective_on:
            edges.append(PlannedEdge(row.number, old, successor, row.kind, row.effective_on, row.basis))

    by_old: dict[int, list[PlannedEdge]] = defaultdict(list)
    by_new: dict[int, list[PlannedEdge]] = defaultdict(list)
    seen: dict[tuple[int, int], int] = {}
    stored = {(e.predecessor, e.successor): e for e in scope.edges}
    unique: list[PlannedEdge] = []  # the edges once each (a duplicate row is refused as such)
    for edge in edges:
        pair = (edge.predecessor.id, edge.successor.id)
        says = problems[edge.number]
        if pair in seen:
            says.append(f"trùng với dòng {seen[pair]}")
            continue
        seen[pair] = edge.number
        if pair in stored:
            says.append(f"quan hệ “{scope.label(edge.predecessor)}” → “{scope.label(edge.successor)}” đã có trong "
                        f"lịch sử tổ chức (từ ngày {_day(stored[pair].effective_on)})")
        unique.append(edge)
        by_old[edge.predecessor.id].append(edge)
        by_new[edge.successor.id].append(edge)

    def others(group: list[PlannedEdge], edge: PlannedEdge) -> str:
        return ", ".join(str(e.number) for e in group if e is not edge)

    for edge in unique:
        says = problems[edge.number]
        olds, news = by_old[edge.predecessor.id], by_new[edge.successor.id]
        old_label, new_label = scope.label(edge.predecessor), scope.label(edge.successor)
        if edge.predecessor.id in by_new:
            says.append(f"đơn vị “{old_label}” vừa là đơn vị cũ ở dòng này vừa là đơn vị mới ở dòng "
                        f"{others(by_new[edge.predecessor.id], edge)}; mỗi tệp chỉ ghi một đợt sắp xếp, hãy ghi "
                        "đợt sau trong một tệp khác")
        if edge.kind == RENAME:
            if len(olds) > 1:
                says.append(f"đổi tên nhưng đơn vị cũ “{old_label}” còn có ở dòng {others(olds, edge)}")
            if len(news) > 1:
                says.append(f"đổi tên nhưng đơn vị mới “{new_label}” còn có ở dòng {others(news, edge)}")
        elif edge.kind == MERGE:
            if len(olds) > 1:
                says.append(f"sáp nhập nhưng đơn vị cũ “{old_label}” còn có ở dòng {others(olds, edge)}: một đơn vị "
                            "cũ chia cho nhiều đơn vị là “chia tách”")
            if len(news) == 1 and isinstance(edge.successor, NewUnit):
                says.append(f"hợp nhất vào đơn vị mới “{new_label}” cần từ hai đơn vị cũ trở lên; một đơn vị cũ "
                            "thành một đơn vị mới là “đổi tên”")
        elif len(olds) == 1:  # a split
            says.append(f"chia tách phải có từ hai đơn vị mới trở lên (đơn vị cũ “{old_label}” chỉ có ở dòng này)")
        else:
            other = next((e for e in olds if e.kind != SPLIT), None)
            if other:
                says.append(f"đơn vị cũ “{old_label}” có ở dòng {other.number} với hình thức “{other.kind_label}”: "
                            "các dòng của cùng một đơn vị cũ phải cùng hình thức “chia tách”")
        for group, what in ((olds, f"đơn vị cũ “{old_label}”"), (news, f"đơn vị mới “{new_label}”")):
            different = [e for e in group if e.effective_on != edge.effective_on]
            if different:
                says.append(f"ngày hiệu lực khác với dòng {different[0].number} (cùng {what}); các dòng của một "
                            "đợt sắp xếp phải cùng ngày")

    # A lineage is a history: no unit may become, even through others, its own predecessor.
    loop = cycle([*scope.edges, *(Edge(e.predecessor.id, e.successor.id, e.effective_on, e.kind) for e in unique)])
    if loop:
        names = {u.id: scope.label(u) for u in scope.units} | {u.key: scope.label(u) for u in new_units.values()}
        steps = list(zip(loop, loop[1:], strict=False))
        for edge in unique:
            pair = (edge.predecessor.id, edge.successor.id)
            if pair in steps:  # shown from this row's old unit
                at = steps.index(pair)
                path = loop[at:-1] + loop[:at + 1]
                shown = " → ".join(f"“{names.get(pk, f'đơn vị số {pk}')}”" for pk in path)
                problems[edge.number].append(f"tạo vòng lặp trong lịch sử tổ chức: {shown} (một đơn vị không thể "
                                             "là đơn vị trước của chính nó)")

    refused = [f"Dòng {number}: " + "; ".join(dict.fromkeys(says)) + "."
               for number, says in sorted(problems.items()) if says]
    if refused:
        return None, refused
    ended: dict[int, tuple[KnownUnit, date]] = {}
    continuing: dict[int, KnownUnit] = {}
    for edge in unique:
        ended.setdefault(edge.predecessor.id, (edge.predecessor, edge.effective_on))
        if isinstance(edge.successor, KnownUnit):
            continuing.setdefault(edge.successor.id, edge.successor)
    return Plan(scope, unique, list(new_units.values()), list(ended.values()), list(continuing.values()),
                warnings), []


def plan_sheet(data: bytes, scope: Scope, *, today: date) -> Plan:
    """Read and check the workbook ``data``; raises ValidationError with every problem (file or rows)."""
    rows = parse_rows(read_rows(data))
    plan, problems = check(rows, scope, today=today)
    if problems:
        raise ValidationError(problems)
    return plan
