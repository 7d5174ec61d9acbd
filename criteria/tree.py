"""The invariants of a criteria tree, checked in one place (pure, no database).

Every way a framework enters the system (YAML fixture, Excel import, admin edit) builds a list of
:class:`NodeSpec` and calls :func:`validate_tree`. It returns every problem found, each tied to the
row (Excel) or node it concerns, so a bad file is reported in full and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .scoring import ScoringError, fmt, parse_decimal, parse_rule

KINDS = ("content", "section", "criterion", "subcriterion")
KIND_LABELS = {
    "content": "Nội dung",
    "section": "Lĩnh vực",
    "criterion": "Tiêu chí",
    "subcriterion": "Tiêu chí thành phần",
}
#: The kind a child must have under a parent of the given kind (None: top level).
CHILD_KIND = {None: "content", "content": "section", "section": "criterion", "criterion": "subcriterion",
              "subcriterion": "subcriterion"}
#: Longest codes and agency names a node can store (``criteria.models.Node``): a content group's code is
#: also every node's ``group``.
MAX_CODE, MAX_GROUP_CODE, MAX_AGENCY = 32, 8, 255


@dataclass
class NodeSpec:
    code: str
    parent_code: str | None
    kind: str
    title: str
    max_points: Any
    appraising_agency: str = ""
    agency_merged: bool = False
    rule: dict | None = None
    evidence: str = ""
    notes: str = ""
    row: int | None = None  # spreadsheet row or position, for messages
    children: list[NodeSpec] = field(default_factory=list, repr=False)
    group: str = ""  # content group code, filled by validate_tree
    depth: int = 0

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass(frozen=True)
class Problem:
    row: int | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.row}" if self.row is not None else (f"Mã {self.code}" if self.code else "Bộ tiêu chí")
        return f"{where}: {self.message}"


class TreeError(ValueError):
    """Raised with the full list of problems when a tree is invalid."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def validate_tree(specs: list[NodeSpec], declared_total: Any) -> list[NodeSpec]:
    """Check every invariant and return the top-level nodes with ``children`` linked.

    Raises :class:`TreeError` listing every problem: empty or duplicate codes, unknown parents,
    cycles, kinds out of place, maxima that are not non-negative numbers, children that do not sum
    exactly to their parent, content groups that do not sum to the declared total, leaves without a
    valid rule and rules on non-leaves.
    """
    problems: list[Problem] = []

    def add(spec: NodeSpec | None, message: str) -> None:
        problems.append(Problem(spec.row if spec else None, spec.code if spec else "", message))

    try:
        total = parse_decimal(declared_total, field_label="Tổng điểm công bố")
    except ScoringError as exc:
        problems.append(Problem(None, "", str(exc)))
        total = None

    by_code: dict[str, NodeSpec] = {}
    for spec in specs:
        spec.code = (spec.code or "").strip()
        spec.children = []
        if not spec.code:
            add(spec, "Thiếu mã tiêu chí.")
            continue
        if spec.code in by_code:
            first = by_code[spec.code]
            where = f"dòng {first.row}" if first.row is not None else "một nút khác"
            add(spec, f"Mã “{spec.code}” bị trùng (đã có ở {where}).")
            continue
        by_code[spec.code] = spec
        if len(spec.code) > MAX_CODE:
            add(spec, f"Mã “{spec.code[:40]}…” dài quá {MAX_CODE} ký tự.")
        elif spec.kind == "content" and len(spec.code) > MAX_GROUP_CODE:
            add(spec, f"Mã nội dung “{spec.code}” dài quá {MAX_GROUP_CODE} ký tự.")
        if len(spec.appraising_agency or "") > MAX_AGENCY:
            add(spec, f"Tên cơ quan thẩm định dài quá {MAX_AGENCY} ký tự.")
        if spec.kind not in KINDS:
            add(spec, f"Loại nút “{spec.kind}” không hợp lệ; chỉ nhận: {', '.join(KINDS)}.")
        if not (spec.title or "").strip():
            add(spec, "Thiếu tên tiêu chí.")
        try:
            spec.max_points = parse_decimal(spec.max_points, field_label="Điểm tối đa")
            if spec.max_points < 0:
                add(spec, f"Điểm tối đa {fmt(spec.max_points)} không được âm.")
                spec.max_points = None
        except ScoringError as exc:
            add(spec, str(exc))
            spec.max_points = None

    roots: list[NodeSpec] = []
    for spec in by_code.values():
        parent_code = (spec.parent_code or "").strip() or None
        spec.parent_code = parent_code
        if parent_code is None:
            roots.append(spec)
        elif parent_code == spec.code:
            add(spec, "Nút không thể là cha của chính nó.")
        elif parent_code not in by_code:
            add(spec, f"Mã cha “{parent_code}” không tồn tại.")
        else:
            by_code[parent_code].children.append(spec)

    # Walk from the roots: anything not reached sits in a cycle.
    reached: set[str] = set()

    def walk(spec: NodeSpec, depth: int, group: str, parent_kind: str | None) -> None:
        reached.add(spec.code)
        spec.depth = depth
        spec.group = group or spec.code
        expected = CHILD_KIND[parent_kind]
        if spec.kind in KINDS and spec.kind != expected:
            under = "cấp cao nhất" if parent_kind is None else f"dưới {KIND_LABELS[parent_kind].lower()}"
            add(spec, f"Nút {under} phải có loại “{KIND_LABELS[expected]}”, không phải “{KIND_LABELS[spec.kind]}”.")
        for child in spec.children:
            walk(child, depth + 1, spec.group, spec.kind if spec.kind in KINDS else None)

    for root in roots:
        walk(root, 0, "", None)
    for spec in by_code.values():
        if spec.code not in reached and spec.parent_code in by_code:
            add(spec, "Quan hệ cha–con tạo thành vòng lặp.")

    for spec in by_code.values():
        if spec.code not in reached:
            continue
        if spec.children:
            if spec.rule:
                add(spec, "Chỉ tiêu chí lá (không có tiêu chí con) mới có cách chấm điểm.")
            sums = [c.max_points for c in spec.children]
            if spec.max_points is not None and all(s is not None for s in sums):
                actual = sum(sums, Decimal(0))
                if actual != spec.max_points:
                    add(spec, f"Tổng điểm các tiêu chí con của “{spec.code}” là {fmt(actual)}, "
                              f"khác điểm tối đa {fmt(spec.max_points)}.")
        elif spec.max_points is not None:
            try:
                parse_rule(spec.rule, spec.max_points)
            except ScoringError as exc:
                add(spec, str(exc))

    if total is not None and roots and all(r.max_points is not None for r in roots):
        actual = sum((r.max_points for r in roots), Decimal(0))
        if actual != total:
            problems.append(Problem(None, "", f"Tổng điểm các nội dung là {fmt(actual)}, "
                                              f"khác tổng điểm công bố {fmt(total)}."))
    if not specs:
        problems.append(Problem(None, "", "Bộ tiêu chí không có nút nào."))

    if problems:
        problems.sort(key=lambda p: (p.row is None, p.row or 0))
        raise TreeError(problems)
    return roots


def results_group_problem(roots: list[NodeSpec], results_group: str) -> str | None:
    """Why ``results_group`` cannot be the framework's "kết quả thực hiện nhiệm vụ" group (Điều 7), or None. The
    group is named by the framework, never guessed from a code: it must be the code of one of its top-level
    content groups; empty means the framework names none (enough for a rank-only period)."""
    if not results_group:
        return None
    codes = [r.code for r in roots]
    if results_group in codes:
        return None
    return (f"Nhóm kết quả thực hiện nhiệm vụ “{results_group}” không phải mã một nội dung cấp cao nhất của bộ tiêu "
            f"chí (các nội dung: {', '.join(codes) or 'chưa có'}).")


def iter_preorder(roots: list[NodeSpec]):
    """Nodes in document order (parent before children)."""
    stack = list(reversed(roots))
    while stack:
        spec = stack.pop()
        yield spec
        stack.extend(reversed(spec.children))


def specs_from_nested(nodes: list[dict], parent_code: str | None = None, out: list | None = None) -> list[NodeSpec]:
    """Flatten the nested fixture/JSON form into specs, in document order."""
    out = [] if out is None else out
    for position, node in enumerate(nodes or [], start=1):
        if not isinstance(node, dict):
            raise TreeError([Problem(None, "", f"Nút thứ {position} dưới “{parent_code or 'gốc'}” không hợp lệ.")])
        spec = NodeSpec(
            code=str(node.get("code", "")),
            parent_code=parent_code,
            kind=node.get("kind", ""),
            title=node.get("title", ""),
            max_points=node.get("max_points"),
            appraising_agency=(node.get("appraising_agency") or "").strip(),
            agency_merged=bool(node.get("agency_merged", False)),
            rule=node.get("rule"),
            evidence=(node.get("evidence") or "").strip(),
            notes=(node.get("notes") or "").strip(),
        )
        out.append(spec)
        specs_from_nested(node.get("children") or [], spec.code, out)
    return out


def under(pk: int | None, marked: set[int], parents: dict[int, int | None]) -> bool:
    """Whether node ``pk`` is one of ``marked`` or lies below one of them; ``parents`` maps each node id to its
    parent's (None at a root). An assignment of a section covers every criterion under it."""
    while pk is not None:
        if pk in marked:
            return True
        pk = parents.get(pk)
    return False


def effective_agency(node, chain: dict) -> str:
    """The "Cơ quan thẩm định" of ``node``: its own cell, else its nearest ancestor's (a blank cell under a
    parent that names the agency belongs to it); "" when no node above names one. ``chain``: id → node of
    the framework (at least the node's ancestors). The one reading of that column for every stage."""
    current = node
    while current is not None:
        if current.appraising_agency:
            return current.appraising_agency
        current = chain.get(current.parent_id)
    return ""
