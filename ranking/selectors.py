"""Reads of the ranking stage."""

from __future__ import annotations

from decimal import Decimal

from .models import RankingVersion


def unit_years(unit, kind: str | None = None) -> list[dict]:
    """The unit's published rank, total and grade per year (the latest published version of each period),
    of the periods of ``kind`` (``Period.kind``; every kind when None)."""
    out: dict[int, dict] = {}
    versions = (RankingVersion.objects.filter(status=RankingVersion.PUBLISHED, block__authority=unit.authority)
                .select_related("period").order_by("period__year", "number"))
    if kind is not None:
        versions = versions.filter(period__kind=kind)
    for version in versions:
        for row in version.snapshot.get("units", []):
            if row["id"] == unit.code:
                out[version.period.year] = {"year": version.period.year, "rank": row["rank"],
                                            "total": row["total"], "grade": row.get("grade"),
                                            "units": len(version.snapshot["units"]),
                                            "period": version.period.name}
    return [out[y] for y in sorted(out)]


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
    return score.points, (f"{what} {index} năm {year - 1} (“{last['period']}”): {last[key]}, năm {year - 2} "
                          f"(“{before['period']}”): {before[key]} — {score.reason}")
