"""Rules of the appraisal stage, as pure functions (no database).

* :func:`propose`: the automatic proposal for a criterion (0 for a letter-suffixed document number,
  0 "không đủ điều kiện thẩm định" without the support the period's ``support_rule`` asks, full marks
  where a period rule says so); the member confirms it or overrides it with a reason.
* :func:`full_marks_on_scans_only`: seed 001, the maximum on a criterion backed only by scans needs a reason.
* :func:`comment_required`: a comment is required whenever the appraised score differs from the self-score.
* :func:`agency_keywords` / :func:`agency_matches`: which criteria a council member's agency appraises.
* :func:`named_agencies` / :func:`seat_agency` / :func:`agreement`: a leaf whose "Cơ quan thẩm định" names several
  agencies (Phụ lục I 5.5: "Các sở, ngành: Nội vụ; Thông tin và Truyền thông; Tư pháp") is appraised by each of
  them; its appraised score is theirs only when every named agency scored it and all scores are equal
  (docs/regulation.md §3, Phụ lục I 5.5).
* :func:`add_working_days` / :func:`working_days_between`: the 50 working days of Điều 9.5, weekends and
  a configurable list of holidays excluded.
* :func:`unit_countdown` / :func:`countdown_text` / :func:`countdown_alert`: Điều 9.5 per unit, counted from
  the day that unit's sheet was received (its local sending day; the deadline's day for a sheet locked unsent
  and still appraised), and the words and warning level the pages show.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from config.dates import VIETNAM as LOCAL_TZ
from criteria.evidence import NOT_SIGNED
from criteria.scoring import fmt
from submissions.rules import support_missing

COMPARE_PREVIOUS = "compare_previous"
NO_EVIDENCE = "no_support"
SUFFIX_NUMBER = "suffix_number"
FIRST_YEAR = "first_year"
#: Evidence.signature_status of a file that is, for the scoring rules, a scan: no valid signature on it.
UNSIGNED_STATUSES = NOT_SIGNED


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
    support_rule: str = "both",
) -> Proposal | None:
    """The automatic proposal, or None when the member scores freely.

    ``evidence_numbers`` lists (document number, has a letter suffix) of the criterion's live files.
    ``comparison`` is the score of a criterion computed from the published results of the two previous
    years (8.3.1 rank, 8.3.2 score), when both exist: it is proposed as is.
    Order of precedence: the period's first-year rule (the council gives full marks whatever the
    evidence), then a letter-suffixed number (seed 000 §4b: 0), then missing support (Điều 8.2.b, 9.4.đ: 0
    "không đủ điều kiện thẩm định"): under ``support_rule`` "both" a leaf needs evidence and an
    explanation, under "either" one of them (``submissions.rules.support_missing``).
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
    lacks = support_missing(evidence_count=len(numbers), explanation=explanation, support_rule=support_rule)
    if lacks:
        return Proposal(NO_EVIDENCE, Decimal(0),
                        f"Không có {lacks}: không đủ điều kiện thẩm định, chấm 0 điểm.")
    return None


def full_marks_on_scans_only(*, appraised: Decimal | None, max_points: Decimal,
                             signature_statuses: Iterable[str]) -> bool:
    """Seed 001: a scanned (unsigned) document does not earn full marks. True when ``appraised`` is the
    maximum and no live evidence file of the criterion carries a valid digital signature (there is at least
    one file) and every file is unsigned or was modified after signing: the council may then give the
    maximum only with a recorded reason. Files still being checked do not count as scans."""
    statuses = list(signature_statuses)
    return (appraised is not None and Decimal(appraised) >= Decimal(max_points) and bool(statuses)
            and all(status in UNSIGNED_STATUSES for status in statuses))


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
    keywords = [_fold(k) for k in keywords]
    names = [_fold(n) for n in named_agencies(node_agency)] if ";" in text else []
    for keyword in keywords:
        # "Sở Tư pháp" as a keyword matches the cell's "Tư pháp" once the list is read as "Sở Tư pháp".
        if keyword and (keyword in text or any(keyword in name for name in names)):
            return True
    return False


# --------------------------------------------------------------------------- several agencies on one leaf

#: "Các sở, ngành:" / "Các Sở:" / "Các phòng:" before a list: the word each listed agency takes.
_LIST_HEADS = (("các sở, ngành", "Sở"), ("các sở ngành", "Sở"), ("các sở", "Sở"), ("các phòng", "Phòng"),
               ("các cơ quan", ""), ("các đơn vị", ""))
#: Listed names that are already an agency's full name and take no "Sở"/"Phòng" in front.
_FULL_NAMES = ("sở ", "phòng ", "thanh tra", "văn phòng", "ban ", "ủy ban", "ubnd", "công an", "bộ chỉ huy",
               "kho bạc", "ngân hàng", "cục ", "chi cục", "hội ", "đài ", "báo ", "trung tâm")


def named_agencies(text: str) -> list[str]:
    """The agencies a "Cơ quan thẩm định" cell names, in the order written, each once.

    "Các sở, ngành: Nội vụ; Thông tin và Truyền thông; Tư pháp" → ["Sở Nội vụ", "Sở Thông tin và Truyền thông",
    "Sở Tư pháp"]; "Sở Nội vụ; Sở Tư pháp" → both; "Sở Tài chính" → ["Sở Tài chính"]; "" → []. Agencies are
    separated by ";" (and, after a "Các sở:" head, by ","); "và" never separates ("Thông tin và Truyền thông",
    "Văn phòng HĐND và UBND huyện" are one agency each)."""
    text = unicodedata.normalize("NFC", text or "").strip().rstrip(".").strip()
    if not text:
        return []
    word, body, listed = "", text, False
    if ":" in text:
        head, rest = text.split(":", 1)
        folded = re.sub(r"\s+", " ", head).strip().casefold()
        for known, prefix in _LIST_HEADS:
            if folded == known:
                word, body, listed = prefix, rest, True
                break
    parts = re.split(r"[;,]" if listed else r";", body)
    out: list[str] = []
    for part in parts:
        name = re.sub(r"\s+", " ", part).strip().rstrip(".").strip()
        if not name:
            continue
        if word and not _fold(name).startswith(_FULL_NAMES):
            name = f"{word} {name[0].upper()}{name[1:]}"
        if _fold(name) not in {_fold(n) for n in out}:
            out.append(name)
    return out


def is_multi_agency(text: str) -> bool:
    return len(named_agencies(text)) > 1


def short_agency(name: str) -> str:
    """How a row shows an agency: "Sở Thông tin và Truyền thông" → "Sở TT&TT"; other names as they are."""
    return re.sub(r"(?i)thông tin và truyền thông", "TT&TT", name)


def seat_agency(agency_text: str, *, seat_agency_name: str, keywords: Iterable[str]) -> str | None:
    """Which of the agencies named by ``agency_text`` a council seat speaks for: the one its own agency name
    matches ("Sở Tư pháp" → "Sở Tư pháp"), else the first its keywords match; None when it covers none."""
    names = named_agencies(agency_text)
    own = agency_keywords(seat_agency_name)
    for candidates in (own, list(keywords)):
        for name in names:
            if candidates and agency_matches(name, candidates):
                return name
    return None


def agency_scores_text(scores: Mapping[str, Decimal | None]) -> str:
    """"Sở Nội vụ: 10 · Sở TT&TT: chưa chấm · Sở Tư pháp: 12", agencies in alphabetical order (the text does
    not depend on who saved first)."""
    ordered = sorted(scores.items(), key=lambda item: _fold(item[0]))
    return " · ".join(f"{short_agency(name)}: {'chưa chấm' if points is None else fmt(Decimal(points))}"
                      for name, points in ordered)


def agreement(scores_by_agency: Mapping[str, Decimal | None]) -> tuple[Decimal | None, str]:
    """(the agreed points, "") when every named agency scored the leaf and all scores are equal; else
    (None, why): the agencies' scores, and which have not scored or that they differ. ``scores_by_agency``
    holds every named agency, None for one that has not scored. Independent of the order of the mapping."""
    if not scores_by_agency:
        return None, "Tiêu chí không nêu cơ quan thẩm định."
    values = list(scores_by_agency.values())
    shown = agency_scores_text(scores_by_agency)
    missing = [name for name, points in scores_by_agency.items() if points is None]
    if not missing and len({Decimal(v) for v in values}) == 1:
        return Decimal(values[0]), ""
    if missing:
        names = ", ".join(sorted((short_agency(n) for n in missing), key=_fold))
        return None, f"chưa đủ các cơ quan thẩm định chấm, còn {names} ({shown})"
    return None, f"các cơ quan thẩm định chưa thống nhất ({shown})"


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


# --------------------------------------------------------------------------- Điều 9.5, per unit

WARN_SOON, WARN_URGENT = 10, 3  # the council's home warns at 10 and at 3 working days left
OVERDUE, URGENT, SOON = "overdue", "urgent", "soon"


def local_day(instant: datetime) -> date:
    """The calendar day of an aware instant in Vietnam (Asia/Ho_Chi_Minh), whatever the server's zone."""
    return instant.astimezone(LOCAL_TZ).date()


@dataclass(frozen=True)
class Countdown:
    """Điều 9.5 for one unit: its sheet was received on ``received``; the ``allowed`` working days end on
    ``due``; on ``today``, ``left`` working days remain (0 on the due day, negative once past it)."""

    received: date
    due: date
    today: date
    left: int

    @property
    def overdue(self) -> bool:
        return self.today > self.due

    @property
    def text(self) -> str:
        return countdown_text(self.left, due=self.due, today=self.today)

    @property
    def alert(self) -> str | None:
        return countdown_alert(self)


def received_day(*, sent_at: datetime | None, deadline: datetime, unsent_appraised: bool) -> date | None:
    """The day a unit's sheet was received (Điều 9.5: "từ ngày nhận được báo cáo"): the local day of its
    sending; for a sheet locked unsent at the deadline and still appraised (period setting
    ``unsent_at_deadline = "appraised"``), the local day of the deadline, when the system took it as it stood.
    None: the sheet was not received (not sent, and not appraised unsent)."""
    if sent_at is not None:
        return local_day(sent_at)
    if unsent_appraised:
        return local_day(deadline)
    return None


def unit_countdown(*, sent_at: datetime | None, deadline: datetime, unsent_appraised: bool, today: date,
                   allowed: int = 50, holidays: Iterable[date] = ()) -> Countdown | None:
    """Điều 9.5 counted per unit: ``allowed`` working days (Saturdays, Sundays and ``holidays`` excluded) from
    the day after the unit's sheet was received (:func:`received_day`). None when the sheet was not received."""
    received = received_day(sent_at=sent_at, deadline=deadline, unsent_appraised=unsent_appraised)
    if received is None:
        return None
    holidays = frozenset(holidays)
    return Countdown(received=received, due=add_working_days(received, allowed, holidays), today=today,
                     left=working_days_left(received=received, today=today, allowed=allowed, holidays=holidays))


def countdown_text(left: int, *, due: date | None = None, today: date | None = None) -> str:
    """What a page shows: "còn N ngày làm việc", "hết hạn hôm nay" (the due day itself), "quá hạn N ngày làm
    việc"; never a negative number. On a weekend or holiday just after the due day no working day is overdue
    yet: "đã hết hạn ngày dd/mm/yyyy"."""
    if left > 0:
        return f"còn {left} ngày làm việc"
    if left < 0:
        return f"quá hạn {-left} ngày làm việc"
    if due is not None and today is not None and today > due:
        return f"đã hết hạn ngày {due:%d/%m/%Y}"
    return "hết hạn hôm nay"


def countdown_alert(countdown: Countdown, *, soon: int = WARN_SOON, urgent: int = WARN_URGENT) -> str | None:
    """The council's warning level: OVERDUE past the due day, URGENT with ≤ ``urgent`` working days left (the
    due day included), SOON with ≤ ``soon``, else None."""
    if countdown.overdue:
        return OVERDUE
    if countdown.left <= urgent:
        return URGENT
    if countdown.left <= soon:
        return SOON
    return None
