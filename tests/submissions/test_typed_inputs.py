"""Inputs people type (issue 11, item 4): percentages with "%", spaces and a comma, kept with the precision
typed (unit and council), and document numbers whose letter suffix is set apart by a hyphen or a space."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appraisal.models import Appraisal
from appraisal.selectors import member_unit_rows
from submissions.docnumber import DocNumberError, doc_number_warnings, parse_doc_number
from submissions.models import Entry, Evidence
from tests.factories import leaf, make_world
from tests.submissions.helpers import tiny_pdf
from tests.submissions.percent_helpers import Inputs, appraise, post, save, send_to_council

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def xa(db):
    return make_world(framework_code="dh2024-xa")


@pytest.fixture
def council(xa):
    return send_to_council(xa)


# ------------------------------------------------------------------ percentages


@pytest.mark.parametrize("typed, percent, points", [
    ("100%", D(100), D(5)), ("85 %", D(85), D("4.25")), ("85,5%", D("85.5"), D("4.275")),
    (" 85.5 % ", D("85.5"), D("4.275")), ("80\u00a0%", D(80), D(4)),
])
def test_seed003_6_2_percentages_typed_with_a_percent_sign_are_accepted(xa, typed, percent, points):
    entry = save(xa, "6.2", value=typed)
    entry.refresh_from_db()
    assert entry.percent == percent and entry.points == points


def test_seed003_6_2_79_996_percent_is_kept_as_typed_and_stays_below_80(xa):
    entry = save(xa, "6.2", value="79,996%")
    entry.refresh_from_db()
    assert entry.percent == D("79.996") and entry.points == 0
    assert "79,996%, dưới ngưỡng 80%" in entry.reason


def test_seed003_6_2_more_places_than_stored_are_refused_and_change_nothing(xa):
    save(xa, "6.2", value="85")
    before = Entry.objects.get(submission=xa.sub_a, node=leaf(xa.sub_a, "6.2"))
    with pytest.raises(ValidationError, match="có 5 chữ số thập phân; chỉ ghi được tối đa 4") as info:
        save(xa, "6.2", value="79,99961")
    assert info.value.code == "value"
    after = Entry.objects.get(pk=before.pk)
    assert (after.percent, after.points, after.version) == (before.percent, before.points, before.version)


def test_seed003_6_2_refused_percentage_is_shown_back_as_typed_with_only_its_field_marked(xa, client_for):
    save(xa, "6.2", value="85", explanation="Tại Mục 1")
    response = post(client_for(xa.officer_a), xa, "6.2", value="85,5 %%", explanation="Đạt 85,5% tại Mục 2")
    assert response.status_code == 400
    text = response.content.decode()
    assert "không phải là một tỷ lệ phần trăm hợp lệ" in text
    inputs = Inputs(text)
    assert inputs.named("value")[0]["value"] == "85,5 %%"
    assert inputs.named("explanation")[0]["value"] == "Đạt 85,5% tại Mục 2"
    assert inputs.invalid() == {"value"}
    entry = Entry.objects.get(submission=xa.sub_a, node=leaf(xa.sub_a, "6.2"))
    assert entry.percent == 85 and entry.explanation == "Tại Mục 1"


def test_seed003_6_2_council_types_percentages_like_the_unit(council):
    appraisal = appraise(council, council.m_tckh, "6.2", value="85,5%", comment="Số liệu Kho bạc")
    assert appraisal.points == D("4.275")
    appraisal = appraise(council, council.m_tckh, "6.2", value="79,996 %", comment="Số liệu Kho bạc")
    appraisal.refresh_from_db()
    assert appraisal.percent == D("79.996") and appraisal.points == 0
    with pytest.raises(ValidationError, match="chỉ ghi được tối đa 4 chữ số thập phân"):
        appraise(council, council.m_tckh, "6.2", value="85,12345", comment="x")
    assert Appraisal.objects.get(pk=appraisal.pk).percent == D("79.996")


# ------------------------------------------------------------------ document numbers (seed 000 §4.b)


@pytest.mark.parametrize("raw, normalized", [
    ("30-a/KH-SXD", "30a/KH-SXD"), ("30 a/KH-SXD", "30a/KH-SXD"), ("30 - a / KH-SXD", "30a/KH-SXD"),
    ("Số: 30 - b/KH-SXD", "30b/KH-SXD"), ("30\u2013a/KH-SXD", "30a/KH-SXD"), ("30 A/KH-SXD", "30a/KH-SXD"),
    ("12-a/2023/QĐ-UBND", "12a/2023/QĐ-UBND"), ("30-ab/kh-sxd", "30ab/KH-SXD"), ("2147-a-QĐ/TU", "2147a-QĐ/TU"),
])
def test_seed000_4b_hyphenated_or_spaced_letter_suffix_is_flagged_like_30a(raw, normalized):
    doc = parse_doc_number(raw)
    assert doc.suffix and doc.normalized == normalized
    [warning] = doc_number_warnings(doc)
    assert f"“{raw}” (chuẩn hóa: “{normalized}”)" in warning and "chấm 0 điểm" in warning


def test_seed000_4b_spaced_number_is_normalised_and_explained_in_the_normalised_form():
    # Party numbers keep their hyphen and carry no suffix (no Party document type is one letter).
    for raw, normalized in (("15-NQ/TW", "15-NQ/TW"), ("2147-QĐ/TU", "2147-QĐ/TU"), ("12-TTr/TU", "12-TTR/TU"),
                            ("15-nq/tw", "15-NQ/TW")):
        doc = parse_doc_number(raw)
        assert not doc.suffix and doc.normalized == normalized and doc.is_party
    assert parse_doc_number("15 / BC-SXD").normalized == "15/BC-SXD"
    assert parse_doc_number("15 /BC - SXD").normalized == "15/BC-SXD"
    with pytest.raises(DocNumberError) as info:
        parse_doc_number("15 / BC SXD")
    assert "“15 / BC SXD” (đọc là “15/BC SXD”)" in str(info.value) and "khoảng trắng" in str(info.value)
    with pytest.raises(DocNumberError) as info:
        parse_doc_number("30 a / KH SXD")
    assert "(đọc là “30a/KH SXD”)" in str(info.value)
    with pytest.raises(DocNumberError) as info:
        parse_doc_number("30/KH SXD")  # nothing tidied: no "đọc là"
    assert "đọc là" not in str(info.value)


def _upload(client, world, number, code="6.2", htmx=True):
    node = leaf(world.sub_a, code)
    return client.post(reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk]), {
        "file": SimpleUploadedFile("ke-hoach.pdf", tiny_pdf(f"Kế hoạch {number}")), "doc_number": number,
        "doc_date": "2024-11-15",
        "issuer": "UBND xã Bình Thành"}, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_seed000_4b_evidence_numbered_30_a_is_flagged_and_the_council_is_proposed_zero(xa, client_for):
    response = _upload(client_for(xa.officer_a), xa, "30-a/KH-UBND")
    assert response.status_code == 200
    assert "(chuẩn hóa: “30a/KH-UBND”)" in response.content.decode()
    evidence = Evidence.objects.get()
    assert evidence.doc_number_suffix and evidence.doc_number_normalized == "30a/KH-UBND"
    second = _upload(client_for(xa.officer_a), xa, "30 A / KH-UBND", code="6.1")
    assert "“30 A / KH-UBND” (chuẩn hóa: “30a/KH-UBND”) đã được dùng ở tiêu chí 6.2" in second.content.decode()
    from appraisal.services import proposal_for

    proposal = proposal_for(xa.sub_a, leaf(xa.sub_a, "6.2"))
    assert proposal.points == 0 and "30-a/KH-UBND" in proposal.reason


def test_seed000_4b_refused_number_keeps_what_was_typed_and_marks_only_the_number(xa, client_for):
    response = _upload(client_for(xa.officer_a), xa, "15 / BC SXD")
    assert response.status_code == 400 and Evidence.objects.count() == 0
    text = response.content.decode()
    assert "(đọc là “15/BC SXD”)" in text
    inputs = Inputs(text)
    assert inputs.named("doc_number")[0]["value"] == "15 / BC SXD"
    assert inputs.named("doc_date")[0]["value"] == "2024-11-15"
    assert inputs.named("issuer")[0]["value"] == "UBND xã Bình Thành"
    assert inputs.invalid() == {"doc_number"}


def test_seed000_4b_council_row_flags_the_spaced_suffix(council):
    entry = Entry.objects.get(submission=council.sub_a, node=leaf(council.sub_a, "7.3"))
    doc = parse_doc_number("30 b/KH-UBND")
    Evidence.objects.create(entry=entry, file="evidence/x.pdf", original_name="x.pdf", size=1, sha256="0" * 64,
                            kind="pdf", mime="application/pdf", doc_number=doc.raw,
                            doc_number_normalized=doc.normalized, doc_number_suffix=bool(doc.suffix),
                            doc_date=date(2024, 11, 1), issuer="UBND xã", uploaded_by=council.officer_a)
    row = next(r for r in member_unit_rows(council.m_tckh, council.sub_a) if r.node.code == "7.3")
    assert row.proposal.points == 0 and "30 b/KH-UBND" in row.proposal.reason
