"""The lost-points analysis (issue #13 item 4): each unit explains every point it loses, first on its expected
self-scores before sending (seed 004 §2.1.a, §2.2.a: "đánh giá sơ bộ … làm rõ những nội dung mất điểm (nguyên
nhân, biện pháp xử lý, khắc phục…)", before 20/11), then on the appraised scores once its block's result is
published (Điều 11.1.d; seed 003 criteria 8.1, within 10 days of the decision, and 8.2, within 20 days). The
analysis after publication is next year's evidence of criteria 8.1/8.2: the council of the following year's
period reads it from the unit page of those criteria (``previous_year``).

Layout: pure functions first (which criteria are listed, the deadlines, the refusals), then reads, writes and
the reports (Excel through ``criteria.xlsx``, PDF through WeasyPrint). A note is ``models.LostPointNote``: one
per submission, criterion and stage, versioned against silent overwrites like ``Entry``.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from config.versioning import ConflictError, check_version, stamp
from criteria.inputs import clean_text
from criteria.xlsx import POINTS_FORMAT, text_row, total_cell, write_table
from submissions.rules import LOCAL, local

from .models import LostPointNote, LostPointsPlan, RankingVersion

PRELIMINARY, APPRAISED = LostPointNote.PRELIMINARY, LostPointNote.APPRAISED
STAGE_LABELS = dict(LostPointNote.STAGES)
#: The stage in a URL.
STAGE_SLUGS = {"so-bo": PRELIMINARY, "sau-cong-bo": APPRAISED}
SLUG_OF = {stage: slug for slug, stage in STAGE_SLUGS.items()}

CAUSE, REMEDY, REMEDY_DUE = "cause", "remedy", "remedy_due"
FIELDS = (CAUSE, REMEDY, REMEDY_DUE)
FIELD_LABELS = {CAUSE: "Nguyên nhân", REMEDY: "Biện pháp xử lý, khắc phục", REMEDY_DUE: "Thời hạn khắc phục"}
MAX_TEXT = 5000

#: Seed 003: the analysis (8.1) at the latest 10 days, the remedial plan (8.2) 20 days after the decision.
DEFAULT_ANALYSIS_DAYS, DEFAULT_PLAN_DAYS = 10, 20


# --------------------------------------------------------------------------- pure


@dataclass(frozen=True)
class Leaf:
    node_id: int
    code: str
    title: str
    max_points: Decimal
    survey: bool = False


@dataclass
class Row:
    """One criterion below its maximum: the score of the stage (self-score or appraised; None = not scored)."""

    node_id: int
    code: str
    title: str
    max_points: Decimal
    points: Decimal | None
    lost: Decimal
    self_points: Decimal | None = None
    council_reason: str = ""
    note: LostPointNote | None = field(default=None, compare=False)

    @property
    def explained(self) -> bool:
        return bool(self.note and self.note.cause.strip())


def below_max(leaves: Iterable[Leaf], points: dict[int, Decimal | None]) -> list[Row]:
    """The preliminary list: every leaf whose expected self-score is below its maximum or not yet given.
    A survey leaf (section I, from the leaders' forms) is not self-scored: it is counted at its maximum, as the
    projected grade counts it, unless a score was entered for it."""
    rows = []
    for leaf in leaves:
        score = points.get(leaf.node_id)
        if score is None and (leaf.survey or leaf.max_points <= 0):
            continue
        if score is None or score < leaf.max_points:
            rows.append(Row(leaf.node_id, leaf.code, leaf.title, leaf.max_points, score,
                            leaf.max_points - (score or Decimal(0)), self_points=score))
    return rows


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return re.sub(r"\s+", " ", "".join(ch for ch in text if unicodedata.category(ch) != "Mn"))


def is_evidence_criterion(code: str, title: str = "") -> bool:
    """Criteria 8.1 (analysis of the criteria that lost points) and 8.2 (remedial plan for the next year), by
    code or, in a framework numbered otherwise, by title."""
    if code.strip() in ("8.1", "8.2"):
        return True
    plain = _plain(title)
    return "tieu chi bi tru diem" in plain or "khac phuc han che, yeu kem trong" in plain


def end_of_days_after(day: date, days: int) -> datetime:
    """The half-open end of "at the latest ``days`` days after ``day``": midnight (Asia/Ho_Chi_Minh) starting the
    day after the last day allowed."""
    return datetime.combine(day + timedelta(days=days + 1), time(0), tzinfo=LOCAL)


def edit_refusal(*, stage: str, what: str, now: datetime, status: str = "draft", opens_at: datetime | None = None,
                 closes_at: datetime | None = None, published_on: date | None = None,
                 analysis_days: int = DEFAULT_ANALYSIS_DAYS, plan_days: int = DEFAULT_PLAN_DAYS) -> str:
    """Why a change of field ``what`` of a note of ``stage`` is refused at ``now`` ("" when accepted).

    Preliminary: while the sheet is a draft, from the opening, before ``closes_at`` (the plan's deadline or the
    sheet's, whichever is first; half-open). Appraised: once published (``published_on``, the decision's date);
    the cause (8.1) until ``analysis_days`` after it, the remedy and its due date (8.2) until ``plan_days``."""
    if stage == PRELIMINARY:
        if status == "sent":
            return ("Báo cáo đã được gửi đi nên phân tích sơ bộ không còn sửa được; sau khi công bố kết quả, đơn vị "
                    "phân tích điểm bị trừ trên điểm thẩm định.")
        if status == "locked":
            return "Báo cáo đã bị khóa khi hết hạn gửi nên phân tích sơ bộ không còn sửa được."
        if opens_at is not None and now < opens_at:
            return f"Kỳ đánh giá chưa mở: nhận phân tích từ {local(opens_at)}."
        if closes_at is not None and now >= closes_at:
            return f"Đã hết hạn phân tích sơ bộ điểm bị mất lúc {local(closes_at)}; hệ thống không nhận thay đổi."
        return ""
    if published_on is None:
        return "Kết quả xếp loại của khối chưa được công bố nên chưa phân tích được điểm bị trừ trên điểm thẩm định."
    if what == CAUSE:
        days, task = analysis_days, "phân tích nguyên nhân điểm bị trừ (tiêu chí 8.1)"
    else:
        days, task = plan_days, "lập kế hoạch khắc phục (tiêu chí 8.2)"
    end = end_of_days_after(published_on, days)
    if now >= end:
        last = end.date() - timedelta(days=1)
        return (f"Đã hết hạn {task}: chậm nhất {days} ngày sau quyết định công bố kết quả ngày "
                f"{published_on:%d/%m/%Y}, tức hết ngày {last:%d/%m/%Y}; hệ thống không nhận thay đổi.")
    return ""


def parse_due(raw: str | None) -> date | None:
    """A due date as a date input sends it (2025-12-31) or as typed (31/12/2025); "" is none."""
    from config.dates import parse_date

    try:
        return parse_date(raw)
    except ValueError:
        pass
    raise ValidationError("Thời hạn khắc phục không đúng dạng ngày (ví dụ 31/12/2025).", code=REMEDY_DUE)


# --------------------------------------------------------------------------- reads


def plan_for(period) -> LostPointsPlan:
    """The period's calendar, or the defaults (unsaved) when the secretariat set none."""
    plan = LostPointsPlan.objects.filter(period=period).first()
    return plan or LostPointsPlan(period=period, analysis_days=DEFAULT_ANALYSIS_DAYS, plan_days=DEFAULT_PLAN_DAYS)


def publication(submission) -> RankingVersion | None:
    """The result in force of the submission's block in its period (the latest published version)."""
    return (RankingVersion.objects.filter(period_id=submission.period_id, block_id=submission.block_id,
                                          status=RankingVersion.PUBLISHED).order_by("-number").first())


def decision_day(version: RankingVersion | None) -> date | None:
    if version is None:
        return None
    return version.decision_date or timezone.localdate(version.published_at or timezone.now())


def sheet_closes_at(submission) -> datetime:
    # The sheet's own deadline (its block's, when the period gives blocks their own), else the period's.
    return getattr(submission, "closes_at", None) or submission.period.closes_at


@dataclass
class Calendar:
    """When the notes of one submission and stage may be changed, and why not now (per field)."""

    stage: str
    version: RankingVersion | None
    closes: dict[str, datetime | None]
    refusals: dict[str, str]

    @property
    def open(self) -> bool:
        return not all(self.refusals.values())

    @property
    def message(self) -> str:
        """The one line the page shows: the first refusal, or the deadline(s)."""
        if all(self.refusals.values()):
            return self.refusals[CAUSE]
        if self.stage == PRELIMINARY:
            return f"Hạn phân tích sơ bộ: {local(self.closes[CAUSE])}." if self.closes[CAUSE] else ""
        parts = []
        for what, label in ((CAUSE, "phân tích nguyên nhân (8.1)"), (REMEDY, "kế hoạch khắc phục (8.2)")):
            end = self.closes[what]
            state = self.refusals[what] and " — đã hết hạn" or ""
            parts.append(f"{label} đến hết ngày {(end.date() - timedelta(days=1)):%d/%m/%Y}{state}")
        return "Hạn " + "; ".join(parts) + "."


def calendar(submission, stage: str, *, now: datetime | None = None, plan: LostPointsPlan | None = None,
             version: RankingVersion | None = None) -> Calendar:
    now = now or timezone.now()
    plan = plan or plan_for(submission.period)
    if stage == PRELIMINARY:
        closes = sheet_closes_at(submission)
        if plan.deadline is not None:
            closes = min(closes, plan.deadline)
        refusal = edit_refusal(stage=stage, what=CAUSE, now=now, status=submission.status,
                               opens_at=submission.period.opens_at, closes_at=closes)
        return Calendar(stage, None, dict.fromkeys(FIELDS, closes), dict.fromkeys(FIELDS, refusal))
    version = version or publication(submission)
    day = decision_day(version)
    closes, refusals = {}, {}
    for what in FIELDS:
        days = plan.analysis_days if what == CAUSE else plan.plan_days
        closes[what] = end_of_days_after(day, days) if day else None
        refusals[what] = edit_refusal(stage=stage, what=what, now=now, published_on=day,
                                      analysis_days=plan.analysis_days, plan_days=plan.plan_days)
    return Calendar(stage, version, closes, refusals)


def _leaves(framework_ids: Iterable[int]) -> dict[int, list[Leaf]]:
    from criteria.models import Node

    out: dict[int, list[Leaf]] = defaultdict(list)
    for node in Node.objects.filter(framework_id__in=set(framework_ids)).order_by("framework_id", "ordering"):
        if node.rule:
            out[node.framework_id].append(Leaf(node.id, node.code, node.title, Decimal(node.max_points),
                                               survey=node.is_survey))
    return out


def _notes(submission_ids: list[int], stage: str) -> dict[tuple[int, int], LostPointNote]:
    return {(n.submission_id, n.node_id): n for n in LostPointNote.objects.filter(
        submission_id__in=submission_ids, stage=stage).select_related("updated_by")}


def rows_for(submissions: list, stage: str) -> dict[int, list[Row]]:
    """submission id → its rows at ``stage``, each with its note. Preliminary: bulk (three queries). Appraised:
    ``ranking.reports.lost_points`` of each sheet (the list the unit downloads after publication)."""
    from submissions.models import Entry

    ids = [s.pk for s in submissions]
    notes = _notes(ids, stage)
    out: dict[int, list[Row]] = {}
    if stage == PRELIMINARY:
        leaves = _leaves(s.framework_id for s in submissions)
        points: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
        for sid, node_id, value in Entry.objects.filter(submission_id__in=ids).values_list(
                "submission_id", "node_id", "points"):
            points[sid][node_id] = value
        for s in submissions:
            out[s.pk] = below_max(leaves.get(s.framework_id, []), points[s.pk])
    else:
        from .reports import lost_points

        for s in submissions:
            out[s.pk] = [Row(r["node_id"], r["code"], r["title"], Decimal(r["max"]), r["appraised"], r["lost"],
                             self_points=r["self"], council_reason=r["reason"]) for r in lost_points(s)]
    for sid, rows in out.items():
        for row in rows:
            row.note = notes.get((sid, row.node_id))
    return out


def rows(submission, stage: str) -> list[Row]:
    return rows_for([submission], stage)[submission.pk]


def totals(rows: list[Row]) -> dict:
    return {"lost": sum((r.lost for r in rows), Decimal(0)), "count": len(rows),
            "explained": sum(1 for r in rows if r.explained)}


def period_submissions(period, stage: str) -> list:
    """The sheets of a period the consolidated report covers: every sheet (preliminary), or those of the blocks
    whose result is published (appraised)."""
    from submissions.models import Submission

    submissions = Submission.objects.filter(period=period).select_related("unit", "block", "period", "framework")
    if stage == APPRAISED:
        published = RankingVersion.objects.filter(period=period, status=RankingVersion.PUBLISHED).values("block_id")
        submissions = submissions.filter(block_id__in=published)
    return list(submissions.order_by("block__ordering", "unit__name"))


def previous_year(submission) -> list[dict]:
    """Last year's sheets of the same unit or of the units it continues (a merger gives several, a split the
    predecessor), of the same kind of period, whose result is published: [{submission, version, former}],
    nearest in the lineage first. What the council of ``submission``'s period reads as evidence of 8.1/8.2."""
    from submissions import lineage
    from submissions.models import Submission

    owners = lineage.owners([submission.unit_id])
    candidates = (Submission.objects.filter(unit_id__in=list(owners), period__year=submission.period.year - 1,
                                            period__kind=submission.period.kind)
                  .exclude(period_id=submission.period_id).select_related("unit", "period", "block", "framework"))
    found = []
    for old in candidates:
        version = publication(old)
        if version is not None:
            found.append({"submission": old, "version": version, "former": old.unit_id != submission.unit_id,
                          "distance": owners[old.unit_id][0][0]})
    return sorted(found, key=lambda item: (item["distance"], item["submission"].unit.name))


# --------------------------------------------------------------------------- writes


def _changed(note: LostPointNote, typed: dict) -> list[str]:
    return [what for what, value in typed.items() if value != getattr(note, what)]


class NoteConflict(ConflictError):
    """Someone else saved the same note since the page was loaded; ``note`` holds their version."""

    def __init__(self, message: str, note: LostPointNote):
        super().__init__(message, note)
        self.note = note


def _excerpt(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


@transaction.atomic
def note_save(*, submission, node, stage: str, actor, version: int, cause: str | None = None,
              remedy: str | None = None, remedy_due: str | None = None, now: datetime | None = None
              ) -> LostPointNote:
    """Save one criterion's cause, remedy and due date at ``stage``. ``None`` leaves a field as it is; an
    unchanged field is never refused. The submission row is locked (a send and a note save serialise), then the
    note row; ``version`` must equal the one the form was loaded with, otherwise :class:`NoteConflict` carries
    the other person's note and nothing is written. A refusal names the wrong field in its ``code``."""
    from submissions.models import Submission

    if stage not in STAGE_LABELS:
        raise ValidationError("Giai đoạn phân tích không hợp lệ.")
    if node.framework_id != submission.framework_id or not node.rule:
        raise ValidationError("Tiêu chí không thuộc bộ tiêu chí của báo cáo hoặc không phải tiêu chí chấm điểm.")
    now = now or timezone.now()
    typed = {}
    for what, raw in ((CAUSE, cause), (REMEDY, remedy)):
        if raw is not None:
            try:
                typed[what] = clean_text(raw, label=FIELD_LABELS[what], max_length=MAX_TEXT)
            except ValidationError as exc:
                raise ValidationError(exc.messages[0], code=what) from None
    if remedy_due is not None:
        typed[REMEDY_DUE] = parse_due(remedy_due)
    submission = Submission.objects.select_for_update().select_related("period").get(pk=submission.pk)
    note = LostPointNote.objects.select_for_update().filter(submission=submission, node=node, stage=stage).first()
    if note is None:
        blank = LostPointNote(submission=submission, node=node, stage=stage)
        if version == 0 and not _changed(blank, typed):
            return blank  # nothing typed: no row is written
        try:
            with transaction.atomic():
                note = LostPointNote.objects.create(submission=submission, node=node, stage=stage)
        except IntegrityError:
            pass
        note = LostPointNote.objects.select_for_update().get(submission=submission, node=node, stage=stage)
    check_version(note, version, what=f"Phân tích tiêu chí {node.code}",
                  shown=f"nguyên nhân: “{_excerpt(note.cause)}”" if note.cause else "chưa ghi nguyên nhân",
                  advice="Trang của bạn đã cũ nên thay đổi chưa được lưu; nội dung bạn nhập vẫn còn trong ô: hãy xem "
                         "nội dung hiện tại rồi bấm Lưu lại nếu vẫn muốn thay.", error=NoteConflict)
    changed = _changed(note, typed)
    if not changed:
        return note
    window = calendar(submission, stage, now=now)
    for what in changed:
        if window.refusals[what]:
            raise ValidationError(window.refusals[what], code=what)
    for what in changed:
        setattr(note, what, typed[what])
    stamp(note, actor=actor, now=now)
    note.save()
    return note


def _int(raw, label: str, code: str) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{label} phải là số ngày (số nguyên).", code=code) from None
    if not 1 <= value <= 366:
        raise ValidationError(f"{label} phải từ 1 đến 366 ngày.", code=code)
    return value


@transaction.atomic
def plan_save(*, period, actor, deadline: datetime | None, analysis_days, plan_days) -> LostPointsPlan:
    """The secretariat sets the period's calendar. The preliminary deadline falls inside the period's window
    (after the opening, not after the sheets' deadline: the preliminary analysis is of the draft)."""
    if deadline is not None:
        if deadline <= period.opens_at:
            raise ValidationError(f"Hạn phân tích sơ bộ ({local(deadline)}) phải sau thời điểm mở nhận báo cáo "
                                  f"({local(period.opens_at)}).", code="deadline")
        if deadline > period.closes_at:
            raise ValidationError(f"Hạn phân tích sơ bộ ({local(deadline)}) không được muộn hơn hạn gửi báo cáo "
                                  f"({local(period.closes_at)}).", code="deadline")
    analysis = _int(analysis_days, "Số ngày phân tích điểm bị trừ (8.1)", "analysis_days")
    plan = _int(plan_days, "Số ngày lập kế hoạch khắc phục (8.2)", "plan_days")
    if plan < analysis:
        raise ValidationError("Kế hoạch khắc phục (8.2) được lập sau bản phân tích (8.1): số ngày của 8.2 không "
                              "được ít hơn của 8.1.", code="plan_days")
    row, _ = LostPointsPlan.objects.select_for_update().get_or_create(period=period)
    row.deadline, row.analysis_days, row.plan_days, row.updated_by = deadline, analysis, plan, actor
    row.save()
    return row


# --------------------------------------------------------------------------- reports


def _due(note: LostPointNote | None):
    return note.remedy_due if note and note.remedy_due else None


def _note_cells(note: LostPointNote | None) -> list:
    return [note.cause if note else "", note.remedy if note else "", _due(note)]


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def unit_workbook(submission, stage: str) -> bytes:
    """The unit's report for its leader. After publication: the workbook of ``reports.lost_points_workbook``
    (self, appraised, the council's reason) with the unit's cause, remedy and due date beside each row."""
    found = rows(submission, stage)
    if stage == APPRAISED:
        from .reports import lost_points_workbook

        return lost_points_workbook(submission, notes={r.node_id: r.note for r in found})
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Phân tích sơ bộ")
    table = [text_row(sheet, [f"ĐÁNH GIÁ SƠ BỘ, PHÂN TÍCH ĐIỂM BỊ MẤT — {submission.unit.name.upper()} — "
                              f"{submission.period.name}"])]
    table.append(["Mã", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm (dự kiến)", "Điểm bị mất", *FIELD_LABELS.values()])
    for row in found:
        table.append(text_row(sheet, [row.code, row.title, row.max_points, row.points, row.lost,
                                      *_note_cells(row.note)]))  # the unit's texts stay text
    table.append(text_row(sheet, ["", "TỔNG ĐIỂM BỊ MẤT", None, None, total_cell(sheet, totals(found)["lost"])]))
    write_table(sheet, table, header_row=2, formats=dict.fromkeys(range(2, 5), POINTS_FORMAT),
                caps={1: 50, 5: 40, 6: 40})
    return _save(workbook)


def period_workbook(period, stage: str) -> bytes:
    """The secretariat's consolidated report: every unit of the period on one sheet, one row per criterion."""
    submissions = period_submissions(period, stage)
    by_submission = rows_for(submissions, stage)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tổng hợp")
    rows = [text_row(sheet, [f"TỔNG HỢP PHÂN TÍCH ĐIỂM BỊ MẤT — {STAGE_LABELS[stage].upper()} — {period.name}"])]
    score = "Điểm tự chấm (dự kiến)" if stage == PRELIMINARY else "Điểm thẩm định"
    extra = ["Lý do của Hội đồng"] if stage == APPRAISED else []
    rows.append(["Khối", "Mã đơn vị", "Đơn vị", "Mã tiêu chí", "Tiêu chí", "Điểm tối đa", score,
                 "Điểm bị mất", *extra, *FIELD_LABELS.values(), "Người cập nhật", "Cập nhật lúc"])
    for submission in submissions:
        for row in by_submission[submission.pk]:
            note = row.note
            updated = timezone.localtime(note.updated_at).replace(tzinfo=None) if note and note.updated_at else None
            rows.append(text_row(sheet, [
                submission.block.name, submission.unit.code, submission.unit.name, row.code, row.title,
                row.max_points, row.points, row.lost, *([row.council_reason] if extra else []),
                *_note_cells(note), str(note.updated_by) if note and note.updated_by else "", updated]))
    write_table(sheet, rows, header_row=2, formats=dict.fromkeys(range(5, 8), POINTS_FORMAT),
                caps={0: 25, 2: 30, 4: 45, 8: 40, 9: 40, 10: 40, 11: 40})
    return _save(workbook)


def report_html(groups: list[dict], *, stage: str, title: str, period) -> str:
    """The printed report of one unit (a group) or of the period (a group per unit): criterion, max, score, lost,
    cause, remedy, due date; ``groups`` = [{"submission", "rows", "totals", "version"}]."""
    html = render_to_string("ranking/lost_points/report.html", {
        "groups": groups, "stage": stage, "appraised": stage == APPRAISED, "title": title, "period": period,
        "stage_label": STAGE_LABELS[stage], "printed_at": timezone.localtime(),
        "font_dir": (settings.BASE_DIR / "static" / "fonts").as_uri(),
    })
    return unicodedata.normalize("NFC", html)


def report_pdf(groups: list[dict], *, stage: str, title: str, period) -> bytes:
    from config.pdf import render_pdf

    html = report_html(groups, stage=stage, title=title, period=period)
    units = {g["submission"].unit.name for g in groups}
    author = units.pop() if len(units) == 1 else period.authority.name
    return render_pdf(html, title=f"{title} — {period.name}", author=author,
                      subject=f"{STAGE_LABELS[stage]} — {period.name}")


def groups_for(submissions: list, stage: str) -> list[dict]:
    by_submission = rows_for(submissions, stage)
    return [{"submission": s, "rows": by_submission[s.pk], "totals": totals(by_submission[s.pk]),
             "version": publication(s) if stage == APPRAISED else None} for s in submissions]


def title_of(stage: str) -> str:
    if stage == PRELIMINARY:
        return "BÁO CÁO ĐÁNH GIÁ SƠ BỘ, PHÂN TÍCH NỘI DUNG MẤT ĐIỂM"
    return "BÁO CÁO PHÂN TÍCH TỒN TẠI, HẠN CHẾ, TIÊU CHÍ BỊ TRỪ ĐIỂM VÀ KẾ HOẠCH KHẮC PHỤC"
