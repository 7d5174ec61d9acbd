"""Excel export and import of a framework (one row per node), built on django-import-export.

The workbook has two sheets: "Khung" (the framework's own fields, one per row) and "Tiêu chí"
(one row per node in document order). :class:`NodeResource` defines the columns and renders them;
import reads the same columns back, and the whole tree is checked by ``validate_tree`` before
anything is written: a bad file changes nothing and every problem is listed with its row.
"""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from import_export import fields, resources
from openpyxl import load_workbook

from .models import Framework, Node
from .scoring import RULE_KIND_LABELS, RULE_KINDS, SURVEY, ScoringError, fmt, parse_decimal
from .services import FrameworkMeta, framework_save, nfc
from .tree import KIND_LABELS, KINDS, NodeSpec, Problem, TreeError
from .xlsx import printable

META_SHEET = "Khung"
NODE_SHEET = "Tiêu chí"
META_ROWS = [
    ("code", "Mã bộ tiêu chí"),
    ("name", "Tên"),
    ("authority_code", "Mã cơ quan ban hành"),
    ("authority_name", "Cơ quan ban hành"),
    ("authority_level", "Cấp (tinh/huyen/xa)"),
    ("year", "Năm"),
    ("target_group", "Đối tượng áp dụng"),
    ("issuing_decision", "Văn bản ban hành"),
    ("total_points", "Tổng điểm công bố"),
    # Added later (issue #12): a workbook without this row keeps the framework's own results group.
    ("results_group", "Nhóm kết quả thực hiện nhiệm vụ (mã nội dung, Điều 7)"),
]
#: Columns added after the first workbooks were exported: a workbook without them reads them as empty.
OPTIONAL_COLUMNS = ("rule_count", "rule_precedence", "rule_compare_index")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
YES = {"x", "có", "co", "true", "1", "yes"}


def _outcome_lines(outcomes: list[dict] | None) -> str:
    return "\n".join(f"{o['label']} = {fmt(Decimal(o['points']))}" for o in outcomes or [])


class NodeResource(resources.ModelResource):
    """Columns of the "Tiêu chí" sheet. Rule fields are spread over readable columns."""

    code = fields.Field(attribute="code", column_name="Mã")
    parent_code = fields.Field(column_name="Mã cha")
    kind = fields.Field(column_name="Loại")
    title = fields.Field(attribute="title", column_name="Tên")
    max_points = fields.Field(column_name="Điểm tối đa")
    appraising_agency = fields.Field(attribute="appraising_agency", column_name="Cơ quan thẩm định")
    agency_merged = fields.Field(column_name="Ô gộp cơ quan")
    rule_kind = fields.Field(column_name="Cách chấm")
    rule_requirement = fields.Field(column_name="Yêu cầu")
    rule_levels = fields.Field(column_name="Các mức (mỗi dòng: nội dung = điểm)")
    rule_threshold = fields.Field(column_name="Ngưỡng %")
    rule_measure = fields.Field(column_name="Đại lượng %")
    rule_factor = fields.Field(column_name="Hệ số công thức")
    rule_below_label = fields.Field(column_name="Mức dưới ngưỡng")
    rule_scale = fields.Field(column_name="Thang phiếu")
    rule_special = fields.Field(column_name="Trường hợp đặc biệt (nội dung = điểm)")
    rule_first_year = fields.Field(column_name="Tối đa năm đầu")
    rule_compare = fields.Field(column_name="So sánh năm trước (rank/score)")
    rule_compare_index = fields.Field(column_name="Chỉ số được so sánh (rank_only/grading)")
    rule_count = fields.Field(column_name="Số lượng hỏi thêm (dòng đầu: tên; mỗi dòng sau: từ N = mức k)")
    rule_precedence = fields.Field(column_name="Thứ tự ưu tiên các mức")
    evidence = fields.Field(attribute="evidence", column_name="Tài liệu kiểm chứng")
    notes = fields.Field(attribute="notes", column_name="Ghi chú")

    class Meta:
        model = Node
        fields = export_order = (
            "code", "parent_code", "kind", "title", "max_points", "appraising_agency", "agency_merged",
            "rule_kind", "rule_requirement", "rule_levels", "rule_threshold", "rule_measure", "rule_factor",
            "rule_below_label", "rule_scale", "rule_special", "rule_first_year", "rule_compare",
            "rule_compare_index", "rule_count", "rule_precedence", "evidence", "notes",
        )

    def dehydrate_parent_code(self, node: Node) -> str:
        return node.parent.code if node.parent_id else ""

    def dehydrate_kind(self, node: Node) -> str:
        return KIND_LABELS[node.kind]

    def dehydrate_max_points(self, node: Node) -> Decimal:
        return Decimal(node.max_points).normalize()

    def dehydrate_agency_merged(self, node: Node) -> str:
        return "x" if node.agency_merged else ""

    def dehydrate_rule_kind(self, node: Node) -> str:
        return RULE_KIND_LABELS.get((node.rule or {}).get("kind", ""), "")

    def _rule(self, node: Node, key: str, default: Any = "") -> Any:
        return (node.rule or {}).get(key, default)

    def dehydrate_rule_requirement(self, node):
        return self._rule(node, "requirement")

    def dehydrate_rule_levels(self, node):
        return _outcome_lines(self._rule(node, "levels", []))

    def dehydrate_rule_threshold(self, node):
        value = self._rule(node, "threshold")
        return Decimal(value) if value else ""

    def dehydrate_rule_measure(self, node):
        return self._rule(node, "measure")

    def dehydrate_rule_factor(self, node):
        value = self._rule(node, "factor")
        return Decimal(value) if value else ""

    def dehydrate_rule_below_label(self, node):
        return self._rule(node, "below_label")

    def dehydrate_rule_scale(self, node):
        return self._rule(node, "scale") if self._rule(node, "kind") == SURVEY else ""

    def dehydrate_rule_special(self, node):
        return _outcome_lines(self._rule(node, "special", []))

    def dehydrate_rule_first_year(self, node):
        return "x" if self._rule(node, "first_year_full_marks", False) else ""

    def dehydrate_rule_compare(self, node):
        return self._rule(node, "compare_previous")

    def dehydrate_rule_compare_index(self, node):
        return self._rule(node, "compare_index")

    def dehydrate_rule_count(self, node):
        count = self._rule(node, "count", None)
        if not count:
            return ""
        return "\n".join([count["label"], *(f"từ {o['at_least']} = mức {o['level']}" for o in count["outcomes"])])

    def dehydrate_rule_precedence(self, node):
        return ", ".join(str(n) for n in self._rule(node, "precedence", []))


def column_names() -> dict[str, str]:
    """Field name → column header, in sheet order."""
    resource = NodeResource()
    return {name: resource.fields[name].column_name for name in NodeResource.Meta.export_order}


def framework_export_xlsx(framework: Framework) -> bytes:
    meta = tablib.Dataset(title=META_SHEET, headers=["Trường", "Giá trị"])
    values = {
        "code": framework.code, "name": framework.name, "authority_code": framework.authority.code,
        "authority_name": framework.authority.name, "authority_level": framework.authority.level,
        "year": framework.year, "target_group": framework.target_group,
        "issuing_decision": framework.issuing_decision, "total_points": Decimal(framework.total_points).normalize(),
        "results_group": framework.results_group,
    }
    for key, label in META_ROWS:
        meta.append([label, values[key]])
    queryset = framework.nodes.select_related("parent").order_by("ordering")
    nodes = NodeResource().export(queryset=queryset)
    nodes.title = NODE_SHEET
    # titles typed by people stay text; A4 landscape, header repeated and frozen (criteria.xlsx)
    return printable(tablib.Databook([meta, nodes]).export("xlsx"))


# --------------------------------------------------------------------------- import


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def _lookup(value: str, labels: dict[str, str], codes: tuple[str, ...]) -> str | None:
    if value in codes:
        return value
    folded = value.casefold()
    for code, label in labels.items():
        if label.casefold() == folded:
            return code
    return None


def _parse_outcomes(cell: str, column: str) -> list[dict]:
    outcomes = []
    for line in cell.splitlines():
        line = line.strip()
        if not line:
            continue
        if "=" not in line:
            raise ScoringError(f"cột “{column}”: dòng “{line}” thiếu dấu “=” giữa nội dung và điểm.")
        label, points = line.rsplit("=", 1)
        points = parse_decimal(points.replace("điểm", ""), field_label=f"Điểm của mức “{label.strip()}”")
        outcomes.append({"label": label.strip(), "points": f"{points.normalize():f}"})
    return outcomes


def _row_rule(row: dict[str, str], cols: dict[str, str]) -> dict | None:
    raw_kind = row["rule_kind"]
    if not raw_kind:
        return None
    kind = _lookup(raw_kind, RULE_KIND_LABELS, RULE_KINDS)
    if kind is None:
        raise ScoringError(
            f"cách chấm “{raw_kind}” không hợp lệ; chỉ nhận: "
            + ", ".join(f"{label} ({code})" for code, label in RULE_KIND_LABELS.items()) + "."
        )
    rule: dict[str, Any] = {"kind": kind}
    if row["rule_requirement"]:
        rule["requirement"] = row["rule_requirement"]
    levels = _parse_outcomes(row["rule_levels"], cols["rule_levels"])
    if levels:
        rule["levels"] = levels
    for key, field_name in (("threshold", "rule_threshold"), ("factor", "rule_factor")):
        if row[field_name]:
            rule[key] = f"{parse_decimal(row[field_name], field_label=cols[field_name]).normalize():f}"
    for key, field_name in (("measure", "rule_measure"), ("below_label", "rule_below_label")):
        if row[field_name]:
            rule[key] = row[field_name]
    if kind == SURVEY:
        try:
            rule["scale"] = int(row["rule_scale"] or 5)
        except ValueError:
            raise ScoringError(f"cột “{cols['rule_scale']}”: “{row['rule_scale']}” không phải số nguyên.") from None
    special = _parse_outcomes(row["rule_special"], cols["rule_special"])
    if special:
        rule["special"] = special
    if row["rule_first_year"].casefold() in YES:
        rule["first_year_full_marks"] = True
    if row["rule_compare"]:
        rule["compare_previous"] = row["rule_compare"]
    if row.get("rule_compare_index"):
        rule["compare_index"] = row["rule_compare_index"]
    if row.get("rule_count"):
        rule["count"] = _parse_count(row["rule_count"], cols["rule_count"])
    if row.get("rule_precedence"):
        rule["precedence"] = _parse_precedence(row["rule_precedence"], cols["rule_precedence"])
    return rule


def _parse_count(cell: str, column: str) -> dict:
    """"Số hồ sơ quá hạn / từ 2 = mức 4 / từ 1 = mức 3" (one per line) → the rule's ``count``."""
    import re

    lines = [line.strip() for line in cell.splitlines() if line.strip()]
    outcomes = []
    for line in lines[1:]:
        match = re.fullmatch(r"từ\s*([0-9]+)\s*(?:trở lên\s*)?=\s*mức\s*([0-9]+)", line, re.IGNORECASE)
        if match is None:
            raise ScoringError(f"cột “{column}”: dòng “{line}” phải viết “từ N = mức k”.")
        outcomes.append({"at_least": int(match[1]), "level": int(match[2])})
    return {"label": lines[0], "outcomes": outcomes}


def _parse_precedence(cell: str, column: str) -> list[int]:
    parts = [p.strip() for p in cell.replace(";", ",").split(",") if p.strip()]
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise ScoringError(f"cột “{column}”: “{cell}” phải là các số thứ tự mức, cách nhau bởi dấu phẩy (1, 4, 3, 2).")
    return [int(p) for p in parts]


def check_xlsx(data: bytes) -> None:
    """Refuse (``ValidationError``, in Vietnamese) what is not a workbook one may open: too large, not a zip,
    a zip that is not .xlsx, or one that unzips too large (a zip bomb). Every workbook upload goes through it."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"Tệp lớn hơn {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationError("Tệp không phải là bảng tính Excel .xlsx (nội dung không đúng định dạng).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise ValidationError("Tệp nén không phải là bảng tính Excel .xlsx.")
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise ValidationError("Tệp Excel giải nén quá lớn (nghi ngờ tệp nén độc hại): đã từ chối.")
    except ValidationError:
        raise
    except Exception:  # zipfile raises many kinds on hostile input: BadZipFile, UnicodeDecodeError, EOFError…
        raise ValidationError("Tệp Excel bị hỏng, không mở được.") from None


@contextmanager
def opened_workbook(data: bytes):
    """An uploaded workbook, checked (:func:`check_xlsx`) and opened read-only, closed after the block; a
    damaged file, or a sheet that fails while it is read (openpyxl reads lazily), is refused in Vietnamese.
    Every workbook upload (frameworks, staff lists, reorganisations) is read through it."""
    check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise ValidationError("Tệp Excel bị hỏng, không mở được.") from None
    try:
        yield workbook
    except ValidationError:
        raise
    except Exception:  # openpyxl reads sheets lazily: a damaged sheet fails here
        raise ValidationError("Tệp Excel bị hỏng, không đọc được trang tính.") from None
    finally:
        workbook.close()


def read_workbook(data: bytes) -> tuple[FrameworkMeta, list[NodeSpec]]:
    """Parse an uploaded workbook. Raises ValidationError (file-level) or TreeError (row problems)."""
    with opened_workbook(data) as workbook:
        missing = [name for name in (META_SHEET, NODE_SHEET) if name not in workbook.sheetnames]
        if missing:
            raise ValidationError(
                f"Tệp thiếu trang tính: {', '.join(missing)}. Hãy dùng tệp xuất từ hệ thống làm mẫu."
            )
        meta_values: dict[str, Any] = {}
        labels = {label.casefold(): key for key, label in META_ROWS}
        for row in workbook[META_SHEET].iter_rows(min_row=2, values_only=True):
            if row and row[0] is not None and _text(row[0]).casefold() in labels:
                meta_values[labels[_text(row[0]).casefold()]] = row[1] if len(row) > 1 else None
        rows = list(workbook[NODE_SHEET].iter_rows(values_only=True))

    missing_meta = [label for key, label in META_ROWS if key not in ("issuing_decision", "results_group")
                    and not _text(meta_values.get(key))]
    if missing_meta:
        raise ValidationError(f"Trang “{META_SHEET}” thiếu: {', '.join(missing_meta)}.")
    level = _text(meta_values["authority_level"])
    if level not in {"tinh", "huyen", "xa"}:
        raise ValidationError(f"Trang “{META_SHEET}”: cấp “{level}” không hợp lệ (tinh, huyen, xa).")
    try:
        year = int(_text(meta_values["year"]))
    except ValueError:
        raise ValidationError(f"Trang “{META_SHEET}”: năm “{meta_values['year']}” không hợp lệ.") from None
    try:
        total = parse_decimal(meta_values["total_points"], field_label="Tổng điểm công bố")
    except ScoringError as exc:
        raise ValidationError(f"Trang “{META_SHEET}”: {exc}") from None
    meta = FrameworkMeta(
        code=_text(meta_values["code"]), name=_text(meta_values["name"]),
        authority_code=_text(meta_values["authority_code"]), authority_name=_text(meta_values["authority_name"]),
        authority_level=level, year=year, target_group=_text(meta_values["target_group"]),
        issuing_decision=_text(meta_values.get("issuing_decision")), total_points=total,
        results_group=_text(meta_values["results_group"]) if "results_group" in meta_values else None,
    )

    cols = column_names()
    if not rows:
        raise ValidationError(f"Trang “{NODE_SHEET}” trống.")
    header = [_text(h) for h in rows[0]]
    positions = {}
    for name, column in cols.items():
        if column not in header:
            if name in OPTIONAL_COLUMNS:
                continue
            raise ValidationError(f"Trang “{NODE_SHEET}” thiếu cột “{column}”.")
        positions[name] = header.index(column)

    specs: list[NodeSpec] = []
    problems: list[Problem] = []
    for number, raw in enumerate(rows[1:], start=2):
        if raw is None or all(v in (None, "") for v in raw):
            continue
        row = {name: _text(raw[pos]) if pos < len(raw) else "" for name, pos in positions.items()}
        raw_max = raw[positions["max_points"]] if positions["max_points"] < len(raw) else None
        kind = _lookup(row["kind"], KIND_LABELS, KINDS)
        if kind is None:
            problems.append(Problem(number, row["code"], f"loại nút “{row['kind']}” không hợp lệ; chỉ nhận: "
                                    + ", ".join(KIND_LABELS.values()) + "."))
            kind = row["kind"]
        try:
            rule = _row_rule(row, cols)
        except ScoringError as exc:
            problems.append(Problem(number, row["code"], str(exc)))
            rule = None
        specs.append(NodeSpec(
            code=row["code"], parent_code=row["parent_code"] or None, kind=kind, title=row["title"],
            max_points=raw_max if raw_max not in (None, "") else None,
            appraising_agency=row["appraising_agency"], agency_merged=row["agency_merged"].casefold() in YES,
            rule=rule, evidence=row["evidence"], notes=row["notes"], row=number,
        ))
    if problems:
        # Report these together with the tree's own problems, so the user fixes the file once.
        try:
            from .tree import validate_tree

            validate_tree(specs, meta.total_points)
        except TreeError as exc:
            seen = {(p.row, p.message) for p in problems}
            problems += [p for p in exc.problems if (p.row, p.message) not in seen and p.row not in
                         {q.row for q in problems}]
        problems.sort(key=lambda p: (p.row is None, p.row or 0))
        raise TreeError(problems)
    return meta, specs


def framework_import_xlsx(*, data: bytes) -> tuple[Framework, str]:
    """Create or replace the framework described by a workbook; nothing is written on any problem."""
    meta, specs = read_workbook(data)
    return framework_save(meta=meta, specs=specs)
