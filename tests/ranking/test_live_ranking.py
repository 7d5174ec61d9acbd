"""Ranking while the round is open (#17 item 5): the block is read by period and block in the database, its
criterion sums grouped there, and the unappraised leaves found from the same scan. These tests compare that
path with the results computed the simple way, one sheet at a time from its appraisal rows, on a small
block with every kind of sheet: full marks, criteria below Xuất sắc, a negative score, council
overrides (down to Kém, up to Xuất sắc), disqualifying facts, a sheet never sent, and frozen results."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from appraisal.models import Appraisal, AppraisedResult, QualityLevel
from appraisal.selectors import appraised_results, live_results, unappraised_leaves
from appraisal.services import results_freeze
from criteria.dieu7 import XUAT_SAC, classify_level
from criteria.models import Authority, Framework, Node
from ranking import services
from ranking.models import UnitFacts
from submissions import services as submission_services
from submissions.models import Block, Period, Submission, Unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Share of each leaf's maximum given to unit i, leaf j: varied so criteria fall on every level.
SHARES = [Decimal(1), Decimal("0.95"), Decimal("0.8"), Decimal("0.6"), Decimal("0.3"), Decimal(0)]


@pytest.fixture
def province(db):
    """Eight units of one block, all sent except xa-7 (a draft, partly appraised and with an empty score:
    ranked with 0, never refused)."""
    authority, _ = Authority.objects.get_or_create(code="tinh-thai-nguyen",
                                                   defaults={"name": "UBND tỉnh Thái Nguyên", "level": "tinh"})
    block = Block.objects.create(authority=authority, code="so", name="Khối các sở, ban, ngành", excellent_quota=3)
    units = [Unit.objects.create(authority=authority, block=block, code=f"xa-{i}", name=f"Sở thứ {i}")
             for i in range(8)]
    now = timezone.now()
    period = Period(authority=authority, code="tn-live", name="Kỳ thử nghiệm 2024", year=2024,
                    opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30))
    submission_services.period_save(period=period, frameworks={block: Framework.objects.get(code="tn2024-so")})
    subs = {s.unit.code: s for s in Submission.objects.filter(period=period).select_related("unit")}
    Submission.objects.filter(period=period).exclude(unit__code="xa-7").update(status=Submission.SENT)
    leaves = [n for n in Node.objects.filter(framework__code="tn2024-so").order_by("ordering") if n.rule]
    rows = []
    for i, unit in enumerate(units):
        for j, node in enumerate(leaves):
            if unit.code == "xa-7" and j % 3 == 0:
                continue  # the draft has gaps: never refused, it ranks with 0
            share = Decimal(1) if i == 0 else SHARES[(i * 7 + j * 3) % len(SHARES)]
            points = (node.max_points * share).quantize(Decimal("0.001"))
            if unit.code == "xa-5" and j == 1:
                points = -node.max_points  # a deduction below zero: the level is that of 0
            if unit.code == "xa-7" and j == 2:
                points = None  # a row without points: a gap too, and 0 in its criterion
            rows.append(Appraisal(submission=subs[unit.code], node=node, points=points, version=1))
    Appraisal.objects.bulk_create(rows)
    secretariat = UserFactory(username="thu.ky")
    criteria = [n for n in Node.objects.filter(framework__code="tn2024-so", kind="criterion").order_by("ordering")]
    QualityLevel.objects.create(submission=subs["xa-0"], node=criteria[0], level="kem", reason="Chậm báo cáo",
                                updated_by=secretariat)
    QualityLevel.objects.create(submission=subs["xa-3"], node=criteria[1], level=XUAT_SAC, reason="Hội đồng",
                                updated_by=secretariat)
    UnitFacts.objects.create(period=period, unit=units[1], discipline="unremedied", evidence="Quyết định số 1")
    UnitFacts.objects.create(period=period, unit=units[2], outstanding=True, evidence="Quyết định số 2")
    UnitFacts.objects.create(period=period, unit=units[4], corruption="remedied", evidence="Quyết định số 3")
    return period, block, subs


def simple_results(submissions, thresholds):
    """The results of each sheet on its own, straight from its rows: total, and the level of every criterion
    with a row below Xuất sắc (or the council's level), in the framework's order."""
    out = {}
    for sub in submissions:
        rows = list(Appraisal.objects.filter(submission=sub).select_related("node"))
        total = sum((r.points for r in rows if r.points is not None), Decimal(0))
        sums: dict[int, Decimal] = defaultdict(Decimal)
        for r in rows:
            if r.node.criterion_id:
                sums[r.node.criterion_id] += r.points or 0
        overrides = dict(QualityLevel.objects.filter(submission=sub).values_list("node_id", "level"))
        below = []
        for node in Node.objects.filter(framework=sub.framework).order_by("ordering"):
            if node.criterion_id != node.pk or (node.pk not in sums and node.pk not in overrides):
                continue
            level = overrides.get(node.pk) or (classify_level(min(max(sums[node.pk], 0), node.max_points),
                                                              node.max_points, thresholds)
                                               if node.max_points > 0 else XUAT_SAC)
            if level != XUAT_SAC:
                below.append((node.pk, level))
        out[sub.pk] = (total, below)
    return out


def simple_missing(submissions):
    out = {}
    for sub in submissions:
        scored = set(Appraisal.objects.filter(submission=sub, points__isnull=False).values_list("node_id", flat=True))
        codes = [n.code for n in Node.objects.filter(framework=sub.framework).order_by("ordering")
                 if n.rule and n.pk not in scored]
        if codes:
            out[sub.pk] = codes
    return out


def test_block_read_as_a_subquery_equals_the_simple_results(province):
    period, block, subs = province
    thresholds = period.quality_thresholds
    queryset = Submission.objects.filter(period=period, block=block)
    frameworks = dict(queryset.values_list("pk", "framework_id"))
    results, missing = live_results(queryset, thresholds, frameworks)
    expected = simple_results(subs.values(), thresholds)
    assert results == expected
    assert results == live_results(list(frameworks), thresholds, frameworks)[0]  # ids: the same
    assert appraised_results(list(frameworks), thresholds) == expected
    levels = {level for _, below in expected.values() for _, level in below}
    assert levels == {"tot", "trung_binh", "kem"}  # the block exercises every level below Xuất sắc
    assert ("kem" in dict(expected[subs["xa-0"].pk][1]).values()) and expected[subs["xa-0"].pk][0] > 0
    assert missing == simple_missing(subs.values()) == unappraised_leaves(list(frameworks))
    assert set(missing) == {subs["xa-7"].pk}  # only the draft has leaves without a score


def test_live_ranking_equals_ranking_from_frozen_and_partly_frozen_results(province):
    period, block, subs = province
    live = services.snapshot(period, block)
    units = {u["id"]: u for u in live["units"]}
    assert units["xa-7"]["total"] == "0.00" and units["xa-0"]["rank"] == 1
    assert any("bị xử lý kỷ luật" in r for r in units["xa-1"]["reasons"])  # the discipline fact
    assert any("Kém" in r for r in units["xa-0"]["reasons"])  # the council's override at full marks
    results_freeze(period=period)
    assert services.snapshot(period, block) == live
    AppraisedResult.objects.filter(submission__in=[subs["xa-3"], subs["xa-7"]]).delete()
    assert services.snapshot(period, block) == live  # two sheets read from their scores, by id


def test_an_unscored_leaf_is_refused_with_its_codes(province):
    period, block, subs = province
    row = Appraisal.objects.filter(submission=subs["xa-4"]).order_by("node__ordering").last()
    row.points = None
    row.save()
    with pytest.raises(ValidationError) as refused:
        services.snapshot(period, block)
    message = refused.value.messages[0]
    assert f"Sở thứ 4: {row.node.code} (1 tiêu chí)" in message
    assert "Sở thứ 7" not in message  # the draft is not appraised, so not refused
