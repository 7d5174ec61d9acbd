"""Reads of the criteria app: the tree of a framework in one query, and its export forms."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from .models import Framework, Node

_NODES: OrderedDict[tuple, dict[int, Node]] = OrderedDict()
_NODES_LOCK = threading.Lock()
_NODES_KEPT = 16


def framework_nodes(framework: Framework) -> dict[int, Node]:
    """id → node of a framework, in document order. A locked framework never changes (criteria.services
    refuses it), so its nodes are read once per process and shared, keyed by its content fingerprint;
    callers must not modify them. An unlocked framework is read every time."""
    if not framework.locked_at:
        return {n.pk: n for n in Node.objects.filter(framework=framework).order_by("ordering")}
    key = (framework.pk, framework.content_hash, framework.locked_at, framework.updated_at)
    with _NODES_LOCK:
        nodes = _NODES.get(key)
        if nodes is not None:
            _NODES.move_to_end(key)
            return nodes
    nodes = {n.pk: n for n in Node.objects.filter(framework=framework).order_by("ordering")}
    with _NODES_LOCK:
        _NODES[key] = nodes
        while len(_NODES) > _NODES_KEPT:
            _NODES.popitem(last=False)
    return nodes


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
    for node in Node.objects.filter(framework=framework).order_by("ordering"):
        parent = by_id.get(node.parent_id) if node.parent_id else None
        agency = node.appraising_agency or (parent.effective_agency if parent else "")
        item = TreeNode(node=node, effective_agency=agency)
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
        "nodes": [convert(root) for root in framework_tree(framework)],
    }
