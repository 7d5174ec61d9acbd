"""Every time a person reads is Vietnam time (issue #14 item 8): the framework lock message and the appraisal
export showed UTC (7 hours early)."""

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from appraisal.models import Appraisal
from appraisal.reports import appraisal_workbook
from criteria.models import Framework
from criteria.services import framework_usage
from submissions.models import Entry
from tests.factories import leaf, make_world

pytestmark = pytest.mark.django_db


def test_the_framework_lock_message_is_in_vietnam_time():
    framework = Framework.objects.get(code="tn2024-so")
    Framework.objects.filter(pk=framework.pk).update(locked_at=datetime(2024, 10, 31, 18, 30, tzinfo=UTC))
    framework.refresh_from_db()
    assert "đã được khóa từ 01:30 01/11/2024" in framework_usage(framework)[0]


def test_the_appraisal_export_writes_vietnam_time():
    w = make_world()
    node = leaf(w.sub_a, "2.1")
    Entry.objects.create(submission=w.sub_a, node=node, points=node.max_points)
    Appraisal.objects.create(submission=w.sub_a, node=node, points=node.max_points, updated_by=w.secretariat,
                             updated_at=datetime(2024, 11, 30, 18, 0, tzinfo=UTC))
    sheet = load_workbook(io.BytesIO(appraisal_workbook(w.period))).active
    moments = [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, datetime)]
    assert moments == [datetime(2024, 12, 1, 1, 0)]
