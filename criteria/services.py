"""Writes of the criteria app: loading a framework from a fixture or a spreadsheet.

Every path goes through :func:`framework_save`, which validates the whole tree with
``criteria.tree.validate_tree`` first and writes in one transaction, so an invalid tree or a refused
change leaves the database exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Authority, Framework, Node
from .scoring import ScoringError, parse_decimal
from .tree import NodeSpec, Problem, TreeError, iter_preorder, results_group_problem, specs_from_nested, validate_tree


@dataclass
class FrameworkMeta:
    code: str
    name: str
    authority_code: str
    authority_name: str
    authority_level: str
    year: int
    target_group: str
    issuing_decision: str
    total_points: Decimal
    # The code of the content group Điều 7 treats as "kết quả thực hiện nhiệm vụ" ("ND2" in 2610); "" when the
    # framework names none (a PAR index ranked only); None when the source does not say (a workbook exported
    # before the field existed): an existing framework keeps its own, a new one has none.
    results_group: str | None = None


def nfc(value: Any) -> Any:
    """Vietnamese text is stored in NFC so that search and comparison behave."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _normalise_points(value: Any) -> str:
    return f"{Decimal(value).normalize():f}"


def _canonical_rule(rule: dict | None) -> dict | None:
    if not rule:
        return None
    out: dict[str, Any] = {}
    for key, value in rule.items():
        if key in ("levels", "special"):
            value = [{"label": nfc(str(o["label"])).strip(), "points": _normalise_points(parse_decimal(o["points"]))}
                     for o in value or []]
            if not value:
                continue
        elif key in ("threshold", "factor"):
            if value in (None, ""):
                continue
            value = _normalise_points(parse_decimal(value))
        elif key == "count":  # validated by parse_rule: {label, outcomes: [{at_least, level}]}
            if not value:
                continue
            value = {"label": nfc(str(value["label"])).strip(),
                     "outcomes": [{"at_least": int(str(o["at_least"]).strip()), "level": int(str(o["level"]).strip())}
                                  for o in value["outcomes"]]}
        elif key == "precedence":
            if not value:
                continue
            value = [int(str(n).strip()) for n in value]
        elif isinstance(value, str):
            value = nfc(value).strip()
            if not value:
                continue
        elif value is False or value is None:
            continue
        out[key] = value
    return out


def _meta_from_dict(data: dict) -> FrameworkMeta:
    missing = [k for k in ("code", "name", "authority", "year", "target_group", "total_points") if not data.get(k)]
    if missing:
        raise ValidationError(f"Bộ tiêu chí thiếu các trường: {', '.join(missing)}.")
    authority = data["authority"]
    if not isinstance(authority, dict) or not authority.get("code") or not authority.get("name"):
        raise ValidationError("Cơ quan ban hành (authority) phải có mã (code) và tên (name).")
    level = authority.get("level", "tinh")
    if level not in dict(Authority.LEVELS):
        raise ValidationError(f"Cấp của cơ quan ban hành “{level}” không hợp lệ (tinh, huyen, xa).")
    try:
        year = int(data["year"])
        total = parse_decimal(data["total_points"], field_label="Tổng điểm công bố")
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Năm hoặc tổng điểm không hợp lệ: {exc}") from None
    return FrameworkMeta(
        code=str(data["code"]).strip(),
        name=nfc(str(data["name"])).strip(),
        authority_code=str(authority["code"]).strip(),
        authority_name=nfc(str(authority["name"])).strip(),
        authority_level=level,
        year=year,
        target_group=nfc(str(data["target_group"])).strip(),
        issuing_decision=nfc(str(data.get("issuing_decision") or "")).strip(),
        total_points=total,
        results_group=str(data["results_group"] or "").strip() if "results_group" in data else None,
    )


def _check_meta(meta: FrameworkMeta) -> None:
    import re

    problems = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", meta.code or ""):
        problems.append(f"Mã bộ tiêu chí “{meta.code}” chỉ gồm chữ thường không dấu, số, dấu gạch ngang (tối đa 64).")
    if not 1990 <= meta.year <= 2100:
        problems.append(f"Năm {meta.year} không hợp lệ (1990–2100).")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", meta.authority_code or ""):
        problems.append(f"Mã cơ quan ban hành “{meta.authority_code}” không hợp lệ.")
    for value, label, limit in ((meta.name, "Tên", 500), (meta.target_group, "Đối tượng áp dụng", 255),
                                (meta.issuing_decision, "Văn bản ban hành", 500),
                                (meta.authority_name, "Cơ quan ban hành", 255)):
        if len(value or "") > limit:
            problems.append(f"{label} dài quá {limit} ký tự.")
    if meta.total_points <= 0 or meta.total_points >= 100000:
        problems.append("Tổng điểm công bố phải lớn hơn 0 và nhỏ hơn 100.000.")
    if problems:
        raise ValidationError(problems)


def content_hash(meta: FrameworkMeta, roots: list[NodeSpec]) -> str:
    """SHA-256 of the framework's canonical content; equal content gives an equal hash."""
    payload = {
        "meta": {
            "code": meta.code, "name": meta.name, "authority": meta.authority_code, "year": meta.year,
            "target_group": meta.target_group, "issuing_decision": meta.issuing_decision,
            "total_points": _normalise_points(meta.total_points),
        },
        "nodes": [
            [s.code, s.parent_code, s.kind, s.title, _normalise_points(s.max_points), s.appraising_agency,
             s.agency_merged, s.rule, s.evidence, s.notes]
            for s in iter_preorder(roots)
        ],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def framework_usage(framework: Framework) -> list[str]:
    """Why a framework may not change: locked by a period, or rows elsewhere that point at it or its nodes.

    Generic over relations, so the apps that come later (periods, self-scores, appraisals) protect a
    framework simply by holding a foreign key to it or to one of its nodes.
    """
    reasons = []
    if framework.locked_at:
        reasons.append(f"đã được khóa từ {timezone.localtime(framework.locked_at):%H:%M %d/%m/%Y} vì được dùng cho một "
                       "kỳ đánh giá")
    for model in (Framework, Node):
        for rel in model._meta.related_objects:
            if rel.related_model in (Node, Framework):
                continue
            field = rel.field
            if model is Framework:
                count = rel.related_model._default_manager.filter(**{field.name: framework}).count()
            else:
                count = rel.related_model._default_manager.filter(**{f"{field.name}__framework": framework}).count()
            if count:
                reasons.append(f"có {count} bản ghi “{rel.related_model._meta.verbose_name}” đang dùng")
    return reasons


@transaction.atomic
def framework_save(*, meta: FrameworkMeta, specs: list[NodeSpec]) -> tuple[Framework, str]:
    """Create or replace a framework. Returns ``(framework, status)`` with status
    ``created``, ``updated`` or ``unchanged``.

    Raises :class:`TreeError` (every problem) for an invalid tree and :class:`ValidationError` when
    the framework exists with other content and is already in use: it is never changed silently.
    The framework row is locked (``select_for_update``) so two loads of the same code serialise.
    """
    _check_meta(meta)
    for spec in specs:
        spec.title = nfc(str(spec.title or "")).strip()
        spec.appraising_agency = nfc(spec.appraising_agency or "").strip()
        spec.evidence = nfc(spec.evidence or "").strip()
        spec.notes = nfc(spec.notes or "").strip()
        spec.kind = (spec.kind or "").strip()
    roots = validate_tree(specs, meta.total_points)
    for spec in specs:
        spec.rule = _canonical_rule(spec.rule) if not spec.children else None
    digest = content_hash(meta, roots)

    authority, _ = Authority.objects.get_or_create(
        code=meta.authority_code, defaults={"name": meta.authority_name, "level": meta.authority_level}
    )
    framework = Framework.objects.select_for_update().filter(code=meta.code).first()
    results_group = meta.results_group if meta.results_group is not None else (
        framework.results_group if framework else "")
    if problem := results_group_problem(roots, results_group):
        raise TreeError([Problem(None, "", problem)])
    if framework and framework.content_hash == digest:
        if framework.results_group == results_group:
            return framework, "unchanged"
        # Only the results group changes (it is not part of the content fingerprint, so frameworks loaded before
        # the field existed keep their fingerprint): refused like any change once the framework is in use.
        if reasons := framework_usage(framework):
            raise ValidationError(
                f"Không thể đổi nhóm kết quả thực hiện nhiệm vụ của bộ tiêu chí “{meta.code}” "
                f"(“{framework.results_group or 'không có'}” → “{results_group or 'không có'}”): {'; '.join(reasons)}."
            )
        framework.results_group = results_group
        framework.save(update_fields=["results_group", "updated_at"])
        return framework, "updated"
    if framework:
        reasons = framework_usage(framework)
        if reasons:
            raise ValidationError(
                f"Không thể thay đổi bộ tiêu chí “{meta.code}”: {'; '.join(reasons)}. "
                "Hãy tạo bộ tiêu chí mới với mã khác cho năm sau."
            )
        framework.nodes.all().delete()
        status = "updated"
    else:
        framework = Framework(code=meta.code)
        status = "created"
    framework.name = meta.name
    framework.authority = authority
    framework.year = meta.year
    framework.target_group = meta.target_group
    framework.issuing_decision = meta.issuing_decision
    framework.total_points = meta.total_points
    framework.results_group = results_group
    framework.content_hash = digest
    framework.save()

    by_code: dict[str, Node] = {}
    for position, spec in enumerate(iter_preorder(roots), start=1):
        node = Node(
            framework=framework,
            parent=by_code.get(spec.parent_code) if spec.parent_code else None,
            code=spec.code,
            kind=spec.kind,
            title=spec.title,
            ordering=position,
            depth=spec.depth,
            group=spec.group,
            max_points=spec.max_points,
            appraising_agency=spec.appraising_agency,
            agency_merged=spec.agency_merged,
            rule=spec.rule or {},
            evidence=spec.evidence,
            notes=spec.notes,
        )
        node.save()
        by_code[spec.code] = node
    _link_criteria(roots, by_code)
    return framework, status


def graded_criterion_code(spec: NodeSpec, ancestors: list[NodeSpec]) -> str | None:
    """The node whose quality level Điều 7 grades: the Tiêu chí containing it, or a section without
    sub-criteria (IX, X). Content groups and sections with criteria have none."""
    for node in [*ancestors, spec]:
        if node.kind == "criterion" or (node.kind == "section" and not node.children):
            return node.code
    return None


def _link_criteria(roots: list[NodeSpec], by_code: dict[str, Node]) -> None:
    def walk(spec: NodeSpec, ancestors: list[NodeSpec]) -> None:
        code = graded_criterion_code(spec, ancestors)
        if code:
            Node.objects.filter(pk=by_code[spec.code].pk).update(criterion=by_code[code])
        for child in spec.children:
            walk(child, [*ancestors, spec])

    for root in roots:
        walk(root, [])


def read_fixture(path: Path) -> tuple[FrameworkMeta, list[NodeSpec]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValidationError(f"Tệp {path.name} không phải YAML hợp lệ: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError(f"Tệp {path.name} phải chứa một bộ tiêu chí.")
    return _meta_from_dict(data), specs_from_nested(data.get("nodes") or [])


def framework_load_fixture(*, path: Path) -> tuple[Framework, str]:
    meta, specs = read_fixture(path)
    return framework_save(meta=meta, specs=specs)


def framework_lock(*, framework: Framework) -> Framework:
    """Mark a framework as used by a period: from now on it cannot be changed."""
    Framework.objects.filter(pk=framework.pk, locked_at__isnull=True).update(locked_at=timezone.now())
    framework.refresh_from_db(fields=["locked_at"])
    return framework


__all__ = [
    "FrameworkMeta", "Problem", "ScoringError", "TreeError", "framework_load_fixture", "framework_lock",
    "framework_save", "framework_usage", "read_fixture",
]
