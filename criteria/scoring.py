"""Scoring rules of a leaf criterion, as pure functions (no database).

A rule is stored as a small JSON document on the leaf (see ``fixtures/criteria/FORMAT.md``) and parsed
here into a dataclass. Every scoring function returns a :class:`Score`: the points, exact as a
``Decimal``, and a reason in Vietnamese that says how they were obtained. Bad input raises
:class:`ScoringError` whose message is meant for the user.

The kinds:

* ``levels``: a fixed list of outcomes, each worth points ("Ban hành đầy đủ = 1 điểm").
* ``percent``: ``pct × max / 100`` when ``pct ≥ threshold``, else 0.
* ``survey`` (XHH): leaders' forms answer 1..scale; ``avg = Σ k·n_k / B`` and, per DOMAIN.md's
  interpretation, ``score = avg × max / scale``.
* ``manual``: the appraiser types 0..max with at most two decimals.

Options any rule may carry: ``special`` outcomes written in the notes ("không có đơn thư thì chấm
1 điểm"), ``first_year_full_marks`` (8.1, 8.2 in the first year) and ``compare_previous`` (8.3.x).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

#: Places kept for a stored criterion score. Percent scores with a two-decimal percentage and a
#: two-decimal maximum are exact at 6 places; survey averages are rounded half up to it.
SCORE_PLACES = 6
SCORE_QUANTUM = Decimal(1).scaleb(-SCORE_PLACES)

RULE_KINDS = ("levels", "percent", "survey", "manual")
RULE_KIND_LABELS = {
    "levels": "Theo mức",
    "percent": "Tỷ lệ % trên ngưỡng",
    "survey": "Phiếu đánh giá (XHH)",
    "manual": "Chấm trực tiếp",
}
COMPARE_PREVIOUS = ("rank", "score")


class ScoringError(ValueError):
    """Input that a rule cannot score; the message is shown to the user as is."""


@dataclass(frozen=True)
class Score:
    points: Decimal
    reason: str


@dataclass(frozen=True)
class Outcome:
    label: str
    points: Decimal


@dataclass(frozen=True)
class Rule:
    kind: str
    requirement: str = ""
    levels: tuple[Outcome, ...] = ()
    threshold: Decimal | None = None
    measure: str = ""
    factor: Decimal | None = None
    below_label: str = ""
    scale: int = 5
    special: tuple[Outcome, ...] = ()
    first_year_full_marks: bool = False
    compare_previous: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """Every selectable outcome: the levels, then the special cases of the notes."""
        return self.levels + self.special


# --------------------------------------------------------------------------- numbers


def fmt(value: Decimal | int | None, places: int | None = None) -> str:
    """Format points the Vietnamese way: decimal comma, no trailing zeros unless ``places``."""
    if value is None:
        return ""
    value = Decimal(value)
    if places is not None:
        text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    else:
        text = f"{value.normalize():f}" if value != 0 else "0"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def parse_decimal(raw: Any, *, field_label: str = "Giá trị", max_places: int | None = None) -> Decimal:
    """Parse "1,5", "1.5", 1.5 or Decimal("1.5") into a finite Decimal.

    Floats are converted through ``repr`` so 0.1 stays 0.1. Thousands separators are not accepted:
    points never reach a thousand, and "1.500" would be ambiguous.
    """
    if isinstance(raw, bool) or raw is None:
        raise ScoringError(f"{field_label} không được để trống.")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            raise ScoringError(f"{field_label} không được để trống.")
        if text.count(",") + text.count(".") > 1:
            raise ScoringError(f"{field_label} “{raw}” không phải là một số hợp lệ.")
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise ScoringError(f"{field_label} “{raw}” không phải là một số hợp lệ.") from None
    if not value.is_finite():
        raise ScoringError(f"{field_label} “{raw}” không phải là một số hợp lệ.")
    if value != 0 and value.adjusted() > 9:
        raise ScoringError(f"{field_label} “{raw}” quá lớn.")
    if max_places is not None and value != value.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP):
        raise ScoringError(f"{field_label} chỉ được có tối đa {max_places} chữ số thập phân.")
    return value


def _quantize(value: Decimal | Fraction) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP).normalize() + 0


def _points(value: Decimal) -> Decimal:
    """Normalise a computed score for storage: exact, no exponent notation."""
    q = value.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)
    return Decimal(f"{q.normalize():f}")


# --------------------------------------------------------------------------- parsing rules


def _outcomes(raw: Any, where: str) -> tuple[Outcome, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        raise ScoringError(f"{where}: phải là danh sách các mức.")
    result = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or "label" not in item or "points" not in item:
            raise ScoringError(f"{where}, mức {i}: cần có nội dung (label) và điểm (points).")
        label = str(item["label"]).strip()
        if not label:
            raise ScoringError(f"{where}, mức {i}: nội dung không được để trống.")
        points = parse_decimal(item["points"], field_label=f"{where}, điểm của mức {i}")
        if points < 0:
            raise ScoringError(f"{where}, mức {i}: điểm không được âm.")
        result.append(Outcome(label=label, points=points))
    return tuple(result)


def parse_rule(data: dict[str, Any] | None, max_points: Decimal) -> Rule:
    """Validate a rule document against the leaf's maximum and return it as a :class:`Rule`."""
    if not data:
        raise ScoringError("Tiêu chí lá phải có cách chấm điểm (rule).")
    if not isinstance(data, dict):
        raise ScoringError("Cách chấm điểm phải là một bảng các trường (kind, levels, ...).")
    kind = data.get("kind")
    if kind not in RULE_KINDS:
        raise ScoringError(
            f"Loại cách chấm điểm “{kind}” không hợp lệ; chỉ nhận: {', '.join(RULE_KINDS)}."
        )
    known = {
        "kind", "requirement", "levels", "threshold", "measure", "factor", "below_label", "scale",
        "special", "first_year_full_marks", "compare_previous",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScoringError(f"Trường không được hỗ trợ trong cách chấm điểm: {', '.join(unknown)}.")
    levels = _outcomes(data.get("levels"), "Các mức")
    special = _outcomes(data.get("special"), "Trường hợp đặc biệt")
    for outcome in levels + special:
        if outcome.points > max_points:
            raise ScoringError(
                f"Mức “{outcome.label}” = {fmt(outcome.points)} điểm vượt quá điểm tối đa {fmt(max_points)}."
            )
    threshold = factor = None
    if kind == "levels" and not levels:
        raise ScoringError("Cách chấm theo mức phải có ít nhất một mức.")
    if kind != "levels" and levels:
        raise ScoringError("Chỉ cách chấm theo mức mới có danh sách mức (levels).")
    if kind == "percent":
        if data.get("threshold") in (None, ""):
            raise ScoringError("Cách chấm theo tỷ lệ % phải có ngưỡng (threshold).")
        threshold = parse_decimal(data["threshold"], field_label="Ngưỡng %")
        if not (0 <= threshold <= 100):
            raise ScoringError("Ngưỡng % phải nằm trong khoảng 0 đến 100.")
        if data.get("factor") not in (None, ""):
            factor = parse_decimal(data["factor"], field_label="Hệ số điểm trong công thức")
    scale = data.get("scale", 5)
    if kind == "survey":
        if not isinstance(scale, int) or isinstance(scale, bool) or scale < 2:
            raise ScoringError("Thang điểm của phiếu đánh giá phải là số nguyên từ 2 trở lên.")
    compare = data.get("compare_previous") or ""
    if compare and compare not in COMPARE_PREVIOUS:
        raise ScoringError("So sánh với năm trước chỉ nhận “rank” hoặc “score”.")
    first_year = data.get("first_year_full_marks", False)
    if not isinstance(first_year, bool):
        raise ScoringError("first_year_full_marks phải là true hoặc false.")
    return Rule(
        kind=kind,
        requirement=str(data.get("requirement") or "").strip(),
        levels=levels,
        threshold=threshold,
        measure=str(data.get("measure") or "").strip(),
        factor=factor,
        below_label=str(data.get("below_label") or "").strip(),
        scale=scale if kind == "survey" else 5,
        special=special,
        first_year_full_marks=first_year,
        compare_previous=compare,
    )


def describe_rule(rule: Rule, max_points: Decimal) -> list[str]:
    """Lines describing the rule for a reader (criteria page, score sheet)."""
    lines: list[str] = []
    if rule.requirement:
        lines.append(rule.requirement)
    if rule.kind == "levels":
        lines += [f"{o.label} = {fmt(o.points)} điểm" for o in rule.levels]
    elif rule.kind == "percent":
        if rule.below_label:
            lines.append(f"{rule.below_label} = 0 điểm")
        measure = rule.measure or "Tỷ lệ %"
        lines.append(
            f"Từ {fmt(rule.threshold)}% trở lên: điểm = ({measure} × {fmt(max_points)} điểm)/100"
        )
    elif rule.kind == "survey":
        lines.append(
            f"Điểm = điểm bình quân phiếu (1–{rule.scale}) × {fmt(max_points)}/{rule.scale}; "
            f"điểm bình quân = (1×n1 + 2×n2 + … + {rule.scale}×n{rule.scale})/B, "
            f"nk là số người chọn phương án k, B là tổng số người trả lời"
        )
    else:
        lines.append(f"Chấm trực tiếp từ 0 đến {fmt(max_points)} điểm (tối đa 2 chữ số thập phân).")
    lines += [f"Trường hợp đặc biệt: {o.label} = {fmt(o.points)} điểm" for o in rule.special]
    if rule.first_year_full_marks:
        lines.append("Năm đầu tiên đánh giá: Hội đồng thẩm định chấm điểm tối đa.")
    if rule.compare_previous == "rank":
        lines.append("Tính từ thứ hạng so với năm trước.")
    elif rule.compare_previous == "score":
        lines.append("Tính từ điểm số so với năm trước.")
    return lines


# --------------------------------------------------------------------------- scoring


def score_outcome(rule: Rule, index: int) -> Score:
    """Score a chosen outcome: ``index`` into ``rule.outcomes`` (levels then special cases)."""
    outcomes = rule.outcomes
    if not outcomes:
        raise ScoringError("Tiêu chí này không chấm theo mức.")
    if isinstance(index, bool) or not isinstance(index, int) or not (0 <= index < len(outcomes)):
        raise ScoringError("Mức đã chọn không có trong danh sách mức của tiêu chí.")
    outcome = outcomes[index]
    special = index >= len(rule.levels)
    prefix = "Trường hợp đặc biệt" if special else "Mức"
    return Score(_points(outcome.points), f"{prefix}: {outcome.label} = {fmt(outcome.points)} điểm.")


def score_percent(rule: Rule, max_points: Decimal, pct: Decimal | str | float | int) -> Score:
    """``pct × max / 100`` when ``pct ≥ threshold``, else 0. ``pct`` is 0..100 with ≤ 2 decimals."""
    if rule.kind != "percent" or rule.threshold is None:
        raise ScoringError("Tiêu chí này không chấm theo tỷ lệ %.")
    value = parse_decimal(pct, field_label="Tỷ lệ %", max_places=2)
    if value < 0 or value > 100:
        raise ScoringError("Tỷ lệ % phải nằm trong khoảng 0 đến 100.")
    if value < rule.threshold:
        return Score(
            Decimal(0),
            f"Đạt {fmt(value)}%, dưới ngưỡng {fmt(rule.threshold)}% nên được 0 điểm.",
        )
    points = _points(value * max_points / 100)
    return Score(
        points,
        f"Đạt {fmt(value)}% (từ {fmt(rule.threshold)}% trở lên): "
        f"{fmt(value)} × {fmt(max_points)} / 100 = {fmt(points)} điểm.",
    )


def survey_average(counts: dict[int, int], scale: int = 5) -> Fraction:
    """``Σ k·n_k / B`` as an exact fraction; ``counts`` maps an answer 1..scale to its respondents."""
    total = 0
    weighted = 0
    for answer, n in counts.items():
        if isinstance(answer, bool) or not isinstance(answer, int) or not (1 <= answer <= scale):
            raise ScoringError(f"Phương án trả lời phải từ 1 đến {scale}.")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ScoringError("Số người chọn một phương án phải là số nguyên không âm.")
        total += n
        weighted += answer * n
    if total == 0:
        raise ScoringError("Chưa có phiếu đánh giá nào: không tính được điểm.")
    return Fraction(weighted, total)


def score_survey(rule: Rule, max_points: Decimal, counts: dict[int, int]) -> Score:
    """Survey (XHH): ``avg × max / scale``, rounded half up to :data:`SCORE_PLACES` places."""
    if rule.kind != "survey":
        raise ScoringError("Tiêu chí này không chấm bằng phiếu đánh giá.")
    avg = survey_average(counts, rule.scale)
    respondents = sum(counts.values())
    exact = avg * Fraction(max_points) / rule.scale
    points = _points(Decimal(exact.numerator) / Decimal(exact.denominator))
    avg_text = fmt(_points(Decimal(avg.numerator) / Decimal(avg.denominator)), 2)
    return Score(
        points,
        f"{respondents} phiếu, điểm bình quân {avg_text}/{rule.scale}: "
        f"{avg_text} × {fmt(max_points)} / {rule.scale} = {fmt(points)} điểm.",
    )


def score_manual(max_points: Decimal, value: Decimal | str | float | int) -> Score:
    """A typed score: 0..max with at most two decimals."""
    points = parse_decimal(value, field_label="Điểm", max_places=2)
    if points < 0:
        raise ScoringError("Điểm không được âm.")
    if points > max_points:
        raise ScoringError(f"Điểm {fmt(points)} vượt quá điểm tối đa {fmt(max_points)} của tiêu chí.")
    return Score(_points(points), f"Chấm trực tiếp: {fmt(points)} điểm.")


def score_first_year(rule: Rule, max_points: Decimal) -> Score:
    """The council's full marks in the first year of evaluation (8.1, 8.2 in 2024)."""
    if not rule.first_year_full_marks:
        raise ScoringError("Tiêu chí này không được chấm tối đa năm đầu tiên.")
    return Score(_points(max_points), "Năm đầu tiên đánh giá: Hội đồng thẩm định chấm điểm tối đa.")


def score_compare_previous(rule: Rule, *, current: Decimal, previous: Decimal) -> Score:
    """8.3.x: higher than last year / equal / lower, from the levels in document order.

    For ``rank`` a smaller number is better (1st beats 2nd); for ``score`` a larger one.
    The rule's three levels are, in order: better, equal, worse.
    """
    if rule.compare_previous not in COMPARE_PREVIOUS or len(rule.levels) != 3:
        raise ScoringError("Tiêu chí này không tính bằng so sánh với năm trước.")
    if rule.compare_previous == "rank":
        better, same = current < previous, current == previous
        what = f"xếp hạng {fmt(current)} (năm trước {fmt(previous)})"
    else:
        better, same = current > previous, current == previous
        what = f"điểm {fmt(current)} (năm trước {fmt(previous)})"
    index = 0 if better else 1 if same else 2
    outcome = rule.levels[index]
    return Score(_points(outcome.points), f"{what.capitalize()}: {outcome.label} = {fmt(outcome.points)} điểm.")
