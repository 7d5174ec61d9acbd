"""The 2025 demo (issue #12, item 5): ``load_demo`` adds period ``tn-2025-hop-nhat`` of the merged province, on
frameworks imported from the Excel files of ``fixtures/demo/``, with communes whose lineage reaches Định Hóa's
2024 communes, and the published 2024 period unchanged.

One test, because ``load_demo`` takes a while: it first builds the demo as it was before the 2025 step (the
step patched out: the database of anyone who ran the earlier ``load_demo``), reads the 2024 results, then runs
the real command (the 2025 step moves the sở to the 2025 block and stops the old communes) and compares, and
finally runs it once more and counts every table.
"""

from io import StringIO
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from criteria.models import Framework
from criteria.spreadsheet import read_workbook
from ranking.models import RankingVersion
from submissions import lineage
from submissions.management.commands import load_demo
from submissions.models import Period, PeriodBlock, Submission, Unit, UnitLineage

pytestmark = pytest.mark.django_db


def _published_2024() -> dict:
    """What the published 2024 period is: its ranking versions (snapshot included), its membership."""
    return {
        "versions": list(RankingVersion.objects.filter(period__code="demo").order_by("pk").values()),
        "submissions": list(Submission.objects.filter(period__code__in=["demo", "demo-2025"]).order_by("pk")
                            .values_list("pk", "unit_id", "block_id", "framework_id", "status", "self_total")),
        "blocks": list(PeriodBlock.objects.filter(period__code="demo").order_by("pk").values()),
    }


def _rows() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_load_demo_adds_the_merged_province_2025_and_keeps_2024(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path / "media",
                           PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with mock.patch.object(load_demo, "_merged_province", lambda *args: None):
            call_command("load_demo", stdout=StringIO())
        assert not Period.objects.filter(code=load_demo.PERIOD_2025).exists()
        before = _published_2024()
        assert len(before["versions"]) == 4 and before["submissions"]  # the 2024 demo is there, published
        so_block_2024 = Unit.objects.get(code="so-noi-vu").block_id

        out = StringIO()
        call_command("load_demo", stdout=out)

        # The period, open, with its two blocks, each on a framework imported from the shipped workbook.
        # Its year is the open demo-2025's, built by the earlier run (issue #14, item 9: named for its dates).
        period = Period.objects.get(code=load_demo.PERIOD_2025)
        current = Period.objects.get(code="demo-2025")
        assert period.year == current.year == load_demo._evaluated_year(current.closes_at)
        assert f"năm {period.year}" in period.name
        assert Period.objects.get(code="demo").year == period.year - 1
        assert period.is_open and period.authority.code == "tinh-thai-nguyen"
        blocks = {pb.block.code: pb for pb in PeriodBlock.objects.filter(period=period).select_related("block",
                                                                                                        "framework")}
        assert set(blocks) == {"so-2025", "xa-phuong"}
        assert {code: pb.framework.code for code, pb in blocks.items()} == {"so-2025": "tn2025-so-demo",
                                                                           "xa-phuong": "tn2025-xa-demo"}
        assert all(pb.excellent_quota for pb in blocks.values())
        for code in ("tn2025-so-demo", "tn2025-xa-demo"):
            meta, specs = read_workbook((settings.BASE_DIR / "fixtures" / "demo" / f"{code}.xlsx").read_bytes())
            framework = Framework.objects.get(code=code)
            assert meta.code == code and framework.name == meta.name and "MINH HỌA" in framework.name
            assert framework.year == 2025 and framework.nodes.count() == len(specs)
            assert sorted(framework.nodes.values_list("code", flat=True)) == sorted(s.code for s in specs)
            assert framework.locked_at is not None
            assert f"nhập từ fixtures/demo/{code}.xlsx" in out.getvalue()

        # Its members: the existing sở and the two demo sở of the merger; the communes/wards of the province.
        members = {s.unit.code: s for s in Submission.objects.filter(period=period).select_related("unit", "block")}
        provincial = {c for c, _ in load_demo.BLOCKS[0][4]} | {"so-nn-mt", "so-vh-tt-dl"}
        assert {c for c, s in members.items() if s.block.code == "so-2025"} == provincial
        assert {c for c, s in members.items() if s.block.code == "xa-phuong"} == {"xa-dinh-hoa", "phuong-bac-kan",
                                                                                   "xa-cho-don"}
        assert all(s.framework == blocks[s.block.code].framework for s in members.values())

        # Lineage: merged (Bình Thành + Phú Đình → Định Hóa Mới), then renamed (→ Định Hóa); back to 2024.
        present = Unit.objects.get(authority__code="tinh-thai-nguyen", code="xa-dinh-hoa")
        binh_thanh = Unit.objects.get(authority__code="huyen-dinh-hoa", code="xa-binh-thanh")
        phu_dinh = Unit.objects.get(authority__code="huyen-dinh-hoa", code="xa-phu-dinh")
        merged = Unit.objects.get(code="xa-dinh-hoa-moi")
        owners = lineage.owners([present.pk])
        assert owners[binh_thanh.pk] == [(2, present.pk)] and owners[phu_dinh.pk] == [(2, present.pk)]
        assert owners[merged.pk] == [(1, present.pk)]
        assert set(UnitLineage.objects.values_list("predecessor__code", "successor__code", "kind")) == {
            ("xa-binh-thanh", "xa-dinh-hoa-moi", "merge"), ("xa-phu-dinh", "xa-dinh-hoa-moi", "merge"),
            ("xa-dinh-hoa-moi", "xa-dinh-hoa", "rename")}
        assert all(u.recorded_by.username == "snv.thuongtruc" for u in UnitLineage.objects.all())
        for old in (binh_thanh, phu_dinh, merged):
            old.refresh_from_db()
            assert not old.active and old.ended_on is not None
        assert "trước đây" not in present.name  # the pages add "(trước đây: …)" from the lineage
        assert lineage.former_names([present.pk]) == {present.pk: merged.name}
        # 2024's sheets of Định Hóa's communes are still theirs.
        assert Submission.objects.filter(period__code="dh-2024", unit__in=[binh_thanh, phu_dinh]).count() == 2

        # The present organisation moved (the sở sit in the 2025 block) and 2024 did not change at all.
        assert Unit.objects.get(code="so-noi-vu").block.code == "so-2025"
        assert set(Unit.objects.filter(block__code="huyen").values_list("active", "ended_on")) == {
            (False, load_demo.MERGED_ON)}  # the districts are gone
        assert _published_2024() == before
        assert set(Submission.objects.filter(period__code="demo", unit__code__in=provincial)
                   .values_list("block_id", flat=True)) == {so_block_2024}
        assert RankingVersion.objects.filter(period__code="demo", status=RankingVersion.PUBLISHED).exists()
        assert not RankingVersion.objects.filter(period=period).exists()

        # Running it again changes nothing.
        rows = _rows()
        call_command("load_demo", stdout=StringIO())
        assert _rows() == rows
        assert _published_2024() == before
