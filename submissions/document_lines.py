"""Lines of a printed administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I) that the self-assessment
report prints: the place and date line, the "Nơi nhận" list. Pure functions, no database.

* :func:`place_name`: the place of the date line ("Thái Nguyên, ngày ..."). The report's own "Địa danh"
  (``SelfReport.place``) wins; without it the place is read off the authority's name, the authority having no
  place field: "UBND tỉnh Thái Nguyên" → "Thái Nguyên", "UBND huyện Định Hóa" → "Định Hóa", "Ủy ban nhân dân
  thành phố Thanh Hóa" → "Thanh Hóa"; a name without a known prefix is kept whole.
* :func:`date_line`: "<place>, ngày 05 tháng 01 năm 2025": the day with two digits below 10, the month with
  two digits for January and February only, as Nghị định 30 writes them.
* :func:`recipient_lines`: "Nơi nhận" as typed, one line per recipient, each shown once with its dash: a
  line the person started with "-", "–", "+" or "•" keeps its text without a second dash ("- - UBND tỉnh" no
  more); blank lines are left out.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_BODY = r"(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd|hđnd|hội đồng nhân dân)"
_LEVEL = r"(?:tỉnh|thành phố|tp\.?|huyện|thị xã|quận|xã|phường|thị trấn)"
_PREFIX = re.compile(rf"^\s*(?:{_BODY}\s+)?{_LEVEL}\s+", re.IGNORECASE)
_BODY_ONLY = re.compile(rf"^\s*{_BODY}\s+", re.IGNORECASE)
_DASHES = "-–—+•·*"


def place_name(authority_name: str, place: str = "") -> str:
    """The place of the date line: ``place`` when typed, else read off ``authority_name`` (see the module)."""
    typed = " ".join((place or "").split())
    if typed:
        return typed
    name = " ".join(unicodedata.normalize("NFC", authority_name or "").split())
    stripped = _PREFIX.sub("", name, count=1)
    if stripped == name:
        stripped = _BODY_ONLY.sub("", name, count=1)
    return stripped.strip() or name


def date_line(place: str, day: date) -> str:
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place or '...'}, ngày {day.day:02d} tháng {month} năm {day.year}"


def recipient_lines(text: str, default: list[str]) -> list[str]:
    """Each recipient once, with one dash before it (see the module); ``default`` when nothing was typed."""
    lines = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        while line and line[0] in _DASHES:
            line = line[1:].strip()
        if line:
            lines.append(f"- {line}")
    return lines or [f"- {line}" for line in default]
