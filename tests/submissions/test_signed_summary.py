"""The signed summary table before sending (issue #13 item 1; seed 001 Bước 4; 2610 Điều 8.2.c).

Pure fingerprint tests first; then the path export → sign with a certificate of the test PKI
(``tests.submissions.pki``) → upload → send, and every refusal: unsigned, tampered, a signature that does not
cover the whole file, a fingerprint changed after signing, another sheet's export, a sheet changed after the
export (stale, with the criteria named), and who may upload and download.
"""

import io
import json
import subprocess
import unicodedata
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from criteria.models import Node
from submissions import services, signed_summary
from submissions.models import Entry, SignedSummary, Submission
from submissions.signatures import check_pdf_signatures
from submissions.signed_summary import Change, LeafContent, changes, changes_text, fingerprint
from tests.factories import UserFactory, attach_evidence, leaf, pass_deadline
from tests.submissions.helpers import tiny_pdf
from tests.submissions.pki import SECOND_SIGNER_NAME, SIGNER_NAME, signed_pdf, test_pki, unsigned_pdf

# --------------------------------------------------------------------------- the fingerprint (pure)

LEAVES = (
    LeafContent("1.1", choice=0, points=Decimal("2.000000"), explanation="Tại Mục 1 Kế hoạch 30/KH-SXD",
                evidence=((7, "ab" * 32),)),
    LeafContent("1.2", percent=Decimal("87.5000"), points=Decimal("1.75"), explanation="Đạt 87,5 %"),
    LeafContent("1.10", count=3, points=Decimal("0"), explanation=""),
    LeafContent("2.1"),
)


def fp(leaves=LEAVES, **binding):
    return fingerprint(**{"submission_id": 1, "period_code": "tn-test", "framework_code": "tn2024-so", **binding},
                       leaves=leaves)


def test_the_fingerprint_is_sha256_hex_and_shown_in_groups_of_four():
    found = fp()
    assert len(found.value) == 64 and int(found.value, 16) >= 0
    assert found.short == " ".join(found.value[i:i + 4].upper() for i in (0, 4, 8, 12))
    assert set(found.leaves) == {"1.1", "1.2", "1.10", "2.1"}
    assert all(len(v.split(".")) == 3 for v in found.leaves.values())


def test_same_content_same_fingerprint_whatever_the_order_scale_or_unicode_form():
    reordered = tuple(reversed(LEAVES))
    rescaled = (replace(LEAVES[0], points=Decimal("2")), replace(LEAVES[1], percent=Decimal("87.5")), *LEAVES[2:])
    nfd = (replace(LEAVES[0], explanation=unicodedata.normalize("NFD", LEAVES[0].explanation)), *LEAVES[1:])
    crlf = (LEAVES[0], replace(LEAVES[1], explanation="Đạt\r\n87,5 %"), *LEAVES[2:])
    assert nfd[0].explanation != LEAVES[0].explanation
    assert fp(reordered) == fp(rescaled) == fp(nfd) == fp()
    assert fp(crlf) == fp((LEAVES[0], replace(LEAVES[1], explanation="Đạt\n87,5 %"), *LEAVES[2:]))


@pytest.mark.parametrize(("change", "part"), [
    ({"choice": 1}, "score"), ({"percent": Decimal("80")}, "score"), ({"count": 4}, "score"),
    ({"points": Decimal("1.5")}, "score"), ({"explanation": "Tại Mục 2"}, "explanation"),
    ({"evidence": ()}, "evidence"), ({"evidence": ((8, "ab" * 32),)}, "evidence"),
    ({"evidence": ((7, "cd" * 32),)}, "evidence"), ({"evidence": ((7, "ab" * 32), (9, "ef" * 32))}, "evidence"),
])
def test_every_field_of_a_leaf_changes_the_fingerprint_and_names_its_part(change, part):
    changed = (replace(LEAVES[0], **change), *LEAVES[1:])
    assert fp(changed).value != fp().value
    assert changes(fp().leaves, fp(changed).leaves) == [Change("1.1", (part,))]


def test_a_special_outcome_chosen_instead_of_a_percentage_changes_the_score_part():
    special = (LEAVES[0], replace(LEAVES[1], percent=None, choice=0, points=Decimal("1.75")), *LEAVES[2:])
    assert changes(fp().leaves, fp(special).leaves) == [Change("1.2", ("score",))]


@pytest.mark.parametrize("binding", [{"submission_id": 2}, {"period_code": "tn-2025"}, {"framework_code": "x"}])
def test_the_fingerprint_is_bound_to_the_submission_period_and_framework(binding):
    assert fp(**binding).value != fp().value
    assert fp(**binding).leaves == fp().leaves


def test_a_code_given_twice_is_refused():
    with pytest.raises(ValueError, match="1.1"):
        fp((*LEAVES, LeafContent("1.1")))


def test_changes_are_listed_in_the_order_of_the_codes_with_added_and_removed_leaves():
    old = {"1.2": "a.b.c", "1.10": "a.b.c", "3.1": "a.b.c", "9": "a.b.c"}
    new = {"1.2": "a.x.c", "1.10": "y.b.z", "3.1": "a.b.c", "4.1": "a.b.c"}
    found = changes(old, new)
    assert found == [Change("1.2", ("explanation",)), Change("1.10", ("score", "evidence")),
                     Change("4.1", ("added",)), Change("9", ("removed",))]
    assert changes_text(found[:2]) == "tiêu chí 1.2 (giải trình), 1.10 (điểm, số liệu; tài liệu kiểm chứng)"
    many = [Change(f"1.{i}", ("score",)) for i in range(1, 16)]
    assert changes_text(many).endswith("1.12 (điểm, số liệu) và 3 tiêu chí khác")
    assert changes(old, old) == []


@given(st.lists(st.tuples(st.sampled_from(["1.1", "1.2", "2.1", "2.2", "3"]), st.integers(0, 3),
                          st.text(max_size=20)), max_size=5, unique_by=lambda t: t[0]))
def test_the_fingerprint_depends_on_the_content_only(rows):
    leaves = [LeafContent(code, choice=choice, explanation=text) for code, choice, text in rows]
    assert fp(leaves) == fp(list(reversed(leaves)))
    assert changes(fp(leaves).leaves, fp(leaves).leaves) == []


# --------------------------------------------------------------------------- the checker reports coverage


def test_the_signature_report_says_whether_the_last_signature_covers_the_whole_file():
    pki = test_pki()
    signed = signed_pdf(tiny_pdf())
    report = check_pdf_signatures(signed, [pki.root.pem])
    assert report.whole_file and report.certificate.signer == SIGNER_NAME
    assert report.certificate.subject == f"C=VN, O=Thử nghiệm ĐGXL, CN={SIGNER_NAME}"
    assert "CN=CA gốc thử nghiệm" in report.certificate.issuer
    assert report.certificate.serial == f"{pki.signer.cert.serial_number:X}"
    appended = _append_info(signed, "/Title", "Thêm sau khi ký")
    later = check_pdf_signatures(appended, [pki.root.pem])
    assert later.status == "signed_valid" and not later.whole_file  # allowed by the diff analysis, not covered
    assert not check_pdf_signatures(unsigned_pdf()).whole_file


# --------------------------------------------------------------------------- helpers


def _append_info(pdf: bytes, key: str, value: str) -> bytes:
    """An incremental update after signing that only changes the document information."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = writer.trailer["/Info"]
    info[generic.NameObject(key)] = generic.TextStringObject(value)
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _tamper(pdf: bytes) -> bytes:
    """One byte changed in the middle of the largest stream of the signed file (inside the signed range)."""
    best, start = 0, 0
    position = pdf.find(b"stream")
    while position != -1:
        end = pdf.find(b"endstream", position + 6)
        if end == -1:
            break
        if end - position > best:
            best, start = end - position, position
        position = pdf.find(b"stream", end + 9)
    middle = start + best // 2
    return pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1:]


def info(pdf: bytes) -> dict:
    return {str(k): str(v) for k, v in PdfFileReader(io.BytesIO(pdf)).trailer_view["/Info"].items()}


def fill(world, submission=None, officer=None):
    """Score every self-scored leaf at full marks with explanation and evidence (Điều 8.2.b)."""
    submission = submission or world.sub_a
    officer = officer or world.officer_a
    for node in Node.objects.filter(framework=submission.framework).order_by("ordering"):
        if node.rule and node.rule["kind"] != "survey":
            services.entry_save(submission=submission, node=node, actor=officer, version=0,
                                value=str(node.max_points), explanation="Tại Mục 1 Báo cáo 9/BC-SXD")
            attach_evidence(submission, node, officer)


def require(world, on=True):
    world.period.settings = {**world.period.settings, "signed_summary_required": on}
    world.period.save()
    world.sub_a.period.refresh_from_db()


def export(client, submission) -> bytes:
    response = client.get(reverse("submissions:print_pdf", args=[submission.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def upload(client, submission, data: bytes, name: str = "bang-tong-hop-da-ky.pdf"):
    return client.post(reverse("submissions:signed_summary_upload", args=[submission.pk]),
                       {"signed_summary": _file(data, name)}, follow=True)


def _file(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def send(client, submission, step="send"):
    return client.post(reverse("submissions:review", args=[submission.pk]), {
        "proposed_grade": "HTTNV", "endorsed_on": timezone.localdate().isoformat(), "step": step})


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def sheet(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    fill(world)
    require(world)
    return world


# --------------------------------------------------------------------------- export, sign, upload, send

db = pytest.mark.django_db


@db
def test_the_exported_pdf_carries_submission_period_and_fingerprint(sheet, client_for, tmp_path):
    w = sheet
    pdf = export(client_for(w.approver_a), w.sub_a)
    found = signed_summary.sheet_fingerprint(w.sub_a)
    meta = info(pdf)
    assert meta["/DGXL-Fingerprint"] == found.value
    assert meta["/DGXL-Submission"] == str(w.sub_a.pk) and meta["/DGXL-Period"] == "tn-test"
    assert meta["/DGXL-Format"] == signed_summary.FORMAT
    assert json.loads(meta["/DGXL-Leaves"]) == found.leaves
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    try:
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    except FileNotFoundError:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    assert f"Mã nội dung báo cáo: {found.short}" in text
    assert found.value in text.replace("\n", "").replace(" ", "")
    assert f"Báo cáo số {w.sub_a.pk} · Kỳ tn-test" in text


@db
def test_export_sign_upload_then_send(sheet, client_for):
    w = sheet
    approver = client_for(w.approver_a)
    refused = send(approver, w.sub_a)
    assert refused.status_code == 400
    assert "Chưa có Bảng tổng hợp đã ký số khớp với báo cáo hiện tại: chưa tải lên." in page_text(refused)

    signed = signed_pdf(export(approver, w.sub_a))
    page = page_text(upload(approver, w.sub_a, signed))
    assert "Đã tải lên Bảng tổng hợp đã ký số" in page and "Khớp với báo cáo hiện tại." in page
    summary = SignedSummary.objects.get(submission=w.sub_a)
    pki = test_pki()
    assert summary.signer_name == SIGNER_NAME and SIGNER_NAME in summary.certificate_subject
    assert "CA gốc thử nghiệm" in summary.certificate_issuer
    assert summary.serial == f"{pki.signer.cert.serial_number:X}"
    assert summary.status == "signed_untrusted" and summary.signed_at is not None  # no trust roots configured
    assert summary.fingerprint == signed_summary.sheet_fingerprint(w.sub_a).value
    assert summary.uploaded_by == w.approver_a and summary.file.read() == signed

    assert send(approver, w.sub_a, step="confirm").status_code == 200  # the confirmation lists nothing missing
    assert send(approver, w.sub_a).status_code == 302
    assert Submission.objects.get(pk=w.sub_a.pk).status == "sent"


@db
def test_trusted_root_makes_the_signature_valid(sheet, client_for, settings, tmp_path):
    w = sheet
    root = tmp_path / "root.pem"
    root.write_bytes(test_pki().root.pem)
    settings.SIGNATURE_TRUST_ROOTS = [str(root)]
    approver = client_for(w.approver_a)
    upload(approver, w.sub_a, signed_pdf(export(approver, w.sub_a)))
    assert SignedSummary.objects.get(submission=w.sub_a).status == "signed_valid"


@db
def test_without_the_setting_a_signed_summary_is_not_required(sheet, client_for):
    w = sheet
    require(w, on=False)
    assert signed_summary.send_missing(w.sub_a) == []
    assert send(client_for(w.approver_a), w.sub_a).status_code == 302
    assert Submission.objects.get(pk=w.sub_a.pk).status == "sent"


@db
def test_the_service_refuses_to_send_without_it(sheet):
    w = sheet
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.submission_send(submission=w.sub_a, actor=w.approver_a, proposed_grade="HTTNV",
                                 endorsed_on=timezone.localdate())
    assert any(m.startswith(signed_summary.MISSING_HEAD) for m in refused.value.messages)
    assert Submission.objects.get(pk=w.sub_a.pk).status == "draft"


def _refused(client, submission, data, expected: str):
    before = SignedSummary.objects.count()
    response = upload(client, submission, data)
    assert expected in page_text(response), page_text(response)[:3000]
    assert SignedSummary.objects.count() == before


@db
def test_an_unsigned_export_is_refused(sheet, client_for):
    w = sheet
    approver = client_for(w.approver_a)
    _refused(approver, w.sub_a, export(approver, w.sub_a), "Tệp chưa có chữ ký số")


@db
def test_a_tampered_signed_pdf_is_refused(sheet, client_for):
    w = sheet
    approver = client_for(w.approver_a)
    tampered = _tamper(signed_pdf(export(approver, w.sub_a)))
    assert check_pdf_signatures(tampered).status == "modified"
    _refused(approver, w.sub_a, tampered, "Chữ ký số của Bảng tổng hợp không hợp lệ")


@db
def test_a_signature_not_covering_the_whole_file_is_refused(sheet, client_for):
    w = sheet
    approver = client_for(w.approver_a)
    signed = signed_pdf(export(approver, w.sub_a))
    appended = _append_info(signed, "/Title", "Bảng tổng hợp")
    assert check_pdf_signatures(appended).status == "signed_untrusted"  # the diff analysis allows it
    _refused(approver, w.sub_a, appended, "Chữ ký số không bao trùm toàn bộ tệp")


@db
def test_a_fingerprint_rewritten_after_signing_is_refused_even_under_a_later_signature(sheet, client_for):
    """Sign an old export, write the current fingerprint into it, and have someone sign again over the
    whole file: the unit's signature never covered that fingerprint."""
    w = sheet
    approver = client_for(w.approver_a)
    old = signed_pdf(export(approver, w.sub_a))
    node = leaf(w.sub_a, "2.1")
    entry = Entry.objects.get(submission=w.sub_a, node=node)
    services.entry_save(submission=w.sub_a, node=node, actor=w.officer_a, version=entry.version,
                        explanation="Tại Mục 3 Báo cáo 9/BC-SXD (sửa)")
    forged = _append_info(old, "/DGXL-Fingerprint", signed_summary.sheet_fingerprint(w.sub_a).value)
    forged = signed_pdf(forged, identity=test_pki().second_signer, field_name="ChuKy2")
    assert check_pdf_signatures(forged).whole_file
    _refused(approver, w.sub_a, forged, "Mã nội dung báo cáo trong tệp đã bị thay đổi sau khi ký")


@db
def test_two_signatures_over_the_export_are_accepted_and_the_last_signer_is_shown(sheet, client_for):
    w = sheet
    approver = client_for(w.approver_a)
    twice = signed_pdf(signed_pdf(export(approver, w.sub_a)), identity=test_pki().second_signer,
                       field_name="ChuKy2")
    upload(approver, w.sub_a, twice)
    assert SignedSummary.objects.get(submission=w.sub_a).signer_name == SECOND_SIGNER_NAME


@db
def test_a_signed_pdf_that_is_not_an_export_is_refused(sheet, client_for):
    w = sheet
    _refused(client_for(w.approver_a), w.sub_a, signed_pdf(), "không phải Bảng tổng hợp tải từ phần mềm")


@db
def test_another_sheets_export_is_refused(sheet, client_for):
    w = sheet
    other = signed_pdf(export(client_for(w.approver_b), w.sub_b))
    _refused(client_for(w.approver_a), w.sub_a, other, "Bảng tổng hợp của một báo cáo khác")


@db
def test_not_a_pdf_is_refused_by_the_file_checks(sheet, client_for):
    w = sheet
    from tests.submissions.helpers import docx_bytes

    approver = client_for(w.approver_a)
    before = SignedSummary.objects.count()
    response = approver.post(reverse("submissions:signed_summary_upload", args=[w.sub_a.pk]),
                             {"signed_summary": _file(b"%PDF-1.7 not really", "bang.pdf")}, follow=True)
    assert "bang.pdf" in page_text(response)
    response = approver.post(reverse("submissions:signed_summary_upload", args=[w.sub_a.pk]),
                             {"signed_summary": _file(docx_bytes(), "bang.docx")}, follow=True)
    assert "phải là tệp PDF" in page_text(response)
    assert SignedSummary.objects.count() == before


@db
def test_a_sheet_changed_after_the_export_is_stale_and_names_the_criteria(sheet, client_for):
    w = sheet
    approver = client_for(w.approver_a)
    old = signed_pdf(export(approver, w.sub_a))
    node = leaf(w.sub_a, "2.1")
    entry = Entry.objects.get(submission=w.sub_a, node=node)
    services.entry_save(submission=w.sub_a, node=node, actor=w.officer_a, version=entry.version,
                        explanation="Tại Mục 3 Báo cáo 9/BC-SXD (sửa)")
    _refused(approver, w.sub_a, old, "sau đó báo cáo đã thay đổi ở tiêu chí 2.1 (giải trình)")


@db
def test_a_change_after_the_upload_blocks_sending_until_signed_again(sheet, client_for):
    w = sheet
    approver = client_for(w.approver_a)
    upload(approver, w.sub_a, signed_pdf(export(approver, w.sub_a)))
    first = leaf(w.sub_a, "2.1")
    services.entry_save(submission=w.sub_a, node=first, actor=w.officer_a,
                        version=Entry.objects.get(submission=w.sub_a, node=first).version, value="0")
    second = leaf(w.sub_a, "3.1")
    attach_evidence(w.sub_a, second, w.officer_a, number="99/BC-SXD")

    refused = send(approver, w.sub_a)
    text = page_text(refused)
    assert refused.status_code == 400
    assert "Chưa có Bảng tổng hợp đã ký số khớp với báo cáo hiện tại: bảng tải lên lúc" in text
    assert "tiêu chí 2.1 (điểm, số liệu), 3.1 (tài liệu kiểm chứng)" in text
    review = page_text(approver.get(reverse("submissions:review", args=[w.sub_a.pk])))
    assert "Không còn khớp với báo cáo hiện tại." in review

    upload(approver, w.sub_a, signed_pdf(export(approver, w.sub_a)))
    assert SignedSummary.objects.filter(submission=w.sub_a).count() == 2  # the older one is kept
    assert send(approver, w.sub_a).status_code == 302


@db
def test_no_upload_after_the_deadline(sheet, client_for):
    w = sheet
    approver = client_for(w.approver_a)
    signed = signed_pdf(export(approver, w.sub_a))
    pass_deadline(w.period)
    _refused(approver, w.sub_a, signed, "hết hạn")


# --------------------------------------------------------------------------- who may upload and download


@db
@pytest.mark.parametrize(("actor", "status"), [("officer_a", 403), ("secretariat", 403), ("approver_b", 404),
                                               ("outsider", 404), ("anonymous", 302)])
def test_only_the_units_approver_uploads(sheet, client_for, actor, status):
    w = sheet
    signed = signed_pdf(export(client_for(w.approver_a), w.sub_a))
    client = Client() if actor == "anonymous" else client_for(getattr(w, actor))
    response = client.post(reverse("submissions:signed_summary_upload", args=[w.sub_a.pk]),
                           {"signed_summary": _file(signed, "a.pdf")})
    assert response.status_code == status
    assert not SignedSummary.objects.exists()


@pytest.fixture
def sent(sheet, client_for):
    """Unit A's sheet sent with its signed summary; a council member of the period, one whose own unit is A,
    and the council's chair."""
    from appraisal.models import CouncilMember
    from appraisal.services import member_add

    w = sheet
    approver = client_for(w.approver_a)
    upload(approver, w.sub_a, signed_pdf(export(approver, w.sub_a)))
    w.summary = SignedSummary.objects.get(submission=w.sub_a)
    w.member = member_add(period=w.period, user=UserFactory(username="stc.thamdinh"), agency="Sở Tài chính")
    w.own = member_add(period=w.period, user=UserFactory(username="sxd.thamdinh"), agency="Sở Nội vụ",
                       home_unit=w.unit_a)
    w.chair = member_add(period=w.period, user=UserFactory(username="ct.hoidong"), agency="UBND tỉnh",
                         role=CouncilMember.CHAIR)
    return w


@db
def test_download_by_the_unit_the_secretariat_and_the_council_only(sent, client_for):
    w = sent
    url = reverse("submissions:signed_summary_download", args=[w.summary.pk])
    member = client_for(w.member.user)
    assert member.get(url).status_code == 404  # not sent yet: not before the council
    assert send(client_for(w.approver_a), w.sub_a).status_code == 302
    for user in (w.officer_a, w.approver_a, w.secretariat, w.member.user, w.chair.user):
        response = client_for(user).get(url)
        assert response.status_code == 200, user
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for user in (w.approver_b, w.officer_b, w.outsider, w.own.user):
        assert client_for(user).get(url).status_code == 404, user
    assert Client().get(url).status_code == 302


@db
def test_the_council_sees_the_signer_and_certificate(sent, client_for):
    w = sent
    assert send(client_for(w.approver_a), w.sub_a).status_code == 302
    page = page_text(client_for(w.member.user).get(
        reverse("appraisal:unit_page", args=[w.member.pk, w.sub_a.pk])))
    assert "Bảng tổng hợp đơn vị đã ký số" in page
    assert SIGNER_NAME in page and "CA gốc thử nghiệm" in page and w.summary.serial in page
    assert "Khớp với báo cáo hiện tại." in page
    assert reverse("submissions:signed_summary_download", args=[w.summary.pk]) in page


@db
def test_the_review_page_offers_the_upload_to_the_approver_only(sheet, client_for):
    w = sheet
    url = reverse("submissions:review", args=[w.sub_a.pk])
    approver = page_text(client_for(w.approver_a).get(url))
    assert "bắt buộc trước khi gửi" in approver and 'name="signed_summary"' in approver
    assert signed_summary.sheet_fingerprint(w.sub_a).short in approver
    officer = page_text(client_for(w.officer_a).get(url))
    assert "Tải Bảng tổng hợp (PDF) để ký số" in officer and 'name="signed_summary"' not in officer


@db
def test_the_setting_is_on_the_period_form(world, client_for):
    page = page_text(client_for(world.secretariat).get(reverse("submissions:period_edit", args=[world.period.pk])))
    assert "Phải đính kèm Bảng tổng hợp đã ký số trước khi gửi" in page
    assert world.period.setting("signed_summary_required") is False


def test_deadline_moment_is_shown_in_local_time():
    moment = timezone.now() - timedelta(hours=1)
    assert signed_summary._when(moment) == f"{timezone.localtime(moment):%H:%M %d/%m/%Y}"
