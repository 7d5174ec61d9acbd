"""Digital signing of the published ranking (PAdES, with a visible Vietnamese stamp): no database, no network.

Plain functions on bytes and paths, as the house style asks; callers (tasks, commands) read the
PKCS#12 file and passphrase from settings and store the result.

* :func:`make_dev_certificate` writes a self-signed test certificate (RSA-2048, key usage
  digitalSignature + nonRepudiation, names as UTF8String) with its key in a PKCS#12 file, for
  development and tests. Production uses a certificate issued by a Vietnamese CA.
* :func:`sign_pdf` signs a PDF as PAdES (``/SubFilter /ETSI.CAdES.detached``) in a new, visible
  signature field with a text stamp ("Ký số bởi ... / Thời gian ... / <stamp_text>") drawn with an
  embedded, subsetted TrueType font (Liberation Serif by default) so Vietnamese diacritics render.
  No timestamp server and no revocation fetching: the signing time in the stamp and in the
  signature is the signer's clock.
* :func:`verify_intact` reports whether the last signature is intact and chains to given roots.

Requires pyHanko's ``opentype`` extra (``pyHanko[opentype]``: fontTools and uharfbuzz) for the stamp
font. The stamp's time is rendered in the process's local time zone (Django sets it from
``TIME_ZONE``, Asia/Ho_Chi_Minh) with its UTC offset.
"""

from __future__ import annotations

import functools
import io
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.name import _ASN1Type  # private, but the only way past the byte-length check
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.font import FontEngineFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.stamp import TextStampStyle

from submissions.signatures import load_trust_roots, run_sync, signer_name, validate_signature

DEFAULT_FONT = Path(__file__).resolve().parents[1] / "static/fonts/LiberationSerif-Regular.ttf"
DEV_COMMON_NAME = "Sở Nội vụ tỉnh Thái Nguyên (chứng thư thử nghiệm)"
DEV_ORGANIZATION = "UBND tỉnh Thái Nguyên"

MESSAGE_BAD_PKCS12 = "Không mở được tệp chứng thư số (PKCS#12): sai mật khẩu hoặc tệp hỏng."
MESSAGE_BAD_PDF = "Không đọc được tệp PDF cần ký."
MESSAGE_BAD_FONT = "Không đọc được phông chữ cho con dấu chữ ký số."
MESSAGE_MISSING_GLYPHS = "Phông chữ {font} thiếu ký tự cần cho con dấu chữ ký số: {chars}"

#: The stamp's template; ``signer`` and ``ts`` are filled by pyHanko, ``note`` is the caller's text.
STAMP_TEMPLATE = "Ký số bởi: %(signer)s\nThời gian: %(ts)s"
STAMP_TIME_FORMAT = "%d/%m/%Y %H:%M:%S (UTC%z)"
STAMP_COLOR = (0.75, 0.0, 0.0)  # the red of a Vietnamese seal
STAMP_FONT_SIZE = 10  # before shrinking to fit the box

_PADES = "/ETSI.CAdES.detached"


class SigningError(ValueError):
    """Signing failed for a reason the user can fix (wrong passphrase, broken file); message in Vietnamese."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- development certificate


def _utf8_attribute(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute:
    """A UTF8String name attribute, NFC, at most 64 *characters* (RFC 5280's ub-common-name etc.).

    ``cryptography`` checks the limit in UTF-8 bytes, which refuses ordinary Vietnamese names
    (the default common name is 49 characters but 66 bytes), so the check is made here instead.
    """
    value = _nfc(value)
    if not 1 <= len(value) <= 64:
        raise ValueError(f"Tên trong chứng thư phải dài từ 1 đến 64 ký tự: {value!r}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Attribute's length", category=UserWarning)
        return x509.NameAttribute(oid, value, _ASN1Type.UTF8String, _validate=False)


def make_dev_certificate(
    path: Path,
    *,
    passphrase: bytes,
    common_name: str = DEV_COMMON_NAME,
    organization: str = DEV_ORGANIZATION,
    days: int = 3650,
) -> None:
    """Write a self-signed signing certificate and its RSA-2048 key as a PKCS#12 file at ``path``.

    For development and tests only. The names are stored NFC-normalised as UTF8String; the file is
    encrypted with ``passphrase`` (AES-256, PBKDF2) and made readable by its owner only.
    """
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            _utf8_attribute(NameOID.ORGANIZATION_NAME, organization),
            _utf8_attribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
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
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        name=_nfc(common_name).encode("utf-8"),
        key=key,
        cert=cert,
        cas=None,
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


# --------------------------------------------------------------------------- signing


def _load_signer(pkcs12_data: bytes, passphrase: bytes) -> signers.SimpleSigner:
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(pkcs12_data, other_certs=(), passphrase=passphrase or None)
    except Exception as exc:  # wrong passphrase, not PKCS#12, no key or no certificate inside
        raise SigningError(MESSAGE_BAD_PKCS12) from exc
    if signer.signing_cert is None or signer.signing_key is None:
        raise SigningError(MESSAGE_BAD_PKCS12)
    return signer


@functools.lru_cache(maxsize=4)
def _prepared_font(path: str, mtime_ns: int, size: int) -> tuple[bytes, frozenset[int]]:
    """The font at ``path`` rescaled to 1000 units per em, without hinting; and the code points it maps.

    pyHanko 0.38's ``GlyphAccumulator`` writes the font's advance widths (``/W``) and ``TJ``
    adjustments in the font's own units, while PDF reads them as 1/1000 em: right for fonts with
    1000 units per em (most CFF fonts), about twice too wide for TrueType fonts with 2048
    (Liberation, DejaVu), whose glyphs then spread apart and overflow the box. Rescaling the font
    first makes both agree. Hinting is dropped (instructions do not survive rescaling, and PDF
    viewers do not need them). About a second for Liberation Serif, once per process and font file:
    ``mtime_ns`` and ``size`` only key the cache.
    """
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(path)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    for tag in ("fpgm", "prep", "cvt ", "hdmx", "VDMX", "LTSH", "FFTM"):
        if tag in font:
            del font[tag]
    if "glyf" in font:
        for name in font.getGlyphOrder():
            font["glyf"][name].removeHinting()
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), frozenset(font.getBestCmap())


def _load_font(font_path: Path) -> tuple[bytes, frozenset[int]]:
    try:
        stat = font_path.stat()
        return _prepared_font(str(font_path.resolve()), stat.st_mtime_ns, stat.st_size)
    except Exception as exc:
        raise SigningError(MESSAGE_BAD_FONT) from exc


@dataclass(frozen=True)
class _FontFactory(FontEngineFactory):
    """Like pyHanko's ``GlyphAccumulatorFactory``, but from font bytes in memory (see :func:`_prepared_font`)."""

    font_bytes: bytes = field(repr=False)
    font_size: int = 10

    def create_font_engine(self, writer, obj_stream=None):
        # Imported here: the opentype module needs pyHanko's "opentype" extra (fontTools, uharfbuzz).
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(self.font_bytes),
            font_size=self.font_size,
            bcp47_lang_code="vi",
            obj_stream=obj_stream,
        )


def _stamp_style(font_bytes: bytes) -> TextStampStyle:
    # The factory's font size and the text box's must be equal, or multi-line stamps drift
    # sideways (pyHanko issue #733).
    return TextStampStyle(
        stamp_text=STAMP_TEMPLATE + "%(note)s",
        timestamp_format=STAMP_TIME_FORMAT,
        text_box_style=TextBoxStyle(
            font=_FontFactory(font_bytes, font_size=STAMP_FONT_SIZE),
            font_size=STAMP_FONT_SIZE,
            leading=STAMP_FONT_SIZE + 2,
            text_color=STAMP_COLOR,
        ),
        border_width=1,
        border_color=STAMP_COLOR,
        background=None,
    )


def _check_glyphs(text: str, covered: frozenset[int], font_path: Path) -> None:
    """Refuse to draw a stamp with missing letters: a signed document cannot be fixed afterwards."""
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in covered})
    if missing:
        raise SigningError(MESSAGE_MISSING_GLYPHS.format(font=font_path.name, chars=" ".join(missing)))


def sign_pdf(
    pdf: bytes,
    *,
    pkcs12: bytes,
    passphrase: bytes,
    stamp_text: str,
    field_name: str = "ChuKySo",
    reason: str = "Phê duyệt kết quả xếp loại",
    location: str = "Thái Nguyên",
    page: int = -1,
    box: tuple[int, int, int, int] = (360, 40, 560, 120),
    font_path: Path | None = None,
) -> bytes:
    """``pdf`` signed as PAdES by the key in ``pkcs12``, with a visible stamp; returns the signed bytes.

    The signature goes into a new field ``field_name`` on ``page`` (0-based, negative from the end:
    -1 is the last page) at ``box`` = (x1, y1, x2, y2) in PDF points from the bottom-left corner.
    The stamp reads "Ký số bởi: <signer's common name>", "Thời gian: <signing time>", then
    ``stamp_text`` (may hold several lines; "%" is taken literally); the text shrinks to fit the box.
    The result is an incremental update: the original bytes are kept unchanged as a prefix.

    ``font_path`` is a TrueType/OpenType font with Vietnamese letters (default: Liberation Serif in
    ``static/fonts``); it is embedded as a subset.

    Raises :class:`SigningError` (a :class:`ValueError`) with a Vietnamese message for a wrong
    passphrase or unreadable PKCS#12 data, an unreadable PDF, an unreadable font file, or a font
    that lacks a letter of the stamp (nothing is signed then).
    """
    signer = _load_signer(pkcs12, passphrase)
    font_path = Path(font_path) if font_path is not None else DEFAULT_FONT
    font_bytes, covered = _load_font(font_path)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    except Exception as exc:
        raise SigningError(MESSAGE_BAD_PDF) from exc

    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=_nfc(reason),
        location=_nfc(location),
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        stamp_style=_stamp_style(font_bytes),
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=box),
    )
    note = _nfc(stamp_text).strip("\n")
    text_params = {
        "signer": _nfc(signer.subject_name or ""),
        "note": ("\n" + note) if note else "",
    }
    sample_time = "0123456789/:()+-UTC"  # whatever the signing time, it is written with these
    _check_glyphs(STAMP_TEMPLATE % {"ts": sample_time, **text_params} + text_params["note"], covered, font_path)
    call = functools.partial(pdf_signer.sign_pdf, writer, appearance_text_params=text_params)
    return run_sync(call).getvalue()


# --------------------------------------------------------------------------- verification


def verify_intact(pdf: bytes, trust_roots: Sequence[bytes] = ()) -> dict:
    """State of the last signature of ``pdf``: never raises on bad ``pdf``.

    Returns ``{"intact", "valid", "signer", "coverage", "pades"}``:

    * ``intact``: the signed bytes hash to the digest in the signature;
    * ``valid``: intact, the cryptographic signature verifies, the signer's certificate chains to
      one of ``trust_roots`` (PEM or DER; none means nothing is trusted) at the current time
      (without revocation checks or any network access), and no change made after signing is
      disallowed by pyHanko's difference analysis (another signature or a form fill is allowed,
      a new page content is not);
    * ``signer``: the signer's common name ("" when unknown);
    * ``coverage``: pyHanko's coverage level, e.g. ``"ENTIRE_FILE"`` (``""`` when unknown);
    * ``pades``: the signature's ``/SubFilter`` is ``/ETSI.CAdES.detached``.

    An unreadable or unsigned PDF gives all false/empty values. A malformed trust root raises
    :class:`ValueError` (a configuration error, not a property of the document).
    """
    roots = load_trust_roots(trust_roots)
    result = {"intact": False, "valid": False, "signer": "", "coverage": "", "pades": False}
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception:
        return result
    if not signatures:
        return result
    sig = signatures[-1]
    try:
        result["pades"] = str(sig.sig_object.get("/SubFilter", "")) == _PADES
        result["signer"] = signer_name(sig.signer_cert)
    except Exception:
        pass
    try:
        status = validate_signature(sig, roots)  # the same check as an uploaded file's (submissions.signatures)
    except Exception:
        return result
    result["intact"] = bool(status.intact)
    result["valid"] = bool(status.intact and status.valid and status.trusted and status.docmdp_ok is not False)
    result["coverage"] = status.coverage.name if status.coverage is not None else ""
    return result
