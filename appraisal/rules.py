"""Rules of the appraisal stage, as pure functions (no database).

* :func:`propose`: the automatic proposal for a criterion (0 for a letter-suffixed document number,
  0 "không đủ điều kiện thẩm định" without evidence and explanation, full marks where a period rule
  says so); the member confirms it or overrides it with a reason.
* :func:`comment_required`: a comment is required whenever the appraised score differs from the self-score.
* :func:`agency_keywords` / :func:`agency_matches`: which criteria a council member's agency appraises.
* :func:`add_working_days` / :func:`working_days_between`: the 50 working days of Điều 9.5, weekends and
  a configurable list of holidays excluded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from criteria.scoring import fmt

COMPARE_PREVIOUS = "compare_previous"
NO_EVIDENCE = "no_support"
SUFFIX_NUMBER = "suffix_number"
FIRST_YEAR = "first_year"


@dataclass(frozen=True)
class Proposal:
    code: str
    points: Decimal
    reason: str


def propose(
    *,
    max_points: Decimal,
    evidence_numbers: Iterable[tuple[str, bool]],
    explanation: str,
    first_year_full_marks: bool,
    first_year: bool,
    comparison: tuple[Decimal, str] | None = None,
) -> Proposal | None:
    """The automatic proposal, or None when the member scores freely.

    ``evidence_numbers`` lists (document number, has a letter suffix) of the criterion's live files.
    ``comparison`` is the score of a criterion computed from the published results of the two previous
    years (8.3.1 rank, 8.3.2 score), when both exist: it is proposed as is.
    Order of precedence: the period's first-year rule (the council gives full marks whatever the
    evidence), then a letter-suffixed number (seed 000 §4b: 0), then no support at all (Điều 9.4.đ: 0).
    """
    numbers = list(evidence_numbers)
    if comparison is not None:
        points, reason = comparison
        return Proposal(COMPARE_PREVIOUS, points, reason)
    if first_year and first_year_full_marks:
        return Proposal(FIRST_YEAR, max_points,
                        f"Năm đầu tiên đánh giá: Hội đồng thẩm định chấm điểm tối đa ({fmt(max_points)} điểm).")
    suffixed = [number for number, suffix in numbers if suffix]
    if suffixed:
        return Proposal(SUFFIX_NUMBER, Decimal(0),
                        f"Tài liệu kiểm chứng có số văn bản kèm chữ cái ({', '.join(suffixed)}): chấm 0 điểm.")
    if not numbers and not (explanation or "").strip():
        return Proposal(NO_EVIDENCE, Decimal(0),
                        "Không có tài liệu kiểm chứng và giải trình: không đủ điều kiện thẩm định, chấm 0 điểm.")
    return None


def comment_required(*, appraised: Decimal | None, self_score: Decimal | None) -> bool:
    """A comment is required whenever the appraised score differs from the unit's own score."""
    if appraised is None:
        return False
    return self_score is None or Decimal(appraised) != Decimal(self_score)


# --------------------------------------------------------------------------- agencies

_PREFIXES = ("các sở, ngành:", "các sở:", "sở ", "phòng ", "ủy ban ", "ubnd ")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").casefold()
    text = text.replace("hdnd", "hđnd")  # the seed spells "HĐND" both ways
    return re.sub(r"\s+", " ", text).strip()


def agency_keywords(agency: str) -> list[str]:
    """Default keywords of an agency name: "Sở Tài chính" → ["tài chính"], "Thanh tra tỉnh" → ["thanh tra"]."""
    name = _fold(agency)
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    name = re.sub(r"\s+(tỉnh|huyện|thành phố)$", "", name)
    if name in ("tt&tt", "tt & tt", "thông tin và truyền thông"):
        return ["thông tin và truyền thông"]
    if name.startswith("văn phòng"):
        return ["văn phòng"]
    return [name] if name else []


def agency_matches(node_agency: str, keywords: Iterable[str]) -> bool:
    """Whether a criterion whose "Cơ quan thẩm định" cell reads ``node_agency`` belongs to these keywords.
    A cell naming several agencies ("Các sở, ngành: Nội vụ; Thông tin và Truyền thông; Tư pháp") belongs
    to each of them."""
    text = _fold(node_agency)
    if not text:
        return False
    for keyword in keywords:
        keyword = _fold(keyword)
        if keyword and keyword in text:
            return True
    return False


# --------------------------------------------------------------------------- working days


def is_working_day(day: date, holidays: frozenset[date] | set[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The date on which ``days`` working days have passed, counting from the day after ``start``."""
    if days < 0:
        raise ValueError("days must be ≥ 0")
    holidays = frozenset(holidays)
    current = start
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            counted += 1
    return current


def working_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end ≤ start``)."""
    holidays = frozenset(holidays)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            count += 1
    return count


def working_days_left(*, received: date, today: date, allowed: int = 50, holidays: Iterable[date] = ()) -> int:
    """Of the ``allowed`` working days from receipt (Điều 9.5), how many remain (negative: overdue)."""
    return allowed - working_days_between(received, today, holidays)
