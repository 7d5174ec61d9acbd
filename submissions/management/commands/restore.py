"""``manage.py restore DIR``: bring a backup back into an empty, freshly migrated database."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from submissions.backup import backup_restore


class Command(BaseCommand):
    help = ("Phục hồi bản sao lưu trong thư mục DIR vào cơ sở dữ liệu trống (vừa chạy migrate): kiểm tra mã "
            "SHA-256 của mọi tệp trước khi ghi, nạp dữ liệu trong một giao dịch rồi chép lại các tệp.")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="Thư mục bản sao lưu (có manifest.json).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Cơ sở dữ liệu (mặc định: default).")

    def handle(self, *args, directory, database, **options):
        try:
            manifest = backup_restore(directory, using=database)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from None
        if options["verbosity"] < 1:
            return
        rows = sum(manifest.objects.values())
        self.stdout.write(f"Đã phục hồi {rows} bản ghi và {len(manifest.files)} tệp từ bản sao lưu lúc "
                          f"{manifest.created_at}.")
