"""Permission matrix: nobody outside unit A reads or changes anything of unit A; roles inside are kept apart."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from submissions import services
from submissions.models import Entry, Evidence, Submission, Window
from tests.factories import leaf
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world):
    node = leaf(world.sub_a, "2.1")
    services.entry_save(submission=world.sub_a, node=node, actor=world.officer_a, version=0, value="2",
                        explanation="Tại Mục 1 Báo cáo 5/BC-SXD")
    evidence, _ = services.evidence_add(
        submission=world.sub_a, node=node, actor=world.officer_a,
        upload=services.Upload("bao-cao.pdf", tiny_pdf()), doc_number="5/BC-SXD", doc_date=date(2024, 11, 1),
        issuer="Sở Xây dựng")
    world.node, world.evidence = node, evidence
    return world


def unit_a_requests(w):
    pk, node = w.sub_a.pk, w.node.pk
    return [
        ("get", reverse("submissions:score_page", args=[pk]), {}),
        ("get", reverse("submissions:history", args=[pk, node]), {}),
        ("get", reverse("submissions:review", args=[pk]), {}),
        ("get", reverse("submissions:print_pdf", args=[pk]), {}),
        ("get", reverse("submissions:summary_xlsx", args=[pk]), {}),
        ("get", reverse("submissions:assignments", args=[pk]), {}),
        ("get", reverse("submissions:evidence_download", args=[w.evidence.pk]), {}),
        ("post", reverse("submissions:entry_save", args=[pk, node]), {"version": "1", "value": "3"}),
        ("post", reverse("submissions:evidence_upload", args=[pk, node]), {}),
        ("post", reverse("submissions:evidence_remove", args=[w.evidence.pk]), {}),
        ("post", reverse("submissions:review", args=[pk]), {"proposed_grade": "HTTNV"}),
        ("post", reverse("submissions:assignments", args=[pk]), {"node": node, "users": [w.officer_a.pk]}),
    ]


def state(w):
    return (
        list(Entry.objects.order_by("pk").values_list("points", "explanation", "version")),
        list(Evidence.objects.order_by("pk").values_list("removed_at", flat=True)),
        list(Submission.objects.order_by("pk").values_list("status", flat=True)),
        Evidence.objects.count(),
    )


@pytest.mark.parametrize("actor", ["officer_b", "approver_b", "outsider", "anonymous"])
def test_outsiders_of_unit_a_can_neither_read_nor_change_anything(seeded, actor):
    client = Client()
    if actor != "anonymous":
        client.force_login(getattr(seeded, actor))
    before = state(seeded)
    for method, url, data in unit_a_requests(seeded):
        response = getattr(client, method)(url, data)
        if actor == "anonymous":
            assert response.status_code == 302 and "/dang-nhap/" in response.url, url
        else:
            assert response.status_code == 404, (url, response.status_code)
    assert state(seeded) == before


def test_secretariat_reads_but_never_writes_a_units_sheet(seeded, client_for):
    client = client_for(seeded.secretariat)
    before = state(seeded)
    for method, url, data in unit_a_requests(seeded):
        response = getattr(client, method)(url, data)
        if method == "get":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, url
    assert state(seeded) == before


def test_officer_writes_but_does_not_send_or_assign(seeded, client_for):
    client = client_for(seeded.officer_a)
    assert client.post(reverse("submissions:review", args=[seeded.sub_a.pk]),
                       {"proposed_grade": "HTTNV"}).status_code == 403
    assert client.post(reverse("submissions:assignments", args=[seeded.sub_a.pk]),
                       {"node": seeded.node.pk, "users": [seeded.officer_a.pk]}).status_code == 403
    response = client.post(reverse("submissions:entry_save", args=[seeded.sub_a.pk, seeded.node.pk]),
                           {"version": "1", "value": "3"})
    assert response.status_code == 302
    assert Entry.objects.get(submission=seeded.sub_a, node=seeded.node).points == 3


def test_evidence_download_is_an_attachment_never_sniffed(seeded, client_for):
    response = client_for(seeded.approver_a).get(reverse("submissions:evidence_download", args=[seeded.evidence.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "bao-cao.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_evidence_is_stored_under_a_random_name_outside_static(seeded, settings):
    name = seeded.evidence.file.name
    assert "bao-cao" not in name and name.startswith("evidence/") and name.endswith(".pdf")
    assert str(settings.MEDIA_ROOT) not in str(settings.STATICFILES_DIRS)


SECRETARIAT_URLS = [
    ("get", "submissions:period_list", False), ("get", "submissions:period_create", False),
    ("get", "submissions:unit_list", False), ("get", "submissions:period_detail", "period"),
    ("get", "submissions:period_edit", "period"), ("get", "submissions:staff_import", "unit"),
    ("get", "submissions:window_open", "submission"),
    ("post", "submissions:window_open", "submission"), ("post", "submissions:staff_import", "unit"),
    ("post", "submissions:unit_list", False), ("post", "submissions:period_create", False),
]


def _secretariat_url(w, name, arg):
    args = {"period": [w.period.pk], "unit": [w.unit_a.pk], "submission": [w.sub_a.pk], False: []}[arg]
    return reverse(name, args=args)


@pytest.mark.parametrize("actor", ["officer_a", "approver_a", "outsider"])
def test_secretariat_pages_refuse_unit_staff_and_outsiders(world, client_for, actor):
    client = client_for(getattr(world, actor))
    windows = Window.objects.count()
    for method, name, arg in SECRETARIAT_URLS:
        response = getattr(client, method)(_secretariat_url(world, name, arg), {})
        assert response.status_code == 403, (name, response.status_code)
    assert Window.objects.count() == windows


def test_secretariat_of_another_authority_is_refused(world, client_for):
    from criteria.models import Authority
    from submissions.models import Role
    from tests.factories import UserFactory

    other = Authority.objects.create(code="huyen-khac", name="UBND huyện Khác", level="huyen")
    stranger = UserFactory(username="pnv.khac")
    Role.objects.create(user=stranger, kind=Role.SECRETARIAT, authority=other)
    client = client_for(stranger)
    for method, name, arg in SECRETARIAT_URLS:
        if arg:
            assert getattr(client, method)(_secretariat_url(world, name, arg), {}).status_code in (403, 404), name
    assert client.get(reverse("submissions:score_page", args=[world.sub_a.pk])).status_code == 404


def test_secretariat_pages_work_for_the_secretariat(world, client_for):
    client = client_for(world.secretariat)
    for method, name, arg in SECRETARIAT_URLS:
        if method == "get":
            assert client.get(_secretariat_url(world, name, arg)).status_code == 200, name
