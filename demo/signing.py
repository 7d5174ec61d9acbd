"""A unit's own digital certificate and its signing tool, as the demo needs them.

Seed 001 Bước 4 (docs/process.md, "Bảng tổng hợp đã ký số"): the unit signs the summary table *outside* the
software with its own certificate, then uploads it. The demo plays that outside tool: a self-signed certificate
per unit (valid from ``valid_from``) and a PAdES signature whose signing time is the moment the demo says the
unit signed (pyHanko stamps the machine's clock; the tool of a unit in 2021 signed in 2021). Never used by the
product itself: ``ranking.signing`` signs the published annex, ``submissions.signatures`` checks uploads.
"""

import io
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSigner


def unit_certificate(common_name: str, organization: str, *, valid_from: datetime) -> bytes:
    """PKCS#12 (no passphrase) of a self-signed signing certificate for ``common_name``, valid ten years."""
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from.astimezone(UTC)).not_valid_after(valid_from.astimezone(UTC)
                                                                           + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(name=common_name.encode(), key=key, cert=cert, cas=None,
                                                 encryption_algorithm=serialization.NoEncryption())


@contextmanager
def signing_clock(when: datetime):
    """pyHanko signs at the machine's clock: within this block, at ``when`` instead (the tests' PKI back-dates
    signatures the same way)."""
    original = PdfSigner.init_signing_session

    def init_signing_session(self, *args, **kwargs):
        session = original(self, *args, **kwargs)
        session.system_time = when
        return session

    with mock.patch.object(PdfSigner, "init_signing_session", init_signing_session):
        yield


def sign(pdf: bytes, pkcs12_data: bytes, *, at: datetime, reason: str = "Phê duyệt báo cáo") -> bytes:
    """``pdf`` signed over the whole file (an incremental update, the original bytes kept) at ``at``."""
    signer = signers.SimpleSigner.load_pkcs12_data(pkcs12_data, other_certs=(), passphrase=None)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name="ChuKyDonVi", reason=reason, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    with signing_clock(at):
        return signers.sign_pdf(writer, meta, signer=signer).getvalue()
