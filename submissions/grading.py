"""The grade a submission's own scores point to, for the approver's proposal (Điều 7 via criteria.dieu7).

What the unit cannot know yet is assumed in its favour and said so: section I (leaders' forms) at
full marks, an outstanding achievement and no discipline. The approver decides the proposal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from criteria import dieu7 as ranking
from criteria.scoring import fmt
from criteria.selectors import content_groups, grading_problem

from .models import Period, Submission
from .period_settings import ranking_settings
from .selectors import Sheet


@dataclass
class Suggestion:
    code: str
    label: str
    reasons: list[str]
    # criteria whose quality level alone keeps the unit from a grade its total reaches: (code, level, grade)
    barring: list[tuple[str, str, str]] = field(default_factory=list)
    # each grade above the projected one with the conditions it misses (unprefixed), highest first
    by_grade: list[tuple[str, list[str]]] = field(default_factory=list)
    assumption: str = ""


def _criteria(sheet: Sheet, thresholds) -> tuple[list[ranking.Criterion], Decimal]:
    """Quality levels of each Tiêu chí (and each section without sub-criteria) from the self-scores."""
    out: list[ranking.Criterion] = []
    survey_max = Decimal(0)

    def walk(items):
        nonlocal survey_max
        for item in items:
            node = item.node
            if node.kind == "criterion" or (node.kind == "section" and not item.children):
                leaves = _leaves(item)
                if all(leaf.node.is_survey for leaf in leaves):
                    survey_max += node.max_points
                    continue
                if node.max_points > 0:
                    level = ranking.quality_level(min(item.subtotal, node.max_points), node.max_points, thresholds)
                    out.append(ranking.Criterion(code=node.code, group=node.group, level=level))
            else:
                walk(item.children)

    walk(sheet.roots)
    return out, survey_max


def _leaves(item):
    if not item.children:
        return [item]
    return [leaf for child in item.children for leaf in _leaves(child)]


def suggest_grade(submission: Submission, sheet: Sheet) -> Suggestion | None:
    if submission.period.kind != Period.GRADING:
        return None
    thresholds = submission.period.quality_thresholds
    framework = submission.framework
    if grading_problem(framework):  # no results group named: nothing to project (the period form says why)
        return None
    settings = ranking_settings(submission.period, groups=content_groups(framework),
                                results_group=framework.results_group)
    criteria, survey_max = _criteria(sheet, thresholds)
    total = sheet.total + survey_max
    unit = ranking.Unit(id=submission.unit.code, block=submission.block.code, total=total, outstanding=True,
                        criteria=tuple(criteria))
    result = ranking.qualify(unit, settings)
    assumption = (f"Tổng điểm dự kiến {fmt(total, 2)} (gồm {fmt(survey_max)} điểm Mục I giả định đạt tối đa, "
                  "do Lãnh đạo chấm sau), giả định có thành tích nổi bật và không có vi phạm.")
    reasons = [assumption, *result.reasons]
    barring = [(c.code, c.level, grade) for c, grade in ranking.barring_levels(total, criteria, settings)]
    by_grade = []
    for grade in ranking.GRADES:
        if grade == result.grade:
            break
        by_grade.append((ranking.GRADE_LABELS[grade], list(ranking.missed_conditions(unit, grade, settings))))
    return Suggestion(code=result.grade, label=ranking.GRADE_LABELS[result.grade], reasons=reasons,
                      barring=barring, by_grade=by_grade, assumption=assumption)


@dataclass
class CheckItem:
    """One line of the review page's checklist: a criterion and what it lacks, linked to it on the score page."""

    code: str
    title: str
    problems: list[str]
    blocking: bool

    @property
    def anchor(self) -> str:  # the id the score page gives the criterion (criteria_tags.anchor)
        from criteria.templatetags.criteria_tags import anchor

        return anchor(self.code)


def review_checklist(sheet: Sheet, report, suggestion: Suggestion | None) -> list[CheckItem]:
    """What is missing before sending, one line per criterion, blocking lines first, in the sheet's order:
    a score (Điều 8.2.a), the support the period's rule asks (Điều 8.2.b), then what only lowers the result
    (a number with a letter, an unsigned PDF, a repeated number, no citation) and the criteria whose level alone
    bars a grade the projected total reaches (Điều 7). Built from ``report`` and ``suggestion``: no query."""
    from .rules import EITHER

    order: dict[str, int] = {}
    titles: dict[str, str] = {}

    def walk(items):
        for item in items:
            order[item.node.code] = len(order)
            titles[item.node.code] = item.node.title
            walk(item.children)

    walk(sheet.roots)
    found: dict[str, CheckItem] = {}

    def add(code: str, problem: str, blocking: bool = False) -> None:
        item = found.setdefault(code, CheckItem(code=code, title=titles.get(code, ""), problems=[], blocking=False))
        if problem not in item.problems:
            item.problems.append(problem)
        item.blocking = item.blocking or blocking

    for code in report.missing_score:
        add(code, "chưa chấm điểm", blocking=True)
    for code in report.missing_support:
        lacks = ("tài liệu kiểm chứng hoặc giải trình" if report.support_rule == EITHER
                 else report.support_lacks.get(code, "tài liệu kiểm chứng"))
        add(code, f"thiếu {lacks}", blocking=True)
    for code, number in report.suffix_numbers:
        add(code, f"số văn bản “{number}” có chữ cái, Hội đồng sẽ chấm 0 điểm")
    for code in report.unsigned:
        add(code, "tệp PDF không có chữ ký số hoặc bị sửa sau khi ký")
    for code, number in report.duplicate_numbers:
        add(code, f"số văn bản “{number}” dùng nhiều lần")
    for code in report.no_citation:
        add(code, "giải trình chưa nêu Mục, Khoản, Điểm của tài liệu")
    for code, level, grade in (suggestion.barring if suggestion else []):
        add(code, f"mức {ranking.LEVEL_LABELS[level]} không đạt “{ranking.GRADE_LABELS[grade]}”")
    return sorted(found.values(), key=lambda i: (not i.blocking, order.get(i.code, len(order))))
