"""The PAR-index demo of TP Thanh Hóa (issue #13, item 6): ``load_demo`` adds the rank-only period
``th-2026-cchc`` (open) on the demo framework built from seed 004's report template (7 self-assessed sections = 82,
plus a survey part), a block of departments and a block of communes on paper; the self-assessment report
prints seed 004's table (7 rows = 82) and not the survey part. One test: ``load_demo`` takes a while."""

import re
import subprocess
import time
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from appraisal.models import PaperBlock
from criteria.models import Framework, Node
from submissions.management.commands import load_demo
from submissions.models import Period, PeriodBlock, Role, Submission, User

pytestmark = pytest.mark.django_db

AREAS = [("Công tác chỉ đạo điều hành", "14"), ("Tổ chức thực hiện văn bản pháp luật tại địa phương", "7"),
         ("Cải cách thủ tục hành chính", "15.5"), ("Cải cách tổ chức bộ máy hành chính nhà nước", "9"),
         ("Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức", "13"), ("Cải cách tài chính công", "10"),
         ("Xây dựng và phát triển chính quyền điện tử", "13.5")]


def _rows() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_par_demo_period_framework_paper_block_and_report(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path / "media",
                           PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        spent = []
        real = load_demo._par_city

        def timed(command):
            started = time.monotonic()
            real(command)
            spent.append(time.monotonic() - started)

        with mock.patch.object(load_demo, "_par_city", timed):
            call_command("load_demo", stdout=StringIO())
        print(f"PAR step of load_demo: {spent[0]:.2f} s")  # a figure, not an assert (speed is for benchmarks/)
        before = _rows()
        call_command("load_demo", stdout=StringIO())
        assert _rows() == before, "a second run changes nothing"

    period = Period.objects.get(code=load_demo.PAR_PERIOD)
    assert period.kind == Period.RANK_ONLY and period.is_open
    assert period.authority.code == "tp-thanh-hoa" and period.authority.level == "huyen"
    framework = Framework.objects.get(code=load_demo.PAR_FRAMEWORK)
    assert framework.results_group == "" and framework.total_points == Decimal("100")

    # The 7 self-assessed sections of seed 004's table (TDG) = 82, and the survey part (XHH) apart.
    tdg = Node.objects.get(framework=framework, code="TDG")
    sections = list(Node.objects.filter(framework=framework, parent=tdg).order_by("ordering"))
    assert [(s.title, s.max_points) for s in sections] == [(t, Decimal(p)) for t, p in AREAS]
    assert sum(s.max_points for s in sections) == Decimal("82")
    leaves = [n for n in Node.objects.filter(framework=framework) if n.rule]
    survey = {n.code for n in leaves if n.rule["kind"] == "survey"}
    assert survey == {"8.1", "8.2"}
    assert Node.objects.get(framework=framework, code="XHH").max_points == Decimal("18")

    # Two blocks of three units; the communes send on paper, by their own (earlier) deadline.
    blocks = {pb.block.code: pb for pb in PeriodBlock.objects.filter(period=period).select_related("block")}
    assert set(blocks) == {"phong", "xa-phuong"}
    assert all(Submission.objects.filter(period=period, block=pb.block).count() == 3 for pb in blocks.values())
    assert PaperBlock.objects.filter(period_block=blocks["xa-phuong"]).exists()
    assert not PaperBlock.objects.filter(period_block=blocks["phong"]).exists()
    assert blocks["xa-phuong"].deadline < period.closes_at
    assert Role.objects.filter(user__username="pnv.thanhhoa", kind=Role.SECRETARIAT,
                               authority=period.authority).exists()

    # The department approver's self-assessment report: seed 004's 7 rows = 82, no survey part.
    approver = User.objects.get(username="pnv.thanhhoa.pheduyet")
    approver.must_change_password = False
    approver.save(update_fields=["must_change_password"])
    submission = Submission.objects.get(period=period, unit__code="th-phong-noi-vu")
    client = Client()
    client.force_login(approver)
    page = client.get(reverse("submissions:self_report", args=[submission.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    table = html[html.index('id="self-report-table"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td[^>]*>([^<]*)</td>", table)
    assert rows == [(code, title, points.replace(".", ","))
                    for code, (title, points) in zip(["I", "II", "III", "IV", "V", "VI", "VII"], AREAS, strict=True)]
    assert "<strong>82</strong>" in table
    assert "Điều tra xã hội học" not in table and "Lãnh đạo chấm" not in table

    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        pdf = client.get(reverse("submissions:self_report_pdf", args=[submission.pk]))
    assert pdf.status_code == 200
    path = tmp_path / "bc.pdf"
    path.write_bytes(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    try:
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        return  # poppler-utils not installed: the HTML table above is the check
    text = " ".join(text.split())  # table cells wrap
    assert "xác định chỉ số cải cách hành chính" in text
    for title, _ in AREAS:
        assert title in text, title
    assert "82" in text and "Điều tra xã hội học" not in text
