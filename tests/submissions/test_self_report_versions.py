"""The self-assessment report is shared by the unit's accounts: two people who loaded it and both save never
overwrite each other silently (issue #15 item 5, ``config.versioning``)."""

import re

import pytest
from django.urls import reverse

from submissions.models import SelfReport

pytestmark = pytest.mark.django_db

FIELDS = ("number", "place", "situation", "shortcomings", "causes", "proposals", "recipients", "signer_title",
          "signer_name")


def _loaded(client, url) -> dict:
    """What the form posts back as loaded: its hidden version and its fields."""
    page = client.get(url).content.decode()
    found = re.search(r'name="version" value="(\d+)"', page)  # none before issue #15: the save was unchecked
    return {"version": found.group(1) if found else "0", **{k: "" for k in FIELDS}}


def test_two_accounts_save_the_report_the_second_is_refused_naming_the_first(world, client_for):
    url = reverse("submissions:self_report", args=[world.sub_a.pk])
    officer, approver = client_for(world.officer_a), client_for(world.approver_a)
    mine, theirs = _loaded(officer, url), _loaded(approver, url)
    first = officer.post(url, {**mine, "situation": "Sở đã ban hành Kế hoạch số 30/KH-SXD.", "number": "125/BC-SXD"})
    assert first.status_code == 302
    kept = SelfReport.objects.get(submission=world.sub_a).history.count()
    second = approver.post(url, {**theirs, "situation": "Bản của người phê duyệt", "causes": "Thiếu chữ ký số"})
    assert second.status_code == 409
    html = second.content.decode()
    assert "Báo cáo tự đánh giá vừa được Officer A lưu lúc" in html and "Trang của bạn đã cũ" in html
    # What the approver typed stays in the form; nothing of it is written.
    assert "Bản của người phê duyệt</textarea>" in html and "Thiếu chữ ký số</textarea>" in html
    report = SelfReport.objects.get(submission=world.sub_a)
    assert (report.situation, report.number, report.causes) == ("Sở đã ban hành Kế hoạch số 30/KH-SXD.",
                                                                 "125/BC-SXD", "")
    assert report.version == 1 and report.history.count() == kept
    # The refused page carries the stored version: saving again is a deliberate choice, and it is accepted.
    assert 'name="version" value="1"' in html
    again = approver.post(url, {**theirs, "version": "1", "situation": "Bản của người phê duyệt"})
    assert again.status_code == 302
    report.refresh_from_db()
    assert report.situation == "Bản của người phê duyệt" and report.updated_by == world.approver_a
    assert report.history.first().history_user == world.approver_a


def test_a_version_that_is_not_a_number_is_refused_and_keeps_the_text(world, client_for):
    url = reverse("submissions:self_report", args=[world.sub_a.pk])
    response = client_for(world.approver_a).post(url, {"version": "abc", "situation": "Giữ lại"})
    assert response.status_code == 200 and "phiên bản dữ liệu không hợp lệ" in response.content.decode()
    assert "Giữ lại</textarea>" in response.content.decode()
    assert not SelfReport.objects.filter(submission=world.sub_a, situation="Giữ lại").exists()
