"""Reads of the ranking stage."""

from __future__ import annotations

from decimal import Decimal

from .models import RankingVersion


def _published(versions) -> list[RankingVersion]:
    """The result in force of each (period, block) among ``versions``: its latest published version."""
    chosen: dict[tuple[int, int], RankingVersion] = {}
    for version in (versions.filter(status=RankingVersion.PUBLISHED).select_related("period", "block")
                    .order_by("-number")):
        chosen.setdefault((version.period_id, version.block_id), version)
    return list(chosen.values())


def unit_years(unit, kind: str | None = None) -> list[dict]:
    """The unit's published rank, total and grade per year (the result in force of each period), of the
    periods of ``kind`` (``Period.kind``; every kind when None), following its lineage (docs/process.md,
    "Lịch sử tổ chức"): a year before a merger, split or renaming is the predecessor's result, with its name
    in ``former``. When several predecessors were ranked in a year (a merger), the nearest in the lineage
    and then the best ranked is the year's figure and ``others`` lists the rest (docs/regulation.md §6)."""
    from django.db.models import Q

    from submissions import lineage

    owners = lineage.owners([unit.pk])
    versions = RankingVersion.objects.filter(Q(period__submissions__unit_id__in=list(owners))
                                             | Q(block__authority_id=unit.authority_id)).distinct()
    if kind is not None:
        versions = versions.filter(period__kind=kind)
    found: dict[int, list[tuple]] = {}
    for version in _published(versions):
        for row in version.snapshot.get("units", []):
            row_id = row.get("unit_id") or _by_code(row, version, unit)
            if row_id in owners:
                distance = owners[row_id][0][0]
                found.setdefault(version.period.year, []).append((distance, row["rank"], row, version))
    out = []
    for year in sorted(found):
        (distance, _, row, version), *others = sorted(found[year], key=lambda item: item[:2])
        out.append({"year": year, "rank": row["rank"], "total": row["total"], "grade": row.get("grade"),
                    "units": len(version.snapshot["units"]), "period": version.period.name,
                    "former": row["name"] if distance else "",
                    "others": [{"name": r["name"], "rank": r["rank"], "total": r["total"], "grade": r.get("grade")}
                               for _, _, r, _ in others]})
    return out


def _by_code(row: dict, version: RankingVersion, unit) -> int | None:
    """A row written without ``unit_id`` (none of the product's snapshots; imported history) is the unit's
    when the code and the authority match."""
    if row.get("id") == unit.code and version.block.authority_id == unit.authority_id:
        return unit.pk
    return None


def previous_results(period, present: dict[int, str]) -> dict[str, list[dict]]:
    """Last year's published results of the units ``present`` (unit id → code in this period's block),
    following their lineage: code → [{rank, total, grade, name, former, block, period}], nearest first. A
    unit of a split appears under each of its successors; a merger gives several rows."""
    from submissions import lineage

    owners = lineage.owners(present)
    versions = RankingVersion.objects.filter(period__year=period.year - 1, period__kind=period.kind).exclude(
        period=period)
    out: dict[str, list[tuple]] = {}
    for version in _published(versions):
        for row in version.snapshot.get("units", []):
            for distance, unit_id in owners.get(row.get("unit_id"), ()):
                out.setdefault(present[unit_id], []).append((distance, row["rank"], {
                    "rank": row["rank"], "total": row["total"], "grade": row.get("grade"), "name": row["name"],
                    "former": bool(distance), "block": version.snapshot.get("block", {}).get("name", ""),
                    "period": version.period.name}))
    return {code: [item for *_, item in sorted(rows, key=lambda r: r[:2])] for code, rows in out.items()}


def years_chart(points: list[dict]) -> dict:
    """Bars of the total per year (0–100) with the rank written above, for an inline SVG."""
    bars = []
    for i, p in enumerate(points):
        height = round(float(Decimal(p["total"])) * 1.2)
        bars.append({**p, "x": 30 + i * 60, "h": height, "y": 140 - height})
    return {"bars": bars, "width": 60 + 60 * len(points)}


def previous_years_comparison(unit, year: int, rule, max_points) -> tuple[Decimal, str] | None:
    """8.3.1 / 8.3.2 of year ``year``: the unit's published rank (or total) of ``year - 1`` against
    ``year - 2`` in the index the criterion names (``rule.compare_index``: the published periods of that
    kind, never another kind's ranking), scored by the rule's three levels; the reason names the periods
    used. None when either year is not published."""
    from criteria.scoring import COMPARE_INDEXES, score_compare_previous

    if not rule.compare_previous:
        return None
    by_year = {p["year"]: p for p in unit_years(unit, kind=rule.compare_index or None)}
    last, before = by_year.get(year - 1), by_year.get(year - 2)
    if not last or not before:
        return None
    key = "rank" if rule.compare_previous == "rank" else "total"
    score = score_compare_previous(rule, current=Decimal(str(last[key])), previous=Decimal(str(before[key])))
    what = "Xếp hạng" if key == "rank" else "Tổng điểm"
    index = COMPARE_INDEXES.get(rule.compare_index, "")
    def whose(point: dict) -> str:
        return f", của {point['former']} (trước đây)" if point["former"] else ""

    return score.points, (f"{what} {index} năm {year - 1} (“{last['period']}”{whose(last)}): {last[key]}, năm "
                          f"{year - 2} (“{before['period']}”{whose(before)}): {before[key]} — {score.reason}")


def subordinate_discipline(unit, year: int) -> dict | None:
    """Điều 11.1.b and 7.2.b: when ``unit`` assesses its own subordinate units (``Unit.assesses``, an
    authority of its own in this deployment), the share of those units disciplined in ``year``, read from
    the results that authority published: {share, disciplined, total, names, source}. None when the unit
    assesses nobody or nothing of that year is published. A subordinate unit counts as disciplined when its
    facts record a discipline (remedied or not) in that period."""
    from .models import UnitFacts

    if not unit.assesses_id:
        return None
    versions = _published(RankingVersion.objects.filter(period__authority_id=unit.assesses_id, period__year=year))
    if not versions:
        return None
    unit_ids, sources = set(), []
    for version in sorted(versions, key=lambda v: (v.period.name, v.block_id)):
        unit_ids |= {row["unit_id"] for row in version.snapshot.get("units", []) if row.get("unit_id")}
        sources.append(f"{version.snapshot.get('block', {}).get('name', '')} — {version.period.name}, Quyết định số "
                       f"{version.decision_number} ngày {version.decision_date:%d/%m/%Y}")
    disciplined = sorted(UnitFacts.objects.filter(period__in={v.period_id for v in versions}, unit_id__in=unit_ids)
                         .exclude(discipline="none").values_list("unit__name", flat=True).distinct())
    total = len(unit_ids)
    share = (Decimal(len(disciplined)) / Decimal(total)).quantize(Decimal("0.0001")) if total else Decimal(0)
    return {"share": share, "disciplined": len(disciplined), "total": total, "names": disciplined,
            "source": f"Kết quả đánh giá, xếp loại đơn vị trực thuộc do {unit.assesses} công bố: "
                      + "; ".join(sources)}


def subordinate_versions(authority_id: int) -> list[RankingVersion]:
    """The results in force an authority of a unit's own (Điều 11.1.b) published, newest year first."""
    versions = _published(RankingVersion.objects.filter(period__authority_id=authority_id))
    return sorted(versions, key=lambda v: (-v.period.year, v.period.name, v.block_id))
