"""The chair's decision on ties that remain at three decimals (Điều 6.4.c), applied to a ranking (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from criteria.dieu7 import Ranking, RankingError, UnitResult
from criteria.grades import GRADE_LABELS, HTTNV, HTXSNV


def tie_groups(ranking: Ranking) -> list[list[str]]:
    """Groups of unit ids that share a block and both totals (the ties the chair may order)."""
    groups: dict[tuple, list[str]] = {}
    for result in ranking.units:
        if result.tie:
            groups.setdefault((result.block, result.total, result.tiebreak_total), []).append(result.id)
    return [ids for ids in groups.values() if len(ids) > 1]


def apply_chair_order(ranking: Ranking, orders: Sequence[Sequence[str]]) -> Ranking:
    """Order each tie group as the chair decided; at the cap boundary the first of them fill the slots
    left (only those that qualify for HTXSNV), the others get HTTNV.

    Raises RankingError when an order is not exactly one of the ranking's tie groups.
    """
    by_id: dict[str, UnitResult] = {r.id: r for r in ranking.units}
    known = {frozenset(g): g for g in tie_groups(ranking)}
    for order in orders:
        if frozenset(order) not in known or len(set(order)) != len(order):
            raise RankingError(f"Thứ tự {', '.join(order)} không phải là một nhóm đơn vị bằng điểm của kết quả.")
        group = [by_id[i] for i in order]
        block = group[0].block
        base = min(r.rank for r in group)
        summary = ranking.blocks[block]
        at_boundary = any(r.chair for r in group)
        remaining = 0
        if at_boundary and summary.excellent_cap is not None:
            already = sum(1 for r in by_id.values() if r.block == block and r.grade == HTXSNV)
            remaining = max(0, summary.excellent_cap - already)
        names = ", ".join(order)
        for position, result in enumerate(group):
            reasons = [r for r in result.reasons if "Chủ tịch Hội đồng thẩm định xem xét" not in r]
            reasons.append(f"Chủ tịch Hội đồng thẩm định quyết định thứ tự các đơn vị bằng điểm: {names}.")
            grade = result.grade
            if at_boundary and result.qualified == HTXSNV:
                if remaining > 0:
                    grade, remaining = HTXSNV, remaining - 1
                else:
                    grade = HTTNV
                    reasons.append(f"Theo thứ tự Chủ tịch Hội đồng quyết định, đã hết số lượng "
                                   f"{GRADE_LABELS[HTXSNV]} của khối: xếp {GRADE_LABELS[HTTNV]}.")
            by_id[result.id] = replace(result, rank=base + position, chair=False, grade=grade, reasons=tuple(reasons))
    units = tuple(sorted(by_id.values(), key=lambda r: (r.block, r.rank, r.id)))
    blocks = {
        code: replace(summary, excellent=sum(1 for r in units if r.block == code and r.grade == HTXSNV))
        if summary.excellent is not None else summary
        for code, summary in ranking.blocks.items()
    }
    return Ranking(units=units, blocks=blocks)


def unresolved(ranking: Ranking) -> list[str]:
    return [r.id for r in ranking.units if r.chair]


def check_orders_shape(orders: object) -> list[list[str]]:
    if not isinstance(orders, list) or not all(isinstance(o, list) and all(isinstance(i, str) for i in o)
                                               for o in orders):
        raise RankingError("Thứ tự của Chủ tịch Hội đồng phải là danh sách các nhóm mã đơn vị.")
    return orders


def as_orders(mapping: Mapping[str, Sequence[str]] | None) -> list[list[str]]:
    return [list(v) for v in (mapping or {}).get("groups", [])]


def unordered_ties(ties: Sequence[Sequence[str]], orders: Sequence[Sequence[str]]) -> list[list[str]]:
    """Every tie remaining at three decimals that the chair has not ordered yet (Điều 6.4.c: each one needs
    the chair's recorded order before the block is submitted, not only ties at the cap boundary)."""
    decided = {frozenset(order) for order in orders}
    return [list(group) for group in ties if frozenset(group) not in decided]


def differences(before: Sequence[Mapping], after: Sequence[Mapping], revoked: str = "") -> list[str]:
    """Units other than ``revoked`` whose rank or grade differs between two snapshots' units, in Vietnamese,
    in the new order. A unit present in only one of them is a difference too."""
    old = {u["id"]: u for u in before}
    out = []
    for unit in after:
        if unit["id"] == revoked:
            continue
        was = old.pop(unit["id"], None)
        if was is None:
            out.append(f"{unit['name']}: mới có trong kết quả (hạng {unit['rank']}).")
            continue
        changes = []
        if was["rank"] != unit["rank"]:
            changes.append(f"hạng {was['rank']} → {unit['rank']}")
        if was.get("grade") != unit.get("grade"):
            changes.append(f"xếp loại {GRADE_LABELS.get(was.get('grade') or '', '—')} → "
                           f"{GRADE_LABELS.get(unit.get('grade') or '', '—')}")
        if changes:
            out.append(f"{unit['name']}: {'; '.join(changes)}.")
    out += [f"{u['name']}: không còn trong kết quả." for uid, u in old.items() if uid != revoked]
    return out
