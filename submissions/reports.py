"""The unit's score sheet as PDF (WeasyPrint) and the summary table (Bảng tổng hợp) as Excel."""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from appraisal.paper import mark_sheet
from criteria.scoring import fmt, input_lines, input_text
from criteria.xlsx import value_cell

from .models import Submission
from .selectors import submission_sheet


def _rows(items, out=None):
    out = [] if out is None else out
    for item in items:
        out.append(item)
        _rows(item.children, out)
    return out


def score_sheet_pdf(submission: Submission) -> bytes:
    """Biểu chấm điểm: Quốc hiệu, tiêu ngữ, the tree with subtotals, header repeated, "Trang x/y". It is also
    the summary table the unit signs before sending: it carries the submission, its period and the fingerprint
    of the sheet's content on the page and in its document information (``submissions.signed_summary``)."""
    from weasyprint import HTML

    from .signed_summary import pdf_finisher, sheet_fingerprint

    sheet = submission_sheet(submission)
    paper = mark_sheet(sheet)  # a block on paper: the "Nhập từ hồ sơ giấy" mark of each leaf
    printed_at = timezone.localtime()
    fp = sheet_fingerprint(submission, sheet)
    html = render_to_string("submissions/print/score_sheet.html", {
        "submission": submission, "rows": _rows(sheet.roots), "total": sheet.total, "fingerprint": fp, "paper": paper,
        "printed_at": printed_at, "font_dir": (settings.BASE_DIR / "static" / "fonts").as_uri(),
    })
    html = unicodedata.normalize("NFC", html)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        finisher=pdf_finisher(submission, fp, printed_at))


def summary_workbook(submission: Submission) -> bytes:
    """Bảng tổng hợp kết quả tự đánh giá: one row per node, write-only workbook."""
    sheet = submission_sheet(submission)
    paper = mark_sheet(sheet)  # a block on paper: the last column says who entered each leaf from paper, when
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Bảng tổng hợp")
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 70
    for col in "CDE":
        ws.column_dimensions[col].width = 14
    ws.column_dimensions["F"].width = 60
    ws.column_dimensions["G"].width = 16
    ws.column_dimensions["H"].width = 50
    ws.column_dimensions["I"].width = 50
    ws.column_dimensions["J"].width = 40

    def cell(value, bold=False, wrap=False, number=False):
        c = value_cell(ws, value)  # text (explanations, reasons, names) stays text, never a formula
        if bold:
            c.font = Font(bold=True)
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        if number:
            c.number_format = "0.00##"
        return c

    ws.append([cell(f"BẢNG TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ, CHẤM ĐIỂM — {submission.unit.name.upper()}", bold=True)])
    ws.append([cell(f"{submission.period.name} · Bộ tiêu chí {submission.framework.code}")])
    ws.append([])
    ws.append([cell(h, bold=True) for h in ("STT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Điểm tối đa",
                                             "Điểm tự chấm", "Số tài liệu", "Giải trình", "Tỷ lệ % đã nhập",
                                             "Số liệu, mức đạt (☒ trường hợp đã chọn)", "Cách tính",
                                             *(["Nhập từ hồ sơ giấy"] if paper else []))])
    for item in _rows(sheet.roots):
        node = item.node
        points = item.subtotal if item.children else item.points
        ws.append([
            cell(node.code, bold=bool(item.children)),
            cell(node.title, bold=bool(item.children), wrap=True),
            cell(Decimal(node.max_points), number=True),
            cell(points, number=True) if points is not None else cell(None),
            cell(None if item.children else len(item.evidence)),
            cell("" if item.children or not item.entry else item.entry.explanation, wrap=True),
            *_entered_cells(item, cell),
            *([cell(paper_mark_text(item))] if paper else []),
        ])
    ws.append([cell(""), cell("TỔNG CỘNG", bold=True), cell(Decimal(submission.framework.total_points)),
               cell(sheet.total, bold=True, number=True)])
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
    from weasyprint import HTML

    from .models import SelfReport

    report = SelfReport.objects.filter(submission=submission).first() or SelfReport(submission=submission)
    html = render_to_string("submissions/print/self_report.html", {
        "submission": submission, "report": report, **self_report_table(submission),
        "printed_at": timezone.localtime(),
        "font_dir": (settings.BASE_DIR / "static" / "fonts").as_uri(),
    })
    return HTML(string=unicodedata.normalize("NFC", html), base_url=str(settings.BASE_DIR)).write_pdf()
