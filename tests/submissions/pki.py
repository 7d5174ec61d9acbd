"""A throw-away PKI and PDFs for the signature tests: a root CA, a signer, unsigned and signed PDFs.

Keys are generated once per test session (:func:`test_pki` is cached) with ``cryptography``; the
signing itself goes through pyHanko's ``PdfSigner`` with a ``SimpleSigner``, as a real signing tool
would. Nothing touches the network.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from demo.signing import signing_clock

SIGNER_NAME = "Nguyễn Văn Ánh"
SECOND_SIGNER_NAME = "Sở Xây dựng tỉnh Thái Nguyên"
PAGE_TEXT = b"Ke hoach so 30/KH-SXD: cai cach hanh chinh nam 2024"


@dataclass(frozen=True)
class Identity:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class TestPki:
    root: Identity
    signer: Identity
    second_signer: Identity
    expired_signer: Identity  # valid last year only
    other_root: Identity  # an unrelated CA that signed nothing here


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Thử nghiệm ĐGXL"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca(common_name: str, now: datetime) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3650))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return Identity(key, cert)


def _leaf(common_name: str, issuer: Identity, not_before: datetime, not_after: datetime) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return Identity(key, cert)


@cache
def test_pki() -> TestPki:
    """The session's CA and signers (EC P-256: fast to generate)."""
    now = datetime.now(UTC)
    root = _ca("CA gốc thử nghiệm", now)
    return TestPki(
        root=root,
        signer=_leaf(SIGNER_NAME, root, now - timedelta(days=30), now + timedelta(days=365)),
        second_signer=_leaf(SECOND_SIGNER_NAME, root, now - timedelta(days=30), now + timedelta(days=365)),
        expired_signer=_leaf("Trần Thị Bình", root, now - timedelta(days=730), now - timedelta(days=365)),
        other_root=_ca("CA không liên quan", now),
    )


test_pki.__test__ = False  # not a test, whatever pytest thinks of the name
TestPki.__test__ = False


# --------------------------------------------------------------------------- PDFs


def unsigned_pdf(text: bytes = PAGE_TEXT) -> bytes:
    """A minimal valid PDF, one A4 page with one line of text, written by hand with a correct xref."""
    content = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    file_id = b"<3a4b5c6d7e8f90a1b2c3d4e5f6071829>"
    out += b"trailer\n<< /Size %d /Root 1 0 R /ID [%s%s] >>\n" % (len(objects) + 1, file_id, file_id)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _simple_signer(identity: Identity) -> signers.SimpleSigner:
    pki = test_pki()
    key_der = identity.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(identity.der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(pki.root.der)]),
    )


@contextmanager
def _signing_time(when: datetime | None):
    """pyHanko stamps the current time; back-date it for the expired-certificate case."""
    if when is None:
        yield
        return
    with signing_clock(when):
        yield


def signed_pdf(
    pdf: bytes | None = None,
    *,
    identity: Identity | None = None,
    field_name: str = "ChuKy1",
    signing_time: datetime | None = None,
) -> bytes:
    """``pdf`` (default :func:`unsigned_pdf`) signed by ``identity`` (default the Vietnamese signer)."""
    pdf = unsigned_pdf() if pdf is None else pdf
    identity = identity or test_pki().signer
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason="Phát hành văn bản")
    with _signing_time(signing_time):
        out = signers.sign_pdf(writer, meta, signer=_simple_signer(identity))
    return out.getvalue()


def modify_page(pdf: bytes, text: bytes = b"Noi dung da bi sua") -> bytes:
    """An incremental update that replaces the page's content stream (a real change of the text)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET\n")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_then_modified_pdf() -> bytes:
    """Signed, then changed by an incremental update: the signed revision is intact, the file is not."""
    return modify_page(signed_pdf())


def tampered_pdf() -> bytes:
    """Signed, then one byte of the page text changed in place, inside the signed byte range."""
    data = signed_pdf()
    original = b"30/KH-SXD"
    assert data.count(original) == 1
    return data.replace(original, b"31/KH-SXD")
