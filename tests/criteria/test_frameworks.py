"""The five frameworks: loaded from fixtures, every invariant, and agreement with the independent
check lists in ``tests/criteria/expected/`` (written by a second reader of the seeds)."""

import csv
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from criteria.models import Framework, Node
from criteria.scoring import parse_rule
from criteria.selectors import framework_tree

EXPECTED = Path(__file__).parent / "expected"
CODES = ["tn2024-so", "tn2024-huyen", "tn2024-dvsn", "tn2024-hoi", "dh2024-xa"]
TOTALS = {
    "tn2024-so": {"ND1": 80, "ND2": 17, "ND3": 3},
    "tn2024-huyen": {"ND1": 80, "ND2": 17, "ND3": 3},
    "tn2024-dvsn": {"ND1": 82, "ND2": 15, "ND3": 3},
    "tn2024-hoi": {"ND1": 82, "ND2": 15, "ND3": 3},
    "dh2024-xa": {"ND1": 77, "ND2": 20, "ND3": 3},
}
pytestmark = pytest.mark.django_db


def _norm(text: str) -> str:
    return " ".join(text.split())


def _points_signature(rule: dict) -> str:
    if not rule:
        return ""
    special = [o["points"] for o in rule.get("special", [])]
    if rule["kind"] == "levels":
        return "|".join([o["points"] for o in rule["levels"]] + special)
    if rule["kind"] == "percent":
        return "|".join([f">={rule['threshold']}"] + special)
    return ""


def test_all_five_frameworks_are_loaded():
    assert sorted(Framework.objects.values_list("code", flat=True)) == sorted(CODES)


@pytest.mark.parametrize("code", CODES)
def test_content_groups_sum_to_declared_total(code):
    framework = Framework.objects.get(code=code)
    roots = {n.code: n.max_points for n in framework.nodes.filter(parent=None)}
    assert roots == {k: Decimal(v) for k, v in TOTALS[code].items()}
    assert sum(roots.values()) == framework.total_points == 100


@pytest.mark.parametrize("code", CODES)
def test_children_sum_exactly_to_parent_and_leaves_have_valid_rules(code):
    nodes = list(Node.objects.filter(framework__code=code))
    children: dict[int, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    for node in nodes:
        kids = children.get(node.id, [])
        if kids:
            assert sum(k.max_points for k in kids) == node.max_points, node.code
            assert not node.rule, node.code
        else:
            assert parse_rule(node.rule, node.max_points), node.code


@pytest.mark.parametrize("code", CODES)
def test_fixture_agrees_with_the_independent_reading(code):
    """Code, parent, kind, maximum, effective agency, rule kind, level points and title of every node."""
    with open(EXPECTED / f"{code}.csv", encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    actual = []

    def walk(items, parent=""):
        for item in items:
            node = item.node
            actual.append({
                "code": node.code, "parent": parent, "kind": node.kind,
                "max_points": f"{node.max_points.normalize():f}", "agency": item.effective_agency,
                "rule_kind": (node.rule or {}).get("kind", ""), "points": _points_signature(node.rule),
                "title": _norm(node.title),
            })
            walk(item.children, node.code)

    walk(framework_tree(Framework.objects.get(code=code)))
    expected = [{**row, "title": _norm(row["title"]), "max_points": f"{Decimal(row['max_points']).normalize():f}"}
                for row in expected]
    assert [r["code"] for r in actual] == [r["code"] for r in expected]
    for got, want in zip(actual, expected, strict=True):
        assert got == want, f"{code} {got['code']}"


def test_results_group_flag_is_named_by_the_framework():
    """The fixtures name ND2 as the results group (Điều 7); the flag follows the framework's field, not a code."""
    assert set(Framework.objects.values_list("results_group", flat=True)) == {"ND2"}
    nodes = Node.objects.filter(framework__code="tn2024-so").select_related("framework")
    nd2 = sorted(n.code for n in nodes if n.in_results_group and n.kind == "criterion")
    assert nd2 == ["6.1", "6.2", "7.1", "7.2", "7.3", "7.4", "7.5", "8.1", "8.2", "8.3"]
    assert not Node.objects.get(framework__code="tn2024-so", code="5.5").in_results_group


def test_commune_framework_keeps_the_documents_numbering_and_deep_levels():
    codes = set(Node.objects.filter(framework__code="dh2024-xa").values_list("code", flat=True))
    assert "2.2" not in codes and {"2.1", "2.3", "2.4"} <= codes
    deepest = Node.objects.filter(framework__code="dh2024-xa").order_by("-depth").first()
    assert deepest.depth == 4 and deepest.code.count(".") == 3
    first_year = Node.objects.filter(framework__code="dh2024-xa", rule__first_year_full_marks=True)
    assert sorted(first_year.values_list("code", flat=True)) == ["8.1", "8.2"]
    note = Node.objects.get(framework__code="dh2024-xa", code="2.3.4")
    assert note.rule["special"] == [{"label": note.rule["special"][0]["label"], "points": "1"}]
    assert "không có đơn" in note.notes


def test_export_criteria_prints_the_documented_shape():
    out = StringIO()
    call_command("export_criteria", "dh2024-xa", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"code", "name", "year", "total_points", "results_group", "nodes"}
    assert data["results_group"] == "ND2"
    assert data["code"] == "dh2024-xa" and data["year"] == 2024 and data["total_points"] == "100"
    node = data["nodes"][0]
    assert set(node) == {"code", "kind", "title", "max_points", "appraising_agency", "rule", "children"}
    section2 = data["nodes"][0]["children"][1]
    assert section2["code"] == "II" and section2["max_points"] == "8.5"
    half = next(c for c in section2["children"] if c["code"] == "2.4")
    assert half["max_points"] == "1.5" and half["appraising_agency"] == "Phòng Nội vụ"
    leaf = half["children"][0]
    assert leaf["max_points"] == "0.5" and leaf["rule"]["kind"] == "levels" and leaf["children"] == []


def test_export_criteria_unknown_code_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không có bộ tiêu chí mã “khong-co”"):
        call_command("export_criteria", "khong-co")
