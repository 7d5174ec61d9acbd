"""PAdES signing of the published ranking (ranking/signing.py): sign a WeasyPrint PDF, check it with the
module, with pyHanko's own command line, and by looking at the rendered stamp (poppler's pdftoppm and
pdftotext). Nothing touches the network.
"""

import asyncio
import importlib.util
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import NameOID
from PIL import Image, ImageChops

from ranking.signing import (
    DEFAULT_FONT,
    DEV_COMMON_NAME,
    DEV_ORGANIZATION,
    MESSAGE_BAD_PKCS12,
    SigningError,
    make_dev_certificate,
    sign_pdf,
    verify_intact,
)

PASSPHRASE = "mật khẩu thử".encode()
TITLE = "Phu luc xep loai 2024"  # ASCII, so the tamper test can find it in the file
HEADING = "Phụ lục kết quả xếp loại — Khối các sở, ban, ngành"
STAMP_TEXT = "Quyết định số 123/QĐ-UBND ngày 15/01/2025"
BOX = (360, 40, 560, 120)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIETNAMESE_LETTERS = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĂÂĐÊÔƠƯ"
# Fonts with Vietnamese letters, tried when the one shipped in static/fonts has none (see the xfail below).
# cryptography counts the 64-character limit of a name in UTF-8 bytes and warns when it reads the
# (RFC 5280-conforming) 49-character Vietnamese common name back: expected here.
pytestmark = pytest.mark.filterwarnings("ignore:Attribute's length must be:UserWarning")
SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),  # Debian fonts-liberation2
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),  # Debian fonts-dejavu-core
)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _covers_vietnamese(path: Path) -> bool:
    from fontTools.ttLib import TTFont

    cmap = TTFont(path).getBestCmap()
    return all(ord(ch) in cmap for ch in VIETNAMESE_LETTERS)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def stamp_font() -> Path:
    for path in (DEFAULT_FONT, *SYSTEM_FONTS):
        if path.is_file() and _covers_vietnamese(path):
            return path
    pytest.skip("no TrueType font with Vietnamese letters (static/fonts or Debian fonts-liberation2/dejavu)")


@pytest.fixture(scope="module")
def dev_cert(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("pki")
    p12_path = folder / "dev.p12"
    make_dev_certificate(p12_path, passphrase=PASSPHRASE)
    data = p12_path.read_bytes()
    _key, cert, _others = pkcs12.load_key_and_certificates(data, PASSPHRASE)
    pem = cert.public_bytes(Encoding.PEM)
    pem_path = folder / "dev.pem"
    pem_path.write_bytes(pem)
    return {"p12": data, "p12_path": p12_path, "cert": cert, "pem": pem, "pem_path": pem_path}


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    """Two A4 pages of Vietnamese text in the project's font, uncompressed so the tamper test finds the title."""
    from weasyprint import HTML

    fonts = (DEFAULT_FONT.parent).as_uri()
    html = f"""<html lang="vi"><head><title>{TITLE}</title><style>
        @font-face {{ font-family: "Liberation Serif"; src: url("{fonts}/LiberationSerif-Regular.ttf"); }}
        body {{ font-family: "Liberation Serif"; font-size: 13pt; }}
    </style></head><body>
        <h1>{HEADING}</h1><p>Sở Tài chính: Hoàn thành xuất sắc nhiệm vụ.</p>
        <p style="break-before: page">Trang cuối: Sở Nội vụ tổng hợp.</p>
    </body></html>"""
    return HTML(string=_nfc(html)).write_pdf(uncompressed_pdf=True)


@pytest.fixture(scope="module")
def signed_pdf(unsigned_pdf, dev_cert, stamp_font) -> bytes:
    return sign_pdf(
        unsigned_pdf, pkcs12=dev_cert["p12"], passphrase=PASSPHRASE, stamp_text=STAMP_TEXT, font_path=stamp_font
    )


# --------------------------------------------------------------------------- certificate


def test_dev_certificate_is_a_vietnamese_signing_certificate(dev_cert):
    cert: x509.Certificate = dev_cert["cert"]
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == DEV_COMMON_NAME
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == DEV_ORGANIZATION
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # nonRepudiation
    assert cert.public_key().key_size == 2048
    # The names are UTF8String, so the diacritics survive in any reader.
    subject = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)).subject
    types = {rdn[0]["type"].native: rdn[0]["value"].name for rdn in subject.chosen}
    assert types["common_name"] == types["organization_name"] == "utf8_string"
    assert dev_cert["p12_path"].stat().st_mode & 0o077 == 0
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(dev_cert["p12"], b"sai")


# --------------------------------------------------------------------------- signing and verifying


def test_signed_pdf_is_intact_valid_pades(unsigned_pdf, signed_pdf, dev_cert):
    assert signed_pdf.startswith(unsigned_pdf)  # an incremental update: the original bytes are kept
    assert verify_intact(signed_pdf, [dev_cert["pem"]]) == {
        "intact": True,
        "valid": True,
        "signer": DEV_COMMON_NAME,
        "coverage": "ENTIRE_FILE",
        "pades": True,
    }
    assert b"/SubFilter /ETSI.CAdES.detached" in signed_pdf
    # Without the certificate as a trust root: intact, but not valid.
    untrusted = verify_intact(signed_pdf)
    assert untrusted["intact"] is True and untrusted["valid"] is False


def test_signature_is_a_visible_field_on_the_last_page(signed_pdf):
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(signed_pdf))
    sig = reader.embedded_regular_signatures[-1]
    assert sig.field_name == "ChuKySo"
    assert _nfc(str(sig.sig_object["/Reason"])) == "Phê duyệt kết quả xếp loại"
    assert _nfc(str(sig.sig_object["/Location"])) == "Thái Nguyên"
    pages = reader.root["/Pages"]["/Kids"]
    assert len(pages) == 2
    assert "/Annots" not in pages[0].get_object()
    (widget,) = [a.get_object() for a in pages[1].get_object()["/Annots"]]
    assert [round(float(v)) for v in widget["/Rect"]] == list(BOX)
    assert "/AP" in widget


def test_signing_inside_a_running_event_loop(unsigned_pdf, dev_cert, stamp_font):
    async def sign():
        return sign_pdf(
            unsigned_pdf, pkcs12=dev_cert["p12"], passphrase=PASSPHRASE, stamp_text="", font_path=stamp_font
        )

    signed = asyncio.run(sign())
    assert verify_intact(signed, [dev_cert["pem"]])["valid"] is True


@pytest.mark.parametrize("passphrase, data", [(b"sai mat khau", None), (PASSPHRASE, b"not a PKCS#12 file")])
def test_wrong_passphrase_or_broken_pkcs12_is_refused_in_vietnamese(
    unsigned_pdf, dev_cert, stamp_font, passphrase, data
):
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(
            unsigned_pdf,
            pkcs12=data or dev_cert["p12"],
            passphrase=passphrase,
            stamp_text=STAMP_TEXT,
            font_path=stamp_font,
        )
    assert str(excinfo.value) == MESSAGE_BAD_PKCS12
    assert str(excinfo.value) == "Không mở được tệp chứng thư số (PKCS#12): sai mật khẩu hoặc tệp hỏng."
    assert isinstance(excinfo.value, ValueError)


def test_a_byte_changed_inside_the_signed_range_breaks_the_signature(signed_pdf, dev_cert):
    old, new = f"({TITLE})".encode(), f"({TITLE})".replace("2024", "2025").encode()
    position = signed_pdf.index(old)
    byte_range = [int(n) for n in re.search(rb"/ByteRange \[\s*(\d+) (\d+) (\d+) (\d+)", signed_pdf).groups()]
    assert byte_range[0] <= position < byte_range[0] + byte_range[1]  # in the first signed range
    tampered = signed_pdf[:position] + new + signed_pdf[position + len(old) :]
    result = verify_intact(tampered, [dev_cert["pem"]])
    assert result["intact"] is False and result["valid"] is False
    assert result["signer"] == DEV_COMMON_NAME  # still readable: only the content changed


def test_a_change_after_signing_is_not_valid(signed_pdf, dev_cert):
    from tests.submissions.pki import modify_page

    changed = modify_page(signed_pdf)  # an incremental update that replaces the first page's content
    result = verify_intact(changed, [dev_cert["pem"]])
    assert result["intact"] is True  # the signed revision itself is untouched...
    assert result["coverage"] == "ENTIRE_REVISION"
    assert result["valid"] is False  # ...but what the reader sees is not what was signed


def test_unsigned_or_unreadable_pdf_reports_nothing(unsigned_pdf):
    nothing = {"intact": False, "valid": False, "signer": "", "coverage": "", "pades": False}
    assert verify_intact(unsigned_pdf) == nothing
    assert verify_intact(b"not a pdf") == nothing


def test_font_without_vietnamese_letters_is_refused(unsigned_pdf, dev_cert, stamp_font, tmp_path):
    from fontTools import subset

    ascii_font = tmp_path / "ascii-only.ttf"
    options = subset.Options()
    font = subset.load_font(str(stamp_font), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=range(0x20, 0x7F))
    subsetter.subset(font)
    subset.save_font(font, str(ascii_font), options)
    with pytest.raises(SigningError, match="thiếu ký tự"):
        sign_pdf(
            unsigned_pdf, pkcs12=dev_cert["p12"], passphrase=PASSPHRASE, stamp_text=STAMP_TEXT, font_path=ascii_font
        )


def test_default_stamp_font_has_vietnamese_letters():
    assert _covers_vietnamese(DEFAULT_FONT)


# --------------------------------------------------------------------------- pyHanko's command line


def _pyhanko_command() -> list[str] | None:
    """pyHanko's CLI (package pyhanko-cli): next to this Python, else ``python -m pyhanko``, else on PATH."""
    beside = Path(sys.executable).with_name("pyhanko")
    if beside.is_file():
        return [str(beside)]
    if importlib.util.find_spec("pyhanko.cli") is not None and importlib.util.find_spec("pyhanko.__main__"):
        return [sys.executable, "-m", "pyhanko"]
    found = shutil.which("pyhanko")
    return [found] if found else None


def test_pyhanko_command_line_judges_the_signature_valid(signed_pdf, dev_cert, tmp_path):
    command = _pyhanko_command()
    if command is None:
        pytest.skip("pyHanko's command line is not installed (pip install pyhanko-cli)")
    signed_path = tmp_path / "signed.pdf"
    signed_path.write_bytes(signed_pdf)

    def validate(path):
        return subprocess.run(
            [*command, "sign", "validate", "--pretty-print", "--trust", str(dev_cert["pem_path"]), str(path)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )

    done = validate(signed_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The signature is cryptographically sound." in done.stdout
    assert "The signer's certificate is trusted." in done.stdout
    assert "The signature covers the entire file." in done.stdout
    assert "The signature is judged VALID." in done.stdout
    assert DEV_COMMON_NAME in _nfc(done.stdout)

    tampered_path = tmp_path / "tampered.pdf"
    tampered_path.write_bytes(signed_pdf.replace(f"({TITLE})".encode(), b"(Phu luc xep loai 2025)", 1))
    assert validate(tampered_path).returncode != 0


# --------------------------------------------------------------------------- the visible stamp


def _render_last_page(pdf: bytes, folder: Path, name: str) -> Path:
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "2", "-l", "2", "-singlefile", str(source), str(folder / name)],
        check=True,
        timeout=60,
    )
    return folder / f"{name}.png"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_stamp_is_drawn_in_its_box(unsigned_pdf, signed_pdf, tmp_path):
    before = Image.open(_render_last_page(unsigned_pdf, tmp_path, "unsigned")).convert("RGB")
    after_path = _render_last_page(signed_pdf, tmp_path, "signed")
    after = Image.open(after_path).convert("RGB")
    assert before.size == after.size
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(after_path, ARTIFACTS / "signed-stamp.png")

    scale = after.height / 842  # A4 is 842 points high
    x1, y1, x2, y2 = BOX
    box = (int(x1 * scale), int((842 - y2) * scale), round(x2 * scale), round((842 - y1) * scale))
    difference = ImageChops.difference(before, after)
    changed = difference.getbbox()
    assert changed is not None, "the signed page looks exactly like the unsigned one"
    # Everything that changed is inside the signature box (a pixel of slack for anti-aliasing).
    assert box[0] - 2 <= changed[0] and box[1] - 2 <= changed[1]
    assert changed[2] <= box[2] + 2 and changed[3] <= box[3] + 2
    region = after.crop(box)
    pixels = region.tobytes()
    red = sum(1 for i in range(0, len(pixels), 3) if pixels[i] > 120 and pixels[i + 1] < 90 and pixels[i + 2] < 90)
    assert red > 0.02 * region.width * region.height  # red border and red text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_stamp_text_is_extractable_vietnamese(signed_pdf, tmp_path):
    source = tmp_path / "signed.pdf"
    source.write_bytes(signed_pdf)
    done = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-enc", "UTF-8", str(source), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    text = _nfc(done.stdout.decode("utf-8"))
    assert _nfc(f"Ký số bởi: {DEV_COMMON_NAME}") in text
    assert re.search(r"Thời gian: \d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} \(UTC[+-]\d{4}\)", text)
    assert _nfc(STAMP_TEXT) in text
