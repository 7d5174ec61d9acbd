"""Issue #10, part 3: while the council is set up, its page shows each appraising agency of the period's
frameworks that has no member, and the secretariat picks agencies from the frameworks' list."""

import pytest
from django.urls import reverse

from appraisal.models import CouncilMember
from tests.factories import UserFactory, make_world

pytestmark = pytest.mark.django_db


def test_agencies_without_a_member_are_listed_and_picked_from_the_frameworks(client_for):
    w = make_world()
    user = UserFactory(username="stc.thamdinh")
    client = client_for(w.secretariat)
    url = reverse("appraisal:council", args=[w.period.pk])
    page = client.get(url).content.decode()
    assert "Cơ quan thẩm định “Sở Tài chính” chưa có thành viên" in page
    assert '<option value="Sở Tài chính">Sở Tài chính</option>' in page  # a choice, not typed
    response = client.post(url, {"user": user.pk, "role": "member", "agency": "Sở Tài chính"})
    assert response.status_code == 302
    assert CouncilMember.objects.get(user=user).agency == "Sở Tài chính"
    assert "Cơ quan thẩm định “Sở Tài chính” chưa có thành viên" not in client.get(url).content.decode()


def test_picking_and_typing_an_agency_at_once_is_refused_keeping_both(client_for):
    w = make_world()
    user = UserFactory(username="tv")
    response = client_for(w.secretariat).post(reverse("appraisal:council", args=[w.period.pk]), {
        "user": user.pk, "role": "member", "agency": "Sở Tài chính", "agency_other": "Sở Công Thương"})
    body = response.content.decode()
    assert response.status_code == 200 and "không cả hai" in body
    assert 'value="Sở Công Thương"' in body and '<option value="Sở Tài chính" selected>' in body
    assert not CouncilMember.objects.exists()


def test_an_agency_outside_the_frameworks_may_be_typed(client_for):
    w = make_world()
    user = UserFactory(username="tv")
    client_for(w.secretariat).post(reverse("appraisal:council", args=[w.period.pk]), {
        "user": user.pk, "role": "working_group", "agency_other": "Sở Công Thương"})
    assert CouncilMember.objects.get(user=user).agency == "Sở Công Thương"
