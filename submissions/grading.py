"""The grade a submission's own scores point to, for the approver's proposal (Điều 7 via ranking.rules).

What the unit cannot know yet is assumed in its favour and said so: section I (leaders' forms) at
full marks, an outstanding achievement and no discipline. The approver decides the proposal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from criteria.scoring import fmt
from criteria.selectors import content_groups, grading_problem
from ranking import rules as ranking

from .models import Period, Submission
from .period_settings import ranking_settings
from .selectors import Sheet


@dataclass
class Suggestion:
    code: str
    label: str
    reasons: list[str]


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
                if all(leaf.node.rule.get("kind") == "survey" for leaf in leaves):
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
    reasons = [f"Tổng điểm dự kiến {fmt(total, 2)} (gồm {fmt(survey_max)} điểm Mục I giả định đạt tối đa, "
               "do Lãnh đạo chấm sau), giả định có thành tích nổi bật và không có vi phạm."]
    reasons += list(result.reasons)
    return Suggestion(code=result.grade, label=ranking.GRADE_LABELS[result.grade], reasons=reasons)
