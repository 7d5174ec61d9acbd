"""Evidence file types are judged by content: every allowed kind, disguised files, bombs, limits."""

import io
import struct
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from submissions.filecheck import KINDS, FileKind, FileRejected, check_file, ole2_root_names
from tests.hypothesis_profiles import examples
from tests.submissions.pki import unsigned_pdf

MB = 1024 * 1024

# ------------------------------------------------------------------ builders


def png() -> bytes:
    """A 1×1 white PNG, built with zlib."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpg() -> bytes:
    """JPEG markers only (SOI, APP0 JFIF, EOI): enough for a signature check."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def ooxml(parts: dict[str, bytes], overrides: dict[str, str], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    content_types = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{CT_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{name}" ContentType="{ct}"/>' for name, ct in overrides.items())
        + "</Types>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", "<Relationships/>")
        for name, body in parts.items():
            zf.writestr(name, body)
    return out.getvalue()


def docx() -> bytes:
    body = '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>'
    return ooxml({"word/document.xml": body.encode()}, {"/word/document.xml": DOCX_MAIN})


def xlsx(extra: dict[str, bytes] | None = None) -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.append(["Tiêu chí", "Điểm"])
    workbook.active.append(["1.1", 1])
    out = io.BytesIO()
    workbook.save(out)
    if not extra:
        return out.getvalue()
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        for name, body in extra.items():
            zf.writestr(name, body)
    return out.getvalue()


def plain_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def ole2(root: list[str], storages: dict[str, list[str]] | None = None) -> bytes:
    """A minimal OLE2 compound file (MS-CFB v3, 512-byte sectors) holding empty streams and storages.

    Sector 0 is the FAT, the directory follows; the root's children are chained through their right
    siblings. Checked once against olefile, which lists exactly these streams.
    """
    storages = dict(storages or {})
    entries: list[list] = [["Root Entry", 5, _NOSTREAM, _NOSTREAM, _NOSTREAM]]

    def add_level(names: list[str]) -> int:
        start = len(entries)
        for offset, name in enumerate(names):
            right = start + offset + 1 if offset + 1 < len(names) else _NOSTREAM
            entries.append([name, 1 if name in storages else 2, _NOSTREAM, right, _NOSTREAM])
        for index in range(start, start + len(names)):
            if entries[index][1] == 1:
                entries[index][4] = add_level(storages[entries[index][0]])
        return start if names else _NOSTREAM

    entries[0][4] = add_level(root)
    while len(entries) % 4:
        entries.append(["", 0, _NOSTREAM, _NOSTREAM, _NOSTREAM])
    directory = b""
    for name, kind, left, right, child in entries:
        encoded = name.encode("utf-16-le")
        directory += (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded) + 2 if name else 0, kind, 1, left, right, child)
            + bytes(36)
            + struct.pack("<IQ", _END if kind else 0, 0)
        )
    n_dir = len(directory) // 512
    fat = [_FATSECT] + [sector + 2 for sector in range(n_dir - 1)] + [_END]
    fat += [_FREE] * (128 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", 0, *([_FREE] * 108))
    )
    return header + struct.pack("<128I", *fat) + directory


def doc() -> bytes:
    return ole2(["WordDocument", "1Table", "\x05SummaryInformation", "\x01CompObj"])


def xls() -> bytes:
    return ole2(["Workbook", "\x05SummaryInformation", "\x05DocumentSummaryInformation"])


def rejected(data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(FileRejected) as info:
        check_file(data, filename, **kwargs)
    return str(info.value)


# ------------------------------------------------------------------ allowed kinds


@pytest.mark.parametrize(
    ("builder", "filename", "kind"),
    [
        (unsigned_pdf, "Kế hoạch 30-KH-SXD.pdf", "pdf"),
        (doc, "bao-cao.doc", "doc"),
        (docx, "bao-cao.docx", "docx"),
        (xls, "bang-thong-ke.xls", "xls"),
        (xlsx, "Bảng thống kê.xlsx", "xlsx"),
        (jpg, "anh.jpg", "jpg"),
        (jpg, "anh.JPEG", "jpg"),
        (png, "anh.png", "png"),
    ],
)
def test_allowed_kinds(builder, filename, kind):
    found = check_file(builder(), filename)
    assert found == KINDS[kind]
    assert found.extension == "." + kind


def test_kinds_table():
    assert set(KINDS) == {"pdf", "doc", "docx", "xls", "xlsx", "jpg", "png"}
    assert KINDS["xlsx"] == FileKind(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
    )
    assert KINDS["jpg"].mime == "image/jpeg"


@pytest.mark.parametrize("filename", ["không đuôi", "QĐ 12.2023", "Kế hoạch 30.KH-SXD", "", "C:\\fakepath\\x"])
def test_a_name_without_extension_is_accepted(filename):
    assert check_file(unsigned_pdf(), filename).kind == "pdf"


def test_pdf_with_junk_before_the_header_is_accepted():
    assert check_file(b"\x00\x01junk" * 50 + unsigned_pdf(), "x.pdf").kind == "pdf"


def test_pdf_header_too_far_is_not_a_pdf():
    message = rejected(b"\x00" * 2000 + unsigned_pdf(), "x.pdf")
    assert "không phải là PDF, Word, Excel hoặc ảnh JPG/PNG" in message


def test_pdf_without_eof_marker_is_incomplete():
    truncated = unsigned_pdf()[:-30]
    assert "%%EOF" in rejected(truncated, "x.pdf")


def test_pdf_with_markup_before_the_header_is_html():
    assert "HTML" in rejected(b"<html><body>%PDF-1.7 " + unsigned_pdf(), "x.pdf")


def test_xls_with_an_embedded_word_object_is_still_xls():
    data = ole2(["Workbook", "MBD0001A2B3"], {"MBD0001A2B3": ["WordDocument", "\x01CompObj"]})
    assert ole2_root_names(data) == {"Workbook", "MBD0001A2B3"}
    assert check_file(data, "bang.xls").kind == "xls"


def test_excel_95_book_stream_is_xls():
    assert check_file(ole2(["Book"]), "cu.xls").kind == "xls"


def test_ole2_directory_spanning_several_sectors():
    names = [f"Stream{i}" for i in range(20)] + ["WordDocument"]
    assert ole2_root_names(ole2(names)) == set(names)
    assert check_file(ole2(names), "x.doc").kind == "doc"


# ------------------------------------------------------------------ disguised or unknown content


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100), "chương trình Windows"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "chương trình Linux"),
        (b"<!DOCTYPE html><html><head><script>alert(1)</script></head></html>", "trang web HTML"),
        (b"\xef\xbb\xbf\n  <HTML><body>Tai lieu</body></HTML>", "trang web HTML"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "SVG"),
        (b"#!/bin/sh\nrm -rf /\n", "tập lệnh"),
        (b"<?php echo 1; ?>", "PHP"),
        (b"GIF89a\x01\x00\x01\x00", "ảnh GIF"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC"),
        (b"Rar!\x1a\x07\x01\x00", "RAR"),
        (b"{\\rtf1\\ansi Bao cao}", "RTF"),
        ("Tiêu chí;Điểm\n1.1;1\n".encode(), "văn bản thuần"),
        (bytes(range(256)) * 4, "không xác định"),
    ],
)
def test_unknown_content_is_named(data, expected):
    message = rejected(data, "tai-lieu.pdf")
    assert message.startswith("Tệp “tai-lieu.pdf” không phải là PDF, Word, Excel hoặc ảnh JPG/PNG (nội dung thực tế:")
    assert expected in message


def test_executable_renamed_pdf():
    message = rejected(b"MZ" + bytes(200), "Quyết định 12.pdf")
    assert "Quyết định 12.pdf" in message and "chương trình Windows (.exe/.dll)" in message


def test_html_renamed_pdf():
    assert "trang web HTML" in rejected(b"<html><body>Bao cao</body></html>", "bao-cao.pdf")


def test_png_renamed_pdf():
    message = rejected(png(), "bao-cao.pdf")
    assert message == (
        "Tệp “bao-cao.pdf” có đuôi .pdf nhưng nội dung là ảnh PNG: hãy đổi đuôi tệp thành .png hoặc chọn đúng tệp."
    )


@pytest.mark.parametrize(
    ("builder", "filename", "content"),
    [
        (unsigned_pdf, "x.docx", "PDF"),
        (docx, "x.doc", "tài liệu Word (.docx)"),
        (xlsx, "x.docx", "bảng tính Excel (.xlsx)"),
        (doc, "x.xls", "tài liệu Word (.doc)"),
        (xls, "x.xlsx", "bảng tính Excel (.xls)"),
        (jpg, "x.png", "ảnh JPG"),
        (unsigned_pdf, "x.txt", "PDF"),
        (unsigned_pdf, "x.pdf.exe", "PDF"),
    ],
)
def test_extension_contradicting_content(builder, filename, content):
    message = rejected(builder(), filename)
    extension = filename.rsplit(".", 1)[1]
    assert f"có đuôi .{extension} nhưng nội dung là {content}" in message


def test_only_the_base_name_is_shown():
    message = rejected(png(), "C:\\fakepath\\Báo cáo.pdf")
    assert "“Báo cáo.pdf”" in message and "fakepath" not in message


# ------------------------------------------------------------------ ZIP packages


def test_plain_zip_renamed_docx():
    message = rejected(plain_zip({"bao-cao.txt": b"noi dung"}), "bao-cao.docx")
    assert "tệp nén ZIP, không phải tài liệu Word/Excel" in message


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}, "OpenDocument (.odt)"),
        ({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n"}, "Java"),
    ],
)
def test_other_zip_formats_are_named(members, expected):
    assert expected in rejected(plain_zip(members), "x.docx")


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/vnd.ms-word.document.macroEnabled.main+xml", "có macro (.docm)"),
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "PowerPoint"),
    ],
)
def test_other_office_formats_are_refused(content_type, expected):
    data = ooxml({"word/document.xml": b"<w/>"}, {"/word/document.xml": content_type})
    assert expected in rejected(data, "x.docx")


def test_docx_whose_main_part_is_missing_is_damaged():
    data = ooxml({"word/other.xml": b"<w/>"}, {"/word/document.xml": DOCX_MAIN})
    assert "thiếu phần chính" in rejected(data, "x.docx")


def test_docx_without_override_falls_back_on_part_names():
    data = ooxml({"word/document.xml": b"<w/>"}, {})
    assert check_file(data, "x.docx").kind == "docx"


def test_zip_bomb_xlsx_by_ratio():
    data = xlsx({"xl/media/image1.bin": bytes(5 * MB)})
    assert len(data) < 100_000
    message = rejected(data, "bang.xlsx")
    assert "bom nén" in message and "xl/media/image1.bin" in message


def test_zip_bomb_xlsx_by_total_size():
    data = xlsx({"xl/media/a.bin": bytes(3 * MB), "xl/media/b.bin": bytes(3 * MB)})
    message = rejected(data, "bang.xlsx", max_unzipped_bytes=5 * MB, max_ratio=10_000)
    assert "giải nén ra 6,1 MB, quá giới hạn 5 MB" in message


def test_zip_bomb_by_member_count():
    data = plain_zip({f"xl/{i}.xml": b"" for i in range(30)})
    assert "30 thành phần, quá 20" in rejected(data, "x.xlsx", max_members=20)


def test_zip_bomb_default_member_count():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for i in range(10_001):
            zf.writestr(f"{i}", b"")
    assert "10001 thành phần, quá 10000" in rejected(out.getvalue(), "x.xlsx")


def test_small_highly_compressible_member_is_not_a_bomb():
    assert check_file(xlsx({"xl/media/pad.bin": bytes(500_000)}), "x.xlsx").kind == "xlsx"


def test_stored_members_are_fine():
    data = ooxml({"word/document.xml": b"<w/>"}, {"/word/document.xml": DOCX_MAIN}, compression=zipfile.ZIP_STORED)
    assert check_file(data, "x.docx").kind == "docx"


def test_broken_zip():
    assert "ZIP bị hỏng" in rejected(b"PK\x03\x04" + bytes(100), "x.docx")


# ------------------------------------------------------------------ OLE2 containers that are not doc/xls


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["EncryptionInfo", "EncryptedPackage"], "đặt mật khẩu"),
        (["PowerPoint Document", "Current User"], "PowerPoint (.ppt)"),
        (["__substg1.0_0037001F", "__properties_version1.0"], "Outlook"),
        (["\x05SummaryInformation"], "không phải Word hay Excel"),
    ],
)
def test_other_ole2_containers(names, expected):
    assert expected in rejected(ole2(names), "x.doc")


def test_broken_ole2():
    message = rejected(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "x.doc")
    assert "bị hỏng" in message


# ------------------------------------------------------------------ limits


def test_empty_file():
    assert rejected(b"", "x.pdf") == "Tệp “x.pdf” rỗng (0 byte): hãy chọn lại tệp."


def test_over_the_size_limit():
    data = unsigned_pdf() + b"\n" * (20 * MB)
    assert rejected(data, "lon.pdf") == "Tệp “lon.pdf” (20,1 MB) lớn hơn giới hạn 20 MB."
    assert check_file(data[: 20 * MB - 1000] + unsigned_pdf(), "vua.pdf").kind == "pdf"


def test_size_limit_is_configurable():
    assert "lớn hơn giới hạn 512 byte" in rejected(unsigned_pdf(), "x.pdf", max_bytes=512)
    assert "(1,5 MB) lớn hơn giới hạn 1 MB" in rejected(bytes(MB + MB // 2), "x.pdf", max_bytes=MB)
    assert check_file(unsigned_pdf(), "x.pdf", max_bytes=len(unsigned_pdf())).kind == "pdf"


# ------------------------------------------------------------------ robustness

PREFIXES = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"MZ"]


@settings(max_examples=examples(200))
@given(st.sampled_from(PREFIXES), st.binary(max_size=2048), st.text(max_size=20))
def test_arbitrary_bytes_are_accepted_or_refused_never_crash(prefix, body, filename):
    try:
        found = check_file(prefix + body, filename)
    except FileRejected as error:
        assert str(error).startswith("Tệp “")
    else:
        assert found in KINDS.values()


@settings(max_examples=examples(100))
@given(st.binary(min_size=512, max_size=4096))
def test_random_ole2_bodies_never_crash(body):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + body
    try:
        check_file(data, "x.doc")
    except FileRejected:
        pass
