"""The signed summary table before sending (seed 001 Bước 4; 2610 Điều 8.2.c; docs/process.md).

The approver downloads the score sheet as PDF (``submissions:print_pdf``, :func:`submissions.reports.
score_sheet_pdf`); it carries the submission, its period and a **fingerprint** of the sheet's content, on the
page and in the PDF's document information (``/DGXL-Fingerprint``, ``/DGXL-Submission``, ``/DGXL-Period``,
``/DGXL-Leaves``, ``/DGXL-ExportedAt``). The unit signs the file with its own certificate outside the software
and uploads it back; when the period's setting ``signed_summary_required`` is on, "Gửi đi" needs the latest
upload to match the sheet being sent.

* :func:`fingerprint` (pure): SHA-256 over a canonical serialisation of every leaf (code; the typed value:
  level or special outcome chosen, percentage, count, points; the explanation; the evidence files in force,
  id and SHA-256), bound to the submission, the period and the framework. Each leaf also gets three short
  digests (score, explanation, evidence) that the PDF carries, so that a sheet changed after the export names
  the criteria and what of them changed (:func:`changes`, :func:`changes_text`). Nothing is stored per export:
  the fingerprint is computed on demand.
* :func:`check_upload`: the file type by content and size (``submissions.filecheck``), the signatures with
  ``submissions.signatures.check_pdf_signatures`` (signed, intact, and the last signature covering the whole
  file), the document information equal in every signed revision, the submission and period, and the
  fingerprint equal to the sheet's. Any failure is a ``ValidationError`` in Vietnamese and nothing is stored.
* :func:`send_missing`: the item "Gửi đi" lists when the period requires a signed summary and none matches.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

FORMAT = "dgxl-sheet-1"
INFO_KEYS = {"fingerprint": "DGXL-Fingerprint", "submission": "DGXL-Submission", "period": "DGXL-Period",
             "leaves": "DGXL-Leaves", "exported_at": "DGXL-ExportedAt", "format": "DGXL-Format"}
PARTS = ("score", "explanation", "evidence")
PART_LABELS = {"score": "điểm, số liệu", "explanation": "giải trình", "evidence": "tài liệu kiểm chứng",
               "added": "tiêu chí mới", "removed": "tiêu chí không còn"}
SHORT = 8  # hex characters of each part's digest carried in the PDF
SHOWN_CHANGES = 12  # criteria named in a message before "và N tiêu chí khác"

MISSING_HEAD = "Chưa có Bảng tổng hợp đã ký số khớp với báo cáo hiện tại"


# --------------------------------------------------------------------------- the fingerprint (pure)


@dataclass(frozen=True)
class LeafContent:
    """What the sheet says about one leaf criterion; every field takes part in the fingerprint."""

    code: str
    choice: int | None = None  # the level or special outcome chosen (index into the rule's outcomes)
    percent: Decimal | None = None
    count: int | None = None
    points: Decimal | None = None
    explanation: str = ""
    evidence: tuple[tuple[int, str], ...] = ()  # (id, sha256) of each file in force


@dataclass(frozen=True)
class Fingerprint:
    value: str  # 64 hexadecimal characters
    leaves: dict[str, str]  # code → "score.explanation.evidence" short digests, as the PDF carries them

    @property
    def short(self) -> str:
        """The first 16 characters in groups of four, as printed on the page: "3F2A 9C01 …"."""
        return short_text(self.value)

    @property
    def leaves_json(self) -> str:
        return json.dumps(self.leaves, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def short_text(value: str) -> str:
    head = (value or "")[:16].upper()
    return " ".join(head[i:i + 4] for i in range(0, len(head), 4))


def _number(value) -> str | None:
    """A decimal in one form whatever its stored scale: 1.500000 and 1.5 are the same value."""
    if value is None:
        return None
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n"))


def canonical(data) -> bytes:
    """JSON with sorted keys, no spaces and UTF-8: the same content always gives the same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _digest(data) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


def leaf_parts(leaf: LeafContent) -> dict[str, str]:
    """The full SHA-256 of each part of a leaf: what was scored, the explanation, the evidence."""
    return {
        "score": _digest(["score", leaf.code, leaf.choice, _number(leaf.percent), leaf.count, _number(leaf.points)]),
        "explanation": _digest(["explanation", leaf.code, _text(leaf.explanation)]),
        "evidence": _digest(["evidence", leaf.code, sorted([int(i), str(s).lower()] for i, s in leaf.evidence)]),
    }


def fingerprint(*, submission_id: int, period_code: str, framework_code: str,
                leaves: Iterable[LeafContent]) -> Fingerprint:
    """The fingerprint of a sheet: SHA-256 of the canonical list of every leaf's part digests (in code order),
    bound to the submission, its period and framework. Pure; :class:`ValueError` on a code given twice."""
    rows, short = [], {}
    for leaf in sorted(leaves, key=lambda item: item.code):
        if leaf.code in short:
            raise ValueError(f"Tiêu chí {leaf.code} xuất hiện hai lần.")
        parts = leaf_parts(leaf)
        rows.append([leaf.code, *(parts[p] for p in PARTS)])
        short[leaf.code] = ".".join(parts[p][:SHORT] for p in PARTS)
    value = _digest({"format": FORMAT, "submission": int(submission_id), "period": str(period_code),
                     "framework": str(framework_code), "leaves": rows})
    return Fingerprint(value=value, leaves=short)


@dataclass(frozen=True)
class Change:
    code: str
    parts: tuple[str, ...]  # among PARTS, or ("added",) / ("removed",)


def _code_key(code: str):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split(".")]


def changes(exported: Mapping[str, str], current: Mapping[str, str]) -> list[Change]:
    """Which leaves differ between the short digests carried by an exported PDF and the sheet now, and in
    which parts; in the order of the criteria's codes (1.2 before 1.10). Pure."""
    out = []
    for code in sorted(set(exported) | set(current), key=_code_key):
        old, new = exported.get(code), current.get(code)
        if old == new:
            continue
        if old is None:
            out.append(Change(code, ("added",)))
        elif new is None:
            out.append(Change(code, ("removed",)))
        else:
            a, b = str(old).split("."), new.split(".")
            if len(a) != len(PARTS):
                out.append(Change(code, PARTS))
            else:
                out.append(Change(code, tuple(p for p, x, y in zip(PARTS, a, b, strict=True) if x != y)))
    return out


def changes_text(found: list[Change]) -> str:
    """"tiêu chí 1.2 (điểm, số liệu), 2.1 (giải trình; tài liệu kiểm chứng)" — at most SHOWN_CHANGES named."""
    if not found:
        return "nội dung báo cáo"
    named = [f"{c.code} ({'; '.join(PART_LABELS[p] for p in c.parts)})" for c in found[:SHOWN_CHANGES]]
    more = len(found) - SHOWN_CHANGES
    return "tiêu chí " + ", ".join(named) + (f" và {more} tiêu chí khác" if more > 0 else "")


def pdf_info(*, submission_id: int, period_code: str, fp: Fingerprint, exported_at: datetime) -> dict[str, str]:
    """The document-information entries (names without the slash) the exported PDF carries."""
    return {INFO_KEYS["format"]: FORMAT, INFO_KEYS["fingerprint"]: fp.value,
            INFO_KEYS["submission"]: str(submission_id), INFO_KEYS["period"]: period_code,
            INFO_KEYS["leaves"]: fp.leaves_json, INFO_KEYS["exported_at"]: exported_at.isoformat(timespec="seconds")}


# --------------------------------------------------------------------------- the sheet and the exported PDF


def sheet_leaves(sheet) -> list[LeafContent]:
    """Every leaf of a ``submissions.selectors.Sheet`` as :class:`LeafContent` (evidence in force only)."""
    out = []
    for item in sheet.leaves:
        entry = item.entry
        out.append(LeafContent(
            code=item.node.code,
            choice=entry.choice if entry else None, percent=entry.percent if entry else None,
            count=entry.count if entry else None, points=entry.points if entry else None,
            explanation=entry.explanation if entry else "",
            evidence=tuple((e.pk, e.sha256) for e in item.evidence),
        ))
    return out


def sheet_fingerprint(submission, sheet=None) -> Fingerprint:
    """The fingerprint of ``submission``'s sheet as it stands (``sheet``: one already read)."""
    if sheet is None:
        from .selectors import submission_sheet

        sheet = submission_sheet(submission)
    return fingerprint(submission_id=submission.pk, period_code=submission.period.code,
                       framework_code=submission.framework.code, leaves=sheet_leaves(sheet))


def pdf_finisher(submission, fp: Fingerprint, exported_at: datetime):
    """A WeasyPrint ``finisher`` writing :func:`pdf_info` into the PDF's document information."""
    import pydyf

    info = pdf_info(submission_id=submission.pk, period_code=submission.period.code, fp=fp, exported_at=exported_at)

    def finish(document, pdf):
        for key, value in info.items():
            pdf.info[key] = pydyf.String(value)

    return finish


@dataclass(frozen=True)
class Exported:
    fingerprint: str
    submission_id: str
    period_code: str
    leaves: dict[str, str]
    exported_at: datetime | None


def _info_of(handler) -> dict[str, str]:
    """The export's entries of the document information as ``handler`` (the file, or one revision of it)
    sees them. References are resolved through ``handler`` itself: a dictionary read from an old revision
    would otherwise resolve them in the newest one."""
    from pyhanko.pdf_utils.generic import IndirectObject

    def resolve(value):
        return handler.get_object(value.reference) if isinstance(value, IndirectObject) else value

    try:
        info = resolve(handler.trailer_view.raw_get("/Info"))
    except Exception:
        return {}
    out = {}
    for name, key in INFO_KEYS.items():
        try:
            value = resolve(info.raw_get("/" + key)) if "/" + key in info else None
        except Exception:
            value = None
        if value is not None:
            out[name] = str(value)
    return out


def read_export(reader) -> tuple[Exported | None, bool]:
    """The export's entries from a pyHanko reader, and whether they are the same in every revision a
    signature covers as in the file (a change of the fingerprint after signing would not be signed)."""
    final = _info_of(reader)
    same = True
    for sig in reader.embedded_regular_signatures:
        try:
            signed = _info_of(reader.get_historical_resolver(sig.signed_revision))
        except Exception:
            signed = {}
        if signed != final:
            same = False
    if not final.get("fingerprint"):
        return None, same
    try:
        leaves = json.loads(final.get("leaves") or "{}")
        leaves = {str(k): str(v) for k, v in leaves.items()} if isinstance(leaves, dict) else {}
    except ValueError:
        leaves = {}
    try:
        exported_at = datetime.fromisoformat(final["exported_at"]) if final.get("exported_at") else None
    except ValueError:
        exported_at = None
    return Exported(fingerprint=final["fingerprint"].strip().lower(), submission_id=final.get("submission", ""),
                    period_code=final.get("period", ""), leaves=leaves, exported_at=exported_at), same


# --------------------------------------------------------------------------- checking an upload


@dataclass(frozen=True)
class Checked:
    """An upload that passed every check, ready to be stored as a ``SignedSummary``."""

    exported: Exported
    report: object  # submissions.signatures.SignatureReport


def _trust_roots() -> list[bytes]:
    roots = []
    for path in settings.SIGNATURE_TRUST_ROOTS:
        with open(path, "rb") as fh:
            roots.append(fh.read())
    return roots


def _when(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%H:%M %d/%m/%Y}" if moment else "không rõ thời điểm"


def stale_text(exported: Mapping[str, str], exported_at: datetime | None, current: Fingerprint) -> str:
    return (f"Bảng tổng hợp đã ký được xuất lúc {_when(exported_at)}; sau đó báo cáo đã thay đổi ở "
            f"{changes_text(changes(exported, current.leaves))}.")


AGAIN = "Hãy tải lại Bảng tổng hợp (PDF), ký số và tải lên lại."


def check_upload(submission, *, name: str, data: bytes, sheet=None) -> Checked:
    """Every check of a signed summary upload (see the module's docstring); ``ValidationError`` otherwise."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from .filecheck import FileRejected, check_file
    from .signatures import check_pdf_signatures

    try:
        kind = check_file(data, name, max_bytes=settings.EVIDENCE_MAX_BYTES)
    except FileRejected as exc:
        raise ValidationError(str(exc)) from None
    if kind.kind != "pdf":
        raise ValidationError("Bảng tổng hợp đã ký phải là tệp PDF tải từ phần mềm rồi ký số.")
    report = check_pdf_signatures(data, _trust_roots())
    if report.status == "unreadable":
        raise ValidationError(report.message)
    if report.status == "unsigned":
        raise ValidationError("Tệp chưa có chữ ký số: hãy ký số Bảng tổng hợp bằng chứng thư số của đơn vị rồi "
                              "tải lên lại.")
    if report.status == "modified":
        raise ValidationError(f"Chữ ký số của Bảng tổng hợp không hợp lệ: {report.message}")
    if not report.whole_file:
        raise ValidationError("Chữ ký số không bao trùm toàn bộ tệp: tệp đã được thêm nội dung sau khi ký. Hãy tải "
                              "lên đúng tệp vừa ký, không sửa hay ghi thêm gì sau khi ký.")
    try:
        exported, same = read_export(PdfFileReader(io.BytesIO(data), strict=False))
    except Exception:
        exported, same = None, False
    if exported is None:
        raise ValidationError("Tệp không phải Bảng tổng hợp tải từ phần mềm (không có mã nội dung báo cáo): hãy tải "
                              "Bảng tổng hợp (PDF) của báo cáo này, ký số rồi tải lên.")
    if not same:
        raise ValidationError("Mã nội dung báo cáo trong tệp đã bị thay đổi sau khi ký: hãy tải lại Bảng tổng hợp, "
                              "ký số và tải lên lại.")
    if exported.submission_id != str(submission.pk) or exported.period_code != submission.period.code:
        raise ValidationError(f"Tệp là Bảng tổng hợp của một báo cáo khác (kỳ “{exported.period_code}”, báo cáo số "
                              f"{exported.submission_id}), không phải của {submission.unit} trong kỳ "
                              f"“{submission.period.code}”.")
    current = sheet_fingerprint(submission, sheet)
    if exported.fingerprint != current.value:
        raise ValidationError(f"Bảng tổng hợp đã ký không khớp với báo cáo hiện tại. "
                              f"{stale_text(exported.leaves, exported.exported_at, current)} {AGAIN}")
    return Checked(exported=exported, report=report)


# --------------------------------------------------------------------------- state, sending, access


@dataclass(frozen=True)
class State:
    required: bool
    summary: object | None  # the latest SignedSummary, or None
    current: Fingerprint
    matches: bool
    message: str  # why the latest does not match ("" when it does or there is none)


def latest(submission):
    from .models import SignedSummary

    return SignedSummary.objects.filter(submission=submission).select_related("uploaded_by").first()


def state(submission, sheet=None) -> State:
    summary = latest(submission)
    current = sheet_fingerprint(submission, sheet)
    matches = summary is not None and summary.fingerprint == current.value
    message = ""
    if summary is not None and not matches:
        message = stale_text(summary.leaf_digests or {}, summary.exported_at, current)
    return State(required=bool(submission.period.setting("signed_summary_required")), summary=summary,
                 current=current, matches=matches, message=message)


def send_missing(submission, sheet=None) -> list[str]:
    """The missing prerequisite of "Gửi đi" when the period requires a signed summary (empty otherwise)."""
    if not submission.period.setting("signed_summary_required"):
        return []
    found = state(submission, sheet)
    if found.matches:
        return []
    if found.summary is None:
        return [f"{MISSING_HEAD}: chưa tải lên. Hãy tải Bảng tổng hợp (PDF), ký số bằng chứng thư số của đơn vị "
                "rồi tải lên."]
    return [f"{MISSING_HEAD}: bảng tải lên lúc {_when(found.summary.uploaded_at)} không còn khớp. {found.message} "
            f"{AGAIN}"]


def may_read(user, submission) -> bool:
    """The unit's accounts and the secretariat (whoever reads the sheet), the council members of the period
    for a sheet the council appraises (never their own unit's), and the chair of the council."""
    from .permissions import Access

    if Access(user, submission).read:
        return True
    if not user.is_authenticated or submission.status not in submission.period.appraisable_statuses:
        return False
    from appraisal.models import CouncilMember
    from appraisal.permissions import is_council_chair, member_home_unit_ids

    if is_council_chair(user, submission.period):
        return True
    return any(submission.unit_id not in member_home_unit_ids(seat)
               for seat in CouncilMember.objects.filter(user=user, period_id=submission.period_id))


def get_signed_summary_for_user(user, pk: int):
    """The signed summary ``pk`` if ``user`` may read it, else 404 (its existence is not revealed)."""
    from .models import SignedSummary

    summary = get_object_or_404(SignedSummary.objects.select_related("submission__period", "submission__unit"),
                                pk=pk)
    if not may_read(user, summary.submission):
        raise Http404("Không tìm thấy tệp.")
    return summary
