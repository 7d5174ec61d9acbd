"""The organisation's history: which units a unit continues (docs/process.md, "Lịch sử tổ chức").

Units merge (several → one), split (one → several) and are renamed (one → one, a new record so that the
periods already held keep the old name). Everything that looks back a year follows these edges: the
two-years-KHTNV flag (Điều 11.2.d), criteria 8.3.x, last year's rank and the unit's results over the years.

The first half is pure (edges in, answers out) and has its own tests; the second half loads the edges,
a small table, in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Edge:
    predecessor: int
    successor: int
    effective_on: date
    kind: str = "rename"


def _before(edges: Iterable[Edge]) -> dict[int, list[int]]:
    before: dict[int, list[int]] = defaultdict(list)
    for edge in edges:
        before[edge.successor].append(edge.predecessor)
    return before


def ancestors(unit_id: int, edges: Iterable[Edge] | dict[int, list[int]]) -> dict[int, int]:
    """Every unit ``unit_id`` continues, directly or through others, with its distance in steps (a
    predecessor 1, its own predecessor 2 …). Safe on a cycle (each unit is visited once). ``edges`` may be
    the successor → predecessors map of ``_before`` when asked for many units."""
    before = edges if isinstance(edges, dict) else _before(edges)
    found: dict[int, int] = {}
    frontier, depth = [unit_id], 0
    while frontier:
        depth += 1
        nxt = []
        for current in frontier:
            for predecessor in before.get(current, ()):
                if predecessor != unit_id and predecessor not in found:
                    found[predecessor] = depth
                    nxt.append(predecessor)
        frontier = nxt
    return found


def cycle(edges: Iterable[Edge]) -> list[int] | None:
    """A list of unit ids that lead back to the first one, or None: a lineage is a history, so a unit can
    never (even through others) be its own predecessor."""
    after: dict[int, list[int]] = defaultdict(list)
    for edge in edges:
        after[edge.predecessor].append(edge.successor)
    state: dict[int, int] = {}  # 1 on the current path, 2 done

    for start in list(after):
        if state.get(start):
            continue
        path, stack = [], [(start, iter(after.get(start, ())))]
        state[start] = 1
        path.append(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(after.get(child, ()))))
    return None


def lineage_owners(unit_ids: Iterable[int], edges: Iterable[Edge]) -> dict[int, list[tuple[int, int]]]:
    """Every id of ``unit_ids`` and each of their ancestors → [(distance, present unit id)], nearest first.
    An ancestor shared by two present units (a split) belongs to both."""
    before = _before(edges)
    owners: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for unit_id in unit_ids:
        owners[unit_id].append((0, unit_id))
        if unit_id in before:
            for old, distance in ancestors(unit_id, before).items():
                owners[old].append((distance, unit_id))
    return {old: sorted(present) for old, present in owners.items()}


# --------------------------------------------------------------------------- loading


def edges() -> list[Edge]:
    from .models import UnitLineage

    return [Edge(p, s, d, k) for p, s, d, k in UnitLineage.objects.values_list(
        "predecessor_id", "successor_id", "effective_on", "kind")]


def owners(unit_ids: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
    """``lineage_owners`` on the stored edges (one query)."""
    return lineage_owners(unit_ids, edges())


def former_names(unit_ids: Iterable[int]) -> dict[int, str]:
    """unit id → "tên cũ 1, tên cũ 2" of its direct predecessors (the "(trước đây: …)" of the pages), only
    for units that have predecessors."""
    from .models import UnitLineage

    names: dict[int, list[str]] = defaultdict(list)
    for successor, name in (UnitLineage.objects.filter(successor_id__in=list(unit_ids))
                            .order_by("predecessor__name").values_list("successor_id", "predecessor__name")):
        names[successor].append(name)
    return {unit_id: ", ".join(found) for unit_id, found in names.items()}
