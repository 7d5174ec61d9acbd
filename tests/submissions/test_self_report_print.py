"""Issue 14.6: the printed self-assessment report is ready to sign: "Nơi nhận" as typed (no "- -"), the
Quốc hiệu on one line, "<địa danh>, ngày ... tháng ... năm ..." with the authority's place, and no table row
split across two pages. The layout is checked on WeasyPrint's own boxes (what the PDF is drawn from)."""

from datetime import date

import pytest
from weasyprint import HTML

from config.pdf import static_only_fetcher
from submissions.document_lines import date_line, place_name, recipient_lines
from submissions.models import SelfReport
from submissions.reports import self_report_html

pytestmark = pytest.mark.django_db


def _boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _layout(html: str):
    from django.conf import settings

    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=static_only_fetcher()).render()
    return [list(_boxes(page._page_box)) for page in document.pages]


def _text(box) -> str:
    return "".join(b.text for b in _boxes(box) if hasattr(b, "text") and isinstance(b.text, str))


@pytest.mark.parametrize(("authority", "typed", "expected"), [
    ("UBND tỉnh Thái Nguyên", "", "Thái Nguyên"),
    ("UBND huyện Định Hóa", "", "Định Hóa"),
    ("Ủy ban nhân dân thành phố Thanh Hóa", "", "Thanh Hóa"),
    ("UBND TP. Thanh Hóa", "", "Thanh Hóa"),
    ("Sở Nội vụ", "", "Sở Nội vụ"),
    ("UBND tỉnh Thái Nguyên", "  Phổ  Yên ", "Phổ Yên"),
])
def test_place_name_from_the_typed_place_or_the_authority(authority, typed, expected):
    assert place_name(authority, typed) == expected


def test_date_line_pads_days_and_january_february_only():
    assert date_line("Thái Nguyên", date(2025, 1, 5)) == "Thái Nguyên, ngày 05 tháng 01 năm 2025"
    assert date_line("Thái Nguyên", date(2025, 3, 15)) == "Thái Nguyên, ngày 15 tháng 3 năm 2025"
    assert date_line("Định Hóa", date(2024, 12, 2)) == "Định Hóa, ngày 02 tháng 12 năm 2024"


def test_recipients_as_typed_with_one_dash_each():
    typed = "- UBND tỉnh;\n– Sở Nội vụ;\n\nBan Thi đua;\n  - - Lưu: VT, VP.\n"
    assert recipient_lines(typed, ["x"]) == ["- UBND tỉnh;", "- Sở Nội vụ;", "- Ban Thi đua;", "- Lưu: VT, VP."]
    assert recipient_lines("  \n", ["UBND tỉnh Thái Nguyên;", "Lưu: VT."]) == ["- UBND tỉnh Thái Nguyên;",
                                                                                "- Lưu: VT."]


def test_printed_report_header_date_line_recipients_and_rows(world):
    SelfReport.objects.create(submission=world.sub_a, number="125/BC-SXD",
                              recipients="- UBND tỉnh;\n- Sở Nội vụ;\n- Lưu: VT.",
                              # enough text to push the table of areas across a page break
                              situation="\n".join(f"Nội dung triển khai thứ {i} của Sở trong năm, "
                                                  "được các phòng chuyên môn thực hiện đầy đủ." for i in range(21)))
    html = self_report_html(world.sub_a)
    assert "- -" not in html and "- UBND tỉnh;<br>- Sở Nội vụ;<br>- Lưu: VT.<br>" in html
    assert "Thái Nguyên, ngày " in html and "..., ngày" not in html
    pages = _layout(html)
    assert len(pages) >= 2
    nation = [b for page in pages for b in page if b.element is not None and "nation" in b.element.get("class", "")
              and b.element_tag == "div"]
    assert nation and _text(nation[0]) == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert sum(1 for b in _boxes(nation[0]) if type(b).__name__ == "LineBox") == 1, "Quốc hiệu wraps"
    rows_on = {}
    for number, page in enumerate(pages):
        for group in page:  # the body's rows; the header row is repeated on each page by design
            if type(group).__name__ == "TableRowGroupBox" and not group.is_header:
                for row in group.children:
                    rows_on.setdefault(id(row.element), set()).add(number)
    assert len(rows_on) >= 10  # the areas and the total
    assert {n for pages_of in rows_on.values() for n in pages_of} != {0}, "the table did not reach a second page"
    assert all(len(pages_of) == 1 for pages_of in rows_on.values()), "a table row is split across pages"
