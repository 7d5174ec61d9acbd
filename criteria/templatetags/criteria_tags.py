from decimal import Decimal

from django import template

from criteria.scoring import fmt

register = template.Library()


@register.filter
def points(value) -> str:
    """Points the Vietnamese way: "1,5", "20", "0,25"."""
    if value in (None, ""):
        return ""
    return fmt(Decimal(value))


@register.filter
def anchor(code: str) -> str:
    """A stable HTML id for a node code: "5.5.3.4" → "n-5-5-3-4", "II" → "n-ii"."""
    return "n-" + str(code).lower().replace(".", "-")


LEVEL_LABELS = {"xuat_sac": "Xuất sắc", "tot": "Tốt", "trung_binh": "Trung bình", "kem": "Kém"}


@register.filter
def level_label(code: str) -> str:
    return LEVEL_LABELS.get(code or "", "—")


@register.simple_tag
def quality_levels():
    return list(LEVEL_LABELS.items())


@register.filter
def total(value, places: int = 2) -> str:
    """A published total as the documents write it: "96,10" (places 2) or "95,125" (places 3)."""
    if value in (None, ""):
        return ""
    return fmt(Decimal(str(value)), int(places))
