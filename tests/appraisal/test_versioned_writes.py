"""Quality-level overrides and paper tallies are shared (the members of every agency of a criterion; the
secretariat's staff): two people who loaded the form and both save never overwrite each other silently
(issue #15 item 5, ``config.versioning``)."""

import re

import pytest
from django.urls import reverse

from appraisal import services
from appraisal.models import PaperTally, QualityLevel
from criteria.models import Node
from submissions.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_five(council):
    """Criterion 5.5 of the sở framework ("Các sở, ngành: Nội vụ; Thông tin và Truyền thông; Tư pháp"): a member
    of Sở Nội vụ and one of Sở Tư pháp both see, and may change, its quality level."""
    for attr, username, agency in (("m_nv", "snv", "Sở Nội vụ"), ("m_tp", "stp", "Sở Tư pháp")):
        user = UserFactory(username=username, full_name=f"Thành viên {agency}")
        setattr(council, attr, services.member_add(period=council.period, user=user, agency=agency))
    council.node = Node.objects.get(framework=council.sub_a.framework, code="5.5")
    return council


def _quality_form(client, member, submission, node) -> tuple[str, str]:
    """(the form's action, the version it carries) of the override form of ``node`` on the member's unit page."""
    page = client.get(reverse("appraisal:unit_page", args=[member.pk, submission.pk])).content.decode()
    action = reverse("appraisal:quality_save", args=[member.pk, submission.pk, node.pk])
    form = page.split(f'action="{action}" class="d-flex')[1]
    found = re.search(r'name="version" value="(\d+)"', form.split("</form>")[0])  # none before issue #15
    return action, found.group(1) if found else "0"


def test_two_agencies_override_5_5_the_second_is_refused_naming_the_first(five_five, client_for):
    w = five_five
    nv, tp = client_for(w.m_nv.user), client_for(w.m_tp.user)
    action_nv, loaded_nv = _quality_form(nv, w.m_nv, w.sub_a, w.node)
    action_tp, loaded_tp = _quality_form(tp, w.m_tp, w.sub_a, w.node)
    assert nv.post(action_nv, {"version": loaded_nv, "level": "tot", "reason": "Nội vụ: đạt"}).status_code == 302
    refused = tp.post(action_tp, {"version": loaded_tp, "level": "kem", "reason": "Tư pháp: chưa đạt"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "Mức chất lượng tiêu chí 5.5 vừa được Thành viên Sở Nội vụ lưu lúc" in html and "(mức Tốt)" in html
    assert 'value="Tư pháp: chưa đạt"' in html and '<option value="kem" selected>' in html  # kept as typed
    quality = QualityLevel.objects.get(submission=w.sub_a, node=w.node)
    assert (quality.level, quality.reason, quality.updated_by) == ("tot", "Nội vụ: đạt", w.m_nv.user)
    assert quality.version == 1 and quality.history.count() == 1
    # The refused page carries the stored version: a deliberate second save goes through.
    _, now_tp = _quality_form(tp, w.m_tp, w.sub_a, w.node)
    assert now_tp == "1"
    assert tp.post(action_tp, {"version": now_tp, "level": "kem", "reason": "Tư pháp: chưa đạt"}).status_code == 302
    assert QualityLevel.objects.get(submission=w.sub_a, node=w.node).level == "kem"


def test_a_removed_override_is_a_change_too(five_five, client_for):
    """Removing the override ("Theo điểm") deletes the row; a form loaded before is still refused, naming who
    removed it, and a form loaded after goes on from the removal's version."""
    w = five_five
    nv, tp = client_for(w.m_nv.user), client_for(w.m_tp.user)
    action_nv, _ = _quality_form(nv, w.m_nv, w.sub_a, w.node)
    assert nv.post(action_nv, {"version": "0", "level": "tot", "reason": "Nội vụ: đạt"}).status_code == 302
    action_tp, loaded_tp = _quality_form(tp, w.m_tp, w.sub_a, w.node)
    assert loaded_tp == "1"
    assert nv.post(action_nv, {"version": "1", "level": "", "reason": ""}).status_code == 302
    assert not QualityLevel.objects.filter(submission=w.sub_a, node=w.node).exists()
    refused = tp.post(action_tp, {"version": loaded_tp, "level": "kem", "reason": "Tư pháp: chưa đạt"})
    assert refused.status_code == 409
    assert "vừa được Thành viên Sở Nội vụ lưu lúc" in refused.content.decode()
    assert "bỏ mức đã điều chỉnh, theo điểm" in refused.content.decode()
    assert not QualityLevel.objects.filter(submission=w.sub_a, node=w.node).exists()
    _, fresh = _quality_form(tp, w.m_tp, w.sub_a, w.node)
    assert fresh == "2"
    assert tp.post(action_tp, {"version": fresh, "level": "kem", "reason": "Tư pháp: chưa đạt"}).status_code == 302
    assert QualityLevel.objects.get(submission=w.sub_a, node=w.node).version == 3


def _tally_form(client, url) -> dict:
    page = client.get(url).content.decode()
    fields = dict(re.findall(r'name="(n-[\d.]+-\d)" value="(\d+)"', page))
    fields.update(re.findall(r'name="(v-[\d.]+)" value="(\d+)"', page))
    return fields


def test_two_staff_enter_the_paper_tallies_the_second_is_refused_naming_the_first(world, client_for):
    colleague = UserFactory(username="snv.thuky", full_name="Thư ký Sở Nội vụ")
    Role.objects.create(user=colleague, kind=Role.SECRETARIAT, authority=world.authority)
    url = reverse("appraisal:tally", args=[world.period.pk, world.unit_a.pk])
    first, second = client_for(world.secretariat), client_for(colleague)
    mine, theirs = _tally_form(first, url), _tally_form(second, url)
    assert first.post(url, {**mine, "n-1.1-5": "7"}).status_code == 302
    refused = second.post(url, {**theirs, "n-1.1-4": "3", "n-1.2-5": "9"})
    assert refused.status_code == 409
    assert theirs["v-1.1"] == "0" and len([k for k in theirs if k.startswith("v-")]) == 5  # one per row
    html = refused.content.decode()
    assert "Số phiếu giấy tiêu chí 1.1 của Sở Xây dựng vừa được Secretariat lưu lúc" in html and "(7 phiếu)" in html
    assert 'name="n-1.1-4" value="3"' in html and 'name="n-1.2-5" value="9"' in html  # kept as typed
    # Nothing of the second form is written, on any row: the form is one transaction.
    assert {t.node.code: t.counts for t in PaperTally.objects.filter(unit=world.unit_a)}["1.1"] == {"5": 7}
    assert not PaperTally.objects.filter(unit=world.unit_a, counts__has_key="4").exists()
    assert not PaperTally.objects.filter(unit=world.unit_a, node__code="1.2", counts={"5": 9}).exists()
    assert PaperTally.objects.get(unit=world.unit_a, node__code="1.1").entered_by == world.secretariat
    # The refused page carries the stored versions: a deliberate re-save is accepted.
    again = _tally_form(second, url)
    assert again["v-1.1"] == "1"
    assert second.post(url, {**again, "n-1.1-4": "3"}).status_code == 302
    assert PaperTally.objects.get(unit=world.unit_a, node__code="1.1").counts == {"4": 3, "5": 7}
