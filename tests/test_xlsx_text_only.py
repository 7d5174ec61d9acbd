"""Issue 15.2: text typed by people never becomes a live formula in any workbook the product writes.

Every export is generated through its real view, with explanations, comments, unit and block names,
account names and criteria titles that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return.
Each saved workbook must hold no formula cell (read back with openpyxl, and no ``<f>`` element in the
sheet XML), every text cell must be a string cell, and the text must come out exactly as stored."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appraisal import services as appraisal_services
from appraisal.models import Appraisal
from criteria.models import Node
from criteria.xlsx import FORMULA_STARTS, text_row, value_cell
from ranking import services as ranking_services
from submissions import services as submission_services
from submissions.models import Block, Entry, Role, Unit, User
from tests.factories import UserFactory, attach_evidence, close_round, make_world, mini_framework

pytestmark = pytest.mark.django_db

TYPED = ['=HYPERLINK("http://ke-xau.example/","Bấm vào đây")', "=1+1 nhận xét", "+1 tài liệu", "-2 điểm",
         "@SUM(A1) giải trình", "=cmd|' /C calc'!A0"]
RAW = ["\t=1+1 có tab", "\r=1+1 có CR"]  # what no form keeps (text is stripped), put in as if by another path


def _leaves(submission):
    return [n for n in Node.objects.filter(framework=submission.framework).order_by("ordering")
            if n.rule and n.rule["kind"] != "survey"]


def _fill_and_send(submission, approver):
    for i, node in enumerate(_leaves(submission)):
        kind = node.rule["kind"]
        value = "0" if kind == "levels" else "100" if kind == "percent" else str(node.max_points)
        submission_services.entry_save(submission=submission, node=node, actor=approver, version=0, value=value,
                                       explanation=f"{TYPED[i % len(TYPED)]} Tại Mục 1 Báo cáo 9/BC")
        attach_evidence(submission, node, approver)
    entries = Entry.objects.filter(submission=submission).order_by("pk")
    for entry, text in zip(entries, RAW, strict=False):
        Entry.objects.filter(pk=entry.pk).update(explanation=text)
    return submission_services.submission_send(submission=submission, actor=approver, proposed_grade="HTTNV",
                                               endorsed_on=timezone.localdate())


@pytest.fixture
def hostile(db):
    w = make_world()
    Unit.objects.filter(pk=w.unit_a.pk).update(name='=HYPERLINK("http://ke-xau.example/","Sở Xây dựng")')
    Unit.objects.filter(pk=w.unit_b.pk).update(name="@Sở Y tế")
    Block.objects.filter(pk=w.block.pk).update(name="+Khối các sở")
    User.objects.filter(pk=w.secretariat.pk).update(full_name="-Thường trực Sở Nội vụ")
    w.sub_a = _fill_and_send(w.sub_a, w.approver_a)
    w.sub_b = _fill_and_send(w.sub_b, w.approver_b)
    for submission, factor in ((w.sub_a, Decimal(1)), (w.sub_b, Decimal("0.9"))):
        for i, node in enumerate(_leaves(submission)):
            value = (node.max_points * factor).quantize(Decimal("0.01"))
            appraisal_services.appraisal_save(submission=submission, node=node, actor=w.secretariat, version=0,
                                              value=str(value), comment=TYPED[(i + 1) % len(TYPED)])
    for appraisal, text in zip(Appraisal.objects.filter(submission=w.sub_b).order_by("pk"), RAW, strict=False):
        Appraisal.objects.filter(pk=appraisal.pk).update(comment=text)
    for unit in (w.unit_a, w.unit_b):
        leader = UserFactory(username=f"ld-{unit.code}")
        Role.objects.create(user=leader, kind=Role.LEADER, authority=w.authority)
        appraisal_services.leader_form_save(period=w.period, leader=leader, unit=unit, submit=True,
                                            answers={c: 5 for c in ("1.1", "1.2", "1.3", "1.4", "1.5")})
    close_round(w.period, w.secretariat)
    for unit in (w.unit_a, w.unit_b):
        ranking_services.facts_save(period=w.period, unit=unit, actor=w.secretariat, outstanding=True,
                                    discipline="none", corruption="none", disunity=False,
                                    subunits_disciplined_share="0", evidence="=1+1 Tờ trình 15/TTr-HĐTĐ")
    ranking_services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    return w


def assert_text_only(data: bytes) -> list:
    """No formula anywhere in the saved workbook; every string is a string cell. Returns every value."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets
        for name in sheets:
            assert not re.search(rb"<(\w+:)?f[\s>/]", package.read(name)), f"{name} holds a formula"
    values = []
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", f"{sheet.title}!{cell.coordinate}"
                    if cell.value.startswith(FORMULA_STARTS):
                        assert cell.quotePrefix, f"{sheet.title}!{cell.coordinate} has no quote prefix"
                values.append(cell.value)
    return values


def _starts_with_every_prefix(texts) -> None:
    assert {p for p in FORMULA_STARTS if any(t.startswith(p) for t in texts)} == set(FORMULA_STARTS)


def test_summary_table_keeps_explanations_and_names_as_text(hostile, client_for):
    response = client_for(hostile.approver_a).get(reverse("submissions:summary_xlsx", args=[hostile.sub_a.pk]))
    assert response.status_code == 200
    values = assert_text_only(response.content)
    explanations = list(Entry.objects.filter(submission=hostile.sub_a).values_list("explanation", flat=True))
    _starts_with_every_prefix(explanations)
    for text in explanations:
        assert text in values
    assert any('=HYPERLINK("HTTP://KE-XAU.EXAMPLE/","SỞ XÂY DỰNG")' in str(v) for v in values)


def test_appraisal_export_keeps_comments_names_and_accounts_as_text(hostile, client_for):
    response = client_for(hostile.secretariat).get(reverse("appraisal:export_xlsx", args=[hostile.period.pk]))
    assert response.status_code == 200
    values = assert_text_only(response.content)
    comments = list(Appraisal.objects.filter(submission__period=hostile.period).exclude(comment="")
                    .values_list("comment", flat=True))
    _starts_with_every_prefix(comments + ["-Thường trực Sở Nội vụ"])
    for text in [*comments, '=HYPERLINK("http://ke-xau.example/","Sở Xây dựng")', "@Sở Y tế", "+Khối các sở",
                 "-Thường trực Sở Nội vụ"]:
        assert text in values, text


def test_ranking_workbook_keeps_unit_names_as_text(hostile, client_for):
    response = client_for(hostile.secretariat).get(reverse("ranking:workbook", args=[hostile.period.pk]))
    assert response.status_code == 200
    values = assert_text_only(response.content)
    assert '=HYPERLINK("http://ke-xau.example/","Sở Xây dựng")' in values and "@Sở Y tế" in values
    assert 100 in values  # numbers stay numbers


def test_lost_points_workbook_keeps_the_council_reasons_as_text(hostile, client_for):
    response = client_for(hostile.secretariat).get(reverse("ranking:lost_points", args=[hostile.sub_b.pk]))
    assert response.status_code == 200
    values = assert_text_only(response.content)
    comments = list(Appraisal.objects.filter(submission=hostile.sub_b).exclude(comment="")
                    .values_list("comment", flat=True))
    _starts_with_every_prefix(comments + ["-2 điểm"])
    for text in comments:
        assert text in values, text
    assert any(isinstance(v, int | float) and v > 0 for v in values)


def test_framework_export_keeps_typed_titles_as_text(admin_user, client_for):
    framework = mini_framework("thu-cong-thuc")
    titles = [*TYPED[1:5], *RAW]  # the mini framework has six nodes
    for node, title in zip(framework.nodes.order_by("ordering"), titles, strict=False):
        Node.objects.filter(pk=node.pk).update(title=title)
    response = client_for(admin_user).get(reverse("criteria:framework_export_xlsx", args=[framework.code]))
    assert response.status_code == 200
    values = assert_text_only(response.content)
    _starts_with_every_prefix(titles)
    for title in titles:
        assert title in values, title


def test_helper_stores_formula_looking_text_as_a_string_and_keeps_numbers():
    from openpyxl import Workbook

    for write_only in (True, False):
        workbook = Workbook(write_only=write_only)
        sheet = workbook.create_sheet("x") if write_only else workbook.active
        sheet.append(text_row(sheet, ["=1+1", "#N/A", Decimal("1.5"), 3, None, "bình thường"]))
        sheet.append([value_cell(sheet, "@A1"), 7])
        buffer = io.BytesIO()
        workbook.save(buffer)
        values = assert_text_only(buffer.getvalue())
        assert values[:4] == ["=1+1", "#N/A", 1.5, 3] and "bình thường" in values and "@A1" in values
        assert 7 in values


def test_every_module_that_writes_a_workbook_goes_through_the_helper():
    """A new export that builds a workbook without ``criteria.xlsx`` fails here (the helper is the one way)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    writers = []
    for app in ("appraisal", "config", "criteria", "ranking", "submissions"):
        for path in (root / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"\bWorkbook\(|\.export\(\s*[\"']xlsx", text) and path.name != "xlsx.py":
                writers.append(path.relative_to(root).as_posix())
                assert re.search(r"from (criteria\.|\.)xlsx import", text), f"{path} writes a workbook without it"
    assert {"appraisal/reports.py", "ranking/reports.py", "submissions/reports.py",
            "criteria/spreadsheet.py"} <= set(writers)
