from decimal import Decimal

from django import template

from criteria import evidence, grades
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


@register.filter
def level_label(code: str) -> str:
    return grades.level_label(code)


@register.filter
def signature_badge(status: str) -> str:
    return evidence.badge_class(status)


@register.filter
def grade_label(code: str) -> str:
    return grades.grade_label(code)


@register.simple_tag
def quality_levels():
    return grades.LEVEL_CHOICES


@register.filter
def total(value, places: int = 2) -> str:
    """A published total as the documents write it: "96,10" (places 2) or "95,125" (places 3)."""
    if value in (None, ""):
        return ""
    return fmt(Decimal(str(value)), int(places))


@register.simple_tag
def score_inputs(rule, record=None, typed=None) -> dict:
    """What a criterion's score form shows in its inputs ("value", "special", "count"): what was typed when the
    save was refused (``typed``), else the stored ``record`` (an Entry or an Appraisal). A special outcome
    chosen instead of a percentage shows in "special" with the percentage left empty."""
    if typed:
        return {key: "" if typed.get(key) is None else str(typed.get(key)) for key in ("value", "special", "count")}
    shown = {"value": "", "special": "", "count": ""}
    if record is None or rule is None:
        return shown
    choice = record.choice
    if rule.kind == "levels":
        shown["value"] = "" if choice is None else str(choice)
    elif choice is not None:
        shown["special"] = str(choice - len(rule.levels))
    elif rule.kind == "percent":
        shown["value"] = "" if record.percent is None else fmt(Decimal(record.percent))
    elif record.points is not None and not getattr(record, "proposal", ""):
        shown["value"] = fmt(Decimal(record.points))
    count = getattr(record, "count", None)
    shown["count"] = "" if count is None else str(count)
    return shown


@register.simple_tag
def entered(rule, record=None):
    """What was entered for a leaf (``criteria.scoring.input_lines``): the percentage with the special outcomes
    offered beside it, the chosen level, the count; ``record`` is an Entry or an Appraisal (or None)."""
    from criteria.scoring import input_lines

    if record is None:
        return input_lines(rule, choice=None, percent=None, count=None)
    return input_lines(rule, choice=record.choice, percent=record.percent, count=getattr(record, "count", None))
