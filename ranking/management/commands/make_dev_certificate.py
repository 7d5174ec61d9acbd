from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Tạo chứng thư số tự ký dùng thử để ký phụ lục xếp loại (chỉ dùng khi phát triển)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Tạo lại dù tệp đã có.")

    def handle(self, *args, force, **options):
        from ranking.signing import make_dev_certificate

        path = Path(settings.RANKING_SIGNING_P12)
        if path.exists() and not force:
            self.stdout.write(f"Chứng thư số thử nghiệm đã có: {path}")
            return
        if settings.PRODUCTION:
            self.stderr.write("Môi trường production phải dùng chứng thư số của cơ quan, không tạo chứng thư thử.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        make_dev_certificate(path, passphrase=settings.RANKING_SIGNING_PASSPHRASE.encode())
        self.stdout.write(self.style.SUCCESS(f"Đã tạo chứng thư số thử nghiệm: {path}"))
