"""Digital signatures of evidence PDFs: every status, trusted vs untrusted roots, several signatures.

The PKI (a test CA and signers with Vietnamese names) is generated once per session by
:mod:`tests.submissions.pki`; the signed PDFs are built once per module.
"""

import asyncio
import io
import socket
from datetime import UTC, datetime, timedelta

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

from submissions.signatures import (
    MESSAGE_PASSWORD,
    MESSAGE_UNREADABLE,
    MESSAGE_UNSIGNED,
    STATUSES,
    SignatureReport,
    check_pdf_signatures,
    load_trust_roots,
)
from tests.submissions.pki import (
    SECOND_SIGNER_NAME,
    SIGNER_NAME,
    modify_page,
    signed_pdf,
    signed_then_modified_pdf,
    tampered_pdf,
    test_pki,
    unsigned_pdf,
)


@pytest.fixture(scope="module")
def pki():
    return test_pki()


@pytest.fixture(scope="module")
def signed(pki):
    return signed_pdf()


@pytest.fixture(scope="module")
def root_pem(pki):
    return [pki.root.pem]


# ------------------------------------------------------------------ signed and intact


def test_signed_and_trusted(signed, root_pem):
    report = check_pdf_signatures(signed, root_pem)
    assert report.status == "signed_valid"
    assert report.signers == (SIGNER_NAME,)
    assert report.message == f"Đã ký số, còn nguyên vẹn, chứng thư hợp lệ ({SIGNER_NAME})."
    assert report.signed_at is not None and report.signed_at.tzinfo is not None
    assert abs(report.signed_at - datetime.now(UTC)) < timedelta(hours=1)


def test_trust_root_as_der(signed, pki):
    assert check_pdf_signatures(signed, [pki.root.der]).status == "signed_valid"


def test_trust_roots_in_one_pem_bundle(signed, pki):
    bundle = pki.other_root.pem + pki.root.pem
    assert check_pdf_signatures(signed, [bundle]).status == "signed_valid"


def test_signed_but_unrelated_root(signed, pki):
    report = check_pdf_signatures(signed, [pki.other_root.pem])
    assert report.status == "signed_untrusted"
    assert report.signers == (SIGNER_NAME,)
    assert report.message == (
        f"Đã ký số, còn nguyên vẹn, chưa xác minh được với chứng thư gốc tin cậy ({SIGNER_NAME})."
    )


def test_signed_without_trust_roots(signed):
    report = check_pdf_signatures(signed)
    assert report.status == "signed_untrusted"
    assert report.signers == (SIGNER_NAME,)
    assert "chưa xác minh được với chứng thư gốc tin cậy" in report.message


def test_two_signatures_both_valid(signed, pki, root_pem):
    data = signed_pdf(signed, identity=pki.second_signer, field_name="ChuKy2")
    report = check_pdf_signatures(data, root_pem)
    assert report.status == "signed_valid"
    assert report.signers == (SIGNER_NAME, SECOND_SIGNER_NAME)
    assert f"({SIGNER_NAME}; {SECOND_SIGNER_NAME})" in report.message


def test_certificate_expired_since_signing_is_still_valid(pki, root_pem):
    when = datetime.now(UTC) - timedelta(days=500)  # inside last year's validity of the expired signer
    report = check_pdf_signatures(signed_pdf(identity=pki.expired_signer, signing_time=when), root_pem)
    assert report.status == "signed_valid"
    assert report.signed_at == when.replace(microsecond=0)
    assert "còn hiệu lực tại thời điểm ký" in report.message


def test_certificate_expired_when_signing_is_untrusted(pki, root_pem):
    report = check_pdf_signatures(signed_pdf(identity=pki.expired_signer), root_pem)
    assert report.status == "signed_untrusted"
    assert "không còn hiệu lực tại thời điểm ký" in report.message


# ------------------------------------------------------------------ modified


@pytest.mark.parametrize("roots", ["trusted", "unrelated", "none"])
def test_signed_then_modified(pki, roots):
    trust = {"trusted": [pki.root.pem], "unrelated": [pki.other_root.pem], "none": []}[roots]
    report = check_pdf_signatures(signed_then_modified_pdf(), trust)
    assert report.status == "modified"
    assert report.signers == (SIGNER_NAME,)
    assert report.message == f"Đã ký số nhưng văn bản bị sửa sau khi ký ({SIGNER_NAME})."


def test_bytes_tampered_inside_the_signed_range(root_pem):
    report = check_pdf_signatures(tampered_pdf(), root_pem)
    assert report.status == "modified"
    assert report.signers == (SIGNER_NAME,)
    assert report.message.startswith("Đã ký số nhưng văn bản bị sửa sau khi ký")
    assert "chữ ký không còn khớp với nội dung" in report.message


def test_the_worst_signature_wins(pki, root_pem):
    """Signed, modified, then signed again: the second signature is fine, the first is not."""
    data = signed_pdf(signed_then_modified_pdf(), identity=pki.second_signer, field_name="ChuKy2")
    report = check_pdf_signatures(data, root_pem)
    assert report.status == "modified"
    assert report.signers == (SIGNER_NAME, SECOND_SIGNER_NAME)
    assert report.message == f"Đã ký số nhưng văn bản bị sửa sau khi ký ({SIGNER_NAME})."


def test_untrusted_beats_valid(pki, root_pem, signed):
    data = signed_pdf(signed, identity=pki.expired_signer, field_name="ChuKy2")
    report = check_pdf_signatures(data, root_pem)
    assert report.status == "signed_untrusted"
    assert report.signers == (SIGNER_NAME, "Trần Thị Bình")


def test_a_second_modification_after_a_valid_second_signature(pki, root_pem, signed):
    data = modify_page(signed_pdf(signed, identity=pki.second_signer, field_name="ChuKy2"))
    assert check_pdf_signatures(data, root_pem).status == "modified"


# ------------------------------------------------------------------ unsigned, unreadable


def test_unsigned(root_pem):
    report = check_pdf_signatures(unsigned_pdf(), root_pem)
    assert report == SignatureReport("unsigned", (), None, MESSAGE_UNSIGNED)
    assert report.message == "Không có chữ ký số (có thể là bản scan): không đạt điểm tối đa."


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"%PDF-1.7\n%%EOF\n", bytes(range(256)) * 8, b"\x89PNG\r\n\x1a\n" + bytes(64)],
)
def test_unreadable(data, root_pem):
    report = check_pdf_signatures(data, root_pem)
    assert report == SignatureReport("unreadable", (), None, MESSAGE_UNREADABLE)
    assert report.message == "Không đọc được tệp PDF."


def _encrypted(user_password: str) -> bytes:
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(unsigned_pdf())))
    writer.encrypt(owner_pass="chu-so-huu", user_pass=user_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_password_protected_pdf_is_unreadable():
    report = check_pdf_signatures(_encrypted("mat-khau"))
    assert report.status == "unreadable"
    assert report.message == MESSAGE_PASSWORD


def test_restrictions_only_encryption_is_read():
    assert check_pdf_signatures(_encrypted("")).status == "unsigned"


# ------------------------------------------------------------------ configuration and API


def test_bad_trust_root_is_a_configuration_error(signed):
    with pytest.raises(ValueError, match="Chứng thư gốc không hợp lệ"):
        check_pdf_signatures(signed, [b"not a certificate"])


def test_load_trust_roots(pki):
    roots = load_trust_roots([pki.root.pem, pki.other_root.der, pki.root.pem.decode()])
    assert [root.subject.native["common_name"] for root in roots] == [
        "CA gốc thử nghiệm",
        "CA không liên quan",
        "CA gốc thử nghiệm",
    ]


def test_statuses():
    assert STATUSES == ("signed_valid", "signed_untrusted", "modified", "unsigned", "unreadable")


def test_works_inside_a_running_event_loop(signed, root_pem):
    async def inside():
        return check_pdf_signatures(signed, root_pem)

    assert asyncio.run(inside()).status == "signed_valid"


def test_no_network(monkeypatch, signed, root_pem):
    """Revocation fetching is disabled: any attempt to open a socket would fail the check."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access during signature validation")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert check_pdf_signatures(signed, root_pem).status == "signed_valid"
