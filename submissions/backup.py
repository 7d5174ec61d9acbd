"""Backup and restore of the whole installation: the database and every evidence file, with a manifest
of SHA-256 sums. Used by ``manage.py backup --out DIR`` and ``manage.py restore DIR``.

A backup directory holds::

    db.jsonl.gz      every row, one JSON object a line (Django's "jsonl" serializer, gzip): the project
                     apps including the history tables of django-simple-history, accounts, groups and the
                     admin log. Content types and permissions are not dumped (``migrate`` creates them) and
                     are referred to by natural key; sessions are not kept (everyone logs in again).
    media/<name>     every file named by a FileField (the evidence), under its storage name.
    manifest.json    written last, so an interrupted backup has none: size and sha256 of the dump and of
                     each file, the Django version, the migration state (latest applied migration per
                     app), the row count per model and ``created_at``.

Restore brings a backup back into an EMPTY database (freshly migrated): every hash is checked before
anything is written, the migration state must match, the rows are loaded in one transaction with
loaddata semantics (raw saves, so no history row is invented and ``auto_now`` values are kept; primary
keys kept; PostgreSQL sequences reset), then the files are copied into storage under their original
names and checked again. Any problem raises ``ValidationError`` with Vietnamese messages and leaves the
database and the storage as they were. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = 1
MANIFEST_NAME = "manifest.json"
DUMP_NAME = "db.jsonl.gz"
MEDIA_DIR = "media"
CHUNK = 1024 * 1024

#: Rows that ``migrate`` creates itself (referred to by natural key) or that are not worth keeping.
SKIPPED_MODELS = {"contenttypes.ContentType", "auth.Permission", "sessions.Session"}
#: Foreign keys to these models are written as natural keys: their primary keys differ between databases.
NATURAL_KEY_MODELS = (ContentType, Permission)


@dataclass
class FileRecord:
    name: str
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str
    django_version: str
    database_vendor: str
    migrations: dict[str, str]
    database: FileRecord
    objects: dict[str, int]
    files: list[FileRecord]
    missing_files: list[str] = field(default_factory=list)
    format: int = FORMAT

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Manifest:
        """Read a manifest; a damaged or foreign one raises ``ValidationError``."""
        try:
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("format")
            files = [FileRecord(name=_safe_name(f["name"]), size=int(f["size"]), sha256=_hex(f["sha256"]))
                     for f in data["files"]]
            db = data["database"]
            return cls(
                created_at=str(data["created_at"]),
                django_version=str(data["django_version"]),
                database_vendor=str(data["database_vendor"]),
                migrations={str(k): str(v) for k, v in dict(data["migrations"]).items()},
                database=FileRecord(name=_safe_name(db["name"]), size=int(db["size"]), sha256=_hex(db["sha256"])),
                objects={str(k): int(v) for k, v in dict(data["objects"]).items()},
                files=files,
                missing_files=[str(n) for n in data.get("missing_files", [])],
            )
        except ValidationError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValidationError(
                f"Tệp {MANIFEST_NAME} không đúng định dạng bản sao lưu (phiên bản {FORMAT}): không phục hồi."
            ) from None


# --------------------------------------------------------------------------- helpers


def _hex(value: object) -> str:
    text = str(value)
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError("sha256")
    return text


def _safe_name(name: object) -> str:
    """A storage name that stays inside the backup directory and the storage (no ``..``, not absolute)."""
    text = str(name)
    path = PurePosixPath(text)
    if (not text or path.is_absolute() or ".." in path.parts or "\\" in text or "\x00" in text
            or str(path) != text):
        raise ValidationError(f"Tên tệp “{text}” trong {MANIFEST_NAME} không hợp lệ: không phục hồi.")
    return text


def _sha256_file(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _sha256_stored(name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with default_storage.open(name, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def backup_models() -> list[type[models.Model]]:
    """Every concrete, managed model whose rows a backup keeps (auto-created M2M tables travel with
    their model), in a stable order."""
    result = []
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed or opts.label in SKIPPED_MODELS:
            continue
        result.append(model)
    return sorted(result, key=lambda m: m._meta.label)


def migration_state(using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The latest applied migration of every app, e.g. ``{"submissions": "0004_window"}``."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    applied = loader.applied_migrations or {}
    state: dict[str, str] = {}
    for app_label, name in sorted(loader.graph.leaf_nodes()):
        done = [n for n in loader.graph.forwards_plan((app_label, name)) if n[0] == app_label and n in applied]
        if done:
            state[app_label] = done[-1][1]
    return state


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes to milliseconds; a backup keeps the microseconds."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class _Serializer(JSONLSerializer):
    """Natural keys only for content types and permissions; every other foreign key stays a primary key,
    so rows pointing at a deleted account (history tables have no constraint) still serialise."""

    def _natural(self, field: models.Field) -> bool:
        return issubclass(field.remote_field.model, NATURAL_KEY_MODELS)

    def handle_fk_field(self, obj, field):
        saved, self.use_natural_foreign_keys = self.use_natural_foreign_keys, self._natural(field)
        try:
            super().handle_fk_field(obj, field)
        finally:
            self.use_natural_foreign_keys = saved

    def handle_m2m_field(self, obj, field):
        saved, self.use_natural_foreign_keys = self.use_natural_foreign_keys, self._natural(field)
        try:
            super().handle_m2m_field(obj, field)
        finally:
            self.use_natural_foreign_keys = saved


def _rows(model: type[models.Model], using: str) -> Iterator[models.Model]:
    queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
    prefetch = []
    for m2m in model._meta.many_to_many:
        if m2m.remote_field.through._meta.auto_created:
            natural = issubclass(m2m.remote_field.model, Permission)
            prefetch.append(f"{m2m.name}__content_type" if natural else m2m.name)
    if prefetch:
        queryset = queryset.prefetch_related(*prefetch)
    return queryset.iterator(chunk_size=2000)


def _dump(path: Path, model_list: list[type[models.Model]], using: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    serializer = _Serializer()

    def counted(label: str, rows: Iterable[models.Model]) -> Iterator[models.Model]:
        for row in rows:
            counts[label] += 1
            yield row

    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as compressed, \
            io.TextIOWrapper(compressed, encoding="utf-8", newline="\n") as text:
        for model in model_list:
            label = model._meta.label
            counts[label] = 0
            serializer.serialize(counted(label, _rows(model, using)), stream=text, use_natural_foreign_keys=True,
                                 cls=_Encoder)
    return counts


def _stored_names(model_list: list[type[models.Model]], using: str) -> list[str]:
    names: set[str] = set()
    for model in model_list:
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                values = (model._base_manager.using(using).exclude(**{model_field.attname: ""})
                          .exclude(**{f"{model_field.attname}__isnull": True})
                          .values_list(model_field.attname, flat=True))
                names.update(values)
    return sorted(names)


# --------------------------------------------------------------------------- backup


def backup_write(out_dir: Path | str, *, using: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Write a backup into ``out_dir`` (new or empty). The rows come from one consistent snapshot
    (REPEATABLE READ on PostgreSQL); evidence files are never changed once stored, so copying them
    afterwards is safe. A file missing from storage is listed in ``missing_files``, not fatal."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValidationError(f"Thư mục “{out}” đã có nội dung: hãy sao lưu vào một thư mục mới hoặc trống.")
    out.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    model_list = backup_models()
    dump_path = out / DUMP_NAME
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        migrations = migration_state(using)
        counts = _dump(dump_path, model_list, using)
        names = _stored_names(model_list, using)

    files, missing = [], []
    for name in names:
        _safe_name(name)
        target = out / MEDIA_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with default_storage.open(name, "rb") as src, open(target, "wb") as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
        except FileNotFoundError:
            target.unlink(missing_ok=True)
            missing.append(name)
            continue
        files.append(FileRecord(name=name, size=size, sha256=digest.hexdigest()))

    size, sha = _sha256_file(dump_path)
    manifest = Manifest(
        created_at=timezone.now().isoformat(),
        django_version=django.get_version(),
        database_vendor=connection.vendor,
        migrations=migrations,
        database=FileRecord(name=DUMP_NAME, size=size, sha256=sha),
        objects=counts,
        files=files,
        missing_files=missing,
    )
    partial = out / (MANIFEST_NAME + ".tmp")
    partial.write_text(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(partial, out / MANIFEST_NAME)
    return manifest


# --------------------------------------------------------------------------- restore


def backup_read_manifest(in_dir: Path | str) -> Manifest:
    path = Path(in_dir) / MANIFEST_NAME
    if not path.is_file():
        raise ValidationError(
            f"Không có {MANIFEST_NAME} trong “{in_dir}”: đây không phải bản sao lưu, hoặc lần sao lưu chưa xong."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(f"Tệp {MANIFEST_NAME} bị hỏng (không phải JSON): không phục hồi.") from None
    return Manifest.from_dict(data)


def backup_verify(in_dir: Path | str, manifest: Manifest) -> None:
    """Check the size and SHA-256 of the dump and of every file; name each one that does not match."""
    root = Path(in_dir)
    problems = []
    records = [(root / manifest.database.name, manifest.database.name, manifest.database)]
    records += [(root / MEDIA_DIR / r.name, f"{MEDIA_DIR}/{r.name}", r) for r in manifest.files]
    for path, shown, record in records:
        if not path.is_file():
            problems.append(f"Thiếu tệp {shown}.")
            continue
        size, sha = _sha256_file(path)
        if (size, sha) != (record.size, record.sha256):
            problems.append(f"Tệp {shown} không khớp mã SHA-256 ghi trong {MANIFEST_NAME} (bị sửa hoặc hỏng).")
    if problems:
        raise ValidationError(["Bản sao lưu không toàn vẹn nên không phục hồi, chưa ghi gì:"] + problems)


def _check_migrations(manifest: Manifest, using: str) -> None:
    current = migration_state(using)
    if current == manifest.migrations:
        return
    lines = []
    for app_label in sorted(set(current) | set(manifest.migrations)):
        ours, theirs = current.get(app_label, "chưa có"), manifest.migrations.get(app_label, "chưa có")
        if ours != theirs:
            lines.append(f"{app_label}: bản sao lưu ở {theirs}, cơ sở dữ liệu ở {ours}.")
    raise ValidationError(
        ["Cấu trúc cơ sở dữ liệu (migration) khác bản sao lưu nên không phục hồi; hãy dùng đúng phiên bản phần "
         "mềm đã sao lưu và chạy “migrate”:"] + lines
    )


def _check_empty(model_list: list[type[models.Model]], using: str) -> None:
    filled = []
    for model in model_list:
        if model._base_manager.using(using).exists():
            # django-simple-history names its tables "historical …" in English.
            name = "lịch sử thay đổi" if hasattr(model, "instance_type") else str(model._meta.verbose_name_plural)
            if name not in filled:
                filled.append(name)
    if filled:
        raise ValidationError(
            "Cơ sở dữ liệu đã có dữ liệu (" + ", ".join(filled[:8]) + ("…" if len(filled) > 8 else "")
            + "): chỉ phục hồi vào cơ sở dữ liệu trống, vừa tạo bằng “migrate”. Chưa ghi gì."
        )


def _storage_plan(manifest: Manifest) -> list[FileRecord]:
    """The files to copy; one already in storage with the same content is skipped, another one refuses."""
    todo, clashes = [], []
    for record in manifest.files:
        if default_storage.exists(record.name):
            if _sha256_stored(record.name) != (record.size, record.sha256):
                clashes.append(record.name)
            continue
        todo.append(record)
    if clashes:
        raise ValidationError(
            ["Kho tệp đã có tệp cùng tên nhưng khác nội dung nên không phục hồi, chưa ghi gì:"] + clashes
        )
    return todo


def _load(path: Path, using: str) -> dict[str, int]:
    connection = connections[using]
    counts: dict[str, int] = {}
    loaded: set[type[models.Model]] = set()
    with connection.constraint_checks_disabled():
        with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as compressed, \
                io.TextIOWrapper(compressed, encoding="utf-8") as text:
            for obj in serializers.deserialize("jsonl", text, using=using):
                obj.save(using=using, force_insert=True)  # the database was checked empty
                model = type(obj.object)
                loaded.add(model)
                counts[model._meta.label] = counts.get(model._meta.label, 0) + 1
    connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
    statements = connection.ops.sequence_reset_sql(no_style(), sorted(loaded, key=lambda m: m._meta.label))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    return counts


def backup_restore(in_dir: Path | str, *, using: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Bring a backup back into an empty database and storage; see the module docstring."""
    root = Path(in_dir)
    ContentType.objects.clear_cache()  # natural keys must resolve against this database's rows
    manifest = backup_read_manifest(root)
    backup_verify(root, manifest)
    _check_migrations(manifest, using)
    model_list = backup_models()
    _check_empty(model_list, using)
    todo = _storage_plan(manifest)

    written: list[str] = []
    try:
        with transaction.atomic(using=using):
            _check_empty(model_list, using)
            counts = _load(root / manifest.database.name, using)
            expected = {label: n for label, n in manifest.objects.items() if n}
            if counts != expected:
                raise ValidationError(
                    f"Số bản ghi nạp được khác số ghi trong {MANIFEST_NAME}: đã hủy, không ghi gì."
                )
            for record in todo:
                with open(root / MEDIA_DIR / record.name, "rb") as fh:
                    stored = default_storage.save(record.name, File(fh, name=record.name))
                written.append(stored)
                if stored != record.name or _sha256_stored(stored) != (record.size, record.sha256):
                    raise ValidationError(
                        f"Không chép được tệp {record.name} vào kho tệp nguyên vẹn: đã hủy, không ghi gì."
                    )
    except (DeserializationError, DatabaseError) as exc:
        _remove(written)
        raise ValidationError(f"Không nạp được dữ liệu của bản sao lưu ({exc}): đã hủy, không ghi gì.") from exc
    except BaseException:
        _remove(written)
        raise
    return manifest


def _remove(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
