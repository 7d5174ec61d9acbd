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
