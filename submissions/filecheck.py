"""Type of an evidence file, judged by its content and never by its name (no database).

Evidence is a signed PDF, a Word or Excel file (statistics tables), or a JPG/PNG picture. The
uploaded bytes are recognised by their signature (magic numbers) and, for Office files, by the
structure inside the container:

* OOXML (``.docx``, ``.xlsx``) is a ZIP package: the zip directory is read **without extracting
  anything**, so a zip bomb is refused from the declared sizes (total, ratio, member count) before
  any decompression; the main part declared in ``[Content_Types].xml`` (``word/…`` or ``xl/…``) tells
  Word from Excel. Python's :mod:`zipfile` never inflates past the declared size of a member, so a
  downstream reader (openpyxl) cannot be fooled by understated sizes either.
* The old binary formats (``.doc``, ``.xls``) are OLE2 compound files: the directory of the
  container is walked and the streams at its root tell Word (``WordDocument``) from Excel
  (``Workbook``, or ``Book`` for Excel 5/95).
* PDF starts with ``%PDF-`` (readers allow up to 1024 leading bytes) and ends with ``%%EOF``.

:func:`check_file` returns a :class:`FileKind` or raises :class:`FileRejected`, whose message (in
Vietnamese) is shown to the user as is and says what the file actually is when it is recognisable.
A name whose extension contradicts the content is refused, so a picture called ``.pdf`` never
reaches the council as a "document"; a name without extension is accepted and
:attr:`FileKind.extension` gives the one to store it under.
"""

from __future__ import annotations

import io
import math
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

MB = 1024 * 1024
MAX_BYTES = 20 * MB
MAX_UNZIPPED_BYTES = 200 * MB
MAX_RATIO = 100
MAX_MEMBERS = 10_000
#: Members smaller than this cannot hurt whatever their compression ratio (the total is capped anyway).
RATIO_MIN_SIZE = 1 * MB
#: How far from the start a PDF reader looks for ``%PDF-``, and from the end for ``%%EOF``.
PDF_HEADER_WINDOW = 1024
PDF_TRAILER_WINDOW = 1024


class FileRejected(ValueError):
    """A file that is not accepted as evidence; the message is shown to the user as is."""


@dataclass(frozen=True)
class FileKind:
    kind: str  # "pdf", "doc", "docx", "xls", "xlsx", "jpg", "png"
    mime: str
    extension: str  # canonical extension, with the dot


KINDS: dict[str, FileKind] = {
    k.kind: k
    for k in (
        FileKind("pdf", "application/pdf", ".pdf"),
        FileKind("doc", "application/msword", ".doc"),
        FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
        FileKind("xls", "application/vnd.ms-excel", ".xls"),
        FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
        FileKind("jpg", "image/jpeg", ".jpg"),
        FileKind("png", "image/png", ".png"),
    )
}

KIND_LABELS = {
    "pdf": "PDF",
    "doc": "tài liệu Word (.doc)",
    "docx": "tài liệu Word (.docx)",
    "xls": "bảng tính Excel (.xls)",
    "xlsx": "bảng tính Excel (.xlsx)",
    "jpg": "ảnh JPG",
    "png": "ảnh PNG",
}

#: Extensions a name may carry, and the kind each one announces.
EXTENSIONS = {
    "pdf": "pdf",
    "doc": "doc",
    "docx": "docx",
    "xls": "xls",
    "xlsx": "xlsx",
    "jpg": "jpg",
    "jpeg": "jpg",
    "jpe": "jpg",
    "jfif": "jpg",
    "png": "png",
}

ACCEPTED = "PDF, Word, Excel hoặc ảnh JPG/PNG"
UNKNOWN = "không xác định"
PLAIN_TEXT = "văn bản thuần (text/CSV)"


class _Detected(Exception):
    """Content that is not an accepted kind; ``unusable``: an accepted kind that cannot be used as is
    (damaged, password-protected, zip bomb)."""

    def __init__(self, description: str, *, unusable: bool = False):
        super().__init__(description)
        self.description = description
        self.unusable = unusable


# --------------------------------------------------------------------------- helpers


def _display_name(filename: str) -> str:
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    if len(name) > 100:
        name = name[:97] + "…"
    return name or "không tên"


def _extension(filename: str) -> str:
    """The extension of a name, lower case without the dot; "" when the name has none.

    ``QĐ 12.2023`` or ``Kế hoạch 30.KH-SXD`` have no extension: only 1–5 letters or digits with at
    least one letter count as one.
    """
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if "." not in name:
        return ""
    ext = name.rsplit(".", 1)[1]
    if 1 <= len(ext) <= 5 and ext.isascii() and ext.isalnum() and not ext.isdigit():
        return ext.lower()
    return ""


def _size(n: int) -> str:
    """``20 MB``, ``20,1 MB`` (rounded up, so a file just over a limit never reads as the limit)."""
    if n >= MB:
        text = f"{math.ceil(n * 10 / MB) / 10:.1f}".replace(".", ",").removesuffix(",0")
        return f"{text} MB"
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} byte"


# --------------------------------------------------------------------------- OLE2 (doc, xls)

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAXREGSECT = 0xFFFFFFFA
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_NOSTREAM = 0xFFFFFFFF


class _OleError(Exception):
    pass


def ole2_root_names(data: bytes) -> set[str]:
    """Names of the storages and streams at the root of an OLE2 compound file ([MS-CFB]).

    Only the root level counts: an Excel workbook with an embedded Word object has a
    ``WordDocument`` stream too, inside an ``MBD…`` storage. Reads the header, the FAT sectors
    listed in the DIFAT, the directory chain, then walks the red-black tree of the root's children;
    every loop is bounded, so a malformed file raises :class:`_OleError` and never hangs.
    """
    if len(data) < 512 or not data.startswith(OLE2_SIGNATURE):
        raise _OleError("header")
    (sector_shift,) = struct.unpack_from("<H", data, 0x1E)
    if sector_shift not in (9, 12):
        raise _OleError("sector size")
    size = 1 << sector_shift
    per_sector = size // 4
    n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
    first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
    total_sectors = (len(data) + size - 1) // size  # an upper bound for any count or index

    def sector(n: int) -> bytes:
        offset = (n + 1) * size
        if n > _MAXREGSECT or offset >= len(data):
            raise _OleError(f"sector {n} outside the file")
        return data[offset : offset + size]

    if n_fat > total_sectors or n_difat > total_sectors:
        raise _OleError("counts")
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s != _FREESECT][:n_fat]
    current, seen = first_difat, set()
    while len(fat_sectors) < n_fat and current <= _MAXREGSECT:
        if current in seen or len(seen) >= n_difat:
            raise _OleError("DIFAT chain")
        seen.add(current)
        block = sector(current).ljust(size, b"\0")
        entries = struct.unpack_from(f"<{per_sector}I", block)
        fat_sectors.extend(s for s in entries[:-1] if s != _FREESECT)
        current = entries[-1]
    fat_sectors = fat_sectors[:n_fat]

    def next_sector(n: int) -> int:
        index, slot = divmod(n, per_sector)
        if index >= len(fat_sectors):
            raise _OleError("FAT")
        block = sector(fat_sectors[index]).ljust(size, b"\0")
        return struct.unpack_from("<I", block, slot * 4)[0]

    entries: list[tuple[str, int, int, int, int]] = []  # name, type, left, right, child
    current, seen = first_dir, set()
    while current != _ENDOFCHAIN:
        if current in seen or len(seen) > total_sectors:
            raise _OleError("directory chain")
        seen.add(current)
        block = sector(current)
        for offset in range(0, len(block) - 127, 128):
            raw = block[offset : offset + 128]
            (name_len,) = struct.unpack_from("<H", raw, 0x40)
            name = raw[: max(0, min(name_len, 64) - 2)].decode("utf-16-le", errors="replace")
            entries.append((name, raw[0x42], *struct.unpack_from("<III", raw, 0x44)))
        current = next_sector(current)
    if not entries or entries[0][1] != 5:
        raise _OleError("root entry")

    names, stack, visited = set(), [entries[0][4]], set()
    while stack:
        index = stack.pop()
        if index == _NOSTREAM:
            continue
        if index in visited or index >= len(entries):
            raise _OleError("directory tree")
        visited.add(index)
        name, kind, left, right, _child = entries[index]
        if kind in (1, 2):
            names.add(name)
        stack += [left, right]
    return names


def _ole2_kind(data: bytes) -> str:
    try:
        names = ole2_root_names(data)
    except (_OleError, struct.error) as exc:
        raise _Detected("tệp Office cũ (OLE2) bị hỏng, không đọc được cấu trúc", unusable=True) from exc
    if "WordDocument" in names:
        return "doc"
    if "Workbook" in names or "Book" in names:
        return "xls"
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise _Detected("tệp Word/Excel được đặt mật khẩu, hãy gỡ mật khẩu rồi tải lên lại", unusable=True)
    if "PowerPoint Document" in names:
        raise _Detected("bản trình chiếu PowerPoint (.ppt)")
    if "VisioDocument" in names:
        raise _Detected("bản vẽ Visio (.vsd)")
    if any(name.startswith("__substg1.0_") for name in names) or "__properties_version1.0" in names:
        raise _Detected("thư Outlook (.msg)")
    raise _Detected("tệp OLE2 không phải Word hay Excel (ví dụ bộ cài đặt .msi)")


# --------------------------------------------------------------------------- ZIP (docx, xlsx)

_OOXML = "application/vnd.openxmlformats-officedocument."
_MAIN_CONTENT_TYPES = {
    f"{_OOXML}wordprocessingml.document.main+xml": "docx",
    f"{_OOXML}spreadsheetml.sheet.main+xml": "xlsx",
}
_OTHER_CONTENT_TYPES = {
    "application/vnd.ms-word.document.macroenabled.main+xml": "tài liệu Word có macro (.docm)",
    f"{_OOXML}wordprocessingml.template.main+xml": "mẫu Word (.dotx)",
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml": "mẫu Word có macro (.dotm)",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": "bảng tính Excel có macro (.xlsm)",
    "application/vnd.ms-excel.sheet.binary.macroenabled.main": "bảng tính Excel nhị phân (.xlsb)",
    f"{_OOXML}spreadsheetml.template.main+xml": "mẫu Excel (.xltx)",
    "application/vnd.ms-excel.template.macroenabled.main+xml": "mẫu Excel có macro (.xltm)",
    f"{_OOXML}presentationml.presentation.main+xml": "bản trình chiếu PowerPoint (.pptx)",
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml": "bản trình chiếu PowerPoint có macro",
    f"{_OOXML}presentationml.slideshow.main+xml": "bản trình chiếu PowerPoint (.ppsx)",
}
_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "văn bản OpenDocument (.odt): hãy lưu lại dạng .docx hoặc .pdf",
    "application/vnd.oasis.opendocument.spreadsheet": "bảng tính OpenDocument (.ods): hãy lưu lại dạng .xlsx",
    "application/vnd.oasis.opendocument.presentation": "bản trình chiếu OpenDocument (.odp)",
}
_SMALL_PART = 1 * MB


def _zip_entry_count(data: bytes) -> int | None:
    """Entries declared by the end-of-central-directory record, before :mod:`zipfile` loads them."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if eocd < 0 or eocd + 22 > len(data):
        return None
    (total,) = struct.unpack_from("<H", data, eocd + 10)
    return None if total == 0xFFFF else total  # 0xFFFF: Zip64, counted by zipfile below


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > _SMALL_PART:
        raise _Detected("tệp Office bị hỏng (phần mô tả quá lớn)", unusable=True)
    with zf.open(info) as member:
        return member.read(_SMALL_PART + 1)


def _zip_kind(data: bytes, *, max_unzipped_bytes: int, max_ratio: int, max_members: int) -> str:
    bomb = "tệp nén có dấu hiệu “bom nén” (zip bomb)"
    count = _zip_entry_count(data)
    if count is not None and count > max_members:
        raise _Detected(f"{bomb}: {count} thành phần, quá {max_members}", unusable=True)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception as exc:  # zipfile raises many kinds of errors on hostile input
        raise _Detected("tệp nén ZIP bị hỏng", unusable=True) from exc
    if len(infos) > max_members:
        raise _Detected(f"{bomb}: {len(infos)} thành phần, quá {max_members}", unusable=True)
    total = sum(info.file_size for info in infos)
    if total > max_unzipped_bytes:
        raise _Detected(f"{bomb}: giải nén ra {_size(total)}, quá giới hạn {_size(max_unzipped_bytes)}", unusable=True)
    for info in infos:
        if info.file_size > RATIO_MIN_SIZE and info.file_size > max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _Detected(
                f"{bomb}: thành phần “{info.filename[:60]}” nén {ratio} lần, quá {max_ratio} lần", unusable=True
            )
    if any(info.flag_bits & 0x1 for info in infos):
        raise _Detected("tệp nén ZIP có mật khẩu", unusable=True)

    by_name = {info.filename.lower(): info for info in infos}
    try:
        if "mimetype" in by_name and "[content_types].xml" not in by_name:
            mimetype = _read_small(zf, by_name["mimetype"]).decode("ascii", errors="replace").strip()
            raise _Detected(_ODF_TYPES.get(mimetype, "tệp nén ZIP (OpenDocument)"))
        if "[content_types].xml" not in by_name:
            if "meta-inf/manifest.mf" in by_name:
                raise _Detected("chương trình Java (.jar)")
            if "androidmanifest.xml" in by_name:
                raise _Detected("ứng dụng Android (.apk)")
            raise _Detected("tệp nén ZIP, không phải tài liệu Word/Excel")
        content_types = _read_small(zf, by_name["[content_types].xml"])
    except _Detected:
        raise
    except Exception as exc:
        raise _Detected("tệp nén ZIP bị hỏng", unusable=True) from exc
    return _ooxml_kind(content_types, by_name)


def _ooxml_kind(content_types: bytes, by_name: dict[str, zipfile.ZipInfo]) -> str:
    """Tell DOCX from XLSX by the main part declared in ``[Content_Types].xml`` (OPC names ignore case)."""
    try:
        root = ElementTree.fromstring(content_types)
    except ElementTree.ParseError as exc:
        raise _Detected("tệp Office bị hỏng ([Content_Types].xml không đọc được)", unusable=True) from exc
    kinds, others = set(), []
    for element in root:
        if not element.tag.endswith("Override"):
            continue
        content_type = (element.get("ContentType") or "").strip().lower()
        part = (element.get("PartName") or "").lstrip("/").lower()
        if content_type in _MAIN_CONTENT_TYPES:
            if part not in by_name:
                raise _Detected(f"tệp Office bị hỏng (thiếu phần chính “{part[:60]}”)", unusable=True)
            kinds.add(_MAIN_CONTENT_TYPES[content_type])
        elif content_type in _OTHER_CONTENT_TYPES:
            others.append(_OTHER_CONTENT_TYPES[content_type])
    if others:
        raise _Detected(others[0])
    if not kinds:
        # No declared main part: fall back on the conventional part names.
        if "word/document.xml" in by_name:
            kinds.add("docx")
        if "xl/workbook.xml" in by_name:
            kinds.add("xlsx")
    if len(kinds) != 1:
        raise _Detected("tệp nén ZIP, không phải tài liệu Word/Excel" if not kinds else "tệp Office không rõ loại")
    kind = kinds.pop()
    folder = "word/" if kind == "docx" else "xl/"
    if not any(name.startswith(folder) for name in by_name):
        raise _Detected(f"tệp Office bị hỏng (không có thư mục {folder})", unusable=True)
    return kind


# --------------------------------------------------------------------------- other signatures

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "chương trình Windows (.exe/.dll)"),
    (b"\x7fELF", "chương trình Linux (ELF)"),
    (b"\xfe\xed\xfa\xce", "chương trình macOS"),
    (b"\xfe\xed\xfa\xcf", "chương trình macOS"),
    (b"\xce\xfa\xed\xfe", "chương trình macOS"),
    (b"\xcf\xfa\xed\xfe", "chương trình macOS"),
    (b"\xca\xfe\xba\xbe", "chương trình Java/macOS"),
    (b"\x00asm", "chương trình WebAssembly"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "lối tắt Windows (.lnk)"),
    (b"GIF87a", "ảnh GIF"),
    (b"GIF89a", "ảnh GIF"),
    (b"II*\x00", "ảnh TIFF"),
    (b"MM\x00*", "ảnh TIFF"),
    (b"Rar!\x1a\x07", "tệp nén RAR"),
    (b"7z\xbc\xaf\x27\x1c", "tệp nén 7z"),
    (b"\x1f\x8b", "tệp nén gzip"),
    (b"BZh", "tệp nén bzip2"),
    (b"\xfd7zXZ\x00", "tệp nén xz"),
    (b"ID3", "âm thanh MP3"),
    (b"OggS", "âm thanh/video Ogg"),
    (b"fLaC", "âm thanh FLAC"),
    (b"\x1aE\xdf\xa3", "video (MKV/WebM)"),
    (b"{\\rtf", "tài liệu RTF: hãy lưu lại dạng .docx hoặc .pdf"),
    (b"%!PS", "tệp PostScript"),
    (b"SQLite format 3\x00", "cơ sở dữ liệu SQLite"),
)

_HTML_MARKERS = ("<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<meta ", "<a href", "<div")
_SCRIPT_MARKERS = (
    ("<?php", "mã PHP"),
    ("<%", "mã máy chủ (ASP/JSP)"),
    ("#!", "tập lệnh (script)"),
    ("@echo off", "tập lệnh Windows (.bat/.cmd)"),
)


def _sniff_text(head: bytes) -> str | None:
    """Describe markup or script in the first bytes, or ``None`` if it does not look like any."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom) :].decode(encoding, errors="ignore")
            break
    else:
        text = head.decode("utf-8", errors="ignore")
    text = text.lstrip().lower()
    for marker, description in _SCRIPT_MARKERS:
        if text.startswith(marker):
            return description
    if text.startswith("<svg") or ("<svg" in text and text.startswith("<?xml")):
        return "ảnh SVG (có thể chứa mã script)"
    if any(marker in text for marker in _HTML_MARKERS):
        return "trang web HTML (có thể chứa mã script)"
    if text.startswith("<?xml"):
        return "tệp XML"
    return None


def _describe_other(data: bytes) -> str:
    for magic, description in _MAGIC:
        if data.startswith(magic):
            return description
    if data[:4] == b"RIFF" and len(data) >= 12:
        return {b"WEBP": "ảnh WebP", b"AVI ": "video AVI", b"WAVE": "âm thanh WAV"}.get(data[8:12], "tệp RIFF")
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif"):
            return "ảnh HEIC/AVIF của điện thoại: hãy chuyển sang JPG"
        return "video/âm thanh MP4"
    if data[:2] == b"BM" and len(data) >= 26 and data[6:10] == b"\0\0\0\0":
        return "ảnh BMP"
    head = data[:PDF_HEADER_WINDOW]
    sniffed = _sniff_text(head)
    if sniffed:
        return sniffed
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the window's edge is still text
        text = head[: exc.start].decode("utf-8") if exc.start > len(head) - 4 else ""
    if text and all(ch.isprintable() or ch in "\r\n\t" for ch in text):
        return PLAIN_TEXT
    return UNKNOWN


# --------------------------------------------------------------------------- detection


def _detect_kind(
    data: bytes,
    *,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
    max_ratio: int = MAX_RATIO,
    max_members: int = MAX_MEMBERS,
) -> str:
    """The accepted kind of ``data`` ("pdf", "docx", …); raises :class:`_Detected` otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if data[12:16] != b"IHDR":
            raise _Detected("ảnh PNG bị hỏng", unusable=True)
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(OLE2_SIGNATURE):
        return _ole2_kind(data)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio, max_members=max_members)
    start = data.find(b"%PDF-", 0, PDF_HEADER_WINDOW + 5)
    if start >= 0:
        # Junk before the header is tolerated as readers do, but not markup: an HTML page that
        # mentions %PDF- early on is still a web page.
        if start and (other := _describe_other(data)) not in (UNKNOWN, PLAIN_TEXT):
            raise _Detected(other)
        if b"%%EOF" not in data[-(PDF_TRAILER_WINDOW + 5) :]:
            raise _Detected("PDF không hoàn chỉnh (thiếu phần kết thúc %%EOF), có thể tải lên bị lỗi", unusable=True)
        return "pdf"
    raise _Detected(_describe_other(data))


def check_file(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
    max_ratio: int = MAX_RATIO,
    max_members: int = MAX_MEMBERS,
) -> FileKind:
    """Accept ``data`` as evidence or raise :class:`FileRejected` with the reason in Vietnamese."""
    name = _display_name(filename)
    if not data:
        raise FileRejected(f"Tệp “{name}” rỗng (0 byte): hãy chọn lại tệp.")
    if len(data) > max_bytes:
        raise FileRejected(f"Tệp “{name}” ({_size(len(data))}) lớn hơn giới hạn {_size(max_bytes)}.")
    try:
        kind = _detect_kind(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio, max_members=max_members)
    except _Detected as found:
        if found.unusable:
            raise FileRejected(f"Tệp “{name}” không dùng được: {found.description}.") from None
        raise FileRejected(f"Tệp “{name}” không phải là {ACCEPTED} (nội dung thực tế: {found.description}).") from None
    ext = _extension(filename)
    if ext and EXTENSIONS.get(ext) != kind:
        canonical = KINDS[kind].extension
        raise FileRejected(
            f"Tệp “{name}” có đuôi .{ext} nhưng nội dung là {KIND_LABELS[kind]}: "
            f"hãy đổi đuôi tệp thành {canonical} hoặc chọn đúng tệp."
        )
    return KINDS[kind]
