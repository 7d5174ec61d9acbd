"""``manage.py backup --out DIR``: the database and every evidence file, with a manifest of SHA-256 sums."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from submissions.backup import backup_write


class Command(BaseCommand):
    help = ("Sao lưu cơ sở dữ liệu (kể cả lịch sử thay đổi) và mọi tệp tài liệu kiểm chứng vào thư mục DIR, "
            "kèm manifest.json ghi mã SHA-256 của từng tệp.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="DIR", help="Thư mục đích (mới hoặc trống).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Cơ sở dữ liệu (mặc định: default).")

    def handle(self, *args, out, database, **options):
        try:
            manifest = backup_write(out, using=database)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from None
        for name in manifest.missing_files:
            self.stderr.write(f"Cảnh báo: tệp {name} có trong cơ sở dữ liệu nhưng không có trong kho tệp.")
        if options["verbosity"] >= 1:
            rows = sum(manifest.objects.values())
            size = sum(f.size for f in manifest.files)
            self.stdout.write(f"Đã sao lưu {rows} bản ghi và {len(manifest.files)} tệp ({size} byte) vào {out}.")
