"""Bulk work (#14 item 4), in real Chromium: the council member ticks several criteria of a unit and confirms
their self-scores with one button; a criterion that cannot be confirmed is named, the boxes stay ticked and
nothing is written."""

import pytest

from appraisal.models import Appraisal
from appraisal.selectors import member_unit_rows
from submissions.models import Evidence
from tests.browser.helpers import make_council_world, open_member_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTON = "button:has-text('Xác nhận điểm tự chấm các tiêu chí đã chọn')"


@pytest.fixture
def council_world(transactional_db):
    return make_council_world()


def test_several_self_scores_confirmed_with_one_button(browser, live_server, council_world):
    w = council_world
    rows = [r for r in member_unit_rows(w.member, w.sub_a) if r.entry and r.entry.points is not None
            and not r.multi][:3]
    scans_only = next(r for r in rows if r.entry.points == r.node.max_points)
    Evidence.objects.filter(entry=scans_only.entry).update(signature_status="unsigned")
    page = open_member_report(browser, live_server, w)
    for row in rows:
        page.check(f"input[form=xac-nhan][name=confirm][value='{row.node.pk}']")
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 400):
        page.click(BUTTON)
    alert = page.inner_text("#xac-nhan [role=alert]")
    assert f"Tiêu chí {scans_only.node.code} ({scans_only.node.title})" in alert
    assert not Appraisal.objects.filter(submission=w.sub_a).exists()
    for row in rows:
        assert page.is_checked(f"input[form=xac-nhan][name=confirm][value='{row.node.pk}']")
    page.uncheck(f"input[form=xac-nhan][name=confirm][value='{scans_only.node.pk}']")
    page.click(BUTTON)
    page.wait_for_selector("text=Đã xác nhận điểm tự chấm 2 tiêu chí")
    confirmed = [r for r in rows if r is not scans_only]
    for row in confirmed:
        appraisal = Appraisal.objects.get(submission=w.sub_a, node=row.node)
        assert appraisal.points == row.entry.points and appraisal.updated_by == w.stc
        assert page.inner_text(f"#a-{row.node.pk} [data-appraised]").strip() != "—"
    assert not Appraisal.objects.filter(submission=w.sub_a, node=scans_only.node).exists()
