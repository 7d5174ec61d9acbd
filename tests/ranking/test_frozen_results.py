"""Closing the appraisal round freezes each submission's appraised total and criterion levels; ranking reads
them instead of every score, and never a stale one."""

from decimal import Decimal

import pytest

from appraisal import services as appraisal_services
from appraisal.models import Appraisal, AppraisedResult
from appraisal.selectors import appraised_results
from criteria.models import Node
from ranking import services
from tests.appraisal.conftest import fill_and_send
from tests.factories import close_round, make_world
from tests.ranking.test_publication import appraise_all, leaders

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(db):
    """A at full marks but one criterion overridden to Kém by the council; B at 75 % (criteria Tốt)."""
    w = make_world()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    w.sub_b = fill_and_send(w, w.sub_b, w.approver_b)
    appraise_all(w.sub_a, w.secretariat)
    appraise_all(w.sub_b, w.secretariat, Decimal("0.75"))
    w.overridden = Node.objects.filter(framework=w.sub_a.framework, kind="criterion").order_by("ordering").first()
    appraisal_services.quality_set(submission=w.sub_a, node=w.overridden, level="kem", actor=w.secretariat,
                                   reason="Báo cáo không đúng thời hạn")
    leaders(w, w.unit_a)
    leaders(w, w.unit_b)
    close_round(w.period, w.secretariat)
    return w


def _without_frozen(w) -> dict:
    AppraisedResult.objects.all().delete()
    return services.snapshot(w.period, w.block)


def test_closing_the_round_freezes_every_submission(closed):
    frozen = {r.submission_id: r for r in AppraisedResult.objects.all()}
    assert set(frozen) == {closed.sub_a.pk, closed.sub_b.pk}
    live = appraised_results([closed.sub_a.pk, closed.sub_b.pk], (Decimal("0.9"), Decimal("0.7"), Decimal("0.5")))
    for pk, result in frozen.items():
        total, below = live[pk]
        assert result.total == total == sum(a.points for a in Appraisal.objects.filter(submission_id=pk))
        assert result.below == ",".join(f"{cid}:{level}" for cid, level in below)
        assert result.thresholds == "0.9,0.7,0.5"
    assert frozen[closed.sub_a.pk].below == f"{closed.overridden.pk}:kem"  # the override, and nothing else
    assert frozen[closed.sub_b.pk].below.count(":tot") >= 2


def test_ranking_from_frozen_results_equals_ranking_from_the_scores(closed):
    frozen = services.snapshot(closed.period, closed.block)
    live = _without_frozen(closed)
    assert frozen == live
    units = {u["id"]: u for u in frozen["units"]}
    assert any(f"tiêu chí {closed.overridden.code}" in r and "Kém" in r for r in units["so-xay-dung"]["reasons"])


def test_a_later_write_to_a_score_unfreezes_its_submission(closed):
    """Nothing should write after closing, but if anything does (the admin, a script), the frozen row goes and
    ranking reads the scores again rather than a stale total."""
    appraisal = Appraisal.objects.filter(submission=closed.sub_b, points__gt=0).first()
    appraisal.points -= 1
    appraisal.save()
    assert not AppraisedResult.objects.filter(submission=closed.sub_b).exists()
    assert AppraisedResult.objects.filter(submission=closed.sub_a).exists()
    units = {u["id"]: u for u in services.snapshot(closed.period, closed.block)["units"]}
    expected = sum(a.points for a in Appraisal.objects.filter(submission=closed.sub_b))
    assert Decimal(units["so-y-te"]["total3"]) == expected.quantize(Decimal("0.001"))


def test_thresholds_changed_after_closing_are_applied_to_the_scores(closed):
    """Frozen levels carry the thresholds they were derived with; other thresholds mean computing again."""
    closed.period.settings = {**(closed.period.settings or {}), "quality_thresholds": ["0.7", "0.6", "0.5"]}
    closed.period.save()
    snapshot = services.snapshot(closed.period, closed.block)
    units = {u["id"]: u for u in snapshot["units"]}
    # At 75 % of the maximum, B's criteria are now Xuất sắc: no criterion holds it back any more.
    assert not any("tiêu chí" in r for r in units["so-y-te"]["reasons"])
    assert snapshot == _without_frozen(closed)


def test_per_criterion_points_frozen_equal_the_sums_of_the_scores(closed):
    from appraisal.selectors import _criterion_scores_summed, criterion_scores

    ids = [closed.sub_a.pk, closed.sub_b.pk]
    frozen = criterion_scores(ids)
    summed = _criterion_scores_summed(ids)
    assert frozen == summed and all(frozen[pk] for pk in ids)
    AppraisedResult.objects.filter(submission=closed.sub_b).delete()
    assert criterion_scores(ids) == summed  # one unit not frozen: every unit summed from the scores
