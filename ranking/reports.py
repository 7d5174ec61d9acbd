"""Ranking reports: the workbook (a sheet per block, write-only openpyxl), the annex to the chairman's
decision as PDF (WeasyPrint), signed with pyHanko (PAdES, visible stamp), and a unit's lost points."""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from appraisal.models import Appraisal
from appraisal.selectors import criterion_scores
from config.responses import download_name
from criteria.grades import GRADE_LABELS
from criteria.models import Node
from criteria.xlsx import POINTS_FORMAT, TIE_FORMAT, TOTAL_FORMAT, sheet_title, text_row, total_cell, write_table
from submissions.models import Entry, Period, Submission

from .models import RankingVersion, ReportJob


def workbook_filename(period: Period) -> str:
    return download_name("Bảng xếp loại", period.year, ext="xlsx")


def annex_filename(period: Period) -> str:
    return download_name("Phụ lục xếp loại", period.year, ext="pdf")


def report_filename(kind: str, period: Period) -> str:
    """The name a person downloads a report job's file under (the stored file has a random name)."""
    return annex_filename(period) if kind == ReportJob.ANNEX else workbook_filename(period)


def lost_points_filename(submission: Submission) -> str:
    return download_name("Điểm bị trừ", submission.unit.name, submission.period.year, ext="xlsx")


def current_versions(period: Period) -> list[RankingVersion]:
    """Per block, the published version if any, else the latest one."""
    chosen: dict[int, RankingVersion] = {}
    for version in RankingVersion.objects.filter(period=period).select_related("block").order_by("block__ordering",
                                                                                                 "-number"):
        best = chosen.get(version.block_id)
        if best is None or (version.status == RankingVersion.PUBLISHED and best.status != RankingVersion.PUBLISHED):
            chosen[version.block_id] = version
    return list(chosen.values())


def ranking_workbook(versions: list[RankingVersion]) -> bytes:
    """A sheet per block: rank, totals, one column per criterion (appraised points), grades and reasons."""
    workbook = Workbook(write_only=True)
    for version in versions:
        snap = version.snapshot
        sheet = workbook.create_sheet(sheet_title(snap["block"]["name"], workbook.sheetnames))
        codes = snap["criteria"]
        ids = [row["submission_id"] for row in snap["units"] if "submission_id" in row]
        scores = criterion_scores(ids)  # frozen at the close of the appraisal, or summed from the scores
        frameworks = Submission.objects.filter(id__in=ids).values("framework_id").distinct()
        column_of = dict(Node.objects.filter(framework_id__in=frameworks, criterion_id=F("id"))
                         .values_list("id", "code"))
        rows = [["Hạng", "Mã", "Đơn vị", "Tổng điểm", "Tổng điểm (3 số lẻ)", *codes,
                 "Đủ điều kiện", "Xếp loại", "Đơn vị đề xuất", "Bằng điểm", "Lý do"]]
        for row in snap["units"]:
            rows.append(text_row(sheet, [  # names and reasons stay text
                row["rank"], row["id"], row["name"], Decimal(row["total"]), Decimal(row["total3"]),
                *_by_code(scores.get(row.get("submission_id"), {}), column_of, codes),
                GRADE_LABELS.get(row["qualified"] or "", ""), GRADE_LABELS.get(row["grade"] or "", ""),
                GRADE_LABELS.get(row.get("proposed_grade") or "", ""), "x" if row["tie"] else "",
                "\n".join(row["reasons"]),
            ]))
        # totals as published (2 decimals), the tie-break total at 3, criteria exact (docs/regulation.md)
        write_table(sheet, rows, formats={3: TOTAL_FORMAT, 4: TIE_FORMAT,
                                          **{5 + i: POINTS_FORMAT for i in range(len(codes))}},
                    caps={2: 40, 5 + len(codes) + 4: 60})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _by_code(points: dict[int, Decimal], column_of: dict[int, str], codes: list[str]) -> list:
    by_code = {column_of[node_id]: value for node_id, value in points.items() if node_id in column_of}
    return [by_code.get(code) for code in codes]


def annex_decisions(versions: list[RankingVersion]) -> list[tuple[str, object, list[str]]]:
    """(decision number, its date, the blocks it approves) for the published blocks of the annex, in block
    order; blocks approved by the same decision share one line. Each block's own decision, never the first's."""
    out: dict[tuple, list[str]] = {}
    for version in versions:
        if version.is_published and version.decision_number:
            key = (version.decision_number, version.decision_date)
            out.setdefault(key, []).append(version.snapshot["block"]["name"])
    return [(number, day, blocks) for (number, day), blocks in out.items()]


def annex_stamp(versions: list[RankingVersion]) -> str:
    """The visible signature stamp: "Phụ lục kèm Quyết định số 12/QĐ-UBND" for one decision, each decision
    with its blocks when the blocks were approved by several."""
    decisions = annex_decisions(versions)
    if len(decisions) == 1:
        return f"Phụ lục kèm Quyết định số {decisions[0][0]}"
    return "Phụ lục kèm các Quyết định số " + "; ".join(f"{number} ({', '.join(blocks)})"
                                                        for number, _day, blocks in decisions)


def annex(period: Period, *, signed: bool | None = None) -> bytes:
    """The annex of ``period``'s current results, the one way every path makes it (the page, the background
    job, ``manage.py ranking_report``). ``signed``: None signs when every block is published (a draft annex is
    never signed); True requires it (refused, naming the blocks not yet approved); False never signs.
    Raises ValueError in Vietnamese when nothing can be made."""
    versions = current_versions(period)
    if not versions:
        raise ValueError("Kỳ đánh giá chưa có kết quả xếp loại.")
    unpublished = [str(v.block) for v in versions if not v.is_published]
    if signed and unpublished:
        raise ValueError(f"Chưa ký được: kết quả của {', '.join(unpublished)} chưa được phê duyệt.")
    pdf = annex_pdf(period, versions)
    if signed or (signed is None and not unpublished):
        pdf = sign(pdf, stamp_text=annex_stamp(versions))
    return pdf


def annex_html(period: Period, versions: list[RankingVersion], *, printed_at=None, font_dir: str | None = None) -> str:
    """The annex's HTML (``printed_at``, ``font_dir``: fixed by tests/migration/published_content.py)."""
    return render_to_string("ranking/annex.html", {
        "period": period, "versions": versions,
        "printed_at": printed_at or timezone.localtime(), "decisions": annex_decisions(versions),
        "font_dir": font_dir or (settings.BASE_DIR / "static" / "fonts").as_uri(),
    })


def annex_pdf(period: Period, versions: list[RankingVersion]) -> bytes:
    """Phụ lục kết quả xếp loại: PDF/A-3b, tagged, with its title, issuer and subject (``config.pdf``)."""
    from config.pdf import render_pdf

    html = annex_html(period, versions)
    return render_pdf(unicodedata.normalize("NFC", html), title=f"Phụ lục kết quả xếp loại — {period.name}",
                      author=period.authority.name, pdfa=True,
                      subject=f"Kết quả đánh giá, xếp loại mức độ hoàn thành nhiệm vụ năm {period.year}")


def sign(pdf: bytes, *, stamp_text: str) -> bytes:
    """Sign with the PKCS#12 file named in settings (``make run`` creates a development one)."""
    from .signing import sign_pdf

    path = settings.RANKING_SIGNING_P12
    with open(path, "rb") as fh:
        pkcs12 = fh.read()
    return sign_pdf(pdf, pkcs12=pkcs12, passphrase=settings.RANKING_SIGNING_PASSPHRASE.encode(),
                    stamp_text=stamp_text)


def lost_points(submission: Submission) -> list[dict]:
    """Per leaf: max, self, appraised, points lost and the appraiser's reason: next year's 8.1/8.2 input."""
    entries = {e.node_id: e.points for e in Entry.objects.filter(submission=submission)}
    appraisals = {a.node_id: a for a in Appraisal.objects.filter(submission=submission)}
    rows = []
    for node in Node.objects.filter(framework_id=submission.framework_id).order_by("ordering"):
        if not node.rule:
            continue
        appraisal = appraisals.get(node.id)
        points = appraisal.points if appraisal and appraisal.points is not None else Decimal(0)
        lost = node.max_points - points
        if lost > 0:
            rows.append({"node_id": node.id, "code": node.code, "title": node.title, "max": node.max_points,
                         "self": entries.get(node.id), "appraised": points, "lost": lost,
                         "reason": (appraisal.comment or appraisal.reason) if appraisal else "Chưa thẩm định"})
    return rows


def lost_points_workbook(submission: Submission, notes: dict | None = None) -> bytes:
    """``notes`` (node id → ``LostPointNote`` or None): the unit's analysis after publication
    (``ranking.lost_points``), written as three more columns: cause, remedy, due date."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Điểm bị trừ")
    title = f"PHÂN TÍCH ĐIỂM BỊ TRỪ — {submission.unit.name.upper()} — {submission.period.name}"
    rows = [text_row(sheet, [title])]
    extra = ["Nguyên nhân", "Biện pháp xử lý, khắc phục", "Thời hạn khắc phục"] if notes is not None else []
    rows.append(["Mã", "Tiêu chí", "Điểm tối đa", "Tự chấm", "Thẩm định", "Bị trừ", "Lý do của Hội đồng", *extra])
    total = Decimal(0)
    for row in lost_points(submission):
        total += row["lost"]
        note = (notes or {}).get(row["node_id"])
        analysis = [note.cause, note.remedy, note.remedy_due] if note else ["", "", None]
        rows.append(text_row(sheet, [row["code"], row["title"], row["max"], row["self"], row["appraised"],
                                     row["lost"], row["reason"],  # the council's reason stays text, the unit's too
                                     *(analysis if notes is not None else [])]))
    rows.append(text_row(sheet, ["", "TỔNG ĐIỂM BỊ TRỪ", None, None, None, total_cell(sheet, total)]))
    write_table(sheet, rows, header_row=2, formats=dict.fromkeys(range(2, 6), POINTS_FORMAT),
                caps={1: 50, 6: 45, 7: 40, 8: 40})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
