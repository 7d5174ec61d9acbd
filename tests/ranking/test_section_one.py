"""Section I (Mục I, leaders' forms): the same data gives the same grade. A unit with no appraisal rows for
section I and one whose rows are empty are refused alike, with a message naming the unit and the criteria,
rather than one ranking as Xuất sắc by absence and the other as Kém by a zero."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from appraisal import services as appraisal_services
from appraisal.models import Appraisal
from ranking import services
from tests.appraisal.conftest import fill_and_send
from tests.factories import make_world
from tests.ranking.test_publication import appraise_all, leaders

pytestmark = pytest.mark.django_db


@pytest.fixture
def appraised(db):
    """Units A and B sent and appraised in full, the round still open (ranking from the live scores)."""
    w = make_world()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    w.sub_b = fill_and_send(w, w.sub_b, w.approver_b)
    appraise_all(w.sub_a, w.secretariat)
    appraise_all(w.sub_b, w.secretariat)
    leaders(w, w.unit_a)
    return w


def refusal(w) -> str:
    with pytest.raises(ValidationError) as error:
        services.snapshot(w.period, w.block)
    return " ".join(error.value.messages)


def test_section_i_with_no_rows_and_with_empty_rows_are_refused_alike(appraised):
    w = appraised
    assert not Appraisal.objects.filter(submission=w.sub_b, node__rule__kind="survey").exists()
    no_rows = refusal(w)
    appraisal_services.survey_recompute(period=w.period, unit=w.unit_b)  # rows created, no form: no points
    assert Appraisal.objects.filter(submission=w.sub_b, node__rule__kind="survey", points__isnull=True).exists()
    empty_rows = refusal(w)
    assert no_rows == empty_rows
    assert "Sở Y tế: 1.1, 1.2, 1.3, 1.4, 1.5 (5 tiêu chí)" in no_rows and "Sở Xây dựng" not in no_rows
    assert "phiếu đánh giá của Lãnh đạo" in no_rows


def test_section_i_complete_ranks(appraised):
    w = appraised
    leaders(w, w.unit_b)
    snapshot = services.snapshot(w.period, w.block)
    assert {u["id"]: u["total"] for u in snapshot["units"]} == {"so-xay-dung": "100.00", "so-y-te": "100.00"}


def test_a_criterion_never_appraised_is_refused_too(appraised):
    w = appraised
    leaders(w, w.unit_b)
    Appraisal.objects.filter(submission=w.sub_b, node__code="7.2").update(points=None)
    assert "Sở Y tế: 7.2 (1 tiêu chí)" in refusal(w)


def test_a_total_above_the_frameworks_total_is_refused_by_the_engine(appraised):
    w = appraised
    leaders(w, w.unit_b)
    Appraisal.objects.filter(submission=w.sub_b, node__code="7.2").update(points=Decimal("99"))
    message = refusal(w)
    assert "Chưa xếp hạng được" in message and "vượt tổng điểm tối đa 100" in message
