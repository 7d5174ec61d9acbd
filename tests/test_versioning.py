"""The versioned-save helper (``config.versioning``, issue #15 item 5): lock, compare, refuse naming who and when
in Vietnam time, stamp who/when/version and the history user."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import RequestFactory

from appraisal.models import QualityLevel
from config.versioning import (
    ConflictError,
    check_version,
    history_versions,
    locked_row,
    posted_version,
    stamp,
    versioned_absent,
)
from submissions.models import Entry, SelfReport
from tests.factories import leaf

pytestmark = pytest.mark.django_db


def test_a_first_save_creates_the_row_locked_and_a_second_finds_it(world):
    node = leaf(world.sub_a, "2.1")
    with transaction.atomic():
        first = locked_row(Entry, submission=world.sub_a, node=node)
        again = locked_row(Entry, submission=world.sub_a, node=node)
    assert first.pk == again.pk and first.version == 0
    assert Entry.objects.filter(submission=world.sub_a, node=node).count() == 1


def test_stamp_bumps_the_version_and_records_who_when_and_the_history_user(world):
    report = SelfReport.objects.create(submission=world.sub_a)
    at = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    stamp(report, actor=world.officer_a, now=at)
    report.situation = "Đã triển khai"
    report.save()
    report.refresh_from_db()
    assert report.version == 1 and report.updated_by == world.officer_a
    assert report.history.first().history_user == world.officer_a and report.history.first().version == 1
    # A recomputation by the system names no one and leaves who saved last as it was.
    stamp(report, actor=None, now=at)
    assert report.version == 2 and report.updated_by == world.officer_a


def test_a_stale_version_is_refused_naming_who_and_when_in_vietnam_time(world):
    report = SelfReport(submission=world.sub_a, version=3, updated_by=world.approver_a,
                        updated_at=datetime(2026, 11, 25, 9, 30, 5, tzinfo=UTC))
    check_version(report, 3, what="Báo cáo tự đánh giá")  # the version the form was loaded with: accepted
    check_version(report, None, what="Báo cáo tự đánh giá")  # no form (a script, the demo): not compared
    with pytest.raises(ConflictError) as refused:
        check_version(report, 2, what="Báo cáo tự đánh giá", shown="đã ghi số hiệu")
    message = refused.value.messages[0]
    assert message.startswith("Báo cáo tự đánh giá vừa được Approver A lưu lúc 16:30:05 25/11/2026 (đã ghi số hiệu).")
    assert "Trang của bạn đã cũ" in message
    assert refused.value.record is report and refused.value.entry is report
    assert isinstance(refused.value, ValidationError) and refused.value.code == "conflict"


def test_who_and_when_come_from_the_fields_the_model_names(world):
    from appraisal.models import PaperTally

    tally = PaperTally(version=1, entered_by=world.secretariat,
                       entered_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    with pytest.raises(ConflictError, match="vừa được Secretariat lưu lúc 08:00:00 01/12/2026"):
        check_version(tally, 0, what="Số phiếu giấy", by="entered_by", at="entered_at")
    with pytest.raises(ConflictError, match="Số phiếu giấy vừa được người khác lưu. Trang"):
        check_version(PaperTally(version=1), 0, what="Số phiếu giấy", by="entered_by", at="entered_at")


def test_a_deleted_row_keeps_its_version_in_the_history(world):
    w, node = world, leaf(world.sub_a, "3.2")  # a criterion without sub-criteria: it has a quality level
    assert versioned_absent(QualityLevel, submission=w.sub_a, node=node) is None
    quality = QualityLevel(submission=w.sub_a, node=node, level="tot", reason="Đạt")
    stamp(quality, actor=w.secretariat)
    quality.save()
    stamp(quality, actor=w.officer_a)  # the removal is stamped, then deleted
    quality.delete()
    gone = versioned_absent(QualityLevel, submission=w.sub_a, node=node)
    assert gone.history_type == "-" and gone.version == 2 and gone.updated_by == w.officer_a
    assert history_versions(QualityLevel, "node_id", submission=w.sub_a) == {node.pk: 2}


@pytest.mark.parametrize(("posted", "expected"), [({}, None), ({"version": "0"}, 0), ({"version": " 12 "}, 12)])
def test_the_posted_version(posted, expected):
    assert posted_version(RequestFactory().post("/", posted)) == expected


@pytest.mark.parametrize("raw", ["", "x", "-1", "1.5", "٣", "9" * 30, "NaN"])
def test_a_posted_version_that_is_not_a_whole_number_is_refused_in_vietnamese(raw):
    with pytest.raises(ValidationError, match="phiên bản dữ liệu không hợp lệ"):
        posted_version(RequestFactory().post("/", {"version": raw}))
