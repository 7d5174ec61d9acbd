"""Scoring rules of a leaf criterion, as pure functions (no database).

A rule is stored as a small JSON document on the leaf (see ``fixtures/criteria/FORMAT.md``) and parsed
here into a dataclass. Every scoring function returns a :class:`Score`: the points, exact as a
``Decimal``, and a reason in Vietnamese that says how they were obtained. Bad input raises
:class:`ScoringError` whose message is meant for the user.

The kinds:

* ``levels``: a fixed list of outcomes, each worth points ("Ban hành đầy đủ = 1 điểm").
* ``percent``: ``pct × max / 100`` when ``pct ≥ threshold``, else 0. The percentage keeps the precision
  typed (:func:`parse_percent`): 79,996 % is below an 80 % threshold, never rounded up to it.
* ``survey`` (XHH): leaders' forms answer 1..scale; ``avg = Σ k·n_k / B`` and, per docs/regulation.md §1's
  interpretation, ``score = avg × max / scale``.
* ``manual``: the appraiser types 0..max with at most two decimals.

Options any rule may carry: ``special`` outcomes written in the notes ("không có đơn thư thì chấm
1 điểm"), ``first_year_full_marks`` (8.1, 8.2 in the first year) and ``compare_previous`` (8.3.x).
A percent rule's special outcomes are chosen *instead of* a percentage (seed 003, 7.3: "không có kiến
nghị … thì chấm 0,5 điểm"); a levels rule may ask a ``count`` and derive its outcome from it, outcomes
that exclude each other being resolved by the rule's ``precedence`` (seed 003, 5.5.3.4: "từ 02 hồ sơ quá
hạn trở lên không chấm điểm"). :func:`score_typed` scores what a score form sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

#: Places kept for a stored criterion score. A percent score ``pct × max / 100`` is exact at 6 places
#: because a percentage may carry only ``SCORE_PLACES − 2 − places(max)`` places (:func:`percent_places`);
#: survey averages are rounded half up to it.
SCORE_PLACES = 6
SCORE_QUANTUM = Decimal(1).scaleb(-SCORE_PLACES)
#: Places kept for a typed percentage (``Entry.percent``, ``Appraisal.percent``: 7 digits, 4 places). More
#: places are refused, never rounded: a rounded 79,996 % would cross an 80 % threshold.
PERCENT_PLACES = 4

SURVEY = "survey"  # the leaders' survey (XHH): answered by the leaders, never scored by the unit or the council
RULE_KINDS = ("levels", "percent", SURVEY, "manual")
RULE_KIND_LABELS = {
    "levels": "Theo mức",
    "percent": "Tỷ lệ % trên ngưỡng",
    SURVEY: "Phiếu đánh giá (XHH)",
    "manual": "Chấm trực tiếp",
}
COMPARE_PREVIOUS = ("rank", "score")
#: The kind of period a 8.3.x criterion compares with (``compare_index``), as ``Period.kind``: the index the
#: criterion names. Định Hóa 8.3 names "Chỉ số CCHC, Chỉ số hài lòng": the rank-only (PAR index) periods.
COMPARE_INDEXES = {"rank_only": "Chỉ số CCHC (kỳ chỉ xếp hạng)", "grading": "kết quả đánh giá, xếp loại (Điều 7)"}


class ScoringError(ValueError):
    """Input that a rule cannot score; the message is shown to the user as is. ``field`` names the input of
    the score form that is wrong ("value", "special", "count"), so a refused form marks only that one."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Score:
    points: Decimal
    reason: str


@dataclass(frozen=True)
class Outcome:
    label: str
    points: Decimal


@dataclass(frozen=True)
class CountBand:
    """``count ≥ at_least`` leads to the level ``level`` (0-based index into the rule's levels)."""

    at_least: int
    level: int


@dataclass(frozen=True)
class CountRule:
    """A figure the rule asks besides the chosen level ("Số hồ sơ quá hạn"), and the levels it leads to."""

    label: str
    bands: tuple[CountBand, ...]

    @property
    def derived(self) -> frozenset[int]:
        """Levels that follow from the count: never chosen directly."""
        return frozenset(b.level for b in self.bands)


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
    compare_index: str = ""  # the kind of period compared with (COMPARE_INDEXES); set with compare_previous
    count: CountRule | None = None
    precedence: tuple[int, ...] = ()  # 0-based level indices, the first that holds wins
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """Every outcome: the levels, then the special cases of the notes (``Entry.choice`` indexes it)."""
        return self.levels + self.special

    @property
    def choices(self) -> list[tuple[int, Outcome]]:
        """The outcomes a person chooses, with their index: all of them but the levels a count derives."""
        derived = self.count.derived if self.count else frozenset()
        return [(i, o) for i, o in enumerate(self.outcomes) if i not in derived]

    @property
    def derived_levels(self) -> list[tuple[CountBand, Outcome]]:
        """The levels that follow from the count, with their band (for the form and the sheet)."""
        return [(b, self.levels[b.level]) for b in self.count.bands] if self.count else []

    @property
    def special_choices(self) -> list[tuple[int, Outcome]]:
        """The special outcomes chosen *instead of* a typed figure (a percent or manual rule), with their index
        in ``special``; a levels rule lists its special outcomes among its levels instead."""
        return list(enumerate(self.special)) if self.kind in ("percent", "manual") else []


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


def places(value: Decimal) -> int:
    """Decimal places a number needs (trailing zeros do not count): 85,50 → 1, 100 → 0."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


_PERCENT_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\uff05": "%"})
# Digits as people type them: "85", "85,5", "85.5", "0,25", ",5"; a sign only to be told the range.
_PERCENT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


def parse_percent(raw: Any, *, field_label: str) -> Decimal:
    """A percentage as people type it: "85", "85,5", "85.5", "100%", "85 %", " 85,5 % " → Decimal.

    Accepts a trailing "%" (with or without a space before it), a decimal comma or dot, and spaces around;
    refuses spaces inside the number ("8 5"), a second "%", a value outside 0..100 and more than
    :data:`PERCENT_PLACES` decimal places (refused, never rounded). Every refusal is a :class:`ScoringError`
    whose message, in Vietnamese, starts with ``field_label``.
    """
    text = raw
    if isinstance(raw, str):
        text = raw.translate(_PERCENT_SPACES).strip()
        if text.endswith("%"):
            text = text[:-1].rstrip()
        if not text:
            raise ScoringError(f"{field_label} không được để trống.")
        if not _PERCENT_TEXT.fullmatch(text):
            raise ScoringError(
                f"{field_label} “{raw.strip()}” không phải là một tỷ lệ phần trăm hợp lệ; "
                "hãy ghi một số như 85, 85,5 hoặc 85,5%."
            )
    try:
        value = parse_decimal(text, field_label=field_label)
    except ScoringError as exc:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise
        raise ScoringError(
            f"{field_label} “{str(raw).strip()}” không phải là một tỷ lệ phần trăm hợp lệ; "
            "hãy ghi một số như 85, 85,5 hoặc 85,5%."
        ) from exc
    if value < 0 or value > 100:
        raise ScoringError(f"{field_label} “{str(raw).strip()}” phải nằm trong khoảng 0 đến 100%.")
    if places(value) > PERCENT_PLACES:
        raise ScoringError(
            f"{field_label} “{str(raw).strip()}” có {places(value)} chữ số thập phân; chỉ ghi được tối đa "
            f"{PERCENT_PLACES} chữ số thập phân (hệ thống không làm tròn tỷ lệ)."
        )
    return value + 0 if value == 0 else value  # "-0" is 0


def percent_places(max_points: Decimal) -> int:
    """Decimal places a percentage may carry on a criterion worth ``max_points`` so that
    ``pct × max / 100`` is exact at :data:`SCORE_PLACES`: 4 for a whole maximum, 3 for "1,5"."""
    return max(0, min(PERCENT_PLACES, SCORE_PLACES - 2 - places(max_points)))


def parse_count(raw: Any, *, field_label: str) -> int:
    """A count people type ("2", " 02 "): a whole number ≥ 0; clear Vietnamese ScoringError otherwise."""
    if isinstance(raw, bool) or raw is None:
        raise ScoringError(f"{field_label} không được để trống.", "count")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if not text:
            raise ScoringError(f"{field_label} không được để trống.", "count")
        if not (text.isascii() and text.isdigit()):
            raise ScoringError(f"{field_label} “{text}” phải là một số nguyên không âm (0, 1, 2, …).", "count")
        if len(text) > 9:
            raise ScoringError(f"{field_label} “{text}” quá lớn.", "count")
        value = int(text)
    if value < 0:
        raise ScoringError(f"{field_label} phải là một số nguyên không âm (0, 1, 2, …).", "count")
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
        "special", "first_year_full_marks", "compare_previous", "compare_index", "count", "precedence",
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
            if factor != max_points:
                # Every formula of the seeds multiplies by the leaf's own maximum ("x 5 điểm" on a 5-point
                # leaf). A different number is a transcription error or a rule the product does not score:
                # refused, so a typo never changes scores silently nor lets a leaf exceed its maximum.
                raise ScoringError(
                    f"Hệ số điểm trong công thức ({fmt(factor)}) khác điểm tối đa của tiêu chí "
                    f"({fmt(max_points)}): công thức “(Tỷ lệ % × N điểm)/100” phải dùng đúng điểm tối đa; "
                    "hãy sửa hệ số hoặc điểm tối đa."
                )
    scale = data.get("scale", 5)
    if kind == SURVEY:
        if not isinstance(scale, int) or isinstance(scale, bool) or scale < 2:
            raise ScoringError("Thang điểm của phiếu đánh giá phải là số nguyên từ 2 trở lên.")
    compare = data.get("compare_previous") or ""
    if compare and compare not in COMPARE_PREVIOUS:
        raise ScoringError("So sánh với năm trước chỉ nhận “rank” hoặc “score”.")
    index = data.get("compare_index") or ""
    if compare and index not in COMPARE_INDEXES:
        raise ScoringError("Tiêu chí so sánh với năm trước phải ghi rõ chỉ số được so sánh (compare_index): "
                           + "; ".join(f"“{code}” = {label}" for code, label in COMPARE_INDEXES.items()) + ".")
    if index and not compare:
        raise ScoringError("compare_index chỉ dùng cùng compare_previous (rank hoặc score).")
    first_year = data.get("first_year_full_marks", False)
    if not isinstance(first_year, bool):
        raise ScoringError("first_year_full_marks phải là true hoặc false.")
    count, precedence = _count_rule(data, kind, levels)
    return Rule(
        kind=kind,
        requirement=str(data.get("requirement") or "").strip(),
        levels=levels,
        threshold=threshold,
        measure=str(data.get("measure") or "").strip(),
        factor=factor,
        below_label=str(data.get("below_label") or "").strip(),
        scale=scale if kind == SURVEY else 5,
        special=special,
        first_year_full_marks=first_year,
        compare_previous=compare,
        compare_index=index,
        count=count,
        precedence=precedence,
    )


def _whole(raw: Any, where: str) -> int:
    if isinstance(raw, bool):
        raise ScoringError(f"{where} phải là số nguyên.")
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()):
        raise ScoringError(f"{where} “{raw}” phải là số nguyên.")
    return int(text)


def _count_rule(data: dict[str, Any], kind: str, levels: tuple[Outcome, ...]
                ) -> tuple[CountRule | None, tuple[int, ...]]:
    """``count: {label, outcomes: [{at_least, level}]}`` and ``precedence: [level numbers]`` of a levels rule.

    Level numbers are 1-based, in document order. The precedence lists every level once: among the levels
    that hold (the one chosen and each one the count reaches), the first listed is the outcome.
    """
    raw_count, raw_precedence = data.get("count"), data.get("precedence")
    if raw_count in (None, "", {}) and raw_precedence in (None, "", []):
        return None, ()
    if kind != "levels":
        raise ScoringError("Chỉ cách chấm theo mức mới hỏi thêm số lượng (count) và thứ tự ưu tiên (precedence).")
    if raw_count in (None, "", {}):
        raise ScoringError("Thứ tự ưu tiên các mức (precedence) chỉ dùng cùng với số lượng hỏi thêm (count).")
    if not isinstance(raw_count, dict) or set(raw_count) - {"label", "outcomes"}:
        raise ScoringError("Số lượng hỏi thêm (count) phải có nhãn (label) và các mức theo số lượng (outcomes).")
    label = str(raw_count.get("label") or "").strip()
    if not label:
        raise ScoringError("Số lượng hỏi thêm (count) phải có nhãn (label), ví dụ “Số hồ sơ quá hạn”.")
    outcomes = raw_count.get("outcomes")
    if not isinstance(outcomes, list) or not outcomes:
        raise ScoringError(f"“{label}”: cần ít nhất một mức theo số lượng (outcomes: từ N = mức k).")
    bands = []
    for i, item in enumerate(outcomes, start=1):
        if not isinstance(item, dict) or set(item) != {"at_least", "level"}:
            raise ScoringError(f"“{label}”, dòng {i}: cần có “từ” (at_least) và “mức” (level).")
        at_least = _whole(item["at_least"], f"“{label}”, dòng {i}: số lượng")
        level = _whole(item["level"], f"“{label}”, dòng {i}: mức")
        if at_least < 1:
            raise ScoringError(f"“{label}”, dòng {i}: số lượng phải từ 1 trở lên.")
        if not 1 <= level <= len(levels):
            raise ScoringError(f"“{label}”, dòng {i}: không có mức {level} (tiêu chí có {len(levels)} mức).")
        bands.append(CountBand(at_least=at_least, level=level - 1))
    if len({b.level for b in bands}) != len(bands) or len({b.at_least for b in bands}) != len(bands):
        raise ScoringError(f"“{label}”: mỗi mức và mỗi số lượng chỉ được ghi một lần.")
    if len(bands) >= len(levels):
        raise ScoringError(f"“{label}”: phải còn ít nhất một mức để chọn (không suy ra từ số lượng).")
    if not isinstance(raw_precedence, list):
        raise ScoringError(f"Tiêu chí hỏi “{label}” phải có thứ tự ưu tiên các mức (precedence), "
                           f"ví dụ [{', '.join(str(i) for i in range(1, len(levels) + 1))}].")
    order = [_whole(n, "Thứ tự ưu tiên: mức") for n in raw_precedence]
    if sorted(order) != list(range(1, len(levels) + 1)):
        raise ScoringError(f"Thứ tự ưu tiên (precedence) phải ghi mỗi mức từ 1 đến {len(levels)} đúng một lần.")
    bands.sort(key=lambda b: -b.at_least)
    return CountRule(label=label, bands=tuple(bands)), tuple(n - 1 for n in order)


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
        lines += [f"Trường hợp đặc biệt (thay cho tỷ lệ %): {o.label} = {fmt(o.points)} điểm" for o in rule.special]
    elif rule.kind == SURVEY:
        lines.append(
            f"Điểm = điểm bình quân phiếu (1–{rule.scale}) × {fmt(max_points)}/{rule.scale}; "
            f"điểm bình quân = (1×n1 + 2×n2 + … + {rule.scale}×n{rule.scale})/B, "
            f"nk là số người chọn phương án k, B là tổng số người trả lời"
        )
    else:
        lines.append(f"Chấm trực tiếp từ 0 đến {fmt(max_points)} điểm (tối đa 2 chữ số thập phân).")
    if rule.kind != "percent":
        lines += [f"Trường hợp đặc biệt: {o.label} = {fmt(o.points)} điểm" for o in rule.special]
    if rule.count:
        lines += [f"{rule.count.label} từ {band.at_least} trở lên: mức {band.level + 1} “{outcome.label}”"
                  for band, outcome in rule.derived_levels]
        lines.append("Các mức loại trừ nhau; thứ tự ưu tiên: "
                     + ", ".join(f"mức {i + 1}" for i in rule.precedence)
                     + " (mức đúng đứng trước được chấm).")
    if rule.first_year_full_marks:
        lines.append("Năm đầu tiên đánh giá: Hội đồng thẩm định chấm điểm tối đa.")
    if rule.compare_previous == "rank":
        lines.append(f"Tính từ thứ hạng {COMPARE_INDEXES[rule.compare_index]} so với năm trước.")
    elif rule.compare_previous == "score":
        lines.append(f"Tính từ điểm số {COMPARE_INDEXES[rule.compare_index]} so với năm trước.")
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
    """``pct × max / 100`` when ``pct ≥ threshold``, else 0.

    ``pct`` is read by :func:`parse_percent` ("85,5%" is 85.5) and compared exactly as typed: 79,996 is below
    80. It may carry :func:`percent_places` decimals (so that the score is exact); more are refused.
    """
    if rule.kind != "percent" or rule.threshold is None:
        raise ScoringError("Tiêu chí này không chấm theo tỷ lệ %.")
    value = parse_percent(pct, field_label="Tỷ lệ %")
    allowed = percent_places(max_points)
    if places(value) > allowed:
        raise ScoringError(
            f"Tỷ lệ % “{fmt(value)}” có {places(value)} chữ số thập phân; với điểm tối đa {fmt(max_points)} "
            f"chỉ ghi được tối đa {allowed} chữ số thập phân để điểm được tính chính xác (hệ thống không làm tròn)."
        )
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


def count_needed(rule: Rule, choice: int) -> bool:
    """Whether the count can change the outcome of level ``choice``: some level it derives comes first in
    the precedence. (Seed 003, 5.5.3.4: "Dưới 99%" scores 0 whatever the count, "Từ 99% trở lên" needs it.)"""
    if not rule.count or choice >= len(rule.levels):
        return False
    position = rule.precedence.index(choice)
    return any(rule.precedence.index(level) < position for level in rule.count.derived)


def derive_level(rule: Rule, choice: int, count: int | None) -> int:
    """The outcome of a levels rule with a count: among the level chosen and each level whose band the
    count reaches (``count ≥ at_least``), the first in the rule's precedence. Pure; ``count=None`` only
    when :func:`count_needed` is false."""
    if not rule.count:
        return choice
    holding = {choice} | {b.level for b in rule.count.bands if count is not None and count >= b.at_least}
    return next(level for level in rule.precedence if level in holding)


def score_counted(rule: Rule, choice: int, count: int | None) -> Score:
    """Score level ``choice`` of a rule that asks a count, the derived level winning by precedence."""
    chosen = rule.levels[choice]
    level = derive_level(rule, choice, count)
    outcome = rule.levels[level]
    figure = f"{rule.count.label}: {count}" if count is not None else ""
    if level == choice:
        tail = f" ({figure})" if figure else ""
        return Score(_points(outcome.points), f"Mức: {outcome.label} = {fmt(outcome.points)} điểm{tail}.")
    return Score(
        _points(outcome.points),
        f"{figure} nên chấm theo mức “{outcome.label}” = {fmt(outcome.points)} điểm "
        f"(ưu tiên hơn mức đã chọn “{chosen.label}”).",
    )


@dataclass(frozen=True)
class Typed:
    """What a score form sent, as stored (``choice``, ``percent``, ``count``), and the score it gives."""

    choice: int | None
    percent: Decimal | None
    count: int | None
    points: Decimal | None
    reason: str


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _index(raw: Any, message: str, field_name: str) -> int:
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise ScoringError(message, field_name)
    return int(text)


def score_typed(rule: Rule, max_points: Decimal, *, value: Any = None, special: Any = None,
                count: Any = None) -> Typed:
    """Score the inputs of one criterion's form. ``value``: the chosen level's index (levels), the
    percentage (percent) or the points (manual); ``special``: the index of a special outcome chosen instead
    of the percentage (or the points); ``count``: the figure a levels rule asks (5.5.3.4).

    Nothing typed at all clears the score. A special outcome and a percentage exclude each other (seed 003,
    7.3: "không có kiến nghị" means there is no percentage of recommendations implemented): both typed is
    refused with a message naming both. Every refusal is a :class:`ScoringError` naming its ``field``.
    """
    if rule.kind == SURVEY:
        raise ScoringError("Tiêu chí này do Lãnh đạo chấm qua phiếu đánh giá; đơn vị không tự chấm.", "value")
    if not _blank(count) and rule.count is None:
        raise ScoringError("Tiêu chí này không hỏi thêm số lượng.", "count")
    if not _blank(special) and not rule.special_choices:
        raise ScoringError("Tiêu chí này không có trường hợp đặc biệt để chọn thay cho số liệu.", "special")
    if _blank(value) and _blank(special) and _blank(count):
        return Typed(None, None, None, None, "")
    try:
        if rule.kind == "levels":
            if _blank(value):
                raise ScoringError("Hãy chọn một mức trong danh sách.", "value")
            choice = _index(value, "Hãy chọn một mức trong danh sách.", "value")
            score = score_outcome(rule, choice)
            if not rule.count or choice >= len(rule.levels):
                return Typed(choice, None, None, score.points, score.reason)
            label = rule.count.label
            if choice in rule.count.derived:
                raise ScoringError(
                    f"Mức “{rule.levels[choice].label}” được xác định từ {label.lower()}: hãy chọn mức theo kết quả "
                    f"và nhập {label.lower()}.", "value")
            typed_count = None if _blank(count) else parse_count(count, field_label=label)
            if typed_count is None and count_needed(rule, choice):
                bands = "; ".join(f"từ {b.at_least} trở lên: {o.label} = {fmt(o.points)} điểm"
                                  for b, o in rule.derived_levels)
                raise ScoringError(f"Hãy nhập {label.lower()} ({bands}).", "count")
            score = score_counted(rule, choice, typed_count)
            return Typed(choice, None, typed_count, score.points, score.reason)
        special_index = None
        if not _blank(special):
            special_index = _index(special, "Trường hợp đặc biệt đã chọn không có trong danh sách của tiêu chí.",
                                   "special")
            if special_index >= len(rule.special_choices):
                raise ScoringError("Trường hợp đặc biệt đã chọn không có trong danh sách của tiêu chí.", "special")
            outcome = rule.special[special_index]
            if not _blank(value):
                what = (rule.measure or "Tỷ lệ %") if rule.kind == "percent" else "Điểm"
                raise ScoringError(
                    f"Đã chọn trường hợp đặc biệt “{outcome.label}” và nhập {what.lower()} “{str(value).strip()}” "
                    "cùng lúc: hai trường hợp này loại trừ nhau. Hãy xóa số đã nhập hoặc bỏ chọn trường hợp "
                    "đặc biệt.", "value")
            score = score_outcome(rule, len(rule.levels) + special_index)
            return Typed(len(rule.levels) + special_index, None, None, score.points, score.reason)
        if rule.kind == "percent":
            if _blank(value):
                raise ScoringError("Hãy nhập tỷ lệ % hoặc chọn một trường hợp đặc biệt.", "value")
            score = score_percent(rule, max_points, value)
            return Typed(None, parse_percent(value, field_label="Tỷ lệ %"), None, score.points, score.reason)
        score = score_manual(max_points, value)
        return Typed(None, None, None, score.points, score.reason)
    except ScoringError as exc:
        if not exc.field:
            exc.field = "value"
        raise


@dataclass(frozen=True)
class InputLine:
    """One line of what was entered for a criterion, as the printed sheet and the Excel show it: a figure
    (``checked`` None) or one of the choices offered beside it (``checked`` True/False, printed as a box)."""

    text: str
    checked: bool | None = None


def input_lines(rule: Rule | None, *, choice: int | None, percent: Decimal | None,
                count: int | None) -> list[InputLine]:
    """What was entered, for the sheet (PDF) and the Excel: the percentage (or the points) with every special
    outcome offered beside it, ticked when chosen (seed 003, 7.3); the chosen level and the count (5.5.3.4)."""
    if rule is None or rule.kind == SURVEY:
        return []
    lines: list[InputLine] = []
    if rule.kind == "levels":
        if choice is not None and 0 <= choice < len(rule.outcomes):
            lines.append(InputLine(f"Mức đã chọn: {rule.outcomes[choice].label}"))
        if rule.count and count is not None:
            lines.append(InputLine(f"{rule.count.label}: {count}"))
            if choice is not None and 0 <= choice < len(rule.levels):
                level = derive_level(rule, choice, count)
                if level != choice:
                    lines.append(InputLine(f"Mức theo {rule.count.label.lower()}: {rule.levels[level].label}"))
        return lines
    if rule.kind == "percent" and (percent is not None or rule.special_choices):
        measure = rule.measure or "Tỷ lệ %"
        lines.append(InputLine(f"{measure}: {fmt(percent)}%" if percent is not None else f"{measure}: —"))
    if rule.special_choices:
        lines += [InputLine(f"Trường hợp đặc biệt: {o.label} = {fmt(o.points)} điểm",
                            checked=choice == len(rule.levels) + i) for i, o in rule.special_choices]
    return lines


def input_text(lines: list[InputLine]) -> str:
    """The lines as one text cell: "☒"/"☐" before the choices."""
    marks = {True: "☒ ", False: "☐ ", None: ""}
    return "\n".join(marks[line.checked] + line.text for line in lines)


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
    if rule.kind != SURVEY:
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
