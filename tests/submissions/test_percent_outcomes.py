"""Special outcomes of a percentage rule and a count that decides between outcomes (issue 11, item 3), for the
unit (score page, htmx fragment, printed sheet, Bảng tổng hợp) and the council (appraisal row, Excel export),
on the commune framework of seed 003 (dh2024-xa)."""

import io
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.models import Appraisal
from submissions.models import Entry
from tests.factories import leaf, make_world
from tests.submissions.percent_helpers import Inputs, appraise, post, save, send_to_council

pytestmark = pytest.mark.django_db
D = Decimal
NO_RECOMMENDATION = "Trong phạm vi 03 năm liên kế trước năm đánh giá, nếu đơn vị không có kiến nghị thanh tra"


@pytest.fixture
def xa(db):
    return make_world(framework_code="dh2024-xa")


# ------------------------------------------------------------------ the unit


def test_seed003_7_3_no_recommendation_scores_half_point(xa):
    entry = save(xa, "7.3", value="", special="0", explanation="Không có kết luận thanh tra tại Mục 1 Báo cáo 9/BC")
    assert entry.points == D("0.5") and entry.percent is None and entry.choice == 0
    assert entry.reason.startswith("Trường hợp đặc biệt") and NO_RECOMMENDATION in entry.reason
    # Back to the percentage: the special outcome is dropped.
    entry = save(xa, "7.3", value="90%", special="")
    assert entry.points == D("1.8") and entry.percent == 90 and entry.choice is None


def test_seed003_7_3_fragment_offers_the_special_outcome_beside_the_percentage(xa, client_for):
    client = client_for(xa.officer_a)
    response = post(client, xa, "7.3", value="", special="0")
    assert response.status_code == 200
    inputs = Inputs(response.content.decode())
    [percent] = inputs.named("value")
    assert percent["value"] == ""
    specials = inputs.named("special")
    assert [s["value"] for s in specials] == ["", "0"]
    assert "checked" in specials[1] and "checked" not in specials[0]
    assert NO_RECOMMENDATION in response.content.decode() and "0,5" in response.content.decode()
    page = client.get(reverse("submissions:score_page", args=[xa.sub_a.pk])).content.decode()
    assert 'name="special"' in page and NO_RECOMMENDATION in page


def test_seed003_7_3_special_outcome_and_percentage_together_are_refused_keeping_what_was_typed(xa, client_for):
    save(xa, "7.3", value="85", explanation="Tại Mục 2")
    before = Entry.objects.get(submission=xa.sub_a, node=leaf(xa.sub_a, "7.3"))
    response = post(client_for(xa.officer_a), xa, "7.3", value="95,5 %", special="0", explanation="Giải trình mới")
    assert response.status_code == 400
    text = response.content.decode()
    assert "loại trừ nhau" in text and "“95,5 %”" in text
    after = Entry.objects.get(pk=before.pk)
    assert (after.points, after.percent, after.choice, after.explanation, after.version) == (
        before.points, before.percent, before.choice, before.explanation, before.version)
    inputs = Inputs(text)
    assert inputs.named("value")[0]["value"] == "95,5 %"
    assert "checked" in inputs.named("special")[1]
    assert inputs.named("explanation")[0]["value"] == "Giải trình mới"
    assert inputs.invalid() == {"value"}


def test_seed003_5_5_3_4_two_or_more_overdue_files_score_zero(xa):
    entry = save(xa, "5.5.3.4", value="1", count="2")
    assert entry.points == 0 and entry.count == 2 and entry.choice == 1
    assert "Từ 02 hồ sơ quá hạn trở lên không chấm điểm tiêu chí này" in entry.reason
    assert save(xa, "5.5.3.4", value="1", count="1").points == D("0.5")
    assert save(xa, "5.5.3.4", value="1", count="0").points == 1
    assert save(xa, "5.5.3.4", value="0", count="").points == 0


def test_seed003_5_5_3_4_from_99_percent_without_the_count_is_refused_on_the_count(xa, client_for):
    response = post(client_for(xa.officer_a), xa, "5.5.3.4", value="1", count="", explanation="Tại Mục 3")
    assert response.status_code == 400 and "Hãy nhập số hồ sơ quá hạn" in response.content.decode()
    assert not Entry.objects.filter(submission=xa.sub_a, node=leaf(xa.sub_a, "5.5.3.4"), points__isnull=False)
    inputs = Inputs(response.content.decode())
    assert inputs.invalid() == {"count"}
    assert [r["value"] for r in inputs.named("value") if "checked" in r] == ["1"]  # the level chosen is kept
    assert [r["value"] for r in inputs.named("value")] == ["0", "1"]  # levels 3, 4 follow from the count
    assert inputs.named("explanation")[0]["value"] == "Tại Mục 3"


def test_seed003_5_5_3_4_a_derived_level_cannot_be_chosen(xa):
    with pytest.raises(ValidationError, match="được xác định từ số hồ sơ quá hạn") as info:
        save(xa, "5.5.3.4", value="2", count="1")
    assert info.value.code == "value"


# ------------------------------------------------------------------ the printed sheet and the Bảng tổng hợp


def _filled(xa):
    save(xa, "7.3", special="0", explanation="Tại Mục 1")
    save(xa, "6.2", value="79,996%", explanation="Tại Mục 2")
    save(xa, "5.5.3.4", value="1", count="1", explanation="Tại Mục 3")


def test_seed003_7_3_printed_sheet_shows_the_special_outcome_ticked_beside_the_percentage(xa, client_for, tmp_path):
    _filled(xa)
    response = client_for(xa.officer_a).get(reverse("submissions:print_pdf", args=[xa.sub_a.pk]))
    assert response.status_code == 200
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.content)
    try:
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    flat = " ".join(text.split())
    assert "Trường hợp đặc biệt: Trong phạm vi 03 năm" in flat
    assert "Tỷ lệ % thực hiện kế hoạch: 79,996%" in flat
    assert "Số hồ sơ quá hạn: 1" in flat


def test_seed003_7_3_bang_tong_hop_lists_the_special_outcome_and_the_percentage_typed(xa, client_for):
    _filled(xa)
    response = client_for(xa.approver_a).get(reverse("submissions:summary_xlsx", args=[xa.sub_a.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[3]
    assert header[:6] == ("STT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Điểm tối đa", "Điểm tự chấm",
                          "Số tài liệu", "Giải trình")
    at = {name: header.index(name) for name in header if name}
    by_code = {r[0]: r for r in rows[4:] if r and r[0]}
    row = by_code["7.3"]
    assert row[3] == 0.5 and row[at["Tỷ lệ % đã nhập"]] is None
    entered = row[at["Số liệu, mức đạt (☒ trường hợp đã chọn)"]]
    assert entered.startswith("Tỷ lệ % thực hiện kiến nghị")
    assert f"☒ Trường hợp đặc biệt: {NO_RECOMMENDATION}" in entered
    assert by_code["6.2"][at["Tỷ lệ % đã nhập"]] == pytest.approx(79.996) and by_code["6.2"][3] == 0
    assert "Số hồ sơ quá hạn: 1" in by_code["5.5.3.4"][at["Số liệu, mức đạt (☒ trường hợp đã chọn)"]]
    assert "Có hồ sơ quá hạn" in by_code["5.5.3.4"][at["Cách tính"]]


# ------------------------------------------------------------------ the council


@pytest.fixture
def council(xa):
    return send_to_council(xa)


def test_seed003_7_3_council_finds_no_recommendation_and_scores_half_point(council):
    appraisal = appraise(council, council.m_tckh, "7.3", special="0", value="",
                         comment="Không có kiến nghị phải khắc phục trong 03 năm")
    assert appraisal.points == D("0.5") and appraisal.choice == 0 and appraisal.percent is None
    with pytest.raises(ValidationError, match="loại trừ nhau") as info:
        appraise(council, council.m_tckh, "7.3", special="0", value="85", comment="x")
    assert info.value.code == "value"
    assert Appraisal.objects.get(pk=appraisal.pk).points == D("0.5")


def test_seed003_7_3_council_row_offers_the_special_outcome_and_keeps_a_refused_input(council, client_for):
    client = client_for(council.m_tckh.user)
    node = leaf(council.sub_a, "7.3")
    url = reverse("appraisal:appraisal_save", args=[council.m_tckh.pk, council.sub_a.pk, node.pk])
    response = client.post(url, {"version": "0", "value": "85,5%", "special": "0", "comment": "Có 02 kiến nghị"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    inputs = Inputs(response.content.decode())
    assert inputs.named("value")[0]["value"] == "85,5%" and inputs.invalid() == {"value"}
    assert "checked" in inputs.named("special")[1]
    assert inputs.named("comment")[0]["value"] == "Có 02 kiến nghị"
    assert not Appraisal.objects.filter(submission=council.sub_a, node=node, points__isnull=False).exists()
    response = client.post(url, {"version": "0", "value": "", "special": "0", "comment": "Không có kiến nghị"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    inputs = Inputs(response.content.decode())
    assert "checked" in inputs.named("special")[1] and inputs.named("value")[0]["value"] == ""


def test_seed003_5_5_3_4_council_counts_two_overdue_files_and_scores_zero(council, client_for):
    appraisal = appraise(council, council.m_vp, "5.5.3.4", value="1", count="2", comment="Có 02 hồ sơ quá hạn")
    assert appraisal.points == 0 and appraisal.count == 2
    node = leaf(council.sub_a, "5.5.3.4")
    url = reverse("appraisal:appraisal_save", args=[council.m_vp.pk, council.sub_a.pk, node.pk])
    response = client_for(council.m_vp.user).post(url, {"version": str(appraisal.version), "value": "1",
                                                        "count": "hai", "comment": "Có 02 hồ sơ"},
                                                  HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "số nguyên không âm" in response.content.decode()
    inputs = Inputs(response.content.decode())
    assert inputs.named("count")[0]["value"] == "hai" and inputs.invalid() == {"count"}
    assert Appraisal.objects.get(pk=appraisal.pk).count == 2


def test_seed003_7_3_council_export_lists_the_special_outcome_chosen(council, client_for):
    appraise(council, council.m_tckh, "7.3", special="0", comment="Không có kiến nghị")
    appraise(council, council.m_tckh, "6.2", value="79,996 %", comment="Số liệu Kho bạc")
    response = client_for(council.secretariat).get(reverse("appraisal:export_xlsx", args=[council.period.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    row = next(r for r in rows if r[1] == council.unit_a.name and r[2] == "7.3")
    assert row[6] == 0.5
    assert f"☒ Trường hợp đặc biệt: {NO_RECOMMENDATION}" in row[header.index(
        "Số liệu, mức đạt thẩm định (☒ trường hợp đã chọn)")]
    row = next(r for r in rows if r[1] == council.unit_a.name and r[2] == "6.2")
    assert row[header.index("Tỷ lệ % thẩm định")] == pytest.approx(79.996) and row[6] == 0
