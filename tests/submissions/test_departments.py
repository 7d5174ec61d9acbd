"""Departments share a unit's criteria (issue #13 item 3; seed 004 §1.1): a section assigned to a department
covers its leaves; with the period's ``departments_required`` on, an officer changes only their department's
criteria (score, explanation, evidence), the approver every one; the review page shows progress per
department; the approver alone manages departments; a save costs no query more when the setting is off and at
most one when on."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from submissions import departments, services
from submissions.department_models import Department, DepartmentMember, DepartmentNode
from submissions.models import Entry, Role, Submission
from submissions.selectors import submission_sheet
from tests.factories import UserFactory, leaf
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def depts(world):
    """Phòng Nội vụ owns section II, Phòng Tư pháp section III and, inside II, criterion 2.2. officer_a is of Nội
    vụ; a second officer of the unit is of Tư pháp."""
    world.officer_tp = UserFactory(username="officer.tp", full_name="Officer Tu Phap")
    Role.objects.create(user=world.officer_tp, kind=Role.OFFICER, unit=world.unit_a)
    world.nv = departments.department_create(unit=world.unit_a, code="noi-vu", name="Phòng Nội vụ")
    world.tp = departments.department_create(unit=world.unit_a, code="tu-phap", name="Phòng Tư pháp")
    departments.department_members_set(department=world.nv, users=[world.officer_a])
    departments.department_members_set(department=world.tp, users=[world.officer_tp])
    node = {code: leaf(world.sub_a, code) for code in ("II", "III", "2.2")}
    departments.department_nodes_set(submission=world.sub_a, assigned={
        node["II"].pk: world.nv.pk, node["III"].pk: world.tp.pk, node["2.2"].pk: world.tp.pk})
    return world


def _require(world, on=True):
    world.period.settings = {**world.period.settings, "departments_required": on}
    world.period.save()
    world.sub_a = Submission.objects.select_related("period", "framework", "unit").get(pk=world.sub_a.pk)


def _explain(world, actor, code, text="Theo Mục 1 Báo cáo"):
    node = leaf(world.sub_a, code)
    entry = Entry.objects.filter(submission=world.sub_a, node=node).first()
    return services.entry_save(submission=world.sub_a, node=node, actor=actor, version=entry.version if entry else 0,
                               explanation=text)


# --------------------------------------------------------------------------- pure rules


def test_the_nearest_assigned_node_owns_a_leaf():
    parents = {1: None, 2: 1, 3: 2, 4: 2, 5: 1}
    assert departments.chain(3, parents) == [3, 2, 1]
    assert departments.owner(3, parents, {2: 10}) == 10  # the section covers the leaf
    assert departments.owner(4, parents, {2: 10, 4: 20}) == 20  # a leaf assigned itself overrides its section
    assert departments.owner(5, parents, {2: 10}) is None
    rows = departments.progress([(3, True, False), (4, True, True), (5, False, False)], parents, {2: 10, 4: 20},
                                {10: "Phòng A", 20: "Phòng B", 30: "Phòng C"})
    assert [(r.name, r.scored, r.with_evidence, r.total) for r in rows] == [
        ("Phòng A", 1, 0, 1), ("Phòng B", 1, 1, 1), ("Phòng C", 0, 0, 0), ("Chưa giao cho phòng nào", 0, 0, 1)]


def test_an_assigned_section_covers_every_leaf_below_it(depts):
    world = depts
    sheet_parents = {n.pk: n.parent_id for n in world.sub_a.framework.nodes.all()}
    assigned = departments.submission_assignments(world.sub_a)
    for code, owner in (("2.1", world.nv), ("2.3", world.nv), ("2.4", world.nv), ("2.2", world.tp),
                        ("3.1", world.tp), ("3.10", world.tp)):
        assert departments.owner(leaf(world.sub_a, code).pk, sheet_parents, assigned) == owner.pk, code
    assert departments.owner(leaf(world.sub_a, "1.1").pk, sheet_parents, assigned) is None


# --------------------------------------------------------------------------- the rule on the save path


def test_an_officer_is_refused_on_another_departments_criterion_when_required(depts):
    world = depts
    _require(world)
    _explain(world, world.officer_a, "2.1")  # Nội vụ's own
    with pytest.raises(ValidationError) as refused:
        _explain(world, world.officer_a, "2.2")
    assert "Tiêu chí 2.2 được giao cho Phòng Tư pháp" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        _explain(world, world.officer_a, "1.1")
    assert "chưa giao cho phòng nào" in refused.value.messages[0]
    _explain(world, world.officer_tp, "2.2")
    with pytest.raises(ValidationError, match="Phòng Nội vụ"):
        _explain(world, world.officer_tp, "2.1")
    assert not Entry.objects.filter(submission=world.sub_a, node__code__in=["1.1"]).exclude(explanation="").exists()


def test_the_same_officer_edits_every_criterion_when_not_required(depts):
    world = depts
    _require(world, on=False)
    for code in ("2.1", "2.2", "1.1", "3.1"):
        assert _explain(world, world.officer_a, code).explanation


def test_the_approver_edits_every_criterion_when_required(depts):
    world = depts
    _require(world)
    for code in ("2.1", "2.2", "1.1", "3.1"):
        assert _explain(world, world.approver_a, code).explanation


def test_the_score_form_shows_the_refusal_naming_the_department(depts, client_for):
    world = depts
    _require(world)
    node = leaf(world.sub_a, "2.2")
    url = reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk])
    response = client_for(world.officer_a).post(url, {"version": 0, "value": "1", "explanation": ""},
                                                HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "được giao cho Phòng Tư pháp" in response.content.decode()
    assert not Entry.objects.filter(submission=world.sub_a, node=node, points__isnull=False).exists()
    response = client_for(world.approver_a).post(url, {"version": 0, "value": "1", "explanation": ""},
                                                 HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Entry.objects.get(submission=world.sub_a, node=node).points is not None


def _upload(client, world, code, number):
    node = leaf(world.sub_a, code)
    return client.post(reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk]), {
        "file": _file(number), "doc_number": f"{number}/BC-SXD", "doc_date": world.period.opens_at.date().isoformat(),
        "issuer": "Sở Xây dựng"}, HTTP_HX_REQUEST="true")


def _file(number):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"bc-{number}.pdf", tiny_pdf(), content_type="application/pdf")


def test_evidence_upload_and_removal_obey_the_same_rule(depts, client_for):
    world = depts
    _require(world)
    officer = client_for(world.officer_a)
    refused = _upload(officer, world, "3.1", 11)
    assert refused.status_code == 400 and "được giao cho Phòng Tư pháp" in refused.content.decode()
    assert _upload(officer, world, "2.1", 12).status_code == 200
    assert _upload(client_for(world.approver_a), world, "3.1", 13).status_code == 200
    evidence = Entry.objects.get(submission=world.sub_a, node__code="3.1").evidence.get()
    removal = officer.post(reverse("submissions:evidence_remove", args=[evidence.pk]), HTTP_HX_REQUEST="true")
    assert removal.status_code == 400 and "Phòng Tư pháp" in removal.content.decode()
    evidence.refresh_from_db()
    assert evidence.removed_at is None
    _require(world, on=False)
    assert _upload(officer, world, "3.1", 14).status_code == 200


# --------------------------------------------------------------------------- the review page


def test_the_review_page_shows_progress_per_department(depts, client_for):
    world = depts
    for code in ("2.1", "2.2"):
        services.entry_save(submission=world.sub_a, node=leaf(world.sub_a, code), actor=world.approver_a, version=0,
                            value="1", explanation="")
    services.evidence_add(submission=world.sub_a, node=leaf(world.sub_a, "2.1"), actor=world.approver_a,
                          upload=services.Upload(name="bc.pdf", data=tiny_pdf()), doc_number="5/BC-SXD",
                          doc_date=world.period.opens_at.date(), issuer="Sở Xây dựng")
    rows = {r.name: (r.scored, r.with_evidence, r.total)
            for r in departments.sheet_progress(world.sub_a, submission_sheet(world.sub_a))}
    assert rows["Phòng Nội vụ"] == (1, 1, 3)  # 2.1, 2.3, 2.4
    assert rows["Phòng Tư pháp"] == (1, 0, 11)  # 2.2 and the ten of section III
    assert rows["Chưa giao cho phòng nào"][0] == 0
    html = client_for(world.officer_a).get(reverse("submissions:review", args=[world.sub_a.pk])).content.decode()
    assert "Tiến độ theo phòng" in html and "<td>Phòng Nội vụ</td><td class=\"text-end\">1/3</td>" in html
    # a unit without departments shows nothing
    html = client_for(world.officer_b).get(reverse("submissions:review", args=[world.sub_b.pk])).content.decode()
    assert "Tiến độ theo phòng" not in html


# --------------------------------------------------------------------------- the query budget of a save


def _save_queries(client, world, code, value):
    node = leaf(world.sub_a, code)
    entry = Entry.objects.filter(submission=world.sub_a, node=node).first()
    url = reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"version": entry.version if entry else 0, "value": value, "explanation": "Mục 1"},
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()[:500]
    return len(queries)


def test_a_save_costs_nothing_more_when_off_and_at_most_one_query_when_on(world, client_for):
    client = client_for(world.officer_a)
    _save_queries(client, world, "2.1", "1")  # the entry exists from here on
    baseline = _save_queries(client, world, "2.1", "0,5")  # no department at all
    nv = departments.department_create(unit=world.unit_a, code="noi-vu", name="Phòng Nội vụ")
    departments.department_members_set(department=nv, users=[world.officer_a])
    departments.department_nodes_set(submission=world.sub_a, assigned={leaf(world.sub_a, "II").pk: nv.pk})
    off = _save_queries(client, world, "2.1", "1")
    _require(world)
    on = _save_queries(client, world, "2.1", "0,5")
    assert off == baseline, (off, baseline)
    assert on <= baseline + 1, (on, baseline)
    print("queries of a save: no departments", baseline, "setting off", off, "setting on", on)


# --------------------------------------------------------------------------- the approver's page


def test_only_the_approver_opens_and_posts_the_departments_page(depts, client_for):
    world = depts
    url = reverse("submissions:departments", args=[world.sub_a.pk])
    for actor, status in ((world.officer_a, 403), (world.officer_tp, 403), (world.secretariat, 403),
                          (world.approver_b, 404), (world.officer_b, 404), (world.outsider, 404)):
        client = client_for(actor)
        assert client.get(url).status_code == status, actor
        assert client.post(url, {"step": "departments", "new_code": "x", "new_name": "Phòng X"}).status_code == status
        assert client.post(url, {"step": "assign", f"node-{leaf(world.sub_a, '1.1').pk}": world.nv.pk}
                           ).status_code == status
    assert not Department.objects.filter(code="x").exists()
    assert not DepartmentNode.objects.filter(node__code="1.1").exists()
    page = client_for(world.approver_a).get(url)
    assert page.status_code == 200
    assert "Phòng Tư pháp" in page.content.decode() and "chưa giao cho phòng nào" in page.content.decode()
    anonymous = Client().get(url)
    assert anonymous.status_code == 302


def test_the_approver_manages_departments_members_and_sections_in_one_page(depts, client_for):
    world = depts
    client = client_for(world.approver_a)
    url = reverse("submissions:departments", args=[world.sub_a.pk])
    response = client.post(url, {
        "step": "departments", f"name-{world.nv.pk}": "Phòng Nội vụ thành phố",
        f"members-{world.nv.pk}": [world.officer_a.pk, world.approver_a.pk], f"members-{world.tp.pk}": [],
        "new_code": "tc-kh", "new_name": "Phòng Tài chính - Kế hoạch", "members-new": [world.officer_tp.pk],
        "members-evil": [world.officer_b.pk]}, follow=True)
    assert "Đã lưu danh sách phòng" in response.content.decode()
    world.nv.refresh_from_db()
    tckh = Department.objects.get(unit=world.unit_a, code="tc-kh")
    assert world.nv.name == "Phòng Nội vụ thành phố"
    assert set(DepartmentMember.objects.filter(department=world.nv).values_list("user_id", flat=True)) == {
        world.officer_a.pk, world.approver_a.pk}
    assert list(DepartmentMember.objects.filter(department=tckh).values_list("user_id", flat=True)) == [
        world.officer_tp.pk]
    assert not DepartmentMember.objects.filter(department=world.tp).exists()
    # one form assigns several sections at once; "" takes an assignment away
    ids = {code: leaf(world.sub_a, code).pk for code in ("I", "IV", "V", "2.2")}
    response = client.post(url, {"step": "assign", f"node-{ids['I']}": world.nv.pk, f"node-{ids['IV']}": tckh.pk,
                                 f"node-{ids['V']}": tckh.pk, f"node-{ids['2.2']}": ""}, follow=True)
    assert "Đã lưu việc giao tiêu chí cho phòng (4 thay đổi)" in response.content.decode()
    assigned = departments.submission_assignments(world.sub_a)
    assert assigned[ids["I"]] == world.nv.pk and assigned[ids["IV"]] == assigned[ids["V"]] == tckh.pk
    assert ids["2.2"] not in assigned
    # a department of another unit is refused, nothing changes
    other = departments.department_create(unit=world.unit_b, code="noi-vu", name="Phòng Nội vụ Sở Y tế")
    response = client.post(url, {"step": "assign", f"node-{ids['I']}": other.pk}, follow=True)
    assert "Phòng không thuộc đơn vị của báo cáo" in response.content.decode()
    assert departments.submission_assignments(world.sub_a)[ids["I"]] == world.nv.pk
    # a wrong code is refused with a Vietnamese message
    response = client.post(url, {"step": "departments", "new_code": "Nội vụ", "new_name": "Phòng"}, follow=True)
    assert "Mã phòng “nội vụ” không hợp lệ" in response.content.decode()


def test_assignments_are_frozen_once_the_sheet_is_sent(depts):
    world = depts
    Submission.objects.filter(pk=world.sub_a.pk).update(status=Submission.SENT)
    with pytest.raises(ValidationError, match="đã gửi hoặc đã khóa"):
        departments.department_nodes_set(submission=world.sub_a, assigned={leaf(world.sub_a, "I").pk: world.nv.pk})
    with pytest.raises(ValidationError, match="Không xóa được Phòng Nội vụ"):
        departments.department_delete(department=world.nv)


def test_members_are_the_units_own_staff(depts):
    with pytest.raises(ValidationError, match="không phải cán bộ của Sở Xây dựng"):
        departments.department_members_set(department=depts.nv, users=[depts.officer_b])


def test_the_setting_is_on_the_period_form_off_by_default(world, client_for):
    assert world.period.setting("departments_required") is False
    page = client_for(world.secretariat).get(reverse("submissions:period_edit", args=[world.period.pk]))
    assert "departments_required" in page.context["form"].fields
    assert "Phân công cho phòng là bắt buộc" in page.content.decode()
