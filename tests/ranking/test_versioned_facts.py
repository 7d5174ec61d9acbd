"""A unit's ranking facts are shared by the secretariat's staff: two people who loaded the form and both save
never overwrite each other silently (issue #15 item 5, ``config.versioning``)."""

import re

import pytest
from django.urls import reverse

from ranking.models import UnitFacts
from submissions.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _loaded(client, url) -> dict:
    page = client.get(url).content.decode()
    found = re.search(r'name="version" value="(\d+)"', page)  # none before issue #15: the save was unchecked
    return {"version": found.group(1) if found else "0", "discipline": "none",
            "corruption": "none", "subunits_disciplined_share": "0", "evidence": ""}


def test_two_staff_save_the_facts_the_second_is_refused_naming_the_first(world, client_for):
    colleague = UserFactory(username="snv.chuyenvien", full_name="Chuyên viên Sở Nội vụ")
    Role.objects.create(user=colleague, kind=Role.SECRETARIAT, authority=world.authority)
    url = reverse("ranking:facts", args=[world.period.pk, world.unit_a.pk])
    first, second = client_for(world.secretariat), client_for(colleague)
    mine, theirs = _loaded(first, url), _loaded(second, url)
    saved = first.post(url, {**mine, "outstanding": "on", "evidence": "Tờ trình 15/TTr-HĐTĐ"})
    assert saved.status_code == 302
    refused = second.post(url, {**theirs, "discipline": "unremedied", "evidence": "Quyết định kỷ luật 9/QĐ-UBND"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert f"Thông tin xếp loại của {world.unit_a} vừa được Secretariat lưu lúc" in html
    assert '<option value="unremedied" selected>' in html and "Quyết định kỷ luật 9/QĐ-UBND</textarea>" in html
    facts = UnitFacts.objects.get(period=world.period, unit=world.unit_a)
    assert (facts.outstanding, facts.discipline, facts.evidence) == (True, "none", "Tờ trình 15/TTr-HĐTĐ")
    assert facts.version == 1 and facts.updated_by == world.secretariat
    assert not facts.history.filter(discipline="unremedied").exists()
    # The refused page carries the stored version: a deliberate re-save is accepted and recorded as theirs.
    assert 'name="version" value="1"' in html
    again = second.post(url, {**theirs, "version": "1", "discipline": "unremedied",
                              "evidence": "Quyết định kỷ luật 9/QĐ-UBND"})
    assert again.status_code == 302
    facts.refresh_from_db()
    assert facts.discipline == "unremedied" and facts.version == 2
    assert facts.history.first().history_user == colleague
