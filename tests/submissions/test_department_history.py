"""Issue #13 leftovers: the history of a unit's departments (who changed a department's name, its members or the
sections assigned to it, and when), shown to the unit's approver; and every model added since is registered in
the admin, the stateful and guarded ones read-only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from config.admin_guard import ReadOnlyAdmin
from submissions import departments
from submissions.department_models import Department
from tests.factories import leaf

pytestmark = pytest.mark.django_db


def test_the_approver_sees_who_changed_departments_members_and_sections(world, client_for):
    client = client_for(world.approver_a)
    url = reverse("submissions:departments", args=[world.sub_a.pk])
    client.post(url, {"step": "departments", "new_code": "noi-vu", "new_name": "Phòng Nội vụ",
                      "members-new": [world.officer_a.pk]})
    nv = Department.objects.get(unit=world.unit_a, code="noi-vu")
    client.post(url, {"step": "departments", "new_code": "tu-phap", "new_name": "Phòng Tư pháp",
                      f"members-{nv.pk}": [world.officer_a.pk]})  # the form posts every department's members
    tp = Department.objects.get(unit=world.unit_a, code="tu-phap")
    section = leaf(world.sub_a, "II")
    client.post(url, {"step": "assign", f"node-{section.pk}": nv.pk})
    client.post(url, {"step": "assign", f"node-{section.pk}": tp.pk})
    client.post(url, {"step": "departments", f"name-{nv.pk}": "Phòng Nội vụ thành phố",
                      f"members-{nv.pk}": [], f"name-{tp.pk}": "Phòng Tư pháp", f"members-{tp.pk}": []})
    page = client.get(reverse("submissions:department_history", args=[world.sub_a.pk]))
    assert page.status_code == 200
    changes = [(c.by, c.what) for c in page.context["changes"]]
    approver = world.approver_a
    assert changes[:2] == [(approver, f"Bỏ {world.officer_a} khỏi Phòng Nội vụ thành phố."),
                           (approver, "Đổi tên phòng “Phòng Nội vụ” thành “Phòng Nội vụ thành phố”.")] or \
        changes[:2] == [(approver, "Đổi tên phòng “Phòng Nội vụ” thành “Phòng Nội vụ thành phố”."),
                        (approver, f"Bỏ {world.officer_a} khỏi Phòng Nội vụ thành phố.")]
    texts = [what for _, what in changes]
    title = f"II {section.title}"
    assert f"Chuyển {title} từ Phòng Nội vụ thành phố sang Phòng Tư pháp." in texts
    assert f"Giao {title} cho Phòng Nội vụ thành phố." in texts
    assert f"Thêm {world.officer_a} vào Phòng Nội vụ thành phố." in texts
    assert "Thêm phòng Phòng Nội vụ (mã noi-vu)." in texts and "Thêm phòng Phòng Tư pháp (mã tu-phap)." in texts
    assert all(by == approver for by, _ in changes) and len(changes) == 7
    html = page.content.decode()
    assert "Lịch sử thay đổi phòng" in html and str(approver) in html
    assert "Lịch sử thay đổi phòng" in client.get(url).content.decode()  # linked from the departments page


def test_a_removed_department_stays_in_the_history(world, client_for):
    nv = departments.department_create(unit=world.unit_a, code="noi-vu", name="Phòng Nội vụ")
    departments.department_members_set(department=nv, users=[world.officer_a])
    client = client_for(world.approver_a)
    client.post(reverse("submissions:departments", args=[world.sub_a.pk]),
                {"step": "departments", f"delete-{nv.pk}": "1"})
    assert not Department.objects.exists()
    texts = [c.what for c in client.get(reverse("submissions:department_history", args=[world.sub_a.pk]))
             .context["changes"]]
    assert "Xóa phòng Phòng Nội vụ." in texts and f"Bỏ {world.officer_a} khỏi Phòng Nội vụ." in texts


def test_only_the_approver_opens_the_history(world, client_for):
    url = reverse("submissions:department_history", args=[world.sub_a.pk])
    for actor, status in ((world.officer_a, 403), (world.secretariat, 403), (world.approver_b, 404),
                          (world.officer_b, 404), (world.outsider, 404), (world.approver_a, 200)):
        assert client_for(actor).get(url).status_code == status, actor
    assert Client().get(url).status_code == 302


NEW = [("submissions", m) for m in ("unitlineage", "endorsementminutes", "signedsummary", "assignment", "selfreport",
                                    "remindersent", "statechange", "department", "departmentmember",
                                    "departmentnode", "periodblock")] + \
      [("appraisal", m) for m in ("paperblock", "paperdossier", "appraisedresult", "deadlinereminder")] + \
      [("ranking", m) for m in ("unitfacts", "rankingversion", "headgrade", "reportjob", "lostpointsplan",
                                "lostpointnote")]


@pytest.mark.parametrize("app, model", NEW)
def test_the_models_added_since_are_in_the_admin_read_only(admin_client, app, model):
    registered = admin.site._registry[apps.get_model(app, model)]
    assert isinstance(registered, ReadOnlyAdmin)
    assert admin_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403


def test_every_model_of_the_four_stages_is_in_the_admin():
    missing = [m.__name__ for m in apps.get_models()
               if m._meta.app_label in ("criteria", "submissions", "appraisal", "ranking")
               and not m.__name__.startswith("Historical") and m not in admin.site._registry]
    assert missing == []


def test_a_department_cannot_be_changed_in_the_admin(admin_client, world):
    nv = departments.department_create(unit=world.unit_a, code="noi-vu", name="Phòng Nội vụ")
    url = reverse("admin:submissions_department_change", args=[nv.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"name": "Đổi", "code": "x", "unit": world.unit_a.pk}).status_code == 403
    assert Department.objects.get(pk=nv.pk).name == "Phòng Nội vụ"
    assert admin_client.get(reverse("admin:submissions_department_history", args=[nv.pk])).status_code == 200
