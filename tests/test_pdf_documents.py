"""Issue 14.6 / 15.8: every PDF goes through ``config.pdf.render_pdf``: it fetches only the project's static
files, carries title, author, subject and language, and the documents that are kept or signed (the score
sheet, the annex) are PDF/A-3b and tagged; the annex stays a valid PAdES signature after pyHanko signs it.

The PDFs are read back with pyHanko's own reader (a dependency already): the document information (``/Info``),
the catalog's ``/Lang``, ``/MarkInfo`` and ``/StructTreeRoot``, and the XMP stream (``pdfaid:part``)."""

import io
import re
import socket
import unicodedata
from datetime import date

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

import config.pdf
from config.pdf import allowed_path, render_pdf, static_only_fetcher
from ranking import lost_points as lp
from ranking import reports as ranking_reports
from ranking import services as ranking_services
from submissions.models import SelfReport, Unit
from submissions.reports import score_sheet_pdf, self_report_pdf
from tests.ranking.test_publication import ranked  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

HOSTILE_NAME = 'Sở Xây dựng <img src="http://127.0.0.1:1/x">\n<link rel="stylesheet" href="file:///etc/passwd">'
PNG_1PX = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
           "60e6kgAAAABJRU5ErkJggg==")


def pdf_facts(data: bytes) -> dict:
    """What a reader finds in ``data``: the document information, /Lang, tagging and the XMP text."""
    reader = PdfFileReader(io.BytesIO(data))
    info = reader.trailer["/Info"]
    root = reader.root
    xmp = root["/Metadata"].data.decode("utf-8") if "/Metadata" in root else ""
    return {
        "title": str(info.get("/Title", "")), "author": str(info.get("/Author", "")),
        "subject": str(info.get("/Subject", "")), "lang": str(root.get("/Lang", "")),
        "tagged": "/StructTreeRoot" in root and bool(root.get("/MarkInfo", {}).get("/Marked")),
        "xmp": xmp,
    }


def pdfa_part(xmp: str) -> tuple[str, str] | None:
    part = re.search(r"pdfaid:part(?:>|=\")(\d)", xmp)
    conformance = re.search(r"pdfaid:conformance(?:>|=\")([ABU])", xmp)
    return (part[1], conformance[1]) if part and conformance else None


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test (and is recorded)."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access during PDF rendering: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.fixture
def fetchers(monkeypatch):
    """Every fetcher ``render_pdf`` creates, kept to look at what it fetched and refused."""
    made = []

    def make():
        fetcher = static_only_fetcher()
        made.append(fetcher)
        return fetcher

    monkeypatch.setattr(config.pdf, "static_only_fetcher", make)
    return made


# --------------------------------------------------------------------------- the fetcher


def test_fetcher_refuses_http_and_files_outside_static_and_serves_fonts_and_data(no_network, settings):
    font = (settings.BASE_DIR / "static" / "fonts" / "LiberationSerif-Regular.ttf").as_uri()
    html = (f'<html><head><style>@font-face {{ font-family: T; src: url("{font}"); }} body {{ font-family: T }}'
            '</style><link rel="stylesheet" href="file:///etc/passwd"><link rel="stylesheet" '
            'href="https://127.0.0.1:1/a.css"></head><body><p>Chữ</p><img src="http://127.0.0.1:1/x">'
            f'<img src="{PNG_1PX}"><img src="../../etc/hostname"><img src="static/../../../etc/passwd"></body></html>')
    fetcher = static_only_fetcher()
    data = render_pdf(html, title="Thử", author="UBND tỉnh Thái Nguyên", fetcher=fetcher)
    assert data.startswith(b"%PDF")
    assert not no_network
    refused = " ".join(fetcher.refused)
    assert "http://127.0.0.1:1/x" in refused and "https://127.0.0.1:1/a.css" in refused
    assert "file:///etc/passwd" in fetcher.refused and "/etc/hostname" in refused
    assert font in fetcher.fetched and PNG_1PX in fetcher.fetched
    assert not any("/etc/" in url for url in fetcher.fetched)


def test_allowed_path_is_inside_the_static_roots_only(settings, tmp_path):
    font = settings.BASE_DIR / "static" / "fonts" / "LiberationSerif-Bold.ttf"
    assert allowed_path(font.as_uri()) == font.resolve()
    assert allowed_path((settings.BASE_DIR / "static" / ".." / "manage.py").as_uri()) is None
    assert allowed_path((settings.BASE_DIR / "manage.py").as_uri()) is None
    assert allowed_path("file:///etc/passwd") is None
    assert allowed_path("file://evil.example/static/fonts/x.ttf") is None
    link = settings.BASE_DIR / "static" / "fonts" / ".." / "css"
    assert allowed_path(link.as_uri()) is None  # a directory is not a file
    outside = tmp_path / "secret.txt"
    outside.write_text("bí mật")
    settings.STATICFILES_DIRS = [tmp_path]
    assert allowed_path(outside.as_uri()) == outside.resolve()  # a configured static directory counts


def test_a_unit_name_with_markup_and_a_newline_fetches_nothing_but_the_fonts(world, no_network, fetchers):
    Unit.objects.filter(pk=world.unit_a.pk).update(name=HOSTILE_NAME)
    world.sub_a.unit.refresh_from_db()
    SelfReport.objects.create(submission=world.sub_a, recipients=HOSTILE_NAME, place="file:///etc/passwd")
    for render in (score_sheet_pdf, self_report_pdf):
        fetchers.clear()
        assert render(world.sub_a).startswith(b"%PDF")
        assert len(fetchers) == 1, "the report does not render through config.pdf.render_pdf"
        fetcher = fetchers[0]
        assert fetcher.fetched and all("/static/fonts/" in url for url in fetcher.fetched)
        assert fetcher.refused == []  # the markup stayed text: nothing to refuse
    assert not no_network


# --------------------------------------------------------------------------- metadata, PDF/A, tags


def test_score_sheet_is_pdfa_tagged_with_its_metadata(world):
    facts = pdf_facts(score_sheet_pdf(world.sub_a))
    assert facts["title"] == "Biểu chấm điểm — Sở Xây dựng — Kỳ thử nghiệm 2024"
    assert facts["author"] == "Sở Xây dựng"
    assert "năm 2024" in facts["subject"]
    assert facts["lang"] == "vi" and facts["tagged"]
    assert pdfa_part(facts["xmp"]) == ("3", "B")
    assert "Sở Xây dựng" in unicodedata.normalize("NFC", facts["xmp"])  # the author in XMP too (dc:creator)


def test_self_report_and_lost_points_report_carry_metadata(world):
    facts = pdf_facts(self_report_pdf(world.sub_a))
    assert facts["title"] == "Báo cáo tự đánh giá — Sở Xây dựng" and facts["author"] == "Sở Xây dựng"
    assert facts["subject"] == "Báo cáo tự đánh giá — Kỳ thử nghiệm 2024"
    assert facts["lang"] == "vi" and facts["tagged"]
    groups = lp.groups_for([world.sub_a], lp.PRELIMINARY)
    facts = pdf_facts(lp.report_pdf(groups, stage=lp.PRELIMINARY, title=lp.title_of(lp.PRELIMINARY),
                                    period=world.period))
    assert facts["title"].startswith("BÁO CÁO ĐÁNH GIÁ SƠ BỘ") and facts["author"] == "Sở Xây dựng"
    assert facts["lang"] == "vi" and facts["subject"]


def test_annex_is_pdfa_and_stays_valid_once_signed(ranked, settings, tmp_path):  # noqa: F811
    from ranking.models import RankingVersion
    from ranking.signing import make_dev_certificate, verify_intact

    settings.RANKING_SIGNING_P12 = tmp_path / "dev.p12"
    settings.RANKING_SIGNING_PASSPHRASE = "thu-nghiem"
    make_dev_certificate(settings.RANKING_SIGNING_P12, passphrase=b"thu-nghiem")
    version = ranking_services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    ranking_services.ranking_submit(version=version, actor=ranked.secretariat)
    ranking_services.ranking_approve(version=version, actor=ranked.chairman, decision_number="125/QĐ-UBND",
                                     decision_date=date(2025, 1, 20))
    versions = ranking_reports.current_versions(ranked.period)
    assert all(v.status == RankingVersion.PUBLISHED for v in versions)
    pdf = ranking_reports.annex_pdf(ranked.period, versions)
    facts = pdf_facts(pdf)
    assert facts["title"] == "Phụ lục kết quả xếp loại — Kỳ thử nghiệm 2024"
    assert facts["author"] == "UBND tỉnh Thái Nguyên" and "năm 2024" in facts["subject"]
    assert facts["lang"] == "vi" and facts["tagged"] and pdfa_part(facts["xmp"]) == ("3", "B")
    signed = ranking_reports.sign(pdf, stamp_text="Phụ lục kèm Quyết định số 125/QĐ-UBND")
    result = verify_intact(signed)
    assert result["intact"] and result["pades"]
    after = pdf_facts(signed)  # the incremental update keeps the PDF/A identification and the metadata
    assert pdfa_part(after["xmp"]) == ("3", "B") and after["title"] == facts["title"] and after["lang"] == "vi"


def test_every_pdf_the_product_renders_goes_through_render_pdf():
    """No module but ``config/pdf.py`` calls WeasyPrint itself (the demo's sample evidence file aside)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    callers = []
    for app in ("appraisal", "config", "criteria", "ranking", "submissions"):
        for path in (root / app).rglob("*.py"):
            if re.search(r"\bHTML\(", path.read_text(encoding="utf-8")):
                callers.append(path.relative_to(root).as_posix())
    assert sorted(callers) == ["config/pdf.py", "submissions/management/commands/load_demo.py"]


def test_score_sheet_date_line_carries_the_place(world, monkeypatch):
    import submissions.reports as reports

    seen = {}
    original = reports.render_to_string

    def keep(name, context):
        seen[name] = context
        return original(name, context)

    monkeypatch.setattr(reports, "render_to_string", keep)
    score_sheet_pdf(world.sub_a)
    assert seen["submissions/print/score_sheet.html"]["date_line"].startswith("Thái Nguyên, ngày ")
