"""Reads of the criteria app: the tree of a framework in one query, and its export forms."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from .models import Framework, Node
from .tree import effective_agency

_NODES: OrderedDict[tuple, dict[int, Node]] = OrderedDict()
_NODES_LOCK = threading.Lock()
_NODES_KEPT = 16


def framework_nodes(framework: Framework) -> dict[int, Node]:
    """id → node of a framework, in document order. A locked framework never changes (criteria.services
    refuses it), so its nodes are read once per process and shared, keyed by its content fingerprint;
    callers must not modify them. An unlocked framework is read every time."""
    # Read through ``framework.nodes``: each node knows its framework (``Node.in_results_group``) without a query.
    if not framework.locked_at:
        return {n.pk: n for n in framework.nodes.order_by("ordering")}
    key = (framework.pk, framework.content_hash, framework.locked_at, framework.updated_at)
    with _NODES_LOCK:
        nodes = _NODES.get(key)
        if nodes is not None:
            _NODES.move_to_end(key)
            return nodes
    nodes = {n.pk: n for n in framework.nodes.order_by("ordering")}
    with _NODES_LOCK:
        _NODES[key] = nodes
        while len(_NODES) > _NODES_KEPT:
            _NODES.popitem(last=False)
    return nodes


def scored_leaves(framework: Framework) -> list[Node]:
    """The leaves the unit scores and the council re-scores (every leaf but the leaders' survey), in document
    order, from the cached tree: the one filter on a leaf's rule kind (``Node.unit_scored``)."""
    return [n for n in framework_nodes(framework).values() if n.unit_scored]


def survey_leaves(framework: Framework) -> list[Node]:
    """The leaves of the leaders' survey (``Node.is_survey``), in document order, from the cached tree."""
    return [n for n in framework_nodes(framework).values() if n.is_survey]


def content_groups(framework: Framework | None) -> dict[str, str]:
    """The framework's top-level content groups in document order, code → title: the codes are the framework's
    own (ND1–ND3 in 2610, TDG and XHH in a PAR index), and a reason of Điều 7 names a group by its title."""
    if framework is None:
        return {}
    return dict(framework.nodes.filter(parent__isnull=True).order_by("ordering").values_list("code", "title"))


def grading_problem(framework: Framework) -> str:
    """Why ``framework`` cannot be used to grade under Điều 7 ("" when it can): it must name the content group
    treated as "kết quả thực hiện nhiệm vụ được giao" (``Framework.results_group``). A rank-only period needs
    no such group."""
    if framework.results_group:
        return ""
    return (f"Bộ tiêu chí “{framework.code}” ({framework.name}) chưa xác định nhóm “kết quả thực hiện nhiệm vụ được "
            f"giao” (Điều 7) nên không dùng được để đánh giá, xếp loại; hãy dùng bộ tiêu chí có nhóm này (nạp lại "
            f"với “results_group”, hoặc dòng “Nhóm kết quả thực hiện nhiệm vụ” của tệp Excel) hoặc chọn loại kỳ "
            f"“Chỉ xếp hạng (Chỉ số CCHC)”.")


def framework_list() -> QuerySet[Framework]:
    return Framework.objects.select_related("authority").order_by("-year", "authority__name", "code")


@dataclass
class TreeNode:
    node: Node
    effective_agency: str
    children: list[TreeNode] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children


def framework_tree(framework: Framework) -> list[TreeNode]:
    """The whole tree in one query, with each node's effective appraising agency.

    The effective agency is the node's own cell, else its nearest ancestor's (a blank cell under a
    parent that names the agency belongs to it).
    """
    roots: list[TreeNode] = []
    by_id: dict[int, TreeNode] = {}
    nodes = list(framework.nodes.order_by("ordering"))
    chain = {n.id: n for n in nodes}
    for node in nodes:
        parent = by_id.get(node.parent_id) if node.parent_id else None
        item = TreeNode(node=node, effective_agency=effective_agency(node, chain))
        by_id[node.id] = item
        (parent.children if parent else roots).append(item)
    return roots


def _points(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def framework_export_dict(framework: Framework) -> dict:
    """The JSON form printed by ``export_criteria``."""

    def convert(item: TreeNode) -> dict:
        node = item.node
        return {
            "code": node.code,
            "kind": node.kind,
            "title": node.title,
            "max_points": _points(node.max_points),
            "appraising_agency": item.effective_agency,
            "rule": node.rule or None,
            "children": [convert(child) for child in item.children],
        }

    return {
        "code": framework.code,
        "name": framework.name,
        "year": framework.year,
        "total_points": _points(framework.total_points),
        "results_group": framework.results_group,
        "nodes": [convert(root) for root in framework_tree(framework)],
    }
