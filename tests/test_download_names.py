"""Issue 14.6: downloads are named for people (``config.responses.download_name``): what the file is, whose,
which year, without diacritics (đ → d): ``bang-tong-hop-so-xay-dung-2024.xlsx``, ``phu-luc-xep-loai-2024.pdf``;
never the random (hexadecimal) name a stored report job file has on disk."""

import re
from datetime import date

import pytest
from django.urls import reverse

from config.responses import SLUG_MAX, download_name, slug
from ranking import services as ranking_services
from tests.ranking.test_publication import ranked  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

NAME = re.compile(r'^attachment; filename="([a-z0-9]+(?:-[a-z0-9]+)*\.(?:pdf|xlsx))"$')


def _name(response) -> str:
    assert response.status_code == 200, response.status_code
    match = NAME.match(response["Content-Disposition"])
    assert match, response["Content-Disposition"]
    assert not re.search(r"[0-9a-f]{12,}", match[1]), f"a hexadecimal name: {match[1]}"
    return match[1]


@pytest.mark.parametrize(("text", "expected"), [
    ("Sở Xây dựng", "so-xay-dung"),
    ("ĐÀI PHÁT THANH - TRUYỀN HÌNH tỉnh", "dai-phat-thanh-truyen-hinh-tinh"),
    ("UBND huyện Định Hóa (Đồng Hỷ)", "ubnd-huyen-dinh-hoa-dong-hy"),
    ("Ủy ban   nhân dân; xã Bình Yên!", "uy-ban-nhan-dan-xa-binh-yen"),
    ("", ""),
])
def test_slug_removes_diacritics_and_joins_words(text, expected):
    assert slug(text) == expected


def test_slug_is_cut_at_a_word_and_names_skip_empty_parts():
    words = ("trung-tam-phat-trien-quy-dat-va-ky-thuat-tai-nguyen-moi-truong-tinh-thai-nguyen-"
             "truc-thuoc-so-nong-nghiep").split("-")
    long = slug("Trung tâm Phát triển quỹ đất và Kỹ thuật tài nguyên môi trường tỉnh Thái Nguyên trực thuộc Sở "
                "Nông nghiệp")
    assert len(long) <= SLUG_MAX and long.split("-") == words[:len(long.split("-"))]  # whole words only
    assert download_name("Bảng tổng hợp", "Sở Xây dựng", 2024, ext="xlsx") == "bang-tong-hop-so-xay-dung-2024.xlsx"
    assert download_name("Phụ lục xếp loại", "", None, 2024, ext="pdf") == "phu-luc-xep-loai-2024.pdf"
    assert download_name("Tổng hợp", "so-bo", 2024, ext=None) == "tong-hop-so-bo-2024"


def test_unit_documents_are_named_for_the_unit_and_year(world, client_for):
    client = client_for(world.approver_a)
    pk = world.sub_a.pk
    assert _name(client.get(reverse("submissions:summary_xlsx", args=[pk]))) == "bang-tong-hop-so-xay-dung-2024.xlsx"
    assert _name(client.get(reverse("submissions:print_pdf", args=[pk]))) == "bieu-cham-diem-so-xay-dung-2024.pdf"
    assert (_name(client.get(reverse("submissions:self_report_pdf", args=[pk])))
            == "bao-cao-tu-danh-gia-so-xay-dung-2024.pdf")
    secretariat = client_for(world.secretariat)
    assert (_name(secretariat.get(reverse("appraisal:export_xlsx", args=[world.period.pk])))
            == "ket-qua-tham-dinh-2024.xlsx")


def test_framework_export_is_named_for_the_framework(admin_user, client_for):
    response = client_for(admin_user).get(reverse("criteria:framework_export_xlsx", args=["tn2024-so"]))
    assert _name(response) == "bo-tieu-chi-tn2024-so.xlsx"


def test_ranking_documents_and_report_jobs_are_named_for_the_year(ranked, client_for, settings, tmp_path):  # noqa: F811
    from ranking.models import ReportJob
    from ranking.signing import make_dev_certificate
    from ranking.tasks import build_report

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RANKING_SIGNING_P12 = tmp_path / "dev.p12"
    settings.RANKING_SIGNING_PASSPHRASE = "thu"
    make_dev_certificate(settings.RANKING_SIGNING_P12, passphrase=b"thu")
    version = ranking_services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    ranking_services.ranking_submit(version=version, actor=ranked.secretariat)
    ranking_services.ranking_approve(version=version, actor=ranked.chairman, decision_number="7/QĐ-UBND",
                                     decision_date=date(2025, 1, 7))
    client = client_for(ranked.secretariat)
    period = ranked.period.pk
    assert _name(client.get(reverse("ranking:workbook", args=[period]))) == "bang-xep-loai-2024.xlsx"
    assert _name(client.get(reverse("ranking:annex", args=[period]))) == "phu-luc-xep-loai-2024.pdf"
    assert (_name(client.get(reverse("ranking:lost_points", args=[ranked.sub_b.pk])))
            == "diem-bi-tru-so-y-te-2024.xlsx")
    for kind, expected in (("annex", "phu-luc-xep-loai-2024.pdf"), ("workbook", "bang-xep-loai-2024.xlsx")):
        client.post(reverse("ranking:report_request", args=[period]), {"kind": kind})
        job = ReportJob.objects.filter(kind=kind).get()
        build_report.apply(args=[job.pk])
        job.refresh_from_db()
        assert re.search(r"[0-9a-f]{32}", job.file.name)  # stored under a random name ...
        response = client.get(reverse("ranking:report_job", args=[period, job.pk]), {"tai": "1"})
        assert _name(response) == expected  # ... downloaded under a name for people
