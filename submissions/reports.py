"""The unit's score sheet as PDF (WeasyPrint) and the summary table (Bảng tổng hợp) as Excel."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from appraisal.paper import mark_sheet
from criteria.scoring import fmt, input_lines, input_text
from criteria.xlsx import POINTS_FORMAT, TOTAL_FORMAT, value_cell, write_table

from .models import Submission
from .selectors import submission_sheet


def _rows(items, out=None):
    out = [] if out is None else out
    for item in items:
        out.append(item)
        _rows(item.children, out)
    return out


def score_sheet_pdf(submission: Submission, *, now: datetime | None = None) -> bytes:
    """Biểu chấm điểm: Quốc hiệu, tiêu ngữ, the tree with subtotals, header repeated, "Trang x/y". It is also
    the summary table the unit signs before sending: it carries the submission, its period and the fingerprint
    of the sheet's content on the page and in its document information (``submissions.signed_summary``)."""
    from config.pdf import render_pdf

    from .document_lines import date_line, place_name
    from .signed_summary import pdf_finisher, sheet_fingerprint

    sheet = submission_sheet(submission)
    paper = mark_sheet(sheet)  # a block on paper: the "Nhập từ hồ sơ giấy" mark of each leaf
    printed_at = timezone.localtime(now)  # ``now``: the moment it is exported (the demo replays past years)
    fp = sheet_fingerprint(submission, sheet)
    place = place_name(submission.period.authority.name)
    html = render_to_string("submissions/print/score_sheet.html", {
        "submission": submission, "rows": _rows(sheet.roots), "total": sheet.total, "fingerprint": fp, "paper": paper,
        "printed_at": printed_at, "font_dir": (settings.BASE_DIR / "static" / "fonts").as_uri(),
        "date_line": date_line(place, printed_at.date()),
    })
    html = unicodedata.normalize("NFC", html)
    return render_pdf(html, title=f"Biểu chấm điểm — {submission.unit.name} — {submission.period.name}",
                      author=submission.unit.name, pdfa=True,
                      subject=f"Bảng tổng hợp kết quả tự đánh giá, chấm điểm năm {submission.period.year}",
                      finisher=pdf_finisher(submission, fp, printed_at))


def summary_workbook(submission: Submission) -> bytes:
    """Bảng tổng hợp kết quả tự đánh giá: one row per node, write-only workbook."""
    sheet = submission_sheet(submission)
    paper = mark_sheet(sheet)  # a block on paper: the last column says who entered each leaf from paper, when
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Bảng tổng hợp")

    def cell(value, bold=False, wrap=False, number=False, total=False):
        c = value_cell(ws, value)  # text (explanations, reasons, names) stays text, never a formula
        if bold:
            c.font = Font(bold=True)
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        if number:
            c.number_format = TOTAL_FORMAT if total else POINTS_FORMAT
        return c

    rows = [
        [cell(f"BẢNG TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ, CHẤM ĐIỂM — {submission.unit.name.upper()}", bold=True)],
        [cell(f"{submission.period.name} · Bộ tiêu chí {submission.framework.code}")],
        [],
        ["STT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Điểm tối đa", "Điểm tự chấm", "Số tài liệu", "Giải trình",
         "Tỷ lệ % đã nhập", "Số liệu, mức đạt (☒ trường hợp đã chọn)", "Cách tính",
         *(["Nhập từ hồ sơ giấy"] if paper else [])],
    ]
    for item in _rows(sheet.roots):
        node = item.node
        points = item.subtotal if item.children else item.points
        rows.append([
            cell(node.code, bold=bool(item.children)),
            cell(node.title, bold=bool(item.children), wrap=True),
            cell(Decimal(node.max_points), number=True, total=bool(item.children)),
            cell(points, number=True, total=bool(item.children)) if points is not None else cell(None),
            cell(None if item.children else len(item.evidence)),
            cell("" if item.children or not item.entry else item.entry.explanation, wrap=True),
            *_entered_cells(item, cell),
            *([cell(paper_mark_text(item))] if paper else []),
        ])
    rows.append([cell(""), cell("TỔNG CỘNG", bold=True),
                 cell(Decimal(submission.framework.total_points), bold=True, number=True, total=True),
                 cell(sheet.total, bold=True, number=True, total=True)])
    # A4 landscape, one page wide, header repeated and frozen; long texts wrap (titles at 55, the rest narrower)
    write_table(ws, rows, header_row=4, caps={0: 10, 1: 55, 5: 45, 7: 30, 8: 30})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _entered_cells(item, cell) -> list:
    """The percentage as typed (a number, so 79,996 stays 79,996), what was entered beside it (special
    outcomes offered, ticked when chosen; the chosen level and the count) and how the score was obtained."""
    if item.children:
        return [cell(None), cell(""), cell("")]
    entry = item.entry
    lines = input_lines(item.rule, choice=entry.choice if entry else None, percent=entry.percent if entry else None,
                        count=entry.count if entry else None)
    percent = cell(entry.percent if entry and entry.percent is not None else None)
    if entry and entry.percent is not None:
        percent.number_format = "0.0###"
    return [percent, cell(input_text(lines), wrap=True), cell(entry.reason if entry else "", wrap=True)]


def paper_mark_text(item) -> str:
    """Who entered a leaf from the paper dossier, and when ("" for a section or a leaf not entered so)."""
    mark = getattr(item, "paper", None)
    return f"{mark.user}, {timezone.localtime(mark.at):%H:%M %d/%m/%Y}" if mark else ""


def points_text(value) -> str:
    return fmt(value, 2) if value is not None else ""


def self_report_table(submission: Submission) -> dict:
    """The table "1. Kết quả tự đánh giá" of the report: one row per section (area) with its maximum and the
    self-score. In a rank-only period (PAR index, seed 004) the areas the unit does not score (every leaf a
    survey: the secretariat enters the survey part) are left out, so the table is seed 004's 7 rows = 82; a
    grading period keeps section I as "Lãnh đạo chấm"."""
    from .models import Period

    sheet = submission_sheet(submission)
    areas = [item for root in sheet.roots for item in root.children]
    if submission.period.kind == Period.RANK_ONLY:
        areas = [a for a in areas if a.leaves]
    return {"areas": areas, "total": sum((a.subtotal for a in areas), Decimal(0)),
            "max_total": sum((a.node.max_points for a in areas), Decimal(0))}


def self_report_pdf(submission: Submission) -> bytes:
    """Báo cáo tự đánh giá in the layout of seed 004: header, sections I–III, the table of areas."""
    from config.pdf import render_pdf

    return render_pdf(self_report_html(submission), title=f"Báo cáo tự đánh giá — {submission.unit.name}",
                      author=submission.unit.name, subject=f"Báo cáo tự đánh giá — {submission.period.name}")


def self_report_html(submission: Submission) -> str:
    """The report's HTML (NFC): Quốc hiệu on one line, "<địa danh>, ngày ... tháng ... năm ...", "Nơi nhận" as
    typed (``submissions.document_lines``), table rows never split across pages."""
    from .document_lines import date_line, place_name, recipient_lines
    from .models import SelfReport

    report = SelfReport.objects.filter(submission=submission).first() or SelfReport(submission=submission)
    printed_at = timezone.localtime()
    authority = submission.period.authority.name
    html = render_to_string("submissions/print/self_report.html", {
        "submission": submission, "report": report, **self_report_table(submission),
        "printed_at": printed_at, "date_line": date_line(place_name(authority, report.place), printed_at.date()),
        "recipients": recipient_lines(report.recipients, [f"{authority};", "Lưu: VT."]),
        "font_dir": (settings.BASE_DIR / "static" / "fonts").as_uri(),
    })
    return unicodedata.normalize("NFC", html)
