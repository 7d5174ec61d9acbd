from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ranking import reports
from submissions.models import Period


class Command(BaseCommand):
    help = "Xuất phụ lục kết quả xếp loại của một kỳ (PDF, có thể ký số) hoặc bảng xếp loại (Excel)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Mã kỳ đánh giá, ví dụ demo")
        parser.add_argument("--out", required=True, help="Tệp kết quả (.pdf hoặc .xlsx)")
        parser.add_argument("--signed", action="store_true", help="Ký số PDF bằng chứng thư trong cấu hình")

    def handle(self, *args, period, out, signed, **options):
        found = Period.objects.filter(code=period).first()
        if found is None:
            known = ", ".join(Period.objects.values_list("code", flat=True)) or "chưa có kỳ nào"
            raise CommandError(f"Không có kỳ đánh giá mã “{period}” (hiện có: {known}).")
        versions = reports.current_versions(found)
        if not versions:
            raise CommandError(f"Kỳ “{period}” chưa có kết quả xếp loại.")
        path = Path(out)
        if path.suffix.lower() == ".xlsx":
            path.write_bytes(reports.ranking_workbook(versions))
        else:
            try:
                pdf = reports.annex(found, signed=signed)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            except FileNotFoundError as exc:
                raise CommandError(f"Không tìm thấy chứng thư số: {exc.filename}. Chạy "
                                   "python manage.py make_dev_certificate (môi trường phát triển).") from None
            path.write_bytes(pdf)
        self.stdout.write(f"Đã ghi {path} ({path.stat().st_size // 1024} KiB).")
