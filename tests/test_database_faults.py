"""A service that writes several rows leaves nothing half-written when the database connection dies in
the middle (PostgreSQL: the backend is terminated mid-transaction), and the next request works."""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, InterfaceError, connection
from openpyxl import Workbook

pytestmark = pytest.mark.django_db(transaction=True)


def staff_file(rows: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["TT", "Họ và tên", "Chức vụ", "Email", "Quyền"])
    for i in range(rows):
        ws.append([i + 1, f"Cán bộ {i}", "Chuyên viên", f"canbo{i}@sxd.gov.vn", "Cập nhật báo cáo"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _terminate_own_backend() -> None:
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"] or None, port=settings["PORT"] or None, user=settings["USER"],
                         password=settings["PASSWORD"] or None, dbname=settings["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_connection_dying_mid_import_leaves_nothing_half_written(monkeypatch, client):
    if connection.vendor != "postgresql":
        pytest.skip("terminating a backend needs PostgreSQL (CI runs this on its PostgreSQL pass)")
    call_command("load_frameworks", verbosity=0)
    from submissions import services
    from submissions.models import Role, User
    from tests.factories import make_world

    world = make_world()
    users_before, roles_before = User.objects.count(), Role.objects.count()
    calls = {"n": 0}
    original = Role.objects.get_or_create

    def dying_get_or_create(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # two accounts and roles written already, in this transaction
            _terminate_own_backend()
        return original(*args, **kwargs)

    monkeypatch.setattr(Role.objects, "get_or_create", dying_get_or_create)
    with pytest.raises((DatabaseError, InterfaceError)):
        services.staff_import(unit=world.unit_a, data=staff_file(5), actor=world.secretariat)
    monkeypatch.undo()
    connection.close()  # what Django does at the end of a request whose connection broke
    assert User.objects.count() == users_before and Role.objects.count() == roles_before
    # The next request works.
    client.force_login(world.officer_a)
    assert client.get(f"/don-vi/bao-cao/{world.sub_a.pk}/").status_code == 200
