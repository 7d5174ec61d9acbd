"""Backup and restore: a full round trip (scores, history, evidence and their files), and the refusals
(a database that already holds data, a tampered file, another migration state) that write nothing.

Transactional tests: ``flush`` and ``restore`` manage transactions themselves. The flush also removes
the frameworks that conftest loads once per session, so each test loads them again.
"""

import hashlib
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from criteria.models import Authority, Framework, Node
from submissions import services
from submissions.backup import MANIFEST_NAME, backup_restore, backup_write
from submissions.models import Entry, Evidence, Role, Submission, User, Window
from tests.factories import leaf, make_world
from tests.submissions.helpers import docx_bytes, tiny_pdf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def filled(media):
    """A world with several versions of some entries, evidence files (one withdrawn), a window,
    an account with a group and a permission, and an admin log line."""
    call_command("load_frameworks", verbosity=0)
    world = make_world()
    sub, officer = world.sub_a, world.officer_a

    def save(code, **kwargs):
        node = leaf(sub, code)
        entry = Entry.objects.filter(submission=sub, node=node).first()
        return services.entry_save(submission=sub, node=node, actor=officer, version=entry.version if entry else 0,
                                   **kwargs)

    for value in ("1", "1,5", "2.25"):
        save("2.1", value=value)
    save("2.1", explanation="Tại Mục 1 Báo cáo 5/BC-SXD ngày 01/11/2024")
    save("2.2", value="1", explanation="Đã ban hành")
    services.entry_save(submission=world.sub_b, node=leaf(world.sub_b, "2.1"), actor=world.officer_b, version=0,
                        value="0,5")
    first, _ = services.evidence_add(submission=sub, node=leaf(sub, "2.1"), actor=officer,
                                     upload=services.Upload("Báo cáo.pdf", tiny_pdf()), doc_number="5/BC-SXD",
                                     doc_date=date(2024, 11, 1), issuer="Sở Xây dựng")
    services.evidence_add(submission=sub, node=leaf(sub, "2.2"), actor=officer,
                          upload=services.Upload("bảng.docx", docx_bytes()), doc_number="12/2024/QĐ-UBND",
                          doc_date=date(2024, 10, 3), issuer="UBND tỉnh")
    services.evidence_remove(evidence=first, actor=officer)
    services.evidence_add(submission=sub, node=leaf(sub, "2.1"), actor=officer,
                          upload=services.Upload("Báo cáo (sửa).pdf", tiny_pdf() + b"\n% sua\n"),
                          doc_number="6/BC-SXD", doc_date=date(2024, 11, 2), issuer="Sở Xây dựng")
    window = Window.objects.create(submission=sub, closes_at=timezone.now() + timedelta(days=3),
                                   message="Bổ sung", created_by=world.secretariat)
    window.nodes.set([leaf(sub, "2.1"), leaf(sub, "2.2")])
    group = Group.objects.create(name="Thư ký")
    group.permissions.add(Permission.objects.get(codename="view_entry"))
    world.secretariat.groups.add(group)
    world.secretariat.user_permissions.add(Permission.objects.get(codename="change_window"))
    LogEntry.objects.create(user=world.secretariat, content_type=ContentType.objects.get_for_model(Window),
                            object_id=str(window.pk), object_repr=str(window)[:200], action_flag=ADDITION)
    return world


def stored_sha256() -> dict[str, str]:
    return {e.file.name: hashlib.sha256(default_storage.open(e.file.name).read()).hexdigest()
            for e in Evidence.objects.all()}


def snapshot() -> dict:
    """Everything a restore must bring back, field by field."""
    def rows(queryset, order="pk"):
        return list(queryset.order_by(order).values())

    return {
        "entries": rows(Entry.objects),
        "entry_history": rows(Entry.history, "history_id"),
        "evidence": rows(Evidence.objects),
        "evidence_history": rows(Evidence.history, "history_id"),
        "users": rows(User.objects),
        "roles": rows(Role.objects),
        "submissions": rows(Submission.objects),
        "frameworks": rows(Framework.objects),
        "nodes": rows(Node.objects),
        "authorities": rows(Authority.objects),
        "windows": [(w.pk, sorted(w.nodes.values_list("pk", flat=True))) for w in Window.objects.order_by("pk")],
        "groups": [(g.name, sorted(g.permissions.values_list("codename", flat=True))) for g in Group.objects.all()],
        "user_groups": sorted(User.groups.through.objects.values_list("user_id", "group__name")),
        "user_perms": sorted(User.user_permissions.through.objects.values_list("user_id", "permission__codename")),
        "log": list(LogEntry.objects.values_list("user_id", "content_type__app_label", "content_type__model",
                                                 "object_id", "action_flag", "action_time")),
        "files": stored_sha256(),
    }


def empty_everything(media: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    shutil.rmtree(media, ignore_errors=True)
    assert not User.objects.exists() and not Framework.objects.exists()


def test_backup_then_restore_into_an_empty_database_gives_everything_back(filled, media, tmp_path):
    assert Entry.history.count() >= 6 and Evidence.history.count() >= 4  # several versions were kept
    before = snapshot()
    assert len(before["files"]) == 3
    out = tmp_path / "sao-luu"

    call_command("backup", "--out", str(out), verbosity=0)

    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert {f["name"] for f in manifest["files"]} == set(before["files"])
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == before["files"]
    for record in manifest["files"]:
        assert (out / "media" / record["name"]).stat().st_size == record["size"]
    assert manifest["database"]["sha256"] == hashlib.sha256((out / "db.jsonl.gz").read_bytes()).hexdigest()
    assert manifest["migrations"]["submissions"] and manifest["django_version"] and manifest["created_at"]
    assert manifest["objects"]["submissions.HistoricalEntry"] == len(before["entry_history"])

    empty_everything(media)
    call_command("restore", str(out), verbosity=0)

    after = snapshot()
    for key in before:
        assert after[key] == before[key], key

    # Sequences follow the restored ids (PostgreSQL): new rows and new history rows can be written.
    world_sub = Submission.objects.get(pk=filled.sub_a.pk)
    officer = User.objects.get(pk=filled.officer_a.pk)
    entry = services.entry_save(submission=world_sub, node=leaf(world_sub, "2.3"), actor=officer, version=0,
                                value="1")
    assert entry.pk > max(e["id"] for e in before["entries"])
    evidence, _ = services.evidence_add(submission=world_sub, node=leaf(world_sub, "2.3"), actor=officer,
                                        upload=services.Upload("mới.pdf", tiny_pdf()), doc_number="7/BC-SXD",
                                        doc_date=date(2024, 11, 3), issuer="Sở Xây dựng")
    assert evidence.pk > max(e["id"] for e in before["evidence"])
    assert Entry.history.count() == len(before["entry_history"]) + 1  # created with its score: one row


def test_restore_refuses_a_database_that_already_holds_data(filled, media, tmp_path):
    out = tmp_path / "sao-luu"
    backup_write(out)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        backup_restore(out)
    assert "đã có dữ liệu" in " ".join(refused.value.messages)
    assert snapshot() == before

    with pytest.raises(CommandError, match="cơ sở dữ liệu trống"):
        call_command("restore", str(out), verbosity=0)


def test_restore_refuses_a_tampered_file_and_writes_nothing(filled, media, tmp_path):
    out = tmp_path / "sao-luu"
    manifest = backup_write(out)
    tampered = manifest.files[1].name
    with open(out / "media" / tampered, "ab") as fh:
        fh.write(b"x")
    empty_everything(media)

    with pytest.raises(ValidationError) as refused:
        backup_restore(out)
    messages = refused.value.messages
    assert any(tampered in m and "SHA-256" in m for m in messages)
    assert sum(tampered in m for m in messages) == 1  # only the tampered file is named
    assert not User.objects.exists() and not Framework.objects.exists() and not Entry.history.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_restore_refuses_a_tampered_database_dump(filled, media, tmp_path):
    out = tmp_path / "sao-luu"
    backup_write(out)
    dump = out / "db.jsonl.gz"
    dump.write_bytes(dump.read_bytes()[:-8] + b"\0" * 8)
    empty_everything(media)
    with pytest.raises(CommandError, match="db.jsonl.gz"):
        call_command("restore", str(out), verbosity=0)
    assert not User.objects.exists()


def test_restore_refuses_another_migration_state(filled, media, tmp_path):
    out = tmp_path / "sao-luu"
    backup_write(out)
    path = out / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data["migrations"]["submissions"] = "9999_from_the_future"
    path.write_text(json.dumps(data), encoding="utf-8")
    empty_everything(media)
    with pytest.raises(ValidationError) as refused:
        backup_restore(out)
    assert any("9999_from_the_future" in m for m in refused.value.messages)
    assert not User.objects.exists()


def test_restore_refuses_a_manifest_naming_a_file_outside_the_backup(filled, media, tmp_path):
    out = tmp_path / "sao-luu"
    backup_write(out)
    path = out / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data["files"][0]["name"] = "../../etc/passwd"
    path.write_text(json.dumps(data), encoding="utf-8")
    empty_everything(media)
    with pytest.raises(ValidationError, match="không hợp lệ"):
        backup_restore(out)
    assert not User.objects.exists()


def test_backup_refuses_a_directory_that_is_not_empty_and_restore_one_without_manifest(db, tmp_path):
    out = tmp_path / "co-san"
    out.mkdir()
    (out / "ghi-chu.txt").write_text("x")
    with pytest.raises(CommandError, match="đã có nội dung"):
        call_command("backup", "--out", str(out), verbosity=0)
    with pytest.raises(CommandError, match="manifest.json"):
        call_command("restore", str(out), verbosity=0)
