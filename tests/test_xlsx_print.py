"""Issue 14.6: every workbook the product writes is ready to print and to read (``criteria.xlsx.write_table``,
``printable``): A4 landscape, one page wide, the header row repeated on every printed page and frozen on screen,
columns as wide as their content (longer text wraps, with the row tall enough), sheet names cut at a word,
totals with two decimals and the tie-break total with three (docs/regulation.md).

Each export is built from the demo province (``load_demo``, as ``make run`` builds it, once for the module and
rolled back), read back with openpyxl, then opened and printed by LibreOffice headless (``soffice --convert-to
pdf``; skipped with the reason when LibreOffice is absent): every printed page is landscape and the demo's
summary table (Bảng tổng hợp of Sở Xây dựng, 2024) prints on at most two pages (eleven portrait pages before)."""

import io
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from openpyxl import load_workbook
from pyhanko.pdf_utils.reader import PdfFileReader

from criteria.xlsx import SHEET_TITLE_MAX, TIE_FORMAT, TOTAL_FORMAT, sheet_title, wrapped_lines

pytestmark = pytest.mark.django_db

SUMMARY_MAX_PAGES = 2


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    files = tmp_path_factory.mktemp("demo")
    with override_settings(MEDIA_ROOT=files / "media", RANKING_SIGNING_P12=files / "dev-signing.p12",
                           PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with django_db_blocker.unblock(), transaction.atomic():
            call_command("make_dev_certificate", stdout=StringIO())
            call_command("load_demo", stdout=StringIO())
            yield
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def exports(demo, django_db_blocker):
    """name → (workbook bytes, header row) for every export the product writes, from the demo's 2024 period."""
    from appraisal.reports import appraisal_workbook
    from criteria.models import Framework
    from criteria.spreadsheet import framework_export_xlsx
    from ranking import lost_points as lp
    from ranking import reports
    from submissions.models import Submission
    from submissions.reports import summary_workbook

    with django_db_blocker.unblock():
        submission = Submission.objects.select_related("unit", "period").get(unit__code="so-xay-dung",
                                                                              period__code="demo")
        period = submission.period
        return {
            "summary": (summary_workbook(submission), 4),
            "appraisal": (appraisal_workbook(period), 1),
            "ranking": (reports.ranking_workbook(reports.current_versions(period)), 1),
            "lost_points": (reports.lost_points_workbook(submission), 2),
            "lost_points_unit_preliminary": (lp.unit_workbook(submission, lp.PRELIMINARY), 2),
            "lost_points_unit_appraised": (lp.unit_workbook(submission, lp.APPRAISED), 2),
            "lost_points_period_preliminary": (lp.period_workbook(period, lp.PRELIMINARY), 2),
            "lost_points_period_appraised": (lp.period_workbook(period, lp.APPRAISED), 2),
            "framework": (framework_export_xlsx(Framework.objects.get(code="tn2024-so")), 1),
        }


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(("name", "expected"), [
    ("Khối các sở, ban, ngành", "Khối các sở, ban, ngành"),
    ("Khối UBND các huyện, thành phố, thị xã", "Khối UBND các huyện, thành phố"),
    ("Khối các đơn vị sự nghiệp công lập thuộc tỉnh", "Khối các đơn vị sự nghiệp công"),
    ("Khối: các hội [đặc thù]/tỉnh?", "Khối các hội đặc thù tỉnh"),
    ("Khốicácđơnvịsựnghiệpcônglậpthuộctỉnh", "Khốicácđơnvịsựnghiệpcônglậpthuộctỉnh"[:31]),  # one word: cut
])
def test_sheet_title_is_cut_at_a_word(name, expected):
    title = sheet_title(name)
    assert title == expected and len(title) <= SHEET_TITLE_MAX


def test_sheet_titles_stay_unique():
    taken = []
    for _ in range(3):
        taken.append(sheet_title("Khối các đơn vị sự nghiệp công lập thuộc tỉnh", taken))
    assert taken == ["Khối các đơn vị sự nghiệp công", "Khối các đơn vị sự nghiệp (2)", "Khối các đơn vị sự nghiệp (3)"]
    assert all(len(t) <= SHEET_TITLE_MAX for t in taken)


def test_wrapped_lines_keeps_words_whole():
    assert wrapped_lines("một hai ba", 40) == 1
    assert wrapped_lines("một hai ba bốn năm sáu bảy", 10) == 3
    assert wrapped_lines("dòng một\ndòng hai", 40) == 2
    assert wrapped_lines("x" * 50, 11) == 5


# --------------------------------------------------------------------------- every export, read back


def test_every_export_is_laid_out_for_print_and_screen(exports):
    for name, (data, header_row) in exports.items():
        workbook = load_workbook(io.BytesIO(data))
        for ws in workbook.worksheets:
            where = f"{name}/{ws.title}"
            setup = ws.page_setup
            assert setup.orientation == "landscape" and str(setup.paperSize) == "9", where
            assert setup.fitToWidth == 1 and setup.fitToHeight == 0, where
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert ws.print_title_rows == f"${header_row}:${header_row}", where
            assert ws.freeze_panes == f"A{header_row + 1}", where
            header = [c.value for c in ws[header_row]]
            assert all(isinstance(v, str) and v for v in header), f"{where}: row {header_row} is not the header"
            assert all(c.font.b and c.alignment.wrap_text for c in ws[header_row]), where
            for column, cell in enumerate(ws[header_row], start=1):
                width = ws.column_dimensions[cell.column_letter].width
                assert width and width >= 6, f"{where}: column {column} has no width"
            for row in ws.iter_rows(min_row=header_row + 1):
                for cell in row:
                    if isinstance(cell.value, str) and cell.value:
                        width = ws.column_dimensions[cell.column_letter].width
                        longest = max(len(line) for line in cell.value.splitlines() or [""])
                        assert longest + 2 <= width or cell.alignment.wrap_text, f"{where}!{cell.coordinate}"
                        lines = wrapped_lines(cell.value, width)
                        if cell.alignment.wrap_text and lines > 1:
                            assert (ws.row_dimensions[cell.row].height or 0) >= 15 * lines, f"{where}!{cell.coordinate}"


def test_totals_show_two_decimals_and_the_tie_break_three(exports):
    from ranking.reports import current_versions
    from submissions.models import Period

    ranking = load_workbook(io.BytesIO(exports["ranking"][0]))
    titles: list[str] = []
    for version in current_versions(Period.objects.get(code="demo")):  # one sheet per block, named at a word
        titles.append(sheet_title(version.snapshot["block"]["name"], titles))
    assert ranking.sheetnames == titles
    for ws in ranking.worksheets:
        header = [c.value for c in ws[1]]
        total, total3 = header.index("Tổng điểm") + 1, header.index("Tổng điểm (3 số lẻ)") + 1
        rows = list(ws.iter_rows(min_row=2))
        assert rows
        for row in rows:
            assert row[total - 1].number_format == TOTAL_FORMAT and row[total3 - 1].number_format == TIE_FORMAT
    summary = load_workbook(io.BytesIO(exports["summary"][0])).active
    last = [c for c in summary[summary.max_row]]
    assert last[1].value == "TỔNG CỘNG" and last[2].number_format == last[3].number_format == TOTAL_FORMAT
    lost = load_workbook(io.BytesIO(exports["lost_points"][0])).active
    assert lost.cell(lost.max_row, 2).value == "TỔNG ĐIỂM BỊ TRỪ"
    assert lost.cell(lost.max_row, 6).number_format == TOTAL_FORMAT


# --------------------------------------------------------------------------- printed by LibreOffice


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) of every page of ``pdf``."""
    sizes = []
    for page in _walk(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]):
        box = [float(v) for v in page["/MediaBox"]]
        sizes.append((box[2] - box[0], box[3] - box[1]))
    return sizes


def _walk(node):
    node = node.get_object()
    if node.get("/Type") == "/Page":
        yield node
        return
    for kid in node["/Kids"]:
        yield from _walk(kid)


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed: apt-get install "
                    "libreoffice-calc (.ci/run does)")
def test_libreoffice_prints_every_export_landscape_and_the_summary_on_two_pages(exports, tmp_path):
    for name, (data, _) in exports.items():
        (tmp_path / f"{name}.xlsx").write_bytes(data)
    out = tmp_path / "pdf"
    result = subprocess.run(
        [_soffice(), "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", "pdf", "--outdir", str(out), *sorted(str(p) for p in tmp_path.glob("*.xlsx"))],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    counts = {}
    for name in exports:
        pdf = out / f"{name}.pdf"
        assert pdf.exists(), f"LibreOffice could not open {name}.xlsx: {result.stdout} {result.stderr}"
        sizes = _pages(pdf.read_bytes())
        assert sizes and all(w > h for w, h in sizes), f"{name}: a page is not landscape"
        counts[name] = len(sizes)
    print("printed pages:", counts)
    assert counts["summary"] <= SUMMARY_MAX_PAGES, counts


def test_every_module_that_builds_a_workbook_lays_it_out_with_the_helper():
    """A new export that builds a workbook without ``write_table`` (write-only sheets) or ``printable`` (a
    workbook built by another library) fails here."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = []
    for app in ("appraisal", "config", "criteria", "ranking", "submissions"):
        for path in (root / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            builds = len(re.findall(r"\bWorkbook\(|\.export\(\s*[\"']xlsx", text))
            if builds and path.name != "xlsx.py":
                found.append(path.relative_to(root).as_posix())
                laid_out = len(re.findall(r"\bwrite_table\(|\bprintable\(", text))
                assert laid_out >= builds, f"{path}: {builds} workbook(s) built, {laid_out} laid out"
    assert {"appraisal/reports.py", "ranking/reports.py", "ranking/lost_points.py", "submissions/reports.py",
            "criteria/spreadsheet.py"} <= set(found)
