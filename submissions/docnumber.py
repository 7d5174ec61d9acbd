"""Document numbers (số, ký hiệu văn bản) of evidence, as pure functions (no database).

Nghị định 30/2020/NĐ-CP writes the number and symbol of an administrative document as
``number/symbol`` or, for legal normative documents, ``number/year/symbol``:

* ``30/KH-SXD`` (Kế hoạch of Sở Xây dựng), ``45/UBND-VP`` (công văn), ``680/TTr-SNV``;
* ``12/2023/QĐ-UBND``, ``07/2024/TT-BNV``.

Documents of the Party (Hướng dẫn 36-HD/VPTW) put a hyphen after the number and the slash inside the
symbol: ``2147-QĐ/TU``, ``15-NQ/TW``. Both are accepted.

A letter glued to the number (``30a/KH-SXD``, ``12b/BC-UBND``) is parsed, not refused: the guidance
(§4.b) says the council scores **0** for a criterion whose evidence carries such a number, so the
system must record it and warn, not hide it (:func:`doc_number_warnings`). A letter set apart by a
hyphen or a space (``30-a/KH-SXD``, ``30 a/KH-SXD``, ``2147-a-QĐ/TU``) is the same suffix and is read as
``30a/KH-SXD`` (:func:`_join_suffix`), while a Party number keeps its hyphen (``15-NQ/TW``: no Party
document type is a single letter or written in lower case before a state symbol).

:attr:`DocNumber.normalized` is the canonical form used to spot the same document cited twice: NFC,
no spaces, ``Số:`` removed, number without leading zeros, suffix in lower case, symbol in upper case,
typographic dashes and slashes replaced by ``-`` and ``/``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

MAX_NUMBER = 99999
MIN_YEAR = 1945
MAX_YEAR = 2100
MAX_LENGTH = 120

EXAMPLES = "30/KH-SXD, 45/UBND-VP, 12/2023/QĐ-UBND; văn bản của Đảng: 2147-QĐ/TU"

K = TypeVar("K", bound=Hashable)


class DocNumberError(ValueError):
    """A number and symbol that cannot be read; the message is shown to the user as is."""


@dataclass(frozen=True)
class DocNumber:
    raw: str
    number: int
    suffix: str  # letters glued to the number ("a" in 30a/KH-SXD), "" normally
    year: int | None
    symbol: str  # "KH-SXD", "QĐ-UBND", "QĐ/TU" (Party form), as written apart from spaces and dashes
    normalized: str  # canonical form for duplicate detection

    @property
    def is_party(self) -> bool:
        """Party form ``2147-QĐ/TU``: hyphen after the number, slash inside the symbol."""
        return "/" in self.symbol


# Dashes and slashes that word processors substitute for "-" and "/".
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_SLASHES = dict.fromkeys(map(ord, "\u2044\u2215\uff0f"), "/")
_SPACES = re.compile(r"\s+")
_PREFIX = re.compile(r"^(?:SỐ|SO)\s*[:.]?\s*", re.IGNORECASE)
_AROUND_SEPARATORS = re.compile(r"\s*([/-])\s*")

# A segment of the symbol: letters and digits, starting with a letter for the first segment of each
# part; "." and "&" may join letters inside a segment (XDCQ&CTTN, KT.CN).
_ALNUM = r"[^\W_]"
_FIRST_SEGMENT = rf"[^\W\d_]{_ALNUM}*(?:[.&]{_ALNUM}+)*"
_SEGMENT = rf"{_ALNUM}+(?:[.&]{_ALNUM}+)*"
_PART = rf"{_FIRST_SEGMENT}(?:-{_SEGMENT})*"
_NUMBER = r"(?P<number>[0-9]{1,5})(?P<suffix>[A-Za-z]{1,3})?"

_STATE = re.compile(rf"{_NUMBER}/(?:(?P<year>[0-9]{{4}})/)?(?P<symbol>{_PART})")
# A letter suffix set apart from the number by a hyphen or a space: "30-a/KH-SXD", "30 a/KH-SXD".
_SEPARATED_SUFFIX = re.compile(r"(?P<number>[0-9]{1,5})(?P<sep>[ -])(?P<suffix>[A-Za-z]{1,3})(?P<rest>[/-].*)")
_PARTY = re.compile(rf"{_NUMBER}-(?P<symbol>{_PART}/{_PART})")


def _clean(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw).translate(_DASHES).translate(_SLASHES)
    # Zero-width spaces, BOMs and direction marks pasted from word processors.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _SPACES.sub(" ", text).strip()
    text = _PREFIX.sub("", text)
    return _AROUND_SEPARATORS.sub(r"\1", text)


def _join_suffix(text: str) -> str:
    """"30-a/KH-SXD", "30 a/KH-SXD" → "30a/KH-SXD"; "2147-a-QĐ/TU" → "2147a-QĐ/TU" (cleaned text in, out).

    A hyphen after the number is also the Party form ("15-NQ/TW"), so letters set apart are read as a suffix
    only when no Party document type could be meant: a single letter; or letters in lower case, or after a
    space, followed by a state symbol ("/KH-SXD", whose last part has a hyphen) or by a Party one ("-QĐ/TU").
    """
    match = _SEPARATED_SUFFIX.fullmatch(text)
    if match is None:
        return text
    letters, rest = match["suffix"], match["rest"]
    state_shaped = rest.startswith("/") and "-" in rest.rsplit("/", 1)[-1]
    party_shaped = rest.startswith("-") and "/" in rest
    single = len(letters) == 1 and (rest.startswith("/") or party_shaped)
    if single or ((letters.islower() or match["sep"] == " ") and (state_shaped or party_shaped)):
        return f"{match['number']}{letters}{rest}"
    return text


def _shown(text: str) -> str:
    text = text.strip()
    return text[:57] + "…" if len(text) > 60 else text


def _error(raw: str, detail: str = "", read: str = "") -> DocNumberError:
    """The refusal, naming what was typed and, when spaces, dashes or "Số:" were tidied, what was read."""
    shown = _shown(raw)
    head = f"Số, ký hiệu văn bản “{shown}”"
    if read and _shown(read) != shown:
        head += f" (đọc là “{_shown(read)}”)"
    head += " không đúng quy định"
    detail = f" ({detail})" if detail else ""
    return DocNumberError(f"{head}{detail}. Viết theo mẫu: {EXAMPLES}.")


def _foreign_characters(symbol: str) -> list[str]:
    """Characters other than Latin (Vietnamese) letters, ASCII digits and ``.&-/``.

    Letters of another script look the same (Cyrillic К, Greek Η) and would defeat duplicate detection.
    """
    return [
        ch
        for ch in symbol
        if not (ch in "0123456789.&-/" or (ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN ")))
    ]


def parse_doc_number(raw: str) -> DocNumber:
    """Read ``30/KH-SXD``, ``Số: 12/2023/QĐ-UBND``, ``2147-QĐ/TU``; raise :class:`DocNumberError`."""
    if not isinstance(raw, str) or not raw.strip():
        raise DocNumberError(f"Chưa nhập số, ký hiệu văn bản. Viết theo mẫu: {EXAMPLES}.")
    if len(raw) > MAX_LENGTH:
        raise _error(raw, f"dài quá {MAX_LENGTH} ký tự")
    text = _join_suffix(_clean(raw))
    if not text:
        raise DocNumberError(f"Chưa nhập số, ký hiệu văn bản. Viết theo mẫu: {EXAMPLES}.")
    if " " in text:
        raise _error(raw, "có khoảng trắng giữa các phần; chỉ ghi số và ký hiệu, không ghi ngày tháng", text)
    match = _STATE.fullmatch(text) or _PARTY.fullmatch(text)
    if match is None:
        if re.fullmatch(r"[0-9]+[A-Za-z]*(?:/[0-9]{4})?[/-]?", text):
            raise _error(raw, "thiếu ký hiệu văn bản sau dấu “/”", text)
        if text[:1] in ("/", "-"):
            raise _error(raw, "thiếu số thứ tự trước dấu “/”", text)
        if re.match(r"[0-9]{6}", text):
            raise _error(raw, f"số thứ tự chỉ từ 1 đến {MAX_NUMBER}", text)
        raise _error(raw, read=text)
    number = int(match["number"])
    if not 1 <= number <= MAX_NUMBER:
        raise _error(raw, f"số thứ tự phải từ 1 đến {MAX_NUMBER}", text)
    year = int(match["year"]) if match.groupdict().get("year") else None
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise _error(raw, f"năm ban hành {year} không hợp lệ", text)
    symbol = match["symbol"]
    foreign = _foreign_characters(symbol)
    if foreign:
        raise _error(raw, f"ký hiệu có ký tự không phải chữ tiếng Việt: {''.join(dict.fromkeys(foreign))}", text)
    suffix = match["suffix"] or ""
    head = f"{number}{suffix.lower()}"
    tail = unicodedata.normalize("NFC", symbol.upper())
    if "/" in symbol:
        normalized = f"{head}-{tail}"
    elif year is not None:
        normalized = f"{head}/{year}/{tail}"
    else:
        normalized = f"{head}/{tail}"
    return DocNumber(raw=raw, number=number, suffix=suffix, year=year, symbol=symbol, normalized=normalized)


def doc_number_warnings(doc: DocNumber) -> list[str]:
    """What the officer should know before submitting evidence with this number."""
    warnings = []
    if doc.suffix:
        warnings.append(
            f"Số văn bản {shown_number(doc)} có chữ cái sau số thứ tự ({doc.number}{doc.suffix}): theo hướng dẫn, "
            "Hội đồng thẩm định chấm 0 điểm tiêu chí có tài liệu kiểm chứng mang số văn bản như vậy."
        )
    return warnings


def shown_number(doc: DocNumber) -> str:
    """“30-a/KH-SXD” (chuẩn hóa: “30a/KH-SXD”): what was typed and, when it differs, the normalised form
    that the system compares and records the suffix of."""
    typed = _shown(doc.raw)
    if typed == doc.normalized:
        return f"“{typed}”"
    return f"“{typed}” (chuẩn hóa: “{doc.normalized}”)"


def find_duplicates(numbers: Iterable[tuple[K, str]]) -> dict[str, list[K]]:
    """Numbers cited by more than one item, after normalisation: ``{normalized: [key, ...]}``.

    Unreadable numbers are ignored (they are reported by :func:`parse_doc_number` on their own);
    keys keep the order of the input, and so do the groups.
    """
    groups: dict[str, list[K]] = {}
    for key, raw in numbers:
        try:
            doc = parse_doc_number(raw)
        except DocNumberError:
            continue
        groups.setdefault(doc.normalized, []).append(key)
    return {normalized: keys for normalized, keys in groups.items() if len(keys) > 1}
