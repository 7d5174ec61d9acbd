"""Digital signatures of an evidence PDF, checked with pyHanko (no database, no network).

Evidence must be an electronic document signed digitally (guidance §4.a); a scan does not earn
full marks. :func:`check_pdf_signatures` reads every signature of a PDF and reports one status,
the worst of them:

* ``signed_valid``: signed, intact, and the signer's certificate chains to a configured trust root;
* ``signed_untrusted``: signed and intact, but the certificate could not be verified against a
  trusted root (unknown CA, expired certificate, or no trust roots configured at all);
* ``modified``: signed, but the document was changed after signing (an incremental update that
  alters content) or the signature does not verify (bytes changed inside the signed range, or a
  signature pyHanko cannot check);
* ``unsigned``: no signature at all, likely a scan;
* ``unreadable``: not a PDF pyHanko can read (or protected by a password).

The report also says whether the last signature covers every byte of the file (``whole_file``) and gives
its signer's certificate (``certificate``: subject, issuer, serial); the signed summary table
(``submissions.signed_summary``) needs both.

Revocation is **not** checked: fetching of CRLs and OCSP responses is disabled explicitly
(``allow_fetching=False``, ``revocation_mode="soft-fail"``), so an upload never waits for, or leaks
to, the network. Certificates are validated at the current time; when the signer's certificate has
expired since, they are validated again at the signing time the signature declares (a time the
signer asserts, not a trusted timestamp: good enough for evidence of the appraisal year, and said
in the message). Changes made after signing are judged by pyHanko's difference analysis: adding
further signatures, filling form fields or document timestamps are allowed, anything else marks
the signature ``modified``.

pyHanko logs path-building and diff-analysis failures (with tracebacks) at WARNING/ERROR on the
``pyhanko`` loggers; they are expected for untrusted or modified files.
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.crypt.api import AuthStatus
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from criteria.evidence import CHECKED

T = TypeVar("T")

STATUSES = CHECKED  # criteria.evidence: the words every stage reads
#: Order of the signature statuses, best first; the report of a document is its worst signature.
_SEVERITY = {"signed_valid": 0, "signed_untrusted": 1, "modified": 2}

MESSAGE_UNSIGNED = "Không có chữ ký số (có thể là bản scan): không đạt điểm tối đa."
MESSAGE_UNREADABLE = "Không đọc được tệp PDF."
MESSAGE_PASSWORD = "Không đọc được tệp PDF vì tệp được đặt mật khẩu: hãy gỡ mật khẩu rồi tải lên lại."

# Signing certificates of Vietnamese CAs carry digitalSignature and/or nonRepudiation: either will do.
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


@dataclass(frozen=True)
class CertificateInfo:
    """The signer's certificate of one signature, as shown to people (the council, the signed summary)."""

    signer: str  # subject common name
    subject: str  # the whole subject, human friendly
    issuer: str  # the issuing CA, human friendly
    serial: str  # hexadecimal, upper case


@dataclass(frozen=True)
class SignatureReport:
    status: str  # one of STATUSES
    signers: tuple[str, ...]  # subject common names, in signing order, without repetition
    signed_at: datetime | None  # time of the latest signature, as the signer declares it
    message: str  # Vietnamese, shown beside the file
    # Whether the last signature covers every byte of the file: False when anything (even a change pyHanko's
    # difference analysis allows, such as new document information) was appended after it.
    whole_file: bool = False
    certificate: CertificateInfo | None = None  # the last signature's signer certificate


@dataclass(frozen=True)
class _Checked:
    status: str
    signer: str
    signed_at: datetime | None
    reason: str  # "" or why the status is what it is: "changed", "broken", "unverifiable", "expired"


# --------------------------------------------------------------------------- trust roots


def load_trust_roots(items: Iterable[bytes | str]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM (one or several per item) or DER; :class:`ValueError` on anything else."""
    roots = []
    for item in items:
        blob = item.encode("ascii") if isinstance(item, str) else bytes(item)
        try:
            if pem.detect(blob):
                ders = [der for _type, _headers, der in pem.unarmor(blob, multiple=True)]
            else:
                ders = [blob]
            for der in ders:
                cert = asn1_x509.Certificate.load(der)
                cert.native  # parse fully now, so a bad root fails here and not during validation  # noqa: B018
                roots.append(cert)
        except Exception as exc:
            raise ValueError(f"Chứng thư gốc không hợp lệ (cần PEM hoặc DER): {exc}") from exc
    return roots


# --------------------------------------------------------------------------- one signature


def signer_name(cert: asn1_x509.Certificate) -> str:
    """The name a signature is shown under: the certificate's common name, else its organisation, else the
    whole subject (checked uploads and the signed annex read the same)."""
    subject = cert.subject.native
    for field in ("common_name", "organization_name"):
        value = subject.get(field)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value:
            return str(value)
    return cert.subject.human_friendly


def validate_signature(sig, roots: list[asn1_x509.Certificate], moment: datetime | None = None) -> PdfSignatureStatus:
    """pyHanko's validation of one embedded signature against ``roots`` only (no fetching, revocation soft-fail),
    with the key usages of a Vietnamese signing certificate; used for uploads and for the signed annex."""
    context = ValidationContext(
        trust_roots=list(roots),  # never None: None would mean the operating system's TLS roots
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )
    return run_sync(functools.partial(validate_pdf_signature, sig, context, key_usage_settings=KEY_USAGE))


def run_sync(call: Callable[[], T]) -> T:
    """pyHanko's synchronous API runs its own event loop: inside a running one, use another thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _signing_time(status: PdfSignatureStatus) -> datetime | None:
    timestamp = status.timestamp_validity
    if timestamp is not None and timestamp.intact and timestamp.valid:
        return timestamp.timestamp
    return status.signer_reported_dt


def _validity(cert: asn1_x509.Certificate) -> tuple[datetime, datetime]:
    validity = cert["tbs_certificate"]["validity"]
    return validity["not_before"].native, validity["not_after"].native


def _check_signature(sig, roots: list[asn1_x509.Certificate]) -> _Checked:
    try:
        signer = signer_name(sig.signer_cert)
    except Exception:
        signer = ""
    try:
        status = validate_signature(sig, roots)
    except Exception:
        return _Checked("modified", signer, None, "unverifiable")
    signed_at = _signing_time(status)
    if not (status.intact and status.valid):
        return _Checked("modified", signer, signed_at, "broken")
    if status.docmdp_ok is False:
        return _Checked("modified", signer, signed_at, "changed")
    if status.trusted:
        return _Checked("signed_valid", signer, signed_at, "")
    if signed_at is not None:
        not_before, not_after = _validity(status.signing_cert)
        if not not_before <= signed_at <= not_after:
            return _Checked("signed_untrusted", signer, signed_at, "expired")
        if roots and not_after < datetime.now(UTC):
            # Valid when signed, expired since: validate again at the declared signing time.
            try:
                again = validate_signature(sig, roots, moment=signed_at)
            except Exception:
                again = None
            if again is not None and again.trusted:
                return _Checked("signed_valid", signer, signed_at, "expired_since")
    return _Checked("signed_untrusted", signer, signed_at, "")


# --------------------------------------------------------------------------- the document


def _names(checked: Iterable[_Checked]) -> str:
    names = list(dict.fromkeys(c.signer for c in checked if c.signer))
    return "; ".join(names)


def _in_parentheses(text: str) -> str:
    return f" ({text})" if text else ""


def _message(status: str, worst: list[_Checked]) -> str:
    names = _names(worst)
    reasons = {c.reason for c in worst}
    if status == "signed_valid":
        message = f"Đã ký số, còn nguyên vẹn, chứng thư hợp lệ{_in_parentheses(names)}."
        expired = _names(c for c in worst if c.reason == "expired_since")
        if expired:
            message += f" Chứng thư của {expired} nay đã hết hạn nhưng còn hiệu lực tại thời điểm ký."
        return message
    if status == "signed_untrusted":
        message = f"Đã ký số, còn nguyên vẹn, chưa xác minh được với chứng thư gốc tin cậy{_in_parentheses(names)}."
        if "expired" in reasons:
            message += " Chứng thư không còn hiệu lực tại thời điểm ký."
        return message
    # modified
    if reasons == {"unverifiable"}:
        return (
            f"Có chữ ký số nhưng không kiểm tra được chữ ký{_in_parentheses(names)}: định dạng chữ ký "
            "không được hỗ trợ hoặc bị hỏng, coi như văn bản có thể đã bị sửa."
        )
    if "broken" in reasons:
        return f"Đã ký số nhưng văn bản bị sửa sau khi ký{_in_parentheses(names)}: chữ ký không còn khớp với nội dung."
    return f"Đã ký số nhưng văn bản bị sửa sau khi ký{_in_parentheses(names)}."


def check_pdf_signatures(data: bytes, trust_roots: Sequence[bytes] = ()) -> SignatureReport:
    """Status of the signatures of a PDF (see the module's docstring); never raises on bad ``data``.

    ``trust_roots`` are PEM or DER certificates (a PEM item may hold several); with none, a signed
    and intact document is ``signed_untrusted``. A malformed trust root raises :class:`ValueError`:
    it is a configuration error, not a property of the document.
    """
    roots = load_trust_roots(trust_roots)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            # Restrictions-only encryption has an empty user password; anything else cannot be read.
            try:
                auth = reader.decrypt(b"")
            except Exception:
                auth = None
            if auth is None or auth.status == AuthStatus.FAILED:
                return SignatureReport("unreadable", (), None, MESSAGE_PASSWORD)
        signatures = list(reader.embedded_regular_signatures)
    except Exception:
        return SignatureReport("unreadable", (), None, MESSAGE_UNREADABLE)
    if not signatures:
        return SignatureReport("unsigned", (), None, MESSAGE_UNSIGNED)

    checked = [_check_signature(sig, roots) for sig in signatures]
    status = max((c.status for c in checked), key=_SEVERITY.__getitem__)
    worst = [c for c in checked if c.status == status]
    signers = tuple(dict.fromkeys(c.signer for c in checked if c.signer))
    times = [c.signed_at for c in checked if c.signed_at is not None]
    signed_at = max(times) if times else None
    return SignatureReport(status, signers, signed_at, _message(status, worst),
                           whole_file=_covers_whole_file(signatures[-1]), certificate=_certificate(signatures[-1]))


def _covers_whole_file(sig) -> bool:
    try:
        return sig.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    except Exception:
        return False


_DN_LABELS = {"common_name": "CN", "organization_name": "O", "organizational_unit_name": "OU", "locality_name": "L",
              "state_or_province_name": "ST", "country_name": "C", "email_address": "E",
              "serial_number": "SERIALNUMBER", "user_id": "UID", "title": "T", "surname": "SN", "given_name": "G"}


def _distinguished_name(name: asn1_x509.Name) -> str:
    """"CN=Nguyễn Văn Ánh, O=…, C=VN": the usual notation, in the name's own order, whatever the language."""
    parts = []
    for key, value in name.native.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            parts.append(f"{_DN_LABELS.get(key, key)}={item}")
    return ", ".join(parts)


def _certificate(sig) -> CertificateInfo | None:
    try:
        cert = sig.signer_cert
        return CertificateInfo(signer=signer_name(cert), subject=_distinguished_name(cert.subject),
                               issuer=_distinguished_name(cert.issuer), serial=f"{cert.serial_number:X}")
    except Exception:
        return None
