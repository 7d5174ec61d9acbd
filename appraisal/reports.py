"""Excel export of every appraised score with the self-score, the difference and the comment."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook

from criteria.models import Node
from criteria.scoring import input_lines, input_text, parse_rule
from criteria.xlsx import PERCENT_FORMAT, POINTS_FORMAT, text_row, write_table
from submissions.models import Entry, Submission

from .models import Appraisal


def _entered(node: Node, appraisal: Appraisal | None, rules: dict) -> list:
    """The council's inputs beside its score: the percentage as typed, the special outcomes offered beside it
    (☒ when chosen), the chosen level and the count (``criteria.scoring.input_lines``), and the reason."""
    if appraisal is None:
        return [None, "", ""]
    if node.id not in rules:
        rules[node.id] = parse_rule(node.rule, node.max_points)
    rule = rules[node.id]
    lines = input_lines(rule, choice=appraisal.choice, percent=appraisal.percent, count=appraisal.count)
    return [appraisal.percent, input_text(lines), appraisal.reason]


def appraisal_workbook(period) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Thẩm định")
    rows = [[
        "Khối", "Đơn vị", "Mã tiêu chí", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm", "Điểm thẩm định", "Chênh lệch",
        "Nhận xét", "Người thẩm định", "Thời điểm", "Tỷ lệ % thẩm định",
        "Số liệu, mức đạt thẩm định (☒ trường hợp đã chọn)", "Cách tính"]]
    submissions = list(Submission.objects.filter(period=period).select_related("unit", "block")
                       .order_by("block__ordering", "unit__name"))
    nodes = {n.id: n for n in Node.objects.filter(framework_id__in={s.framework_id for s in submissions})}
    entries = {(e.submission_id, e.node_id): e.points for e in Entry.objects.filter(submission__in=submissions)}
    appraisals = {(a.submission_id, a.node_id): a for a in Appraisal.objects.filter(submission__in=submissions)
                  .select_related("updated_by")}
    rules: dict = {}
    for submission in submissions:
        leaves = sorted((n for n in nodes.values() if n.framework_id == submission.framework_id and n.rule),
                        key=lambda n: n.ordering)
        for node in leaves:
            own = entries.get((submission.pk, node.id))
            appraisal = appraisals.get((submission.pk, node.id))
            points = appraisal.points if appraisal else None
            difference = (points - own) if points is not None and own is not None else None
            rows.append(text_row(sheet, [  # user text (comments, reasons, names) stays text
                submission.block.name, submission.unit.name, node.code, node.title, Decimal(node.max_points),
                own, points, difference, appraisal.comment if appraisal else "",
                str(appraisal.updated_by) if appraisal and appraisal.updated_by else "",
                timezone.localtime(appraisal.updated_at).replace(tzinfo=None) if appraisal and appraisal.updated_at
                else None,  # Vietnam time: Excel has no time zones
                *_entered(node, appraisal, rules),
            ]))
    # A4 landscape, one page wide, header repeated and frozen; points exact, percentages as typed
    write_table(sheet, rows, formats={**dict.fromkeys(range(4, 8), POINTS_FORMAT), 11: PERCENT_FORMAT},
                caps={0: 25, 1: 25, 3: 45, 8: 40, 12: 30, 13: 30})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
