"""Điều 6–7 of 2610/QĐ-UBND as pure functions (no database, no Django): quality levels, grades, the
cap on "Hoàn thành xuất sắc nhiệm vụ" and the tie-breaks.

Every reading of the regulation that docs/regulation.md marks with a setting is a field of
:class:`RankingSettings`, whose defaults are the readings fixed there; an authority that reads the rule
differently changes a setting of its period, not this code.

The steps, for the units of one block:

1. **Order.** The published total is rounded half up to two decimals; units are ordered by it, then by
   the total rounded half up to three decimals, both descending. Units still equal share the rank
   (competition ranking 1, 1, 3) and are flagged ``tie``: the chair decides their order. Nothing is
   ever ordered silently by name or id.
2. **Qualify.** Each unit gets the highest grade whose conditions all hold, with a Vietnamese reason
   for every condition it misses of every higher grade (:func:`qualify`).
3. **Cap.** At most ``min(quota, round_half_up(share × N))`` units of the block get HTXSNV, where N is
   the number of units qualifying HTTNV or better; they are taken from the highest total down. If the
   boundary falls inside a tie, none of the tied units is promoted automatically (``chair``), nor any
   unit below them. A qualified unit left out gets HTTNV with a reason.

In the rank-only variant (PAR index, :attr:`RankingSettings.rank_only`) only step 1 runs.

It lives in ``criteria``, the lowest stage, because every stage reads it: the review page's projected grade
(``submissions.grading``), the period's settings (``submissions.period_settings``), the council's "bars a
grade" warnings (``appraisal.selectors``) and the ranking itself (``ranking.services``). Issue #16 item 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from types import MappingProxyType

from .grades import (  # noqa: F401  (re-exported: the vocabulary of the rules below)
    GRADE_LABELS,
    GRADES,
    HTNV,
    HTTNV,
    HTXSNV,
    KEM,
    KHTNV,
    LEVEL_LABELS,
    LEVELS,
    TOT,
    TRUNG_BINH,
    XUAT_SAC,
)
from .scoring import fmt

# --------------------------------------------------------------------------- vocabulary

# Quality levels and grades: defined once in criteria.grades, named here for the rules below and their callers.

#: The content groups of the 2610 frameworks, code → how a reason names it: only the default of
#: :attr:`RankingSettings.group_labels` for callers that name no framework (scenarios, tests). Group codes are
#: data of a framework: a period's ranking passes its framework's own top-level groups and results group
#: (``submissions.period_settings.ranking_settings``), and a rank-only ranking looks at no group at all.
DEFAULT_GROUP_LABELS: Mapping[str, str] = MappingProxyType({"ND1": "Nội dung I", "ND2": "Nội dung II",
                                                             "ND3": "Nội dung III"})

#: Discipline or corruption incident of a unit: none, self-detected and remedied, or not.
NONE, REMEDIED, UNREMEDIED = "none", "remedied", "unremedied"
INCIDENTS = (NONE, REMEDIED, UNREMEDIED)

#: Rounding of ``share × N`` for the cap, by setting name.
CAP_ROUNDINGS = {"half_up": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}

DEFAULT_QUOTAS: Mapping[str, int] = {"so": 4, "huyen": 2, "dvsn": 1, "hoi": 1}
DEFAULT_LEVEL_THRESHOLDS = (Decimal("0.9"), Decimal("0.7"), Decimal("0.5"))


class RankingError(ValueError):
    """Input the rules cannot rank; the message is shown to the user as is and names the unit and field."""


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class RankingSettings:
    """The per-period readings of Điều 6–7. Defaults are the readings of docs/regulation.md §4.

    * ``excellent_share``, ``quotas``, ``cap_rounding``: the HTXSNV cap of a block is
      ``min(quotas[block], round(excellent_share × N, cap_rounding))``; a block without a quota uses only
      the share. ``cap_rounding`` is ``half_up`` (20 → 4, 9 → 2, 7 → 1, 6 → 1), ``down`` or ``up``.
    * ``rank_only``: the PAR-index variant: rank and ties only, no grade.
    * ``total_places`` / ``tiebreak_places``: ordering by the total rounded half up to 2, then 3 places.
    * ``thresholds_on_rounded_total``: compare 90/70/50 with the published (rounded) total, not the exact.
    * ``min_total_excellent`` / ``min_total_good`` / ``min_total_pass``: 90, 70, 50; the upper bounds of the
      bands ("70 đến dưới 90") never exclude a higher score.
    * ``subunits_disciplined_max_share``: at most 20 % of subordinate units disciplined.
    * ``group_labels``: the framework's content groups (code → the name a reason gives it); a criterion of
      another group is refused when grading. Default: the three groups of 2610 (ND1–ND3).
    * ``results_group``: the code of the content group "kết quả thực hiện nhiệm vụ được giao trong năm",
      named by the framework (ND2 in 2610); one of ``group_labels`` when grading, ignored when ``rank_only``.
    * ``poor_results_share`` / ``poor_results_inclusive``: KHTNV when more than half of the results-group
      criteria are rated Kém (the reading of "dưới 50 %"); ``inclusive`` makes it "half or more".
    * ``level_thresholds``: appraised/max from which a criterion is Xuất sắc, Tốt, Trung bình.
    """

    excellent_share: Decimal = Decimal("0.20")
    quotas: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_QUOTAS))
    cap_rounding: str = "half_up"
    rank_only: bool = False
    total_places: int = 2
    tiebreak_places: int = 3
    thresholds_on_rounded_total: bool = True
    min_total_excellent: Decimal = Decimal(90)
    min_total_good: Decimal = Decimal(70)
    min_total_pass: Decimal = Decimal(50)
    subunits_disciplined_max_share: Decimal = Decimal("0.20")
    group_labels: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_GROUP_LABELS))
    results_group: str = "ND2"
    poor_results_share: Decimal = Decimal("0.5")
    poor_results_inclusive: bool = False
    level_thresholds: tuple[Decimal, Decimal, Decimal] = DEFAULT_LEVEL_THRESHOLDS

    def __post_init__(self) -> None:
        for name in ("excellent_share", "subunits_disciplined_max_share", "poor_results_share"):
            value = getattr(self, name)
            if not _is_decimal(value) or not (0 <= value <= 1):
                raise RankingError(f"Thiết lập “{name}” phải là số thập phân từ 0 đến 1.")
        for name in ("min_total_excellent", "min_total_good", "min_total_pass"):
            if not _is_decimal(getattr(self, name)):
                raise RankingError(f"Thiết lập “{name}” phải là số thập phân.")
        if not (self.min_total_excellent >= self.min_total_good >= self.min_total_pass):
            raise RankingError("Ngưỡng điểm phải giảm dần: xuất sắc ≥ tốt ≥ hoàn thành.")
        if not isinstance(self.quotas, Mapping):
            raise RankingError("Thiết lập “quotas” phải là bảng khối → số lượng tối đa.")
        for block, quota in self.quotas.items():
            if not isinstance(quota, int) or isinstance(quota, bool) or quota < 0:
                raise RankingError(f"Thiết lập “quotas”, khối “{block}”: số lượng tối đa phải là số nguyên không âm.")
        if self.cap_rounding not in CAP_ROUNDINGS:
            raise RankingError(f"Thiết lập “cap_rounding” chỉ nhận: {', '.join(CAP_ROUNDINGS)}.")
        for name in ("rank_only", "thresholds_on_rounded_total", "poor_results_inclusive"):
            if not isinstance(getattr(self, name), bool):
                raise RankingError(f"Thiết lập “{name}” phải là true hoặc false.")
        places = (self.total_places, self.tiebreak_places)
        if any(not isinstance(p, int) or isinstance(p, bool) or p < 0 for p in places) or places[0] > places[1]:
            raise RankingError("Số chữ số thập phân để xếp thứ tự phải là số nguyên, lần hai không ít hơn lần đầu.")
        if not isinstance(self.group_labels, Mapping) or not all(
                isinstance(k, str) and k.strip() and isinstance(v, str) for k, v in self.group_labels.items()):
            raise RankingError("Thiết lập “group_labels” phải là bảng mã nội dung → tên nội dung.")
        if not isinstance(self.results_group, str):
            raise RankingError("Thiết lập “results_group” phải là mã một nội dung của bộ tiêu chí.")
        if not self.rank_only and self.results_group not in self.group_labels:
            raise RankingError(f"Thiết lập “results_group” (nhóm kết quả thực hiện nhiệm vụ) “{self.results_group}” "
                               f"không phải một nội dung của bộ tiêu chí; chỉ nhận: "
                               f"{', '.join(self.group_labels) or 'không có nội dung nào'}.")
        object.__setattr__(self, "level_thresholds", _check_level_thresholds(self.level_thresholds))
        object.__setattr__(self, "group_labels", MappingProxyType(dict(self.group_labels)))
        object.__setattr__(self, "quotas", MappingProxyType(dict(self.quotas)))

    def quota(self, block: str) -> int | None:
        return self.quotas.get(block)

    def group_label(self, code: str) -> str:
        """How a reason names the content group ``code``: its name in the framework, else the code."""
        return self.group_labels.get(code) or code


# --------------------------------------------------------------------------- input and results


@dataclass(frozen=True)
class Criterion:
    """A criterion (Tiêu chí, or a section without sub-criteria) with its quality level."""

    code: str
    group: str
    level: str

    def __post_init__(self) -> None:
        # Checked once per criterion; a Unit names itself and the position when it reports the problem
        # (a large block shares a few hundred Criterion objects among thousands of units).
        problem = None
        if not isinstance(self.code, str) or not self.code.strip():
            problem = ("code", "mã tiêu chí không được để trống.")
        elif not isinstance(self.group, str) or not self.group.strip():
            # Which codes exist is the framework's (RankingSettings.group_labels), checked when grading.
            problem = ("group", "mã nội dung chứa tiêu chí không được để trống.")
        elif self.level not in LEVELS:
            problem = ("level", f"“{self.level}” không hợp lệ; chỉ nhận: {', '.join(LEVELS)}.")
        object.__setattr__(self, "_problem", problem)


@dataclass(frozen=True)
class Unit:
    """A unit as the rules see it: appraised total and the facts the grade conditions look at."""

    id: str
    block: str
    total: Decimal
    outstanding: bool = False
    discipline: str = NONE
    corruption: str = NONE
    disunity: bool = False
    subunits_disciplined_share: Decimal = Decimal(0)
    criteria: tuple[Criterion, ...] = ()
    # An official of the unit detained, held, charged or prosecuted (tạm giam, tạm giữ, khởi tố, truy tố).
    official_prosecuted: bool = False
    # The declared total of the unit's framework (100): a total above it is refused, never ranked.
    max_total: Decimal | None = None
    # When given, the number of criteria of the results group (ND2) the unit has; ``criteria`` may then
    # omit the criteria rated Xuất sắc (they fail no condition), which keeps large blocks cheap.
    results_criteria_total: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise RankingError("Mỗi đơn vị phải có mã (id) là chuỗi không rỗng.")
        if not isinstance(self.block, str) or not self.block.strip():
            self._fail("block", "phải là mã khối, chuỗi không rỗng.")
        if not _is_decimal(self.total):
            self._fail("total", "phải là số thập phân (Decimal), không dùng số thực dấu phẩy động.")
        if self.total < 0:
            self._fail("total", f"tổng điểm {fmt(self.total)} không được âm.")
        if self.max_total is not None:
            if not _is_decimal(self.max_total) or self.max_total <= 0:
                self._fail("max_total", "tổng điểm tối đa của bộ tiêu chí phải là số thập phân lớn hơn 0.")
            if self.total > self.max_total:
                self._fail("total", f"tổng điểm {fmt(self.total)} vượt tổng điểm tối đa {fmt(self.max_total)} "
                                    f"của bộ tiêu chí.")
        for name in ("outstanding", "disunity", "official_prosecuted"):
            if not isinstance(getattr(self, name), bool):
                self._fail(name, "phải là true hoặc false.")
        for name in ("discipline", "corruption"):
            if getattr(self, name) not in INCIDENTS:
                self._fail(name, f"“{getattr(self, name)}” không hợp lệ; chỉ nhận: {', '.join(INCIDENTS)}.")
        share = self.subunits_disciplined_share
        if not _is_decimal(share) or not (0 <= share <= 1):
            self._fail("subunits_disciplined_share", "phải là số thập phân từ 0 đến 1.")
        for field_name, problem in fact_contradictions(self.discipline, share):
            self._fail(field_name, problem)
        if not isinstance(self.criteria, tuple):
            object.__setattr__(self, "criteria", tuple(self.criteria))
        for i, criterion in enumerate(self.criteria, start=1):
            if not isinstance(criterion, Criterion):
                self._fail(f"criteria[{i}]", "phải là một tiêu chí (code, group, level).")
            if criterion._problem:
                self._fail(f"criteria[{i}].{criterion._problem[0]}", criterion._problem[1])

    def _fail(self, name: str, problem: str) -> None:
        raise RankingError(f"Đơn vị “{self.id}”, trường “{name}”: {problem}")


@dataclass(frozen=True)
class Qualification:
    """The grade a unit qualifies for before the cap, and every reason it misses each higher grade."""

    grade: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class UnitResult:
    id: str
    block: str
    rank: int
    total: Decimal  # published: rounded half up to ``total_places``
    tiebreak_total: Decimal  # rounded half up to ``tiebreak_places``
    qualified: str | None  # grade before the cap; None in rank-only mode
    grade: str | None  # final grade; None in rank-only mode
    tie: bool  # another unit of the block has the same published and tie-break totals
    chair: bool  # the cap boundary falls inside this unit's tie: the chair decides
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class BlockSummary:
    block: str
    units: int
    qualified_good_or_better: int | None  # N of the cap; None in rank-only mode
    excellent_cap: int | None  # None in rank-only mode
    excellent: int | None  # units finally graded HTXSNV


@dataclass(frozen=True)
class Ranking:
    units: tuple[UnitResult, ...]  # by block, then rank, then id
    blocks: dict[str, BlockSummary]


def fact_contradictions(discipline: str, subunits_disciplined_share: Decimal) -> list[tuple[str, str]]:
    """(field, message) for facts of one unit that contradict each other, each message naming both: a share
    of disciplined subordinate units above 0 means a subordinate organisation was disciplined, so the
    discipline fact (Điều 7.2.a–d, "tổ chức trực thuộc … bị xử lý kỷ luật") cannot say "none"."""
    if discipline == NONE and _is_decimal(subunits_disciplined_share) and subunits_disciplined_share > 0:
        return [("subunits_disciplined_share",
                 f"tỷ lệ đơn vị trực thuộc bị kỷ luật là {_percent(subunits_disciplined_share)} % nhưng “kỷ luật "
                 f"tổ chức trực thuộc, lãnh đạo, cấp ủy viên” ghi không có: hai thông tin mâu thuẫn nhau.")]
    return []


# --------------------------------------------------------------------------- numbers


def _is_decimal(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def round_half_up(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals (87.125 → 87.13; never banker's rounding)."""
    exponent = _EXPONENTS.get(places) or Decimal(1).scaleb(-places)
    return value.quantize(exponent, rounding=ROUND_HALF_UP)


_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(7)}


def _percent(share: Decimal) -> str:
    return fmt(share * 100)


def _check_level_thresholds(thresholds: Iterable) -> tuple[Decimal, Decimal, Decimal]:
    """Three ratios, best first. Ratios (not points) may be written as floats: 0.9 is read as "0.9"."""
    try:
        values = tuple(Decimal(repr(t)) if isinstance(t, float) else t for t in thresholds)
    except TypeError:
        values = ()
    if len(values) != 3 or not all(_is_decimal(v) or (isinstance(v, int) and not isinstance(v, bool))
                                   for v in values):
        raise RankingError("Ngưỡng mức chất lượng phải là ba số thập phân (Xuất sắc, Tốt, Trung bình).")
    high, good, fair = (Decimal(v) for v in values)
    if not (1 >= high >= good >= fair >= 0):
        raise RankingError("Ngưỡng mức chất lượng phải giảm dần trong khoảng 0 đến 1.")
    return high, good, fair


# --------------------------------------------------------------------------- quality level


def quality_level(
    appraised: Decimal,
    maximum: Decimal,
    thresholds: tuple[Decimal, Decimal, Decimal] = DEFAULT_LEVEL_THRESHOLDS,
) -> str:
    """The quality level of a criterion from appraised/max: ≥ 0.9 Xuất sắc, ≥ 0.7 Tốt, ≥ 0.5 Trung bình, else Kém.

    The comparison is exact (``appraised ≥ threshold × max``), so 2,7/3 is Xuất sắc. An appraiser's
    override is stored elsewhere; this is the derived level.
    """
    high, good, fair = _check_level_thresholds(thresholds)
    if isinstance(appraised, int) and not isinstance(appraised, bool):
        appraised = Decimal(appraised)
    if isinstance(maximum, int) and not isinstance(maximum, bool):
        maximum = Decimal(maximum)
    if not _is_decimal(appraised) or not _is_decimal(maximum):
        raise RankingError("Điểm thẩm định và điểm tối đa phải là số thập phân (Decimal), không dùng số thực.")
    if maximum <= 0:
        raise RankingError(f"Điểm tối đa của tiêu chí phải lớn hơn 0 (đang là {fmt(maximum)}).")
    if appraised < 0 or appraised > maximum:
        raise RankingError(f"Điểm thẩm định {fmt(appraised)} phải nằm trong khoảng 0 đến {fmt(maximum)}.")
    return classify_level(appraised, maximum, (high, good, fair))


def classify_level(appraised: Decimal, maximum: Decimal, thresholds: tuple[Decimal, Decimal, Decimal]) -> str:
    """:func:`quality_level` without the input checks, for callers that validated once for many criteria."""
    high, good, fair = thresholds
    if appraised >= high * maximum:
        return XUAT_SAC
    if appraised >= good * maximum:
        return TOT
    if appraised >= fair * maximum:
        return TRUNG_BINH
    return KEM


# --------------------------------------------------------------------------- grades


def ranking_key(total: Decimal, settings: RankingSettings) -> tuple[Decimal, Decimal]:
    """(published total, tie-break total): units compare by it, larger first; equal keys are a tie."""
    return round_half_up(total, settings.total_places), round_half_up(total, settings.tiebreak_places)


def _incident(value: str, allow_remedied: bool, what: str) -> str | None:
    if value == NONE or (value == REMEDIED and allow_remedied):
        return None
    if value == REMEDIED:
        return f"{what} (dù đã tự phát hiện và khắc phục xong hậu quả, ở mức này không được loại trừ)."
    return f"{what}, không thuộc trường hợp tự phát hiện và khắc phục xong hậu quả."


_DISCIPLINE = "có tổ chức trực thuộc, lãnh đạo cơ quan, đơn vị hoặc cấp ủy viên bị xử lý kỷ luật"
_PROSECUTED = "có cán bộ, công chức, viên chức của cơ quan, đơn vị bị tạm giam, tạm giữ, khởi tố, truy tố."
_CORRUPTION = "có đơn vị trực thuộc xảy ra vụ việc tham nhũng, lãng phí, tiêu cực bị xử lý kỷ luật"


_LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}
_REQUIRED_LEVEL = {  # grade → (required level of a results-group criterion, of any other criterion)
    HTXSNV: (XUAT_SAC, TOT),
    HTTNV: (TOT, TRUNG_BINH),
    HTNV: (TRUNG_BINH, TRUNG_BINH),
}
_CONDITIONED = (HTXSNV, HTTNV, HTNV)  # KHTNV has no condition


class _Conditions:
    """The conditions of Điều 7 under one :class:`RankingSettings`, with what a criterion at a level fails
    prepared once per Criterion object: a block of thousands of units shares a few hundred of them."""

    def __init__(self, settings: RankingSettings) -> None:
        self.settings = settings
        self.minimum = {HTXSNV: settings.min_total_excellent, HTTNV: settings.min_total_good,
                        HTNV: settings.min_total_pass}
        # (group is results, level) → the grades a criterion at that level fails
        self.fails: dict[tuple[bool, str], tuple[str, ...]] = {
            (results, level): tuple(g for g in _CONDITIONED
                                    if _LEVEL_RANK[level] > _LEVEL_RANK[_REQUIRED_LEVEL[g][0 if results else 1]])
            for results in (True, False) for level in LEVELS
        }
        # prefixed? → id(criterion) → (criterion, in results group, Kém in it, ((grade it fails, text), ...))
        self._prepared: dict[bool, dict[int, tuple]] = {True: {}, False: {}}
        self._prefixes = {
            True: {grade: f"Chưa đạt {GRADE_LABELS[grade]}: " for grade in _CONDITIONED},
            False: dict.fromkeys(_CONDITIONED, ""),
        }
        self._minimum_shown = {grade: fmt(minimum) for grade, minimum in self.minimum.items()}

    def _criterion_text(self, criterion: Criterion, grade: str, prefix: str) -> str:
        required = _REQUIRED_LEVEL[grade][0 if criterion.group == self.settings.results_group else 1]
        wanted = LEVEL_LABELS[required] + ("" if required == XUAT_SAC else " trở lên")
        return (f"{prefix}tiêu chí {criterion.code} ({self.settings.group_label(criterion.group)}) chỉ đạt mức "
                f"{LEVEL_LABELS[criterion.level]}, cần {wanted}.")

    def misses(self, unit: Unit, prefixed: bool = False) -> dict[str, list[str]]:
        """grade → every condition of it the unit misses, in the order of Điều 7; one pass over the criteria.
        ``prefixed``: each text starts "Chưa đạt <grade>: ", as :func:`qualify` reports it."""
        settings = self.settings
        prefixes = self._prefixes[prefixed]
        out: dict[str, list[str]] = {HTXSNV: [], HTTNV: [], HTNV: []}
        total = unit.total
        if settings.thresholds_on_rounded_total:
            total = round_half_up(total, settings.total_places)
        if total < self.minimum[HTXSNV]:
            shown = fmt(total, settings.total_places) if settings.thresholds_on_rounded_total else fmt(total)
            for grade in _CONDITIONED:
                if total < self.minimum[grade]:
                    out[grade].append(f"{prefixes[grade]}tổng điểm {shown} dưới {self._minimum_shown[grade]}.")
        if not unit.outstanding:
            out[HTXSNV].append(f"{prefixes[HTXSNV]}chưa được Hội đồng thẩm định công nhận có thành tích nổi bật.")
        if unit.official_prosecuted:
            out[HTXSNV].append(f"{prefixes[HTXSNV]}{_PROSECUTED}")
        for value, what in ((unit.discipline, _DISCIPLINE), (unit.corruption, _CORRUPTION)):
            if value != NONE:
                for grade in _CONDITIONED:
                    miss = _incident(value, allow_remedied=grade != HTXSNV, what=what)
                    if miss:
                        out[grade].append(prefixes[grade] + miss)
        common: list[str] = []
        if unit.disunity:
            common.append("bị cấp có thẩm quyền đánh giá, kết luận mất đoàn kết nội bộ.")
        limit = settings.subunits_disciplined_max_share
        if unit.subunits_disciplined_share > limit:
            common.append(
                f"có {_percent(unit.subunits_disciplined_share)} % số đơn vị trực thuộc bị kỷ luật trong năm, "
                f"trên {_percent(limit)} %."
            )
        elif unit.subunits_disciplined_share > 0:  # Điều 7.2.a: no subordinate organisation disciplined at all
            out[HTXSNV].append(
                f"{prefixes[HTXSNV]}có {_percent(unit.subunits_disciplined_share)} % số đơn vị trực thuộc bị kỷ luật "
                f"trong năm; ở mức này không được có đơn vị trực thuộc nào bị kỷ luật.")
        if common:
            for grade in _CONDITIONED:
                out[grade] += [prefixes[grade] + text for text in common]
        prepared, results_group = self._prepared[prefixed], settings.results_group
        lists = (out[HTXSNV], out[HTTNV], out[HTNV])
        results = poor = 0
        for criterion in unit.criteria:
            # by identity: a large block shares each (criterion, level) object among its units
            entry = prepared.get(id(criterion))
            if entry is None or entry[0] is not criterion:
                in_results = criterion.group == results_group
                entry = prepared[id(criterion)] = (
                    criterion, in_results, in_results and criterion.level == KEM,
                    tuple((_CONDITIONED.index(grade), self._criterion_text(criterion, grade, prefixes[grade]))
                          for grade in self.fails[in_results, criterion.level]),
                )
            _, in_results, kem, texts = entry
            results += in_results
            poor += kem
            for index, text in texts:
                lists[index].append(text)
        total_results = unit.results_criteria_total if unit.results_criteria_total is not None else results
        if total_results:
            limit = settings.poor_results_share * total_results
            if poor > limit or (settings.poor_results_inclusive and poor == limit):
                bound = "từ" if settings.poor_results_inclusive else "trên"
                text = (f"{poor}/{total_results} tiêu chí {settings.group_label(results_group)} ở mức Kém, "
                        f"{bound} {_percent(settings.poor_results_share)} % số tiêu chí.")
                for grade in _CONDITIONED:
                    out[grade].append(prefixes[grade] + text)
        return out

    def qualify(self, unit: Unit) -> Qualification:
        misses = self.misses(unit, prefixed=True)
        reasons: list[str] = []
        for grade in _CONDITIONED:
            if not misses[grade]:
                return Qualification(grade, tuple(reasons))
            reasons += misses[grade]
        return Qualification(KHTNV, tuple(reasons))


def missed_conditions(unit: Unit, grade: str, settings: RankingSettings | None = None) -> tuple[str, ...]:
    """Every condition of ``grade`` that ``unit`` misses (cap aside), in Vietnamese; empty when it qualifies.

    KHTNV has no condition. The texts have no grade prefix: :func:`qualify` adds it. Conditions of every
    grade: the published total against 90/70/50; for HTXSNV an outstanding achievement recognised by the
    council; no discipline or corruption case (self-detected and remedied ones are excused below HTXSNV);
    no disunity; at most 20 % of subordinate units disciplined; each criterion at the level the grade
    requires (HTXSNV: results group Xuất sắc, others Tốt; HTTNV: results group Tốt, others Trung bình; HTNV:
    Trung bình); and not more than half of the results-group criteria rated Kém.
    """
    settings = settings or RankingSettings()
    if grade not in GRADES:
        raise RankingError(f"Mức xếp loại “{grade}” không hợp lệ; chỉ nhận: {', '.join(GRADES)}.")
    if grade == KHTNV:
        return ()
    return tuple(_Conditions(settings).misses(unit)[grade])


def barring_levels(total: Decimal, criteria: Iterable[Criterion], settings: RankingSettings | None = None
                   ) -> list[tuple[Criterion, str]]:
    """Each criterion whose quality level by itself keeps a unit from a grade its total reaches, with the
    highest such grade: (criterion, grade). The levels are derived from appraised/max, so each of these is
    listed at closing for the council to confirm or override with a reason. A criterion at Xuất sắc bars
    nothing; Tốt bars HTXSNV only in the results group (ND2 in 2610); Trung bình bars HTXSNV anywhere and HTTNV
    in the results group; Kém bars every grade (HTNV needs Trung bình everywhere). A grade the total does not reach
    (90/70/50 on the published total) is not "barred" by a criterion."""
    settings = settings or RankingSettings()
    conditions = _Conditions(settings)
    if settings.thresholds_on_rounded_total:
        total = round_half_up(total, settings.total_places)
    reached = [g for g in _CONDITIONED if total >= conditions.minimum[g]]
    out = []
    for criterion in criteria:
        barred = [g for g in conditions.fails[criterion.group == settings.results_group, criterion.level]
                  if g in reached]
        if barred:
            out.append((criterion, barred[0]))
    return out


def qualify(unit: Unit, settings: RankingSettings | None = None) -> Qualification:
    """The highest grade whose conditions all hold (before the cap), and, for every higher grade, every
    condition the unit misses: "Chưa đạt Hoàn thành xuất sắc nhiệm vụ: tổng điểm 88,50 dưới 90."."""
    return _Conditions(settings or RankingSettings()).qualify(unit)


# --------------------------------------------------------------------------- the cap


def excellent_cap(qualified_good_or_better: int, block: str, settings: RankingSettings | None = None) -> int:
    """``min(quota, round(share × N))`` for a block whose N units qualify HTTNV or better.

    A block without a quota in the settings uses only the share.
    """
    settings = settings or RankingSettings()
    if isinstance(qualified_good_or_better, bool) or not isinstance(qualified_good_or_better, int):
        raise RankingError("Số đơn vị đạt từ Hoàn thành tốt nhiệm vụ trở lên phải là số nguyên.")
    if qualified_good_or_better < 0:
        raise RankingError("Số đơn vị đạt từ Hoàn thành tốt nhiệm vụ trở lên không được âm.")
    by_share = int(
        (settings.excellent_share * qualified_good_or_better).quantize(
            Decimal(1), rounding=CAP_ROUNDINGS[settings.cap_rounding]
        )
    )
    quota = settings.quota(block)
    return by_share if quota is None else min(quota, by_share)


# --------------------------------------------------------------------------- ranking


def _group_ties(units: list[Unit], keys: Mapping[str, tuple[Decimal, Decimal]]) -> list[list[Unit]]:
    """Units (already sorted by key, best first) grouped by equal key (``keys``: unit id → ranking key)."""
    groups: list[list[Unit]] = []
    for unit in units:
        if groups and keys[groups[-1][0].id] == keys[unit.id]:
            groups[-1].append(unit)
        else:
            groups.append([unit])
    return groups


def _ids(units: Iterable[Unit], limit: int = 5) -> str:
    """Names of (other) units for a reason; a long tie is summarised rather than listed in full."""
    units = list(units)
    names = ", ".join(f"“{u.id}”" for u in units[:limit])
    return names if len(units) <= limit else f"{names} và {len(units) - limit} đơn vị khác"


def _others(group: list[Unit], unit: Unit, limit: int = 6) -> list[Unit]:
    """The other units of a tie group, at most ``limit`` (a long tie costs O(group), not O(group²))."""
    out = []
    for other in group:
        if other is not unit:
            out.append(other)
            if len(out) == limit:
                break
    return out


def _rank_block(block: str, units: list[Unit], settings: RankingSettings) -> tuple[list[UnitResult], BlockSummary]:
    # Best first; the id only makes the processing (and the texts naming the other tied units)
    # deterministic: tied units share everything that matters.
    keys = {u.id: ranking_key(u.total, settings) for u in units}
    ordered = sorted(units, key=lambda u: u.id)
    ordered.sort(key=lambda u: keys[u.id], reverse=True)
    groups = _group_ties(ordered, keys)
    rank_of: dict[str, int] = {}
    position = 1
    for group in groups:
        for unit in group:
            rank_of[unit.id] = position
        position += len(group)

    reasons: dict[str, list[str]] = defaultdict(list)
    qualified: dict[str, str | None] = {}
    final: dict[str, str | None] = {}
    chair: set[str] = set()
    summary = BlockSummary(block, len(units), None, None, None)

    if not settings.rank_only:
        conditions = _Conditions(settings)
        for unit in ordered:
            qualification = conditions.qualify(unit)
            qualified[unit.id] = final[unit.id] = qualification.grade
            reasons[unit.id] += qualification.reasons
        good_or_better = sum(1 for g in qualified.values() if g in (HTXSNV, HTTNV))
        cap = excellent_cap(good_or_better, block, settings)
        share = _percent(settings.excellent_share)
        beyond = (
            f"Đủ điều kiện {GRADE_LABELS[HTXSNV]} nhưng vượt tỷ lệ {share} % / số lượng tối đa của khối "
            f"({cap}): xếp {GRADE_LABELS[HTTNV]}."
        )
        promoted = 0
        closed = False  # once the cap is full or a tie straddles it, nobody below is promoted
        for group in _group_ties([u for u in ordered if qualified[u.id] == HTXSNV], keys):
            free = cap - promoted
            if not closed and len(group) <= free:
                promoted += len(group)
                continue
            if not closed and free > 0:
                # The boundary falls inside this tie: the chair decides, nobody is promoted automatically.
                for unit in group:
                    chair.add(unit.id)
                    final[unit.id] = HTTNV
                    others = _others(group, unit)
                    tb = keys[unit.id][1]
                    reasons[unit.id].append(
                        f"Đủ điều kiện {GRADE_LABELS[HTXSNV]} nhưng bằng điểm ({fmt(tb, settings.tiebreak_places)})"
                        f" với {_ids(others)} tại giới hạn tỷ lệ {share} % / số lượng tối đa của khối ({cap}, "
                        f"còn {free} suất cho {len(group)} đơn vị): Chủ tịch Hội đồng thẩm định xem xét, quyết "
                        f"định; tạm xếp {GRADE_LABELS[HTTNV]}."
                    )
                closed = True
                continue
            closed = True
            for unit in group:
                final[unit.id] = HTTNV
                reasons[unit.id].append(beyond)
        summary = BlockSummary(block, len(units), good_or_better, cap, promoted)

    results = []
    for group in groups:
        published, tiebreak = keys[group[0].id]
        tie = len(group) > 1
        if tie:  # the texts of a tie share everything but the names of the other units
            head = "Bằng điểm với "
            tail = (f" đến {settings.tiebreak_places} chữ số thập phân ({fmt(tiebreak, settings.tiebreak_places)}): "
                    f"Chủ tịch Hội đồng thẩm định xem xét, quyết định thứ tự.")
            long_tie = f"{head}{len(group) - 1} đơn vị khác{tail}" if len(group) > 6 else None
        for unit in group:
            unit_reasons = reasons[unit.id] if unit.id in reasons else []
            if tie:
                unit_reasons.append(long_tie or f"{head}{_ids(_others(group, unit))}{tail}")
            results.append(UnitResult(
                id=unit.id, block=block, rank=rank_of[unit.id], total=published, tiebreak_total=tiebreak,
                qualified=qualified.get(unit.id), grade=final.get(unit.id), tie=tie, chair=unit.id in chair,
                reasons=tuple(unit_reasons),
            ))
    return results, summary


def rank_units(units: Iterable[Unit], settings: RankingSettings | None = None) -> Ranking:
    """Rank, qualify and cap every block. Results are sorted by block, then rank, then id (print order
    only: units of equal rank are a tie for the chair, not ordered by id)."""
    settings = settings or RankingSettings()
    by_block: dict[str, list[Unit]] = defaultdict(list)
    seen: set[str] = set()
    for unit in units:
        if not isinstance(unit, Unit):
            raise RankingError("Mỗi phần tử cần xếp hạng phải là một đơn vị (Unit).")
        if unit.id in seen:
            raise RankingError(f"Đơn vị “{unit.id}”, trường “id”: mã đơn vị bị trùng.")
        seen.add(unit.id)
        if not settings.rank_only:  # rank-only: quality levels and content groups play no part
            for i, criterion in enumerate(unit.criteria, start=1):
                if criterion.group not in settings.group_labels:
                    unit._fail(f"criteria[{i}].group", f"“{criterion.group}” không phải một nội dung của bộ tiêu "
                                                      f"chí; chỉ nhận: {', '.join(settings.group_labels)}.")
        by_block[unit.block].append(unit)
    results: list[UnitResult] = []
    blocks: dict[str, BlockSummary] = {}
    for block in sorted(by_block):
        block_results, summary = _rank_block(block, by_block[block], settings)
        results += block_results
        blocks[block] = summary
    # Already in (block, rank, id) order: blocks are taken sorted, and each block's units by rank, ties by id.
    return Ranking(tuple(results), blocks)


# --------------------------------------------------------------------------- Điều 7.3 and Điều 4.5

_INCIDENT_RANK = {value: i for i, value in enumerate(INCIDENTS)}  # none < remedied < unremedied


def worst_incident(values: Iterable[str]) -> str:
    """The worst of several incident facts (none < self-detected and remedied < not remedied); none when empty.

    Điều 7.3: a fault committed in a unit counts against that unit even when the discipline is recorded
    (carried out) where the person moved to; the unit's effective discipline is the worst of its own fact
    (when its own fault is local) and every fact recorded elsewhere that points at it (docs/regulation.md §4)."""
    worst = NONE
    for value in values:
        if value not in _INCIDENT_RANK:
            raise RankingError(f"Kỷ luật “{value}” không hợp lệ; chỉ nhận: {', '.join(INCIDENTS)}.")
        if _INCIDENT_RANK[value] > _INCIDENT_RANK[worst]:
            worst = value
    return worst


def grade_above(grade: str, other: str) -> bool:
    """Whether ``grade`` is better than ``other`` (HTXSNV > HTTNV > HTNV > KHTNV)."""
    for code in (grade, other):
        if code not in GRADES:
            raise RankingError(f"Xếp loại “{code}” không hợp lệ; chỉ nhận: {', '.join(GRADES)}.")
    return GRADES.index(grade) < GRADES.index(other)


def transfer_date_problem(newly_transferred: bool, transferred_on: date | None, today: date) -> str:
    """What is wrong with the transfer date of a head marked newly transferred ("" when nothing): the date
    is required and cannot be after ``today``."""
    if not newly_transferred:
        return ""
    if transferred_on is None:
        return "Người đứng đầu được ghi là mới chuyển đến: hãy ghi ngày chuyển đến (Điều 4.5)."
    if transferred_on > today:
        return (f"Ngày chuyển đến {transferred_on:%d/%m/%Y} sau hôm nay ({today:%d/%m/%Y}): chỉ ghi ngày đã "
                f"chuyển đến.")
    return ""


def head_grade_problem(head_grade: str, unit_grade: str, *, newly_transferred: bool, transferred_on: date | None,
                       today: date) -> str:
    """Điều 4.5: the grade of a unit's head may not be above the unit's grade, unless the head newly
    transferred to the unit (with the date of the transfer, not after ``today``). "" when allowed; otherwise
    a Vietnamese sentence naming both grades (docs/regulation.md §4)."""
    if not grade_above(head_grade, unit_grade):
        return ""
    date_problem = transfer_date_problem(newly_transferred, transferred_on, today)
    if newly_transferred and not date_problem:
        return ""
    text = (f"Xếp loại của người đứng đầu ({GRADE_LABELS[head_grade]}) cao hơn xếp loại của đơn vị "
            f"({GRADE_LABELS[unit_grade]}): Điều 4.5 chỉ cho phép khi người đứng đầu mới chuyển đến, có ngày "
            f"chuyển đến.")
    return f"{text} {date_problem}" if date_problem else text
